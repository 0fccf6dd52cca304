//! Quoted strings of the text form: escaping (printer) and unescaping
//! (lexer), and the test for whether a value can be written bare.
//!
//! The escapes are `\\`, `\"`, `\n`, `\r`, `\t` and `\u{HEX}`; the printer
//! writes `\u{..}` only for other control characters. This module does not
//! decide *when* a value must be quoted beyond "it would not lex as one
//! word"; callers add their own rules (comments are always quoted).

use std::fmt::Write as _;

/// A bad escape inside a string body: byte offset and length within the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EscapeError {
    pub offset: usize,
    pub len: usize,
}

/// Whether `body` ends in an unpaired backslash (so a following `"` is
/// escaped, not closing).
pub fn ends_in_escape(body: &str) -> bool {
    body.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Resolves the escapes of a string body (the text between the quotes).
/// Bad escapes are reported and kept literally.
pub fn unescape(body: &str) -> (String, Vec<EscapeError>) {
    let mut out = String::with_capacity(body.len());
    let mut errors = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else {
            errors.push(EscapeError { offset, len: 1 });
            out.push('\\');
            break;
        };
        chars.next();
        match next {
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let rest = &body[offset + 2..];
                let decoded = rest
                    .strip_prefix('{')
                    .and_then(|inner| inner.find('}').map(|end| &inner[..end]))
                    .filter(|hex| !hex.is_empty() && hex.len() <= 6)
                    .and_then(|hex| {
                        u32::from_str_radix(hex, 16)
                            .ok()
                            .map(|code| (hex.len(), code))
                    })
                    .and_then(|(len, code)| char::from_u32(code).map(|ch| (len, ch)));
                if let Some((hex_len, ch)) = decoded {
                    out.push(ch);
                    // Skip `{`, the digits and `}`.
                    for _ in 0..hex_len + 2 {
                        chars.next();
                    }
                } else {
                    errors.push(EscapeError { offset, len: 2 });
                    out.push_str("\\u");
                }
            }
            other => {
                errors.push(EscapeError {
                    offset,
                    len: 1 + other.len_utf8(),
                });
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, errors)
}

/// `value` as a quoted string with escapes.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `value` lexes as exactly one word token, so it can be written
/// without quotes.
pub fn is_bare_word(value: &str) -> bool {
    fn word_char(b: u8) -> bool {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'/' | b'@' | b'+' | b'-')
    }
    !value.is_empty()
        && value
            .split(',')
            .all(|run| !run.is_empty() && run.bytes().all(word_char))
}

/// `value` bare when it is one word, else quoted.
pub fn word_or_quoted(value: &str) -> String {
    if is_bare_word(value) {
        value.to_owned()
    } else {
        quote(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_and_unescape_are_inverse() {
        for text in [
            "plain",
            "a \"b\" \\ c",
            "tab\there\nnew",
            "\u{1}\u{7f}",
            "é ü",
        ] {
            let quoted = quote(text);
            let (back, errors) = unescape(&quoted[1..quoted.len() - 1]);
            assert!(errors.is_empty(), "{quoted}");
            assert_eq!(back, text);
        }
    }

    #[test]
    fn bad_escapes_are_reported_and_kept() {
        let (value, errors) = unescape(r"a\qb\u{zz}");
        assert_eq!(value, r"a\qb\u{zz}");
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn bare_words() {
        assert!(is_bare_word("NEW,ESTABLISHED"));
        assert!(!is_bare_word("a,"));
        assert!(!is_bare_word("a b"));
        assert!(!is_bare_word(""));
    }
}
