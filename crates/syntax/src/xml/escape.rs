//! XML character references in, libvirt's escaping out.

pub(crate) enum Unescape {
    Ok(String),
    /// An entity reference that is unknown or malformed, at byte `offset`
    /// of the input, `len` bytes long.
    BadEntity {
        offset: usize,
        len: usize,
    },
}

/// Resolves the five predefined entities and numeric character references.
/// For attribute values (`attribute == true`) literal tabs and line breaks
/// become spaces, as XML's attribute-value normalisation requires; a CR LF
/// pair counts as one line break.
pub(crate) fn unescape(raw: &str, attribute: bool) -> Unescape {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut offset = 0;
    while let Some(index) = rest.find(['&', '\r', '\n', '\t']) {
        out.push_str(&rest[..index]);
        let tail = &rest[index..];
        let consumed = match tail.as_bytes()[0] {
            b'&' => {
                let Some(semi) = tail.find(';') else {
                    return Unescape::BadEntity {
                        offset: offset + index,
                        len: 1,
                    };
                };
                let Some(ch) = resolve(&tail[1..semi]) else {
                    return Unescape::BadEntity {
                        offset: offset + index,
                        len: semi + 1,
                    };
                };
                out.push(ch);
                semi + 1
            }
            b'\r' => {
                out.push(if attribute { ' ' } else { '\n' });
                if tail.as_bytes().get(1) == Some(&b'\n') {
                    2
                } else {
                    1
                }
            }
            byte => {
                out.push(if attribute { ' ' } else { char::from(byte) });
                1
            }
        };
        rest = &tail[consumed..];
        offset += index + consumed;
    }
    out.push_str(rest);
    Unescape::Ok(out)
}

fn resolve(entity: &str) -> Option<char> {
    match entity {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = entity.strip_prefix('#')?;
            let code = if let Some(hex) = number.strip_prefix('x') {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                number.parse().ok()?
            };
            // A reference must name an XML character (libxml2 rejects
            // `&#1;`); the writer could not write others back.
            char::from_u32(code).filter(|&c| is_xml_char(c))
        }
    }
}

/// Escapes text the way libvirt's buffer escaping does: the five special
/// characters become entities and other control characters below 0x20
/// (except tab, newline, carriage return) are dropped, as are U+FFFE and
/// U+FFFF, which are not XML characters either.
pub(crate) fn escape(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if !is_xml_char(c) => {}
            c => out.push(c),
        }
    }
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production, for the
/// characters a Rust `str` can hold): not the control characters other
/// than tab, line feed and carriage return, nor U+FFFE and U+FFFF.
pub(crate) fn is_xml_char(c: char) -> bool {
    !((u32::from(c) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}
