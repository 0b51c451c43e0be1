//! localStorage: the session, a same-tab login's pending login, answers relayed by a login
//! window and the refresh lease live there, shared by the iframe, the popup and every other
//! tab of the app.
//!
//! gloo-storage writes the values (typed, serialized with serde) and removes them; reads take
//! the raw text, so that its size is checked before it is parsed (`crate::wire`).

use crate::browser::listener::Listener;
use crate::session::is_our_key;
use gloo_storage::{LocalStorage, Storage as _};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Storage, StorageEvent, Window};

/// A `storage` event listener (other documents' writes); removed when dropped.
pub type StorageListener = Listener<StorageEvent>;

/// Where our entries live: the origin's localStorage, or this page's memory where the browser
/// blocks storage (a third-party frame when third-party cookies are blocked: the app embedded
/// in another site's page). A memory store lasts until the page reloads and no other tab sees
/// it.
#[derive(Clone, Debug)]
enum Backend {
    /// The origin's localStorage, known to be open (`LocalStorage::raw` would throw where the
    /// browser blocks it).
    Local(Storage),
    Memory(Rc<RefCell<BTreeMap<String, String>>>),
}

/// The component's storage.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// The window's localStorage; `None` when the browser refuses it (blocked storage).
    pub fn open(window: &Window) -> Option<Store> {
        let storage = window.local_storage().ok().flatten()?;
        Some(Store {
            backend: Backend::Local(storage),
        })
    }

    /// The window's localStorage, or a store in memory when the browser blocks it.
    pub fn open_or_memory(window: &Window) -> Store {
        Store::open(window).unwrap_or(Store {
            backend: Backend::Memory(Rc::default()),
        })
    }

    /// Whether the entries live only in this page's memory.
    pub fn is_memory(&self) -> bool {
        matches!(self.backend, Backend::Memory(_))
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        match &self.backend {
            Backend::Local(storage) => storage.get_item(key).ok().flatten(),
            Backend::Memory(map) => map.borrow().get(key).cloned(),
        }
    }

    /// Stores `value` under `key`, as JSON (fails when the storage is full).
    pub fn set(&self, key: &str, value: &impl Serialize) -> Result<(), JsValue> {
        match &self.backend {
            Backend::Local(_) => LocalStorage::set(key, value)
                .map_err(|e| JsValue::from_str(&format!("storage: {e}"))),
            Backend::Memory(map) => {
                map.borrow_mut()
                    .insert(key.to_owned(), crate::wire::to_text(value));
                Ok(())
            }
        }
    }

    /// Removes `key` (nothing happens when it is absent).
    pub fn remove(&self, key: &str) {
        match &self.backend {
            Backend::Local(_) => LocalStorage::delete(key),
            Backend::Memory(map) => {
                map.borrow_mut().remove(key);
            }
        }
    }

    /// Every key of ours with its value.
    pub fn ours(&self) -> Vec<(String, String)> {
        let keys: Vec<String> = match &self.backend {
            Backend::Local(storage) => {
                let count = LocalStorage::length();
                (0..count)
                    .filter_map(|i| storage.key(i).ok().flatten())
                    .collect()
            }
            Backend::Memory(map) => map.borrow().keys().cloned().collect(),
        };
        keys.into_iter()
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
