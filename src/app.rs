//! Start-up: decides what this page is, wires the host link and mounts the views.
//!
//! Inside a frame the page is the component. At the top level it is the login popup when its
//! address says so (`?sc_popup=wait`, or the provider's callback); otherwise, opened directly, the
//! dev host page in development builds and a short notice in release builds.

use crate::browser::host::HostLink;
use crate::browser::listener::Listener;
use crate::browser::messaging::Refusal;
use crate::browser::{page, resize, style};
use crate::login::{Controller, LoginView};
use crate::popup::{page_mode, PageMode};
use crate::protocol::Inbound;
use crate::{popup_page, views};
use std::cell::OnceCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, Window};

/// The wasm entry point.
pub fn start() {
    let window = page::window();
    if let Some(parent) = page::parent_window(&window) {
        return start_component(&window, parent);
    }
    let query = window.location().search().unwrap_or_default();
    match page_mode(&query) {
        PageMode::Standalone => start_standalone(),
        mode => popup_page::start(window, mode),
    }
}

fn start_component(window: &Window, parent: Window) {
    let view = LoginView::new();
    let controller: Rc<OnceCell<Controller>> = Rc::default();
    let root = window.document().and_then(|d| d.document_element());
    let receiver = controller.clone();
    let frame = window.clone();
    let mut adopted_font: Option<String> = None;
    let on_message = move |message: Result<Inbound, Refusal>| match message {
        Ok(Inbound::Render(render)) => {
            if let (Some(theme), Some(root)) = (&render.theme, &root) {
                if let Some(root) = root.dyn_ref::<HtmlElement>() {
                    style::apply_theme(root, theme);
                }
            }
            if let Some(controller) = receiver.get() {
                controller.render(&render);
            }
            // After the render: the app's font is a nicety, the login comes first.
            if let Some(theme) = &render.theme {
                let family = theme.font_family();
                if family.is_some() && family != adopted_font {
                    if let Some(name) = &family {
                        style::adopt_parent_font(&frame, name);
                    }
                    adopted_font = family;
                }
            }
        }
        // Messages from other windows or origins are not for us.
        Err(refusal) if refusal.is_foreign() => {}
        Err(refusal) => view.say(Some(refusal.to_string())),
    };
    let Ok((host, listener)) = HostLink::connect(window, parent, on_message) else {
        view.say(Some("cannot listen for host messages".into()));
        return;
    };
    listener.forget();
    let controller = controller.get_or_init(|| Controller::new(window, host.clone(), view));
    // Ready first of all, before any view is built: the host's first render can then travel
    // while the views mount.
    if host.ready().is_err() {
        view.say(Some("cannot reach the host page".into()));
    }
    let clicks = controller.clone();
    leptos::mount::mount_to_body(move || views::login::LoginLine(view, clicks));
    // The pointer in the frame (it is the one line) or the focus on its button: a click may
    // come, and the login's code is fetched ahead of it. Plain listeners: a Leptos `on:` on
    // the button costs 3 KB gzip of view code at start.
    for event in ["mouseover", "focusin"] {
        let intent = controller.clone();
        if let Ok(listener) =
            Listener::<web_sys::Event>::add(window, event, move |_| intent.intent())
        {
            listener.forget();
        }
    }
    let Some(body) = window.document().and_then(|d| d.body()) else {
        return;
    };
    let observed = resize::observe_height(&body, move |height| {
        // Height 0 means the iframe is not rendered yet (Streamlit hides it until ready):
        // passing it on would only make the frame collapse and grow again.
        if height > 0 && host.set_height(height).is_err() {
            view.say(Some("cannot reach the host page".into()));
        }
    });
    match observed {
        Ok(observer) => observer.forget(),
        Err(_) => view.say(Some("cannot observe the content height".into())),
    }
}

#[cfg(debug_assertions)]
fn start_standalone() {
    leptos::mount::mount_to_body(views::devhost::DevHost);
}

#[cfg(not(debug_assertions))]
fn start_standalone() {
    leptos::mount::mount_to_body(views::login::StandaloneNotice);
}
