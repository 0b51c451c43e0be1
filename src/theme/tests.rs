use super::*;

#[test]
fn maps_each_field_to_its_css_variable() {
    let dark = Theme::dark();
    let vars: Vec<_> = dark.css_variables().collect();
    assert_eq!(vars.len(), FIELDS.len());
    assert!(vars.contains(&("--st-text-color", "#fafafa")));
    assert!(vars.contains(&("--st-background-color", "#0e1117")));
    assert!(vars.contains(&("--st-base", "dark")));
}

#[test]
fn unset_fields_set_no_variable_and_unknown_keys_are_ignored() {
    let theme = Theme::from_json(
        &Json::parse(r#"{"textColor":"red","linkColor":"blue","font":null}"#).unwrap(),
    )
    .expect("valid theme");
    assert_eq!(
        theme.css_variables().collect::<Vec<_>>(),
        vec![("--st-text-color", "red")]
    );
    assert!(!theme.is_dark());
}

#[test]
fn base_tells_dark_from_light() {
    assert!(Theme::dark().is_dark());
    assert!(!Theme::light().is_dark());
}

#[test]
fn refuses_values_that_are_not_short_strings() {
    let long = format!(r#"{{"font":"{}"}}"#, "a".repeat(MAX_VALUE_LEN + 1));
    assert_eq!(
        Theme::from_json(&Json::parse(&long).unwrap()),
        Err(ThemeError::TooLong("font"))
    );
    assert_eq!(
        Theme::from_json(&Json::parse(r#"{"base":true}"#).unwrap()),
        Err(ThemeError::NotAString("base"))
    );
    assert_eq!(
        Theme::from_json(&Json::parse("[]").unwrap()),
        Err(ThemeError::NotAnObject)
    );
}

#[test]
fn json_round_trips() {
    for theme in [Theme::light(), Theme::dark(), Theme::default()] {
        assert_eq!(Theme::from_json(&theme.to_json()), Ok(theme));
    }
}
