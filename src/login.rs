//! The component in the iframe: takes the render args, watches the stored session (heartbeat
//! and `storage` events), opens the login popup, logs out, refreshes, runs Python's commands
//! and sends every change to Python as a named event. The decisions are made by the plain
//! modules (`config`, `watch`, `lease`, `command`, `oidc`); this is their wiring.

use crate::browser::handoff as glue;
use crate::browser::host::HostLink;
use crate::browser::http::{self, HttpError};
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
use crate::json::Json;
use crate::lease;
use crate::oidc::authorize::{
    authorization_url, end_session_request, validate_callback, CallbackError, PendingLogin,
};
use crate::oidc::claims::{check_id_token, nonce_of, Expected};
use crate::oidc::discovery::{discovery_url, ProviderMetadata};
use crate::oidc::token::{parse_token_response, refresh_request_body};
use crate::oidc::UnixSeconds;
use crate::protocol::Render;
use crate::session::{self, storage_key, KeyKind, Session};
use crate::watch::{status_data, Action, Reason, RefreshPolicy, Watcher};
use crate::{pkce, popup};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Url, Window};

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
    proof: Option<(String, String, Json)>,
    /// Confidential mode: the binding of the login whose code Python is exchanging.
    exchanging: Option<crate::binding::Binding>,
    /// Confidential mode: the last `sealed` answer acted on.
    sealed_seen: u64,
    /// Confidential mode: when Python was last asked to refresh the sealed session.
    refresh_asked_at: Option<UnixSeconds>,
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
        })))
    }

    /// Sends an event to Python.
    fn emit(&self, name: &str, data: Json) {
        let mut inner = self.0.borrow_mut();
        let value = inner.emitter.envelope(name, data, page::now_ms());
        if inner.host.set_value(value).is_err() {
            inner.view.say(Some("cannot reach the host page".into()));
        }
    }

    /// The app's public facts for explanations: its redirect URI, origin and provider.
    fn facts(&self) -> Facts {
        let inner = self.0.borrow();
        let (redirect_uri, issuer) = match &inner.config {
            Some(c) => (c.client.redirect_uri.clone(), c.issuer.clone()),
            None => (
                crate::config::redirect_uri_of(&inner.page_url).to_owned(),
                String::new(),
            ),
        };
        Facts {
            redirect_uri,
            origin: page::own_origin(&inner.window),
            issuer,
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

    fn cancel_login(&self) {
        let redirect_uri = {
            let inner = self.0.borrow();
            inner
                .login
                .as_ref()
                .map(|l| l.pending.client.redirect_uri.clone())
        };
        self.end_login(true);
        self.emit(
            ON_ACTION_REQUEST,
            Json::object([("action", Json::from("cancel_login"))]),
        );
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

    fn login(&self) {
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
        let mut action = vec![("action", Json::from("login"))];
        if same_tab {
            action.push(("window", Json::from("same_tab")));
        }
        self.emit(ON_ACTION_REQUEST, Json::object(action));
        self.show();
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut pending = pending;
            let url = match this.bind(&mut pending).await {
                Ok(()) => this.authorization_request(&pending).await,
                Err(failure) => Err(failure),
            };
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
    fn same_tab(&self, pending: &mut PendingLogin) -> Result<(), Failure> {
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
    async fn bind(&self, pending: &mut PendingLogin) -> Result<(), Failure> {
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
                .map(|k| inner.store.set(&k, &pending.to_json().to_string()));
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
    fn is_current(&self, pending: &PendingLogin) -> bool {
        let inner = self.0.borrow();
        inner
            .login
            .as_ref()
            .is_some_and(|l| l.pending.state == pending.state)
    }

    /// The authorization request's URL: discovery (fetched once), then the S256 challenge.
    async fn authorization_request(&self, pending: &PendingLogin) -> Result<String, Failure> {
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
    fn take_answer(
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
    fn answered(&self, answer: Result<Answer, HandoffError>) {
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
            let result = this.finish_login(&pending, &answer).await;
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

    async fn finish_login(&self, pending: &PendingLogin, answer: &Answer) -> Result<(), Failure> {
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

    fn poll_login(&self) {
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
    fn end_login(&self, close_popup: bool) {
        let Some(login) = self.0.borrow_mut().login.take() else {
            return;
        };
        if let (true, Some(popup)) = (close_popup, &login.popup) {
            let _ = popup.close();
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

    fn report_command(&self, command: Command, failure: Option<&str>) {
        let status = status_data(self.0.borrow().watcher.reported(), Reason::Command);
        self.emit_status(command::with_result(status, command, failure));
    }

    /// Sends an `onStatusUpdate`. When the host verifies logins (it sends a challenge), a
    /// logged-in status carries the proof that this browser holds the login's key
    /// (`crate::binding`): made once per challenge, asynchronously the first time. A status
    /// whose session changed before its proof was ready is dropped (a newer one follows).
    fn emit_status(&self, data: Json) {
        let session = self.0.borrow().watcher.reported().cloned();
        self.emit_status_for(data, session);
    }

    /// [`Controller::emit_status`] for the status of `session`.
    fn emit_status_for(&self, mut data: Json, session: Option<Session>) {
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

    /// The proof for `challenge` by the key of `binding`, kept for the next status.
    async fn prove(
        &self,
        challenge: &str,
        binding: &crate::binding::Binding,
    ) -> Result<Json, keys::ProofError> {
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
    async fn hand_code_to_python(
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
    fn take_sealed(&self, outcome: SealedOutcome) {
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
                        .map(|key| inner.store.set(&key, &session.to_stored()))
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
            SealedOutcome::Failed { message, drop, .. } => {
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
                // Python has told the app (`onError`); the line says it too.
                self.0.borrow().view.say(Some(message));
                self.look(Reason::Changed);
            }
        }
    }

    /// Confidential mode: a sealed session near expiry is refreshed by Python, on a status
    /// with reason `refresh` (at most every ten seconds; every tab's Python shares one refresh).
    fn ask_python_to_refresh(&self, session: Session) {
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

    /// Forgets the login's key, here and in IndexedDB (logout, or a session that cannot be
    /// proven).
    fn forget_key(&self) {
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

    /// Starts a refresh unless one runs here or in another tab; whether it started (with Web
    /// Locks, whether it was tried: another tab's refresh is then found out asynchronously,
    /// and a command reports it).
    fn refresh(&self, session: Session, command: Option<Command>) -> bool {
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
    fn refresh_locked(&self, session: Session, command: Option<Command>, lock: String) -> bool {
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
                let result = worker.run_refresh(&session).await;
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
    fn refresh_leased(&self, session: Session, command: Option<Command>) -> bool {
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

/// Puts the binding proof into a status's session.
fn with_binding(data: &mut Json, proof: Json) {
    if let Json::Object(pairs) = data {
        for (name, value) in pairs.iter_mut() {
            if let (true, Json::Object(session)) = (name == "session", value) {
                session.push(("binding".into(), proof.clone()));
            }
        }
    }
}

/// The render arg `verified` (`{"user": <name or null>}`): the user the host has verified, when
/// the host verifies logins at all.
fn verified_user(args: &Json) -> Option<Option<String>> {
    match args.get_present("verified") {
        Some(verified @ Json::Object(_)) => Some(
            verified
                .get("user")
                .and_then(Json::as_str)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        ),
        _ => None,
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
