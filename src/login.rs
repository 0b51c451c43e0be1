//! The component in the iframe: takes the render args, watches the stored session (heartbeat
//! and `storage` events), opens the login popup, logs out, refreshes, runs Python's commands
//! and sends every change to Python as a named event. The decisions are made by the plain
//! modules (`config`, `watch`, `lease`, `command`, `oidc`); this is their wiring.

use crate::browser::host::HostLink;
use crate::browser::http::{self, HttpError};
use crate::browser::storage::{self, StorageListener, Store};
use crate::browser::timer::Interval;
use crate::browser::{crypto, page, popup_window};
use crate::command::{self, Command, CommandGate, CommandName};
use crate::config::{ConfigError, LoginConfig};
use crate::events::{self, Emitter, Failure, ON_ACTION_REQUEST, ON_ERROR, ON_STATUS_UPDATE};
use crate::json::Json;
use crate::lease;
use crate::oidc::authorize::{end_session_url, PendingLogin};
use crate::oidc::claims::{check_id_token, nonce_of, Expected};
use crate::oidc::discovery::{discovery_url, ProviderMetadata};
use crate::oidc::token::{parse_token_response, refresh_request_body};
use crate::oidc::UnixSeconds;
use crate::popup;
use crate::protocol::Render;
use crate::session::{self, storage_key, KeyKind, Session};
use crate::watch::{status_data, Action, Reason, RefreshPolicy, Watcher};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::Window;

/// What the one-line view shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// No render args yet.
    Waiting,
    /// The args are not a usable configuration, or storage is blocked: why.
    Unavailable(String),
    /// Logged out; the host name to show.
    LoggedOut(String),
    /// The popup is open.
    LoggingIn,
    /// Logged in: the user and when the access token expires.
    LoggedIn {
        /// The name to show.
        user: String,
        /// Expiry, Unix seconds.
        expiry: UnixSeconds,
    },
}

/// The view's signals.
#[derive(Clone, Copy)]
pub struct LoginView {
    /// The line's state.
    pub line: RwSignal<Line>,
    /// The last failure's message, until the next success.
    pub message: RwSignal<Option<String>>,
    /// Streamlit's `disabled`.
    pub disabled: RwSignal<bool>,
}

impl LoginView {
    /// Waiting for the first render.
    pub fn new() -> LoginView {
        LoginView {
            line: RwSignal::new(Line::Waiting),
            message: RwSignal::new(None),
            disabled: RwSignal::new(true),
        }
    }
}

impl Default for LoginView {
    fn default() -> LoginView {
        LoginView::new()
    }
}

struct LoginWindow {
    popup: Window,
    started: UnixSeconds,
    _poll: Interval,
}

struct Inner {
    window: Window,
    host: HostLink,
    view: LoginView,
    store: Option<Store>,
    page_url: String,
    /// This tab's id for the refresh lease.
    tab: String,
    config: Option<LoginConfig>,
    config_error: Option<String>,
    emitter: Emitter,
    watcher: Watcher,
    commands: CommandGate,
    provider: Option<ProviderMetadata>,
    heartbeat: Option<Interval>,
    listener: Option<StorageListener>,
    login: Option<LoginWindow>,
    refreshing: bool,
    refresh_failure_sent: bool,
}

impl Inner {
    fn key(&self, kind: KeyKind) -> Option<String> {
        let config = self.config.as_ref()?;
        Some(storage_key(kind, &config.issuer, &config.client.client_id))
    }

    /// The session as stored now, if valid.
    fn stored_session(&self) -> Option<Session> {
        let stored = self.store.as_ref()?.get(&self.key(KeyKind::Session)?)?;
        Session::from_stored(&stored).ok()
    }
}

/// The component's controller; clones share one state.
#[derive(Clone)]
pub struct Controller(Rc<RefCell<Inner>>);

/// The default event `source` when the app gives no key.
const DEFAULT_SOURCE: &str = "login";

impl Controller {
    /// A controller for the component page in `window`, talking to Python through `host`.
    pub fn new(window: &Window, host: HostLink, view: LoginView) -> Controller {
        let tab = crypto::random_secret(window)
            .map(|s| s.expose().to_owned())
            .unwrap_or_else(|_| page::now_ms().to_string());
        Controller(Rc::new(RefCell::new(Inner {
            window: window.clone(),
            host,
            view,
            store: Store::open(window),
            page_url: page::url(window),
            tab,
            config: None,
            config_error: None,
            emitter: Emitter::new(&[], DEFAULT_SOURCE),
            watcher: Watcher::new(),
            commands: CommandGate::default(),
            provider: None,
            heartbeat: None,
            listener: None,
            login: None,
            refreshing: false,
            refresh_failure_sent: false,
        })))
    }

    /// Sends an event to Python.
    fn emit(&self, name: &str, data: Json) {
        let mut inner = self.0.borrow_mut();
        let value = inner.emitter.envelope(name, data, page::now_ms());
        if inner.host.set_value(value).is_err() {
            inner
                .view
                .message
                .set(Some("cannot reach the host page".into()));
        }
    }

    /// Reports a failure to Python and shows it.
    fn fail(&self, failure: &Failure) {
        self.emit(ON_ERROR, failure.to_data());
        let view = self.0.borrow().view;
        view.message.set(Some(failure.message.clone()));
    }

    /// Takes a render message: configuration, acknowledgements and commands.
    pub fn render(&self, render: &Render) {
        let (view, page_url) = {
            let mut inner = self.0.borrow_mut();
            inner
                .emitter
                .acknowledge(events::ack_from_args(&render.args));
            (inner.view, inner.page_url.clone())
        };
        view.disabled.set(render.disabled);
        let parsed = LoginConfig::from_args(&render.args, &page_url)
            .and_then(|config| Ok((config, command::from_args(&render.args)?)));
        match parsed {
            Err(error) => self.unusable(error),
            Ok((config, command)) => {
                let source = render.args.get("key").and_then(Json::as_str);
                let source = source.unwrap_or(DEFAULT_SOURCE);
                self.0
                    .borrow_mut()
                    .emitter
                    .configure(&config.events, source);
                if self.0.borrow().config.as_ref() != Some(&config) {
                    self.configure(config);
                }
                let admitted = command.filter(|c| self.0.borrow_mut().commands.admit(*c));
                if let Some(command) = admitted {
                    self.run_command(command);
                }
            }
        }
    }

    fn unusable(&self, error: ConfigError) {
        let message = error.to_string();
        {
            let mut inner = self.0.borrow_mut();
            if inner.config_error.as_ref() == Some(&message) {
                return;
            }
            inner.config_error = Some(message.clone());
            inner.config = None;
            inner.heartbeat = None;
            inner.view.line.set(Line::Unavailable(message.clone()));
        }
        self.fail(&Failure::new(error.code(), &message));
    }

    fn configure(&self, config: LoginConfig) {
        let period_ms = i32::try_from(config.heartbeat_s * 1000).unwrap_or(i32::MAX);
        let (window, has_store) = {
            let mut inner = self.0.borrow_mut();
            inner.watcher.reset();
            inner.config_error = None;
            inner.provider = None;
            inner.config = Some(config);
            (inner.window.clone(), inner.store.is_some())
        };
        if !has_store {
            let message = "the browser blocks localStorage, which the login needs";
            self.0
                .borrow()
                .view
                .line
                .set(Line::Unavailable(message.into()));
            return self.fail(&Failure::new("storage_unavailable", message));
        }
        if let Some(store) = self.0.borrow().store.clone() {
            let entries = store.ours();
            let pairs = entries.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            for key in session::stale_keys(pairs, page::now_s()) {
                store.remove(key);
            }
        }
        let beat = self.clone();
        let heartbeat = Interval::start(&window, period_ms, move || beat.look(Reason::Changed));
        let listener = if self.0.borrow().listener.is_none() {
            let changed = self.clone();
            storage::on_our_changes(&window, move || changed.look(Reason::Changed)).ok()
        } else {
            None
        };
        {
            let mut inner = self.0.borrow_mut();
            inner.heartbeat = heartbeat.ok();
            if listener.is_some() {
                inner.listener = listener;
            }
        }
        self.look(Reason::Start);
        if self
            .0
            .borrow()
            .config
            .as_ref()
            .is_some_and(|c| c.end_session)
        {
            // Logout opens the provider's end-session page from the click handler, without
            // waiting: the metadata must be at hand by then. A failure shows at logout.
            let this = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = this.provider().await;
            });
        }
    }

    /// Looks at storage and acts on what changed.
    pub fn look(&self, reason: Reason) {
        let (store, actions, outcome) = {
            let mut inner = self.0.borrow_mut();
            let (Some(store), Some(key), Some(config)) = (
                inner.store.clone(),
                inner.key(KeyKind::Session),
                inner.config.as_ref(),
            ) else {
                return;
            };
            let policy = RefreshPolicy::new(config.refresh, config.heartbeat_s);
            let reason = if inner.login.is_some() {
                Reason::Login
            } else {
                reason
            };
            let stored = store.get(&key);
            let actions = inner
                .watcher
                .look(stored.as_deref(), page::now_s(), policy, reason);
            let outcome_key = inner.key(KeyKind::Outcome);
            let outcome = outcome_key.and_then(|k| store.get(&k).map(|v| (k, v)));
            (store, actions, outcome)
        };
        for action in actions {
            match action {
                Action::Discard(error) => {
                    self.remove(KeyKind::Session);
                    self.fail(&Failure::new(error.code(), &error));
                }
                Action::RemoveExpired => self.remove(KeyKind::Session),
                Action::Refresh(session) => {
                    self.refresh(session, None);
                }
                Action::Status(data) => {
                    self.emit(ON_STATUS_UPDATE, data);
                    if self.0.borrow().watcher.reported().is_some() {
                        self.0.borrow().view.message.set(None);
                        self.end_login(false);
                    }
                }
            }
        }
        if let Some((key, stored)) = outcome {
            store.remove(&key);
            self.end_login(true);
            self.fail(&Failure::from_stored(&stored));
        }
        self.show();
    }

    fn remove(&self, kind: KeyKind) {
        let inner = self.0.borrow();
        if let (Some(store), Some(key)) = (&inner.store, inner.key(kind)) {
            store.remove(&key);
        }
    }

    /// Puts the current state on the line.
    fn show(&self) {
        let inner = self.0.borrow();
        let Some(config) = &inner.config else { return };
        let line = match (inner.watcher.reported(), &inner.login) {
            (Some(session), _) => Line::LoggedIn {
                user: session.user.clone(),
                expiry: session.token.expiry,
            },
            (None, Some(_)) => Line::LoggingIn,
            (None, None) => Line::LoggedOut(config.hostname.clone()),
        };
        inner.view.line.set(line);
    }

    /// The login or logout button.
    pub fn click(&self) {
        let logged_in = self.0.borrow().watcher.reported().is_some();
        if logged_in {
            self.logout(None);
        } else {
            self.login();
        }
    }

    fn login(&self) {
        if let Some(open) = &self.0.borrow().login {
            // One login at a time: bring the open popup forward.
            let _ = open.popup.focus();
            return;
        }
        let started = {
            let inner = self.0.borrow();
            let (Some(config), Some(store), Some(key)) =
                (&inner.config, &inner.store, inner.key(KeyKind::Pending))
            else {
                return;
            };
            let random = || crypto::random_secret(&inner.window);
            let (Ok(state), Ok(verifier), Ok(random_nonce)) = (random(), random(), random()) else {
                drop(inner);
                return self.fail(&Failure::new(
                    "crypto_unavailable",
                    "the browser gives no secure random numbers",
                ));
            };
            let nonce = config
                .nonce
                .as_deref()
                .map_or(random_nonce, crate::secret::Secret::new);
            let pending = PendingLogin {
                state,
                nonce,
                verifier,
                issuer: config.issuer.clone(),
                client: config.client.clone(),
                created_at: page::now_s(),
            };
            let url = popup::login_start_url(&inner.page_url, pending.state.expose());
            let stored = store.set(&key, &pending.to_json().to_string());
            match popup_window::open(&inner.window, &url) {
                Some(popup) if stored.is_ok() => Some((popup, inner.window.clone())),
                Some(popup) => {
                    let _ = popup.close();
                    None
                }
                None => {
                    store.remove(&key);
                    None
                }
            }
        };
        let Some((popup, window)) = started else {
            return self.fail(&Failure::new(
                "popup_blocked",
                "The login popup was blocked: allow popups for this site and click again.",
            ));
        };
        let poll = self.clone();
        let Ok(interval) = Interval::start(&window, popup::POLL_MS, move || poll.poll_login())
        else {
            return;
        };
        self.0.borrow_mut().login = Some(LoginWindow {
            popup,
            started: page::now_s(),
            _poll: interval,
        });
        self.0.borrow().view.message.set(None);
        self.emit(
            ON_ACTION_REQUEST,
            Json::object([("action", Json::from("login"))]),
        );
        self.show();
    }

    fn poll_login(&self) {
        let (closed, timed_out) = {
            let inner = self.0.borrow();
            let Some(login) = &inner.login else { return };
            (
                login.popup.closed().unwrap_or(true),
                page::now_s().saturating_sub(login.started) > popup::TIMEOUT_S,
            )
        };
        if closed {
            // Closed by the user, or by itself after storing the session: look once more.
            self.end_login(false);
            self.look(Reason::Login);
        } else if timed_out {
            self.end_login(true);
            self.fail(&Failure::new(
                "login_timeout",
                "The login took longer than 10 minutes and was stopped.",
            ));
            self.show();
        }
    }

    /// Ends the login in progress, if any: no pending login is left behind.
    fn end_login(&self, close_popup: bool) {
        let Some(login) = self.0.borrow_mut().login.take() else {
            return;
        };
        if close_popup {
            let _ = login.popup.close();
        }
        self.remove(KeyKind::Pending);
    }

    fn logout(&self, command: Option<Command>) {
        if command.is_none() {
            self.emit(
                ON_ACTION_REQUEST,
                Json::object([("action", Json::from("logout"))]),
            );
        }
        let failure = {
            let inner = self.0.borrow();
            let id_token = inner
                .watcher
                .reported()
                .map(|s| s.token.value_id_token.clone());
            match (&inner.config, id_token) {
                (Some(config), Some(id_token)) if config.end_session => match &inner.provider {
                    Some(provider) => {
                        let url = end_session_url(
                            provider,
                            &config.client.client_id,
                            Some(&id_token),
                            &config.client.redirect_uri,
                        )
                        .map(|url| format!("{url}&state={}", popup::LOGOUT_STATE));
                        match url.map(|url| popup_window::open(&inner.window, &url)) {
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
        if let Some(store) = self.0.borrow().store.clone() {
            store.remove_ours();
        }
        self.end_login(true);
        self.look(Reason::Logout);
        if let Some(failure) = failure {
            self.fail(&failure);
        }
    }

    fn run_command(&self, command: Command) {
        let failure = match command.name {
            CommandName::Logout => {
                self.logout(Some(command));
                None
            }
            CommandName::Refresh => {
                let session = self.0.borrow().watcher.reported().cloned();
                match session {
                    None => Some("not logged in"),
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

    fn report_command(&self, command: Command, failure: Option<&str>) {
        let status = status_data(self.0.borrow().watcher.reported(), Reason::Command);
        self.emit(
            ON_STATUS_UPDATE,
            command::with_result(status, command, failure),
        );
    }

    /// Starts a refresh unless one runs here or in another tab; whether it started.
    fn refresh(&self, session: Session, command: Option<Command>) -> bool {
        {
            let mut inner = self.0.borrow_mut();
            let (Some(store), Some(key)) = (inner.store.clone(), inner.key(KeyKind::Lease)) else {
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
            let result = this.run_refresh(&session).await;
            this.refresh_done(&session, result, command);
        });
        true
    }

    /// The provider's metadata, fetched once per configuration.
    async fn provider(&self) -> Result<ProviderMetadata, Failure> {
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

    async fn run_refresh(&self, session: &Session) -> Result<(), (Failure, bool)> {
        let keep = |failure: Failure| (failure, false);
        let provider = self.provider().await.map_err(keep)?;
        let (window, config, store) = {
            let inner = self.0.borrow();
            let config = inner
                .config
                .clone()
                .ok_or_else(|| keep(Failure::new("invalid_config", "the configuration changed")))?;
            let store = inner.store.clone().ok_or_else(|| {
                keep(Failure::new(
                    "storage_unavailable",
                    "localStorage is blocked",
                ))
            })?;
            (inner.window.clone(), config, store)
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
                let previous = nonce_of(session.token.value_id_token.expose());
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
            now,
        )
        .ok_or_else(|| (Failure::new("refresh_failed", "no ID token"), true))?;
        let key = storage_key(KeyKind::Session, &config.issuer, &config.client.client_id);
        store.set(&key, &refreshed.to_stored()).map_err(|_| {
            keep(Failure::new(
                "storage_unavailable",
                "the session cannot be stored",
            ))
        })
    }

    fn refresh_done(
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
        self.remove(KeyKind::Lease);
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

/// Fetches and validates the discovery document of `issuer`.
pub async fn fetch_provider(window: &Window, issuer: &str) -> Result<ProviderMetadata, Failure> {
    let failed = |why: String| Failure::new("discovery_failed", why);
    let response = http::get_json(window, &discovery_url(issuer))
        .await
        .map_err(|e: HttpError| failed(format!("discovery failed: {e}")))?;
    if response.status != 200 {
        return Err(failed(format!(
            "discovery failed: the provider answered HTTP {}",
            response.status
        )));
    }
    ProviderMetadata::from_json(&response.body, issuer)
        .map_err(|e| failed(format!("discovery document refused: {e}")))
}
