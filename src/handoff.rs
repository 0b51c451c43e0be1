//! The handoff of the provider's answer from the login window back to the component, as far as
//! plain logic goes.
//!
//! The pending login (state, nonce, PKCE verifier) never leaves the component's iframe: the
//! login window only carries the provider's answer (the callback's query: `code`, `state`,
//! `iss` or `error`) back. It posts it to its opener (exact target origin; the iframe checks the
//! origin, the source window and the type). When the provider's pages isolate themselves
//! (`Cross-Origin-Opener-Policy`), the window loses its opener: it then leaves the answer in
//! localStorage under a relay key for the iframe to take, which works wherever the two share
//! storage (the app is not embedded in another site's page). The code is useless without the
//! verifier, which only the iframe holds.

use crate::encoding::parse_query;
use crate::oidc::UnixSeconds;
use crate::session::{KEY_PREFIX, MAX_STORED_LEN};
use crate::wire::{self, Int, Value, WireError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The `type` of the message the login window posts to its opener.
pub const MESSAGE_TYPE: &str = "streamlit_component.callback";
/// Longest callback query accepted.
pub const MAX_QUERY_LEN: usize = 8 * 1024;
/// How long a relayed answer waits for the iframe, in seconds; older ones are purged.
pub const RELAY_TTL_S: u64 = 60;
/// How long the login window waits for the app to take its answer, in milliseconds.
pub const WAIT_FOR_APP_MS: u32 = 5_000;

/// Why a handed-off answer was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffError {
    /// Not a message or relay of ours (another type, not an object).
    NotOurs,
    /// Longer than [`MAX_QUERY_LEN`].
    TooLarge,
    /// The query cannot be read, or has no `state`.
    Malformed,
    /// A relayed answer older than [`RELAY_TTL_S`] (or dated in the future).
    Expired,
}

impl fmt::Display for HandoffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandoffError::NotOurs => "not a login answer",
            HandoffError::TooLarge => "the login answer is too large",
            HandoffError::Malformed => "the login answer cannot be read",
            HandoffError::Expired => "the login answer expired",
        })
    }
}

/// The provider's answer: the callback's query parameters, with a `state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The callback's query parameters, in order.
    pub params: Vec<(String, String)>,
}

impl Answer {
    /// Reads a callback query (without `?`); it must carry a `state`.
    pub fn from_query(query: &str) -> Result<Answer, HandoffError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(HandoffError::TooLarge);
        }
        let params = parse_query(query).ok_or(HandoffError::Malformed)?;
        let answer = Answer { params };
        answer.state().ok_or(HandoffError::Malformed)?;
        Ok(answer)
    }

    /// The `state` the provider returned.
    pub fn state(&self) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty())
    }
}

/// The message the login window posts to its opener.
#[derive(Serialize, Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    query: String,
}

/// The message the login window posts to its opener.
pub fn message(query: &str) -> Value {
    wire::to_value(&Message {
        kind: MESSAGE_TYPE.to_owned(),
        query: query.to_owned(),
    })
}

/// Reads a message posted to the iframe (after its origin and source were checked).
pub fn read_message(data: &Value) -> Result<Answer, HandoffError> {
    if data.get("type").and_then(Value::as_str) != Some(MESSAGE_TYPE) {
        return Err(HandoffError::NotOurs);
    }
    let message: Message = wire::from_value(data).map_err(|_| HandoffError::Malformed)?;
    Answer::from_query(&message.query)
}

/// The storage key of the answer relayed for the login with `state`.
pub fn relay_key(state: &str) -> String {
    format!("{KEY_PREFIX}|relay|{state}")
}

/// Whether a storage key holds a relayed answer.
pub fn is_relay_key(key: &str) -> bool {
    key.starts_with(&format!("{KEY_PREFIX}|relay|"))
}

/// A relayed answer as stored: the callback's query and when it was left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    query: String,
    at: Int,
}

/// The relayed answer to store.
pub fn relay_value(query: &str, now: UnixSeconds) -> Relay {
    Relay {
        query: query.to_owned(),
        at: Int(now),
    }
}

/// Reads a relayed answer (untrusted: any script on the origin can write there).
pub fn read_relay(stored: &str, now: UnixSeconds) -> Result<Answer, HandoffError> {
    let relay: Relay = wire::from_text(stored, MAX_STORED_LEN).map_err(|e| match e {
        WireError::TooLarge => HandoffError::TooLarge,
        _ => HandoffError::Malformed,
    })?;
    if now < relay.at.0 || now - relay.at.0 > RELAY_TTL_S {
        return Err(HandoffError::Expired);
    }
    Answer::from_query(&relay.query)
}

/// Whether `url` lies on `origin` (`scheme://host[:port]`): the only addresses the same-tab
/// login returns to (never one taken from a query string).
pub fn is_on_origin(url: &str, origin: &str) -> bool {
    !origin.is_empty()
        && (url == origin
            || url
                .strip_prefix(origin)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// The app's address from the component page's (`<app>/component/<module>.<name>/index.html`,
/// under any `baseUrlPath`): where "open the app in its own tab" leads.
pub fn app_url_of(component_url: &str) -> Option<String> {
    let end = component_url
        .find(['?', '#'])
        .unwrap_or(component_url.len());
    let path = &component_url[..end];
    let at = path.rfind("/component/")?;
    Some(format!("{}/", &path[..at]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_answer_round_trips_and_needs_a_state() {
        let answer = read_message(&message("code=c&state=s%2B1&iss=http%3A%2F%2Fidp")).unwrap();
        assert_eq!(answer.state(), Some("s+1"));
        assert_eq!(answer.params[0], ("code".into(), "c".into()));
        assert_eq!(
            read_message(&message("code=c")),
            Err(HandoffError::Malformed)
        );
        assert_eq!(
            read_message(&message("code=c&state=")),
            Err(HandoffError::Malformed)
        );
        assert_eq!(
            read_message(&message("state=%zz")),
            Err(HandoffError::Malformed)
        );
    }

    #[test]
    fn other_messages_are_not_ours() {
        for data in [
            r#"{"type":"streamlit:render","query":"state=s"}"#,
            r#"{"query":"state=s"}"#,
            r#""state=s""#,
            r#"null"#,
        ] {
            let json: Value = serde_json::from_str(data).unwrap();
            assert_eq!(read_message(&json), Err(HandoffError::NotOurs), "{data}");
        }
        let no_query = serde_json::json!({"type": MESSAGE_TYPE, "query": 5});
        assert_eq!(read_message(&no_query), Err(HandoffError::Malformed));
    }

    #[test]
    fn an_oversized_answer_is_refused_unparsed() {
        let query = format!("state=s&code={}", "a".repeat(MAX_QUERY_LEN));
        assert_eq!(read_message(&message(&query)), Err(HandoffError::TooLarge));
    }

    #[test]
    fn a_relayed_answer_lives_one_minute() {
        let stored = wire::to_text(&relay_value("code=c&state=s", 1000));
        assert_eq!(read_relay(&stored, 1000).unwrap().state(), Some("s"));
        assert!(read_relay(&stored, 1000 + RELAY_TTL_S).is_ok());
        assert_eq!(
            read_relay(&stored, 1001 + RELAY_TTL_S),
            Err(HandoffError::Expired)
        );
        assert_eq!(read_relay(&stored, 999), Err(HandoffError::Expired));
        assert_eq!(read_relay("{", 1000), Err(HandoffError::Malformed));
        assert_eq!(
            read_relay(r#"{"query":"state=s"}"#, 1000),
            Err(HandoffError::Malformed)
        );
        assert!(is_relay_key(&relay_key("s")));
        assert!(!is_relay_key(&format!("{KEY_PREFIX}|session|x|y")));
    }

    #[test]
    fn the_same_tab_login_returns_only_to_its_own_origin() {
        let origin = "http://localhost:8501";
        assert!(is_on_origin("http://localhost:8501/page?x=1", origin));
        assert!(is_on_origin("http://localhost:8501", origin));
        for url in [
            "http://localhost:85011/",
            "http://localhost:8501@evil.example/",
            "http://localhost:8501.evil.example/",
            "https://localhost:8501/",
            "javascript:alert(1)",
        ] {
            assert!(!is_on_origin(url, origin), "{url}");
        }
        assert!(!is_on_origin("http://x/", ""));
    }

    #[test]
    fn the_app_url_is_the_component_url_without_its_component_path() {
        assert_eq!(
            app_url_of("http://localhost:8501/component/streamlit_component.login/index.html?x=1")
                .as_deref(),
            Some("http://localhost:8501/")
        );
        assert_eq!(
            app_url_of("https://h/apps/demo/component/m.login/index.html").as_deref(),
            Some("https://h/apps/demo/")
        );
        assert_eq!(app_url_of("http://127.0.0.1:8080/index.html"), None);
    }
}
