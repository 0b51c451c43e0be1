//! Leptos views: small components over the app's signals.

#[cfg(debug_assertions)]
pub mod devhost;
pub mod login;
