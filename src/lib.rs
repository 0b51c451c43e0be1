//! The Streamlit login component's frontend.
//!
//! Plain-Rust modules (protocol, config, events, session, watcher, OIDC steps…) hold the logic
//! and compile and test natively. `browser` (web-sys glue), `views` (Leptos components) and `app` (start-up)
//! exist only in the wasm32 build.

pub mod binding;
pub mod command;
pub mod confidential;
pub mod config;
pub mod encoding;
pub mod events;
pub mod explain;
pub mod handoff;
pub mod lease;
pub mod oidc;
pub mod origin;
pub mod pkce;
pub mod popup;
pub mod protocol;
pub mod secret;
pub mod session;
pub mod theme;
pub mod watch;
pub mod wire;

// First: its `on_demand!` macro is used by the modules below.
#[cfg(target_arch = "wasm32")]
#[macro_use]
pub mod split;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod exchange;
#[cfg(target_arch = "wasm32")]
pub mod login;
#[cfg(target_arch = "wasm32")]
pub mod popup_page;
#[cfg(target_arch = "wasm32")]
pub mod views;
