//! Opening the login popup, centred on the browser window.

use crate::popup;
use wasm_bindgen::JsCast;
use web_sys::{HtmlFormElement, HtmlInputElement, Window};

fn number(value: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>) -> i32 {
    value.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32
}

/// Opens `url` in a 425x525 popup centred on `window`'s browser window; `None` when the
/// browser blocked it.
pub fn open(window: &Window, url: &str) -> Option<Window> {
    open_named(window, url, "_blank")
}

fn open_named(window: &Window, url: &str, target: &str) -> Option<Window> {
    let features = popup::features(
        number(window.screen_x()),
        number(window.screen_y()),
        number(window.outer_width()),
        number(window.outer_height()),
    );
    window
        .open_with_url_and_target_and_features(url, target, &features)
        .ok()
        .flatten()
}

/// The popup's window name for the logout form; the form targets it.
const LOGOUT_TARGET: &str = "sc_logout";

/// Opens an empty popup and POSTs `fields` to `action` in it, through a hidden form in this
/// document (a POST keeps the fields, an ID token among them, out of every URL). `None` when
/// the browser blocked the popup or refused the form.
pub fn post(window: &Window, action: &str, fields: &[(&str, String)]) -> Option<Window> {
    let popup = open_named(window, "about:blank", LOGOUT_TARGET)?;
    let document = window.document()?;
    let form: HtmlFormElement = document.create_element("form").ok()?.dyn_into().ok()?;
    form.set_method("post");
    form.set_action(action);
    form.set_target(LOGOUT_TARGET);
    form.set_hidden(true);
    for (name, value) in fields {
        let input: HtmlInputElement = document.create_element("input").ok()?.dyn_into().ok()?;
        input.set_type("hidden");
        input.set_name(name);
        input.set_value(value);
        form.append_child(&input).ok()?;
    }
    let body = document.body()?;
    body.append_child(&form).ok()?;
    let submitted = form.submit();
    form.remove();
    submitted.ok().map(|()| popup)
}
