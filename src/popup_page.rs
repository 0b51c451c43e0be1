//! The component's page at the top of a window: the login popup's first page ("Connecting…",
//! until the iframe sends it to the provider), the provider's callback, and the return from the
//! provider's logout.
//!
//! The callback hands the provider's answer back (see `crate::handoff`): to the opener when it
//! has one; for a same-tab login, by finishing the login here and returning to the app page;
//! else through localStorage, for the component to take. When nothing reaches the app, the
//! page says so and links to the app in its own tab.

use crate::browser::discovery::fetch_provider;
use crate::browser::storage::Store;
use crate::browser::{handoff as glue, page};
use crate::events::Failure;
use crate::exchange::complete_and_store;
use crate::handoff::{self, Answer};
use crate::oidc::authorize::PendingLogin;
use crate::popup::PageMode;
use crate::session::find_pending;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use web_sys::Window;

/// How often the callback page looks whether the component took the relayed answer.
const RELAY_POLL_MS: u32 = 200;

/// Runs the page in `mode` (anything but `Standalone`).
pub fn start(window: Window, mode: PageMode) {
    // The app's colours and font, from the component's frame that opened this window.
    crate::browser::style::adopt_opener_theme(&window);
    match mode {
        PageMode::Wait => page::show_message(&window, "Connecting to the sign-in provider…"),
        PageMode::LogoutReturn => {
            page::show_message(&window, "Logged out. This window closes itself.");
            let _ = window.close();
        }
        PageMode::Callback(params) => {
            // Code and state leave the address bar (and the history entry) at once, before the
            // callback's code is loaded.
            let query = window.location().search().unwrap_or_default();
            let query = query.trim_start_matches('?').to_owned();
            if let Ok(history) = window.history() {
                let path = window.location().pathname().unwrap_or_default();
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
            }
            wasm_bindgen_futures::spawn_local(async move {
                let shown = window.clone();
                if let Err(failure) = callback(window, query, params).await {
                    page::show_message(&shown, &format!("Login failed: {}.", failure.message));
                }
            })
        }
        PageMode::BadQuery | PageMode::Standalone => page::show_message(
            &window,
            "Login failed: this address is not a login callback.",
        ),
    }
}

on_demand! { login:
    /// The provider's answer (`query`, its `params`), handed back; loaded on first use, as the
    /// login's other steps.
    fn callback(window: Window, query: String, params: Vec<(String, String)>) -> Result<(), Failure> {
        answer(&window, &query, params).await;
        Ok(())
    }
}

async fn answer(window: &Window, query: &str, params: Vec<(String, String)>) {
    let Ok(answer) = Answer::from_query(query) else {
        return page::show_message(window, "Login failed: the provider's answer has no state.");
    };
    let state = answer.state().unwrap_or_default().to_owned();
    let store = Store::open(window);
    // A same-tab login first: that tab may have an opener of its own (a page that opened the
    // app), which is not the component.
    let same_tab = store.as_ref().and_then(|store| {
        let entries = store.ours();
        let pairs = entries.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        find_pending(pairs, &state)
            .filter(|(_, pending)| pending.return_to.is_some())
            .map(|(key, pending)| (key.to_owned(), pending))
    });
    if let (Some(store), Some((key, pending))) = (&store, same_tab) {
        // Single use, whatever happens next: a replayed callback finds nothing.
        store.remove(&key);
        return finish_same_tab(window, store, &pending, &params).await;
    }
    if glue::post_to_opener(window, query) {
        // The component closes this window once it has the answer.
        page::show_message(window, "Returning to the app…");
        TimeoutFuture::new(handoff::WAIT_FOR_APP_MS).await;
        return show_not_taken(window);
    }
    match store {
        Some(store) => relay(window, &store, &state, query).await,
        None => show_not_taken(window),
    }
}

/// Leaves the answer in localStorage for the component whose opener link was cut, and waits
/// for it to be taken.
async fn relay(window: &Window, store: &Store, state: &str, query: &str) {
    let key = handoff::relay_key(state);
    if store
        .set(&key, &handoff::relay_value(query, page::now_s()))
        .is_err()
    {
        return show_not_taken(window);
    }
    page::show_message(window, "Returning to the app…");
    let mut waited = 0;
    while waited < handoff::WAIT_FOR_APP_MS {
        TimeoutFuture::new(RELAY_POLL_MS).await;
        waited += RELAY_POLL_MS;
        if store.get(&key).is_none() {
            let _ = window.close();
            return page::show_message(window, "Signed in. You can close this window.");
        }
    }
    store.remove(&key);
    show_not_taken(window);
}

/// What the callback page says when no component took the answer, with a link that opens the
/// app in its own tab (where the login works: nothing comes between the app and this page).
fn show_not_taken(window: &Window) {
    let text = "Login failed: the app did not take this answer. It was used, cancelled or \
                expired, or this window lost its connection to the app (the sign-in pages cut \
                it off, and the app runs inside another site's page, which keeps the two apart).";
    match handoff::app_url_of(&page::url(window)) {
        Some(app) => page::show_link(window, text, "Open the app in its own tab", &app),
        None => page::show_message(window, text),
    }
}

/// A same-tab login: exchange the code here, store the session, return to the app page.
async fn finish_same_tab(
    window: &Window,
    store: &Store,
    pending: &PendingLogin,
    params: &[(String, String)],
) {
    let return_to = pending
        .return_to
        .clone()
        .filter(|url| handoff::is_on_origin(url, &page::own_origin(window)));
    let Some(return_to) = return_to else {
        return page::show_message(
            window,
            "Login failed: the way back to the app is not valid.",
        );
    };
    page::show_message(window, "Signing in…");
    let result = async {
        let provider = fetch_provider(window, &pending.issuer).await?;
        complete_and_store(window, &provider, store, pending, params, page::now_s()).await
    }
    .await;
    match result {
        Ok(()) => {
            page::show_message(window, "Signed in. Returning to the app…");
            let _ = window.location().replace(&return_to);
        }
        Err(failure) => page::show_link(
            window,
            &format!("Login failed: {}.", failure.message),
            "Back to the app",
            &return_to,
        ),
    }
}
