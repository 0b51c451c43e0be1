//! Thin glue between the plain-Rust logic and the browser (web-sys). Nothing here decides
//! anything the logic modules could decide natively.

pub mod host;
pub mod messaging;
pub mod page;
pub mod resize;
pub mod style;
