use super::*;
use crate::theme::Theme;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON is valid")
}

fn inbound_error(text: &str) -> ProtocolError {
    Inbound::parse(&json(text)).expect_err(text)
}

fn outbound_error(text: &str) -> ProtocolError {
    Outbound::parse(&json(text)).expect_err(text)
}

#[test]
fn reads_a_render_message_as_streamlit_sends_it() {
    let message = json(
        r##"{"type":"streamlit:render","args":{"hostname":"demo","n":3},"dfs":[],"disabled":true,
            "theme":{"base":"dark","primaryColor":"#ff4b4b","backgroundColor":"#0e1117",
                     "secondaryBackgroundColor":"#262730","textColor":"#fafafa","font":"sans-serif",
                     "linkColor":"#1c83e1","widgetBorderColor":null}}"##,
    );
    let Inbound::Render(render) = Inbound::parse(&message).expect("valid render");
    assert_eq!(
        render.args.get("hostname").and_then(Value::as_str),
        Some("demo")
    );
    assert!(render.disabled);
    assert_eq!(render.theme, Some(Theme::dark()));
}

#[test]
fn render_defaults_missing_or_null_fields() {
    for text in [
        r#"{"type":"streamlit:render"}"#,
        r#"{"type":"streamlit:render","args":null,"disabled":null,"theme":null}"#,
    ] {
        let Inbound::Render(render) = Inbound::parse(&json(text)).expect(text);
        assert_eq!(
            render,
            Render {
                args: Value::Object(Map::new()),
                disabled: false,
                theme: None
            }
        );
    }
}

#[test]
fn render_tolerates_dataframe_arguments() {
    let text =
        r#"{"type":"streamlit:render","args":{},"dfs":[{"key":"df","value":{"data":{"0":1}}}]}"#;
    assert!(Inbound::parse(&json(text)).is_ok());
}

#[test]
fn render_round_trips() {
    let render = Inbound::Render(Render {
        args: json(r#"{"a":[1,"b",{"c":null}],"msg":"he said \"hi\""}"#),
        disabled: true,
        theme: Some(Theme::light()),
    });
    assert_eq!(Inbound::parse(&render.to_json()), Ok(render.clone()));
    let untouched = Inbound::Render(Render {
        args: Value::Object(Map::new()),
        disabled: false,
        theme: None,
    });
    assert_eq!(Inbound::parse(&untouched.to_json()), Ok(untouched));
}

#[test]
fn inbound_rejections_name_the_failed_check() {
    assert_eq!(inbound_error("[]"), ProtocolError::NotAnObject);
    assert_eq!(
        inbound_error(r#""streamlit:render""#),
        ProtocolError::NotAnObject
    );
    assert_eq!(inbound_error(r#"{"args":{}}"#), ProtocolError::MissingType);
    assert_eq!(inbound_error(r#"{"type":7}"#), ProtocolError::MissingType);
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:setFrameHeight","height":3}"#),
        ProtocolError::UnknownType("streamlit:setFrameHeight".into())
    );
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:render","args":[1]}"#),
        ProtocolError::ArgsNotObject
    );
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:render","args":"x"}"#),
        ProtocolError::ArgsNotObject
    );
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:render","disabled":"yes"}"#),
        ProtocolError::DisabledNotBool
    );
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:render","theme":"dark"}"#),
        ProtocolError::Theme(ThemeError::NotAnObject)
    );
    assert_eq!(
        inbound_error(r#"{"type":"streamlit:render","theme":{"textColor":1}}"#),
        ProtocolError::Theme(ThemeError::NotAString("textColor"))
    );
}

#[test]
fn outbound_messages_match_streamlit_component_lib() {
    assert_eq!(
        Outbound::ComponentReady {
            api_version: API_VERSION
        }
        .to_json()
        .to_string(),
        r#"{"isStreamlitMessage":true,"type":"streamlit:componentReady","apiVersion":1}"#
    );
    assert_eq!(
        Outbound::SetComponentValue(json(r#"{"k":[1]}"#))
            .to_json()
            .to_string(),
        r#"{"isStreamlitMessage":true,"type":"streamlit:setComponentValue","value":{"k":[1]},"dataType":"json"}"#
    );
    assert_eq!(
        Outbound::SetFrameHeight(25).to_json().to_string(),
        r#"{"isStreamlitMessage":true,"type":"streamlit:setFrameHeight","height":25}"#
    );
}

#[test]
fn outbound_round_trips() {
    for message in [
        Outbound::ComponentReady { api_version: 1 },
        Outbound::SetComponentValue(Value::Null),
        Outbound::SetComponentValue(json(r#"{"name":"x","seq":2}"#)),
        Outbound::SetFrameHeight(0),
        Outbound::SetFrameHeight(u32::MAX),
    ] {
        assert_eq!(Outbound::parse(&message.to_json()), Ok(message));
    }
}

#[test]
fn outbound_rejections_name_the_failed_check() {
    assert_eq!(outbound_error("null"), ProtocolError::NotAnObject);
    assert_eq!(
        outbound_error(r#"{"isStreamlitMessage":true}"#),
        ProtocolError::MissingType
    );
    assert_eq!(
        outbound_error(r#"{"type":"streamlit:componentReady","apiVersion":1}"#),
        ProtocolError::NotStreamlitMessage
    );
    assert_eq!(
        outbound_error(
            r#"{"isStreamlitMessage":"true","type":"streamlit:componentReady","apiVersion":1}"#
        ),
        ProtocolError::NotStreamlitMessage
    );
    assert_eq!(
        outbound_error(r#"{"isStreamlitMessage":true,"type":"streamlit:componentReady"}"#),
        ProtocolError::BadApiVersion
    );
    assert_eq!(
        outbound_error(
            r#"{"isStreamlitMessage":true,"type":"streamlit:componentReady","apiVersion":"1"}"#
        ),
        ProtocolError::BadApiVersion
    );
    assert_eq!(
        outbound_error(
            r#"{"isStreamlitMessage":true,"type":"streamlit:setFrameHeight","height":-5}"#
        ),
        ProtocolError::BadHeight
    );
    assert_eq!(
        outbound_error(
            r#"{"isStreamlitMessage":true,"type":"streamlit:setFrameHeight","height":4294967296}"#
        ),
        ProtocolError::BadHeight
    );
    assert_eq!(
        outbound_error(
            r#"{"isStreamlitMessage":true,"type":"streamlit:setComponentValue","value":1,"dataType":"dataframe"}"#
        ),
        ProtocolError::UnsupportedDataType("dataframe".into())
    );
    assert_eq!(
        outbound_error(r#"{"isStreamlitMessage":true,"type":"streamlit:render"}"#),
        ProtocolError::UnknownType("streamlit:render".into())
    );
}

#[test]
fn errors_read_as_lowercase_sentences() {
    assert_eq!(
        ProtocolError::UnknownType("x".into()).to_string(),
        "unknown message type \"x\""
    );
    assert_eq!(
        ProtocolError::Theme(ThemeError::NotAString("font")).to_string(),
        "render theme: theme font is not a string"
    );
}
