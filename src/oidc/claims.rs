//! ID-token claims, decoded for display and checked (OpenID Connect Core §3.1.3.7): issuer,
//! audience, authorized party, expiry, issue time, subject and nonce. The signature is checked
//! by the Python host against the provider's keys; the component only refuses what it can
//! already tell is wrong, such as an unsigned token.

use super::UnixSeconds;
use crate::encoding::base64url_decode;
use crate::secret::Secret;
use crate::wire::{self, Int, Value, WireError};
use serde::Deserialize;
use std::fmt;

/// Longest JWT accepted; a larger one is refused before decoding.
pub const MAX_JWT_LEN: usize = 16 * 1024;

/// Clock skew tolerated on `exp` and `iat`, in seconds (SECURITY checklist: at most 60).
pub const LEEWAY_S: u64 = 60;
/// The largest difference between the browser's clock and the provider's that is taken for a
/// clock running off, not for a token out of its time (a day, as for Python's `seq` bound).
pub const MAX_CLOCK_SKEW_S: u64 = 24 * 3600;

/// The claims the component shows and keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdClaims {
    /// `iss`
    pub issuer: String,
    /// `sub`
    pub subject: String,
    /// `exp`, seconds since the epoch.
    pub expires_at: UnixSeconds,
    /// `name`, when present.
    pub name: Option<String>,
    /// `email`, when present.
    pub email: Option<String>,
    /// `preferred_username`, when present.
    pub preferred_username: Option<String>,
}

impl IdClaims {
    /// The best name to show for the user: name, preferred username, email, then subject.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.preferred_username.as_deref())
            .or(self.email.as_deref())
            .unwrap_or(&self.subject)
    }
}

/// What the ID token must match.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The configured issuer, compared exactly.
    pub issuer: &'a str,
    /// The client id, which must be an audience (and the `azp` when there is one).
    pub client_id: &'a str,
    /// The pending login's nonce (after a refresh: the nonce of the ID token it replaces).
    pub nonce: &'a Secret,
    /// Whether the token comes from a refresh, where the nonce may be left out (OpenID Connect
    /// Core §12.2); when present it must still match.
    pub refreshed: bool,
    /// The current time.
    pub now: UnixSeconds,
}

/// Why an ID token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimsError {
    /// Longer than [`MAX_JWT_LEN`].
    TooLarge,
    /// Not three base64url segments of JSON objects, or a claim of the wrong type.
    Malformed(&'static str),
    /// The header says `alg: none`, or names no algorithm.
    Unsigned,
    /// `iss` is not exactly the configured issuer.
    InvalidIssuer,
    /// The client id is not among the audiences.
    InvalidAudience,
    /// `azp` is not the client id, or missing while there are several audiences.
    InvalidAuthorizedParty,
    /// No `exp`.
    MissingExpiry,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `iat` lies in the future (beyond the leeway).
    IssuedInFuture,
    /// No `sub`.
    MissingSubject,
    /// The nonce is missing or not the pending login's.
    InvalidNonce,
}

impl ClaimsError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        match self {
            ClaimsError::TooLarge | ClaimsError::Malformed(_) => "malformed_id_token",
            ClaimsError::Unsigned => "unsigned_id_token",
            ClaimsError::InvalidIssuer => "invalid_issuer",
            ClaimsError::InvalidAudience => "invalid_audience",
            ClaimsError::InvalidAuthorizedParty => "invalid_azp",
            ClaimsError::MissingExpiry | ClaimsError::Expired => "expired",
            ClaimsError::IssuedInFuture => "issued_in_future",
            ClaimsError::MissingSubject => "missing_sub",
            ClaimsError::InvalidNonce => "invalid_nonce",
        }
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::TooLarge => f.write_str("id token is too large"),
            ClaimsError::Malformed(part) => write!(f, "id token has a malformed {part}"),
            ClaimsError::Unsigned => f.write_str("id token is not signed"),
            ClaimsError::InvalidIssuer => {
                f.write_str("id token issuer is not the configured issuer")
            }
            ClaimsError::InvalidAudience => f.write_str("id token is not for this client"),
            ClaimsError::InvalidAuthorizedParty => f.write_str("id token azp is not this client"),
            ClaimsError::MissingExpiry => f.write_str("id token has no expiry"),
            ClaimsError::Expired => f.write_str("id token has expired"),
            ClaimsError::IssuedInFuture => f.write_str("id token is issued in the future"),
            ClaimsError::MissingSubject => f.write_str("id token has no subject"),
            ClaimsError::InvalidNonce => f.write_str("id token nonce does not match this login"),
        }
    }
}

/// The JOSE header's fields this client reads.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    alg: Option<String>,
}

/// `aud`: one audience or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The ID token claims this client reads; the others are ignored. A claim present twice is
/// refused, not resolved.
#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    exp: Option<Int>,
    /// Read leniently, as Python does: what is not a whole number is as good as none (`exp`
    /// decides).
    #[serde(default)]
    iat: Option<Value>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
}

/// The error a claim of the wrong type (or given twice) is: the one its check would give.
fn payload_error(error: &WireError) -> ClaimsError {
    let names = [
        "iss",
        "aud",
        "azp",
        "exp",
        "iat",
        "sub",
        "nonce",
        "name",
        "email",
        "preferred_username",
    ];
    match error.field_in(&names, "payload") {
        "iss" => ClaimsError::InvalidIssuer,
        "azp" => ClaimsError::InvalidAuthorizedParty,
        "exp" => ClaimsError::MissingExpiry,
        "sub" => ClaimsError::MissingSubject,
        "nonce" => ClaimsError::InvalidNonce,
        other => ClaimsError::Malformed(other),
    }
}

/// A base64url segment's JSON text.
fn segment_text(text: &str, part: &'static str) -> Result<String, ClaimsError> {
    let bytes = base64url_decode(text).map_err(|_| ClaimsError::Malformed(part))?;
    String::from_utf8(bytes).map_err(|_| ClaimsError::Malformed(part))
}

/// Splits a compact JWS and decodes its header and payload; the signature is not checked here.
fn decode(jwt: &str) -> Result<(Header, Payload), ClaimsError> {
    if jwt.len() > MAX_JWT_LEN {
        return Err(ClaimsError::TooLarge);
    }
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ClaimsError::Malformed("structure"));
    };
    let header: Header =
        wire::from_text(&segment_text(header, "header")?, MAX_JWT_LEN).map_err(|e| match e {
            WireError::Field { .. } if e.top_field() == Some("alg") => ClaimsError::Unsigned,
            _ => ClaimsError::Malformed("header"),
        })?;
    let payload = wire::from_text(&segment_text(payload, "payload")?, MAX_JWT_LEN)
        .map_err(|e| payload_error(&e))?;
    Ok((header, payload))
}

/// The `nonce` claim of a token already stored (the one a refreshed ID token must repeat).
pub fn nonce_of(jwt: &str) -> Option<Secret> {
    let (_, claims) = decode(jwt).ok()?;
    claims.nonce.map(Secret::new)
}

/// The time an ID token is checked at. The token comes straight from the token endpoint, so its
/// `iat` is the provider's clock at that moment; a browser's clock may run minutes off (Python
/// checks `exp` and `iat` against the server's clock). Where the two differ by more than the
/// leeway, the token is checked at its `iat`, unless they differ by more than
/// [`MAX_CLOCK_SKEW_S`], which no real clock does.
pub fn check_time(issued_at: Option<UnixSeconds>, now: UnixSeconds) -> UnixSeconds {
    match issued_at {
        Some(iat) if (LEEWAY_S + 1..=MAX_CLOCK_SKEW_S).contains(&iat.abs_diff(now)) => iat,
        _ => now,
    }
}

/// Checks an ID token's claims in the order of OpenID Connect Core §3.1.3.7 and returns them.
pub fn check_id_token(jwt: &str, expected: &Expected<'_>) -> Result<IdClaims, ClaimsError> {
    let (header, claims) = decode(jwt)?;
    match header.alg.as_deref() {
        None => return Err(ClaimsError::Unsigned),
        Some(alg) if alg.eq_ignore_ascii_case("none") => return Err(ClaimsError::Unsigned),
        Some(_) => {}
    }
    if claims.iss.as_deref() != Some(expected.issuer) {
        return Err(ClaimsError::InvalidIssuer);
    }
    let audiences: Vec<&str> = match &claims.aud {
        Some(Audience::One(aud)) => vec![aud.as_str()],
        Some(Audience::Many(items)) => items.iter().map(String::as_str).collect(),
        None => return Err(ClaimsError::InvalidAudience),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(ClaimsError::InvalidAudience);
    }
    match claims.azp.as_deref() {
        Some(azp) if azp != expected.client_id => return Err(ClaimsError::InvalidAuthorizedParty),
        None if audiences.len() > 1 => return Err(ClaimsError::InvalidAuthorizedParty),
        _ => {}
    }
    let expires_at = claims.exp.ok_or(ClaimsError::MissingExpiry)?.0;
    let issued_at = claims.iat.as_ref().and_then(wire::whole);
    let now = check_time(issued_at, expected.now);
    if expires_at.saturating_add(LEEWAY_S) <= now {
        return Err(ClaimsError::Expired);
    }
    if issued_at.is_some_and(|iat| iat > now.saturating_add(LEEWAY_S)) {
        return Err(ClaimsError::IssuedInFuture);
    }
    let subject = claims.sub.filter(|s| !s.is_empty());
    let subject = subject.ok_or(ClaimsError::MissingSubject)?;
    match claims.nonce {
        None if expected.refreshed => {}
        nonce if nonce.as_deref() != Some(expected.nonce.expose()) => {
            return Err(ClaimsError::InvalidNonce)
        }
        _ => {}
    }
    Ok(IdClaims {
        issuer: expected.issuer.to_owned(),
        subject,
        expires_at,
        name: claims.name,
        email: claims.email,
        preferred_username: claims.preferred_username,
    })
}

#[cfg(test)]
mod tests;
