//! What a failure means for the person in front of the app, and what fixes it: the short
//! explanation the error line expands into. Never a token or a secret: only the failure's code
//! and the app's own public facts (its redirect URI, its origin, the provider's issuer).

/// The app's public facts an explanation may name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The redirect URI this app uses (what the provider must have registered).
    pub redirect_uri: String,
    /// The origin the component's page is served from (what the provider's CORS must allow).
    pub origin: String,
    /// The provider's issuer.
    pub issuer: String,
    /// Confidential mode: the app's server, not this page, talks to the token endpoint.
    pub confidential: bool,
}

/// A failure explained: what happened, and the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// What went wrong, in a sentence a user understands.
    pub what: String,
    /// What to do about it (the user, or the app's administrator).
    pub fix: String,
}

/// Where administrators get the full diagnosis.
const DOCTOR: &str = "The app's administrator can run `python -m streamlit_component doctor` \
                      to check the whole setup.";

/// The explanation for a failure `code`, or `None` for codes whose message says it all.
pub fn explain(code: &str, facts: &Facts) -> Option<Explanation> {
    let (what, fix) = match code {
        "popup_blocked" => (
            "The browser blocked the login window.".to_owned(),
            "Allow pop-ups for this site (the icon at the right end of the address bar), then \
             click the button again."
                .to_owned(),
        ),
        "login_timeout" | "login_window_lost" | "login_cancelled" => (
            "The sign-in page did not send you back to the app.".to_owned(),
            format!(
                "If the provider showed an error about the redirect URI, the app's \
                 administrator must register this redirect URI for the app: {}. {DOCTOR}",
                facts.redirect_uri
            ),
        ),
        "discovery_failed" => (
            format!(
                "The sign-in provider at {} could not be reached, or did not answer as an \
                 OpenID Connect provider.",
                facts.issuer
            ),
            format!("Check the network connection and try again. {DOCTOR}"),
        ),
        "token_request_failed" if facts.confidential => (
            "The app's server could not reach the provider to finish the login.".to_owned(),
            format!("Try again in a moment. {DOCTOR}"),
        ),
        "invalid_client" => (
            "The provider refused the app's client credentials.".to_owned(),
            format!("The app's administrator must check client_id and client_secret. {DOCTOR}"),
        ),
        "token_request_failed" => (
            "This page could not reach the provider to finish the login.".to_owned(),
            format!(
                "If the network is fine, the provider does not let this app's pages call it: \
                 the app's administrator must allow {} as a web origin (CORS) for the app. \
                 {DOCTOR}",
                facts.origin
            ),
        ),
        "invalid_token_response" | "token_error" => (
            "The provider refused to finish the login.".to_owned(),
            format!(
                "The redirect URI must be registered exactly as the app uses it: {}. {DOCTOR}",
                facts.redirect_uri
            ),
        ),
        "expired" | "issued_in_future" | "login_expired" => (
            "The login's times do not fit this computer's clock.".to_owned(),
            "Set this computer's clock to the right time (automatic date and time), then log \
             in again."
                .to_owned(),
        ),
        "storage_unavailable" | "storage_blocked" => (
            "The browser does not let this site keep the login.".to_owned(),
            "Allow site data (cookies and storage) for this site, or open the app in its own \
             tab."
                .to_owned(),
        ),
        "binding_key_missing" => (
            "This browser no longer has the key its login was bound to (site data was \
             cleared)."
                .to_owned(),
            "Log in again.".to_owned(),
        ),
        "invalid_state" | "missing_state" | "missing_code" | "bad_callback" | "iss_mismatch"
        | "missing_iss" => (
            "The answer from the sign-in page does not belong to this login (an old answer, \
             or one from another tab)."
                .to_owned(),
            "Click login again.".to_owned(),
        ),
        "refresh_failed" | "invalid_grant" => (
            "The login could not be renewed.".to_owned(),
            "Log in again.".to_owned(),
        ),
        _ => return None,
    };
    Some(Explanation { what, fix })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            redirect_uri: "https://app.example/component/streamlit_component.login/index.html"
                .into(),
            origin: "https://app.example".into(),
            issuer: "https://idp.example".into(),
            confidential: false,
        }
    }

    #[test]
    fn the_field_failures_name_their_fix() {
        let cases = [
            ("popup_blocked", "Allow pop-ups for this site"),
            (
                "login_timeout",
                "register this redirect URI for the app: https://app.example/component/",
            ),
            ("discovery_failed", "python -m streamlit_component doctor"),
            (
                "token_request_failed",
                "allow https://app.example as a web origin (CORS)",
            ),
            ("issued_in_future", "Set this computer's clock"),
            ("expired", "Set this computer's clock"),
            ("storage_unavailable", "Allow site data"),
        ];
        for (code, fix) in cases {
            let explained = explain(code, &facts()).expect(code);
            assert!(explained.fix.contains(fix), "{code}: {}", explained.fix);
            assert!(!explained.what.is_empty());
        }
        assert!(explain("discovery_failed", &facts())
            .unwrap()
            .what
            .contains("https://idp.example"));
    }

    #[test]
    fn in_confidential_mode_the_server_talks_to_the_token_endpoint() {
        let confidential = Facts {
            confidential: true,
            ..facts()
        };
        let explained = explain("token_request_failed", &confidential).unwrap();
        assert!(explained.what.contains("The app's server could not reach"));
        assert!(!explained.fix.contains("CORS"));
    }

    #[test]
    fn unknown_codes_have_no_explanation() {
        assert_eq!(explain("invalid_config", &facts()), None);
        assert_eq!(explain("", &facts()), None);
    }
}
