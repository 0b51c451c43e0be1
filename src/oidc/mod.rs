//! OpenID Connect Authorization Code + PKCE as a row of small step functions with plain inputs:
//! discovery → authorization URL and pending login → callback validation → token request and
//! response → ID-token claims → end-session URL. Nothing here touches the network or storage;
//! the browser glue does that and hands the results in. Every failed check is a named variant
//! with a stable `code()` that Python can branch on.

pub mod authorize;
pub mod claims;
pub mod discovery;
pub mod token;

/// The current time in whole seconds since the Unix epoch, as the caller measured it.
pub type UnixSeconds = u64;

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
