use super::*;
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Sample {
    name: String,
    #[serde(default)]
    count: Option<Int>,
    #[serde(default)]
    inner: Option<Inner>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Inner {
    size: Int,
}

fn read(text: &str) -> Result<Sample, WireError> {
    from_text(text, 1024)
}

#[test]
fn a_good_text_is_read_and_unknown_fields_are_ignored() {
    assert_eq!(
        read(r#"{"name":"a","count":3,"other":[1,{"x":null}]}"#),
        Ok(Sample {
            name: "a".into(),
            count: Some(Int(3)),
            inner: None
        })
    );
}

#[test]
fn an_oversized_text_is_refused_before_parsing() {
    let long = format!(r#"{{"name":"{}"}}"#, "a".repeat(1024));
    assert_eq!(read(&long), Err(WireError::TooLarge));
    assert_eq!(
        from_text::<Sample>("{{{{{{{{", 4),
        Err(WireError::TooLarge),
        "not even looked at"
    );
}

#[test]
fn what_is_not_json_is_a_syntax_error() {
    for text in [
        "{",
        r#"{"name":"a"} x"#,
        r#"{"name":"\ud800"}"#,
        "{'name':'a'}",
        "",
    ] {
        assert!(
            matches!(read(text), Err(WireError::Syntax(_))),
            "{text:?}: {:?}",
            read(text)
        );
    }
    let raw_control = "{\"name\":\"a\nb\"}";
    assert!(matches!(read(raw_control), Err(WireError::Syntax(_))));
}

#[test]
fn deep_nesting_is_refused_without_overflowing() {
    // Read into a value (render args, event data): refused past serde_json's 128 levels.
    let deep = format!(r#"{{"args":{}1{}}}"#, "[".repeat(5000), "]".repeat(5000));
    assert!(matches!(
        from_text::<Map<String, Value>>(&deep, usize::MAX),
        Err(WireError::Syntax(_))
    ));
    // Even under a field nobody reads.
    let skipped = format!(
        r#"{{"name":"a","x":{}{}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(matches!(
        from_text::<Sample>(&skipped, usize::MAX),
        Err(WireError::Syntax(_))
    ));
    let deep_value = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    assert!(matches!(
        value_from_text(&deep_value, usize::MAX),
        Err(WireError::Syntax(_))
    ));
}

#[test]
fn a_field_given_twice_is_refused_and_named() {
    let error = read(r#"{"name":"a","name":"b"}"#).unwrap_err();
    assert_eq!(error.top_field(), Some("name"));
    assert_eq!(error.field_in(&["name", "count"], "x"), "name");
}

#[test]
fn the_failed_field_is_named() {
    let wrong_type = read(r#"{"name":5}"#).unwrap_err();
    assert_eq!(wrong_type.field_in(&["name"], "x"), "name");
    let missing = read(r#"{"count":1}"#).unwrap_err();
    assert_eq!(missing.field_in(&["name", "count"], "x"), "name");
    let inner = read(r#"{"count":2,"name":"a","inner":{"size":"big"}}"#).unwrap_err();
    assert_eq!(
        inner.top_field(),
        Some("inner"),
        "a nested type error names its top field"
    );
    assert_eq!(inner.field_in(&["inner"], "x"), "inner");
    let inner_missing = read(r#"{"name":"a","inner":{}}"#).unwrap_err();
    assert_eq!(inner_missing.leaf_field(), Some("size"));
    assert_eq!(
        read("[]").unwrap_err().field_in(&["name"], "fallback"),
        "fallback"
    );
    assert_eq!(
        inner.to_string(),
        "inner: invalid type: string \"big\", expected a whole number from 0 to 2^53 - 1"
    );
    let value = from_value::<Sample>(&json!({"name": "a", "count": -1})).unwrap_err();
    assert_eq!(value.top_field(), Some("count"));
}

#[test]
fn whole_numbers_stop_at_2_53() {
    let int = |text: &str| whole(&value_from_text(text, 64).unwrap());
    assert_eq!(int("0"), Some(0));
    assert_eq!(int("25.0"), Some(25));
    assert_eq!(int("9007199254740991"), Some(MAX_SAFE_INT));
    assert_eq!(
        from_text::<Sample>(r#"{"name":"a","count":25.0}"#, 64).map(|s| s.count),
        Ok(Some(Int(25)))
    );
    assert!(matches!(
        from_text::<Sample>(r#"{"name":"a","count":9007199254740992}"#, 64),
        Err(WireError::Field { .. })
    ));
    for refused in [
        "9007199254740992",
        "18446744073709551615",
        "18446744073709551616",
        "1e300",
        "25.5",
        "-0.5",
        "-1",
        "\"1\"",
        "null",
        "true",
    ] {
        assert_eq!(int(refused), None, "{refused}");
    }
}

#[test]
fn text_must_not_be_empty() {
    let text = |t: &str| Text::deserialize(&value_from_text(t, 64).unwrap());
    assert_eq!(text(r#""a""#).ok(), Some(Text("a".into())));
    assert!(text(r#""""#).is_err());
}

#[test]
fn only_an_object_is_read_into_a_struct() {
    // serde would read an array as the struct's fields in order.
    for other in [r#"["a"]"#, r#"["a",1]"#, "7", "null", r#""a""#] {
        assert!(
            matches!(read(other), Err(WireError::Field { .. })),
            "{other}"
        );
        let value = value_from_text(other, 64).unwrap();
        assert!(from_value::<Sample>(&value).is_err(), "{other}");
    }
}

#[test]
fn given_text_is_trimmed_and_blank_is_absent() {
    assert_eq!(given(Some(" a ".into())), Some("a".into()));
    assert_eq!(given(Some("  ".into())), None);
    assert_eq!(given(None), None);
}

#[test]
fn values_are_written_as_json_stringify_would() {
    let value = json!({"b": 1, "a": [true, null, "x\"y"], "c": {"d": 2.5}});
    assert_eq!(
        to_text(&value),
        r#"{"b":1,"a":[true,null,"x\"y"],"c":{"d":2.5}}"#,
        "keys keep their order"
    );
    assert_eq!(value_from_text(&to_text(&value), 1024), Ok(value));
}
