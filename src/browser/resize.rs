//! Watching an element's height, to keep the iframe exactly as tall as the content.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, ResizeObserver};

/// A resize observer; it disconnects when this handle drops.
#[must_use = "observation stops when the handle is dropped"]
pub struct HeightObserver {
    observer: ResizeObserver,
    _closure: Closure<dyn FnMut()>,
}

impl HeightObserver {
    /// Keeps observing for the life of the page.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for HeightObserver {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The element's rendered height in whole CSS pixels, rounded up so that nothing is cut off.
pub fn element_height(element: &Element) -> u32 {
    element.get_bounding_client_rect().height().ceil() as u32
}

/// Calls `on_change` with the element's height at once and whenever it changes.
pub fn observe_height(
    element: &Element,
    mut on_change: impl FnMut(u32) + 'static,
) -> Result<HeightObserver, JsValue> {
    let target = element.clone();
    let mut last = None;
    let closure = Closure::<dyn FnMut()>::new(move || {
        let height = element_height(&target);
        if last != Some(height) {
            last = Some(height);
            on_change(height);
        }
    });
    let observer = ResizeObserver::new(closure.as_ref().unchecked_ref())?;
    observer.observe(element);
    Ok(HeightObserver {
        observer,
        _closure: closure,
    })
}
