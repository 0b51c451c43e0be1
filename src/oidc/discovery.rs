//! The provider's discovery document (OpenID Connect Discovery 1.0), validated against the
//! configured issuer before anything else is done with it.

use super::is_secure_url;
use crate::pkce;
use crate::wire::{self, Value};
use serde::Deserialize;
use std::fmt;

/// What this client needs from the provider's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// The issuer, exactly as configured and as the document states it.
    pub issuer: String,
    /// Where the popup sends the user.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's keys (checked by Python).
    pub jwks_uri: String,
    /// Where logout ends the provider session, when the provider offers it.
    pub end_session_endpoint: Option<String>,
    /// RFC 9207: the provider puts `iss` in every authorization response.
    pub iss_parameter_supported: bool,
}

/// Why a discovery document was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscoveryError {
    /// The document is not a JSON object.
    NotAnObject,
    /// A required field is missing or not a string.
    MissingField(&'static str),
    /// The document's issuer is not exactly the configured one.
    IssuerMismatch,
    /// An endpoint is neither HTTPS nor HTTP on a loopback host.
    InsecureEndpoint(&'static str),
    /// The provider does not list `S256` in `code_challenge_methods_supported`.
    NoS256,
    /// The provider does not list `code` in `response_types_supported`.
    NoCodeFlow,
}

impl DiscoveryError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        match self {
            DiscoveryError::NotAnObject | DiscoveryError::MissingField(_) => "invalid_discovery",
            DiscoveryError::IssuerMismatch => "issuer_mismatch",
            DiscoveryError::InsecureEndpoint(_) => "insecure_endpoint",
            DiscoveryError::NoS256 => "pkce_s256_unsupported",
            DiscoveryError::NoCodeFlow => "code_flow_unsupported",
        }
    }
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::NotAnObject => f.write_str("discovery document is not an object"),
            DiscoveryError::MissingField(field) => write!(f, "discovery document has no {field}"),
            DiscoveryError::IssuerMismatch => {
                f.write_str("discovery issuer differs from the configured issuer")
            }
            DiscoveryError::InsecureEndpoint(field) => write!(f, "discovery {field} is not https"),
            DiscoveryError::NoS256 => f.write_str("provider does not support PKCE S256"),
            DiscoveryError::NoCodeFlow => f.write_str("provider does not support the code flow"),
        }
    }
}

/// The discovery URL of an issuer (`{issuer}/.well-known/openid-configuration`).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// The discovery document's fields this client reads; the others are ignored.
#[derive(Deserialize)]
struct Document {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    /// Anything but `true` means "not supported".
    #[serde(default)]
    authorization_response_iss_parameter_supported: Option<Value>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<Value>>,
    #[serde(default)]
    response_types_supported: Option<Vec<Value>>,
}

/// The fields of [`Document`] that must be strings, to name the one serde refused.
const STRING_FIELDS: [&str; 5] = [
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "end_session_endpoint",
];

fn lists(items: &Option<Vec<Value>>, wanted: &str) -> bool {
    items
        .iter()
        .flatten()
        .any(|item| item.as_str() == Some(wanted))
}

impl ProviderMetadata {
    /// Validates a discovery document for `expected_issuer` (compared exactly: no trailing-slash
    /// or case folding, OpenID Connect Discovery §4.3).
    pub fn from_json(
        document: &Value,
        expected_issuer: &str,
    ) -> Result<ProviderMetadata, DiscoveryError> {
        if !document.is_object() {
            return Err(DiscoveryError::NotAnObject);
        }
        let document: Document =
            wire::from_value(document).map_err(|e| match e.field_in(&STRING_FIELDS, "") {
                "" => match e.top_field() {
                    Some("response_types_supported") => DiscoveryError::NoCodeFlow,
                    _ => DiscoveryError::NoS256,
                },
                field => DiscoveryError::MissingField(field),
            })?;
        let endpoint = |name: &'static str, url: String| {
            if is_secure_url(&url) {
                Ok(url)
            } else {
                Err(DiscoveryError::InsecureEndpoint(name))
            }
        };
        if document.issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch);
        }
        let metadata = ProviderMetadata {
            issuer: expected_issuer.to_owned(),
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                document.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", document.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", document.jwks_uri)?,
            end_session_endpoint: document
                .end_session_endpoint
                .map(|url| endpoint("end_session_endpoint", url))
                .transpose()?,
            iss_parameter_supported: document.authorization_response_iss_parameter_supported
                == Some(Value::Bool(true)),
        };
        if !lists(&document.code_challenge_methods_supported, pkce::METHOD) {
            return Err(DiscoveryError::NoS256);
        }
        if !lists(&document.response_types_supported, "code") {
            return Err(DiscoveryError::NoCodeFlow);
        }
        Ok(metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "http://localhost:9400";

    fn document(changes: &[(&str, Option<Value>)]) -> Value {
        let mut doc: Value = serde_json::from_str(
            r#"{"issuer":"http://localhost:9400","authorization_endpoint":"http://localhost:9400/auth",
                "token_endpoint":"http://localhost:9400/token","jwks_uri":"http://localhost:9400/jwks",
                "end_session_endpoint":"http://localhost:9400/session/end",
                "authorization_response_iss_parameter_supported":true,
                "code_challenge_methods_supported":["S256"],"response_types_supported":["code","id_token"]}"#,
        )
        .unwrap();
        if let Some(pairs) = doc.as_object_mut() {
            for (key, value) in changes {
                pairs.remove(*key);
                if let Some(value) = value {
                    pairs.insert(key.to_string(), value.clone());
                }
            }
        }
        doc
    }

    fn refused(changes: &[(&str, Option<Value>)]) -> DiscoveryError {
        ProviderMetadata::from_json(&document(changes), ISSUER).unwrap_err()
    }

    #[test]
    fn a_complete_document_for_the_configured_issuer_is_accepted() {
        let metadata = ProviderMetadata::from_json(&document(&[]), ISSUER).unwrap();
        assert_eq!(metadata.token_endpoint, "http://localhost:9400/token");
        assert_eq!(
            metadata.end_session_endpoint.as_deref(),
            Some("http://localhost:9400/session/end")
        );
        assert!(metadata.iss_parameter_supported);
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        for other in [
            "http://localhost:9400/",
            "HTTP://LOCALHOST:9400",
            "http://localhost:9401",
            "https://evil.example",
        ] {
            assert_eq!(
                refused(&[("issuer", Some(Value::from(other)))]),
                DiscoveryError::IssuerMismatch,
                "{other}"
            );
        }
        assert_eq!(
            refused(&[("issuer", None)]),
            DiscoveryError::MissingField("issuer")
        );
    }

    #[test]
    fn a_provider_without_s256_or_the_code_flow_is_refused() {
        let plain_only = serde_json::json!(["plain"]);
        assert_eq!(
            refused(&[("code_challenge_methods_supported", Some(plain_only))]),
            DiscoveryError::NoS256
        );
        assert_eq!(
            refused(&[("code_challenge_methods_supported", None)]),
            DiscoveryError::NoS256
        );
        let implicit_only = serde_json::json!(["id_token token"]);
        assert_eq!(
            refused(&[("response_types_supported", Some(implicit_only))]),
            DiscoveryError::NoCodeFlow
        );
    }

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        let http = Some(Value::from("http://idp.example/token"));
        assert_eq!(
            refused(&[("token_endpoint", http)]),
            DiscoveryError::InsecureEndpoint("token_endpoint")
        );
        assert_eq!(
            refused(&[("jwks_uri", Some(Value::from(7u32)))]),
            DiscoveryError::MissingField("jwks_uri")
        );
    }

    #[test]
    fn optional_fields_default_safely() {
        let metadata = ProviderMetadata::from_json(
            &document(&[
                ("end_session_endpoint", None),
                ("authorization_response_iss_parameter_supported", None),
            ]),
            ISSUER,
        )
        .unwrap();
        assert_eq!(metadata.end_session_endpoint, None);
        assert!(!metadata.iss_parameter_supported);
    }

    #[test]
    fn the_discovery_url_follows_the_issuer() {
        assert_eq!(
            discovery_url("http://localhost:9400"),
            "http://localhost:9400/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://x.auth0.com/"),
            "https://x.auth0.com/.well-known/openid-configuration"
        );
    }
}
