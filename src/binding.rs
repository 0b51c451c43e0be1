//! The login's binding to this browser (docs/security.md): a non-extractable ECDSA P-256 key
//! that the browser keeps in IndexedDB, a `nonce` that commits to it, and the proof Python
//! checks in every Streamlit session.
//!
//! - `nonce = base64url(SHA-256(thumbprint ‖ salt))`: `thumbprint` is the RFC 7638 SHA-256
//!   thumbprint of the public key (32 bytes), `salt` 32 fresh random bytes per login.
//! - The proof is an ECDSA P-256/SHA-256 signature (IEEE P1363, `r ‖ s`) over
//!   [`signed_message`]: a fixed label, Python's challenge for this Streamlit session, the
//!   issuer and the client id.
//!
//! The digests and the signature come from `crypto.subtle` (browser glue); this module holds
//! the byte layouts and the stored shape, so that they are tested natively.

use crate::encoding::{base64url_decode, base64url_encode};
use crate::pkce::RANDOM_BYTES;
use crate::wire::{self, Value};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The label that starts every signed message (a signature made for anything else never
/// verifies as a proof).
pub const LABEL: &str = "streamlit_component/binding/v1";

/// Shortest and longest challenge accepted from the host.
pub const CHALLENGE_LEN: std::ops::RangeInclusive<usize> = 22..=128;

/// What the session keeps of its binding: which key (its thumbprint, base64url) and the salt.
/// Neither is secret: the private key never leaves the browser's key store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BindingWire")]
pub struct Binding {
    /// The RFC 7638 thumbprint of the public key, base64url: the key's name in IndexedDB.
    pub key_id: String,
    /// The salt of the nonce's commitment, base64url (32 bytes).
    pub salt: String,
}

/// Why a stored binding, or a public key from the browser, was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingError {
    /// A field is missing, of the wrong type, or not the right number of base64url bytes.
    Malformed(&'static str),
}

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingError::Malformed(field) => {
                write!(f, "the login's key binding has no valid {field}")
            }
        }
    }
}

/// Whether `text` is base64url for exactly `len` bytes.
fn is_b64_of_len(text: &str, len: usize) -> bool {
    base64url_decode(text).is_ok_and(|bytes| bytes.len() == len)
}

/// A binding as stored, before its checks.
#[derive(Deserialize)]
struct BindingWire {
    key_id: String,
    salt: String,
}

impl TryFrom<BindingWire> for Binding {
    type Error = BindingError;
    fn try_from(wire: BindingWire) -> Result<Binding, BindingError> {
        for (name, text) in [("key_id", &wire.key_id), ("salt", &wire.salt)] {
            if !is_b64_of_len(text, 32) {
                return Err(BindingError::Malformed(name));
            }
        }
        Ok(Binding {
            key_id: wire.key_id,
            salt: wire.salt,
        })
    }
}

impl Binding {
    /// Reads a stored binding (a field of a stored session or pending login).
    pub fn from_json(json: &Value) -> Result<Binding, BindingError> {
        let wire: BindingWire = wire::from_value(json)
            .map_err(|e| BindingError::Malformed(e.field_in(&["key_id", "salt"], "key_id")))?;
        Binding::try_from(wire)
    }

    /// A binding from the key's thumbprint and the salt's bytes.
    pub fn new(thumbprint: &[u8; 32], salt: &[u8; RANDOM_BYTES]) -> Binding {
        Binding {
            key_id: base64url_encode(thumbprint),
            salt: base64url_encode(salt),
        }
    }

    /// The bytes whose SHA-256 is the nonce: the thumbprint, then the salt (64 bytes).
    pub fn commitment_input(&self) -> Vec<u8> {
        // Both fields were checked to be base64url of 32 bytes where the binding was made or read.
        let mut bytes = base64url_decode(&self.key_id).unwrap_or_default();
        bytes.extend(base64url_decode(&self.salt).unwrap_or_default());
        bytes
    }
}

/// The nonce sent to the provider, from the SHA-256 of [`Binding::commitment_input`].
pub fn nonce_from_digest(digest: &[u8; 32]) -> String {
    base64url_encode(digest)
}

/// The public key's coordinates, from its JWK export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// `x`, base64url of 32 bytes.
    pub x: String,
    /// `y`, base64url of 32 bytes.
    pub y: String,
}

impl PublicKey {
    /// Reads the exported public JWK: EC, P-256, 32-byte coordinates (other members ignored).
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, BindingError> {
        #[derive(Deserialize)]
        struct Jwk {
            kty: String,
            crv: String,
            x: String,
            y: String,
        }
        let names = ["kty", "crv", "x", "y"];
        let jwk: Jwk = wire::from_value(jwk)
            .map_err(|e| BindingError::Malformed(e.field_in(&names, "kty")))?;
        if jwk.kty != "EC" {
            return Err(BindingError::Malformed("kty"));
        }
        if jwk.crv != "P-256" {
            return Err(BindingError::Malformed("crv"));
        }
        for (name, coordinate) in [("x", &jwk.x), ("y", &jwk.y)] {
            if !is_b64_of_len(coordinate, 32) {
                return Err(BindingError::Malformed(name));
            }
        }
        Ok(PublicKey { x: jwk.x, y: jwk.y })
    }

    /// The RFC 7638 thumbprint input: the required members in lexicographic order, no spaces.
    pub fn thumbprint_input(&self) -> String {
        format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            self.x, self.y
        )
    }

    /// The public JWK sent to Python with a proof.
    pub fn to_jwk(&self) -> Value {
        wire::json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y})
    }
}

/// What the key signs for one Streamlit session: the label, the host's challenge, the issuer
/// and the client id, one per line.
pub fn signed_message(challenge: &str, issuer: &str, client_id: &str) -> String {
    format!("{LABEL}\n{challenge}\n{issuer}\n{client_id}")
}

/// Whether a challenge from the host is usable: base64url text of a sensible length.
pub fn is_valid_challenge(challenge: &str) -> bool {
    CHALLENGE_LEN.contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The proof sent to Python next to the session: the public JWK, the salt and the signature.
pub fn proof_json(key: &PublicKey, binding: &Binding, challenge: &str, signature: &[u8]) -> Value {
    wire::json!({
        "jwk": key.to_jwk(),
        "salt": binding.salt,
        // The challenge signed, so that a host can tell a proof for an earlier Streamlit
        // session (a value replayed after a server restart) from a wrong signature.
        "challenge": challenge,
        "signature": base64url_encode(signature),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::json;

    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn binding() -> Binding {
        Binding::new(&[1; 32], &[2; 32])
    }

    #[test]
    fn thumbprint_input_follows_rfc_7638() {
        let key =
            PublicKey::from_jwk(&json!({"y": Y, "x": X, "crv": "P-256", "kty": "EC", "ext": true}))
                .unwrap();
        // Members in lexicographic order, no whitespace, extra members (`ext`) left out.
        assert_eq!(
            key.thumbprint_input(),
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#)
        );
        assert_eq!(PublicKey::from_jwk(&key.to_jwk()), Ok(key));
    }

    #[test]
    fn public_keys_other_than_p256_are_refused() {
        let jwk = |kty: &str, crv: &str, x: &str| json!({"kty": kty, "crv": crv, "x": x, "y": Y});
        let refused = |json: Value| PublicKey::from_jwk(&json).unwrap_err();
        assert_eq!(
            refused(jwk("RSA", "P-256", X)),
            BindingError::Malformed("kty")
        );
        assert_eq!(
            refused(jwk("EC", "P-384", X)),
            BindingError::Malformed("crv")
        );
        assert_eq!(
            refused(jwk("EC", "P-256", "AAAA")),
            BindingError::Malformed("x")
        );
        assert_eq!(
            refused(jwk(
                "EC",
                "P-256",
                "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE+"
            )),
            BindingError::Malformed("x")
        );
    }

    #[test]
    fn the_commitment_input_is_thumbprint_then_salt() {
        let input = binding().commitment_input();
        assert_eq!(input.len(), 64);
        assert_eq!(
            (&input[..32], &input[32..]),
            (&[1u8; 32][..], &[2u8; 32][..])
        );
        // Another salt, another commitment.
        assert_ne!(Binding::new(&[1; 32], &[3; 32]).commitment_input(), input);
        assert_eq!(nonce_from_digest(&[0; 32]).len(), 43);
    }

    #[test]
    fn stored_bindings_round_trip_and_bad_ones_are_refused() {
        let stored = wire::to_value(&binding());
        assert_eq!(Binding::from_json(&stored), Ok(binding()));
        let with = |key_id: Value, salt: Value| json!({"key_id": key_id, "salt": salt});
        let salt = Value::from(binding().salt.as_str());
        let key_id = Value::from(binding().key_id.as_str());
        for (json, field) in [
            (with(Value::Null, salt.clone()), "key_id"),
            (with(Value::from("AQID"), salt.clone()), "key_id"),
            (with(key_id.clone(), Value::from(1u64)), "salt"),
            (
                with(key_id.clone(), Value::from(format!("{}=", binding().salt))),
                "salt",
            ),
            (Value::Null, "key_id"),
        ] {
            assert_eq!(
                Binding::from_json(&json),
                Err(BindingError::Malformed(field))
            );
        }
    }

    #[test]
    fn the_signed_message_names_challenge_issuer_and_client() {
        let message = signed_message("c1", "https://idp.example", "app");
        assert_eq!(
            message,
            "streamlit_component/binding/v1\nc1\nhttps://idp.example\napp"
        );
        // A different challenge, issuer or client gives a different message.
        assert_ne!(message, signed_message("c2", "https://idp.example", "app"));
        assert_ne!(
            message,
            signed_message("c1", "https://other.example", "app")
        );
        assert_ne!(message, signed_message("c1", "https://idp.example", "app2"));
    }

    #[test]
    fn challenges_are_base64url_of_sensible_length() {
        assert!(is_valid_challenge(&"a".repeat(43)));
        assert!(!is_valid_challenge("short"));
        assert!(!is_valid_challenge(&"a".repeat(129)));
        assert!(!is_valid_challenge(&format!("{}\n", "a".repeat(43))));
    }

    #[test]
    fn the_proof_carries_jwk_salt_and_signature() {
        let key = PublicKey {
            x: X.into(),
            y: Y.into(),
        };
        let proof = proof_json(&key, &binding(), "c1", &[7; 64]);
        assert_eq!(proof.get("challenge").and_then(Value::as_str), Some("c1"));
        assert_eq!(
            proof.get("salt").and_then(Value::as_str),
            Some(binding().salt.as_str())
        );
        assert_eq!(
            proof
                .get("jwk")
                .and_then(|j| j.get("x"))
                .and_then(Value::as_str),
            Some(X)
        );
        let signature = proof.get("signature").and_then(Value::as_str).unwrap();
        assert_eq!(base64url_decode(signature).unwrap(), vec![7; 64]);
    }
}
