//! The back-channel half: the token request bodies and the token response.

use super::authorize::PendingLogin;
use super::ProviderError;
use crate::encoding::form_encode;
use crate::secret::Secret;
use crate::wire::{self, Value};
use serde::Deserialize;
use std::fmt;

/// Longest token accepted from a token response; a larger one is refused, not stored.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The body of the authorization-code exchange (RFC 6749 §4.1.3 with RFC 7636's verifier),
/// repeating the pending login's exact redirect URI.
pub fn code_request_body(code: &Secret, pending: &PendingLogin) -> String {
    form_encode([
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", pending.client.redirect_uri.as_str()),
        ("client_id", pending.client.client_id.as_str()),
        ("code_verifier", pending.verifier.expose()),
    ])
}

/// The body of a refresh (RFC 6749 §6).
pub fn refresh_request_body(refresh_token: &Secret, client_id: &str) -> String {
    form_encode([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
        ("client_id", client_id),
    ])
}

/// The tokens of a successful response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    /// The access token, for the API.
    pub access_token: Secret,
    /// The ID token: always present after a code exchange, optional after a refresh.
    pub id_token: Option<Secret>,
    /// The refresh token, when the provider rotates or issues one.
    pub refresh_token: Option<Secret>,
    /// Lifetime of the access token in seconds, when stated.
    pub expires_in: Option<u64>,
    /// The granted scope, when the provider states it.
    pub scope: Option<String>,
}

/// Why a token response was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// The body is not a JSON object.
    NotAnObject,
    /// The provider answered with an error (`invalid_grant` ends the session).
    Provider(ProviderError),
    /// A token field is missing, empty, not a string or over [`MAX_TOKEN_LEN`].
    BadToken(&'static str),
    /// `token_type` is not `Bearer`.
    UnsupportedTokenType,
}

impl TokenError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::NotAnObject => "invalid_token_response",
            TokenError::Provider(_) => "token_error",
            TokenError::BadToken(_) => "invalid_token_response",
            TokenError::UnsupportedTokenType => "unsupported_token_type",
        }
    }

    /// Whether the grant is dead (expired, revoked or reused refresh token): the session must
    /// be cleared rather than retried (RFC 9700 §4.14).
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, TokenError::Provider(e) if e.error == "invalid_grant")
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::NotAnObject => f.write_str("token response is not an object"),
            TokenError::Provider(e) => write!(f, "token endpoint error {e}"),
            TokenError::BadToken(field) => write!(f, "token response has no usable {field}"),
            TokenError::UnsupportedTokenType => f.write_str("token type is not Bearer"),
        }
    }
}

/// A token endpoint response (RFC 6749 §5.1, §5.2); other fields are ignored.
#[derive(Deserialize)]
struct TokenResponse {
    /// The error fields and `scope` are read leniently too: a provider's error keeps its code
    /// whatever its description holds, and a scope that is not text is as good as none.
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    error_description: Option<Value>,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    /// Read leniently: some providers send it as text; what is not a whole number is ignored.
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    scope: Option<Value>,
}

const TOKEN_FIELDS: [&str; 3] = ["access_token", "id_token", "refresh_token"];

fn token(value: Option<String>, field: &'static str) -> Result<Option<Secret>, TokenError> {
    match value {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.len() <= MAX_TOKEN_LEN => Ok(Some(Secret::new(s))),
        Some(_) => Err(TokenError::BadToken(field)),
    }
}

/// Reads a token endpoint response. `id_token_required` is true for a code exchange.
pub fn parse_token_response(body: &Value, id_token_required: bool) -> Result<TokenSet, TokenError> {
    if !body.is_object() {
        return Err(TokenError::NotAnObject);
    }
    let body: TokenResponse = wire::from_value(body).map_err(|e| {
        match e.field_in(&TOKEN_FIELDS, "") {
            "" if e.top_field() == Some("token_type") => TokenError::UnsupportedTokenType,
            _ if body.get("error").is_some_and(|e| !e.is_null()) => {
                // An error answer whose other fields are odd is still the provider's error.
                let error = body.get("error").and_then(Value::as_str);
                TokenError::Provider(ProviderError::new(error.unwrap_or("unknown_error"), None))
            }
            "" => TokenError::NotAnObject,
            field => TokenError::BadToken(field),
        }
    })?;
    if let Some(error) = body.error.filter(|e| !e.is_null()) {
        let description = body.error_description.as_ref().and_then(Value::as_str);
        let error = error.as_str().unwrap_or("unknown_error");
        return Err(TokenError::Provider(ProviderError::new(error, description)));
    }
    if !body
        .token_type
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        return Err(TokenError::UnsupportedTokenType);
    }
    let access_token =
        token(body.access_token, "access_token")?.ok_or(TokenError::BadToken("access_token"))?;
    let id_token = token(body.id_token, "id_token")?;
    if id_token_required && id_token.is_none() {
        return Err(TokenError::BadToken("id_token"));
    }
    Ok(TokenSet {
        access_token,
        id_token,
        refresh_token: token(body.refresh_token, "refresh_token")?,
        expires_in: body.expires_in.as_ref().and_then(wire::whole),
        scope: body.scope.and_then(|s| s.as_str().map(str::to_owned)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::parse_query;

    fn pending() -> PendingLogin {
        PendingLogin {
            state: Secret::new("s"),
            nonce: Secret::new("n"),
            verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            issuer: "http://localhost:9400".into(),
            client: crate::oidc::authorize::ClientConfig {
                client_id: "streamlit-demo".into(),
                redirect_uri:
                    "http://localhost:8501/component/streamlit_component.login/index.html".into(),
                scope: "openid".into(),
                audience: None,
            },
            created_at: 0,
            return_to: None,
            binding: None,
        }
    }

    fn response(text: &str, id_token_required: bool) -> Result<TokenSet, TokenError> {
        parse_token_response(&serde_json::from_str(text).unwrap(), id_token_required)
    }

    #[test]
    fn the_code_exchange_repeats_the_redirect_uri_and_sends_the_verifier() {
        let body = code_request_body(&Secret::new("the code"), &pending());
        let pairs = parse_query(&body).unwrap();
        let expected = [
            ("grant_type", "authorization_code"),
            ("code", "the code"),
            (
                "redirect_uri",
                "http://localhost:8501/component/streamlit_component.login/index.html",
            ),
            ("client_id", "streamlit-demo"),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
        ];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    }

    #[test]
    fn the_refresh_request_sends_the_refresh_token() {
        let body = refresh_request_body(&Secret::new("r/1"), "c");
        assert_eq!(
            body,
            "grant_type=refresh_token&refresh_token=r%2F1&client_id=c"
        );
    }

    #[test]
    fn a_complete_response_is_read() {
        let set = response(
            r#"{"access_token":"at","id_token":"it","refresh_token":"rt","token_type":"Bearer","expires_in":300,"scope":"openid email"}"#,
            true,
        )
        .unwrap();
        assert_eq!(set.access_token.expose(), "at");
        assert_eq!(set.id_token.as_ref().map(Secret::expose), Some("it"));
        assert_eq!(set.refresh_token.as_ref().map(Secret::expose), Some("rt"));
        assert_eq!(set.expires_in, Some(300));
        assert_eq!(set.scope.as_deref(), Some("openid email"));
        assert!(
            !format!("{set:?}").contains("\"at\""),
            "tokens are redacted in Debug"
        );
    }

    #[test]
    fn odd_optional_fields_are_read_leniently() {
        let set = response(
            r#"{"access_token":"at","token_type":"bearer","expires_in":"300","scope":["openid"]}"#,
            false,
        )
        .unwrap();
        assert_eq!((set.expires_in, set.scope), (None, None));
        let dead = response(
            r#"{"error":"invalid_grant","error_description":{"detail":"revoked"}}"#,
            false,
        )
        .unwrap_err();
        assert!(
            dead.is_invalid_grant(),
            "the code survives an odd description"
        );
        let odd = response(r#"{"error":5,"access_token":7}"#, false).unwrap_err();
        assert_eq!(odd.code(), "token_error");
        assert_eq!(
            response(r#"["at","Bearer"]"#, false),
            Err(TokenError::NotAnObject)
        );
    }

    #[test]
    fn a_refresh_response_may_omit_the_id_token_and_refresh_token() {
        let set = response(r#"{"access_token":"at","token_type":"bearer"}"#, false).unwrap();
        assert_eq!(
            (set.id_token, set.refresh_token, set.expires_in),
            (None, None, None)
        );
    }

    #[test]
    fn provider_errors_are_typed_and_invalid_grant_is_recognised() {
        let err = response(
            r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            false,
        )
        .unwrap_err();
        assert!(err.is_invalid_grant());
        assert_eq!(
            err.to_string(),
            "token endpoint error invalid_grant: grant request is invalid"
        );
        let other = response(r#"{"error":"invalid_client"}"#, false).unwrap_err();
        assert!(!other.is_invalid_grant());
        assert_eq!(other.code(), "token_error");
    }

    #[test]
    fn incomplete_or_oversized_responses_are_refused() {
        assert_eq!(response("[]", true), Err(TokenError::NotAnObject));
        assert_eq!(
            response(
                r#"{"access_token":"at","token_type":"DPoP","id_token":"i"}"#,
                true
            ),
            Err(TokenError::UnsupportedTokenType)
        );
        assert_eq!(
            response(r#"{"access_token":"at","id_token":"i"}"#, true),
            Err(TokenError::UnsupportedTokenType)
        );
        assert_eq!(
            response(r#"{"token_type":"Bearer","id_token":"i"}"#, true),
            Err(TokenError::BadToken("access_token"))
        );
        assert_eq!(
            response(r#"{"access_token":"","token_type":"Bearer"}"#, false),
            Err(TokenError::BadToken("access_token"))
        );
        assert_eq!(
            response(r#"{"access_token":"at","token_type":"Bearer"}"#, true),
            Err(TokenError::BadToken("id_token"))
        );
        assert_eq!(
            response(
                r#"{"access_token":"at","token_type":"Bearer","refresh_token":5}"#,
                false
            ),
            Err(TokenError::BadToken("refresh_token"))
        );
        let huge = format!(
            r#"{{"access_token":"{}","token_type":"Bearer"}}"#,
            "a".repeat(MAX_TOKEN_LEN + 1)
        );
        assert_eq!(
            response(&huge, false),
            Err(TokenError::BadToken("access_token"))
        );
    }
}
