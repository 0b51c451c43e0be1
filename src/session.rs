//! The login session kept in localStorage, its storage keys, and what of it Python may see.
//!
//! Everything read back from storage is untrusted (any script on the origin can write there):
//! it is size-limited, parsed and shape-checked, and what fails is reported and removed.

use crate::binding::Binding;
use crate::oidc::authorize::PendingLogin;
use crate::oidc::claims::{nonce_of, IdClaims};
use crate::oidc::token::TokenSet;
use crate::oidc::UnixSeconds;
use crate::secret::Secret;
use crate::wire::{self, json, Int, Text, Value, WireError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest stored value read; a larger one is refused unparsed.
pub const MAX_STORED_LEN: usize = 64 * 1024;

/// Prefix of every storage key of ours.
pub const KEY_PREFIX: &str = "streamlit_component.v1";

/// What a storage key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// The session.
    Session,
    /// A same-tab login in progress (the app's tab is at the provider).
    Pending,
    /// Which tab is refreshing the session, and until when.
    Lease,
}

/// The storage key for one provider and client (SECURITY 16: namespaced by issuer and
/// client id, so two configurations never read each other's session).
pub fn storage_key(kind: KeyKind, issuer: &str, client_id: &str) -> String {
    let kind = match kind {
        KeyKind::Session => "session",
        KeyKind::Pending => "pending",
        KeyKind::Lease => "lease",
    };
    format!("{KEY_PREFIX}|{kind}|{issuer}|{client_id}")
}

/// Among stored `(key, value)` entries, the pending login whose state is `state`, with its key.
/// Entries that are not pending logins, or cannot be read, are skipped.
pub fn find_pending<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    state: &str,
) -> Option<(&'a str, PendingLogin)> {
    let prefix = format!("{KEY_PREFIX}|pending|");
    entries.into_iter().find_map(|(key, value)| {
        if !key.starts_with(&prefix) || value.len() > MAX_STORED_LEN {
            return None;
        }
        let pending = PendingLogin::from_stored(value).ok()?;
        (pending.state.expose() == state).then_some((key, pending))
    })
}

/// Our entries that are left over and can go (SECURITY 16): pending logins that are unreadable
/// or older than their TTL (a login that never came back), answers relayed by a login window
/// that no component took, and leases that lapsed.
pub fn stale_keys<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    now: UnixSeconds,
) -> Vec<&'a str> {
    let pending = format!("{KEY_PREFIX}|pending|");
    let lease = format!("{KEY_PREFIX}|lease|");
    entries
        .into_iter()
        .filter(|(key, value)| {
            if key.starts_with(&pending) {
                PendingLogin::from_stored(value).map_or(true, |login| login.is_expired(now))
            } else if key.starts_with(&lease) {
                crate::lease::is_lapsed(value, now)
            } else if crate::handoff::is_relay_key(key) {
                crate::handoff::read_relay(value, now).is_err()
            } else {
                false
            }
        })
        .map(|(key, _)| key)
        .collect()
}

/// Whether a storage key is one of ours, whatever its provider (logout clears them all).
pub fn is_our_key(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX)
        .is_some_and(|rest| rest.starts_with('|'))
}

/// The tokens of a session, as Python receives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub value: Secret,
    /// The ID token.
    pub value_id_token: Secret,
    /// When the access token expires.
    pub expiry: UnixSeconds,
}

/// A logged-in session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The name to show (from the ID token).
    pub user: String,
    /// The user's email, when the provider gave one.
    pub email: Option<String>,
    /// The tokens.
    pub token: Tokens,
    /// The refresh token: kept in the browser, never sent to Python (SECURITY 13).
    pub refresh_token: Option<Secret>,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The login's own ID token, kept once a refresh brought one without a `nonce` (OpenID
    /// Connect Core §12.2 allows it): Python accepts such a token only next to the nonce-bearing
    /// one of the login, with the same issuer, audience and subject.
    pub login_id_token: Option<Secret>,
    /// The browser key the login's nonce commits to, and the salt (`crate::binding`).
    pub binding: Binding,
    /// Confidential mode: the session Python sealed (the tokens stay on the server; `token`
    /// then holds only the access token's expiry, and `refresh_token` is `None`).
    pub sealed: Option<Secret>,
}

/// Why a stored session was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// Longer than [`MAX_STORED_LEN`].
    TooLarge,
    /// Not JSON (serde_json's reason).
    Corrupt(String),
    /// JSON of the wrong shape: the field named is missing or of the wrong type.
    Malformed(&'static str),
}

impl SessionError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::TooLarge => "session_too_large",
            SessionError::Corrupt(_) | SessionError::Malformed(_) => "corrupt_session",
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::TooLarge => f.write_str("stored session is too large"),
            SessionError::Corrupt(e) => write!(f, "stored session is not JSON: {e}"),
            SessionError::Malformed(field) => write!(f, "stored session has no valid {field}"),
        }
    }
}

/// A session as stored: what Python receives, plus the refresh token and the binding.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    user: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<Text>,
    token: StoredTokens,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login_id_token: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<Text>,
    binding: Binding,
}

/// The tokens as stored; a sealed session keeps only the expiry.
#[derive(Serialize, Deserialize)]
struct StoredTokens {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value_id_token: Option<Text>,
    expiry: Int,
}

/// The fields of a stored session, to name the one serde refused.
const SESSION_FIELDS: [&str; 11] = [
    "user",
    "sealed",
    "email",
    "token",
    "value",
    "value_id_token",
    "expiry",
    "scopes",
    "login_id_token",
    "refresh_token",
    "binding",
];

impl From<&Session> for StoredSession {
    fn from(session: &Session) -> StoredSession {
        let text = |secret: &Secret| Text(secret.expose().to_owned());
        let sealed = session.sealed.as_ref().map(text);
        // A sealed session's tokens stay with Python: only the expiry is kept.
        let unsealed = sealed.is_none();
        StoredSession {
            user: Text(session.user.clone()),
            email: session.email.clone().map(Text),
            token: StoredTokens {
                value: unsealed.then(|| text(&session.token.value)),
                value_id_token: unsealed.then(|| text(&session.token.value_id_token)),
                expiry: Int(session.token.expiry),
            },
            scopes: unsealed.then(|| session.scopes.clone()),
            login_id_token: session.login_id_token.as_ref().map(text),
            refresh_token: session.refresh_token.as_ref().map(text),
            binding: session.binding.clone(),
            sealed,
        }
    }
}

impl Serialize for Session {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredSession::from(self).serialize(serializer)
    }
}

impl Session {
    /// The session as stored, refresh token and binding included.
    pub fn to_stored(&self) -> String {
        wire::to_text(self)
    }

    /// A confidential mode session: what Python sealed, for whom, until when, bound to the key
    /// of `binding`.
    pub fn sealed(user: &str, sealed: &str, expiry: UnixSeconds, binding: Binding) -> Session {
        Session {
            user: user.to_owned(),
            email: None,
            token: Tokens {
                value: Secret::new(""),
                value_id_token: Secret::new(""),
                expiry,
            },
            refresh_token: None,
            scopes: Vec::new(),
            login_id_token: None,
            binding,
            sealed: Some(Secret::new(sealed)),
        }
    }

    /// What Python receives: user, email, token {value, value_id_token, expiry}, scopes, and
    /// the login's ID token after a refresh without a nonce; never the refresh token. A sealed
    /// session sends the user, the sealed value and the expiry only.
    pub fn public_json(&self) -> Value {
        if let Some(sealed) = &self.sealed {
            return json!({
                "user": self.user,
                "sealed": sealed.expose(),
                "token": {"expiry": self.token.expiry},
            });
        }
        let mut json = json!({
            "user": self.user,
            "email": self.email,
            "token": {
                "value": self.token.value.expose(),
                "value_id_token": self.token.value_id_token.expose(),
                "expiry": self.token.expiry,
            },
            "scopes": self.scopes,
        });
        if let Some(login) = &self.login_id_token {
            json["login_id_token"] = Value::from(login.expose());
        }
        json
    }

    /// Reads a stored session: size-limited, parsed, every field checked.
    pub fn from_stored(stored: &str) -> Result<Session, SessionError> {
        let stored: StoredSession =
            wire::from_text(stored, MAX_STORED_LEN).map_err(|e| match e {
                WireError::TooLarge => SessionError::TooLarge,
                WireError::Syntax(reason) => SessionError::Corrupt(reason),
                field => SessionError::Malformed(field.field_in(&SESSION_FIELDS, "user")),
            })?;
        let secret = |text: Text| Secret::new(text.0);
        // A sealed session carries no tokens of its own; any other needs both and its scopes.
        let (value, value_id_token, scopes) = match stored.sealed {
            Some(_) => (Secret::new(""), Secret::new(""), Vec::new()),
            None => (
                secret(stored.token.value.ok_or(SessionError::Malformed("value"))?),
                secret(
                    stored
                        .token
                        .value_id_token
                        .ok_or(SessionError::Malformed("value_id_token"))?,
                ),
                stored.scopes.ok_or(SessionError::Malformed("scopes"))?,
            ),
        };
        Ok(Session {
            user: stored.user.0,
            email: stored.email.map(|e| e.0),
            token: Tokens {
                value,
                value_id_token,
                expiry: stored.token.expiry.0,
            },
            refresh_token: stored.refresh_token.map(secret),
            scopes,
            login_id_token: stored.login_id_token.map(secret),
            binding: stored.binding,
            sealed: stored.sealed.map(secret),
        })
    }

    /// The session a token response makes. `claims` are the checked claims of the response's ID
    /// token; after a refresh without one, the `previous` session's ID token, user and email are
    /// kept. A new refresh token replaces the old one (rotation); without one the old one stays.
    /// The expiry is `expires_in` from `now`, else the ID token's. Scopes are the granted ones,
    /// else the `requested` ones. The `binding` is the login's (a refresh keeps it).
    pub fn from_token_set(
        tokens: TokenSet,
        claims: Option<&IdClaims>,
        previous: Option<&Session>,
        requested: &str,
        binding: Binding,
        now: UnixSeconds,
    ) -> Option<Session> {
        let (user, email, id_token) = match (claims, tokens.id_token, previous) {
            (Some(claims), Some(id_token), _) => (
                claims.display_name().to_owned(),
                claims.email.clone().filter(|e| !e.is_empty()),
                id_token,
            ),
            (None, None, Some(previous)) => (
                previous.user.clone(),
                previous.email.clone(),
                previous.token.value_id_token.clone(),
            ),
            _ => return None,
        };
        let expiry = match (tokens.expires_in, claims) {
            // Kept within what storage reads back (`Int`: 2^53 - 1).
            (Some(seconds), _) => now.saturating_add(seconds).min(wire::MAX_SAFE_INT),
            (None, Some(claims)) => claims.expires_at,
            (None, None) => previous?.token.expiry,
        };
        let scope = tokens.scope.as_deref().unwrap_or(requested);
        // A refreshed ID token without a nonce needs the login's own next to it.
        let login_id_token = match previous {
            Some(previous) if nonce_of(id_token.expose()).is_none() => {
                previous.login_id_token.clone().or_else(|| {
                    nonce_of(previous.token.value_id_token.expose())
                        .map(|_| previous.token.value_id_token.clone())
                })
            }
            _ => None,
        };
        Some(Session {
            user,
            email,
            token: Tokens {
                value: tokens.access_token,
                value_id_token: id_token,
                expiry,
            },
            refresh_token: tokens
                .refresh_token
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            scopes: scope.split_whitespace().map(str::to_owned).collect(),
            login_id_token,
            binding,
            sealed: None,
        })
    }

    /// Whether the access token has expired at `now`.
    pub fn is_expired(&self, now: UnixSeconds) -> bool {
        self.token.expiry <= now
    }
}

/// What the watcher finds under the session key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Nothing stored.
    LoggedOut,
    /// A valid session that has not expired.
    LoggedIn(Session),
    /// A valid session whose access token has expired.
    Expired(Session),
    /// Something that is not a valid session: to be removed and reported.
    Invalid(SessionError),
}

/// Classifies what is stored under the session key at `now`.
pub fn observe(stored: Option<&str>, now: UnixSeconds) -> Observed {
    match stored.map(Session::from_stored) {
        None => Observed::LoggedOut,
        Some(Ok(session)) if session.is_expired(now) => Observed::Expired(session),
        Some(Ok(session)) => Observed::LoggedIn(session),
        Some(Err(error)) => Observed::Invalid(error),
    }
}

#[cfg(test)]
mod tests;
