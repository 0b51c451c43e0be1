//! The login session kept in localStorage, its storage keys, and what of it Python may see.
//!
//! Everything read back from storage is untrusted (any script on the origin can write there):
//! it is size-limited, parsed and shape-checked, and what fails is reported and removed.

use crate::binding::Binding;
use crate::json::{Json, JsonError};
use crate::oidc::authorize::PendingLogin;
use crate::oidc::claims::{nonce_of, IdClaims};
use crate::oidc::token::TokenSet;
use crate::oidc::UnixSeconds;
use crate::secret::Secret;
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
        let pending = PendingLogin::from_json(&Json::parse(value).ok()?).ok()?;
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
                let parsed = Json::parse(value).ok();
                let login = parsed.and_then(|json| PendingLogin::from_json(&json).ok());
                login.is_none_or(|login| login.is_expired(now))
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
    /// Not JSON.
    Corrupt(JsonError),
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

fn text<'a>(json: &'a Json, field: &'static str) -> Result<&'a str, SessionError> {
    json.get(field)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(SessionError::Malformed(field))
}

impl Session {
    /// The session as stored, refresh token and binding included.
    pub fn to_stored(&self) -> String {
        let mut json = self.public_json();
        if let Json::Object(pairs) = &mut json {
            if let Some(refresh) = &self.refresh_token {
                pairs.push(("refresh_token".into(), Json::from(refresh.expose())));
            }
            pairs.push(("binding".into(), self.binding.to_json()));
        }
        json.to_string()
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
    pub fn public_json(&self) -> Json {
        if let Some(sealed) = &self.sealed {
            return Json::object([
                ("user", Json::from(self.user.as_str())),
                ("sealed", Json::from(sealed.expose())),
                (
                    "token",
                    Json::object([("expiry", Json::from(self.token.expiry))]),
                ),
            ]);
        }
        let mut json = Json::object([
            ("user", Json::from(self.user.as_str())),
            (
                "email",
                self.email.as_deref().map_or(Json::Null, Json::from),
            ),
            (
                "token",
                Json::object([
                    ("value", Json::from(self.token.value.expose())),
                    (
                        "value_id_token",
                        Json::from(self.token.value_id_token.expose()),
                    ),
                    ("expiry", Json::from(self.token.expiry)),
                ]),
            ),
            (
                "scopes",
                Json::Array(self.scopes.iter().map(|s| Json::from(s.as_str())).collect()),
            ),
        ]);
        if let (Json::Object(pairs), Some(login)) = (&mut json, &self.login_id_token) {
            pairs.push(("login_id_token".into(), Json::from(login.expose())));
        }
        json
    }

    /// Reads a stored session: size-limited, parsed, every field checked.
    pub fn from_stored(stored: &str) -> Result<Session, SessionError> {
        if stored.len() > MAX_STORED_LEN {
            return Err(SessionError::TooLarge);
        }
        let json = Json::parse(stored).map_err(SessionError::Corrupt)?;
        let token = json.get("token").ok_or(SessionError::Malformed("token"))?;
        let sealed = match json.get_present("sealed") {
            None => None,
            Some(_) => Some(Secret::new(text(&json, "sealed")?)),
        };
        // A sealed session carries no tokens of its own.
        let token_text = |name: &'static str| match sealed {
            Some(_) => Ok(""),
            None => text(token, name),
        };
        let email = match json.get_present("email") {
            None => None,
            Some(_) => Some(text(&json, "email")?.to_owned()),
        };
        let refresh_token = match json.get_present("refresh_token") {
            None => None,
            Some(_) => Some(Secret::new(text(&json, "refresh_token")?)),
        };
        let scopes = match json.get("scopes") {
            None if sealed.is_some() => Vec::new(),
            Some(Json::Array(items)) => items
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .ok_or(SessionError::Malformed("scopes"))
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(SessionError::Malformed("scopes")),
        };
        Ok(Session {
            user: text(&json, "user")?.to_owned(),
            email,
            token: Tokens {
                value: Secret::new(token_text("value")?),
                value_id_token: Secret::new(token_text("value_id_token")?),
                expiry: token
                    .get("expiry")
                    .and_then(Json::as_u64)
                    .ok_or(SessionError::Malformed("expiry"))?,
            },
            refresh_token,
            scopes,
            login_id_token: match json.get_present("login_id_token") {
                None => None,
                Some(_) => Some(Secret::new(text(&json, "login_id_token")?)),
            },
            binding: json
                .get("binding")
                .and_then(|b| Binding::from_json(b).ok())
                .ok_or(SessionError::Malformed("binding"))?,
            sealed,
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
                claims.email.clone(),
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
            (Some(seconds), _) => now.saturating_add(seconds),
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
