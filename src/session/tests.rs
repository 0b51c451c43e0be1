use super::*;

fn session() -> Session {
    Session {
        user: "Alice Example".into(),
        email: Some("alice@example.com".into()),
        token: Tokens {
            value: Secret::new("access.jwt.sig"),
            value_id_token: Secret::new("id.jwt.sig"),
            expiry: 1_800_000_300,
        },
        refresh_token: Some(Secret::new("refresh-1")),
        scopes: vec!["openid".into(), "read:chart".into()],
    }
}

#[test]
fn a_session_round_trips_through_storage() {
    assert_eq!(Session::from_stored(&session().to_stored()), Ok(session()));
    let mut minimal = session();
    minimal.email = None;
    minimal.refresh_token = None;
    minimal.scopes = vec![];
    assert_eq!(Session::from_stored(&minimal.to_stored()), Ok(minimal));
}

#[test]
fn python_never_receives_the_refresh_token() {
    let public = session().public_json().to_string();
    assert!(!public.contains("refresh"), "{public}");
    assert_eq!(
        public,
        r#"{"user":"Alice Example","email":"alice@example.com","token":{"value":"access.jwt.sig","value_id_token":"id.jwt.sig","expiry":1800000300},"scopes":["openid","read:chart"]}"#
    );
}

#[test]
fn corrupt_storage_is_refused_with_the_reason() {
    assert!(matches!(
        Session::from_stored("{\"user\":"),
        Err(SessionError::Corrupt(_))
    ));
    assert_eq!(
        Session::from_stored("[]"),
        Err(SessionError::Malformed("token"))
    );
    assert_eq!(
        Session::from_stored(r#"{"token":{}}"#),
        Err(SessionError::Malformed("scopes"))
    );
    let mut stored = session().to_stored();
    stored = stored.replace(r#""expiry":1800000300"#, r#""expiry":"soon""#);
    assert_eq!(
        Session::from_stored(&stored),
        Err(SessionError::Malformed("expiry"))
    );
    let no_user = session()
        .to_stored()
        .replace(r#""user":"Alice Example""#, r#""user":"""#);
    assert_eq!(
        Session::from_stored(&no_user),
        Err(SessionError::Malformed("user"))
    );
    let bad_scope = session().to_stored().replace(r#""read:chart""#, "7");
    assert_eq!(
        Session::from_stored(&bad_scope),
        Err(SessionError::Malformed("scopes"))
    );
    assert_eq!(SessionError::Malformed("user").code(), "corrupt_session");
}

#[test]
fn oversized_storage_is_refused_unparsed() {
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_STORED_LEN));
    assert_eq!(Session::from_stored(&huge), Err(SessionError::TooLarge));
}

#[test]
fn the_watcher_classifies_what_is_stored() {
    let stored = session().to_stored();
    assert_eq!(observe(None, 0), Observed::LoggedOut);
    assert_eq!(
        observe(Some(&stored), 1_800_000_299),
        Observed::LoggedIn(session())
    );
    assert_eq!(
        observe(Some(&stored), 1_800_000_300),
        Observed::Expired(session())
    );
    assert!(matches!(
        observe(Some("garbage"), 0),
        Observed::Invalid(SessionError::Corrupt(_))
    ));
}

#[test]
fn keys_are_namespaced_by_issuer_and_client() {
    let a = storage_key(KeyKind::Session, "http://localhost:9400", "demo");
    assert_eq!(
        a,
        "streamlit_component.v1|session|http://localhost:9400|demo"
    );
    assert_ne!(
        a,
        storage_key(KeyKind::Session, "http://localhost:9401", "demo")
    );
    assert_ne!(
        a,
        storage_key(KeyKind::Session, "http://localhost:9400", "other")
    );
    assert_ne!(
        a,
        storage_key(KeyKind::Pending, "http://localhost:9400", "demo")
    );
    assert!(is_our_key(&a));
    assert!(!is_our_key("streamlit_component.v10|session"));
    assert!(!is_our_key("other-app"));
}

#[test]
fn debug_output_hides_tokens() {
    let printed = format!("{:?}", session());
    assert!(
        !printed.contains("access.jwt") && !printed.contains("refresh-1"),
        "{printed}"
    );
}
