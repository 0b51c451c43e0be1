//! OpenID Connect Authorization Code + PKCE as a row of small step functions with plain inputs:
//! discovery → authorization URL and pending login → callback validation → token request and
//! response → ID-token claims → end-session URL. Nothing here touches the network or storage;
//! the browser glue does that and hands the results in. Every failed check is a named variant
//! with a stable `code()` that Python can branch on.

pub mod authorize;
pub mod claims;
pub mod discovery;
pub mod token;

use std::fmt;

/// The current time in whole seconds since the Unix epoch, as the caller measured it.
pub type UnixSeconds = u64;

/// An OAuth error response from the provider (RFC 6749 §4.1.2.1 and §5.2), from the callback
/// or the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderError {
    /// The `error` code, such as `access_denied` or `invalid_grant`.
    pub error: String,
    /// The `error_description`, when given.
    pub description: Option<String>,
}

impl ProviderError {
    /// An error response with its optional description.
    pub fn new(error: &str, description: Option<&str>) -> ProviderError {
        ProviderError {
            error: error.to_owned(),
            description: description.map(str::to_owned),
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(description) => write!(f, "{}: {description}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

/// Whether `url` is HTTPS, or HTTP on a loopback host (local development and tests).
pub fn is_secure_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _port)| host),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

#[cfg(test)]
mod tests {
    use super::is_secure_url;

    #[test]
    fn https_and_loopback_http_are_secure_and_nothing_else_is() {
        for url in [
            "https://idp.example/x",
            "http://localhost:9400/auth",
            "http://127.0.0.1/x",
            "http://[::1]:9400/x",
        ] {
            assert!(is_secure_url(url), "{url}");
        }
        for url in [
            "http://idp.example/x",
            "http://localhost.evil.example/x",
            "http://127.0.0.1.evil/x",
            "ftp://localhost/",
            "javascript:alert(1)",
            "",
        ] {
            assert!(!is_secure_url(url), "{url}");
        }
    }
}
