//! The login configuration, read from the render args the Python host sends.
//!
//! Streamlit adds `key` and `default` to the args; they and any other unknown keys are ignored.

use crate::events::DEFAULT_EVENTS;
use crate::oidc::authorize::{is_login_option, ClientConfig, MAX_LOGIN_OPTIONS};
use crate::oidc::is_secure_url;
use crate::wire::{self, given, Int, Map, Value};
use serde::Deserialize;
use std::fmt;

/// Heartbeat period when the app sets none, in seconds (the original component's 2 s beat).
pub const DEFAULT_HEARTBEAT_S: u64 = 2;
/// Scope when the app sets none.
pub const DEFAULT_SCOPE: &str = "openid profile email";

/// Everything the login flow needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginConfig {
    /// The provider's issuer; discovery is fetched from it.
    pub issuer: String,
    /// Client id, redirect URI, scope and audience.
    pub client: ClientConfig,
    /// How often the watcher looks at storage, in seconds.
    pub heartbeat_s: u64,
    /// Event names the app accepts.
    pub events: Vec<String>,
    /// The challenge Python created for this Streamlit session, when it verifies logins: the
    /// login's browser key signs it (`crate::binding`).
    pub challenge: Option<String>,
    /// Whether an expired session is refreshed silently when it has a refresh token.
    pub refresh: bool,
    /// Whether logout also ends the provider's session (in the popup).
    pub end_session: bool,
    /// How: a GET with the client id and no ID token (`false`, the default), or a form POST
    /// that adds the ID token as `id_token_hint` (`true`, render arg `end_session_method:
    /// "post"`). Either way no token goes into a URL.
    pub end_session_post: bool,
    /// Shown in the logged-out line.
    pub hostname: String,
    /// Confidential mode (render arg `mode: "confidential"`): Python exchanges the code and
    /// keeps the tokens; the browser keeps a sealed session.
    pub confidential: bool,
    /// Login options for the authorization request (`prompt`, `login_hint`, `max_age`,
    /// `acr_values`, `ui_locales`, a provider's own), in the order the app gave them.
    pub login_options: Vec<(String, String)>,
}

/// Why the args are not a usable configuration; the field is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A required field is missing.
    Missing(&'static str),
    /// A field has the wrong type or an unusable value.
    Invalid(&'static str),
}

impl ConfigError {
    /// A stable code for events and Python.
    pub fn code(&self) -> &'static str {
        "invalid_config"
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(field) => write!(f, "login config has no {field}"),
            ConfigError::Invalid(field) => write!(f, "login config {field} is invalid"),
        }
    }
}

/// The component's own URL without query or fragment: the default redirect URI. Streamlit adds
/// `?streamlitUrl=…` to the iframe's URL; nothing from the query may reach the redirect URI.
pub fn redirect_uri_of(page_url: &str) -> &str {
    let end = page_url.find(['?', '#']).unwrap_or(page_url.len());
    &page_url[..end]
}

/// The render args as the login reads them. Optional text treats absent, `null`, empty and
/// blank alike as "not given" (Python sends what the app's config holds, and an app that sets
/// no `hostname` must still log in); unknown keys are ignored.
#[derive(Deserialize)]
struct ConfigArgs {
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    heartbeat_s: Option<Int>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    refresh: Option<bool>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    login_options: Option<Map<String, Value>>,
    #[serde(default)]
    end_session: Option<bool>,
    #[serde(default)]
    end_session_method: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
}

/// The fields of [`ConfigArgs`], to name the one serde refused.
const FIELDS: [&str; 15] = [
    "issuer",
    "client_id",
    "redirect_uri",
    "scope",
    "audience",
    "heartbeat_s",
    "events",
    "challenge",
    "refresh",
    "mode",
    "prompt",
    "login_options",
    "end_session",
    "end_session_method",
    "hostname",
];

/// The render arg `login_options` (an object of strings), after the older `prompt` arg.
fn login_options(
    prompt: Option<String>,
    given_options: Option<Map<String, Value>>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut options = Vec::new();
    if let Some(prompt) = prompt {
        if !is_login_option("prompt", &prompt) {
            return Err(ConfigError::Invalid("prompt"));
        }
        options.push(("prompt".to_owned(), prompt));
    }
    let given_options = given_options.unwrap_or_default();
    if given_options.len() > MAX_LOGIN_OPTIONS {
        return Err(ConfigError::Invalid("login_options"));
    }
    for (name, value) in given_options {
        let value = value
            .as_str()
            .ok_or(ConfigError::Invalid("login_options"))?;
        if !is_login_option(&name, value) || options.iter().any(|(n, _)| *n == name) {
            return Err(ConfigError::Invalid("login_options"));
        }
        options.push((name, value.to_owned()));
    }
    Ok(options)
}

fn secure_url(url: Option<String>, field: &'static str) -> Result<Option<String>, ConfigError> {
    match given(url) {
        Some(url) if is_secure_url(&url) => Ok(Some(url)),
        Some(_) => Err(ConfigError::Invalid(field)),
        None => Ok(None),
    }
}

impl LoginConfig {
    /// Reads the config from the render args; `page_url` is the component's own URL.
    pub fn from_args(args: &Value, page_url: &str) -> Result<LoginConfig, ConfigError> {
        let args: ConfigArgs = wire::from_value(args)
            .map_err(|e| ConfigError::Invalid(e.field_in(&FIELDS, "args")))?;
        let issuer = secure_url(args.issuer, "issuer")?.ok_or(ConfigError::Missing("issuer"))?;
        let client_id = given(args.client_id).ok_or(ConfigError::Missing("client_id"))?;
        let redirect_uri = match secure_url(args.redirect_uri, "redirect_uri")? {
            Some(uri) => uri,
            None => redirect_uri_of(page_url).to_owned(),
        };
        let heartbeat_s = match args.heartbeat_s {
            None => DEFAULT_HEARTBEAT_S,
            Some(Int(s)) if (1..=3600).contains(&s) => s,
            Some(_) => return Err(ConfigError::Invalid("heartbeat_s")),
        };
        let events = match args.events {
            None => DEFAULT_EVENTS.map(str::to_owned).to_vec(),
            Some(events) if events.iter().any(String::is_empty) => {
                return Err(ConfigError::Invalid("events"))
            }
            Some(events) => events,
        };
        let challenge = given(args.challenge);
        if challenge
            .as_deref()
            .is_some_and(|c| !crate::binding::is_valid_challenge(c))
        {
            return Err(ConfigError::Invalid("challenge"));
        }
        let confidential = match given(args.mode).as_deref() {
            None | Some("public") => false,
            Some("confidential") => true,
            Some(_) => return Err(ConfigError::Invalid("mode")),
        };
        let login_options = login_options(given(args.prompt), args.login_options)?;
        let end_session_post = match given(args.end_session_method).as_deref() {
            None | Some("get") => false,
            Some("post") => true,
            Some(_) => return Err(ConfigError::Invalid("end_session_method")),
        };
        Ok(LoginConfig {
            issuer,
            client: ClientConfig {
                client_id,
                redirect_uri,
                scope: given(args.scope).unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
                audience: given(args.audience),
            },
            heartbeat_s,
            events,
            challenge,
            refresh: args.refresh.unwrap_or(true),
            end_session: args.end_session.unwrap_or(false),
            end_session_post,
            hostname: given(args.hostname).unwrap_or_default(),
            confidential,
            login_options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://localhost:8501/component/streamlit_component.login/index.html?streamlitUrl=http%3A%2F%2Fevil.example%2F#x";

    fn config(args: &str) -> Result<LoginConfig, ConfigError> {
        LoginConfig::from_args(&serde_json::from_str(args).unwrap(), PAGE)
    }

    #[test]
    fn minimal_args_get_safe_defaults() {
        let c = config(
            r#"{"issuer":"http://localhost:9400","client_id":"demo","key":"login","default":null}"#,
        )
        .unwrap();
        assert_eq!(
            c.client.redirect_uri,
            "http://localhost:8501/component/streamlit_component.login/index.html"
        );
        assert_eq!(c.client.scope, DEFAULT_SCOPE);
        assert_eq!(c.client.audience, None);
        assert_eq!(c.heartbeat_s, 2);
        assert_eq!(c.events, DEFAULT_EVENTS.map(str::to_owned).to_vec());
        assert_eq!(
            (c.challenge, c.refresh, c.hostname.as_str()),
            (None, true, "")
        );
        assert!(!c.end_session && !c.end_session_post);
    }

    #[test]
    fn every_option_is_read() {
        let c = config(
            r#"{"issuer":"https://idp.example","client_id":"demo","scope":"openid read:chart","audience":"http://localhost:5000/api",
                "redirect_uri":"https://app.example/cb","heartbeat_s":5,"events":["onStatusUpdate"],
                "challenge":"0123456789abcdef0123456789","refresh":false,"end_session":true,"end_session_method":"post","hostname":"demo host"}"#,
        )
        .unwrap();
        assert_eq!(c.client.redirect_uri, "https://app.example/cb");
        assert_eq!(
            c.client.audience.as_deref(),
            Some("http://localhost:5000/api")
        );
        assert_eq!((c.heartbeat_s, c.refresh, c.end_session), (5, false, true));
        assert!(c.end_session_post);
        assert_eq!(c.events, vec!["onStatusUpdate".to_owned()]);
        assert_eq!(c.challenge.as_deref(), Some("0123456789abcdef0123456789"));
        assert_eq!(c.hostname, "demo host");
        let confidential = config(
            r#"{"issuer":"https://idp.example","client_id":"demo","mode":"confidential","prompt":"login consent"}"#,
        )
        .unwrap();
        assert!(confidential.confidential && !c.confidential);
        assert_eq!(
            confidential.login_options,
            vec![("prompt".to_owned(), "login consent".to_owned())]
        );
    }

    #[test]
    fn login_options_are_read_in_order_and_checked() {
        let c = config(
            r#"{"issuer":"https://idp.example","client_id":"demo","prompt":"login",
                "login_options":{"login_hint":"bob@example.com","kc_idp_hint":"github","max_age":"60"}}"#,
        )
        .unwrap();
        let names: Vec<_> = c
            .login_options
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        assert_eq!(
            names,
            [
                "prompt=login",
                "login_hint=bob@example.com",
                "kc_idp_hint=github",
                "max_age=60"
            ]
        );
        for bad in [
            r#"{"state":"x"}"#,
            r#"{"redirect_uri":"https://evil.example/"}"#,
            r#"{"prompt":"login"}"#,
            r#"{"max_age":60}"#,
            r#"{"login hint":"x"}"#,
            r#"["login_hint"]"#,
        ] {
            let args = format!(
                r#"{{"issuer":"https://idp.example","client_id":"demo","prompt":"consent","login_options":{bad}}}"#
            );
            assert_eq!(
                config(&args),
                Err(ConfigError::Invalid("login_options")),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..=MAX_LOGIN_OPTIONS)
            .map(|i| format!(r#""o{i}":"v""#))
            .collect();
        let args = format!(
            r#"{{"issuer":"https://idp.example","client_id":"demo","login_options":{{{}}}}}"#,
            many.join(",")
        );
        assert_eq!(config(&args), Err(ConfigError::Invalid("login_options")));
    }

    #[test]
    fn empty_optional_values_mean_not_given() {
        let c = config(
            r#"{"issuer":"http://localhost:9400","client_id":"demo","hostname":"","scope":" ",
                "audience":"","redirect_uri":"","challenge":"","heartbeat_s":null,"events":null}"#,
        )
        .unwrap();
        let minimal = config(r#"{"issuer":"http://localhost:9400","client_id":"demo"}"#).unwrap();
        assert_eq!(c, minimal);
        assert_eq!(
            config(r#"{"issuer":"http://localhost:9400","client_id":""}"#),
            Err(ConfigError::Missing("client_id")),
            "a required value left empty is missing"
        );
    }

    #[test]
    fn the_redirect_uri_never_comes_from_the_query_string() {
        assert_eq!(
            redirect_uri_of("http://h/a/index.html?redirect_uri=http://evil#frag"),
            "http://h/a/index.html"
        );
        assert_eq!(redirect_uri_of("http://h/a"), "http://h/a");
    }

    #[test]
    fn bad_args_name_the_field() {
        assert_eq!(
            config(r#"{"client_id":"demo"}"#),
            Err(ConfigError::Missing("issuer"))
        );
        assert_eq!(
            config(r#"{"issuer":"http://localhost:9400"}"#),
            Err(ConfigError::Missing("client_id"))
        );
        let base = r#""issuer":"http://localhost:9400","client_id":"demo""#;
        for (extra, field) in [
            (r#""issuer":"http://idp.example""#, "issuer"),
            (r#""redirect_uri":"javascript:alert(1)""#, "redirect_uri"),
            (r#""heartbeat_s":0"#, "heartbeat_s"),
            (r#""heartbeat_s":"2""#, "heartbeat_s"),
            (r#""events":"onError""#, "events"),
            (r#""events":[""]"#, "events"),
            (r#""challenge":"short""#, "challenge"),
            (r#""mode":"secret""#, "mode"),
            (r#""prompt":"always""#, "prompt"),
            (r#""challenge":"0123456789abcdef01234567/9""#, "challenge"),
            (r#""refresh":"yes""#, "refresh"),
            (r#""end_session":1"#, "end_session"),
            (r#""end_session_method":"delete""#, "end_session_method"),
            (r#""scope":5"#, "scope"),
        ] {
            let args = if extra.starts_with(r#""issuer""#) {
                format!(r#"{{{extra},"client_id":"demo"}}"#)
            } else {
                format!("{{{base},{extra}}}")
            };
            assert_eq!(config(&args), Err(ConfigError::Invalid(field)), "{extra}");
        }
    }
}
