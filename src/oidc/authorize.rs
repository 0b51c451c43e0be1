//! The front-channel half of the flow: the authorization URL, the pending login kept while the
//! popup is away, the callback's validation, and the end-session URL.

use super::discovery::ProviderMetadata;
use super::{ProviderError, UnixSeconds};
use crate::binding::Binding;
use crate::encoding::form_encode;
use crate::pkce;
use crate::secret::Secret;
use crate::wire::{self, Int, Text};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long a pending login stays valid (RFC 9700 §4.2.4: state must expire).
pub const PENDING_TTL_S: u64 = 600;

/// What the client asks for, from the component's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The public client's id.
    pub client_id: String,
    /// The one pre-registered redirect URI, used unchanged in both requests.
    pub redirect_uri: String,
    /// Space-separated scopes; `openid` is added when missing.
    pub scope: String,
    /// The API the access token is for, when one is configured.
    pub audience: Option<String>,
}

impl ClientConfig {
    /// The scope with `openid` first when it was not listed.
    pub fn scope_with_openid(&self) -> String {
        if self.scope.split(' ').any(|s| s == "openid") {
            self.scope.clone()
        } else {
            format!("openid {}", self.scope).trim_end().to_owned()
        }
    }
}

/// A login in progress: everything the callback and the token request must match. The iframe
/// keeps it in memory while the popup is at the provider; a same-tab login (no popup possible)
/// stores it in localStorage, where the callback page finds it by its state. Deleted on first
/// use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "StoredPending")]
pub struct PendingLogin {
    /// The `state` sent; the callback must return it.
    pub state: Secret,
    /// The `nonce` sent; the ID token must carry it.
    pub nonce: Secret,
    /// The PKCE code verifier.
    pub verifier: Secret,
    /// The issuer the login was sent to (mix-up defence).
    pub issuer: String,
    /// The client asking: its id, the redirect URI (repeated unchanged in the token request),
    /// scope and audience. The popup reads them from here, not from its query string.
    pub client: ClientConfig,
    /// When the login started.
    pub created_at: UnixSeconds,
    /// A same-tab login's way back: the app page (with its query) that started it. Always on
    /// the component's own origin (checked where it is used); `None` for a popup login.
    pub return_to: Option<String>,
    /// The browser key the `nonce` commits to; `None` until the key is made (the popup opens
    /// first, from the click).
    pub binding: Option<Binding>,
}

/// Why a stored pending login was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingError {
    /// Not an object, or a field missing or of the wrong type.
    Malformed(&'static str),
    /// The verifier breaks RFC 7636 §4.1.
    BadVerifier(pkce::PkceError),
}

/// A pending login as stored: flat, every text required to be non-empty.
#[derive(Serialize, Deserialize)]
struct StoredPending {
    state: Text,
    nonce: Text,
    verifier: Text,
    issuer: Text,
    client_id: Text,
    redirect_uri: Text,
    scope: Text,
    #[serde(default)]
    audience: Option<Text>,
    created_at: Int,
    #[serde(default)]
    return_to: Option<Text>,
    #[serde(default)]
    binding: Option<Binding>,
}

/// The fields of [`StoredPending`], to name the one serde refused.
const PENDING_FIELDS: [&str; 11] = [
    "state",
    "nonce",
    "verifier",
    "issuer",
    "client_id",
    "redirect_uri",
    "scope",
    "audience",
    "created_at",
    "return_to",
    "binding",
];

impl From<PendingLogin> for StoredPending {
    fn from(login: PendingLogin) -> StoredPending {
        let text = |secret: Secret| Text(secret.expose().to_owned());
        StoredPending {
            state: text(login.state),
            nonce: text(login.nonce),
            verifier: text(login.verifier),
            issuer: Text(login.issuer),
            client_id: Text(login.client.client_id),
            redirect_uri: Text(login.client.redirect_uri),
            scope: Text(login.client.scope),
            audience: login.client.audience.map(Text),
            created_at: Int(login.created_at),
            return_to: login.return_to.map(Text),
            binding: login.binding,
        }
    }
}

impl PendingLogin {
    /// The pending login as stored.
    pub fn to_stored(&self) -> String {
        wire::to_text(self)
    }

    /// Reads a stored pending login: untrusted input, size-limited, every field checked.
    pub fn from_stored(stored: &str) -> Result<PendingLogin, PendingError> {
        let stored: StoredPending = wire::from_text(stored, crate::session::MAX_STORED_LEN)
            .map_err(|e| PendingError::Malformed(e.field_in(&PENDING_FIELDS, "verifier")))?;
        pkce::check_verifier(&stored.verifier.0).map_err(PendingError::BadVerifier)?;
        Ok(PendingLogin {
            state: Secret::new(stored.state.0),
            nonce: Secret::new(stored.nonce.0),
            verifier: Secret::new(stored.verifier.0),
            issuer: stored.issuer.0,
            client: ClientConfig {
                client_id: stored.client_id.0,
                redirect_uri: stored.redirect_uri.0,
                scope: stored.scope.0,
                audience: stored.audience.map(|a| a.0),
            },
            created_at: stored.created_at.0,
            return_to: stored.return_to.map(|r| r.0),
            binding: stored.binding,
        })
    }

    /// Whether the login is older than [`PENDING_TTL_S`] (or dated in the future).
    pub fn is_expired(&self, now: UnixSeconds) -> bool {
        now < self.created_at || now - self.created_at > PENDING_TTL_S
    }
}

/// `endpoint` with `params` added to its query (it may already have one).
fn url_with_query<'a>(
    endpoint: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{}", form_encode(params))
}

/// Parameters that carry the login's own values (or could replace them, or put a token in the
/// URL): a login option can never set them.
pub const RESERVED_PARAMS: [&str; 16] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "audience",
    "resource",
    "response_mode",
    "request",
    "request_uri",
    "registration",
    "claims",
    "id_token_hint",
];
/// The `prompt` values of OpenID Connect Core §3.1.2.1.
pub const PROMPTS: [&str; 4] = ["none", "login", "consent", "select_account"];
/// At most this many login options, each value at most this long (bytes).
pub const MAX_LOGIN_OPTIONS: usize = 16;
pub const MAX_LOGIN_OPTION_LEN: usize = 1024;

/// Whether `name=value` may go into the authorization request as a login option: `login_hint`,
/// `prompt`, `max_age`, `acr_values`, `ui_locales`, or a provider's own (`kc_idp_hint`,
/// `domain_hint`, `organization`…), never one of [`RESERVED_PARAMS`]. `prompt` must be made of
/// [`PROMPTS`] and `max_age` a whole number of seconds. Values are percent-encoded when sent.
pub fn is_login_option(name: &str, value: &str) -> bool {
    let name_ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
        && !RESERVED_PARAMS.contains(&name);
    let value_ok = match name {
        "prompt" => value.split(' ').all(|v| PROMPTS.contains(&v)),
        "max_age" => (1..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()),
        _ => value.len() <= MAX_LOGIN_OPTION_LEN,
    };
    name_ok && value_ok
}

/// The URL the popup opens: the code flow with S256, state, nonce, scope and audience, then the
/// app's login options (checked with [`is_login_option`] when the config was read).
pub fn authorization_url(
    provider: &ProviderMetadata,
    pending: &PendingLogin,
    code_challenge: &str,
    options: &[(String, String)],
) -> String {
    let client = &pending.client;
    let scope = client.scope_with_openid();
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("scope", scope.as_str()),
        ("state", pending.state.expose()),
        ("nonce", pending.nonce.expose()),
        ("code_challenge", code_challenge),
        ("code_challenge_method", pkce::METHOD),
    ];
    if let Some(audience) = &client.audience {
        // `audience` for Auth0-style providers; RFC 8707 `resource` (an absolute URI) for the
        // others. Authorization servers ignore parameters they do not know (RFC 6749 §3.1).
        params.push(("audience", audience));
        if audience.contains("://") {
            params.push(("resource", audience));
        }
    }
    params.extend(
        options
            .iter()
            .filter(|(name, value)| is_login_option(name, value))
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    url_with_query(&provider.authorization_endpoint, params)
}

/// Why a callback was refused. Checked in this order: implicit-flow parameters, duplicates,
/// `iss`, `state`, `error`, `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackError {
    /// The callback carries a token parameter: only the code flow is accepted.
    ImplicitFlowParameter(&'static str),
    /// A parameter appears twice, so its value is ambiguous.
    DuplicateParameter(String),
    /// The provider advertises `iss` in responses, and this one has none.
    MissingIssuer,
    /// `iss` differs from the issuer the login was sent to (mix-up attack).
    IssuerMismatch,
    /// No `state`.
    MissingState,
    /// `state` is not the pending login's.
    StateMismatch,
    /// The pending login is too old.
    Expired,
    /// The provider answered with an error.
    Provider(ProviderError),
    /// Neither `code` nor `error`.
    MissingCode,
}

impl CallbackError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::ImplicitFlowParameter(_) => "implicit_flow_refused",
            CallbackError::DuplicateParameter(_) => "duplicate_parameter",
            CallbackError::MissingIssuer => "missing_iss",
            CallbackError::IssuerMismatch => "iss_mismatch",
            CallbackError::MissingState => "missing_state",
            CallbackError::StateMismatch => "invalid_state",
            CallbackError::Expired => "login_expired",
            CallbackError::Provider(_) => "provider_error",
            CallbackError::MissingCode => "missing_code",
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::ImplicitFlowParameter(p) => {
                write!(f, "callback carries {p}: only the code flow is accepted")
            }
            CallbackError::DuplicateParameter(p) => write!(f, "callback repeats {p}"),
            CallbackError::MissingIssuer => f.write_str("callback has no iss"),
            CallbackError::IssuerMismatch => f.write_str("callback iss is not the login's issuer"),
            CallbackError::MissingState => f.write_str("callback has no state"),
            CallbackError::StateMismatch => {
                f.write_str("callback state does not match the pending login")
            }
            CallbackError::Expired => f.write_str("the login took too long; please try again"),
            CallbackError::Provider(e) => write!(f, "provider error {e}"),
            CallbackError::MissingCode => f.write_str("callback has no code"),
        }
    }
}

/// The parameters that would mean an implicit or hybrid flow (RFC 9700 §2.1.2).
const IMPLICIT_PARAMETERS: [&str; 3] = ["id_token", "access_token", "token"];

/// Checks the callback's query against the pending login and returns the authorization code.
/// The caller deletes the pending login whatever the outcome: state is single use.
pub fn validate_callback(
    params: &[(String, String)],
    pending: &PendingLogin,
    iss_parameter_supported: bool,
    now: UnixSeconds,
) -> Result<Secret, CallbackError> {
    if let Some(p) = IMPLICIT_PARAMETERS
        .into_iter()
        .find(|p| params.iter().any(|(k, _)| k == p))
    {
        return Err(CallbackError::ImplicitFlowParameter(p));
    }
    for (i, (key, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(k, _)| k == key) {
            return Err(CallbackError::DuplicateParameter(key.clone()));
        }
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("iss") {
        Some(iss) if iss != pending.issuer => return Err(CallbackError::IssuerMismatch),
        None if iss_parameter_supported => return Err(CallbackError::MissingIssuer),
        _ => {}
    }
    match get("state") {
        None => return Err(CallbackError::MissingState),
        Some(state) if state != pending.state.expose() => return Err(CallbackError::StateMismatch),
        Some(_) => {}
    }
    if pending.is_expired(now) {
        return Err(CallbackError::Expired);
    }
    if let Some(error) = get("error") {
        return Err(CallbackError::Provider(ProviderError::new(
            error,
            get("error_description"),
        )));
    }
    match get("code") {
        Some(code) if !code.is_empty() => Ok(Secret::new(code)),
        _ => Err(CallbackError::MissingCode),
    }
}

/// An RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the provider's end-session
/// endpoint and the request's fields, sent as a form POST (the fields in the body, the ID token
/// among them) or as a GET without the ID token ([`EndSession::url_without_hint`]). Either way
/// the token stays out of URLs, so out of the browser's history and of the provider's and
/// proxies' request logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndSession {
    /// The end-session endpoint, unchanged (a query it has stays in the action URL).
    pub endpoint: String,
    /// `client_id`, `post_logout_redirect_uri`, `state` and, when there is one,
    /// `id_token_hint`, in that order.
    pub fields: Vec<(&'static str, String)>,
}

/// The logout request for `provider`, when it has an end-session endpoint. `state` comes back
/// on the post-logout redirect, so the page there knows the popup was a logout.
pub fn end_session_request(
    provider: &ProviderMetadata,
    client_id: &str,
    id_token_hint: Option<&Secret>,
    post_logout_redirect_uri: &str,
    state: &str,
) -> Option<EndSession> {
    let endpoint = provider.end_session_endpoint.clone()?;
    let mut fields = vec![
        ("client_id", client_id.to_owned()),
        (
            "post_logout_redirect_uri",
            post_logout_redirect_uri.to_owned(),
        ),
        ("state", state.to_owned()),
    ];
    if let Some(hint) = id_token_hint {
        fields.push(("id_token_hint", hint.expose().to_owned()));
    }
    Some(EndSession { endpoint, fields })
}

impl EndSession {
    /// The request as a GET URL, for providers that take no POST: everything but the ID token,
    /// which never goes into a URL (`client_id` names the client instead).
    pub fn url_without_hint(&self) -> String {
        let fields = self
            .fields
            .iter()
            .filter(|(name, _)| *name != "id_token_hint");
        url_with_query(
            &self.endpoint,
            fields.map(|(name, value)| (*name, value.as_str())),
        )
    }
}

#[cfg(test)]
mod tests;
