//! The watcher: what the iframe makes of the session key on each heartbeat and `storage` event.
//!
//! It remembers the status it last sent to Python and asks for a new `onStatusUpdate` only when
//! that changes; it also says when to discard a bad value, refresh, or drop an expired session.

use crate::oidc::UnixSeconds;
use crate::session::{Session, SessionError};
use crate::wire::{json, Value};

/// What caused a status update (the `reason` field of `onStatusUpdate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The first look after the component loaded.
    Start,
    /// A login this component started.
    Login,
    /// A refresh this component ran.
    Refresh,
    /// Another tab or window changed the stored session.
    Changed,
    /// The user or Python logged out.
    Logout,
    /// The session expired and could not be refreshed.
    Expired,
    /// A command from Python finished.
    Command,
}

impl Reason {
    /// The name sent to Python.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Start => "start",
            Reason::Login => "login",
            Reason::Refresh => "refresh",
            Reason::Changed => "changed",
            Reason::Logout => "logout",
            Reason::Expired => "expired",
            Reason::Command => "command",
        }
    }
}

/// The `data` of an `onStatusUpdate` event.
pub fn status_data(session: Option<&Session>, reason: Reason) -> Value {
    let (status, session) = match session {
        Some(session) => ("Logged in", session.public_json()),
        None => ("Logged out", Value::Null),
    };
    json!({"status": status, "session": session, "reason": reason.as_str()})
}

/// How refreshing works for this component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh is enabled in the config.
    pub enabled: bool,
    /// Refresh this many seconds before the access token expires (a little more than one
    /// heartbeat, so the refreshed token is in place before the old one runs out).
    pub margin_s: u64,
}

/// Longest refresh margin: tokens are refreshed at most this long before they expire.
pub const MAX_MARGIN_S: u64 = 30;

impl RefreshPolicy {
    /// The policy for a heartbeat of `heartbeat_s`: refresh one beat (plus a second) before
    /// expiry, so a beat always falls in the margin, but never more than [`MAX_MARGIN_S`] early.
    pub fn new(enabled: bool, heartbeat_s: u64) -> RefreshPolicy {
        RefreshPolicy {
            enabled,
            margin_s: heartbeat_s.saturating_add(1).min(MAX_MARGIN_S),
        }
    }
}

/// What the glue does after a look.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The stored value is not a valid session: remove it and send `onError`.
    Discard(SessionError),
    /// The session is about to expire and can be refreshed: refresh it, unless another tab
    /// holds the refresh lease.
    Refresh(Box<Session>),
    /// The session has expired and cannot be refreshed: remove it.
    RemoveExpired,
    /// Send `onStatusUpdate` with this data.
    Status(Value),
}

/// Remembers what was last reported, to report changes only.
#[derive(Clone, Debug, Default)]
pub struct Watcher {
    /// `None` until the first report; then the session reported (`None`: logged out).
    sent: Option<Option<Session>>,
}

impl Watcher {
    /// A watcher that has reported nothing yet.
    pub fn new() -> Watcher {
        Watcher::default()
    }

    /// The session last reported to Python, if any.
    pub fn reported(&self) -> Option<&Session> {
        self.sent.as_ref().and_then(Option::as_ref)
    }

    /// Forgets what was reported, so the next look reports again (for a new configuration).
    pub fn reset(&mut self) {
        self.sent = None;
    }

    /// Looks at the stored value at `now`. `reason` is what the caller knows of the cause; the
    /// first look always reports, as `start`.
    pub fn look(
        &mut self,
        stored: Option<&str>,
        now: UnixSeconds,
        policy: RefreshPolicy,
        reason: Reason,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut reason = reason;
        let current = match stored.map(Session::from_stored) {
            None => None,
            Some(Err(error)) => {
                actions.push(Action::Discard(error));
                None
            }
            Some(Ok(session)) => {
                // A sealed session (confidential mode) is refreshed by Python, which alone
                // knows whether it still can be: the browser never ends it at expiry.
                let sealed = session.sealed.is_some();
                let refreshable = sealed || (policy.enabled && session.refresh_token.is_some());
                if refreshable && session.token.expiry <= now.saturating_add(policy.margin_s) {
                    actions.push(Action::Refresh(Box::new(session.clone())));
                }
                if !session.is_expired(now) || sealed {
                    Some(session)
                } else if refreshable {
                    // The refresh decides: a new session, or the end of this one.
                    return actions;
                } else {
                    actions.push(Action::RemoveExpired);
                    reason = Reason::Expired;
                    None
                }
            }
        };
        if self.sent.is_none() {
            reason = Reason::Start;
        }
        if self.sent.as_ref() != Some(&current) {
            actions.push(Action::Status(status_data(current.as_ref(), reason)));
            self.sent = Some(current);
        }
        actions
    }
}

#[cfg(test)]
mod tests;
