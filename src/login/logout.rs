//! Logging out: this tab and every other, the browser key, and the provider session when
//! the app asks for it.

use super::*;

impl Controller {
    pub(super) fn logout(&self, command: Option<Command>) {
        if command.is_none() {
            self.emit(ON_ACTION_REQUEST, wire::json!({"action": "logout"}));
        }
        let failure = {
            let inner = self.0.borrow();
            let id_token = inner
                .watcher
                .reported()
                .map(|s| s.token.value_id_token.clone())
                // A sealed session has no ID token here: the provider gets the client id only.
                .filter(|t| !t.expose().is_empty());
            let logged_in = inner.watcher.reported().is_some();
            match (&inner.config, logged_in) {
                (Some(config), true) if config.end_session => match &inner.provider {
                    Some(provider) => {
                        let request = end_session_request(
                            provider,
                            &config.client.client_id,
                            id_token.as_ref(),
                            &config.client.redirect_uri,
                            popup::LOGOUT_STATE,
                        );
                        let opened = request.map(|r| match config.end_session_post {
                            true => popup_window::post(&inner.window, &r.endpoint, &r.fields),
                            false => popup_window::open(&inner.window, &r.url_without_hint()),
                        });
                        match opened {
                            Some(Some(_)) | None => None,
                            Some(None) => Some(Failure::new(
                                "popup_blocked",
                                "Logged out here, but the provider's logout popup was blocked.",
                            )),
                        }
                    }
                    None => Some(Failure::new(
                        "discovery_failed",
                        "Logged out here; the provider could not be reached to end its session.",
                    )),
                },
                _ => None,
            }
        };
        self.0.borrow().store.remove_ours();
        self.forget_key();
        self.end_login(true);
        self.look(Reason::Logout);
        if let Some(failure) = failure {
            self.fail(&failure);
        }
    }

    /// Forgets the login's key, here and in IndexedDB (logout, or a session that cannot be
    /// proven).
    pub(super) fn forget_key(&self) {
        let window = {
            let mut inner = self.0.borrow_mut();
            inner.key = None;
            inner.proof = None;
            inner.window.clone()
        };
        wasm_bindgen_futures::spawn_local(async move {
            let _ = keys::clear(&window).await;
        });
    }
}
