//! Randomness and SHA-256 from the browser (`crypto.getRandomValues`, `crypto.subtle.digest`).

use crate::pkce::{self, RANDOM_BYTES};
use crate::secret::Secret;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Window;

/// Fresh random bytes from `crypto.getRandomValues`.
pub fn random_bytes(window: &Window) -> Result<[u8; RANDOM_BYTES], JsValue> {
    let mut bytes = [0u8; RANDOM_BYTES];
    window
        .crypto()?
        .get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

/// A fresh random secret (32 bytes, base64url): a state or PKCE verifier.
pub fn random_secret(window: &Window) -> Result<Secret, JsValue> {
    Ok(pkce::random_secret(&random_bytes(window)?))
}

/// The SHA-256 digest of `data`.
pub async fn sha256(window: &Window, data: &[u8]) -> Result<[u8; 32], JsValue> {
    let promise = window
        .crypto()?
        .subtle()
        .digest_with_str_and_u8_array("SHA-256", data)?;
    let buffer: js_sys::ArrayBuffer = JsFuture::from(promise).await?.dyn_into()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    bytes
        .try_into()
        .map_err(|_| JsValue::from_str("SHA-256 digest is not 32 bytes"))
}
