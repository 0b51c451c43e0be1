//! Applying the Streamlit theme to the document as CSS custom properties, and the app's own
//! web font to this page.

use crate::theme::{resolve_font_src, Theme, FIELDS};
use wasm_bindgen::JsCast;
use web_sys::{
    CssFontFaceRule, CssRule, CssStyleSheet, FontFace, FontFaceDescriptors, HtmlElement, Url,
    Window,
};

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

/// Makes the app page's web font `family` usable here: Streamlit loads its font ("Source Sans")
/// in the app's page only, and this page (another document) would fall back to the system's
/// sans-serif. See [`adopt_font`]. Returns how many faces were added.
pub fn adopt_parent_font(window: &Window, family: &str) -> usize {
    match crate::browser::page::parent_window(window) {
        Some(parent) => adopt_font(&parent, window, family),
        None => 0,
    }
}

/// Takes the app's look into a login window: the theme's CSS variables that its opener (the
/// component's frame, same origin) carries, and the app's web font. Nothing when the opener
/// is gone (the provider's pages cut it off) or of another origin.
pub fn adopt_opener_theme(window: &Window) {
    let Some(opener) = window
        .opener()
        .ok()
        .filter(|o| !o.is_null() && !o.is_undefined())
    else {
        return;
    };
    // Another realm's window: `instanceof Window` fails across realms, so no checked cast.
    let opener: Window = opener.unchecked_into();
    if opener.location().href().is_err() {
        return; // another origin: its document cannot be read
    }
    let root = |w: &Window| {
        w.document()
            .and_then(|d| d.document_element())
            .map(|e| e.unchecked_into::<HtmlElement>())
    };
    let (Some(from), Some(to)) = (root(&opener), root(window)) else {
        return;
    };
    let mut font = None;
    for (key, var) in FIELDS.iter().chain([&("", "color-scheme")]) {
        let value = from.style().get_property_value(var).unwrap_or_default();
        if !value.is_empty() {
            let _ = to.style().set_property(var, &value);
            if *key == "font" {
                font = Theme::from_pairs([("font", value.as_str())]).font_family();
            }
        }
    }
    if let (Some(family), Some(app)) = (font, crate::browser::page::parent_window(&opener)) {
        adopt_font(&app, window, &family);
    }
}

/// Copies `from`'s `@font-face` rules for `family` into `to` (both of this origin, so the
/// stylesheets are readable) as `FontFace`s, their sources resolved against their stylesheet;
/// the page's `font-src 'self'` lets them load. Returns how many faces were added.
pub fn adopt_font(from: &Window, to: &Window, family: &str) -> usize {
    // A window of another origin (the component served apart, in development) cannot be read:
    // touching its document would throw.
    let Ok(page_url) = from.location().href() else {
        return 0;
    };
    let (Some(source), Some(target)) = (from.document(), to.document()) else {
        return 0;
    };
    let sheets = source.style_sheets();
    let mut added = 0;
    for i in 0..sheets.length() {
        // The parent's objects belong to its realm, where `instanceof` with this realm's
        // classes fails: unchecked casts, with the rule's type read instead.
        let Some(sheet) = sheets.item(i).map(|s| s.unchecked_into::<CssStyleSheet>()) else {
            continue;
        };
        let base = sheet
            .href()
            .ok()
            .flatten()
            .unwrap_or_else(|| page_url.clone());
        // Another origin's stylesheet cannot be read (and is not where Streamlit's font is).
        let Ok(rules) = sheet.css_rules() else {
            continue;
        };
        for j in 0..rules.length() {
            let Some(rule) = rules
                .item(j)
                .filter(|r| r.type_() == CssRule::FONT_FACE_RULE)
                .map(|r| r.unchecked_into::<CssFontFaceRule>())
            else {
                continue;
            };
            let style = rule.style();
            let read = |name: &str| style.get_property_value(name).unwrap_or_default();
            if read("font-family").trim_matches(|c| c == '"' || c == '\'') != family {
                continue;
            }
            let resolve = |url: &str| Url::new_with_base(url, &base).ok().map(|u| u.href());
            let Some(src) = resolve_font_src(&read("src"), resolve) else {
                continue;
            };
            let descriptors = FontFaceDescriptors::new();
            for (name, set) in [
                (
                    "font-weight",
                    FontFaceDescriptors::set_weight as fn(&FontFaceDescriptors, &str),
                ),
                ("font-style", FontFaceDescriptors::set_style),
                ("unicode-range", FontFaceDescriptors::set_unicode_range),
                ("font-stretch", FontFaceDescriptors::set_stretch),
            ] {
                let value = read(name);
                if !value.is_empty() {
                    set(&descriptors, &value);
                }
            }
            if let Ok(face) = FontFace::new_with_str_and_descriptors(family, &src, &descriptors) {
                if target.fonts().add(&face).is_ok() {
                    let _ = face.load();
                    added += 1;
                }
            }
        }
    }
    added
}
