//! The text encodings the login flow needs: base64url without padding (PKCE, JWT segments),
//! percent-encoding for URLs and form bodies, and query-string parsing for the callback.

use std::fmt;

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes bytes as base64url without padding (RFC 4648 §5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(BASE64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Why a base64url text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// A character outside the base64url alphabet (padding included).
    InvalidCharacter,
    /// A length no unpadded encoding has (one character past a multiple of four), or leftover
    /// bits that are not zero.
    InvalidLength,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Base64Error::InvalidCharacter => "invalid base64url character",
            Base64Error::InvalidLength => "invalid base64url length",
        })
    }
}

/// Decodes unpadded base64url, strictly: no padding, no whitespace, canonical trailing bits.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(Base64Error::InvalidCharacter),
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if text.len() % 4 == 1 || acc != 0 {
        return Err(Base64Error::InvalidLength);
    }
    Ok(out)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so the result is safe in
/// any URL component and in `application/x-www-form-urlencoded` bodies.
pub fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Joins `key=value` pairs, each side percent-encoded, with `&`.
pub fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Exactly two hex digits: `from_str_radix` alone would take a sign (`%+5`).
                let hex = text.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Parses a query string (with or without the leading `?`) into decoded pairs, in order.
/// `None` when a pair has a broken percent-escape or decodes to invalid UTF-8.
pub fn parse_query(query: &str) -> Option<Vec<(String, String)>> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(key)?, percent_decode(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors_without_padding() {
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64url_encode(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64url_uses_the_url_safe_alphabet() {
        assert_eq!(base64url_encode(&[0xfb, 0xff, 0xfe]), "-__-");
        assert_eq!(base64url_decode("-__-").unwrap(), [0xfb, 0xff, 0xfe]);
    }

    #[test]
    fn base64url_decoding_is_strict() {
        assert_eq!(
            base64url_decode("Zm9v+w"),
            Err(Base64Error::InvalidCharacter)
        );
        assert_eq!(base64url_decode("Zg=="), Err(Base64Error::InvalidCharacter));
        assert_eq!(
            base64url_decode("Zm9 v"),
            Err(Base64Error::InvalidCharacter)
        );
        assert_eq!(base64url_decode("Zm9vY"), Err(Base64Error::InvalidLength));
        assert_eq!(
            base64url_decode("Zh"),
            Err(Base64Error::InvalidLength),
            "non-zero leftover bits"
        );
    }

    #[test]
    fn percent_encoding_leaves_only_unreserved_characters() {
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(
            percent_encode("openid email&x=1 é/?#+"),
            "openid%20email%26x%3D1%20%C3%A9%2F%3F%23%2B"
        );
        assert_eq!(
            form_encode([
                ("grant_type", "authorization_code"),
                ("redirect_uri", "http://h:1/a?b")
            ]),
            "grant_type=authorization_code&redirect_uri=http%3A%2F%2Fh%3A1%2Fa%3Fb"
        );
    }

    #[test]
    fn query_parsing_decodes_and_keeps_order() {
        let pairs = parse_query("?code=a%2Bb&state=x+y&empty=&flag&iss=http%3A%2F%2Fidp").unwrap();
        let expected = [
            ("code", "a+b"),
            ("state", "x y"),
            ("empty", ""),
            ("flag", ""),
            ("iss", "http://idp"),
        ];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(parse_query(""), Some(vec![]));
    }

    #[test]
    fn query_parsing_refuses_broken_escapes() {
        assert_eq!(parse_query("code=%zz"), None);
        assert_eq!(parse_query("code=%4"), None);
        for signed in ["code=%+5", "code=%-5", "code=%+a", "state=%+F"] {
            assert_eq!(
                parse_query(signed),
                None,
                "{signed}: a sign is not a hex digit"
            );
        }
        assert_eq!(
            parse_query("a=%4A%4a"),
            Some(vec![("a".into(), "JJ".into())])
        );
        assert_eq!(parse_query("code=%ff"), None, "invalid UTF-8");
    }

    #[test]
    fn query_round_trips_through_form_encoding() {
        let tricky = "a b&c=d%e+f/é";
        let parsed = parse_query(&form_encode([("k", tricky)])).unwrap();
        assert_eq!(parsed, vec![("k".to_owned(), tricky.to_owned())]);
    }
}
