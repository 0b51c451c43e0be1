//! Confidential mode's messages (docs/events.md): the checked callback handed to Python for the
//! code exchange, and Python's answer in the render arg `sealed`: the sealed session to keep,
//! or why there is none.

use crate::config::ConfigError;
use crate::oidc::authorize::PendingLogin;
use crate::oidc::UnixSeconds;
use crate::secret::Secret;
use crate::wire::{self, json, Int, Text, Value};
use serde::Deserialize;

/// The `onActionRequest` data that hands a checked callback to Python: the code, the PKCE
/// verifier, the redirect URI and the browser key's proof. Python's event handler never sees
/// the code or the verifier (the host removes them).
pub fn exchange_request(code: &Secret, pending: &PendingLogin, proof: Value) -> Value {
    json!({
        "action": "exchange",
        "code": code.expose(),
        "code_verifier": pending.verifier.expose(),
        "redirect_uri": pending.client.redirect_uri,
        "binding": proof,
    })
}

/// Python's answer, once per `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedUpdate {
    /// Grows with each answer; the component acts on each id once.
    pub id: u64,
    /// What Python says.
    pub outcome: SealedOutcome,
}

/// A sealed session to keep, or a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealedOutcome {
    /// Keep this sealed session for the key `key_id`.
    Sealed {
        /// The sealed session.
        value: Secret,
        /// The thumbprint of the browser key it is bound to.
        key_id: String,
        /// The verified user's name.
        user: String,
        /// When its access token expires (Python refreshes then).
        expiry: UnixSeconds,
    },
    /// The login or the stored session failed; `drop`: remove the stored session.
    Failed {
        /// A stable code.
        code: String,
        /// For people.
        message: String,
        /// The stored session can no longer be used.
        drop: bool,
    },
}

/// The render arg `sealed` on the wire.
#[derive(Deserialize)]
struct SealedArgs {
    #[serde(default)]
    sealed: Option<SealedWire>,
}

#[derive(Deserialize)]
struct SealedWire {
    id: Int,
    #[serde(default)]
    error: Option<ErrorWire>,
    #[serde(default)]
    drop: Option<bool>,
    #[serde(default)]
    value: Option<Text>,
    #[serde(default)]
    key_id: Option<Text>,
    #[serde(default)]
    user: Option<Text>,
    #[serde(default)]
    expiry: Option<Int>,
}

#[derive(Deserialize)]
struct ErrorWire {
    code: String,
    message: String,
}

/// Reads the render arg `sealed`, when present.
pub fn sealed_from_args(args: &Value) -> Result<Option<SealedUpdate>, ConfigError> {
    let invalid = ConfigError::Invalid("sealed");
    let args: SealedArgs = wire::from_value(args).map_err(|_| invalid)?;
    let Some(arg) = args.sealed else {
        return Ok(None);
    };
    let outcome = match arg.error {
        Some(error) => SealedOutcome::Failed {
            code: error.code,
            message: error.message,
            drop: arg.drop.unwrap_or(false),
        },
        None => SealedOutcome::Sealed {
            value: Secret::new(arg.value.ok_or(invalid)?.0),
            key_id: arg.key_id.ok_or(invalid)?.0,
            user: arg.user.ok_or(invalid)?.0,
            expiry: arg.expiry.ok_or(invalid)?.0,
        },
    };
    Ok(Some(SealedUpdate {
        id: arg.id.0,
        outcome,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_sealed_session_and_a_failure_are_read() {
        let sealed = sealed_from_args(&args(
            r#"{"sealed":{"id":3,"value":"sc1.x","key_id":"k","user":"Alice","expiry":1800000000}}"#,
        ));
        assert_eq!(
            sealed,
            Ok(Some(SealedUpdate {
                id: 3,
                outcome: SealedOutcome::Sealed {
                    value: Secret::new("sc1.x"),
                    key_id: "k".into(),
                    user: "Alice".into(),
                    expiry: 1_800_000_000,
                },
            }))
        );
        let failed = sealed_from_args(&args(
            r#"{"sealed":{"id":4,"error":{"code":"sealed_invalid","message":"changed"},"drop":true}}"#,
        ));
        assert!(matches!(
            failed,
            Ok(Some(SealedUpdate {
                id: 4,
                outcome: SealedOutcome::Failed { drop: true, .. }
            }))
        ));
        assert_eq!(sealed_from_args(&args("{}")), Ok(None));
        assert_eq!(sealed_from_args(&args(r#"{"sealed":null}"#)), Ok(None));
    }

    #[test]
    fn a_malformed_answer_is_refused() {
        for bad in [
            r#"{"sealed":{"value":"sc1.x","key_id":"k","user":"A","expiry":1}}"#,
            r#"{"sealed":{"id":1,"value":"","key_id":"k","user":"A","expiry":1}}"#,
            r#"{"sealed":{"id":1,"value":"v","key_id":"k","user":"A"}}"#,
            r#"{"sealed":{"id":1,"error":{"code":"x"}}}"#,
            r#"{"sealed":"sc1.x"}"#,
        ] {
            assert_eq!(
                sealed_from_args(&args(bad)),
                Err(ConfigError::Invalid("sealed")),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_exchange_request_carries_code_verifier_redirect_and_proof() {
        let pending = PendingLogin {
            state: Secret::new("s"),
            nonce: Secret::new("n"),
            verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            issuer: "https://idp.example".into(),
            client: crate::oidc::authorize::ClientConfig {
                client_id: "app".into(),
                redirect_uri: "https://app.example/c/index.html".into(),
                scope: "openid".into(),
                audience: None,
            },
            created_at: 0,
            return_to: None,
            binding: None,
        };
        let data = exchange_request(&Secret::new("code-1"), &pending, Value::from("proof"));
        let get = |k: &str| data.get(k).and_then(Value::as_str);
        assert_eq!(get("action"), Some("exchange"));
        assert_eq!(get("code"), Some("code-1"));
        assert_eq!(
            get("code_verifier"),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        );
        assert_eq!(
            get("redirect_uri"),
            Some("https://app.example/c/index.html")
        );
        assert_eq!(get("binding"), Some("proof"));
        assert!(data.get("state").is_none() && data.get("nonce").is_none());
    }
}
