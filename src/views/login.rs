//! The component as it shows inside Streamlit: one 25 px line,
//! `Click to login... | <hostname> (logged out)` or
//! `Click to logout... | <user> (current login valid till <date>)`, and the last error.

use crate::login::{Controller, Line, LoginView};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// `expiry` (Unix seconds) in the reader's local date and time format.
fn local_time(expiry: u64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(expiry as f64 * 1000.0));
    date.to_locale_string("default", &JsValue::UNDEFINED).into()
}

fn describe(line: &Line) -> String {
    match line {
        Line::Waiting => "Waiting for Streamlit…".into(),
        Line::Unavailable(why) => format!("Login unavailable: {why}"),
        Line::LoggedOut(host) if host.is_empty() => "(logged out)".into(),
        Line::LoggedOut(host) => format!("{host} (logged out)"),
        Line::LoggingIn { same_tab: true, .. } => "(going to the sign-in page)".into(),
        Line::LoggingIn { waiting: false, .. } => "(signing in, in the popup)".into(),
        Line::LoggingIn { waiting: true, .. } => {
            "(waiting for the login window: it was closed, or the sign-in page cut it off)".into()
        }
        Line::LoggedIn {
            unverified: true, ..
        } => "(logged in; the app has not verified the login yet)".into(),
        Line::LoggedIn { user, expiry, .. } => {
            format!("{user} (current login valid till {})", local_time(*expiry))
        }
    }
}

/// The login line: the action button, the state, and the last error.
#[allow(non_snake_case)]
pub fn LoginLine(view: LoginView, controller: Controller) -> impl IntoView {
    let label = move || {
        view.line.with(|line| match line {
            Line::LoggedIn { .. } => "Click to logout...",
            Line::LoggingIn { .. } => "Cancel login",
            _ => "Click to login...",
        })
    };
    let unusable = move || {
        view.disabled.get()
            || view
                .line
                .with(|line| matches!(line, Line::Waiting | Line::Unavailable(_)))
    };
    view! {
        <main>
            <div class="sc-line">
                <button type="button" class="sc-action" on:click=move |ev| click_once(&ev, &controller) disabled=unusable>
                    {label}
                </button>
                <span class="sc-text">{move || view.line.with(describe)}</span>
                <span class="sc-error" role="alert">{move || view.message.get()}</span>
                {move || view.own_tab.get().map(|href| view! {
                    <a class="sc-own-tab" href=href target="_blank" rel="noopener">
                        "Open the app in its own tab"
                    </a>
                })}
            </div>
            // The failure explained, below the line; the frame grows when it opens.
            {move || view.why.get().map(|why| view! {
                <details class="sc-why">
                    <summary>"Why, and how to fix it"</summary>
                    <p>{why.what}</p>
                    <p>{why.fix}</p>
                </details>
            })}
        </main>
    }
}

/// A click on the line's button; the second click of a double click is not another click (it
/// would cancel the login that the first one opened, or log in again right after a logout).
/// Keyboard activation counts 0 clicks and always goes through.
fn click_once(event: &leptos::ev::MouseEvent, controller: &Controller) {
    if event.detail() <= 1 {
        controller.click();
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
