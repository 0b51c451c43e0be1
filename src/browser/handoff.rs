//! The browser's half of the handoff (see `crate::handoff`): the login window posts the
//! provider's answer to its opener; the iframe listens for it; the same-tab login sends the
//! app's own tab to the provider; and facts about where the component is embedded.

use crate::browser::listener::Listener;
use crate::browser::messaging::event_json;
use crate::browser::page;
use crate::handoff::{self, Answer, HandoffError};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlAnchorElement, MessageEvent, Window};

/// Posts the callback `query` to the window that opened this one, at this page's own origin
/// (the iframe that opened the popup is served from it). `false` when there is no opener: the
/// provider's pages cut this window off, or it was never a popup.
pub fn post_to_opener(window: &Window, query: &str) -> bool {
    let Some(opener) = window
        .opener()
        .ok()
        .filter(|o| !o.is_null() && !o.is_undefined())
    else {
        return false;
    };
    // Another realm's window: `instanceof Window` fails across realms, so no checked cast.
    let opener: Window = opener.unchecked_into();
    let Ok(message) = js_sys::JSON::parse(&handoff::message(query).to_string()) else {
        return false;
    };
    opener
        .post_message(&message, &page::own_origin(window))
        .is_ok()
}

/// Calls `handle` with each login answer posted to `window`: the sender's origin, the answer
/// (or why it cannot be read) and the window that sent it, for the caller to check against its
/// popup. Messages of other types are not looked at here (Streamlit's are the host link's).
pub fn on_answers(
    window: &Window,
    mut handle: impl FnMut(&str, Result<Answer, HandoffError>, Option<JsValue>) + 'static,
) -> Result<Listener, JsValue> {
    Listener::add(window, "message", move |event: MessageEvent| {
        let answer = event_json(&event)
            .map_err(|_| HandoffError::NotOurs)
            .and_then(|data| handoff::read_message(&data));
        if answer != Err(HandoffError::NotOurs) {
            handle(&event.origin(), answer, event.source().map(JsValue::from));
        }
    })
}

/// Whether the component's page is inside a page of another origin (the app embedded in
/// another site): the top page's address cannot be read then, and the browser partitions the
/// component's storage by the top site.
pub fn in_foreign_page(window: &Window) -> bool {
    match window.top() {
        Ok(Some(top)) => top.location().href().is_err(),
        _ => true,
    }
}

/// The address of the app page that embeds the component (its parent, same origin), with its
/// query: where a same-tab login returns and what "open in its own tab" opens.
pub fn app_page_url(window: &Window) -> Option<String> {
    let parent = page::parent_window(window)?;
    let url = parent.location().href().ok()?;
    handoff::is_on_origin(&url, &page::own_origin(window)).then_some(url)
}

/// Sends the app's own tab (the component's parent page, top of the tab) to `url`. The link is
/// followed from the parent's document: the component's frame is sandboxed without top
/// navigation, the app's page is not.
pub fn navigate_app_page(window: &Window, url: &str) -> Result<(), JsValue> {
    let parent = page::parent_window(window).ok_or(JsValue::NULL)?;
    let document = parent.document().ok_or(JsValue::NULL)?;
    // Made in the parent's realm, where `instanceof` with this realm's classes fails.
    let link: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(url);
    link.set_target("_self");
    link.set_rel("noopener");
    let body = document.body().ok_or(JsValue::NULL)?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    Ok(())
}
