//! An event listener on a window, removed when its handle drops.

use wasm_bindgen::convert::FromWasmAbi;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Window;

/// A listener for `event` events on a window; it is removed when this handle drops.
#[must_use = "the listener is removed when the handle is dropped"]
pub struct Listener<E: FromWasmAbi + 'static = web_sys::MessageEvent> {
    window: Window,
    event: &'static str,
    closure: Closure<dyn FnMut(E)>,
}

impl<E: FromWasmAbi + 'static> Listener<E> {
    /// Calls `handle` with each `event` event on `window`.
    pub fn add(
        window: &Window,
        event: &'static str,
        handle: impl FnMut(E) + 'static,
    ) -> Result<Listener<E>, JsValue> {
        let closure = Closure::<dyn FnMut(E)>::new(handle);
        window.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
        Ok(Listener {
            window: window.clone(),
            event,
            closure,
        })
    }

    /// Keeps the listener for the life of the page.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl<E: FromWasmAbi + 'static> Drop for Listener<E> {
    fn drop(&mut self) {
        let callback = self.closure.as_ref().unchecked_ref();
        let _ = self
            .window
            .remove_event_listener_with_callback(self.event, callback);
    }
}
