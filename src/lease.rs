//! The refresh lease: one tab at a time refreshes a session (SECURITY 14). A tab writes
//! `{owner, until}` under the lease key, reads it back, and refreshes only while it holds it;
//! a lease that was not released (the tab closed) lapses after [`LEASE_S`].

use crate::oidc::UnixSeconds;
use crate::wire::{self, Int};
use serde::{Deserialize, Serialize};

/// How long a lease lasts: longer than any refresh request may take.
pub const LEASE_S: u64 = 30;

/// The value to store for `owner` taking the lease at `now`.
pub fn lease_value(owner: &str, now: UnixSeconds) -> Lease {
    Lease {
        owner: owner.to_owned(),
        until: Int(now.saturating_add(LEASE_S)),
    }
}

/// A lease as stored: who holds it, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    owner: String,
    until: Int,
}

/// The owner of a stored lease that is still running at `now`; an unreadable value holds
/// nothing, and neither does a lease that ends later than one taken now would (written by a
/// tab whose clock runs ahead, or forged): it would stop every refresh until then.
fn running_owner(stored: &str, now: UnixSeconds) -> Option<String> {
    let lease: Lease = wire::from_text(stored, crate::session::MAX_STORED_LEN).ok()?;
    let until = lease.until.0;
    (now < until && until <= now.saturating_add(LEASE_S)).then_some(lease.owner)
}

/// Whether a stored lease holds nothing any more at `now`: lapsed or unreadable.
pub fn is_lapsed(stored: &str, now: UnixSeconds) -> bool {
    running_owner(stored, now).is_none()
}

/// Whether `owner` may take the lease: none is stored, it lapsed, or it is already `owner`'s.
pub fn may_take(stored: Option<&str>, owner: &str, now: UnixSeconds) -> bool {
    stored
        .and_then(|s| running_owner(s, now))
        .is_none_or(|holder| holder == owner)
}

/// Whether `owner` holds the lease (read back after writing it: the last writer wins).
pub fn holds(stored: Option<&str>, owner: &str, now: UnixSeconds) -> bool {
    stored.and_then(|s| running_owner(s, now)).as_deref() == Some(owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(owner: &str, now: UnixSeconds) -> String {
        wire::to_text(&lease_value(owner, now))
    }

    #[test]
    fn a_free_lapsed_or_corrupt_lease_may_be_taken() {
        assert!(may_take(None, "tab-a", 100));
        let lease = text("tab-b", 100);
        assert!(!may_take(Some(&lease), "tab-a", 129));
        assert!(may_take(Some(&lease), "tab-a", 130), "lapsed");
        assert!(may_take(Some(&lease), "tab-b", 110), "already ours");
        assert!(may_take(Some("{not json"), "tab-a", 100));
        assert!(may_take(Some(r#"{"owner":"tab-b"}"#), "tab-a", 100));
        assert!(!is_lapsed(&lease, 129));
        assert!(is_lapsed(&lease, 130) && is_lapsed("{not json", 100));
    }

    #[test]
    fn a_lease_ending_beyond_one_lease_length_from_now_holds_nothing() {
        let far = r#"{"owner":"tab-b","until":9007199254740991}"#;
        assert!(is_lapsed(far, 100) && may_take(Some(far), "tab-a", 100));
        let ahead = text("tab-b", 200);
        assert!(is_lapsed(&ahead, 100), "taken by a clock 100 s ahead");
        assert!(
            !is_lapsed(&ahead, 200) && !is_lapsed(&ahead, 229),
            "taken now, it runs"
        );
    }

    #[test]
    fn only_the_last_writer_holds_it_until_it_lapses() {
        let lease = text("tab-a", 100);
        assert!(holds(Some(&lease), "tab-a", 100));
        assert!(!holds(Some(&lease), "tab-b", 100));
        assert!(!holds(Some(&lease), "tab-a", 100 + LEASE_S));
        assert!(!holds(None, "tab-a", 100));
    }
}
