//! The provider's answer turned into a session: the callback checked against the pending login
//! (state, `iss`, error), the code exchanged with the PKCE verifier, the ID token's claims
//! checked (nonce included). Run by the iframe for a popup login, and by the callback page for
//! a same-tab login.

use crate::browser::http;
use crate::browser::storage::Store;
use crate::events::Failure;
use crate::oidc::authorize::{validate_callback, CallbackError, PendingLogin};
use crate::oidc::claims::{check_id_token, Expected};
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::token::{code_request_body, parse_token_response};
use crate::session::{storage_key, KeyKind, Session};
use web_sys::Window;

/// The session for `pending`, from the provider's answer `params`.
async fn complete_login(
    window: &Window,
    provider: &ProviderMetadata,
    pending: &PendingLogin,
    params: &[(String, String)],
    now: u64,
) -> Result<Session, Failure> {
    let code =
        validate_callback(params, pending, provider.iss_parameter_supported, now).map_err(|e| {
            let code = match &e {
                CallbackError::Provider(p) if p.error == "access_denied" => "login_cancelled",
                _ => e.code(),
            };
            Failure::new(code, &e)
        })?;
    let body = code_request_body(&code, pending);
    let response = http::post_form(window, &provider.token_endpoint, &body)
        .await
        .map_err(|e| Failure::new("token_request_failed", e))?;
    let tokens = parse_token_response(&response.body, true).map_err(|e| {
        let message = if e.is_invalid_grant() {
            // The usual cause: the redirect URI registered at the provider differs.
            format!(
                "{e} (if the provider refused the redirect URI, register exactly {})",
                pending.client.redirect_uri
            )
        } else {
            e.to_string()
        };
        Failure::new(e.code(), message)
    })?;
    let id_token = tokens
        .id_token
        .clone()
        .ok_or_else(|| Failure::new("invalid_token_response", "the provider sent no ID token"))?;
    let expected = Expected {
        issuer: &pending.issuer,
        client_id: &pending.client.client_id,
        nonce: &pending.nonce,
        refreshed: false,
        now,
    };
    let claims =
        check_id_token(id_token.expose(), &expected).map_err(|e| Failure::new(e.code(), e))?;
    let binding = pending
        .binding
        .clone()
        .ok_or_else(|| Failure::new("binding_key_missing", "the login has no browser key"))?;
    Session::from_token_set(
        tokens,
        Some(&claims),
        None,
        &pending.client.scope,
        binding,
        now,
    )
    .ok_or_else(|| Failure::new("invalid_token_response", "no session"))
}

/// [`complete_login`], then the session stored under its provider's and client's key.
pub async fn complete_and_store(
    window: &Window,
    provider: &ProviderMetadata,
    store: &Store,
    pending: &PendingLogin,
    params: &[(String, String)],
    now: u64,
) -> Result<(), Failure> {
    let session = complete_login(window, provider, pending, params, now).await?;
    let key = storage_key(KeyKind::Session, &pending.issuer, &pending.client.client_id);
    store
        .set(&key, &session)
        .map_err(|_| Failure::new("storage_unavailable", "the session cannot be stored"))
}
