//! The login popup, as far as plain logic goes: its size and place, the address it opens at,
//! and what the page loaded in it is asked to do. The popup opens at the component's own page
//! (`?sc_popup=wait`, "Connecting…"); the iframe then sends it to the provider, and the provider
//! sends it back to the component's page with its answer (see `handoff`).

use crate::config::redirect_uri_of;
use crate::encoding::parse_query;
use crate::oidc::authorize::PENDING_TTL_S;

/// The popup's width in CSS pixels (the original component's).
pub const WIDTH: i32 = 425;
/// The popup's height in CSS pixels.
pub const HEIGHT: i32 = 525;
/// How often the iframe checks whether the popup was closed, in milliseconds.
pub const POLL_MS: u32 = 500;
/// How long a login may take before the iframe gives up, in seconds (the pending login's TTL).
pub const TIMEOUT_S: u64 = PENDING_TTL_S;
/// Query parameter of the popup's first page: `?sc_popup=wait`. It carries no secret.
pub const WAIT_PARAM: &str = "sc_popup";
/// The `state` of the end-session request; the provider returns it to the popup's page.
pub const LOGOUT_STATE: &str = "sc_logout";

/// `window.open` features for a popup centred on the browser window whose outer box is at
/// (`left`, `top`) and `width` × `height` big.
pub fn features(left: i32, top: i32, width: i32, height: i32) -> String {
    let x = left + (width - WIDTH).max(0) / 2;
    let y = top + (height - HEIGHT).max(0) / 2;
    format!("popup=yes,width={WIDTH},height={HEIGHT},left={x},top={y}")
}

/// Where the popup opens: the component's own page (no query kept), showing that it connects
/// to the provider until the iframe sends it there.
pub fn wait_url(page_url: &str) -> String {
    format!("{}?{WAIT_PARAM}=wait", redirect_uri_of(page_url))
}

/// What a page that is not inside a frame does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageMode {
    /// The popup's first page: the iframe sends it to the provider once the request is ready.
    Wait,
    /// The provider sent the popup back with these parameters.
    Callback(Vec<(String, String)>),
    /// The provider ended its session and sent the popup back: close.
    LogoutReturn,
    /// The query cannot be read.
    BadQuery,
    /// Opened directly: the dev host page, or the standalone notice.
    Standalone,
}

/// The mode of a top-level page from its query string (without the leading `?`).
pub fn page_mode(query: &str) -> PageMode {
    let Some(params) = parse_query(query) else {
        return PageMode::BadQuery;
    };
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if get(WAIT_PARAM).is_some() {
        return PageMode::Wait;
    }
    if get("code").is_some() || get("error").is_some() {
        return PageMode::Callback(params);
    }
    if get("state").is_some_and(|s| s == LOGOUT_STATE) {
        return PageMode::LogoutReturn;
    }
    PageMode::Standalone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_popup_is_centred_on_the_browser_window() {
        assert_eq!(
            features(100, 50, 1225, 1025),
            "popup=yes,width=425,height=525,left=500,top=300"
        );
        assert_eq!(
            features(-1920, 0, 300, 300),
            "popup=yes,width=425,height=525,left=-1920,top=0",
            "a window smaller than the popup: aligned with its corner"
        );
    }

    #[test]
    fn the_popup_opens_at_the_component_page_without_its_query() {
        assert_eq!(
            wait_url(
                "http://localhost:8501/component/x.login/index.html?streamlitUrl=http%3A%2F%2Fevil#f"
            ),
            "http://localhost:8501/component/x.login/index.html?sc_popup=wait"
        );
    }

    #[test]
    fn the_page_mode_comes_from_the_query() {
        assert_eq!(page_mode("sc_popup=wait"), PageMode::Wait);
        assert_eq!(
            page_mode("code=c&state=s&iss=http%3A%2F%2Fidp"),
            PageMode::Callback(vec![
                ("code".into(), "c".into()),
                ("state".into(), "s".into()),
                ("iss".into(), "http://idp".into())
            ])
        );
        assert!(matches!(
            page_mode("error=access_denied&state=s"),
            PageMode::Callback(_)
        ));
        assert!(matches!(page_mode("code="), PageMode::Callback(_)));
        assert_eq!(page_mode("state=sc_logout"), PageMode::LogoutReturn);
        assert_eq!(page_mode("state=other"), PageMode::Standalone);
        assert_eq!(page_mode(""), PageMode::Standalone);
        assert_eq!(page_mode("code=%zz"), PageMode::BadQuery);
    }
}
