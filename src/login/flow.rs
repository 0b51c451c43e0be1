//! The login in progress: the popup (or the app's own tab), the authorization request, the
//! provider's answer, the popup watch and cancel.

use super::*;

impl Controller {
    pub(super) fn cancel_login(&self) {
        let redirect_uri = {
            let inner = self.0.borrow();
            inner
                .login
                .as_ref()
                .map(|l| l.pending.client.redirect_uri.clone())
        };
        self.end_login(true);
        self.emit(ON_ACTION_REQUEST, wire::json!({"action": "cancel_login"}));
        // The usual reason to cancel a login that went nowhere: the provider refused this
        // app's redirect URI on its own page, which the component cannot see.
        if let Some(uri) = redirect_uri {
            let message = format!(
                "Login cancelled. If the sign-in page refused this app's address, register \
                 this redirect URI at the provider: {uri}"
            );
            self.0.borrow().view.say(Some(message));
        }
        self.show();
    }

    pub(super) fn login(&self) {
        let prepared = {
            let inner = self.0.borrow();
            let Some(config) = &inner.config else {
                return;
            };
            let random = || crypto::random_secret(&inner.window);
            let (Ok(state), Ok(verifier)) = (random(), random()) else {
                drop(inner);
                return self.fail(&Failure::new(
                    "crypto_unavailable",
                    "the browser gives no secure random numbers",
                ));
            };
            let pending = PendingLogin {
                state,
                // Set once the login's key is made (`bind`), before the request leaves.
                nonce: crate::secret::Secret::new(""),
                verifier,
                issuer: config.issuer.clone(),
                client: config.client.clone(),
                created_at: page::now_s(),
                return_to: None,
                binding: None,
            };
            (pending, inner.window.clone(), inner.page_url.clone())
        };
        let (mut pending, window, page_url) = prepared;
        // The popup opens from the click itself (popup blockers want that), at the component's
        // page; it goes on to the provider once the request is ready.
        let popup = popup_window::open(&window, &popup::wait_url(&page_url));
        let poll = match &popup {
            Some(_) => {
                let poll = self.clone();
                Some(Interval::new(popup::POLL_MS, move || poll.poll_login()))
            }
            None => match self.same_tab(&mut pending) {
                Ok(()) => None,
                Err(failure) => return self.fail_here(&failure),
            },
        };
        let same_tab = popup.is_none();
        self.0.borrow_mut().login = Some(LoginWindow {
            pending: pending.clone(),
            popup: popup.clone(),
            started: page::now_s(),
            waiting: false,
            _poll: poll,
        });
        {
            let view = self.0.borrow().view;
            view.say(None);
            view.own_tab.set(None);
        }
        let mut action = wire::json!({"action": "login"});
        if same_tab {
            action["window"] = wire::Value::from("same_tab");
        }
        self.emit(ON_ACTION_REQUEST, action);
        self.show();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let url = on_demand::request(this.clone(), pending.clone()).await;
            if !this.is_current(&pending) {
                return; // cancelled, timed out or replaced meanwhile
            }
            let sent = url.and_then(|url| {
                let sent = match &popup {
                    Some(popup) => popup.location().replace(&url),
                    None => glue::navigate_app_page(&window, &url),
                };
                sent.map_err(|_| Failure::new("navigation_failed", "cannot open the provider"))
            });
            if let Err(failure) = sent {
                this.end_login(true);
                this.fail(&failure);
                this.show();
            }
        });
    }

    /// No popup could be opened: the login runs in the app's own tab, with the pending login
    /// in localStorage for the callback page and the app page (with its query) to return to.
    /// Inside another site's page that cannot work (the tab's top page is not the app's, and
    /// the storage is partitioned), so the popup must be allowed or the app opened on its own.
    pub(super) fn same_tab(&self, pending: &mut PendingLogin) -> Result<(), Failure> {
        let inner = self.0.borrow();
        let blocked = |why: &str| {
            Failure::new(
                "popup_blocked",
                format!(
                    "The login popup was blocked: allow popups for this site and click again{why}."
                ),
            )
        };
        if glue::in_foreign_page(&inner.window) {
            return Err(blocked(", or open the app in its own tab"));
        }
        if inner.config.as_ref().is_some_and(|c| c.confidential) {
            // The code goes to Python, which only the app's frame can reach: no same-tab login.
            return Err(blocked(""));
        }
        let (Some(_), Some(return_to)) = (
            inner.key(KeyKind::Pending),
            glue::app_page_url(&inner.window),
        ) else {
            return Err(blocked(""));
        };
        pending.return_to = Some(return_to);
        Ok(())
    }

    /// Makes the login's key and the nonce that commits to it; a same-tab login is then kept
    /// in localStorage for the callback page.
    pub(super) async fn bind(&self, pending: &mut PendingLogin) -> Result<(), Failure> {
        let window = self.0.borrow().window.clone();
        let key = keys::new_key(&window).await.map_err(|_| {
            Failure::new(
                "crypto_unavailable",
                "the browser cannot make the login's key (WebCrypto ECDSA P-256)",
            )
        })?;
        pending.nonce = crate::secret::Secret::new(key.nonce);
        pending.binding = Some(key.binding.clone());
        let mut inner = self.0.borrow_mut();
        if let Some(login) = inner
            .login
            .as_mut()
            .filter(|l| l.pending.state == pending.state)
        {
            login.pending = pending.clone();
        }
        inner.key = Some((key.binding.key_id.clone(), key.pair));
        if pending.return_to.is_some() {
            if !key.saved {
                return Err(Failure::new(
                    "popup_blocked",
                    "The login popup was blocked and the login's key cannot be kept for a login \
                     in this tab: allow popups for this site and click again.",
                ));
            }
            let stored = inner
                .key(KeyKind::Pending)
                .map(|k| inner.store.set(&k, &pending));
            if !matches!(stored, Some(Ok(()))) {
                return Err(Failure::new(
                    "popup_blocked",
                    "The login popup was blocked: allow popups for this site and click again \
                     (the login cannot be kept in storage to run in this tab).",
                ));
            }
        }
        Ok(())
    }

    /// Whether `pending` is still the login in progress.
    pub(super) fn is_current(&self, pending: &PendingLogin) -> bool {
        let inner = self.0.borrow();
        inner
            .login
            .as_ref()
            .is_some_and(|l| l.pending.state == pending.state)
    }

    /// The authorization request's URL: discovery (fetched once), then the S256 challenge.
    pub(super) async fn authorization_request(
        &self,
        pending: &PendingLogin,
    ) -> Result<String, Failure> {
        let provider = self.provider().await?;
        let (window, options) = {
            let inner = self.0.borrow();
            let options = inner.config.as_ref().map(|c| c.login_options.clone());
            (inner.window.clone(), options.unwrap_or_default())
        };
        let digest = crypto::sha256(&window, pending.verifier.expose().as_bytes())
            .await
            .map_err(|_| Failure::new("crypto_unavailable", "SHA-256 is not available"))?;
        Ok(authorization_url(
            &provider,
            pending,
            &pkce::code_challenge_s256(&digest),
            &options,
        ))
    }

    /// A login answer posted to this window. Only the popup of the login in progress, on the
    /// redirect URI's origin, is heard; anything else is ignored.
    pub(super) fn take_answer(
        &self,
        origin: &str,
        answer: Result<Answer, HandoffError>,
        source: Option<&JsValue>,
    ) {
        let heard = {
            let inner = self.0.borrow();
            let Some(login) = &inner.login else { return };
            let expected = Url::new(&login.pending.client.redirect_uri).map(|u| u.origin());
            let from_popup = match (&login.popup, source) {
                (Some(popup), Some(source)) => js_sys::Object::is(popup.as_ref(), source),
                _ => false,
            };
            from_popup && expected.is_ok_and(|o| o == origin)
        };
        if heard {
            self.answered(answer);
        }
    }

    /// The provider's answer for the login in progress, by message or by relay: checked,
    /// exchanged and stored here.
    pub(super) fn answered(&self, answer: Result<Answer, HandoffError>) {
        let pending = {
            let inner = self.0.borrow();
            let Some(login) = &inner.login else { return };
            login.pending.clone()
        };
        let answer = match answer {
            Ok(answer) if answer.state() != Some(pending.state.expose()) => return,
            Ok(answer) => answer,
            Err(error) => {
                self.end_login(true);
                return self.fail(&Failure::new("bad_callback", error));
            }
        };
        self.end_login(true);
        self.0.borrow_mut().finishing = true;
        self.show();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = on_demand::finish(this.clone(), pending, answer).await;
            let exchanging = this.0.borrow().exchanging.is_some();
            this.0.borrow_mut().finishing = exchanging && result.is_ok();
            match result {
                Ok(()) => this.look(Reason::Login),
                Err(failure) => {
                    this.fail(&failure);
                    this.show();
                }
            }
        });
    }

    pub(super) async fn finish_login(
        &self,
        pending: &PendingLogin,
        answer: &Answer,
    ) -> Result<(), Failure> {
        let provider = self.provider().await?;
        let (confidential, challenge) = {
            let inner = self.0.borrow();
            let config = inner.config.as_ref();
            (
                config.is_some_and(|c| c.confidential),
                config.and_then(|c| c.challenge.clone()),
            )
        };
        if confidential {
            return self
                .hand_code_to_python(&provider, pending, answer, challenge)
                .await;
        }
        let (window, store) = {
            let inner = self.0.borrow();
            (inner.window.clone(), inner.store.clone())
        };
        complete_and_store(
            &window,
            &provider,
            &store,
            pending,
            &answer.params,
            page::now_s(),
        )
        .await
    }

    pub(super) fn poll_login(&self) {
        let (closed, timed_out, waiting) = {
            let inner = self.0.borrow();
            let Some(login) = &inner.login else { return };
            let closed = login
                .popup
                .as_ref()
                .is_some_and(|p| p.closed().unwrap_or(true));
            (
                closed,
                page::now_s().saturating_sub(login.started) > popup::TIMEOUT_S,
                login.waiting,
            )
        };
        if timed_out {
            self.end_login(true);
            let uri = self
                .0
                .borrow()
                .config
                .as_ref()
                .map(|c| c.client.redirect_uri.clone());
            self.fail(&Failure::new(
                "login_timeout",
                format!(
                    "The login took longer than 10 minutes and was stopped. If the sign-in \
                     page refused this app's address, register this redirect URI at the \
                     provider: {}",
                    uri.unwrap_or_default()
                ),
            ));
            self.show();
        } else if closed && !waiting {
            // Closed by the user, or cut off by the provider's pages (Cross-Origin-Opener-
            // Policy) while the user still signs in: the handle cannot tell. The answer can
            // still come through storage, unless the app is inside another site's page.
            let foreign = glue::in_foreign_page(&self.0.borrow().window);
            if foreign {
                self.end_login(false);
                self.fail_here(&Failure::new(
                    "login_window_lost",
                    "The login window was closed, or the sign-in page cut it off from this app; \
                     inside another site's page its answer cannot come back. Open the app in \
                     its own tab to log in.",
                ));
            } else if let Some(login) = self.0.borrow_mut().login.as_mut() {
                login.waiting = true;
            }
            self.look(Reason::Login);
        }
    }

    /// Ends the login in progress, if any: no pending login is left behind.
    pub(super) fn end_login(&self, close_popup: bool) {
        let Some(login) = self.0.borrow_mut().login.take() else {
            return;
        };
        if let (true, Some(popup)) = (close_popup, &login.popup) {
            let _ = popup.close();
        }
        self.remove(KeyKind::Pending);
    }
}
