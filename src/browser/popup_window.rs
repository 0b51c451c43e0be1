//! Opening the login popup, centred on the browser window.

use crate::popup;
use web_sys::Window;

fn number(value: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>) -> i32 {
    value.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32
}

/// Opens `url` in a 425x525 popup centred on `window`'s browser window; `None` when the
/// browser blocked it.
pub fn open(window: &Window, url: &str) -> Option<Window> {
    let features = popup::features(
        number(window.screen_x()),
        number(window.screen_y()),
        number(window.outer_width()),
        number(window.outer_height()),
    );
    window
        .open_with_url_and_target_and_features(url, "_blank", &features)
        .ok()
        .flatten()
}
