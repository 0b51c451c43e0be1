//! Streamlit's custom-component protocol, version 1, as typed messages.
//!
//! The host (Streamlit, or the dev host page) sends [`Inbound`] messages to the component's
//! iframe; the component answers with [`Outbound`] ones. Both directions parse and write here, so
//! the dev host and the component share one definition. Every malformed message is a
//! [`ProtocolError`] that names the failed check.

use crate::json::Json;
use crate::theme::{Theme, ThemeError};
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
    pub args: Json,
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
    SetComponentValue(Json),
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

fn message_type(message: &Json) -> Result<&str, ProtocolError> {
    if message.as_object().is_none() {
        return Err(ProtocolError::NotAnObject);
    }
    message
        .get("type")
        .and_then(Json::as_str)
        .ok_or(ProtocolError::MissingType)
}

impl Inbound {
    /// Reads a host message (the `data` of a `message` event, as JSON).
    pub fn parse(message: &Json) -> Result<Inbound, ProtocolError> {
        match message_type(message)? {
            RENDER => {
                let args = match message.get_present("args") {
                    None => Json::Object(Vec::new()),
                    Some(args @ Json::Object(_)) => args.clone(),
                    Some(_) => return Err(ProtocolError::ArgsNotObject),
                };
                let disabled = match message.get_present("disabled") {
                    None => false,
                    Some(d) => d.as_bool().ok_or(ProtocolError::DisabledNotBool)?,
                };
                let theme = message
                    .get_present("theme")
                    .map(Theme::from_json)
                    .transpose()
                    .map_err(ProtocolError::Theme)?;
                Ok(Inbound::Render(Render {
                    args,
                    disabled,
                    theme,
                }))
            }
            other => Err(ProtocolError::UnknownType(other.to_owned())),
        }
    }

    /// The message as the host sends it.
    pub fn to_json(&self) -> Json {
        let Inbound::Render(render) = self;
        let mut pairs = vec![
            ("type", Json::from(RENDER)),
            ("args", render.args.clone()),
            ("dfs", Json::Array(Vec::new())),
            ("disabled", Json::from(render.disabled)),
        ];
        if let Some(theme) = &render.theme {
            pairs.push(("theme", theme.to_json()));
        }
        Json::object(pairs)
    }
}

impl Outbound {
    /// Reads a component message (used by the dev host, which plays Streamlit's part).
    pub fn parse(message: &Json) -> Result<Outbound, ProtocolError> {
        let kind = message_type(message)?;
        if message.get("isStreamlitMessage").and_then(Json::as_bool) != Some(true) {
            return Err(ProtocolError::NotStreamlitMessage);
        }
        match kind {
            COMPONENT_READY => {
                let version = message.get("apiVersion").and_then(Json::as_u64);
                let api_version = version.ok_or(ProtocolError::BadApiVersion)?;
                Ok(Outbound::ComponentReady { api_version })
            }
            SET_COMPONENT_VALUE => {
                match message
                    .get_present("dataType")
                    .map(|t| t.as_str().unwrap_or(""))
                {
                    None | Some("json") => {}
                    Some(other) => return Err(ProtocolError::UnsupportedDataType(other.into())),
                }
                Ok(Outbound::SetComponentValue(
                    message.get("value").cloned().unwrap_or(Json::Null),
                ))
            }
            SET_FRAME_HEIGHT => {
                let height = message.get("height").and_then(Json::as_u64);
                let height = height.and_then(|h| u32::try_from(h).ok());
                Ok(Outbound::SetFrameHeight(
                    height.ok_or(ProtocolError::BadHeight)?,
                ))
            }
            other => Err(ProtocolError::UnknownType(other.to_owned())),
        }
    }

    /// The message as Streamlit's frontend expects it.
    pub fn to_json(&self) -> Json {
        let (kind, field) = match self {
            Outbound::ComponentReady { api_version } => {
                (COMPONENT_READY, ("apiVersion", Json::from(*api_version)))
            }
            Outbound::SetComponentValue(value) => (SET_COMPONENT_VALUE, ("value", value.clone())),
            Outbound::SetFrameHeight(height) => (SET_FRAME_HEIGHT, ("height", Json::from(*height))),
        };
        let mut pairs = vec![
            ("isStreamlitMessage", Json::from(true)),
            ("type", Json::from(kind)),
            field,
        ];
        if let Outbound::SetComponentValue(_) = self {
            pairs.push(("dataType", Json::from("json")));
        }
        Json::object(pairs)
    }
}

#[cfg(test)]
mod tests;
