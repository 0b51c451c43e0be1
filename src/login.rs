//! The component in the iframe: takes the render args, watches the stored session (heartbeat
//! and `storage` events), opens the login popup, logs out, refreshes, runs Python's commands
//! and sends every change to Python as a named event. The decisions are made by the plain
//! modules (`config`, `watch`, `lease`, `command`, `oidc`); this is their wiring.
//!
//! This module holds the controller's state, the render args, the watcher's decisions and the
//! view; one child module per concern: `flow` (the login in progress), `refresh`, `logout`,
//! and `python` (Python's commands, the binding proof, confidential mode).

use crate::browser::discovery::fetch_provider;
use crate::browser::handoff as glue;
use crate::browser::host::HostLink;
use crate::browser::http;
use crate::browser::keys::{self, KeyPair};
use crate::browser::listener::Listener;
use crate::browser::locks;
use crate::browser::storage::{self, StorageListener, Store};
use crate::browser::{crypto, page, popup_window};
use crate::command::{self, Command, CommandGate, CommandName};
use crate::confidential::{self, SealedOutcome};
use crate::config::{ConfigError, LoginConfig};
use crate::events::{self, Emitter, Failure, ON_ACTION_REQUEST, ON_ERROR, ON_STATUS_UPDATE};
use crate::exchange::complete_and_store;
use crate::explain::{explain, Explanation, Facts};
use crate::handoff::{self, Answer, HandoffError};
use crate::lease;
use crate::oidc::authorize::{
    authorization_url, end_session_request, validate_callback, CallbackError, PendingLogin,
};
use crate::oidc::claims::{check_id_token, nonce_of, Expected};
use crate::oidc::discovery::ProviderMetadata;
use crate::oidc::token::{parse_token_response, refresh_request_body};
use crate::oidc::UnixSeconds;
use crate::protocol::Render;
use crate::session::{self, storage_key, KeyKind, Session};
use crate::watch::{status_data, Action, Reason, RefreshPolicy, Watcher};
use crate::wire::{self, Value};
use crate::{pkce, popup};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Url, Window};

mod flow;
mod logout;
mod on_demand;
mod python;
mod refresh;

/// What the one-line view shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// No render args yet.
    Waiting,
    /// The args are not a usable configuration, or storage is blocked: why.
    Unavailable(String),
    /// Logged out; the host name to show.
    LoggedOut(String),
    /// A login runs: in the popup (`waiting` once the popup's handle reads closed: closed by
    /// the user, or cut off by the provider's pages while the user still signs in), or in
    /// this tab (`same_tab`).
    LoggingIn {
        /// The popup's handle reads closed; the answer may still come through storage.
        waiting: bool,
        /// The login runs in the app's own tab (no popup could be opened).
        same_tab: bool,
    },
    /// Logged in: the user and when the access token expires.
    LoggedIn {
        /// The name to show: the one Python verified when the host says so.
        user: String,
        /// Expiry, Unix seconds.
        expiry: UnixSeconds,
        /// The host verifies logins and has not accepted this one (yet): no name is shown.
        unverified: bool,
    },
}

/// The view's signals.
#[derive(Clone, Copy)]
pub struct LoginView {
    /// The line's state.
    pub line: RwSignal<Line>,
    /// The last failure's message, until the next success.
    pub message: RwSignal<Option<String>>,
    /// With the message, what it means and how to fix it (the line expands into it).
    pub why: RwSignal<Option<Explanation>>,
    /// With the message, where the app opens in its own tab (when the login cannot run here).
    pub own_tab: RwSignal<Option<String>>,
    /// Streamlit's `disabled`.
    pub disabled: RwSignal<bool>,
}

impl LoginView {
    /// Waiting for the first render.
    pub fn new() -> LoginView {
        LoginView {
            line: RwSignal::new(Line::Waiting),
            message: RwSignal::new(None),
            why: RwSignal::new(None),
            own_tab: RwSignal::new(None),
            disabled: RwSignal::new(true),
        }
    }
}

impl LoginView {
    /// Shows `message` (or nothing) on the line, without an explanation.
    pub fn say(&self, message: Option<String>) {
        self.message.set(message);
        self.why.set(None);
    }
}

impl Default for LoginView {
    fn default() -> LoginView {
        LoginView::new()
    }
}

/// A login in progress. The pending login (state, nonce, verifier) stays here, in the iframe:
/// the login window only carries the provider's answer back.
struct LoginWindow {
    pending: PendingLogin,
    /// The popup; `None` for a same-tab login.
    popup: Option<Window>,
    started: UnixSeconds,
    /// The popup's handle read closed (closed, or cut off by the provider's pages).
    waiting: bool,
    _poll: Option<Interval>,
}

struct Inner {
    window: Window,
    host: HostLink,
    view: LoginView,
    /// localStorage, or this page's memory where the browser blocks it.
    store: Store,
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
    answers: Option<Listener>,
    login: Option<LoginWindow>,
    /// The provider's answer is being exchanged for tokens.
    finishing: bool,
    /// What the host verified, when it verifies logins (the Python host does; the raw
    /// component and the dev host do not): `Some(None)` until it accepted the login.
    verified: Option<Option<String>>,
    refreshing: bool,
    refresh_failure_sent: bool,
    /// The login's key, once this page made or read it: key id and pair.
    key: Option<(String, KeyPair)>,
    /// The binding proof for this Streamlit session's challenge: challenge, key id, proof.
    proof: Option<(String, String, Value)>,
    /// Confidential mode: the binding of the login whose code Python is exchanging.
    exchanging: Option<crate::binding::Binding>,
    /// Confidential mode: the last `sealed` answer acted on.
    sealed_seen: u64,
    /// Confidential mode: when Python was last asked to refresh the sealed session.
    refresh_asked_at: Option<UnixSeconds>,
    /// The login's code was fetched ahead of a click (`intent`).
    prefetched: bool,
}

impl Inner {
    fn key(&self, kind: KeyKind) -> Option<String> {
        let config = self.config.as_ref()?;
        Some(storage_key(kind, &config.issuer, &config.client.client_id))
    }

    /// The session as stored now, if valid.
    fn stored_session(&self) -> Option<Session> {
        let stored = self.store.get(&self.key(KeyKind::Session)?)?;
        Session::from_stored(&stored).ok()
    }
}

/// The component's controller; clones share one state.
#[derive(Clone)]
pub struct Controller(Rc<RefCell<Inner>>);

/// What the line says where the browser blocks storage (the app inside another site's page).
const STORAGE_BLOCKED: &str = "This browser blocks storage for this app inside another site's \
     page: a login here lasts until the page reloads. Open the app in its own tab to stay \
     logged in.";

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
            store: Store::open_or_memory(window),
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
            answers: None,
            login: None,
            finishing: false,
            verified: None,
            refreshing: false,
            refresh_failure_sent: false,
            key: None,
            proof: None,
            exchanging: None,
            sealed_seen: 0,
            refresh_asked_at: None,
            prefetched: false,
        })))
    }

    /// Sends an event to Python.
    fn emit(&self, name: &str, data: Value) {
        let mut inner = self.0.borrow_mut();
        let value = inner.emitter.envelope(name, data, page::now_ms());
        if inner.host.set_value(value).is_err() {
            inner.view.say(Some("cannot reach the host page".into()));
        }
    }

    /// The app's public facts for explanations: its redirect URI, origin and provider.
    fn facts(&self) -> Facts {
        let inner = self.0.borrow();
        let (redirect_uri, issuer, confidential) = match &inner.config {
            Some(c) => (
                c.client.redirect_uri.clone(),
                c.issuer.clone(),
                c.confidential,
            ),
            None => (
                crate::config::redirect_uri_of(&inner.page_url).to_owned(),
                String::new(),
                false,
            ),
        };
        Facts {
            redirect_uri,
            origin: page::own_origin(&inner.window),
            issuer,
            confidential,
        }
    }

    /// Reports a failure to Python and shows it, with its explanation.
    fn fail(&self, failure: &Failure) {
        self.emit(ON_ERROR, failure.to_data());
        let view = self.0.borrow().view;
        view.say(Some(failure.message.clone()));
        view.why.set(explain(&failure.code, &self.facts()));
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
        let verified = verified_user(&render.args);
        if self.0.borrow().verified != verified {
            self.0.borrow_mut().verified = verified;
            self.show();
        }
        let parsed = LoginConfig::from_args(&render.args, &page_url)
            .and_then(|config| Ok((config, command::from_args(&render.args)?)));
        match parsed {
            Err(error) => self.unusable(error),
            Ok((config, command)) => {
                let source = render.args.get("key").and_then(Value::as_str);
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
                if let Ok(Some(update)) = confidential::sealed_from_args(&render.args) {
                    let fresh = update.id > self.0.borrow().sealed_seen;
                    if fresh {
                        self.0.borrow_mut().sealed_seen = update.id;
                        self.take_sealed(update.outcome);
                    }
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
        // The config allows 1..=3600 s, far inside setInterval's range.
        let period_ms = (config.heartbeat_s.clamp(1, 3600) * 1000) as u32;
        let (window, store) = {
            let mut inner = self.0.borrow_mut();
            inner.watcher.reset();
            inner.config_error = None;
            inner.provider = None;
            inner.config = Some(config);
            (inner.window.clone(), inner.store.clone())
        };
        if store.is_memory() {
            self.fail_here(&Failure::new("storage_blocked", STORAGE_BLOCKED));
        }
        let entries = store.ours();
        let pairs = entries.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        for key in session::stale_keys(pairs, page::now_s()) {
            store.remove(key);
        }
        let beat = self.clone();
        let heartbeat = Interval::new(period_ms, move || beat.look(Reason::Changed));
        let listener = if self.0.borrow().listener.is_none() {
            let changed = self.clone();
            storage::on_our_changes(&window, move || changed.look(Reason::Changed)).ok()
        } else {
            None
        };
        let answers = if self.0.borrow().answers.is_none() {
            let taker = self.clone();
            glue::on_answers(&window, move |origin, answer, source| {
                taker.take_answer(origin, answer, source.as_ref())
            })
            .ok()
        } else {
            None
        };
        {
            let mut inner = self.0.borrow_mut();
            inner.heartbeat = Some(heartbeat);
            if listener.is_some() {
                inner.listener = listener;
            }
            if answers.is_some() {
                inner.answers = answers;
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
        let (store, actions, relay) = {
            let mut inner = self.0.borrow_mut();
            let store = inner.store.clone();
            let (Some(key), Some(config)) = (inner.key(KeyKind::Session), inner.config.as_ref())
            else {
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
            // A popup cut off from its opener leaves the answer in storage.
            let relay = inner.login.as_ref().and_then(|login| {
                let key = handoff::relay_key(login.pending.state.expose());
                store.get(&key).map(|value| (key, value))
            });
            (store, actions, relay)
        };
        for action in actions {
            match action {
                Action::Discard(error) => {
                    self.remove(KeyKind::Session);
                    self.fail(&Failure::new(error.code(), &error));
                }
                Action::RemoveExpired => self.remove(KeyKind::Session),
                Action::Refresh(session) if session.sealed.is_some() => {
                    self.ask_python_to_refresh(*session);
                }
                Action::Refresh(session) => {
                    self.refresh(*session, None);
                }
                Action::Status(data) => {
                    self.emit_status(data);
                    if self.0.borrow().watcher.reported().is_some() {
                        if self.storage_blocked() {
                            self.0.borrow().view.say(Some(STORAGE_BLOCKED.into()));
                        } else {
                            self.0.borrow().view.say(None);
                            self.0.borrow().view.own_tab.set(None);
                        }
                        self.end_login(false);
                    }
                }
            }
        }
        if let Some((key, stored)) = relay {
            store.remove(&key);
            self.answered(handoff::read_relay(&stored, page::now_s()));
        }
        self.show();
    }

    fn remove(&self, kind: KeyKind) {
        let inner = self.0.borrow();
        if let Some(key) = inner.key(kind) {
            inner.store.remove(&key);
        }
    }

    /// Puts the current state on the line.
    fn show(&self) {
        let inner = self.0.borrow();
        let Some(config) = &inner.config else { return };
        let line = match (inner.watcher.reported(), &inner.login) {
            (Some(session), _) => {
                let (user, unverified) = match &inner.verified {
                    Some(Some(user)) => (user.clone(), false),
                    Some(None) => (String::new(), true),
                    None => (session.user.clone(), false),
                };
                Line::LoggedIn {
                    user,
                    expiry: session.token.expiry,
                    unverified,
                }
            }
            (None, Some(login)) => Line::LoggingIn {
                waiting: login.waiting,
                same_tab: login.popup.is_none(),
            },
            (None, None) if inner.finishing => Line::LoggingIn {
                waiting: false,
                same_tab: false,
            },
            (None, None) => Line::LoggedOut(config.hostname.clone()),
        };
        inner.view.line.set(line);
    }

    /// The line's button: login, cancel the login that runs, or logout.
    pub fn click(&self) {
        let (logged_in, logging_in) = {
            let inner = self.0.borrow();
            (inner.watcher.reported().is_some(), inner.login.is_some())
        };
        if logged_in {
            self.logout(None);
        } else if logging_in {
            self.cancel_login();
        } else {
            self.login();
        }
    }

    /// The pointer is in the frame, or the focus on its button: while the button is the login
    /// button, the login's code is fetched now rather than at the click (once a page).
    pub fn intent(&self) {
        let mut inner = self.0.borrow_mut();
        let login_button =
            inner.config.is_some() && inner.login.is_none() && inner.watcher.reported().is_none();
        if login_button && !std::mem::replace(&mut inner.prefetched, true) {
            on_demand::prefetch_login();
        }
    }

    /// Whether the session lives only in this page's memory (storage blocked).
    fn storage_blocked(&self) -> bool {
        self.0.borrow().store.is_memory()
    }

    /// Reports a failure that this tab cannot get past, with a link to the app in its own tab.
    fn fail_here(&self, failure: &Failure) {
        self.fail(failure);
        let inner = self.0.borrow();
        inner.view.own_tab.set(glue::app_page_url(&inner.window));
    }

    /// Sends an `onStatusUpdate`. When the host verifies logins (it sends a challenge), a
    /// logged-in status carries the proof that this browser holds the login's key
    /// (`crate::binding`): made once per challenge, asynchronously the first time. A status
    /// whose session changed before its proof was ready is dropped (a newer one follows).
    fn emit_status(&self, data: Value) {
        let session = self.0.borrow().watcher.reported().cloned();
        self.emit_status_for(data, session);
    }

    /// [`Controller::emit_status`] for the status of `session`.
    fn emit_status_for(&self, mut data: Value, session: Option<Session>) {
        let (challenge, cached) = {
            let inner = self.0.borrow();
            let challenge = inner.config.as_ref().and_then(|c| c.challenge.clone());
            let cached = inner.proof.clone();
            (challenge, cached)
        };
        let (Some(challenge), Some(session)) = (challenge, session) else {
            return self.emit(ON_STATUS_UPDATE, data);
        };
        if let Some((c, key_id, proof)) = cached {
            if c == challenge && key_id == session.binding.key_id {
                with_binding(&mut data, proof);
                return self.emit(ON_STATUS_UPDATE, data);
            }
        }
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match this.prove(&challenge, &session.binding).await {
                Ok(proof) => {
                    if this.0.borrow().stored_session().as_ref() == Some(&session) {
                        with_binding(&mut data, proof);
                        this.emit(ON_STATUS_UPDATE, data);
                    }
                }
                Err(error) => {
                    if this.0.borrow().stored_session().as_ref() != Some(&session) {
                        return;
                    }
                    // The session cannot be proven here: it goes, in every tab.
                    this.remove(KeyKind::Session);
                    this.forget_key();
                    this.fail(&Failure::new(error.code(), error.message()));
                    this.look(Reason::Changed);
                }
            }
        });
    }
}

/// Puts the binding proof into a status's session.
fn with_binding(data: &mut Value, proof: Value) {
    if let Some(session) = data.get_mut("session").and_then(Value::as_object_mut) {
        session.insert("binding".into(), proof);
    }
}

/// The render arg `verified` (`{"user": <name or null>}`): the user the host has verified, when
/// the host verifies logins at all.
fn verified_user(args: &Value) -> Option<Option<String>> {
    #[derive(Deserialize)]
    struct Verified {
        #[serde(default)]
        user: Option<Value>,
    }
    let verified: Verified = wire::from_value(args.get("verified")?).ok()?;
    Some(
        verified
            .user
            .and_then(|u| u.as_str().map(str::to_owned))
            .filter(|u| !u.is_empty()),
    )
}
