//! Thin glue between the plain-Rust logic and the browser (web-sys). Nothing here decides
//! anything the logic modules could decide natively.

pub mod crypto;
pub mod discovery;
pub mod handoff;
pub mod host;
pub mod http;
pub mod keys;
pub mod listener;
pub mod locks;
pub mod messaging;
pub mod page;
pub mod popup_window;
pub mod resize;
pub mod storage;
pub mod style;
