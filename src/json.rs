//! A small JSON value with a strict parser and a writer.
//!
//! Everything the component reads from outside (host messages, later stored sessions and token
//! responses) arrives as JSON text and goes through [`Json::parse`]; everything it sends is built
//! as a [`Json`] and written with [`Json::to_string`]. Keeping this in plain Rust lets the logic
//! be tested natively, and costs far fewer wasm bytes than serde.

use std::fmt;

/// Deepest nesting [`Json::parse`] accepts; deeper input is refused, never a stack overflow.
pub const MAX_DEPTH: usize = 64;

/// A JSON value. Objects keep their keys in order; on duplicate keys the last one wins, as in
/// `JSON.parse`.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its validated JSON text so that no precision is lost on the way through.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, as key/value pairs in document order.
    Object(Vec<(String, Json)>),
}

/// The text of a valid JSON number.
#[derive(Clone, Debug, PartialEq)]
pub struct Number(String);

impl Number {
    /// The number's JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What went wrong while parsing, and where (byte offset into the input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The failed check.
    pub kind: JsonErrorKind,
    /// Byte offset of the failure in the input.
    pub offset: usize,
}

/// The failed check of a [`JsonError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedCharacter,
    /// A backslash escape that JSON does not define, or a bad `\u` sequence.
    InvalidEscape,
    /// A number that is not in JSON's number grammar.
    InvalidNumber,
    /// A raw control character inside a string.
    ControlCharacter,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More text after the value.
    TrailingCharacters,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            JsonErrorKind::UnexpectedEnd => "unexpected end of input",
            JsonErrorKind::UnexpectedCharacter => "unexpected character",
            JsonErrorKind::InvalidEscape => "invalid escape",
            JsonErrorKind::InvalidNumber => "invalid number",
            JsonErrorKind::ControlCharacter => "control character in string",
            JsonErrorKind::TooDeep => "nesting too deep",
            JsonErrorKind::TrailingCharacters => "trailing characters",
        };
        write!(f, "{what} at byte {}", self.offset)
    }
}

impl Json {
    /// Parses one JSON value that spans the whole input (surrounding whitespace allowed).
    pub fn parse(text: &str) -> Result<Json, JsonError> {
        let mut parser = Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        };
        let value = parser.value(0)?;
        parser.skip_whitespace();
        if parser.pos != parser.bytes.len() {
            return Err(parser.error(JsonErrorKind::TrailingCharacters));
        }
        Ok(value)
    }

    /// An object from key/value pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value under `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under `key` when this is an object that has it and it is not `null`: absent
    /// and `null` both mean "not given" (Python's `None` arrives as `null`).
    pub fn get_present(&self, key: &str) -> Option<&Json> {
        self.get(key).filter(|value| !value.is_null())
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as an unsigned integer, when it is one that fits (`3` and `3.0` do, `3.5`,
    /// `-1` and `1e3` do not).
    pub fn as_u64(&self) -> Option<u64> {
        let Json::Number(n) = self else { return None };
        let text = n.0.strip_suffix(".0").unwrap_or(&n.0);
        text.parse().ok()
    }

    /// The pairs, when this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// Writes the value with `indent` spaces per level and one member per line.
    pub fn to_pretty_string(&self, indent: usize) -> String {
        let mut out = String::new();
        self.write(&mut out, Some((indent, 0)));
        out
    }

    fn write(&self, out: &mut String, pretty: Option<(usize, usize)>) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.0),
            Json::String(s) => write_string(out, s),
            Json::Array(items) => write_container(out, pretty, '[', ']', items, |out, item, p| {
                item.write(out, p)
            }),
            Json::Object(pairs) => {
                write_container(out, pretty, '{', '}', pairs, |out, (k, v), p| {
                    write_string(out, k);
                    out.push_str(if p.is_some() { ": " } else { ":" });
                    v.write(out, p);
                })
            }
        }
    }
}

/// Compact JSON text, as `JSON.stringify` writes it.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, None);
        f.write_str(&out)
    }
}

fn write_container<T>(
    out: &mut String,
    pretty: Option<(usize, usize)>,
    open: char,
    close: char,
    items: &[T],
    mut write_item: impl FnMut(&mut String, &T, Option<(usize, usize)>),
) {
    out.push(open);
    let inner = pretty.map(|(indent, level)| (indent, level + 1));
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, inner);
        write_item(out, item, inner);
    }
    if !items.is_empty() {
        newline(out, pretty);
    }
    out.push(close);
}

fn newline(out: &mut String, pretty: Option<(usize, usize)>) {
    if let Some((indent, level)) = pretty {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', indent * level));
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Json {
        Json::Number(Number(n.to_string()))
    }
}

impl From<u32> for Json {
    fn from(n: u32) -> Json {
        Json::from(u64::from(n))
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, kind: JsonErrorKind) -> JsonError {
        let kind = if self.pos >= self.bytes.len() && kind == JsonErrorKind::UnexpectedCharacter {
            JsonErrorKind::UnexpectedEnd
        } else {
            kind
        };
        JsonError {
            kind,
            offset: self.pos,
        }
    }

    /// The input from `start` to the current position. Both are always on char boundaries:
    /// the parser stops only at ASCII bytes, so the empty fallback is never taken.
    fn slice(&self, start: usize) -> &str {
        self.text.get(start..self.pos).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &[u8], value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(value)
        } else if literal.starts_with(&self.bytes[self.pos..]) {
            Err(JsonError {
                kind: JsonErrorKind::UnexpectedEnd,
                offset: self.bytes.len(),
            })
        } else {
            Err(self.error(JsonErrorKind::UnexpectedCharacter))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'n') => self.expect_literal(b"null", Json::Null),
            Some(b't') => self.expect_literal(b"true", Json::Bool(true)),
            Some(b'f') => self.expect_literal(b"false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                let items = self.sequence(depth, b']', |p, d| p.value(d))?;
                Ok(Json::Array(items))
            }
            Some(b'{') => {
                let pairs = self.sequence(depth, b'}', |p, d| {
                    p.skip_whitespace();
                    if p.peek() != Some(b'"') {
                        return Err(p.error(JsonErrorKind::UnexpectedCharacter));
                    }
                    let key = p.string()?;
                    p.skip_whitespace();
                    if p.peek() != Some(b':') {
                        return Err(p.error(JsonErrorKind::UnexpectedCharacter));
                    }
                    p.pos += 1;
                    Ok((key, p.value(d)?))
                })?;
                Ok(Json::Object(pairs))
            }
            _ => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
        }
    }

    /// Parses `[`/`{` items separated by commas up to `close`; the opening byte is current.
    fn sequence<T>(
        &mut self,
        depth: usize,
        close: u8,
        mut item: impl FnMut(&mut Self, usize) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(JsonErrorKind::TooDeep));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(item(self, depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(self.error(JsonErrorKind::UnexpectedCharacter)),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_digits = self.digits();
        if int_digits == 0 || (int_digits > 1 && self.bytes[int_start] == b'0') {
            return Err(JsonError {
                kind: JsonErrorKind::InvalidNumber,
                offset: start,
            });
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidNumber,
                    offset: start,
                });
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidNumber,
                    offset: start,
                });
            }
        }
        Ok(Json::Number(Number(self.slice(start).to_owned())))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| self.error(JsonErrorKind::InvalidEscape))?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            out.push_str(self.slice(run_start));
            match self.peek() {
                None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            out.push(self.unicode_escape()?);
                            continue;
                        }
                        _ => return Err(self.error(JsonErrorKind::InvalidEscape)),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(_) => return Err(self.error(JsonErrorKind::ControlCharacter)),
            }
        }
    }

    /// The code point of a `\uXXXX` escape (the `\u` already consumed), joining surrogate pairs.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let start = self.pos;
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(JsonError {
                        kind: JsonErrorKind::InvalidEscape,
                        offset: start,
                    });
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(JsonError {
                        kind: JsonErrorKind::InvalidEscape,
                        offset: start,
                    });
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidEscape,
                    offset: start,
                })
            }
            code => code,
        };
        char::from_u32(code).ok_or(JsonError {
            kind: JsonErrorKind::InvalidEscape,
            offset: start,
        })
    }
}

#[cfg(test)]
mod tests;
