//! `postMessage` in both directions, with the source and origin checks done before any data is
//! read.

pub use crate::browser::listener::Listener;
use crate::origin::OriginPolicy;
use crate::protocol::ProtocolError;
use crate::wire::{self, Value};
use serde::Serialize;
use std::fmt;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Window};

/// Why a `message` event was not taken as a protocol message.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// It came from a window other than the expected peer (ignored and counted).
    ForeignSource,
    /// It came from an origin the policy does not trust (ignored and counted).
    ForeignOrigin(String),
    /// Its data could not be read as JSON.
    Unreadable(String),
    /// Its JSON is not a valid protocol message.
    Protocol(ProtocolError),
}

impl Refusal {
    /// Whether the message was simply not for us: such messages are counted, not reported.
    pub fn is_foreign(&self) -> bool {
        matches!(self, Refusal::ForeignSource | Refusal::ForeignOrigin(_))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ForeignSource => f.write_str("message from a foreign window"),
            Refusal::ForeignOrigin(origin) => {
                write!(f, "message from untrusted origin \"{origin}\"")
            }
            Refusal::Unreadable(why) => write!(f, "unreadable message: {why}"),
            Refusal::Protocol(e) => write!(f, "invalid message: {e}"),
        }
    }
}

/// The data of a message event as JSON, through the browser's own serializer.
pub(crate) fn event_json(event: &MessageEvent) -> Result<Value, Refusal> {
    // Through JSON text, not straight from the JS value: its length bounds the work before
    // any parsing, and serde_json bounds the nesting.
    let text = js_sys::JSON::stringify(&event.data())
        .map_err(|_| Refusal::Unreadable("data cannot be serialized".into()))?;
    let text = text
        .as_string()
        .ok_or_else(|| Refusal::Unreadable("data is undefined".into()))?;
    wire::value_from_text(&text, MAX_MESSAGE_LEN).map_err(|e| Refusal::Unreadable(e.to_string()))
}

/// Longest message read, as JSON text; a larger one is refused unparsed.
pub const MAX_MESSAGE_LEN: usize = 1024 * 1024;

/// Checks a message event against the expected peer and origin policy, then parses it.
pub fn read_event<T>(
    event: &MessageEvent,
    peer: &JsValue,
    policy: &OriginPolicy,
    parse: fn(&Value) -> Result<T, ProtocolError>,
) -> Result<T, Refusal> {
    let from_peer = event
        .source()
        .is_some_and(|source| js_sys::Object::is(source.as_ref(), peer));
    if !from_peer {
        return Err(Refusal::ForeignSource);
    }
    let origin = event.origin();
    if !policy.allows(&origin) {
        return Err(Refusal::ForeignOrigin(origin));
    }
    parse(&event_json(event)?).map_err(Refusal::Protocol)
}

/// Listens on `window` for messages from `peer`, handing each to `handle` as parsed by `parse`
/// or as the reason it was refused.
pub fn listen<T: 'static>(
    window: &Window,
    peer: JsValue,
    policy: OriginPolicy,
    parse: fn(&Value) -> Result<T, ProtocolError>,
    mut handle: impl FnMut(Result<T, Refusal>) + 'static,
) -> Result<Listener, JsValue> {
    Listener::add(window, "message", move |event: MessageEvent| {
        handle(read_event(&event, &peer, &policy, parse));
    })
}

/// Sends JSON messages to one window at one explicit target origin.
#[derive(Clone, Debug)]
pub struct Peer {
    window: Window,
    target_origin: String,
}

impl Peer {
    /// A peer reached at `target_origin`; the browser drops messages if its origin differs.
    pub fn new(window: Window, target_origin: String) -> Peer {
        Peer {
            window,
            target_origin,
        }
    }

    /// The peer's window.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// Posts `message` as a plain object (not a string), as Streamlit expects.
    pub fn send(&self, message: &impl Serialize) -> Result<(), JsValue> {
        // Maps become plain objects, as `JSON.parse` would make them.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = message.serialize(&serializer)?;
        self.window.post_message(&value, &self.target_origin)
    }
}
