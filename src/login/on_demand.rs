//! What the login loads only when it runs (see `crate::split`): the login's request (its key,
//! discovery, the authorization URL) and the provider's answer (code exchange and ID-token
//! checks) in chunk `login`, the refresh in chunk `refresh`.

use super::*;

on_demand! { login, preload = preload_login:
    /// The authorization request's URL for `pending`: its key and nonce first, then discovery
    /// and the S256 challenge.
    pub(super) fn request(this: Controller, pending: PendingLogin) -> Result<String, Failure> {
        let mut pending = pending;
        this.bind(&mut pending).await?;
        this.authorization_request(&pending).await
    }
}

on_demand! { login:
    /// The provider's `answer` to `pending`: exchanged and checked here, or handed to Python.
    pub(super) fn finish(this: Controller, pending: PendingLogin, answer: Answer) -> Result<(), Failure> {
        this.finish_login(&pending, &answer).await
    }
}

on_demand! { refresh:
    /// A refresh of `session`; `Err` only when the refresh's code cannot be loaded (the
    /// session is then kept, as for any failure that may pass).
    pub(super) fn refresh(this: Controller, session: Session) -> Result<Result<(), (Failure, bool)>, Failure> {
        Ok(this.run_refresh(&session).await)
    }
}

/// A refresh of `session`, whether its code loaded or not.
pub(super) async fn run_refresh(this: Controller, session: Session) -> Result<(), (Failure, bool)> {
    refresh(this, session)
        .await
        .unwrap_or_else(|failure| Err((failure, false)))
}

/// Fetches the login's chunk ahead of the click (the pointer is in the frame, or the focus on
/// its login button), so the click finds it loaded. A failed fetch is left to the click,
/// which fetches again and reports it.
pub(super) fn prefetch_login() {
    wasm_bindgen_futures::spawn_local(async {
        let _ = preload_login().await;
    });
}
