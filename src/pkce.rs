//! PKCE (RFC 7636) with S256 only, and the random values of a login (state, nonce).
//!
//! Randomness and SHA-256 come from the browser (`crypto.getRandomValues`,
//! `crypto.subtle.digest`); this module turns their bytes into the protocol's strings.

use crate::encoding::base64url_encode;
use crate::secret::Secret;
use std::fmt;

/// Random bytes behind a verifier, a state or a nonce: 256 bits, 43 base64url characters.
pub const RANDOM_BYTES: usize = 32;

/// The only challenge method this client uses (RFC 9700 §2.1.1: plain is never used).
pub const METHOD: &str = "S256";

/// Why a verifier was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkceError {
    /// Shorter than 43 or longer than 128 characters (RFC 7636 §4.1).
    BadLength,
    /// A character outside `[A-Za-z0-9-._~]`.
    BadCharacter,
}

impl fmt::Display for PkceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PkceError::BadLength => "code verifier must be 43 to 128 characters",
            PkceError::BadCharacter => "code verifier has a character outside [A-Za-z0-9-._~]",
        })
    }
}

/// A high-entropy random string (verifier, state or nonce) from fresh random bytes.
pub fn random_secret(bytes: &[u8; RANDOM_BYTES]) -> Secret {
    Secret::new(base64url_encode(bytes))
}

/// Checks a verifier read back from storage against RFC 7636 §4.1.
pub fn check_verifier(verifier: &str) -> Result<(), PkceError> {
    if !(43..=128).contains(&verifier.len()) {
        return Err(PkceError::BadLength);
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if !verifier.bytes().all(allowed) {
        return Err(PkceError::BadCharacter);
    }
    Ok(())
}

/// The S256 code challenge: base64url of the SHA-256 digest of the verifier's ASCII bytes.
pub fn code_challenge_s256(verifier_digest: &[u8; 32]) -> String {
    base64url_encode(verifier_digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B: the verifier's random octets, and the SHA-256 of the verifier.
    const RFC_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const RFC_DIGEST: [u8; 32] = [
        19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173,
        109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195,
    ];

    #[test]
    fn verifier_and_challenge_match_rfc_7636_appendix_b() {
        let verifier = random_secret(&RFC_OCTETS);
        assert_eq!(
            verifier.expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            code_challenge_s256(&RFC_DIGEST),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(check_verifier(verifier.expose()), Ok(()));
    }

    #[test]
    fn random_values_are_43_characters_of_the_verifier_alphabet() {
        for fill in [0u8, 0x7f, 0xff] {
            let secret = random_secret(&[fill; RANDOM_BYTES]);
            assert_eq!(secret.expose().len(), 43);
            assert_eq!(check_verifier(secret.expose()), Ok(()));
        }
    }

    #[test]
    fn verifiers_outside_rfc_7636_are_refused() {
        assert_eq!(check_verifier(&"a".repeat(42)), Err(PkceError::BadLength));
        assert_eq!(check_verifier(&"a".repeat(129)), Err(PkceError::BadLength));
        assert_eq!(check_verifier(&"a".repeat(128)), Ok(()));
        assert_eq!(
            check_verifier(&format!("{}+", "a".repeat(42))),
            Err(PkceError::BadCharacter)
        );
        assert_eq!(
            check_verifier(&format!("{}=", "a".repeat(42))),
            Err(PkceError::BadCharacter)
        );
    }
}
