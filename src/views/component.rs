//! The component as it shows inside Streamlit: one 25 px line with what the host sent, and a
//! panel with the details on demand.

use crate::app::ComponentState;
use crate::browser::host::HostLink;
use crate::json::Json;
use leptos::prelude::*;

/// The one-line protocol view: a button that sends the render args back to Python, the args,
/// the theme and the disabled state; a toggle opens the details below.
#[allow(non_snake_case)]
pub fn Component(state: ComponentState, host: HostLink) -> impl IntoView {
    let sent = RwSignal::new(0u32);
    let open = RwSignal::new(false);
    let disabled = move || state.render.with(|r| r.as_ref().is_none_or(|r| r.disabled));
    let send = move |_| {
        let Some(args) = state
            .render
            .with_untracked(|r| r.as_ref().map(|r| r.args.clone()))
        else {
            return;
        };
        let count = sent.get_untracked() + 1;
        sent.set(count);
        let value = Json::object([("args", args), ("sent", Json::from(count))]);
        if host.set_value(value).is_err() {
            state.error.set(Some("cannot reach the host page".into()));
        }
    };
    let args = move || {
        state.render.with(|r| match r {
            Some(r) => format!("args {}", r.args),
            None => "Waiting for Streamlit…".to_owned(),
        })
    };
    let meta = move || {
        if let Some(error) = state.error.get() {
            return error;
        }
        state.render.with(|r| match r {
            None => String::new(),
            Some(r) => {
                let theme = r.theme.as_ref().and_then(|t| t.get("base")).unwrap_or("no");
                let enabled = if r.disabled { "disabled" } else { "enabled" };
                format!("{theme} theme · {enabled}")
            }
        })
    };
    view! {
        <main class="sc-line" class:sc-disabled=disabled>
            <button type="button" class="sc-action" on:click=send disabled=disabled>
                "Send to Python"
            </button>
            <span class="sc-args">{args}</span>
            <span class="sc-meta" class:sc-error=move || state.error.with(Option::is_some)>{meta}</span>
            <button
                type="button"
                class="sc-toggle"
                aria-expanded=move || open.get().to_string()
                aria-controls="sc-details"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide details" } else { "Details" }}
            </button>
        </main>
        <Show when=move || open.get()>
            <Details state=state sent=sent />
        </Show>
    }
}

/// Everything the host sent, in full, and the message counters.
#[component]
fn Details(state: ComponentState, sent: RwSignal<u32>) -> impl IntoView {
    let args = move || {
        state
            .render
            .with(|r| r.as_ref().map(|r| r.args.to_pretty_string(2)))
    };
    let theme = move || {
        state.render.with(|r| {
            let theme = r.as_ref().and_then(|r| r.theme.as_ref());
            theme
                .map(|t| t.to_json().to_pretty_string(2))
                .unwrap_or_else(|| "none".into())
        })
    };
    view! {
        <section id="sc-details" class="sc-details">
            <h2>"Render args"</h2>
            <pre>{args}</pre>
            <h2>"Theme"</h2>
            <pre>{theme}</pre>
            <p>
                {move || format!(
                    "{} renders received · {} values sent · {} foreign messages ignored",
                    state.renders.get(), sent.get(), state.ignored.get(),
                )}
            </p>
        </section>
    }
}

/// Shown when a release build is opened directly instead of inside Streamlit.
#[allow(non_snake_case)]
pub fn StandaloneNotice() -> impl IntoView {
    view! {
        <main class="sc-line">
            "This is the streamlit_component frontend: it runs inside a Streamlit app. "
            "For the dev host page, run `trunk serve` (see README.md)."
        </main>
    }
}
