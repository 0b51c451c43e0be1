use super::*;
use crate::encoding::base64url_encode;

const ISSUER: &str = "http://localhost:9400";
const CLIENT: &str = "streamlit-demo";
const NOW: UnixSeconds = 1_800_000_000;

fn jwt_with(header: &str, claims: &str) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        base64url_encode(header.as_bytes()),
        base64url_encode(claims.as_bytes())
    )
}

/// The good claims with `changes` applied (a `null` removes a claim), as JSON text.
fn claims_text(changes: &str) -> String {
    let mut claims: serde_json::Value = serde_json::from_str(&format!(
        r#"{{"iss":"{ISSUER}","sub":"alice","aud":"{CLIENT}","exp":{},"iat":{},"nonce":"nonce-456",
            "name":"Alice Example","email":"alice@example.com"}}"#,
        NOW + 300,
        NOW - 5
    ))
    .unwrap();
    let changes: serde_json::Value = serde_json::from_str(changes).unwrap();
    if let (Some(pairs), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            pairs.remove(key);
            if !value.is_null() {
                pairs.insert(key.clone(), value.clone());
            }
        }
    }
    claims.to_string()
}

/// A token with the good claims and `changes` applied.
fn jwt(changes: &str) -> String {
    jwt_with(r#"{"alg":"RS256","kid":"k1"}"#, &claims_text(changes))
}

fn check(token: &str) -> Result<IdClaims, ClaimsError> {
    check_with(token, false)
}

fn check_with(token: &str, refreshed: bool) -> Result<IdClaims, ClaimsError> {
    let nonce = Secret::new("nonce-456");
    check_id_token(
        token,
        &Expected {
            issuer: ISSUER,
            client_id: CLIENT,
            nonce: &nonce,
            refreshed,
            now: NOW,
        },
    )
}

#[test]
fn good_claims_are_returned_for_display() {
    let claims = check(&jwt("{}")).unwrap();
    assert_eq!(claims.subject, "alice");
    assert_eq!(claims.expires_at, NOW + 300);
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    assert_eq!(claims.display_name(), "Alice Example");
}

#[test]
fn the_display_name_falls_back_to_username_email_then_subject() {
    let claims = check(&jwt(r#"{"name":null,"preferred_username":"al"}"#)).unwrap();
    assert_eq!(claims.display_name(), "al");
    assert_eq!(
        check(&jwt(r#"{"name":null}"#)).unwrap().display_name(),
        "alice@example.com"
    );
    assert_eq!(
        check(&jwt(r#"{"name":null,"email":null}"#))
            .unwrap()
            .display_name(),
        "alice"
    );
}

#[test]
fn the_issuer_must_match_exactly() {
    for iss in [
        r#""http://localhost:9400/""#,
        r#""HTTP://LOCALHOST:9400""#,
        r#""https://evil.example""#,
        "null",
        "7",
    ] {
        assert_eq!(
            check(&jwt(&format!(r#"{{"iss":{iss}}}"#))),
            Err(ClaimsError::InvalidIssuer),
            "{iss}"
        );
    }
}

#[test]
fn the_client_must_be_an_audience_and_the_authorized_party() {
    assert_eq!(
        check(&jwt(r#"{"aud":"other-client"}"#)),
        Err(ClaimsError::InvalidAudience)
    );
    assert_eq!(
        check(&jwt(r#"{"aud":null}"#)),
        Err(ClaimsError::InvalidAudience)
    );
    assert_eq!(
        check(&jwt(r#"{"aud":["other"]}"#)),
        Err(ClaimsError::InvalidAudience)
    );
    assert!(check(&jwt(r#"{"aud":["streamlit-demo"]}"#)).is_ok());
    assert_eq!(
        check(&jwt(r#"{"aud":["streamlit-demo","api"]}"#)),
        Err(ClaimsError::InvalidAuthorizedParty),
        "several audiences need azp"
    );
    assert!(check(&jwt(
        r#"{"aud":["streamlit-demo","api"],"azp":"streamlit-demo"}"#
    ))
    .is_ok());
    assert_eq!(
        check(&jwt(r#"{"azp":"other"}"#)),
        Err(ClaimsError::InvalidAuthorizedParty)
    );
    assert_eq!(
        check(&jwt(r#"{"aud":["streamlit-demo",5]}"#)),
        Err(ClaimsError::Malformed("aud"))
    );
}

#[test]
fn expiry_and_issue_time_are_checked_with_leeway() {
    assert_eq!(
        check(&jwt(r#"{"exp":null}"#)),
        Err(ClaimsError::MissingExpiry)
    );
    assert_eq!(
        check(&jwt(&format!(r#"{{"exp":{}}}"#, NOW - LEEWAY_S))),
        Err(ClaimsError::Expired)
    );
    assert!(
        check(&jwt(&format!(r#"{{"exp":{}}}"#, NOW - LEEWAY_S + 1))).is_ok(),
        "within the leeway"
    );
    assert_eq!(
        check(&jwt(&format!(
            r#"{{"iat":{},"exp":{}}}"#,
            NOW + MAX_CLOCK_SKEW_S + 1,
            NOW + MAX_CLOCK_SKEW_S + 300
        ))),
        Err(ClaimsError::IssuedInFuture)
    );
    assert!(check(&jwt(&format!(r#"{{"iat":{}}}"#, NOW + LEEWAY_S))).is_ok());
}

#[test]
fn a_browser_clock_minutes_off_checks_the_token_at_the_providers_time() {
    // Five-minute tokens, the browser's clock ten minutes fast or slow: valid at their `iat`.
    for iat in [NOW - 600, NOW + 600] {
        let token = jwt(&format!(r#"{{"iat":{iat},"exp":{}}}"#, iat + 300));
        assert!(check(&token).is_ok(), "iat {iat}");
    }
    // A token expired when it was issued is refused whatever the clock.
    let stale = jwt(&format!(r#"{{"iat":{},"exp":{}}}"#, NOW - 600, NOW - 700));
    assert_eq!(check(&stale), Err(ClaimsError::Expired));
    // More than a day apart: no clock is that far off; the browser's time decides.
    let old = NOW - MAX_CLOCK_SKEW_S - 1;
    let token = jwt(&format!(r#"{{"iat":{old},"exp":{}}}"#, old + 300));
    assert_eq!(check(&token), Err(ClaimsError::Expired));
    assert_eq!(check_time(Some(NOW - 30), NOW), NOW, "within the leeway");
    assert_eq!(check_time(None, NOW), NOW);
}

#[test]
fn an_issue_time_that_is_not_a_whole_number_is_ignored_as_python_does() {
    for iat in ["1799999995.5", "\"yesterday\"", "-1"] {
        assert!(check(&jwt(&format!(r#"{{"iat":{iat}}}"#))).is_ok(), "{iat}");
    }
    assert_eq!(
        check(&jwt(r#"{"exp":"soon"}"#)),
        Err(ClaimsError::MissingExpiry)
    );
    assert_eq!(
        check(&jwt_with(r#"["RS256"]"#, &claims_text("{}"))),
        Err(ClaimsError::Malformed("header")),
        "a header must be an object"
    );
    assert_eq!(
        check(&jwt_with(
            r#"{"alg":"RS256"}"#,
            r#"["http://localhost:9400","alice"]"#
        )),
        Err(ClaimsError::Malformed("payload")),
        "claims must be an object"
    );
}

#[test]
fn subject_and_nonce_are_required() {
    assert_eq!(
        check(&jwt(r#"{"sub":null}"#)),
        Err(ClaimsError::MissingSubject)
    );
    assert_eq!(
        check(&jwt(r#"{"sub":""}"#)),
        Err(ClaimsError::MissingSubject)
    );
    assert_eq!(
        check(&jwt(r#"{"nonce":null}"#)),
        Err(ClaimsError::InvalidNonce)
    );
    assert_eq!(
        check(&jwt(r#"{"nonce":"from-another-session"}"#)),
        Err(ClaimsError::InvalidNonce)
    );
}

#[test]
fn the_nonce_of_a_stored_token_is_read_for_the_refresh_check() {
    assert_eq!(nonce_of(&jwt("{}")), Some(Secret::new("nonce-456")));
    assert_eq!(nonce_of(&jwt(r#"{"nonce":null}"#)), None);
    assert_eq!(nonce_of("not a jwt"), None);
}

#[test]
fn a_refreshed_token_may_omit_the_nonce_but_not_change_it() {
    assert!(check_with(&jwt(r#"{"nonce":null}"#), true).is_ok());
    assert!(check_with(&jwt("{}"), true).is_ok());
    assert_eq!(
        check_with(&jwt(r#"{"nonce":"from-another-session"}"#), true),
        Err(ClaimsError::InvalidNonce)
    );
    assert_eq!(
        check_with(&jwt(r#"{"nonce":5}"#), true),
        Err(ClaimsError::InvalidNonce)
    );
}

#[test]
fn unsigned_tokens_are_refused() {
    for header in [r#"{"alg":"none"}"#, r#"{"alg":"NONE"}"#, r#"{"typ":"JWT"}"#] {
        assert_eq!(
            check(&jwt_with(header, &claims_text("{}"))),
            Err(ClaimsError::Unsigned),
            "{header}"
        );
    }
}

#[test]
fn malformed_and_oversized_tokens_are_refused() {
    assert_eq!(check("not-a-jwt"), Err(ClaimsError::Malformed("structure")));
    assert_eq!(check("a.b.c.d"), Err(ClaimsError::Malformed("structure")));
    assert_eq!(check("!!.e30.c2ln"), Err(ClaimsError::Malformed("header")));
    assert_eq!(
        check(&jwt_with(r#"{"alg":"RS256"}"#, "[1]")),
        Err(ClaimsError::Malformed("payload"))
    );
    assert_eq!(
        check(&jwt_with(r#"{"alg":"RS256"}"#, "{not json")),
        Err(ClaimsError::Malformed("payload"))
    );
    assert_eq!(
        check(&jwt(r#"{"email":5}"#)),
        Err(ClaimsError::Malformed("email"))
    );
    let huge = jwt(&format!(r#"{{"name":"{}"}}"#, "x".repeat(MAX_JWT_LEN)));
    assert_eq!(check(&huge), Err(ClaimsError::TooLarge));
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(ClaimsError::InvalidNonce.code(), "invalid_nonce");
    assert_eq!(ClaimsError::Expired.code(), "expired");
    assert_eq!(
        ClaimsError::Malformed("aud").to_string(),
        "id token has a malformed aud"
    );
}
