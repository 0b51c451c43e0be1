//! Which parent origins the component talks to.
//!
//! The packaged component is served by Streamlit itself, so its parent has the component's own
//! origin. A development build served by `trunk serve` lives on another port than Streamlit, so
//! it also trusts the origins of a local Streamlit. Incoming messages from any other origin are
//! ignored, and outgoing ones always name their target origin: never `"*"`.

/// Origins of a local Streamlit that a development build trusts besides its own.
pub const DEV_PARENT_ORIGINS: [&str; 2] = ["http://localhost:8501", "http://127.0.0.1:8501"];

/// The set of origins the component's parent may have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginPolicy {
    own: String,
    extra: Vec<String>,
}

impl OriginPolicy {
    /// Trusts only `own`, the component's own origin.
    pub fn own_only(own: &str) -> OriginPolicy {
        OriginPolicy {
            own: own.to_owned(),
            extra: Vec::new(),
        }
    }

    /// Also trusts each origin of a comma-separated list (blank entries and `*` are skipped: a
    /// wildcard is never an origin).
    pub fn with_extra(mut self, list: &str) -> OriginPolicy {
        let origins = list
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty() && *o != "*");
        self.extra
            .extend(origins.map(|o| o.trim_end_matches('/').to_owned()));
        self
    }

    /// The policy of this build: the own origin, origins named at build time in
    /// `STREAMLIT_COMPONENT_PARENT_ORIGINS`, and in development builds a local Streamlit.
    pub fn for_build(own: &str) -> OriginPolicy {
        let policy = OriginPolicy::own_only(own)
            .with_extra(option_env!("STREAMLIT_COMPONENT_PARENT_ORIGINS").unwrap_or(""));
        if cfg!(debug_assertions) {
            policy.with_extra(&DEV_PARENT_ORIGINS.join(","))
        } else {
            policy
        }
    }

    /// Whether a message from `origin` may be read.
    pub fn allows(&self, origin: &str) -> bool {
        origin == self.own || self.extra.iter().any(|o| o == origin)
    }

    /// The target origin for messages to the parent. `hint` is the parent's origin as the page
    /// was told it (Streamlit's `streamlitUrl` query parameter): it is used only when trusted,
    /// and the browser delivers a message only if the parent really has the origin named, so an
    /// untrusted or false hint can only make messages go nowhere.
    pub fn parent_target<'a>(&'a self, hint: Option<&'a str>) -> &'a str {
        match hint {
            Some(origin) if self.allows(origin) => origin,
            _ => &self.own,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "http://localhost:8501";

    #[test]
    fn own_origin_is_trusted_and_others_are_not() {
        let policy = OriginPolicy::own_only(OWN);
        assert!(policy.allows(OWN));
        assert!(!policy.allows("http://localhost:8502"));
        assert!(!policy.allows("http://evil.example"));
        assert!(!policy.allows("null"));
        assert!(!policy.allows(""));
    }

    #[test]
    fn extra_origins_are_trusted_but_never_a_wildcard() {
        let policy = OriginPolicy::own_only("http://localhost:8080")
            .with_extra(" http://localhost:8501/ , *,,http://127.0.0.1:8501");
        assert!(policy.allows("http://localhost:8501"));
        assert!(policy.allows("http://127.0.0.1:8501"));
        assert!(!policy.allows("*"));
        assert!(!policy.allows("http://localhost:9999"));
    }

    #[test]
    fn target_origin_follows_a_trusted_hint_only() {
        let policy = OriginPolicy::own_only("http://localhost:8080").with_extra(OWN);
        assert_eq!(policy.parent_target(Some(OWN)), OWN);
        assert_eq!(
            policy.parent_target(Some("http://evil.example")),
            "http://localhost:8080"
        );
        assert_eq!(policy.parent_target(None), "http://localhost:8080");
    }

    #[test]
    fn target_origin_is_never_a_wildcard() {
        let policy = OriginPolicy::own_only(OWN).with_extra("*");
        assert_eq!(policy.parent_target(Some("*")), OWN);
    }

    #[test]
    fn development_builds_trust_a_local_streamlit_and_release_builds_do_not() {
        let policy = OriginPolicy::for_build("http://localhost:8080");
        assert_eq!(
            policy.allows("http://127.0.0.1:8501"),
            cfg!(debug_assertions)
        );
    }
}
