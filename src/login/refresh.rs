//! Refreshing the session at expiry: one tab at a time (Web Locks, else a lease in storage),
//! and what a failed refresh leaves behind.

use super::*;

impl Controller {
    /// Starts a refresh unless one runs here or in another tab; whether it started (with Web
    /// Locks, whether it was tried: another tab's refresh is then found out asynchronously,
    /// and a command reports it).
    pub(super) fn refresh(&self, session: Session, command: Option<Command>) -> bool {
        let (window, lock) = {
            let inner = self.0.borrow();
            (inner.window.clone(), inner.key(KeyKind::Lease))
        };
        match lock {
            Some(lock) if locks::available(&window) => self.refresh_locked(session, command, lock),
            _ => self.refresh_leased(session, command),
        }
    }

    /// Single flight with the Web Locks API: the tab that gets the lock refreshes what is
    /// stored now; a tab that finds it held leaves the refresh to its holder.
    pub(super) fn refresh_locked(
        &self,
        session: Session,
        command: Option<Command>,
        lock: String,
    ) -> bool {
        if std::mem::replace(&mut self.0.borrow_mut().refreshing, true) {
            return false;
        }
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let window = this.0.borrow().window.clone();
            let worker = this.clone();
            let work = move || async move {
                // Another tab may have refreshed meanwhile: its refresh token is spent.
                if worker.0.borrow().stored_session().as_ref() != Some(&session) {
                    return None;
                }
                let result = on_demand::run_refresh(worker.clone(), session.clone()).await;
                Some((session, result))
            };
            match locks::run_if_available(&window, &lock, work).await {
                Ok(Some(Some((session, result)))) => this.refresh_done(&session, result, command),
                outcome => {
                    // Not this tab's turn: the holder's write comes as a storage event, and
                    // the heartbeat looks again (looking now would ask for the lock at once,
                    // again and again, while another tab holds it).
                    this.0.borrow_mut().refreshing = false;
                    if let Some(command) = command {
                        let failure = match outcome {
                            Err(_) => Some("the refresh lock cannot be taken"),
                            Ok(None) => Some("another refresh is running"),
                            Ok(Some(None)) => None, // another tab refreshed already
                            Ok(Some(Some(_))) => None,
                        };
                        this.report_command(command, failure);
                    }
                }
            }
        });
        true
    }

    /// Single flight with a lease in storage, where Web Locks are missing.
    pub(super) fn refresh_leased(&self, session: Session, command: Option<Command>) -> bool {
        {
            let mut inner = self.0.borrow_mut();
            let store = inner.store.clone();
            let Some(key) = inner.key(KeyKind::Lease) else {
                return false;
            };
            let now = page::now_s();
            if inner.refreshing || !lease::may_take(store.get(&key).as_deref(), &inner.tab, now) {
                return false;
            }
            if store
                .set(&key, &lease::lease_value(&inner.tab, now))
                .is_err()
                || !lease::holds(store.get(&key).as_deref(), &inner.tab, now)
            {
                return false;
            }
            // Another tab may have refreshed since this one read the session: its refresh
            // token is spent, so refresh only what is stored now.
            if inner.stored_session().as_ref() != Some(&session) {
                store.remove(&key);
                return false;
            }
            inner.refreshing = true;
        }
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = on_demand::run_refresh(this.clone(), session.clone()).await;
            this.refresh_done(&session, result, command);
        });
        true
    }

    /// The provider's metadata, fetched once per configuration.
    pub(super) async fn provider(&self) -> Result<ProviderMetadata, Failure> {
        let (window, issuer) = {
            let inner = self.0.borrow();
            if let Some(provider) = &inner.provider {
                return Ok(provider.clone());
            }
            let issuer = inner.config.as_ref().map(|c| c.issuer.clone());
            (inner.window.clone(), issuer.unwrap_or_default())
        };
        let provider = fetch_provider(&window, &issuer).await?;
        self.0.borrow_mut().provider = Some(provider.clone());
        Ok(provider)
    }

    pub(super) async fn run_refresh(&self, session: &Session) -> Result<(), (Failure, bool)> {
        let keep = |failure: Failure| (failure, false);
        let provider = self.provider().await.map_err(keep)?;
        let (window, config, store) = {
            let inner = self.0.borrow();
            let config = inner
                .config
                .clone()
                .ok_or_else(|| keep(Failure::new("invalid_config", "the configuration changed")))?;
            (inner.window.clone(), config, inner.store.clone())
        };
        let Some(refresh_token) = &session.refresh_token else {
            return Err((
                Failure::new("refresh_failed", "the session has no refresh token"),
                true,
            ));
        };
        let body = refresh_request_body(refresh_token, &config.client.client_id);
        let response = http::post_form(&window, &provider.token_endpoint, &body)
            .await
            .map_err(|e| keep(Failure::new("refresh_failed", e)))?;
        let tokens = parse_token_response(&response.body, false).map_err(|e| {
            let message = format!("refresh refused: {e}");
            (
                Failure::new("refresh_failed", message),
                e.is_invalid_grant(),
            )
        })?;
        let now = page::now_s();
        let claims = match &tokens.id_token {
            None => None,
            Some(id_token) => {
                let login_token = session.login_id_token.as_ref();
                let previous = nonce_of(
                    login_token
                        .unwrap_or(&session.token.value_id_token)
                        .expose(),
                );
                let previous = previous.unwrap_or_else(|| crate::secret::Secret::new(""));
                let expected = Expected {
                    issuer: &config.issuer,
                    client_id: &config.client.client_id,
                    nonce: &previous,
                    refreshed: true,
                    now,
                };
                let claims = check_id_token(id_token.expose(), &expected)
                    .map_err(|e| (Failure::new(e.code(), e), true))?;
                Some(claims)
            }
        };
        let refreshed = Session::from_token_set(
            tokens,
            claims.as_ref(),
            Some(session),
            &config.client.scope,
            session.binding.clone(),
            now,
        )
        .ok_or_else(|| (Failure::new("refresh_failed", "no ID token"), true))?;
        // A logout (or another tab's refresh) while the request ran: its result stands, and
        // the tokens of this refresh are not written back.
        if self.0.borrow().stored_session().as_ref() != Some(session) {
            return Ok(());
        }
        let key = storage_key(KeyKind::Session, &config.issuer, &config.client.client_id);
        store.set(&key, &refreshed).map_err(|_| {
            keep(Failure::new(
                "storage_unavailable",
                "the session cannot be stored",
            ))
        })
    }

    pub(super) fn refresh_done(
        &self,
        session: &Session,
        result: Result<(), (Failure, bool)>,
        command: Option<Command>,
    ) {
        {
            let mut inner = self.0.borrow_mut();
            inner.refreshing = false;
            if result.is_ok() {
                inner.refresh_failure_sent = false;
            }
        }
        if !locks::available(&self.0.borrow().window) {
            self.remove(KeyKind::Lease);
        }
        let failure = match result {
            Ok(()) => {
                self.look(Reason::Refresh);
                None
            }
            Err((failure, end_session)) => {
                let stored = self.0.borrow().stored_session();
                if stored.as_ref().is_some_and(|s| s != session) {
                    // Another tab replaced the session meanwhile: its result stands.
                    self.look(Reason::Changed);
                    if let Some(command) = command {
                        self.report_command(command, None);
                    }
                    return;
                }
                let ended = end_session || session.is_expired(page::now_s());
                let first = !std::mem::replace(&mut self.0.borrow_mut().refresh_failure_sent, true);
                if ended || first || command.is_some() {
                    self.fail(&failure);
                }
                if ended {
                    self.remove(KeyKind::Session);
                    self.look(Reason::Expired);
                }
                Some(failure.message)
            }
        };
        if let Some(command) = command {
            self.report_command(command, failure.as_deref());
        }
    }
}
