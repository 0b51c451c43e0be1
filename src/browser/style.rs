//! Applying the Streamlit theme to the document as CSS custom properties.

use crate::theme::{Theme, FIELDS};
use web_sys::HtmlElement;

/// Sets each theme field as its CSS variable on `root` (unset fields are removed, so the
/// stylesheet's defaults apply) and the matching `color-scheme`.
pub fn apply_theme(root: &HtmlElement, theme: &Theme) {
    let style = root.style();
    for (_, var) in FIELDS {
        let _ = style.remove_property(var);
    }
    for (var, value) in theme.css_variables() {
        let _ = style.set_property(var, value);
    }
    let scheme = if theme.is_dark() { "dark" } else { "light" };
    let _ = style.set_property("color-scheme", scheme);
}
