//! Facts about the page the app runs in.

use wasm_bindgen::JsValue;
use web_sys::{Url, Window};

/// The page's window. Every page the app runs in has one: the wasm is loaded by a document.
pub fn window() -> Window {
    web_sys::window().expect("the app runs in a document, which has a window")
}

/// The window's parent when the page runs inside a frame, `None` when it is the top page.
pub fn parent_window(window: &Window) -> Option<Window> {
    let parent = window.parent().ok().flatten()?;
    let own: &JsValue = window.as_ref();
    (!js_sys::Object::is(parent.as_ref(), own)).then_some(parent)
}

/// The page's own origin, as `scheme://host:port`.
pub fn own_origin(window: &Window) -> String {
    window.location().origin().unwrap_or_default()
}

/// The origin of the parent page as Streamlit states it in the `streamlitUrl` query parameter:
/// a hint only, never trusted by itself.
pub fn streamlit_origin_hint(window: &Window) -> Option<String> {
    let page = Url::new(&window.location().href().ok()?).ok()?;
    let streamlit_url = page.search_params().get("streamlitUrl")?;
    Some(Url::new(&streamlit_url).ok()?.origin())
}

/// The page's address.
pub fn url(window: &Window) -> String {
    window.location().href().unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Seconds since the Unix epoch.
pub fn now_s() -> u64 {
    now_ms() / 1000
}

/// Replaces the page's content with one line of text (the popup's messages).
pub fn show_message(window: &Window, text: &str) {
    let _ = message_paragraph(window, text);
}

/// Replaces the page's content with a card (styled as `.sc-page` in index.html) holding one
/// paragraph of `text`; the paragraph.
fn message_paragraph(window: &Window, text: &str) -> Option<web_sys::Element> {
    let document = window.document()?;
    let body = document.body()?;
    let card = document.create_element("main").ok()?;
    card.set_class_name("sc-page");
    let paragraph = document.create_element("p").ok()?;
    paragraph.set_text_content(Some(text));
    card.append_child(&paragraph).ok()?;
    body.set_text_content(None);
    body.append_child(&card).ok()?;
    Some(paragraph)
}

/// Replaces the page's content with one line of text followed by a link to `href`.
pub fn show_link(window: &Window, text: &str, label: &str, href: &str) {
    let Some(paragraph) = message_paragraph(window, text) else {
        return;
    };
    let Some(Ok(link)) = window.document().map(|d| d.create_element("a")) else {
        return;
    };
    let _ = link.set_attribute("href", href);
    link.set_text_content(Some(label));
    let _ = paragraph.append_with_str_1(" ");
    let _ = paragraph.append_child(&link);
}
