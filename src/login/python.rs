//! What Python takes part in: its commands, the binding proof next to each logged-in
//! status, and confidential mode's code hand-over and sealed sessions.

use super::*;

impl Controller {
    pub(super) fn run_command(&self, command: Command) {
        let failure = match command.name {
            CommandName::Logout => {
                self.logout(Some(command));
                None
            }
            CommandName::Refresh => {
                let session = self.0.borrow().watcher.reported().cloned();
                match session {
                    None => Some("not logged in"),
                    // Python refreshes a sealed session itself, on this command.
                    Some(session) if session.sealed.is_some() => None,
                    Some(session) if session.refresh_token.is_none() => {
                        Some("the session has no refresh token")
                    }
                    Some(session) => {
                        if self.refresh(session, Some(command)) {
                            return;
                        }
                        Some("another refresh is running")
                    }
                }
            }
        };
        self.report_command(command, failure);
    }

    pub(super) fn report_command(&self, command: Command, failure: Option<&str>) {
        let status = status_data(self.0.borrow().watcher.reported(), Reason::Command);
        self.emit_status(command::with_result(status, command, failure));
    }

    /// The proof for `challenge` by the key of `binding`, kept for the next status.
    pub(super) async fn prove(
        &self,
        challenge: &str,
        binding: &crate::binding::Binding,
    ) -> Result<wire::Value, keys::ProofError> {
        let (window, cached, issuer, client_id) = {
            let inner = self.0.borrow();
            let config = inner.config.as_ref().ok_or(keys::ProofError::Crypto)?;
            let cached = inner.key.as_ref().filter(|(id, _)| *id == binding.key_id);
            (
                inner.window.clone(),
                cached.map(|(_, pair)| pair.clone()),
                config.issuer.clone(),
                config.client.client_id.clone(),
            )
        };
        let (pair, proof) =
            keys::prove(&window, cached, binding, challenge, (&issuer, &client_id)).await?;
        let key_id = binding.key_id.clone();
        let mut inner = self.0.borrow_mut();
        inner.key = Some((key_id.clone(), pair));
        inner.proof = Some((challenge.to_owned(), key_id, proof.clone()));
        Ok(proof)
    }

    /// Confidential mode: the checked callback goes to Python, which exchanges the code with the
    /// client secret and answers with a sealed session (render arg `sealed`).
    pub(super) async fn hand_code_to_python(
        &self,
        provider: &ProviderMetadata,
        pending: &PendingLogin,
        answer: &Answer,
        challenge: Option<String>,
    ) -> Result<(), Failure> {
        let code = validate_callback(
            &answer.params,
            pending,
            provider.iss_parameter_supported,
            page::now_s(),
        )
        .map_err(|e| match &e {
            CallbackError::Provider(p) if p.error == "access_denied" => {
                Failure::new("login_cancelled", &e)
            }
            _ => Failure::new(e.code(), &e),
        })?;
        let binding = pending
            .binding
            .clone()
            .ok_or_else(|| Failure::new("binding_key_missing", "the login has no browser key"))?;
        let challenge = challenge.ok_or_else(|| {
            Failure::new(
                "invalid_config",
                "confidential mode needs the host's challenge",
            )
        })?;
        let proof = self
            .prove(&challenge, &binding)
            .await
            .map_err(|e| Failure::new(e.code(), e.message()))?;
        self.0.borrow_mut().exchanging = Some(binding);
        self.emit(
            ON_ACTION_REQUEST,
            confidential::exchange_request(&code, pending, proof),
        );
        Ok(())
    }

    /// Confidential mode: Python's answer. A sealed session for this tab's login or for the
    /// stored session's key is kept (every tab follows through storage); a failure ends the
    /// login in progress, and `drop` removes the stored session.
    pub(super) fn take_sealed(&self, outcome: SealedOutcome) {
        match outcome {
            SealedOutcome::Sealed {
                value,
                key_id,
                user,
                expiry,
            } => {
                let (exchanging, stored) = {
                    let inner = self.0.borrow();
                    (inner.exchanging.clone(), inner.stored_session())
                };
                let (binding, reason) = match (exchanging, stored) {
                    (Some(binding), _) if binding.key_id == key_id => (binding, Reason::Login),
                    (_, Some(stored))
                        if stored.sealed.is_some()
                            && stored.binding.key_id == key_id
                            && stored.sealed.as_ref() != Some(&value) =>
                    {
                        (stored.binding, Reason::Refresh)
                    }
                    _ => return,
                };
                let session = Session::sealed(&user, value.expose(), expiry, binding);
                let written = {
                    let inner = self.0.borrow();
                    inner
                        .key(KeyKind::Session)
                        .map(|key| inner.store.set(&key, &session))
                };
                {
                    let mut inner = self.0.borrow_mut();
                    inner.exchanging = None;
                    inner.finishing = false;
                    inner.refresh_asked_at = None;
                }
                if !matches!(written, Some(Ok(()))) {
                    return self.fail(&Failure::new(
                        "storage_unavailable",
                        "the session cannot be stored",
                    ));
                }
                self.look(reason);
            }
            SealedOutcome::Failed {
                code,
                message,
                drop,
            } => {
                let stored = self.0.borrow().stored_session();
                {
                    let mut inner = self.0.borrow_mut();
                    inner.exchanging = None;
                    inner.finishing = false;
                }
                if drop && stored.is_some_and(|s| s.sealed.is_some()) {
                    self.remove(KeyKind::Session);
                    self.forget_key();
                }
                // Python has told the app (`onError`); the line says it too, explained.
                let view = self.0.borrow().view;
                view.say(Some(message));
                view.why.set(explain(&code, &self.facts()));
                self.look(Reason::Changed);
            }
        }
    }

    /// Confidential mode: a sealed session near expiry is refreshed by Python, on a status
    /// with reason `refresh` (at most every ten seconds; every tab's Python shares one refresh).
    pub(super) fn ask_python_to_refresh(&self, session: Session) {
        let now = page::now_s();
        {
            let mut inner = self.0.borrow_mut();
            if inner
                .refresh_asked_at
                .is_some_and(|at| now.saturating_sub(at) < 10)
            {
                return;
            }
            inner.refresh_asked_at = Some(now);
        }
        let data = status_data(Some(&session), Reason::Refresh);
        self.emit_status_for(data, Some(session));
    }
}
