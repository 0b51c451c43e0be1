//! The Streamlit theme sent with each render, and the CSS variables it maps to.

use crate::wire::{self, Value};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest theme value accepted; Streamlit's colours and font stacks are far shorter.
pub const MAX_VALUE_LEN: usize = 256;

/// Each theme field Streamlit sends, with the CSS custom property the component's styles read.
pub const FIELDS: [(&str, &str); 6] = [
    ("base", "--st-base"),
    ("primaryColor", "--st-primary-color"),
    ("backgroundColor", "--st-background-color"),
    (
        "secondaryBackgroundColor",
        "--st-secondary-background-color",
    ),
    ("textColor", "--st-text-color"),
    ("font", "--st-font"),
];

/// A theme: a value for each of [`FIELDS`] that Streamlit sent. Other keys are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    values: [Option<String>; FIELDS.len()],
}

/// The theme on the wire, in [`FIELDS`] order; other keys are ignored.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct ThemeWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secondary_background_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    font: Option<String>,
}

/// Why a theme was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ThemeError {
    /// The theme is not a JSON object.
    NotAnObject,
    /// A known field holds something other than a string.
    NotAString(&'static str),
    /// A known field is longer than [`MAX_VALUE_LEN`].
    TooLong(&'static str),
}

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThemeError::NotAnObject => f.write_str("theme is not an object"),
            ThemeError::NotAString(key) => write!(f, "theme {key} is not a string"),
            ThemeError::TooLong(key) => write!(f, "theme {key} is longer than {MAX_VALUE_LEN}"),
        }
    }
}

impl Theme {
    /// Builds a theme from `(field, value)` pairs; unknown field names are ignored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Theme {
        let mut theme = Theme::default();
        for (key, value) in pairs {
            if let Some(i) = FIELDS.iter().position(|(k, _)| *k == key) {
                theme.values[i] = Some(value.to_owned());
            }
        }
        theme
    }

    /// Reads the `theme` of a render message; absent and `null` fields stay unset.
    pub fn from_json(theme: &Value) -> Result<Theme, ThemeError> {
        if !theme.is_object() {
            return Err(ThemeError::NotAnObject);
        }
        let names = FIELDS.map(|(key, _)| key);
        let wire: ThemeWire = wire::from_value(theme)
            .map_err(|e| ThemeError::NotAString(e.field_in(&names, "theme")))?;
        let values = [
            wire.base,
            wire.primary_color,
            wire.background_color,
            wire.secondary_background_color,
            wire.text_color,
            wire.font,
        ];
        if let Some(i) = values
            .iter()
            .position(|v| v.as_ref().is_some_and(|v| v.len() > MAX_VALUE_LEN))
        {
            return Err(ThemeError::TooLong(names[i]));
        }
        Ok(Theme { values })
    }

    /// The theme as Streamlit sends it (set fields only).
    pub fn to_json(&self) -> Value {
        let [base, primary_color, background_color, secondary_background_color, text_color, font] =
            self.values.clone();
        wire::to_value(&ThemeWire {
            base,
            primary_color,
            background_color,
            secondary_background_color,
            text_color,
            font,
        })
    }

    /// The value of a field by its Streamlit name (`"textColor"`), when set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| v)
    }

    /// Whether the theme's base is dark.
    pub fn is_dark(&self) -> bool {
        self.get("base") == Some("dark")
    }

    /// `(css custom property, value)` for each set field, to apply on the document root.
    pub fn css_variables(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries().map(|(_, var, value)| (var, value))
    }

    fn entries(&self) -> impl Iterator<Item = (&'static str, &'static str, &str)> {
        FIELDS
            .iter()
            .zip(&self.values)
            .filter_map(|((key, var), value)| Some((*key, *var, value.as_deref()?)))
    }

    /// The first family of the theme's font stack, unquoted (`"Source Sans", sans-serif` →
    /// `Source Sans`); `None` without a font or for a generic family (nothing to load).
    pub fn font_family(&self) -> Option<String> {
        let first = self.get("font")?.split(',').next()?.trim();
        let name = first.trim_matches(|c| c == '"' || c == '\'');
        let generic = [
            "serif",
            "sans-serif",
            "monospace",
            "cursive",
            "fantasy",
            "system-ui",
        ];
        (!name.is_empty() && !generic.contains(&name)).then(|| name.to_owned())
    }

    /// Streamlit's default light theme.
    pub fn light() -> Theme {
        Theme::from_pairs([
            ("base", "light"),
            ("primaryColor", "#ff4b4b"),
            ("backgroundColor", "#ffffff"),
            ("secondaryBackgroundColor", "#f0f2f6"),
            ("textColor", "#31333f"),
            ("font", "sans-serif"),
        ])
    }

    /// Streamlit's default dark theme.
    pub fn dark() -> Theme {
        Theme::from_pairs([
            ("base", "dark"),
            ("primaryColor", "#ff4b4b"),
            ("backgroundColor", "#0e1117"),
            ("secondaryBackgroundColor", "#262730"),
            ("textColor", "#fafafa"),
            ("font", "sans-serif"),
        ])
    }
}

#[cfg(test)]
mod tests;

/// A `@font-face` `src` with each `url(…)` replaced by `resolve(url)` (the app page's fonts are
/// relative to its stylesheet, this page is elsewhere); `None` when a URL cannot be resolved or
/// the list is malformed. `local(…)` and `format(…)` stay as they are.
pub fn resolve_font_src(src: &str, resolve: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(src.len() + 64);
    let mut rest = src;
    while let Some(start) = rest.find("url(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        let end = after.find(')')?;
        let url = after[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        let resolved = resolve(url)?;
        if resolved.contains(['"', '\\', '\n', ')']) {
            return None;
        }
        out.push_str(&format!("url(\"{resolved}\")"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}
