//! Start-up: decides what this page is, wires the host link and mounts the views.
//!
//! Inside a frame the page is the component. Opened directly it is the dev host page in
//! development builds, and a short notice in release builds.

use crate::browser::host::HostLink;
use crate::browser::messaging::Refusal;
use crate::browser::{page, resize, style};
use crate::protocol::{Inbound, Render};
use crate::views;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, Window};

/// What the component knows of its host, for the views.
#[derive(Clone, Copy)]
pub struct ComponentState {
    /// The last valid render message, once one has arrived.
    pub render: RwSignal<Option<Render>>,
    /// How many valid render messages arrived.
    pub renders: RwSignal<u32>,
    /// Messages ignored because they came from another window or an untrusted origin.
    pub ignored: RwSignal<u32>,
    /// Why the last message from the host was refused, until a valid one arrives.
    pub error: RwSignal<Option<String>>,
}

impl Default for ComponentState {
    fn default() -> ComponentState {
        ComponentState::new()
    }
}

impl ComponentState {
    /// Empty state: nothing received yet.
    pub fn new() -> ComponentState {
        ComponentState {
            render: RwSignal::new(None),
            renders: RwSignal::new(0),
            ignored: RwSignal::new(0),
            error: RwSignal::new(None),
        }
    }

    /// Takes one message event's outcome: a render, a foreign message (counted) or an error.
    pub fn receive(self, message: Result<Inbound, Refusal>) {
        match message {
            Ok(Inbound::Render(render)) => {
                self.render.set(Some(render));
                self.renders.update(|n| *n += 1);
                self.error.set(None);
            }
            Err(refusal) if refusal.is_foreign() => self.ignored.update(|n| *n += 1),
            Err(refusal) => self.error.set(Some(refusal.to_string())),
        }
    }
}

/// The wasm entry point.
pub fn start() {
    let window = page::window();
    match page::parent_window(&window) {
        Some(parent) => start_component(&window, parent),
        None => start_standalone(),
    }
}

fn start_component(window: &Window, parent: Window) {
    let state = ComponentState::new();
    let document = window.document();
    let root = document.as_ref().and_then(|d| d.document_element());
    let on_message = move |message: Result<Inbound, Refusal>| {
        if let (
            Ok(Inbound::Render(Render {
                theme: Some(theme), ..
            })),
            Some(root),
        ) = (&message, &root)
        {
            if let Some(root) = root.dyn_ref::<HtmlElement>() {
                style::apply_theme(root, theme);
            }
        }
        state.receive(message);
    };
    let (host, listener) = match HostLink::connect(window, parent, on_message) {
        Ok(connected) => connected,
        Err(_) => {
            return state
                .error
                .set(Some("cannot listen for host messages".into()))
        }
    };
    listener.forget();
    // Ready first of all, before any view is built: the host's first render can then travel
    // while the views mount.
    if host.ready().is_err() {
        state.error.set(Some("cannot reach the host page".into()));
    }
    let Some(document) = document else { return };
    let view_host = host.clone();
    leptos::mount::mount_to_body(move || views::component::Component(state, view_host));
    if let Some(body) = document.body() {
        let observed = resize::observe_height(&body, move |height| {
            // Height 0 means the iframe is not rendered yet (Streamlit hides it until ready):
            // passing it on would only make the frame collapse and grow again.
            if height > 0 && host.set_height(height).is_err() {
                state.error.set(Some("cannot reach the host page".into()));
            }
        });
        match observed {
            Ok(observer) => observer.forget(),
            Err(_) => state
                .error
                .set(Some("cannot observe the content height".into())),
        }
    }
}

#[cfg(debug_assertions)]
fn start_standalone() {
    leptos::mount::mount_to_body(views::devhost::DevHost);
}

#[cfg(not(debug_assertions))]
fn start_standalone() {
    leptos::mount::mount_to_body(views::component::StandaloneNotice);
}
