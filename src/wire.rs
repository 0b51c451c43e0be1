//! The serde boundary: every JSON text the component reads from outside (host messages, stored
//! values, provider responses, token segments) is size-limited here before it is parsed, then
//! read into a typed struct with `serde_json`; a rejection is a [`WireError`] that says whether
//! the text was not JSON or which field failed, so each caller keeps its own stable error code.
//! Text is parsed once into a value, then read into the struct: each struct's deserializer
//! exists once in the bundle. The field is found after the fact, on the error path only (a
//! path-tracking deserializer doubled the deserialization code).
//!
//! `serde_json` refuses lone surrogates, trailing text and nesting deeper than 128 levels; the
//! parse refuses a key given twice in any object; only an object is read into a struct;
//! [`Int`] refuses numbers a JavaScript number cannot hold exactly (beyond 2^53).

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

pub use serde_json::{json, Map, Value};

/// Largest whole number JavaScript holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INT: u64 = (1 << 53) - 1;

/// Why a JSON text or value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Longer than the caller's limit; not parsed.
    TooLarge,
    /// Not JSON: a syntax error, a lone surrogate, trailing text or too deep a nesting.
    Syntax(String),
    /// JSON of the wrong shape: the field at `path` is missing, duplicated, of the wrong type
    /// or out of range.
    Field {
        /// The top-level key refused, whole (empty when serde names the field in `reason`,
        /// or the value itself is of the wrong kind).
        path: String,
        /// What serde said.
        reason: String,
    },
}

/// The field serde names in `reason`, when it names one (a field missing or given twice).
fn named_field(reason: &str) -> Option<&str> {
    reason
        .strip_prefix("missing field `")
        .or_else(|| reason.strip_prefix("duplicate field `"))
        .and_then(|rest| rest.split('`').next())
}

impl WireError {
    /// The top-level field that failed, when one did (a wrong `expiry` inside `token` gives
    /// `token`); for a field missing or given twice, the one serde names, at any depth.
    pub fn top_field(&self) -> Option<&str> {
        let WireError::Field { path, reason } = self else {
            return None;
        };
        match path.is_empty() {
            true => named_field(reason),
            false => Some(path),
        }
    }

    /// The field serde names (missing or given twice, at any depth), else the top-level one.
    pub fn leaf_field(&self) -> Option<&str> {
        let WireError::Field { path, reason } = self else {
            return None;
        };
        named_field(reason).or((!path.is_empty()).then_some(path.as_str()))
    }

    /// Of `known` names, the one this error is about (the leaf first, then the top-level
    /// field), else `fallback`: lets an error enum that holds `&'static str` name the field.
    pub fn field_in(&self, known: &[&'static str], fallback: &'static str) -> &'static str {
        [self.leaf_field(), self.top_field()]
            .into_iter()
            .flatten()
            .find_map(|name| known.iter().find(|k| **k == name).copied())
            .unwrap_or(fallback)
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooLarge => f.write_str("too large"),
            WireError::Syntax(reason) => write!(f, "not JSON: {reason}"),
            WireError::Field { path, reason } if path.is_empty() => f.write_str(reason),
            WireError::Field { path, reason } => write!(f, "{path}: {reason}"),
        }
    }
}

/// The top-level field of `value` that a `T` refuses: each member alone is read as a `T`, and
/// the one refused for another reason than the fields it leaves missing is the culprit. Runs
/// only once reading has failed, and costs no code per struct.
fn culprit<T: DeserializeOwned>(value: &Value) -> Option<String> {
    value.as_object()?.iter().find_map(|(key, member)| {
        let alone = Value::Object(Map::from_iter([(key.clone(), member.clone())]));
        match T::deserialize(&alone) {
            Err(e) if named_field(&e.to_string()).is_none() => Some(key.clone()),
            _ => None,
        }
    })
}

/// A data error, with the field it is about.
fn field_error<T: DeserializeOwned>(error: &serde_json::Error, value: &Value) -> WireError {
    let reason = strip_position(&error.to_string());
    let path = match named_field(&reason) {
        Some(_) => String::new(),
        None => culprit::<T>(value).unwrap_or_default(),
    };
    WireError::Field { path, reason }
}

/// serde_json appends " at line 1 column 9" to data errors: the field says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Reads `text` into a `T`: refused unparsed when longer than `max_len` bytes. The text is
/// parsed once into a [`Value`] that refuses a key given twice, then read into `T` as a render
/// arg is: each struct's deserializer exists once in the bundle, for values only.
pub fn from_text<T: DeserializeOwned>(text: &str, max_len: usize) -> Result<T, WireError> {
    from_value(&value_from_text(text, max_len)?)
}

/// Parses `text` into a value (any JSON): refused unparsed when longer than `max_len` bytes, and
/// refused when an object has a key twice.
pub fn value_from_text(text: &str, max_len: usize) -> Result<Value, WireError> {
    if text.len() > max_len {
        return Err(WireError::TooLarge);
    }
    let Strict(value) = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => WireError::Field {
            path: String::new(),
            reason: strip_position(&e.to_string()),
        },
        _ => WireError::Syntax(e.to_string()),
    })?;
    Ok(value)
}

/// A JSON value in which no object has a key twice (`JSON.parse` and `serde_json::Value` keep the
/// last; a token or a stored session whose fields say two things is refused instead).
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Reads an object already parsed (a render arg) into a struct `T`. Anything but an object is
/// refused (serde would read an array as the struct's fields in order).
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, WireError> {
    if !value.is_object() {
        return Err(WireError::Field {
            path: String::new(),
            reason: "expected an object".to_owned(),
        });
    }
    T::deserialize(value).map_err(|e| field_error::<T>(&e, value))
}

/// A whole number of the wire, when `value` is one ([`Int`]).
pub fn whole(value: &Value) -> Option<u64> {
    Int::deserialize(value).ok().map(|n| n.0)
}

/// JSON text of a value of ours (compact, as `JSON.stringify` writes it).
pub fn to_text(value: &impl serde::Serialize) -> String {
    // Our values are structs, strings, numbers and maps with string keys: serde_json cannot
    // fail on them (it fails only on maps with non-string keys).
    serde_json::to_string(value).unwrap_or_default()
}

/// A JSON value of ours, to add to an event's data.
pub fn to_value(value: &impl serde::Serialize) -> Value {
    // As in `to_text`: our values always serialize.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Absent, `null`, empty and blank text all mean "not given" (Python sends what an app's
/// config holds, and `None` arrives as `null`).
pub fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A whole number from 0 to 2^53 − 1 (`3` and `3.0` are, `3.5`, `-1` and `2^53` are not):
/// what JavaScript and Python both hold exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Int(pub u64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Int, D::Error> {
        struct Whole;
        impl Visitor<'_> for Whole {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number from 0 to 2^53 - 1")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Int, E> {
                if n <= MAX_SAFE_INT {
                    Ok(Int(n))
                } else {
                    Err(E::invalid_value(de::Unexpected::Unsigned(n), &self))
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Int, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Signed(n), &self)),
                }
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Int, E> {
                // The cast is exact: `n` is whole and within 0..=2^53 - 1.
                if n.fract() == 0.0 && (0.0..=MAX_SAFE_INT as f64).contains(&n) {
                    Ok(Int(n as u64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(n), &self))
                }
            }
        }
        deserializer.deserialize_any(Whole)
    }
}

/// Text that is there: a string that is not empty.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() {
            return Err(de::Error::invalid_length(0, &"a string that is not empty"));
        }
        Ok(Text(text))
    }
}

#[cfg(test)]
mod tests;
