//! The Web Locks API (`navigator.locks`): single-flight work across the tabs of an origin.

use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::Window;

/// The browser's lock manager, when it has one (every current browser in a secure context;
/// `http://localhost` counts as one).
fn lock_manager(window: &Window) -> Option<JsValue> {
    let navigator = js_sys::Reflect::get(window, &"navigator".into()).ok()?;
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

/// Whether the Web Locks API is there.
pub fn available(window: &Window) -> bool {
    lock_manager(window).is_some()
}

/// Runs `work` while holding the lock `name`, if no tab holds it now (`ifAvailable`): its
/// output, or `None` when another holder has the lock. The lock is released when `work` ends.
pub async fn run_if_available<T, F, Fut>(
    window: &Window,
    name: &str,
    work: F,
) -> Result<Option<T>, JsValue>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let locks = lock_manager(window).ok_or_else(|| JsValue::from_str("no Web Locks"))?;
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())?.dyn_into()?;
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE)?;
    let output = std::rc::Rc::new(std::cell::RefCell::new(None));
    let slot = output.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        if lock.is_null() {
            return js_sys::Promise::resolve(&JsValue::FALSE);
        }
        future_to_promise(async move {
            let value = work().await;
            *slot.borrow_mut() = Some(value);
            Ok(JsValue::TRUE)
        })
    });
    let promise: js_sys::Promise = request
        .call3(&locks, &JsValue::from_str(name), &options, &callback)?
        .dyn_into()?;
    JsFuture::from(promise).await?;
    let value = output.borrow_mut().take();
    Ok(value)
}
