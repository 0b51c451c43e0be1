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
        &serde_json::from_str::<Value>(r#"{"textColor":"red","linkColor":"blue","font":null}"#)
            .unwrap(),
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
        Theme::from_json(&serde_json::from_str::<Value>(&long).unwrap()),
        Err(ThemeError::TooLong("font"))
    );
    assert_eq!(
        Theme::from_json(&serde_json::from_str::<Value>(r#"{"base":true}"#).unwrap()),
        Err(ThemeError::NotAString("base"))
    );
    assert_eq!(
        Theme::from_json(&serde_json::from_str::<Value>("[]").unwrap()),
        Err(ThemeError::NotAnObject)
    );
}

#[test]
fn json_round_trips() {
    for theme in [Theme::light(), Theme::dark(), Theme::default()] {
        assert_eq!(Theme::from_json(&theme.to_json()), Ok(theme));
    }
}

#[test]
fn the_font_to_load_is_the_stacks_first_named_family() {
    let font = |f: &str| Theme::from_pairs([("font", f)]).font_family();
    assert_eq!(
        font("\"Source Sans\", sans-serif").as_deref(),
        Some("Source Sans")
    );
    assert_eq!(font("'Inter',serif").as_deref(), Some("Inter"));
    assert_eq!(font("sans-serif"), None);
    assert_eq!(font(""), None);
    assert_eq!(Theme::default().font_family(), None);
}

#[test]
fn font_sources_are_resolved_url_by_url() {
    let base = |u: &str| Some(format!("http://app.example/static/css/{u}"));
    assert_eq!(
        resolve_font_src(
            r#"url("../media/a.woff2") format("woff2"), local("A"), url(b.ttf)"#,
            base
        )
        .as_deref(),
        Some(
            r#"url("http://app.example/static/css/../media/a.woff2") format("woff2"), local("A"), url("http://app.example/static/css/b.ttf")"#
        )
    );
    assert_eq!(
        resolve_font_src("local(A)", base).as_deref(),
        Some("local(A)")
    );
    assert_eq!(resolve_font_src("url(a.woff2", base), None, "unclosed");
    assert_eq!(resolve_font_src("url(a)", |_| None), None, "unresolvable");
    assert_eq!(
        resolve_font_src("url(a)", |_| Some("x\") , url(evil".into())),
        None,
        "a resolved URL cannot break out of its quotes"
    );
}
