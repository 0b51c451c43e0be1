use super::*;
use crate::oidc::claims::IdClaims;
use crate::oidc::token::TokenSet;

fn bind() -> crate::binding::Binding {
    crate::binding::Binding::new(&[1; 32], &[2; 32])
}

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
        login_id_token: None,
        binding: bind(),
        sealed: None,
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
    assert!(matches!(
        Session::from_stored("[]"),
        Err(SessionError::Malformed(_))
    ));
    assert_eq!(
        Session::from_stored(r#"{"token":{}}"#),
        Err(SessionError::Malformed("expiry"))
    );
    let twice = session()
        .to_stored()
        .replacen('{', r#"{"user":"Mallory","#, 1);
    assert_eq!(
        Session::from_stored(&twice),
        Err(SessionError::Malformed("user")),
        "a duplicated field is refused, not resolved"
    );
    let beyond_2_53 = session()
        .to_stored()
        .replace("1800000300", "9007199254740993");
    assert_eq!(
        Session::from_stored(&beyond_2_53),
        Err(SessionError::Malformed("token"))
    );
    let mut stored = session().to_stored();
    stored = stored.replace(r#""expiry":1800000300"#, r#""expiry":"soon""#);
    assert_eq!(
        Session::from_stored(&stored),
        Err(SessionError::Malformed("token"))
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

fn token_set(id_token: Option<&str>, refresh: Option<&str>, expires_in: Option<u64>) -> TokenSet {
    TokenSet {
        access_token: Secret::new("access-2"),
        id_token: id_token.map(Secret::new),
        refresh_token: refresh.map(Secret::new),
        expires_in,
        scope: Some("openid read:chart".into()),
    }
}

fn claims() -> IdClaims {
    IdClaims {
        issuer: "http://localhost:9400".into(),
        subject: "bob".into(),
        expires_at: 1_800_000_900,
        name: Some("Bob Builder".into()),
        email: Some("bob@example.com".into()),
        preferred_username: None,
    }
}

#[test]
fn what_a_token_response_makes_is_what_storage_reads_back() {
    // An absurd lifetime still gives an expiry storage can hold; an empty email is no email.
    let huge = Session::from_token_set(
        token_set(Some("id.jwt.sig"), None, Some(u64::MAX)),
        Some(&IdClaims {
            email: Some(String::new()),
            ..claims()
        }),
        None,
        "openid",
        bind(),
        1_800_000_000,
    )
    .unwrap();
    assert_eq!(huge.token.expiry, crate::wire::MAX_SAFE_INT);
    assert_eq!(huge.email, None);
    assert_eq!(Session::from_stored(&huge.to_stored()), Ok(huge));
}

#[test]
fn a_code_exchange_makes_a_session_from_the_id_token() {
    let made = Session::from_token_set(
        token_set(Some("id-2"), Some("refresh-2"), Some(300)),
        Some(&claims()),
        None,
        "openid profile",
        bind(),
        1_800_000_000,
    )
    .unwrap();
    assert_eq!(made.user, "Bob Builder");
    assert_eq!(made.email.as_deref(), Some("bob@example.com"));
    assert_eq!(made.token.value.expose(), "access-2");
    assert_eq!(made.token.value_id_token.expose(), "id-2");
    assert_eq!(made.token.expiry, 1_800_000_300);
    assert_eq!(
        made.refresh_token.as_ref().map(Secret::expose),
        Some("refresh-2")
    );
    assert_eq!(made.scopes, ["openid", "read:chart"]);
    let mut no_scope = token_set(Some("id-2"), None, None);
    no_scope.scope = None;
    let made = Session::from_token_set(no_scope, Some(&claims()), None, "openid  email", bind(), 0)
        .unwrap();
    assert_eq!(
        made.token.expiry, 1_800_000_900,
        "without expires_in: the ID token's exp"
    );
    assert_eq!(made.scopes, ["openid", "email"]);
    assert!(
        Session::from_token_set(token_set(None, None, None), None, None, "openid", bind(), 0)
            .is_none(),
        "a code exchange without an ID token makes no session"
    );
}

#[test]
fn a_refresh_rotates_the_refresh_token_and_keeps_what_it_does_not_replace() {
    let old = session();
    let rotated = Session::from_token_set(
        token_set(None, Some("refresh-2"), Some(60)),
        None,
        Some(&old),
        "openid",
        bind(),
        1_800_000_000,
    )
    .unwrap();
    assert_eq!(
        rotated.refresh_token.as_ref().map(Secret::expose),
        Some("refresh-2")
    );
    assert_eq!(rotated.token.value_id_token, old.token.value_id_token);
    assert_eq!(
        (rotated.user.as_str(), rotated.token.expiry),
        ("Alice Example", 1_800_000_060)
    );
    let kept = Session::from_token_set(
        token_set(None, None, Some(60)),
        None,
        Some(&old),
        "openid",
        bind(),
        0,
    )
    .unwrap();
    assert_eq!(kept.refresh_token, old.refresh_token);
}

/// A pending login with `state`, started at `created_at`.
fn pending_login(state: &str, created_at: UnixSeconds) -> PendingLogin {
    PendingLogin {
        state: Secret::new(state),
        nonce: Secret::new("n"),
        verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        issuer: "http://localhost:9400".into(),
        client: crate::oidc::authorize::ClientConfig {
            client_id: "demo".into(),
            redirect_uri: "http://localhost:8501/c/index.html".into(),
            scope: "openid".into(),
            audience: None,
        },
        created_at,
        return_to: None,
        binding: None,
    }
}

#[test]
fn the_popup_finds_its_pending_login_by_state_only() {
    let pending = |state: &str| pending_login(state, 1);
    let a = pending("state-a").to_stored();
    let b = pending("state-b").to_stored();
    let key_a = storage_key(KeyKind::Pending, "http://localhost:9400", "a");
    let key_b = storage_key(KeyKind::Pending, "http://localhost:9400", "b");
    let session_key = storage_key(KeyKind::Session, "http://localhost:9400", "a");
    let entries = [
        ("other-app", b.as_str()),
        (session_key.as_str(), b.as_str()),
        (key_a.as_str(), "{corrupt"),
        (key_a.as_str(), a.as_str()),
        (key_b.as_str(), b.as_str()),
    ];
    let (key, found) = find_pending(entries, "state-b").unwrap();
    assert_eq!((key, found.state.expose()), (key_b.as_str(), "state-b"));
    assert_eq!(find_pending(entries, "state-a").unwrap().0, key_a);
    assert!(find_pending(entries, "state-c").is_none());
    assert!(find_pending(entries, "").is_none());
}

#[test]
fn expired_pending_logins_and_lapsed_leases_are_stale() {
    let pending = pending_login("s", 1_000).to_stored();
    let key = |kind, client: &str| storage_key(kind, "http://localhost:9400", client);
    let (p1, p2, l1, s1) = (
        key(KeyKind::Pending, "a"),
        key(KeyKind::Pending, "b"),
        key(KeyKind::Lease, "a"),
        key(KeyKind::Session, "a"),
    );
    let lease = crate::wire::to_text(&crate::lease::lease_value("tab", 1_000));
    let (r1, r2) = (
        crate::handoff::relay_key("s"),
        crate::handoff::relay_key("t"),
    );
    let relay = crate::wire::to_text(&crate::handoff::relay_value("code=c&state=s", 1_000));
    let entries = [
        (p1.as_str(), pending.as_str()),
        (p2.as_str(), "{corrupt"),
        (l1.as_str(), lease.as_str()),
        (s1.as_str(), "{whatever"),
        (r1.as_str(), relay.as_str()),
        (r2.as_str(), "{corrupt"),
    ];
    assert_eq!(
        stale_keys(entries, 1_010),
        [p2.as_str(), r2.as_str()],
        "a fresh login, lease and relayed answer stay"
    );
    assert_eq!(
        stale_keys(entries, 1_000 + crate::oidc::authorize::PENDING_TTL_S + 1),
        [
            p1.as_str(),
            p2.as_str(),
            l1.as_str(),
            r1.as_str(),
            r2.as_str()
        ]
    );
}

/// An unsigned JWT with these claims (the session only reads `nonce` from it).
fn jwt(claims: &str) -> String {
    let part = |text: &str| crate::encoding::base64url_encode(text.as_bytes());
    format!("{}.{}.sig", part(r#"{"alg":"RS256"}"#), part(claims))
}

#[test]
fn a_refresh_without_a_nonce_keeps_the_login_id_token_for_python() {
    let login_token = jwt(r#"{"sub":"bob","nonce":"n-1"}"#);
    let mut old = session();
    old.token.value_id_token = Secret::new(login_token.as_str());
    let plain = jwt(r#"{"sub":"bob"}"#);
    let first = Session::from_token_set(
        token_set(Some(&plain), Some("refresh-2"), Some(60)),
        Some(&claims()),
        Some(&old),
        "openid",
        bind(),
        0,
    )
    .unwrap();
    assert_eq!(
        first.login_id_token.as_ref().map(Secret::expose),
        Some(login_token.as_str())
    );
    assert_eq!(
        first
            .public_json()
            .get("login_id_token")
            .and_then(serde_json::Value::as_str),
        Some(login_token.as_str()),
        "Python gets it next to the refreshed token"
    );
    assert_eq!(Session::from_stored(&first.to_stored()), Ok(first.clone()));
    let second = Session::from_token_set(
        token_set(Some(&plain), Some("refresh-3"), Some(60)),
        Some(&claims()),
        Some(&first),
        "openid",
        bind(),
        0,
    )
    .unwrap();
    assert_eq!(
        second.login_id_token, first.login_id_token,
        "kept refresh after refresh"
    );
    let with_nonce = jwt(r#"{"sub":"bob","nonce":"n-1"}"#);
    let third = Session::from_token_set(
        token_set(Some(&with_nonce), None, Some(60)),
        Some(&claims()),
        Some(&second),
        "openid",
        bind(),
        0,
    )
    .unwrap();
    assert_eq!(
        third.login_id_token, None,
        "a token with its nonce stands alone"
    );
    assert!(session().public_json().get("login_id_token").is_none());
}

#[test]
fn a_stored_session_without_a_valid_binding_is_refused() {
    let stored = session().to_stored();
    let mut json: serde_json::Value = serde_json::from_str(&stored).unwrap();
    json.as_object_mut().map(|pairs| pairs.remove("binding"));
    assert_eq!(
        Session::from_stored(&json.to_string()),
        Err(SessionError::Malformed("binding"))
    );
    let bad_salt = stored.replace(&bind().salt, "AgIC");
    assert_eq!(
        Session::from_stored(&bad_salt),
        Err(SessionError::Malformed("binding"))
    );
}

#[test]
fn a_sealed_session_round_trips_and_python_gets_no_token_from_it() {
    let sealed = Session::sealed("Alice Example", "sc1.opaque", 1_800_000_300, bind());
    assert_eq!(
        Session::from_stored(&sealed.to_stored()),
        Ok(sealed.clone())
    );
    let public = sealed.public_json();
    assert_eq!(
        public.get("sealed").and_then(serde_json::Value::as_str),
        Some("sc1.opaque")
    );
    let token = public.get("token").unwrap();
    assert!(token.get("value").is_none() && token.get("value_id_token").is_none());
    assert_eq!(
        token.get("expiry").and_then(serde_json::Value::as_u64),
        Some(1_800_000_300)
    );
    let empty = sealed.to_stored().replace("sc1.opaque", "");
    assert_eq!(
        Session::from_stored(&empty),
        Err(SessionError::Malformed("sealed"))
    );
}
