//! A repeating timer (`setInterval`), cleared when its handle drops.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Window;

/// A running interval; dropping it stops it.
#[must_use = "the interval stops when the handle is dropped"]
pub struct Interval {
    window: Window,
    id: i32,
    _closure: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `tick` every `period_ms` milliseconds.
    pub fn start(
        window: &Window,
        period_ms: i32,
        tick: impl FnMut() + 'static,
    ) -> Result<Interval, JsValue> {
        let closure = Closure::<dyn FnMut()>::new(tick);
        let id = window.set_interval_with_callback_and_timeout_and_arguments_0(
            closure.as_ref().unchecked_ref(),
            period_ms,
        )?;
        Ok(Interval {
            window: window.clone(),
            id,
            _closure: closure,
        })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        self.window.clear_interval_with_handle(self.id);
    }
}

/// Resolves after `ms` milliseconds (`setTimeout`); at once when the timer cannot be set.
pub async fn sleep(window: &Window, ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .is_err()
        {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
