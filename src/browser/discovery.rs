//! The provider's discovery document, fetched from the browser: the login (iframe), the refresh
//! and the same-tab login's callback page all start from it.

use crate::browser::http::{self, HttpError};
use crate::events::Failure;
use crate::oidc::discovery::{discovery_url, ProviderMetadata};
use web_sys::Window;

/// Fetches and validates the discovery document of `issuer`.
pub async fn fetch_provider(window: &Window, issuer: &str) -> Result<ProviderMetadata, Failure> {
    let failed = |why: String| Failure::new("discovery_failed", why);
    let response = http::get_json(window, &discovery_url(issuer))
        .await
        .map_err(|e: HttpError| failed(format!("discovery failed: {e}")))?;
    if response.status != 200 {
        return Err(failed(format!(
            "discovery failed: the provider answered HTTP {}",
            response.status
        )));
    }
    ProviderMetadata::from_json(&response.body, issuer)
        .map_err(|e| failed(format!("discovery document refused: {e}")))
}
