//! Browser glue in headless Chromium (wasm-bindgen-test): message handling with a fake parent,
//! the source and origin checks, the host link, theme application, height observation, storage,
//! crypto and timers, and the mounted login component (storage watcher, event envelope,
//! allow-list).
#![cfg(target_arch = "wasm32")]

use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use streamlit_component::browser::host::HostLink;
use streamlit_component::browser::messaging::{listen, read_event, Listener, Peer, Refusal};
use streamlit_component::browser::storage::{self, Store};
use streamlit_component::browser::{crypto, page, resize, style};
use streamlit_component::login::{Controller, LoginView};
use streamlit_component::origin::OriginPolicy;
use streamlit_component::pkce;
use streamlit_component::protocol::{Inbound, Outbound, ProtocolError, Render};
use streamlit_component::session::{storage_key, KeyKind, Session};
use streamlit_component::theme::Theme;
use streamlit_component::wire::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, MessageEvent, MessageEventInit, Window};

wasm_bindgen_test_configure!(run_in_browser);

const RENDER: &str =
    r#"{"type":"streamlit:render","args":{"greeting":"hi"},"dfs":[],"disabled":false}"#;

fn window() -> Window {
    page::window()
}

fn own() -> String {
    page::own_origin(&window())
}

fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("test JSON is valid")
}

/// A same-origin iframe's window: another window than the test's own, as a foreign source.
fn other_window() -> Window {
    let document = window().document().unwrap();
    let frame = document.create_element("iframe").unwrap();
    document.body().unwrap().append_child(&frame).unwrap();
    frame
        .unchecked_into::<web_sys::HtmlIFrameElement>()
        .content_window()
        .unwrap()
}

fn event(data: &JsValue, origin: &str, source: Option<&Window>) -> MessageEvent {
    let init = MessageEventInit::new();
    init.set_data(data);
    init.set_origin(origin);
    if let Some(source) = source {
        init.set_source(Some(source.as_ref()));
    }
    MessageEvent::new_with_event_init_dict("message", &init).unwrap()
}

fn read(ev: &MessageEvent) -> Result<Inbound, Refusal> {
    read_event(
        ev,
        window().as_ref(),
        &OriginPolicy::own_only(&own()),
        Inbound::parse,
    )
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits up to five seconds for `check` to hold (a few heartbeats of one second).
async fn eventually_long(check: impl FnMut() -> bool) -> bool {
    within(250, check).await
}

/// Waits up to two seconds for `check` to hold.
async fn eventually(check: impl FnMut() -> bool) -> bool {
    within(100, check).await
}

/// Checks every 20 ms, `tries` times at most, until `check` holds.
async fn within(tries: u32, mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..tries {
        if check() {
            return true;
        }
        sleep(20).await;
    }
    check()
}

#[wasm_bindgen_test]
fn a_render_from_the_parent_at_a_trusted_origin_is_read() {
    let Ok(Inbound::Render(render)) = read(&event(&js(RENDER), &own(), Some(&window()))) else {
        panic!("render should be read")
    };
    assert_eq!(
        render.args.get("greeting").and_then(Value::as_str),
        Some("hi")
    );
}

#[wasm_bindgen_test]
fn a_message_from_another_window_is_ignored_as_foreign() {
    let refusal = read(&event(&js(RENDER), &own(), Some(&other_window()))).unwrap_err();
    assert_eq!(refusal, Refusal::ForeignSource);
    assert!(refusal.is_foreign());
}

#[wasm_bindgen_test]
fn a_message_without_a_source_is_ignored_as_foreign() {
    assert_eq!(
        read(&event(&js(RENDER), &own(), None)).unwrap_err(),
        Refusal::ForeignSource
    );
}

#[wasm_bindgen_test]
fn a_message_from_an_untrusted_origin_is_ignored_as_foreign() {
    let refusal = read(&event(&js(RENDER), "http://evil.example", Some(&window()))).unwrap_err();
    assert_eq!(
        refusal,
        Refusal::ForeignOrigin("http://evil.example".into())
    );
}

#[wasm_bindgen_test]
fn malformed_messages_from_the_parent_are_typed_errors() {
    let from_parent = |data: &JsValue| read(&event(data, &own(), Some(&window()))).unwrap_err();
    assert_eq!(
        from_parent(&js("[1,2]")),
        Refusal::Protocol(ProtocolError::NotAnObject)
    );
    assert_eq!(
        from_parent(&js(r#"{"type":"other"}"#)),
        Refusal::Protocol(ProtocolError::UnknownType("other".into()))
    );
    assert_eq!(
        from_parent(&js(r#"{"type":"streamlit:render","args":5}"#)),
        Refusal::Protocol(ProtocolError::ArgsNotObject)
    );
    // An event without data carries null.
    assert_eq!(
        from_parent(&JsValue::UNDEFINED),
        Refusal::Protocol(ProtocolError::NotAnObject)
    );
    assert!(matches!(
        from_parent(&js_sys::Function::new_no_args("").into()),
        Refusal::Unreadable(_)
    ));
    assert!(matches!(
        from_parent(&js_sys::BigInt::from(7u32).into()),
        Refusal::Unreadable(_)
    ));
}

#[wasm_bindgen_test]
fn what_serde_must_refuse_at_the_message_boundary_is_a_typed_error() {
    let from_parent = |data: &JsValue| read(&event(data, &own(), Some(&window()))).unwrap_err();
    let unreadable = |data: &JsValue| matches!(from_parent(data), Refusal::Unreadable(_));
    // Nesting far past serde_json's 128 levels: refused, no stack overflow.
    let deep = format!(
        r#"{{"type":"streamlit:render","args":{{"a":{}1{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(unreadable(&js(&deep)), "deep nesting");
    // A lone surrogate (a JS string can hold one; JSON.stringify escapes it).
    let lone =
        js_sys::JSON::parse(r#"{"type":"streamlit:render","args":{"hostname":"\ud800"}}"#).unwrap();
    assert!(unreadable(&lone), "lone surrogate");
    // Larger than a message may be: refused before parsing.
    let huge = format!(
        r#"{{"type":"streamlit:render","args":{{"pad":"{}"}}}}"#,
        "x".repeat(streamlit_component::browser::messaging::MAX_MESSAGE_LEN)
    );
    assert!(unreadable(&js(&huge)), "oversized");
    // Wrong types are named.
    assert_eq!(
        from_parent(&js(r#"{"type":"streamlit:render","disabled":"yes"}"#)),
        Refusal::Protocol(ProtocolError::DisabledNotBool)
    );
    assert_eq!(
        from_parent(&js(r#"{"type":"streamlit:render","theme":{"base":7}}"#)),
        Refusal::Protocol(ProtocolError::Theme(
            streamlit_component::theme::ThemeError::NotAString("base")
        ))
    );
}

#[wasm_bindgen_test]
fn the_listener_hands_over_each_event_and_stops_when_dropped() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let policy = OriginPolicy::own_only(&own());
    let listener = listen(
        &window(),
        window().into(),
        policy,
        Inbound::parse,
        move |m| sink.borrow_mut().push(m),
    )
    .unwrap();
    window()
        .dispatch_event(&event(&js(RENDER), &own(), Some(&window())))
        .unwrap();
    window()
        .dispatch_event(&event(&js(RENDER), &own(), Some(&other_window())))
        .unwrap();
    assert_eq!(seen.borrow().len(), 2);
    assert!(seen.borrow()[0].is_ok());
    assert_eq!(seen.borrow()[1], Err(Refusal::ForeignSource));
    drop(listener);
    window()
        .dispatch_event(&event(&js(RENDER), &own(), Some(&window())))
        .unwrap();
    assert_eq!(seen.borrow().len(), 2, "a dropped listener hears nothing");
}

/// Records every valid outbound message the test page (the fake parent) receives.
fn spy_on_outbound() -> (Rc<RefCell<Vec<Outbound>>>, Listener) {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let sink = heard.clone();
    let policy = OriginPolicy::own_only(&own());
    let spy = listen(
        &window(),
        window().into(),
        policy,
        Outbound::parse,
        move |m| {
            if let Ok(m) = m {
                sink.borrow_mut().push(m)
            }
        },
    );
    (heard, spy.unwrap())
}

#[wasm_bindgen_test]
async fn the_host_link_sends_ready_height_and_value_as_objects_to_the_parent() {
    let (heard, _spy) = spy_on_outbound();
    // The test page is the fake parent: the link posts to it at its own origin.
    let (host, _listener) = HostLink::connect(&window(), window(), |_| {}).unwrap();
    host.ready().unwrap();
    host.set_height(25).unwrap();
    host.set_value(json!({"k": "v"})).unwrap();
    assert!(
        eventually(|| heard.borrow().len() == 3).await,
        "three messages arrive"
    );
    assert_eq!(
        *heard.borrow(),
        vec![
            Outbound::ComponentReady { api_version: 1 },
            Outbound::SetFrameHeight(25),
            Outbound::SetComponentValue(json!({"k": "v"})),
        ]
    );
}

#[wasm_bindgen_test]
async fn a_peer_at_another_origin_receives_nothing() {
    let heard = Rc::new(RefCell::new(0));
    let sink = heard.clone();
    let policy = OriginPolicy::own_only(&own());
    // Only this test's marker counts: other tests' components post to this window too.
    let _spy = listen(
        &window(),
        window().into(),
        policy,
        Outbound::parse,
        move |m| {
            if m == Ok(Outbound::SetFrameHeight(4242)) {
                *sink.borrow_mut() += 1
            }
        },
    )
    .unwrap();
    let ready = Outbound::SetFrameHeight(4242).to_json();
    Peer::new(window(), "http://localhost:1".into())
        .send(&ready)
        .unwrap();
    Peer::new(window(), own()).send(&ready).unwrap();
    assert!(eventually(|| *heard.borrow() == 1).await);
    sleep(100).await;
    assert_eq!(
        *heard.borrow(),
        1,
        "the browser drops a message whose target origin differs"
    );
}

#[wasm_bindgen_test]
fn the_theme_becomes_css_variables_and_a_colour_scheme() {
    let element: HtmlElement = window()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap()
        .unchecked_into();
    style::apply_theme(&element, &Theme::dark());
    let css = element.style();
    assert_eq!(
        css.get_property_value("--st-text-color").unwrap(),
        "#fafafa"
    );
    assert_eq!(css.get_property_value("color-scheme").unwrap(), "dark");
    style::apply_theme(&element, &Theme::from_pairs([("primaryColor", "#123456")]));
    assert_eq!(
        css.get_property_value("--st-text-color").unwrap(),
        "",
        "unset fields are removed"
    );
    assert_eq!(
        css.get_property_value("--st-primary-color").unwrap(),
        "#123456"
    );
    assert_eq!(css.get_property_value("color-scheme").unwrap(), "light");
}

#[wasm_bindgen_test]
async fn the_height_observer_reports_each_new_height_once() {
    let document = window().document().unwrap();
    let element: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    element.style().set_property("height", "25px").unwrap();
    document.body().unwrap().append_child(&element).unwrap();
    let heights = Rc::new(RefCell::new(Vec::new()));
    let sink = heights.clone();
    let _observer = resize::observe_height(&element, move |h| sink.borrow_mut().push(h)).unwrap();
    assert!(eventually(|| *heights.borrow() == [25]).await);
    element.style().set_property("height", "60.2px").unwrap();
    assert!(
        eventually(|| *heights.borrow() == [25, 61]).await,
        "{:?}",
        heights.borrow()
    );
    element.style().set_property("width", "10px").unwrap();
    sleep(100).await;
    assert_eq!(
        *heights.borrow(),
        [25, 61],
        "a width change alone is not reported"
    );
}

/// A session as the popup stores it, for `client_id`, expiring `ttl_s` from now.
fn stored_session(ttl_s: u64) -> Session {
    let expiry = page::now_s() + ttl_s;
    let text = format!(
        r#"{{"user":"Alice Example","email":"alice@example.com","token":{{"value":"a.b.c","value_id_token":"i.d.t","expiry":{expiry}}},"scopes":["openid"],"binding":{{"key_id":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE","salt":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"}}}}"#
    );
    Session::from_stored(&text).expect("a valid stored session")
}

fn session_key(client_id: &str) -> String {
    storage_key(KeyKind::Session, ISSUER, client_id)
}

const ISSUER: &str = "http://localhost:1";

fn local() -> Store {
    Store::open(&window()).expect("localStorage is available")
}

struct Mounted {
    root: HtmlElement,
    controller: Controller,
    heard: Rc<RefCell<Vec<Outbound>>>,
    _keep: Box<dyn std::any::Any>,
}

impl Mounted {
    fn render(&self, args: &str, disabled: bool) {
        self.controller.render(&Render {
            args: serde_json::from_str(args).unwrap(),
            disabled,
            theme: Some(Theme::dark()),
        });
    }

    fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    fn button(&self) -> web_sys::HtmlButtonElement {
        self.root
            .query_selector("button.sc-action")
            .unwrap()
            .expect("the action button exists")
            .unchecked_into()
    }

    /// The events sent so far: (name, data).
    fn events(&self) -> Vec<(String, Value)> {
        self.heard
            .borrow()
            .iter()
            .filter_map(|m| match m {
                Outbound::SetComponentValue(value) => Some((
                    value.get("name")?.as_str()?.to_owned(),
                    value.get("data")?.clone(),
                )),
                _ => None,
            })
            .collect()
    }

    fn has_event(&self, name: &str, field: &str, value: &str) -> bool {
        self.events()
            .iter()
            .any(|(n, d)| n == name && d.get(field).and_then(Value::as_str) == Some(value))
    }
}

/// The login component mounted on the test page, which plays the parent.
fn mount_login() -> Mounted {
    use leptos::prelude::*;
    let document = window().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let (heard, spy) = spy_on_outbound();
    let (host, listener) = HostLink::connect(&window(), window(), |_| {}).unwrap();
    let view = LoginView::new();
    let controller = Controller::new(&window(), host, view);
    let clicks = controller.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        streamlit_component::views::login::LoginLine(view, clicks).into_view()
    });
    Mounted {
        root,
        controller,
        heard,
        _keep: Box::new((spy, listener, handle)),
    }
}

fn config(client_id: &str, extra: &str) -> String {
    format!(
        r#"{{"issuer":"{ISSUER}","client_id":"{client_id}","hostname":"test host","heartbeat_s":1{extra}}}"#
    )
}

#[wasm_bindgen_test]
async fn the_watcher_follows_the_stored_session_and_tells_python() {
    let store = local();
    store.remove(&session_key("watcher"));
    let c = mount_login();
    assert!(c.text().contains("Waiting for Streamlit"));
    assert!(c.button().disabled(), "no login before the config arrives");
    c.render(&config("watcher", ""), false);
    assert!(
        eventually(|| c.text().contains("test host (logged out)")).await,
        "{}",
        c.text()
    );
    assert!(eventually(|| c.has_event("onStatusUpdate", "reason", "start")).await);
    assert_eq!(
        c.button().text_content().as_deref(),
        Some("Click to login...")
    );

    // Written as the popup would; the heartbeat (1 s) sees it.
    store
        .set(&session_key("watcher"), &stored_session(300))
        .unwrap();
    let logged_in = || {
        c.text()
            .contains("Alice Example (current login valid till ")
    };
    assert!(eventually_long(logged_in).await, "{}", c.text());
    assert!(c.has_event("onStatusUpdate", "status", "Logged in"));
    assert_eq!(
        c.button().text_content().as_deref(),
        Some("Click to logout...")
    );
    let sent = c.heard.borrow().len();
    sleep(1500).await;
    assert_eq!(
        c.heard.borrow().len(),
        sent,
        "an unchanged session is not sent again"
    );

    c.button().click();
    assert!(eventually(|| c.has_event("onStatusUpdate", "reason", "logout")).await);
    assert!(c.has_event("onActionRequest", "action", "logout"));
    assert_eq!(store.get(&session_key("watcher")), None);
    assert!(c.text().contains("test host (logged out)"));
}

#[wasm_bindgen_test]
async fn each_envelope_grows_seq_and_carries_the_unacknowledged_ones() {
    let c = mount_login();
    c.render(&config("envelope", ""), false);
    // Written raw, as another script on the origin could.
    window()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item(&session_key("envelope"), "{corrupt")
        .unwrap();
    assert!(eventually_long(|| c.has_event("onError", "code", "corrupt_session")).await);
    let values: Vec<Value> = c
        .heard
        .borrow()
        .iter()
        .filter_map(|m| match m {
            Outbound::SetComponentValue(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    let seqs: Vec<u64> = values
        .iter()
        .map(|v| v.get("seq").and_then(Value::as_u64).unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let last = values.last().unwrap();
    assert_eq!(last.get("source").and_then(Value::as_str), Some("login"));
    let Some(Value::Array(backlog)) = last.get("backlog") else {
        panic!("no backlog")
    };
    assert_eq!(backlog.len(), values.len() - 1, "nothing acknowledged yet");
    assert_eq!(
        local().get(&session_key("envelope")),
        None,
        "corrupt storage is removed"
    );
    assert!(
        c.text().contains("stored session is not JSON"),
        "{}",
        c.text()
    );

    let acknowledged = format!(r#","ack":{},"key":"mine""#, seqs.last().unwrap());
    c.render(&config("envelope", &acknowledged), false);
    c.button().click();
    assert!(eventually(|| c.heard.borrow().len() > values.len()).await);
    let heard = c.heard.borrow();
    // The first value after the acknowledgement (the login's `onActionRequest`; the login's
    // own failure may follow it, with that event in its backlog).
    let Some(Outbound::SetComponentValue(next)) = heard
        .iter()
        .filter(|m| matches!(m, Outbound::SetComponentValue(_)))
        .nth(values.len())
    else {
        panic!("no value")
    };
    assert_eq!(
        next.get("backlog"),
        Some(&Value::Array(vec![])),
        "acknowledged events are dropped"
    );
    assert_eq!(
        next.get("source").and_then(Value::as_str),
        Some("mine"),
        "the key names the source"
    );
}

#[wasm_bindgen_test]
async fn names_outside_the_allowed_list_become_on_error() {
    let store = local();
    store
        .set(&session_key("allow"), &stored_session(300))
        .unwrap();
    let c = mount_login();
    c.render(&config("allow", r#","events":["onStatusUpdate"]"#), false);
    assert!(eventually(|| c.text().contains("Click to logout...")).await);
    c.button().click();
    assert!(eventually(|| c.has_event("onError", "code", "event_not_allowed")).await);
    let events = c.events();
    let refused = events.iter().find(|(n, _)| n == "onError").unwrap();
    assert_eq!(
        refused.1.get("event").and_then(Value::as_str),
        Some("onActionRequest")
    );
    assert!(!events.iter().any(|(n, _)| n == "onActionRequest"));
    assert!(c.has_event("onStatusUpdate", "reason", "logout"));
}

#[wasm_bindgen_test]
async fn a_bad_config_is_reported_and_disabled_is_honoured() {
    let c = mount_login();
    c.render(r#"{"client_id":"x"}"#, false);
    assert!(eventually(|| c.has_event("onError", "code", "invalid_config")).await);
    assert!(
        c.text()
            .contains("Login unavailable: login config has no issuer"),
        "{}",
        c.text()
    );
    assert!(c.button().disabled());
    c.render(&config("disabled", ""), true);
    assert!(eventually(|| c.text().contains("test host (logged out)")).await);
    assert!(c.button().disabled(), "Streamlit's disabled");
    c.render(&config("disabled", ""), false);
    assert!(eventually(|| !c.button().disabled()).await);
}

#[wasm_bindgen_test]
async fn a_command_from_python_runs_once_and_reports_its_result() {
    let store = local();
    store
        .set(&session_key("command"), &stored_session(300))
        .unwrap();
    let c = mount_login();
    let with_command = config("command", r#","command":{"id":1,"name":"logout"}"#);
    c.render(&with_command, false);
    let result = |c: &Mounted| {
        c.events()
            .iter()
            .filter(|(_, d)| d.get("command").is_some())
            .count()
    };
    assert!(eventually(|| result(&c) == 1).await);
    assert_eq!(store.get(&session_key("command")), None);
    c.render(&with_command, false);
    sleep(200).await;
    assert_eq!(result(&c), 1, "a repeated id does not run again");
    let refresh = config("command", r#","command":{"id":2,"name":"refresh"}"#);
    c.render(&refresh, false);
    assert!(eventually(|| result(&c) == 2).await);
    let events = c.events();
    let command = events
        .iter()
        .rev()
        .find_map(|(_, d)| d.get("command"))
        .unwrap();
    assert_eq!(
        command.to_string(),
        r#"{"id":2,"name":"refresh","ok":false,"message":"not logged in"}"#
    );
}

#[wasm_bindgen_test]
async fn storage_changes_from_another_document_are_heard_and_ours_are_listed() {
    let calls = Rc::new(RefCell::new(0));
    let sink = calls.clone();
    let _listener = storage::on_our_changes(&window(), move || *sink.borrow_mut() += 1).unwrap();
    let other = other_window().local_storage().unwrap().unwrap();
    other.set_item("someone-else", "x").unwrap();
    other.set_item(&session_key("listener"), "y").unwrap();
    assert!(
        eventually(|| *calls.borrow() == 1).await,
        "only our keys count"
    );
    let store = local();
    assert!(store
        .ours()
        .contains(&(session_key("listener"), "y".to_owned())));
    store.remove_ours();
    assert!(store.ours().is_empty());
    assert_eq!(
        store.get("someone-else").as_deref(),
        Some("x"),
        "other apps' keys stay"
    );
    store.remove("someone-else");
}

#[wasm_bindgen_test]
async fn sha256_gives_the_rfc_7636_challenge_and_secrets_are_fresh() {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let digest = crypto::sha256(&window(), verifier.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        pkce::code_challenge_s256(&digest),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let a = crypto::random_secret(&window()).unwrap();
    let b = crypto::random_secret(&window()).unwrap();
    assert_ne!(a, b);
    assert_eq!(pkce::check_verifier(a.expose()), Ok(()));
}

#[wasm_bindgen_test]
async fn an_interval_ticks_until_dropped() {
    let ticks = Rc::new(RefCell::new(0));
    let sink = ticks.clone();
    let interval = Interval::new(10, move || *sink.borrow_mut() += 1);
    assert!(eventually(|| *ticks.borrow() >= 3).await);
    drop(interval);
    let stopped = *ticks.borrow();
    sleep(100).await;
    assert_eq!(*ticks.borrow(), stopped);
}

/// Verifies `signature` over `message` with the public JWK of a proof, through `crypto.subtle`.
async fn verifies(jwk: &Value, message: &str, signature: &[u8]) -> bool {
    let subtle = window().crypto().unwrap().subtle();
    let algorithm = js(r#"{"name":"ECDSA","namedCurve":"P-256","hash":"SHA-256"}"#);
    let usages = js_sys::Array::of1(&"verify".into());
    let key = subtle
        .import_key_with_object(
            "jwk",
            js(&jwk.to_string()).unchecked_ref(),
            algorithm.unchecked_ref(),
            true,
            &usages,
        )
        .unwrap();
    let key: web_sys::CryptoKey = wasm_bindgen_futures::JsFuture::from(key)
        .await
        .unwrap()
        .into();
    let promise = subtle
        .verify_with_object_and_u8_array_and_u8_array(
            algorithm.unchecked_ref(),
            &key,
            signature,
            message.as_bytes(),
        )
        .unwrap();
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap() == JsValue::TRUE
}

#[wasm_bindgen_test]
async fn a_login_key_stays_in_indexeddb_unexportable_and_its_proofs_verify() {
    use streamlit_component::binding::{nonce_from_digest, signed_message};
    use streamlit_component::browser::keys::{self, ProofError};
    use streamlit_component::encoding::{base64url_decode, base64url_encode};
    let w = window();
    let key = keys::new_key(&w).await.unwrap();
    assert!(key.saved, "kept in IndexedDB");
    assert!(key.pair.is_bound(), "the private key cannot be exported");
    // The key id is the RFC 7638 thumbprint; the nonce commits to it and the salt.
    let public = key.pair.public_key(&w).await.unwrap();
    let thumbprint = crypto::sha256(&w, public.thumbprint_input().as_bytes())
        .await
        .unwrap();
    assert_eq!(key.binding.key_id, base64url_encode(&thumbprint));
    let digest = crypto::sha256(&w, &key.binding.commitment_input())
        .await
        .unwrap();
    assert_eq!(key.nonce, nonce_from_digest(&digest));

    // Read back from IndexedDB (as a reload or another tab would): it signs, and the signature
    // verifies with the public JWK of the proof, over that message only.
    let loaded = keys::load(&w, &key.binding.key_id)
        .await
        .unwrap()
        .expect("stored");
    assert!(loaded.is_bound());
    let challenge = "c".repeat(43);
    let message = signed_message(&challenge, "https://idp.example", "app");
    let signer = ("https://idp.example", "app");
    let (_, proof) = keys::prove(&w, None, &key.binding, &challenge, signer)
        .await
        .unwrap();
    assert_eq!(
        proof.get("challenge").and_then(Value::as_str),
        Some(challenge.as_str())
    );
    let jwk = proof.get("jwk").unwrap().clone();
    let signature =
        base64url_decode(proof.get("signature").and_then(Value::as_str).unwrap()).unwrap();
    assert_eq!(signature.len(), 64, "IEEE P1363 r || s");
    assert!(jwk.get("d").is_none(), "no private part in the proof");
    assert!(verifies(&jwk, &message, &signature).await);
    let other = signed_message(&"d".repeat(43), "https://idp.example", "app");
    assert!(!verifies(&jwk, &other, &signature).await);

    // A new login's key replaces the old one; logout clears them all.
    let second = keys::new_key(&w).await.unwrap();
    assert!(keys::load(&w, &key.binding.key_id).await.unwrap().is_none());
    keys::clear(&w).await.unwrap();
    assert!(keys::load(&w, &second.binding.key_id)
        .await
        .unwrap()
        .is_none());
    let missing = keys::prove(&w, None, &second.binding, &challenge, signer).await;
    assert_eq!(missing.err(), Some(ProofError::KeyMissing));
}
