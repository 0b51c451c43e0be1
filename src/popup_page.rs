//! The page loaded in the login popup: starts the login (discovery, PKCE challenge, off to the
//! provider), or takes the provider's callback (checks, code exchange, ID-token claims, session
//! stored) and closes itself. A failure is shown in the popup and stored for the iframe, which
//! reports it as `onError` and closes the popup.

use crate::browser::storage::Store;
use crate::browser::{crypto, http, page};
use crate::events::Failure;
use crate::login::fetch_provider;
use crate::oidc::authorize::{authorization_url, validate_callback, PendingLogin};
use crate::oidc::claims::{check_id_token, Expected};
use crate::oidc::token::{code_request_body, parse_token_response};
use crate::pkce;
use crate::popup::PageMode;
use crate::session::{find_pending, storage_key, KeyKind, Session};
use wasm_bindgen::JsValue;
use web_sys::Window;

/// Runs the popup page in `mode` (anything but `Standalone`).
pub fn start(window: Window, mode: PageMode) {
    let Some(store) = Store::open(&window) else {
        return page::show_message(&window, "Login failed: the browser blocks localStorage.");
    };
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = match mode {
            PageMode::LoginStart(state) => login_start(&window, &store, &state).await,
            PageMode::Callback(params) => callback(&window, &store, &params).await,
            PageMode::LogoutReturn => {
                page::show_message(&window, "Logged out. This window closes itself.");
                let _ = window.close();
                return;
            }
            PageMode::BadQuery | PageMode::Standalone => Err((
                Failure::new("bad_callback", "this address is not a login callback"),
                None,
            )),
        };
        match outcome {
            Ok(message) => page::show_message(&window, message),
            Err((failure, outcome_key)) => {
                if let Some(key) = outcome_key {
                    let _ = store.set(&key, &failure.to_data().to_string());
                }
                let text = format!(
                    "Login failed: {}. You can close this window.",
                    failure.message
                );
                page::show_message(&window, &text);
            }
        }
    });
}

/// A failure, with the outcome key of the login it belongs to when known (so the iframe can
/// be told).
type PopupError = (Failure, Option<String>);

fn outcome_key(pending: &PendingLogin) -> String {
    storage_key(KeyKind::Outcome, &pending.issuer, &pending.client.client_id)
}

fn pending_for(store: &Store, state: &str) -> Result<(String, PendingLogin), PopupError> {
    let entries = store.ours();
    let found = find_pending(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())), state);
    found
        .map(|(key, pending)| (key.to_owned(), pending))
        .ok_or_else(|| {
            let message = "no login is waiting for this answer (it was used, cancelled or expired)";
            (Failure::new("invalid_state", message), None)
        })
}

async fn login_start(
    window: &Window,
    store: &Store,
    state: &str,
) -> Result<&'static str, PopupError> {
    let (_, pending) = pending_for(store, state)?;
    let with = |failure: Failure| (failure, Some(outcome_key(&pending)));
    page::show_message(window, "Connecting to the sign-in provider…");
    let provider = fetch_provider(window, &pending.issuer)
        .await
        .map_err(with)?;
    let digest = crypto::sha256(window, pending.verifier.expose().as_bytes())
        .await
        .map_err(|_| {
            with(Failure::new(
                "crypto_unavailable",
                "SHA-256 is not available",
            ))
        })?;
    let url = authorization_url(&provider, &pending, &pkce::code_challenge_s256(&digest));
    window.location().replace(&url).map_err(|_| {
        with(Failure::new(
            "navigation_failed",
            "cannot open the provider",
        ))
    })?;
    Ok("Redirecting to the sign-in provider…")
}

async fn callback(
    window: &Window,
    store: &Store,
    params: &[(String, String)],
) -> Result<&'static str, PopupError> {
    // Code and state leave the address bar (and the history) at once.
    if let Ok(history) = window.history() {
        let path = window.location().pathname().unwrap_or_default();
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    let state = params
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.as_str());
    let (key, pending) = pending_for(store, state.unwrap_or(""))?;
    // Single use, whatever happens next: a replayed callback finds nothing.
    store.remove(&key);
    let with = |failure: Failure| (failure, Some(outcome_key(&pending)));
    page::show_message(window, "Signing in…");
    let provider = fetch_provider(window, &pending.issuer)
        .await
        .map_err(with)?;
    let now = page::now_s();
    let code = validate_callback(params, &pending, provider.iss_parameter_supported, now).map_err(
        |e| {
            let code = match &e {
                crate::oidc::authorize::CallbackError::Provider(p)
                    if p.error == "access_denied" =>
                {
                    "login_cancelled"
                }
                _ => e.code(),
            };
            with(Failure::new(code, &e))
        },
    )?;
    let body = code_request_body(&code, &pending);
    let response = http::post_form(window, &provider.token_endpoint, &body)
        .await
        .map_err(|e| with(Failure::new("token_request_failed", e)))?;
    let tokens =
        parse_token_response(&response.body, true).map_err(|e| with(Failure::new(e.code(), e)))?;
    let id_token = tokens.id_token.clone().ok_or_else(|| {
        with(Failure::new(
            "invalid_token_response",
            "the provider sent no ID token",
        ))
    })?;
    let expected = Expected {
        issuer: &pending.issuer,
        client_id: &pending.client.client_id,
        nonce: &pending.nonce,
        refreshed: false,
        now,
    };
    let claims = check_id_token(id_token.expose(), &expected)
        .map_err(|e| with(Failure::new(e.code(), e)))?;
    let session = Session::from_token_set(tokens, Some(&claims), None, &pending.client.scope, now)
        .ok_or_else(|| with(Failure::new("invalid_token_response", "no session")))?;
    let key = storage_key(KeyKind::Session, &pending.issuer, &pending.client.client_id);
    store.set(&key, &session.to_stored()).map_err(|_| {
        with(Failure::new(
            "storage_unavailable",
            "the session cannot be stored",
        ))
    })?;
    store.remove(&storage_key(
        KeyKind::Outcome,
        &pending.issuer,
        &pending.client.client_id,
    ));
    let _ = window.close();
    Ok("Signed in. This window closes itself.")
}
