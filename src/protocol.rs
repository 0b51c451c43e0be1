//! Streamlit's custom-component protocol, version 1, as typed messages.
//!
//! The host (Streamlit, or the dev host page) sends [`Inbound`] messages to the component's
//! iframe; the component answers with [`Outbound`] ones. Both directions parse and write here, so
//! the dev host and the component share one definition. Every malformed message is a
//! [`ProtocolError`] that names the failed check.

use crate::theme::{Theme, ThemeError};
use crate::wire::{self, json, Map, Value};
use serde::Deserialize;
use std::fmt;

/// The protocol version this component speaks, announced in `componentReady`.
pub const API_VERSION: u64 = 1;

/// `type` of the host's render message.
pub const RENDER: &str = "streamlit:render";
/// `type` of the component's first message.
pub const COMPONENT_READY: &str = "streamlit:componentReady";
/// `type` of a value sent to Python.
pub const SET_COMPONENT_VALUE: &str = "streamlit:setComponentValue";
/// `type` of a frame-height request.
pub const SET_FRAME_HEIGHT: &str = "streamlit:setFrameHeight";

/// A message from the host to the component.
#[derive(Clone, Debug, PartialEq)]
pub enum Inbound {
    /// `streamlit:render`: draw with these arguments.
    Render(Render),
}

/// The contents of a `streamlit:render` message. Dataframe arguments (`dfs`) are tolerated and
/// dropped: this component takes none.
#[derive(Clone, Debug, PartialEq)]
pub struct Render {
    /// The keyword arguments given in Python, always a JSON object.
    pub args: Value,
    /// Whether the app asked for the component to be disabled.
    pub disabled: bool,
    /// The app's theme, when Streamlit sends one.
    pub theme: Option<Theme>,
}

/// A message from the component to the host.
#[derive(Clone, Debug, PartialEq)]
pub enum Outbound {
    /// `streamlit:componentReady` with `apiVersion`.
    ComponentReady {
        /// The protocol version the component speaks.
        api_version: u64,
    },
    /// `streamlit:setComponentValue` with `dataType: "json"`.
    SetComponentValue(Value),
    /// `streamlit:setFrameHeight` in CSS pixels.
    SetFrameHeight(u32),
}

/// Why a message was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum ProtocolError {
    /// The message is not a JSON object.
    NotAnObject,
    /// The message has no string `type`.
    MissingType,
    /// The `type` is not one this side of the protocol accepts.
    UnknownType(String),
    /// An outbound message lacks the `isStreamlitMessage: true` marker.
    NotStreamlitMessage,
    /// `args` is present but not an object.
    ArgsNotObject,
    /// `disabled` is present but not a boolean.
    DisabledNotBool,
    /// `apiVersion` is missing or not a whole number.
    BadApiVersion,
    /// `height` is missing or not a whole number of pixels.
    BadHeight,
    /// `dataType` is present but not `"json"`.
    UnsupportedDataType(String),
    /// `theme` failed a check.
    Theme(ThemeError),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::NotAnObject => f.write_str("message is not an object"),
            ProtocolError::MissingType => f.write_str("message has no type"),
            ProtocolError::UnknownType(t) => write!(f, "unknown message type \"{t}\""),
            ProtocolError::NotStreamlitMessage => f.write_str("message lacks isStreamlitMessage"),
            ProtocolError::ArgsNotObject => f.write_str("render args are not an object"),
            ProtocolError::DisabledNotBool => f.write_str("render disabled is not a boolean"),
            ProtocolError::BadApiVersion => {
                f.write_str("componentReady apiVersion is not a number")
            }
            ProtocolError::BadHeight => f.write_str("setFrameHeight height is not a number"),
            ProtocolError::UnsupportedDataType(t) => write!(f, "unsupported dataType \"{t}\""),
            ProtocolError::Theme(e) => write!(f, "render theme: {e}"),
        }
    }
}

fn message_type(message: &Value) -> Result<&str, ProtocolError> {
    let object = message.as_object().ok_or(ProtocolError::NotAnObject)?;
    object
        .get("type")
        .and_then(Value::as_str)
        .ok_or(ProtocolError::MissingType)
}

/// `streamlit:render` on the wire (`type` was read first; `dfs` and unknown keys are ignored).
#[derive(Deserialize)]
struct RenderWire {
    #[serde(default)]
    args: Option<Map<String, Value>>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    theme: Option<Value>,
}

/// A component message on the wire, as the dev host reads it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboundWire {
    #[serde(default)]
    is_streamlit_message: Option<Value>,
    #[serde(default)]
    api_version: Option<Value>,
    #[serde(default)]
    data_type: Option<Value>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    height: Option<Value>,
}

impl Inbound {
    /// Reads a host message (the `data` of a `message` event, as JSON).
    pub fn parse(message: &Value) -> Result<Inbound, ProtocolError> {
        match message_type(message)? {
            RENDER => {
                let wire: RenderWire = wire::from_value(message).map_err(|e| {
                    match e.field_in(&["args", "disabled", "theme"], "args") {
                        "disabled" => ProtocolError::DisabledNotBool,
                        _ => ProtocolError::ArgsNotObject,
                    }
                })?;
                let theme = wire
                    .theme
                    .filter(|t| !t.is_null())
                    .map(|t| Theme::from_json(&t))
                    .transpose()
                    .map_err(ProtocolError::Theme)?;
                Ok(Inbound::Render(Render {
                    args: Value::Object(wire.args.unwrap_or_default()),
                    disabled: wire.disabled.unwrap_or(false),
                    theme,
                }))
            }
            other => Err(ProtocolError::UnknownType(other.to_owned())),
        }
    }

    /// The message as the host sends it.
    pub fn to_json(&self) -> Value {
        let Inbound::Render(render) = self;
        let mut message = json!({
            "type": RENDER,
            "args": render.args,
            "dfs": [],
            "disabled": render.disabled,
        });
        if let Some(theme) = &render.theme {
            message["theme"] = theme.to_json();
        }
        message
    }
}

/// A whole number of the wire ([`wire::Int`]), or `None`.
fn whole(value: Option<Value>) -> Option<u64> {
    value.as_ref().and_then(wire::whole)
}

impl Outbound {
    /// Reads a component message (used by the dev host, which plays Streamlit's part).
    pub fn parse(message: &Value) -> Result<Outbound, ProtocolError> {
        let kind = message_type(message)?.to_owned();
        // Every field is read as a plain value here (the checks below name each failure).
        let wire: OutboundWire =
            wire::from_value(message).map_err(|_| ProtocolError::NotAnObject)?;
        if wire.is_streamlit_message != Some(Value::Bool(true)) {
            return Err(ProtocolError::NotStreamlitMessage);
        }
        match kind.as_str() {
            COMPONENT_READY => {
                let api_version = whole(wire.api_version).ok_or(ProtocolError::BadApiVersion)?;
                Ok(Outbound::ComponentReady { api_version })
            }
            SET_COMPONENT_VALUE => {
                match wire.data_type.filter(|t| !t.is_null()) {
                    None => {}
                    Some(Value::String(t)) if t == "json" => {}
                    Some(other) => {
                        let name = other.as_str().unwrap_or("").to_owned();
                        return Err(ProtocolError::UnsupportedDataType(name));
                    }
                }
                Ok(Outbound::SetComponentValue(
                    wire.value.unwrap_or(Value::Null),
                ))
            }
            SET_FRAME_HEIGHT => {
                let height = whole(wire.height).and_then(|h| u32::try_from(h).ok());
                Ok(Outbound::SetFrameHeight(
                    height.ok_or(ProtocolError::BadHeight)?,
                ))
            }
            _ => Err(ProtocolError::UnknownType(kind)),
        }
    }

    /// The message as Streamlit's frontend expects it.
    pub fn to_json(&self) -> Value {
        match self {
            Outbound::ComponentReady { api_version } => json!({
                "isStreamlitMessage": true,
                "type": COMPONENT_READY,
                "apiVersion": api_version,
            }),
            Outbound::SetComponentValue(value) => json!({
                "isStreamlitMessage": true,
                "type": SET_COMPONENT_VALUE,
                "value": value,
                "dataType": "json",
            }),
            Outbound::SetFrameHeight(height) => json!({
                "isStreamlitMessage": true,
                "type": SET_FRAME_HEIGHT,
                "height": height,
            }),
        }
    }
}

#[cfg(test)]
mod tests;
