//! Variable references as libvirt reads them (after the `$`): `NAME`,
//! `NAME[N]`, `NAME[@N]`, with blanks allowed inside the brackets and after
//! them. `NAME[@0]` is the same reference as `NAME`.

use std::fmt;

use crate::ir::{VarAccess, VarRef};

/// The highest iterator id libvirt accepts in `$X[@N]`.
pub const MAX_ITERATOR_ID: u32 = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarError {
    EmptyName,
    /// A character that is neither part of a name nor `[`.
    BadNameChar(char),
    BadIndex,
    IteratorTooLarge,
    TrailingText,
}

impl fmt::Display for VarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarError::EmptyName => {
                f.write_str("a variable name (letters, digits, _) must follow `$`")
            }
            VarError::BadNameChar(c) => write!(
                f,
                "`{c}` cannot appear in a variable name (letters, digits and _ only)"
            ),
            VarError::BadIndex => f.write_str("expected `[N]` or `[@N]` with a decimal N"),
            VarError::IteratorTooLarge => {
                write!(f, "iterator ids go up to {MAX_ITERATOR_ID}")
            }
            VarError::TrailingText => f.write_str("unexpected text after `]`"),
        }
    }
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Parses what follows the `$` of a variable reference.
pub fn parse_var_ref(text: &str) -> Result<VarRef, VarError> {
    let name_len = text.bytes().take_while(|&b| is_name_byte(b)).count();
    let (name, rest) = text.split_at(name_len);
    if name.is_empty() {
        return Err(VarError::EmptyName);
    }
    if rest.is_empty() {
        return Ok(VarRef::plain(name));
    }
    let Some(inner) = rest.strip_prefix('[') else {
        let bad = rest.chars().next().unwrap_or(' ');
        return Err(VarError::BadNameChar(bad));
    };
    let (inside, after) = inner.split_once(']').ok_or(VarError::BadIndex)?;
    if !after.trim_matches(' ').is_empty() {
        return Err(VarError::TrailingText);
    }
    let inside = inside.trim_matches(' ');
    let (iterator, digits) = match inside.strip_prefix('@') {
        Some(digits) => (true, digits.trim_start_matches(' ')),
        None => (false, inside),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VarError::BadIndex);
    }
    let number: u32 = digits.parse().map_err(|_| VarError::BadIndex)?;
    let access = if iterator {
        if number > MAX_ITERATOR_ID {
            return Err(VarError::IteratorTooLarge);
        }
        VarAccess::Iterator(number)
    } else {
        VarAccess::Index(number)
    };
    Ok(VarRef {
        name: name.to_owned(),
        access,
    })
}
