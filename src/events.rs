//! Named events to Python: one envelope `{name, data, source, seq}` sent as the component
//! value. Names outside the allowed list become `onError`; `seq` only grows, so Python can tell
//! a new event from a rerun's repeated value, even across page reloads.

use crate::wire::{self, Int, Value};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A login-state change: `{status: "Logged in" | "Logged out", session?}`.
pub const ON_STATUS_UPDATE: &str = "onStatusUpdate";
/// A request the user made in the component for Python to act on.
pub const ON_ACTION_REQUEST: &str = "onActionRequest";
/// Something failed: `{code, message}`.
pub const ON_ERROR: &str = "onError";
/// The events allowed when the app names none.
pub const DEFAULT_EVENTS: [&str; 3] = [ON_STATUS_UPDATE, ON_ACTION_REQUEST, ON_ERROR];

/// The `data` of an `onError` event.
pub fn error_data(code: &str, message: &str) -> Value {
    wire::to_value(&ErrorData {
        code,
        message,
        event: None,
        data: None,
    })
}

/// The `data` of an `onError` event; a refused event name adds the name and its data.
#[derive(Serialize)]
struct ErrorData<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
}

/// One event as Python receives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Envelope {
    /// The event's name.
    pub name: String,
    /// What it carries.
    pub data: Value,
    /// The component instance that sent it.
    pub source: String,
    /// Grows with every event.
    pub seq: u64,
}

/// The component value: the new envelope, with the earlier ones Python has not acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentValue {
    #[serde(flatten)]
    envelope: Envelope,
    backlog: Vec<Envelope>,
}

/// A failure to report as `onError`: a stable code and a message for people (never a token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The stable code Python can branch on.
    pub code: String,
    /// What happened, in a sentence.
    pub message: String,
}

impl Failure {
    /// A failure with its code and message.
    pub fn new(code: &str, message: impl fmt::Display) -> Failure {
        Failure {
            code: code.to_owned(),
            message: message.to_string(),
        }
    }

    /// The `onError` data.
    pub fn to_data(&self) -> Value {
        error_data(&self.code, &self.message)
    }
}

/// Most earlier envelopes kept for Python until it acknowledges them.
pub const MAX_BACKLOG: usize = 16;

/// The `ack` render arg: the greatest `seq` Python has handled (0 when absent or invalid).
pub fn ack_from_args(args: &Value) -> u64 {
    #[derive(Deserialize)]
    struct Ack {
        ack: Int,
    }
    wire::from_value::<Ack>(args).map_or(0, |a| a.ack.0)
}

/// Builds event envelopes for one component instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Emitter {
    allowed: Vec<String>,
    source: String,
    last_seq: u64,
    /// Envelopes sent but not yet acknowledged, oldest first.
    unacknowledged: Vec<Envelope>,
}

impl Emitter {
    /// An emitter for the `allowed` names (`onError` is always allowed: failures must be
    /// reportable) that signs its events with `source`.
    pub fn new(allowed: &[String], source: &str) -> Emitter {
        Emitter {
            allowed: allowed.to_vec(),
            source: source.to_owned(),
            last_seq: 0,
            unacknowledged: Vec::new(),
        }
    }

    /// Takes a new allow-list and source (the render args changed); `seq` keeps growing.
    pub fn configure(&mut self, allowed: &[String], source: &str) {
        allowed.clone_into(&mut self.allowed);
        source.clone_into(&mut self.source);
    }

    /// Python has handled every envelope up to `seq`: they leave the backlog.
    pub fn acknowledge(&mut self, seq: u64) {
        self.unacknowledged.retain(|e| e.seq > seq);
    }

    /// Whether `name` may be sent as it is.
    pub fn allows(&self, name: &str) -> bool {
        name == ON_ERROR || self.allowed.iter().any(|a| a == name)
    }

    /// The envelope for an event at `now_ms`. A name that is not allowed becomes `onError`
    /// with code `event_not_allowed`, the name and the original data, so nothing is lost.
    /// The returned value also carries, as `backlog`, the earlier envelopes Python has not
    /// acknowledged: a value replaces the previous one, so two events between two reruns would
    /// otherwise lose the first.
    pub fn envelope(&mut self, name: &str, data: Value, now_ms: u64) -> Value {
        let (name, data) = if self.allows(name) {
            (name.to_owned(), data)
        } else {
            let message = format!("event \"{name}\" is not in the allowed list");
            let error = wire::to_value(&ErrorData {
                code: "event_not_allowed",
                message: &message,
                event: Some(name),
                data: Some(data),
            });
            (ON_ERROR.to_owned(), error)
        };
        self.last_seq = now_ms.max(self.last_seq + 1);
        let envelope = Envelope {
            name,
            data,
            source: self.source.clone(),
            seq: self.last_seq,
        };
        let value = wire::to_value(&ComponentValue {
            envelope: envelope.clone(),
            backlog: self.unacknowledged.clone(),
        });
        if self.unacknowledged.len() == MAX_BACKLOG {
            self.unacknowledged.remove(0);
        }
        self.unacknowledged.push(envelope);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_EVENTS.map(str::to_owned).to_vec()
    }

    #[test]
    fn an_allowed_event_is_sent_as_named() {
        let mut emitter = Emitter::new(&defaults(), "streamlit_component.login");
        let envelope = emitter.envelope(
            ON_STATUS_UPDATE,
            serde_json::json!({"status": "Logged out"}),
            1000,
        );
        assert_eq!(
            envelope.to_string(),
            r#"{"name":"onStatusUpdate","data":{"status":"Logged out"},"source":"streamlit_component.login","seq":1000,"backlog":[]}"#
        );
    }

    #[test]
    fn a_name_outside_the_list_becomes_on_error_and_keeps_its_data() {
        let mut emitter = Emitter::new(&["onStatusUpdate".to_owned()], "c");
        let envelope = emitter.envelope("onActionRequest", Value::from("payload"), 5);
        assert_eq!(envelope.get("name").and_then(Value::as_str), Some(ON_ERROR));
        let data = envelope.get("data").unwrap();
        assert_eq!(
            data.get("code").and_then(Value::as_str),
            Some("event_not_allowed")
        );
        assert_eq!(
            data.get("event").and_then(Value::as_str),
            Some("onActionRequest")
        );
        assert_eq!(data.get("data").and_then(Value::as_str), Some("payload"));
        assert_eq!(
            emitter
                .envelope("anything", Value::Null, 6)
                .get("name")
                .and_then(Value::as_str),
            Some(ON_ERROR)
        );
    }

    #[test]
    fn on_error_is_always_allowed() {
        let mut emitter = Emitter::new(&[], "c");
        let envelope = emitter.envelope(ON_ERROR, error_data("popup_blocked", "allow popups"), 1);
        assert_eq!(
            envelope
                .get("data")
                .and_then(|d| d.get("code"))
                .and_then(Value::as_str),
            Some("popup_blocked")
        );
    }

    fn backlog_seqs(value: &Value) -> Vec<u64> {
        match value.get("backlog") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|e| e.get("seq").and_then(Value::as_u64).unwrap())
                .collect(),
            _ => panic!("no backlog in {value}"),
        }
    }

    #[test]
    fn unacknowledged_envelopes_ride_along_until_python_acknowledges_them() {
        let mut emitter = Emitter::new(&defaults(), "c");
        emitter.envelope(ON_ERROR, error_data("corrupt_session", "x"), 10);
        let second = emitter.envelope(ON_STATUS_UPDATE, Value::Null, 11);
        assert_eq!(backlog_seqs(&second), [10]);
        assert!(
            second
                .get("backlog")
                .unwrap()
                .to_string()
                .find("backlog")
                .is_none(),
            "backlog entries are plain envelopes"
        );
        emitter.acknowledge(10);
        assert_eq!(
            backlog_seqs(&emitter.envelope(ON_STATUS_UPDATE, Value::Null, 12)),
            [11]
        );
        emitter.acknowledge(12);
        assert!(backlog_seqs(&emitter.envelope(ON_STATUS_UPDATE, Value::Null, 13)).is_empty());
        for now in 14..40 {
            emitter.envelope(ON_STATUS_UPDATE, Value::Null, now);
        }
        let last = emitter.envelope(ON_STATUS_UPDATE, Value::Null, 40);
        assert_eq!(
            backlog_seqs(&last),
            (24..40).collect::<Vec<_>>(),
            "at most 16"
        );
        assert_eq!(ack_from_args(&serde_json::json!({"ack": 39})), 39);
        assert_eq!(ack_from_args(&serde_json::json!({"ack": "x"})), 0);
    }

    #[test]
    fn seq_grows_even_when_the_clock_does_not() {
        let mut emitter = Emitter::new(&defaults(), "c");
        let seqs: Vec<u64> = [100, 100, 50, 200]
            .into_iter()
            .map(|now| {
                emitter
                    .envelope(ON_STATUS_UPDATE, Value::Null, now)
                    .get("seq")
                    .and_then(Value::as_u64)
                    .unwrap()
            })
            .collect();
        assert_eq!(seqs, [100, 101, 102, 200]);
    }
}
