use super::*;
use crate::encoding::parse_query;
use crate::oidc::ProviderError;

const ISSUER: &str = "http://localhost:9400";
const NOW: UnixSeconds = 1_800_000_000;

fn provider() -> ProviderMetadata {
    ProviderMetadata {
        issuer: ISSUER.into(),
        authorization_endpoint: format!("{ISSUER}/auth"),
        token_endpoint: format!("{ISSUER}/token"),
        jwks_uri: format!("{ISSUER}/jwks"),
        end_session_endpoint: Some(format!("{ISSUER}/session/end")),
        iss_parameter_supported: true,
    }
}

fn client(audience: Option<&str>) -> ClientConfig {
    ClientConfig {
        client_id: "streamlit-demo".into(),
        redirect_uri: "http://localhost:8501/component/streamlit_component.login/index.html".into(),
        scope: "email profile read:chart".into(),
        audience: audience.map(str::to_owned),
    }
}

fn pending() -> PendingLogin {
    pending_for(client(None))
}

fn pending_for(client: ClientConfig) -> PendingLogin {
    PendingLogin {
        state: Secret::new("state-123"),
        nonce: Secret::new("nonce-456"),
        verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        issuer: ISSUER.into(),
        client,
        created_at: NOW - 30,
        return_to: None,
        binding: None,
    }
}

fn query(text: &str) -> Vec<(String, String)> {
    parse_query(text).expect("test query is valid")
}

fn callback(text: &str) -> Result<Secret, CallbackError> {
    validate_callback(&query(text), &pending(), true, NOW)
}

#[test]
fn the_authorization_url_asks_for_the_code_flow_with_s256_state_and_nonce() {
    let pending = pending_for(client(Some("http://localhost:5000/api")));
    let url = authorization_url(&provider(), &pending, "CHALLENGE", &[]);
    let (endpoint, query_text) = url.split_once('?').unwrap();
    assert_eq!(endpoint, "http://localhost:9400/auth");
    let params = query(query_text);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some("streamlit-demo"));
    assert_eq!(
        get("redirect_uri"),
        Some("http://localhost:8501/component/streamlit_component.login/index.html")
    );
    assert_eq!(get("scope"), Some("openid email profile read:chart"));
    assert_eq!(get("state"), Some("state-123"));
    assert_eq!(get("nonce"), Some("nonce-456"));
    assert_eq!(get("code_challenge"), Some("CHALLENGE"));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("audience"), Some("http://localhost:5000/api"));
    assert_eq!(get("resource"), Some("http://localhost:5000/api"));
    assert!(
        !url.contains("dBjftJeZ"),
        "the verifier never leaves the browser"
    );
    assert_eq!(get("prompt"), None);
    let with_prompt = authorization_url(
        &provider(),
        &pending,
        "C",
        &options(&[("prompt", "login consent")]),
    );
    assert!(with_prompt.ends_with("&prompt=login%20consent"));
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn login_options_follow_the_flows_own_parameters_encoded() {
    let pending = pending_for(client(None));
    let given = options(&[
        ("login_hint", "alice@example.com"),
        ("max_age", "300"),
        ("acr_values", "urn:mace:incommon:iap:silver mfa"),
        ("ui_locales", "fr-CA fr"),
        ("kc_idp_hint", "a&state=evil#x"),
    ]);
    let url = authorization_url(&provider(), &pending, "C", &given);
    assert!(url.ends_with(
        "&code_challenge_method=S256&login_hint=alice%40example.com&max_age=300\
         &acr_values=urn%3Amace%3Aincommon%3Aiap%3Asilver%20mfa&ui_locales=fr-CA%20fr\
         &kc_idp_hint=a%26state%3Devil%23x"
    ));
    let params = crate::encoding::parse_query(url.split_once('?').unwrap().1).unwrap();
    assert_eq!(params.iter().filter(|(k, _)| k == "state").count(), 1);
}

#[test]
fn login_options_never_set_the_flows_own_parameters() {
    for name in RESERVED_PARAMS {
        assert!(!is_login_option(name, "x"), "{name}");
    }
    assert!(
        !is_login_option("", "x") && !is_login_option("a b", "x") && !is_login_option("a=b", "x")
    );
    assert!(!is_login_option(&"n".repeat(65), "x"));
    assert!(!is_login_option("prompt", "login now") && !is_login_option("prompt", ""));
    assert!(
        is_login_option("prompt", "login consent") && is_login_option("prompt", "select_account")
    );
    assert!(
        !is_login_option("max_age", "-1")
            && !is_login_option("max_age", "1e3")
            && !is_login_option("max_age", "")
    );
    assert!(is_login_option("max_age", "0") && is_login_option("domain_hint", "contoso.com"));
    assert!(!is_login_option(
        "organization",
        &"o".repeat(MAX_LOGIN_OPTION_LEN + 1)
    ));
    // Options that slipped past the config are still left out of the URL.
    let url = authorization_url(
        &provider(),
        &pending_for(client(None)),
        "C",
        &options(&[("state", "evil")]),
    );
    assert!(!url.contains("evil"));
}

#[test]
fn the_authorization_url_escapes_values_and_keeps_existing_queries() {
    let mut provider = provider();
    provider.authorization_endpoint = "https://idp.example/authorize?tenant=a b".into();
    let mut client = client(Some("my-api"));
    client.scope = "openid a&b=c".into();
    let url = authorization_url(&provider, &pending_for(client), "x", &[]);
    assert!(url.starts_with("https://idp.example/authorize?tenant=a b&response_type=code&"));
    assert!(url.contains("&scope=openid%20a%26b%3Dc&"));
    assert!(url.contains("&audience=my-api"));
    assert!(
        !url.contains("resource="),
        "a bare audience is not a resource URI"
    );
}

#[test]
fn openid_is_always_in_the_scope() {
    let mut c = client(None);
    assert_eq!(c.scope_with_openid(), "openid email profile read:chart");
    c.scope = "profile openid".into();
    assert_eq!(c.scope_with_openid(), "profile openid");
    c.scope = String::new();
    assert_eq!(c.scope_with_openid(), "openid");
}

#[test]
fn a_good_callback_yields_the_code() {
    let code = callback("code=abc&state=state-123&iss=http%3A%2F%2Flocalhost%3A9400").unwrap();
    assert_eq!(code.expose(), "abc");
}

#[test]
fn implicit_flow_parameters_are_refused() {
    for p in ["id_token", "access_token", "token"] {
        let err = callback(&format!(
            "code=abc&state=state-123&iss=http%3A%2F%2Flocalhost%3A9400&{p}=x"
        ))
        .unwrap_err();
        assert_eq!(err, CallbackError::ImplicitFlowParameter(p));
    }
}

#[test]
fn state_must_be_present_and_match() {
    let iss = "iss=http%3A%2F%2Flocalhost%3A9400";
    assert_eq!(
        callback(&format!("code=abc&{iss}")).unwrap_err(),
        CallbackError::MissingState
    );
    assert_eq!(
        callback(&format!("code=abc&state=other&{iss}")).unwrap_err(),
        CallbackError::StateMismatch
    );
    assert_eq!(
        callback(&format!("code=abc&state=&{iss}")).unwrap_err(),
        CallbackError::StateMismatch
    );
    let twice = format!("code=abc&state=state-123&state=other&{iss}");
    assert_eq!(
        callback(&twice).unwrap_err(),
        CallbackError::DuplicateParameter("state".into())
    );
}

#[test]
fn iss_must_match_exactly_and_is_required_when_advertised() {
    assert_eq!(
        callback("code=abc&state=state-123").unwrap_err(),
        CallbackError::MissingIssuer
    );
    for other in [
        "http%3A%2F%2Flocalhost%3A9400%2F",
        "http%3A%2F%2FLOCALHOST%3A9400",
        "https%3A%2F%2Fevil.example",
    ] {
        let err = callback(&format!("code=abc&state=state-123&iss={other}")).unwrap_err();
        assert_eq!(err, CallbackError::IssuerMismatch, "{other}");
    }
    // Not advertised: absence is fine, a wrong value is still refused.
    let params = query("code=abc&state=state-123");
    assert!(validate_callback(&params, &pending(), false, NOW).is_ok());
    let params = query("code=abc&state=state-123&iss=https%3A%2F%2Fevil.example");
    assert_eq!(
        validate_callback(&params, &pending(), false, NOW).unwrap_err(),
        CallbackError::IssuerMismatch
    );
}

#[test]
fn an_error_response_is_typed_only_once_the_state_matches() {
    let iss = "iss=http%3A%2F%2Flocalhost%3A9400";
    let err = callback(&format!(
        "error=access_denied&error_description=User+said+no&state=state-123&{iss}"
    ))
    .unwrap_err();
    assert_eq!(
        err,
        CallbackError::Provider(ProviderError::new("access_denied", Some("User said no")))
    );
    assert_eq!(err.code(), "provider_error");
    assert_eq!(
        err.to_string(),
        "provider error access_denied: User said no"
    );
    let foreign = callback(&format!("error=access_denied&state=someone-else&{iss}")).unwrap_err();
    assert_eq!(
        foreign,
        CallbackError::StateMismatch,
        "an error with a foreign state is not trusted"
    );
}

#[test]
fn a_missing_code_and_an_expired_login_are_refused() {
    let iss = "iss=http%3A%2F%2Flocalhost%3A9400";
    assert_eq!(
        callback(&format!("state=state-123&{iss}")).unwrap_err(),
        CallbackError::MissingCode
    );
    assert_eq!(
        callback(&format!("code=&state=state-123&{iss}")).unwrap_err(),
        CallbackError::MissingCode
    );
    let params = query(&format!("code=abc&state=state-123&{iss}"));
    let late = pending().created_at + PENDING_TTL_S + 1;
    assert_eq!(
        validate_callback(&params, &pending(), true, late).unwrap_err(),
        CallbackError::Expired
    );
    let before = pending().created_at - 1;
    assert_eq!(
        validate_callback(&params, &pending(), true, before).unwrap_err(),
        CallbackError::Expired
    );
}

#[test]
fn the_pending_login_round_trips_and_refuses_bad_storage() {
    let stored = pending().to_stored();
    assert_eq!(PendingLogin::from_stored(&stored), Ok(pending()));
    let with_audience = pending_for(client(Some("http://localhost:5000/api")));
    assert_eq!(
        PendingLogin::from_stored(&with_audience.to_stored()),
        Ok(with_audience)
    );
    let same_tab = PendingLogin {
        return_to: Some("http://localhost:8501/page?x=1".into()),
        ..pending()
    };
    assert_eq!(
        PendingLogin::from_stored(&same_tab.to_stored()),
        Ok(same_tab)
    );
    let bound = PendingLogin {
        binding: Some(crate::binding::Binding::new(&[1; 32], &[2; 32])),
        ..pending()
    };
    assert_eq!(PendingLogin::from_stored(&bound.to_stored()), Ok(bound));
    let bad_binding = stored.replace(
        "\"binding\":null",
        "\"binding\":{\"key_id\":\"x\",\"salt\":\"y\"}",
    );
    assert_eq!(
        PendingLogin::from_stored(&bad_binding),
        Err(PendingError::Malformed("binding"))
    );
    let empty_return = stored.replace("\"return_to\":null", "\"return_to\":\"\"");
    assert_eq!(
        PendingLogin::from_stored(&empty_return),
        Err(PendingError::Malformed("return_to"))
    );
    let bad_verifier = stored.replace("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "short");
    assert_eq!(
        PendingLogin::from_stored(&bad_verifier),
        Err(PendingError::BadVerifier(pkce::PkceError::BadLength))
    );
    let no_nonce = stored.replace("\"nonce\"", "\"nonc\"");
    assert_eq!(
        PendingLogin::from_stored(&no_nonce),
        Err(PendingError::Malformed("nonce"))
    );
    let twice = stored.replacen("{", "{\"state\":\"other\",", 1);
    assert_eq!(
        PendingLogin::from_stored(&twice),
        Err(PendingError::Malformed("state")),
        "a duplicated field is refused, not resolved"
    );
    for other in ["null", "[]", "{", "7"] {
        assert!(
            matches!(
                PendingLogin::from_stored(other),
                Err(PendingError::Malformed(_))
            ),
            "{other}"
        );
    }
}

#[test]
fn the_pending_login_never_prints_its_secrets() {
    let printed = format!("{:?}", pending());
    assert!(
        !printed.contains("state-123")
            && !printed.contains("nonce-456")
            && !printed.contains("dBjft"),
        "{printed}"
    );
}

#[test]
fn the_end_session_request_carries_the_hint_in_the_form_not_the_url() {
    let hint = Secret::new("eyJ.hint.sig");
    let request = end_session_request(
        &provider(),
        "streamlit-demo",
        Some(&hint),
        "http://localhost:8501/",
        "sc_logout",
    )
    .unwrap();
    assert_eq!(request.endpoint, "http://localhost:9400/session/end");
    assert_eq!(
        request.fields,
        vec![
            ("client_id", "streamlit-demo".to_owned()),
            (
                "post_logout_redirect_uri",
                "http://localhost:8501/".to_owned()
            ),
            ("state", "sc_logout".to_owned()),
            ("id_token_hint", "eyJ.hint.sig".to_owned()),
        ]
    );
    assert_eq!(
        request.url_without_hint(),
        "http://localhost:9400/session/end?client_id=streamlit-demo&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A8501%2F&state=sc_logout",
        "a GET names the client and never carries the ID token"
    );
    // A sealed session has no ID token in the browser: the client id alone.
    let request = end_session_request(&provider(), "c", None, "x", "s").unwrap();
    assert!(request
        .fields
        .iter()
        .all(|(name, _)| *name != "id_token_hint"));
    let mut no_logout = provider();
    no_logout.end_session_endpoint = None;
    assert_eq!(end_session_request(&no_logout, "c", None, "x", "s"), None);
}
