//! Browser glue in headless Chromium (wasm-bindgen-test): message handling with a fake parent,
//! the source and origin checks, the host link, theme application, height observation and the
//! mounted view.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;
use streamlit_component::app::ComponentState;
use streamlit_component::browser::host::HostLink;
use streamlit_component::browser::messaging::{listen, read_event, Listener, Peer, Refusal};
use streamlit_component::browser::{page, resize, style};
use streamlit_component::json::Json;
use streamlit_component::origin::OriginPolicy;
use streamlit_component::protocol::{Inbound, Outbound, ProtocolError, Render};
use streamlit_component::theme::Theme;
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

/// Waits up to two seconds for `check` to hold.
async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
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
        render.args.get("greeting").and_then(Json::as_str),
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
    host.set_value(Json::object([("k", Json::from("v"))]))
        .unwrap();
    assert!(
        eventually(|| heard.borrow().len() == 3).await,
        "three messages arrive"
    );
    assert_eq!(
        *heard.borrow(),
        vec![
            Outbound::ComponentReady { api_version: 1 },
            Outbound::SetFrameHeight(25),
            Outbound::SetComponentValue(Json::object([("k", Json::from("v"))])),
        ]
    );
}

#[wasm_bindgen_test]
async fn a_peer_at_another_origin_receives_nothing() {
    let heard = Rc::new(RefCell::new(0));
    let sink = heard.clone();
    let policy = OriginPolicy::own_only(&own());
    let _spy = listen(
        &window(),
        window().into(),
        policy,
        Outbound::parse,
        move |_| *sink.borrow_mut() += 1,
    )
    .unwrap();
    let ready = Outbound::ComponentReady { api_version: 1 }.to_json();
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

fn mount_component() -> (
    HtmlElement,
    ComponentState,
    Rc<RefCell<Vec<Outbound>>>,
    impl Sized,
) {
    use leptos::prelude::*;
    let document = window().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let (heard, spy) = spy_on_outbound();
    let (host, listener) = HostLink::connect(&window(), window(), |_| {}).unwrap();
    let state = ComponentState::new();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        streamlit_component::views::component::Component(state, host).into_view()
    });
    (root, state, heard, (spy, listener, handle))
}

fn render(args: &str, disabled: bool) -> Result<Inbound, Refusal> {
    Ok(Inbound::Render(Render {
        args: Json::parse(args).unwrap(),
        disabled,
        theme: Some(Theme::dark()),
    }))
}

fn button(root: &HtmlElement, class: &str) -> web_sys::HtmlButtonElement {
    root.query_selector(&format!("button.{class}"))
        .unwrap()
        .expect("button exists")
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn the_view_shows_what_the_host_sent_and_sends_the_args_back() {
    let (root, state, heard, _keep) = mount_component();
    assert!(root
        .text_content()
        .unwrap()
        .contains("Waiting for Streamlit"));
    assert!(
        button(&root, "sc-action").disabled(),
        "nothing to send before the first render"
    );

    state.receive(render(r#"{"greeting":"hello"}"#, false));
    sleep(0).await;
    let text = root.text_content().unwrap();
    assert!(text.contains(r#"args {"greeting":"hello"}"#), "{text}");
    assert!(text.contains("dark theme · enabled"), "{text}");

    button(&root, "sc-action").click();
    let expected = Outbound::SetComponentValue(
        Json::parse(r#"{"args":{"greeting":"hello"},"sent":1}"#).unwrap(),
    );
    assert!(
        eventually(|| heard.borrow().contains(&expected)).await,
        "{:?}",
        heard.borrow()
    );
}

#[wasm_bindgen_test]
async fn the_view_honours_disabled_and_shows_errors_and_details() {
    let (root, state, heard, _keep) = mount_component();
    state.receive(render("{}", true));
    sleep(0).await;
    let action = button(&root, "sc-action");
    assert!(action.disabled());
    action.click();
    sleep(100).await;
    assert!(heard
        .borrow()
        .iter()
        .all(|m| !matches!(m, Outbound::SetComponentValue(_))));

    state.receive(Err(Refusal::Protocol(ProtocolError::ArgsNotObject)));
    state.receive(Err(Refusal::ForeignSource));
    sleep(0).await;
    assert!(root
        .text_content()
        .unwrap()
        .contains("invalid message: render args are not an object"));

    let toggle = button(&root, "sc-toggle");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    toggle.click();
    sleep(0).await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let text = root.text_content().unwrap();
    assert!(
        text.contains("1 renders received · 0 values sent · 1 foreign messages ignored"),
        "{text}"
    );
    assert!(text.contains("\"textColor\": \"#fafafa\""), "{text}");
}
