use super::*;
use crate::secret::Secret;
use crate::session::Tokens;

const NOW: UnixSeconds = 1_800_000_000;
const POLICY: RefreshPolicy = RefreshPolicy {
    enabled: true,
    margin_s: 3,
};

fn session(expiry: UnixSeconds, refresh: bool) -> Session {
    Session {
        user: "Alice Example".into(),
        email: None,
        token: Tokens {
            value: Secret::new("access"),
            value_id_token: Secret::new("id"),
            expiry,
        },
        refresh_token: refresh.then(|| Secret::new("refresh")),
        scopes: vec!["openid".into()],
        login_id_token: None,
        binding: crate::binding::Binding::new(&[1; 32], &[2; 32]),
        sealed: None,
    }
}

fn status(actions: &[Action]) -> Option<(String, String)> {
    actions.iter().find_map(|a| match a {
        Action::Status(data) => Some((
            data.get("status")?.as_str()?.to_owned(),
            data.get("reason")?.as_str()?.to_owned(),
        )),
        _ => None,
    })
}

#[test]
fn the_first_look_always_reports_then_only_changes_are_reported() {
    let mut watcher = Watcher::new();
    let actions = watcher.look(None, NOW, POLICY, Reason::Changed);
    assert_eq!(
        status(&actions),
        Some(("Logged out".into(), "start".into()))
    );
    assert!(watcher
        .look(None, NOW + 2, POLICY, Reason::Changed)
        .is_empty());
    let stored = session(NOW + 300, true).to_stored();
    let actions = watcher.look(Some(&stored), NOW + 4, POLICY, Reason::Login);
    assert_eq!(status(&actions), Some(("Logged in".into(), "login".into())));
    assert_eq!(watcher.reported(), Some(&session(NOW + 300, true)));
    assert!(watcher
        .look(Some(&stored), NOW + 6, POLICY, Reason::Changed)
        .is_empty());
    let actions = watcher.look(None, NOW + 8, POLICY, Reason::Logout);
    assert_eq!(
        status(&actions),
        Some(("Logged out".into(), "logout".into()))
    );
    watcher.reset();
    assert_eq!(
        status(&watcher.look(None, NOW + 9, POLICY, Reason::Changed)),
        Some(("Logged out".into(), "start".into()))
    );
}

#[test]
fn the_status_carries_the_public_session_only() {
    let data = status_data(Some(&session(NOW, true)), Reason::Refresh);
    assert_eq!(
        data.to_string(),
        r#"{"status":"Logged in","session":{"user":"Alice Example","email":null,"token":{"value":"access","value_id_token":"id","expiry":1800000000},"scopes":["openid"]},"reason":"refresh"}"#
    );
    assert_eq!(
        status_data(None, Reason::Expired).to_string(),
        r#"{"status":"Logged out","session":null,"reason":"expired"}"#
    );
}

#[test]
fn a_bad_value_is_discarded_and_reported_as_logged_out() {
    let mut watcher = Watcher::new();
    let stored = session(NOW + 300, false).to_stored();
    watcher.look(Some(&stored), NOW, POLICY, Reason::Changed);
    let actions = watcher.look(Some("{\"user\":"), NOW + 1, POLICY, Reason::Changed);
    assert!(matches!(
        actions[0],
        Action::Discard(SessionError::Corrupt(_))
    ));
    assert_eq!(
        status(&actions),
        Some(("Logged out".into(), "changed".into()))
    );
    let again = watcher.look(Some("[]"), NOW + 2, POLICY, Reason::Changed);
    assert_eq!(again, [Action::Discard(SessionError::Malformed("user"))]);
}

#[test]
fn a_session_near_expiry_is_refreshed_when_it_can_be() {
    let mut watcher = Watcher::new();
    let near = session(NOW + 2, true);
    let actions = watcher.look(Some(&near.to_stored()), NOW, POLICY, Reason::Changed);
    assert_eq!(actions[0], Action::Refresh(Box::new(near.clone())));
    assert_eq!(status(&actions), Some(("Logged in".into(), "start".into())));
    // Expired while the refresh runs: nothing is reported until it ends.
    let actions = watcher.look(Some(&near.to_stored()), NOW + 2, POLICY, Reason::Changed);
    assert_eq!(actions, [Action::Refresh(Box::new(near))]);
    assert!(watcher.reported().is_some());
}

#[test]
fn an_expired_session_that_cannot_be_refreshed_is_removed_and_reported() {
    for (refresh_token, enabled) in [(false, true), (true, false)] {
        let mut watcher = Watcher::new();
        let policy = RefreshPolicy {
            enabled,
            margin_s: 3,
        };
        let stored = session(NOW + 10, refresh_token).to_stored();
        let actions = watcher.look(Some(&stored), NOW, policy, Reason::Changed);
        assert_eq!(status(&actions), Some(("Logged in".into(), "start".into())));
        assert!(!actions.iter().any(|a| matches!(a, Action::Refresh(_))));
        let actions = watcher.look(Some(&stored), NOW + 10, policy, Reason::Changed);
        assert_eq!(actions[0], Action::RemoveExpired);
        assert_eq!(
            status(&actions),
            Some(("Logged out".into(), "expired".into()))
        );
    }
}

#[test]
fn the_refresh_margin_is_one_beat_but_never_more_than_thirty_seconds() {
    assert_eq!(RefreshPolicy::new(true, 2).margin_s, 3);
    assert_eq!(RefreshPolicy::new(false, 3600).margin_s, MAX_MARGIN_S);
    assert!(!RefreshPolicy::new(false, 1).enabled);
}

#[test]
fn a_sealed_session_is_reported_past_expiry_and_handed_to_python_to_refresh() {
    let sealed = Session::sealed(
        "Alice Example",
        "sc1.opaque",
        NOW - 5,
        crate::binding::Binding::new(&[1; 32], &[2; 32]),
    );
    let stored = sealed.to_stored();
    let mut watcher = Watcher::new();
    let off = RefreshPolicy {
        enabled: false,
        margin_s: 3,
    };
    let actions = watcher.look(Some(&stored), NOW, off, Reason::Start);
    assert!(matches!(&actions[0], Action::Refresh(s) if s.sealed == sealed.sealed));
    assert_eq!(
        status(&actions),
        Some(("Logged in".into(), "start".into())),
        "expired here, but only Python can tell whether it is over"
    );
    assert!(!actions.iter().any(|a| matches!(a, Action::RemoveExpired)));
}
