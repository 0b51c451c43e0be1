use super::*;

fn parse(text: &str) -> Json {
    Json::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn error(text: &str) -> JsonErrorKind {
    Json::parse(text).expect_err(text).kind
}

#[test]
fn parses_every_kind_of_value() {
    let value = parse(r#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": []} "#);
    assert_eq!(
        value
            .get("b")
            .and_then(|b| b.get("c"))
            .and_then(Json::as_str),
        Some("d")
    );
    let Some(Json::Array(items)) = value.get("a") else {
        panic!("a is an array")
    };
    assert_eq!(items.len(), 5);
    assert_eq!(items[0].as_u64(), Some(1));
    assert_eq!(items[1], Json::Number(Number("-2.5e3".into())));
    assert_eq!(items[2].as_bool(), Some(true));
    assert!(items[4].is_null());
    assert_eq!(value.get("e"), Some(&Json::Array(vec![])));
}

#[test]
fn compact_output_round_trips() {
    let text = r#"{"s":"q\"\\\n\t\u0001é😀","n":[0,-1,3.25,1e-7],"o":{},"b":[true,false,null]}"#;
    let value = parse(text);
    assert_eq!(value.to_string(), text);
    assert_eq!(parse(&value.to_string()), value);
}

#[test]
fn pretty_output_parses_back_to_the_same_value() {
    let value = parse(r#"{"a":[1,{"b":"c"}],"d":{}}"#);
    let pretty = value.to_pretty_string(2);
    assert_eq!(
        pretty,
        "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"c\"\n    }\n  ],\n  \"d\": {}\n}"
    );
    assert_eq!(parse(&pretty), value);
}

#[test]
fn decodes_escapes_and_surrogate_pairs() {
    assert_eq!(
        parse(r#""\u00e9\ud83d\ude00\/\b\f\r""#).as_str(),
        Some("é😀/\u{8}\u{c}\r")
    );
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    assert_eq!(
        parse(r#"{"k":1,"k":2}"#).get("k").and_then(Json::as_u64),
        Some(2)
    );
}

#[test]
fn integers_are_read_exactly_and_others_are_not_integers() {
    assert_eq!(parse("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(parse("25.0").as_u64(), Some(25));
    assert_eq!(parse("25.5").as_u64(), None);
    assert_eq!(parse("-1").as_u64(), None);
    assert_eq!(parse("1e3").as_u64(), None);
    assert_eq!(parse("\"1\"").as_u64(), None);
}

#[test]
fn rejects_truncated_input() {
    for text in ["", "{", "[1,", r#"{"a":"#, r#""abc"#, "tru", r#"{"a""#] {
        assert_eq!(error(text), JsonErrorKind::UnexpectedEnd, "{text:?}");
    }
}

#[test]
fn rejects_unexpected_characters() {
    for text in [
        "{a:1}",
        "[1 2]",
        "{\"a\" 1}",
        "[1,]",
        "nul!",
        "'x'",
        ".5",
        "{\"a\":1,}",
    ] {
        assert_eq!(error(text), JsonErrorKind::UnexpectedCharacter, "{text:?}");
    }
}

#[test]
fn rejects_numbers_outside_the_grammar() {
    for text in ["01", "-", "1.", "1e", "1e+", "-01", "-a"] {
        assert_eq!(error(text), JsonErrorKind::InvalidNumber, "{text:?}");
    }
}

#[test]
fn rejects_bad_escapes() {
    for text in [
        r#""\x""#,
        r#""\u12g4""#,
        r#""\ud800""#,
        r#""\ud800\u0041""#,
        r#""\udc00""#,
    ] {
        assert_eq!(error(text), JsonErrorKind::InvalidEscape, "{text:?}");
    }
}

#[test]
fn rejects_raw_control_characters_in_strings() {
    assert_eq!(error("\"a\nb\""), JsonErrorKind::ControlCharacter);
}

#[test]
fn rejects_trailing_text() {
    assert_eq!(error("{} {}"), JsonErrorKind::TrailingCharacters);
    assert_eq!(error("1 x"), JsonErrorKind::TrailingCharacters);
}

#[test]
fn refuses_nesting_deeper_than_the_limit_without_overflowing() {
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(Json::parse(&ok).is_ok());
    let deep = "[".repeat(100_000);
    assert_eq!(error(&deep), JsonErrorKind::TooDeep);
}

#[test]
fn error_messages_name_the_check_and_the_offset() {
    let e = Json::parse("[1,]").expect_err("trailing comma");
    assert_eq!(e.to_string(), "unexpected character at byte 3");
}

#[test]
fn get_present_treats_null_as_absent() {
    let value = parse(r#"{"a":null,"b":0,"c":false}"#);
    assert_eq!(value.get_present("a"), None);
    assert_eq!(value.get_present("missing"), None);
    assert_eq!(value.get_present("b").and_then(Json::as_u64), Some(0));
    assert_eq!(value.get_present("c").and_then(Json::as_bool), Some(false));
    assert_eq!(parse("[null]").get_present("0"), None);
}
