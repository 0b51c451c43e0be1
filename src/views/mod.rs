//! Leptos views: small components over the app's signals.

pub mod component;
#[cfg(debug_assertions)]
pub mod devhost;
