//! The dev host page (development builds only): opened directly in a browser, the app embeds
//! itself in an iframe and plays Streamlit's part of the v1 protocol, with editable render args,
//! a theme and a disabled switch, and a timestamped log of every message.

use crate::browser::messaging::{listen, Peer, Refusal};
use crate::browser::{page, style};
use crate::origin::OriginPolicy;
use crate::protocol::{Inbound, Outbound, Render};
use crate::theme::Theme;
use crate::wire::{self, Value};
use leptos::html::Iframe;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Streamlit's iframe sandbox for v1 components, so the component runs here as it would there.
const SANDBOX: &str = "allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox \
                       allow-same-origin allow-scripts allow-downloads";

const STYLE: &str = "
body{margin:0;padding:1rem;font-family:var(--st-font,sans-serif);background:var(--st-background-color,#fff);color:var(--st-text-color,#31333f)}
.dh{display:grid;gap:1rem;max-width:60rem}
.dh h1{font-size:1.2rem;margin:0}.dh h2{font-size:1rem;margin:0 0 .3rem}
.dh textarea{width:100%;min-height:6rem;font-family:monospace;box-sizing:border-box}
.dh-row{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.dh iframe{width:100%;box-sizing:border-box;border:1px dashed var(--st-primary-color,#ff4b4b);display:block}
.dh-error{color:#d33}
.dh-log{font-family:monospace;font-size:.8rem;max-height:20rem;overflow:auto;padding-left:0;list-style:none}
.dh-log time{opacity:.7;margin-right:.5rem}
.dh-log code{overflow-wrap:anywhere}
";

/// One line of the message log.
#[derive(Clone, Debug, PartialEq)]
struct LogEntry {
    time: String,
    text: String,
}

/// The current time as `HH:MM:SS.mmm` (UTC).
fn now() -> String {
    let iso = String::from(js_sys::Date::new_0().to_iso_string());
    iso.get(11..23).unwrap_or(&iso).to_owned()
}

/// A labelled checkbox bound to `value`; `then` runs after each change.
fn switch(label: &'static str, value: RwSignal<bool>, then: impl Fn() + 'static) -> impl IntoView {
    view! {
        <label>
            <input
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| {
                    value.set(event_target_checked(&ev));
                    then();
                }
            />
            {label}
        </label>
    }
}

/// The args the page starts with: the local provider of `examples/idp` (`make idp-serve`).
const DEFAULT_ARGS: &str = r#"{
  "issuer": "http://localhost:9400",
  "client_id": "streamlit-demo",
  "scope": "openid profile email read:chart",
  "audience": "http://localhost:5000/api",
  "hostname": "dev host"
}"#;

/// The dev host page.
#[allow(non_snake_case)]
pub fn DevHost() -> impl IntoView {
    let args_text = RwSignal::new(DEFAULT_ARGS.to_owned());
    let dark = RwSignal::new(false);
    let disabled = RwSignal::new(false);
    let height = RwSignal::new(0u32);
    let value = RwSignal::new(None::<String>);
    let args_error = RwSignal::new(None::<String>);
    let log = RwSignal::new(Vec::<LogEntry>::new());
    let component = StoredValue::new_local(None::<Peer>);
    let frame = NodeRef::<Iframe>::new();

    let record = move |text: String| log.update(|l| l.push(LogEntry { time: now(), text }));
    let theme = move || {
        if dark.get_untracked() {
            Theme::dark()
        } else {
            Theme::light()
        }
    };
    let send_render = move || {
        let args = match wire::value_from_text(&args_text.get_untracked(), usize::MAX) {
            Ok(args @ Value::Object(_)) => args,
            Ok(_) => return args_error.set(Some("args must be a JSON object".into())),
            Err(wire::WireError::Syntax(reason)) => {
                return args_error.set(Some(format!("args are not valid JSON: {reason}")))
            }
            Err(e) => return args_error.set(Some(format!("args are not usable: {e}"))),
        };
        args_error.set(None);
        let render = Render {
            args,
            disabled: disabled.get_untracked(),
            theme: Some(theme()),
        };
        let message = Inbound::Render(render).to_json();
        let sent = component.with_value(|peer| peer.as_ref().map(|p| p.send(&message)));
        match sent {
            Some(Ok(())) => record(format!("→ {message}")),
            Some(Err(_)) => record("→ render could not be posted".into()),
            None => record("→ no component frame yet".into()),
        }
    };
    let restyle = move || {
        let root = page::window().document().and_then(|d| d.document_element());
        if let Some(root) = root.and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok()) {
            style::apply_theme(&root, &theme());
        }
    };

    frame.on_load(move |iframe| {
        let window = page::window();
        let Some(child) = iframe.content_window() else {
            return record("✗ the iframe has no window".into());
        };
        let own = page::own_origin(&window);
        component.set_value(Some(Peer::new(child.clone(), own.clone())));
        let on_message = move |message: Result<Outbound, Refusal>| match message {
            Ok(message) => {
                record(format!("← {}", message.to_json()));
                match message {
                    Outbound::ComponentReady { .. } => send_render(),
                    Outbound::SetFrameHeight(h) => height.set(h),
                    // Streamlit reruns the script on a new value and renders again.
                    Outbound::SetComponentValue(v) => {
                        value.set(Some(v.to_string()));
                        send_render();
                    }
                }
            }
            Err(refusal) if refusal.is_foreign() => {}
            Err(refusal) => record(format!("✗ {refusal}")),
        };
        match listen(
            &window,
            child.into(),
            OriginPolicy::own_only(&own),
            Outbound::parse,
            on_message,
        ) {
            Ok(listener) => listener.forget(),
            Err(_) => record("✗ cannot listen for messages".into()),
        }
    });
    restyle();

    let src = page::window()
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".into());
    view! {
        <style>{STYLE}</style>
        <div class="dh">
            <header>
                <h1>"streamlit_component · dev host"</h1>
                <p>"This page plays Streamlit's part: it sends render messages to the component below and logs every message."</p>
            </header>
            <section>
                <h2>"Render"</h2>
                <label for="dh-args">"Args (a JSON object)"</label>
                <textarea
                    id="dh-args"
                    prop:value=move || args_text.get()
                    on:input=move |ev| args_text.set(event_target_value(&ev))
                ></textarea>
                <div class="dh-row">
                    <button type="button" on:click=move |_| send_render()>"Send render"</button>
                    {switch(" Dark theme", dark, move || {
                        restyle();
                        send_render();
                    })}
                    {switch(" Disabled", disabled, send_render)}
                </div>
                <p class="dh-error" role="alert">{move || args_error.get()}</p>
            </section>
            <section>
                <h2>"Component"</h2>
                <iframe
                    node_ref=frame
                    src=src
                    title="streamlit_component.login"
                    sandbox=SANDBOX
                    style:height=move || format!("{}px", height.get())
                ></iframe>
                <p>"Frame height: " <output id="dh-height">{move || height.get()}</output> " px"</p>
                <p>"Component value: " <code id="dh-value">{move || value.get().unwrap_or_else(|| "none yet".into())}</code></p>
            </section>
            <section>
                <h2>"Messages"</h2>
                <ol class="dh-log" id="dh-log">
                    {move || log.get().into_iter().map(|e| view! { <li><time>{e.time}</time><code>{e.text}</code></li> }).collect_view()}
                </ol>
            </section>
        </div>
    }
}
