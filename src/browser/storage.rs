//! localStorage: the session, pending logins, the popup's outcome and the refresh lease live
//! there, shared by the iframe, the popup and every other tab of the app.

use crate::browser::listener::Listener;
use crate::session::is_our_key;
use wasm_bindgen::JsValue;
use web_sys::{Storage, StorageEvent, Window};

/// A `storage` event listener (other documents' writes); removed when dropped.
pub type StorageListener = Listener<StorageEvent>;

/// The origin's localStorage.
#[derive(Clone, Debug)]
pub struct Store {
    storage: Storage,
}

impl Store {
    /// The window's localStorage; `None` when the browser refuses it (blocked storage).
    pub fn open(window: &Window) -> Option<Store> {
        let storage = window.local_storage().ok().flatten()?;
        Some(Store { storage })
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.storage.get_item(key).ok().flatten()
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), JsValue> {
        self.storage.set_item(key, value)
    }

    /// Removes `key` (nothing happens when it is absent).
    pub fn remove(&self, key: &str) {
        let _ = self.storage.remove_item(key);
    }

    /// Every key of ours with its value.
    pub fn ours(&self) -> Vec<(String, String)> {
        let count = self.storage.length().unwrap_or(0);
        (0..count)
            .filter_map(|i| self.storage.key(i).ok().flatten())
            .filter(|key| is_our_key(key))
            .filter_map(|key| self.get(&key).map(|value| (key, value)))
            .collect()
    }

    /// Removes every key of ours, whatever its provider (logout).
    pub fn remove_ours(&self) {
        for (key, _) in self.ours() {
            self.remove(&key);
        }
    }
}

/// Calls `on_change` when another document of the origin changes one of our keys, or clears
/// the whole storage.
pub fn on_our_changes(
    window: &Window,
    mut on_change: impl FnMut() + 'static,
) -> Result<StorageListener, JsValue> {
    Listener::add(window, "storage", move |event: StorageEvent| {
        if event.key().is_none_or(|key| is_our_key(&key)) {
            on_change();
        }
    })
}
