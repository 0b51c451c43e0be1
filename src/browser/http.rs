//! `fetch` for the provider's JSON endpoints: GET the discovery document, POST a form to the
//! token endpoint. Bodies are read as text, size-limited, then parsed (`crate::wire`).

use crate::wire::{self, Value};
use std::fmt;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response, Window};

/// Largest response body read.
pub const MAX_BODY_LEN: usize = 256 * 1024;

/// How long a request may take, in milliseconds: a provider that accepts the connection and
/// never answers is as down as one that refuses it.
pub const TIMEOUT_MS: i32 = 10_000;

/// Why a request gave no JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The request did not complete (provider down, CORS, offline, no answer in time).
    Network,
    /// The body is not JSON, or too large; the status is kept.
    NotJson(u16),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Network => f.write_str("the provider cannot be reached"),
            HttpError::NotJson(status) => {
                write!(f, "the provider answered HTTP {status} without JSON")
            }
        }
    }
}

/// A JSON response: its HTTP status and body.
pub struct JsonResponse {
    /// The HTTP status.
    pub status: u16,
    /// The parsed body.
    pub body: Value,
}

async fn send(window: &Window, url: &str, init: &RequestInit) -> Result<JsonResponse, HttpError> {
    let network = |_: JsValue| HttpError::Network;
    // The timer aborts the request and the body read; it does nothing once they are done.
    let controller = web_sys::AbortController::new().map_err(network)?;
    init.set_signal(Some(&controller.signal()));
    let abort = Closure::once_into_js(move || controller.abort());
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), TIMEOUT_MS)
        .map_err(network)?;
    let promise = window.fetch_with_str_and_init(url, init);
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .ok_or(HttpError::NotJson(status))?;
    let body =
        wire::value_from_text(&text, MAX_BODY_LEN).map_err(|_| HttpError::NotJson(status))?;
    Ok(JsonResponse { status, body })
}

fn init(method: &str) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(method);
    // No cookies or referrer to the provider: the flow needs neither.
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    init.set_cache(web_sys::RequestCache::NoStore);
    // A redirect is an error: a 307 from a token endpoint would re-post the code and the
    // verifier to wherever it points.
    init.set_redirect(web_sys::RequestRedirect::Error);
    init
}

/// GETs a JSON document.
pub async fn get_json(window: &Window, url: &str) -> Result<JsonResponse, HttpError> {
    send(window, url, &init("GET")).await
}

/// POSTs an `application/x-www-form-urlencoded` body and reads the JSON answer.
pub async fn post_form(window: &Window, url: &str, body: &str) -> Result<JsonResponse, HttpError> {
    let init = init("POST");
    let headers = js_sys::Object::new();
    js_sys::Reflect::set(
        &headers,
        &"content-type".into(),
        &"application/x-www-form-urlencoded".into(),
    )
    .map_err(|_| HttpError::Network)?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    send(window, url, &init).await
}
