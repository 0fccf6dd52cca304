//! Turning typed attribute values into nftables right-hand sides, and the
//! small helpers both layers share.

use nwf_syntax::ir::{Attr, MacAddr, Value};
use nwf_syntax::{Code, Diagnostic};

use crate::instantiate::InstRule;
use crate::nft::{Comment, Expr, Match, Origin, Rhs};

/// The bridge group address STP BPDUs are sent to.
pub(crate) const STP_GROUP: MacAddr = MacAddr([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]);

pub(crate) type Result<T> = std::result::Result<T, Box<Diagnostic>>;

pub(crate) fn unexpected(rule: &InstRule, attr: Attr) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(
            Code::VariableValueInvalid,
            rule.file,
            rule.span,
            format!("`{attr}` has a value of the wrong kind"),
        )
        .with_label("in this rule"),
    )
}

pub(crate) fn not_expressible(rule: &InstRule, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(
            Code::NotExpressible,
            rule.file,
            rule.span,
            format!("{what} cannot be expressed in nftables"),
        )
        .with_label("in this rule"),
    )
}

/// The integer behind a number or table name.
pub(crate) fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => Some(u64::from(number.value)),
        Value::Name(name) => crate::instantiate::name_number(name).map(u64::from),
        Value::Bool(flag) => Some(u64::from(*flag)),
        _ => None,
    }
}

pub(crate) fn mac(value: &Value) -> Option<MacAddr> {
    match value {
        Value::Mac(mac) => Some(*mac),
        _ => None,
    }
}

pub(crate) fn prefix(value: &Value) -> Option<u8> {
    match value {
        Value::Prefix(prefix) => Some(*prefix),
        Value::Number(number) => u8::try_from(number.value).ok(),
        _ => None,
    }
}

/// An address with an optional prefix length; a full-length prefix prints
/// as the plain address.
pub(crate) fn address(value: &Value, prefix_len: Option<u8>) -> Option<Rhs> {
    match value {
        Value::Ipv4(addr) => Some(match prefix_len {
            Some(len) if len < 32 => Rhs::Ipv4Prefix(mask_v4(*addr, len), len),
            _ => Rhs::Ipv4(*addr),
        }),
        Value::Ipv6(addr) => Some(match prefix_len {
            Some(len) if len < 128 => Rhs::Ipv6Prefix(mask_v6(*addr, len), len),
            _ => Rhs::Ipv6(*addr),
        }),
        _ => None,
    }
}

fn mask_v4(addr: std::net::Ipv4Addr, len: u8) -> std::net::Ipv4Addr {
    let bits = u32::from(addr);
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    std::net::Ipv4Addr::from(bits & mask)
}

fn mask_v6(addr: std::net::Ipv6Addr, len: u8) -> std::net::Ipv6Addr {
    let bits = u128::from(addr);
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    };
    std::net::Ipv6Addr::from(bits & mask)
}

/// An address range `from-to` (`to` absent: the single address).
pub(crate) fn range(from: &Value, to: Option<&Value>) -> Option<Rhs> {
    match (from, to) {
        (Value::Ipv4(low), Some(Value::Ipv4(high))) => Some(Rhs::Ipv4Range(*low, *high)),
        (Value::Ipv6(low), Some(Value::Ipv6(high))) => Some(Rhs::Ipv6Range(*low, *high)),
        (value, None) => address(value, None),
        _ => None,
    }
}

/// A number or a `start-end` range (decimal).
pub(crate) fn number_range(start: u64, end: Option<u64>) -> Rhs {
    match end {
        Some(end) if end != start => Rhs::DecRange(start.min(end), start.max(end)),
        _ => Rhs::Dec(start),
    }
}

/// A MAC match with an optional mask; an all-ones mask is a plain match.
pub(crate) fn mac_match(left: Expr, addr: MacAddr, mask: Option<MacAddr>, negated: bool) -> Match {
    match mask {
        Some(mask) if mask.0 != [0xff; 6] => {
            let mut masked = addr.0;
            for (byte, mask_byte) in masked.iter_mut().zip(mask.0) {
                *byte &= mask_byte;
            }
            Match {
                left: Expr::Masked(Box::new(left), Rhs::Mac(mask)),
                negated,
                right: Rhs::Mac(MacAddr(masked)),
            }
        }
        _ => Match {
            left,
            negated,
            right: Rhs::Mac(addr),
        },
    }
}

pub(crate) fn comment(rule: &InstRule) -> Option<Comment> {
    match rule.get(Attr::Comment).map(|attr| &attr.value) {
        Some(Value::Text(text)) => Some(Comment::new(text)),
        _ => None,
    }
}

pub(crate) fn origin(rule: &InstRule) -> Origin {
    Origin {
        file: rule.file,
        span: rule.span,
    }
}
