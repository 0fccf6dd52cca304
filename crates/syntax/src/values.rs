//! Reading and printing attribute values in libvirt's spellings, one
//! [`ValueKind`] at a time. Both front ends (libvirt XML and the `.nwf` text
//! language) use these functions, so a value means the same in both forms.
//!
//! The rules follow libvirt's own value parsers and formatters in
//! `src/conf/nwfilter_conf.c` (read, not copied): numbers are decimal first,
//! then hexadecimal with or without `0x`, and keep their radix; names in the
//! protocol-id, IP-protocol and ARP-opcode tables are case-insensitive and
//! are printed in their canonical spelling, also when written as numbers;
//! masks become prefix lengths. Where libvirt is laxer than its own schema
//! (prefix matching of state words, `1:2:3:4:5:6 garbage` MACs, octal IPv4
//! parts), these functions follow the schema and reject.
//!
//! This module does not know about XML or spans: callers attach positions.

mod address;
mod flags;
mod number;
mod var;

use std::fmt;

use crate::ir::{Value, ValueKind};

pub use address::{ipv6_to_string, mask_prefix};
pub use number::name_to_number;
pub use var::{MAX_ITERATOR_ID, VarError, parse_var_ref};

/// Why a spelling is not a value of the wanted kind. The messages are
/// sentences fit for a diagnostic (`value ... is` precedes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Not of the expected shape at all (`expected` names the shape).
    Malformed { expected: &'static str },
    /// A number outside the kind's range.
    OutOfRange { min: u64, max: u64 },
    /// A mask whose one-bits are not contiguous from the left.
    NonContiguousMask,
    /// A word that is not in the kind's table.
    UnknownName { candidates: &'static [&'static str] },
    /// A malformed variable reference.
    Var(VarError),
    /// Text longer than the kind allows.
    TooLong { max: usize },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Malformed { expected } => write!(f, "expected {expected}"),
            ValueError::OutOfRange { min, max } => {
                write!(f, "out of range: must be between {min} and {max}")
            }
            ValueError::NonContiguousMask => {
                f.write_str("a mask must be a run of one-bits followed by zero-bits")
            }
            ValueError::UnknownName { candidates } => {
                write!(f, "expected a number or one of {}", candidates.join(", "))
            }
            ValueError::Var(error) => write!(f, "malformed variable reference: {error}"),
            ValueError::TooLong { max } => write!(f, "longer than {max} characters"),
        }
    }
}

impl std::error::Error for ValueError {}

/// libvirt's limit on `comment` (longer comments are cut to this many bytes).
pub const MAX_COMMENT_LEN: usize = 256;

/// libvirt's limit on an ipset name.
pub const MAX_IPSET_NAME_LEN: usize = 31;

/// Parses `text` as a value of `kind`. A leading `$` makes it a variable
/// reference for every kind, as in libvirt.
pub fn parse_value(kind: ValueKind, text: &str) -> Result<Value, ValueError> {
    if let Some(rest) = text.strip_prefix('$') {
        return parse_var_ref(rest).map(Value::Var).map_err(ValueError::Var);
    }
    parse_literal(kind, text)
}

/// Parses `text` as a literal of `kind` (no variables).
pub fn parse_literal(kind: ValueKind, text: &str) -> Result<Value, ValueError> {
    match kind {
        ValueKind::MacAddr => address::parse_mac(text).map(Value::Mac),
        ValueKind::MacMask => address::parse_mac_mask(text).map(Value::Mac),
        ValueKind::Ipv4Addr => address::parse_ipv4(text).map(Value::Ipv4),
        ValueKind::Ipv6Addr => address::parse_ipv6(text).map(Value::Ipv6),
        ValueKind::Ipv4Mask => address::parse_ipv4_mask(text).map(Value::Prefix),
        ValueKind::Ipv6Mask => address::parse_ipv6_mask(text).map(Value::Prefix),
        ValueKind::Uint8 => number::parse_ranged(text, 0xff).map(Value::Number),
        ValueKind::Uint16 => number::parse_ranged(text, 0xffff).map(Value::Number),
        ValueKind::Uint32 => number::parse_ranged(text, u64::from(u32::MAX)).map(Value::Number),
        ValueKind::Uint16Dec => number::parse_decimal(text, 0xffff).map(Value::Number),
        ValueKind::Dscp => number::parse_ranged(text, 63).map(Value::Number),
        ValueKind::VlanId => number::parse_ranged(text, 4095).map(Value::Number),
        ValueKind::MacProtocolId => number::parse_ether_type(text, 0x600),
        ValueKind::VlanEncapProtocol => number::parse_ether_type(text, 0x3c),
        ValueKind::IpProtocol => number::parse_ip_protocol(text),
        ValueKind::ArpOpcode => number::parse_arp_opcode(text),
        ValueKind::Boolean => flags::parse_bool(text).map(Value::Bool),
        ValueKind::State => flags::parse_state(text).map(Value::State),
        ValueKind::TcpFlags => flags::parse_tcp_flags(text).map(Value::TcpFlags),
        ValueKind::IpsetName => flags::parse_ipset_name(text).map(Value::Text),
        ValueKind::IpsetFlags => flags::parse_ipset_flags(text).map(Value::IpsetFlags),
        ValueKind::Comment => Ok(Value::Text(text.to_owned())),
    }
}

/// Prints `value` the way libvirt writes it for an attribute of `kind`
/// (without XML escaping). A value of another shape than `kind` expects is
/// printed in its own canonical spelling.
pub fn format_value(kind: ValueKind, value: &Value) -> String {
    match value {
        Value::Var(var) => var.to_string(),
        Value::Mac(mac) => mac.to_string(),
        Value::Ipv4(addr) => addr.to_string(),
        Value::Ipv6(addr) => ipv6_to_string(*addr),
        Value::Prefix(prefix) => prefix.to_string(),
        Value::Number(number) => number::format_number(kind, *number),
        Value::Name(name) => (*name).to_owned(),
        Value::Bool(flag) => if *flag { "true" } else { "false" }.to_owned(),
        Value::State(state) => flags::format_state(*state),
        Value::TcpFlags(tcp) => flags::format_tcp_flags(*tcp),
        Value::IpsetFlags(list) => flags::format_ipset_flags(list),
        Value::Text(text) => text.clone(),
    }
}

/// The words a kind accepts besides numbers (for completion and "did you
/// mean"); empty for kinds without a name table.
pub fn names(kind: ValueKind) -> &'static [&'static str] {
    match kind {
        ValueKind::MacProtocolId | ValueKind::VlanEncapProtocol => number::ETHER_TYPE_NAMES,
        ValueKind::IpProtocol => number::IP_PROTOCOL_NAMES,
        ValueKind::ArpOpcode => number::ARP_OPCODE_NAMES,
        ValueKind::Boolean => &["true", "false"],
        ValueKind::State => &["NEW", "ESTABLISHED", "RELATED", "INVALID", "NONE"],
        ValueKind::TcpFlags => &["SYN", "ACK", "URG", "PSH", "FIN", "RST", "ALL", "NONE"],
        ValueKind::IpsetFlags => &["src", "dst"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(kind: ValueKind, text: &str) -> String {
        match parse_value(kind, text) {
            Ok(value) => format_value(kind, &value),
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn spellings_normalise_like_libvirt() {
        let cases = [
            (ValueKind::MacAddr, "1:2:3:4:5:6", "01:02:03:04:05:06"),
            (ValueKind::MacMask, "ff:ff:ff:ff:ff:80", "ff:ff:ff:ff:ff:80"),
            (ValueKind::Ipv4Mask, "255.255.255.255", "32"),
            (ValueKind::Ipv4Mask, "24", "24"),
            (
                ValueKind::Ipv6Mask,
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:8000",
                "113",
            ),
            (ValueKind::Uint16, "0x0123", "0x123"),
            (ValueKind::Uint16, "1a", "0x1a"),
            (ValueKind::Uint16, "400", "400"),
            (ValueKind::IpProtocol, "17", "udp"),
            (ValueKind::IpProtocol, "0xc8", "0xc8"),
            (ValueKind::IpProtocol, "TCP", "tcp"),
            (ValueKind::ArpOpcode, "1", "Request"),
            (ValueKind::ArpOpcode, "0x20", "32"),
            (ValueKind::MacProtocolId, "0x800", "ipv4"),
            (ValueKind::MacProtocolId, "0x1234", "0x1234"),
            (ValueKind::MacProtocolId, "4660", "4660"),
            (ValueKind::State, "NEW,established", "NEW,ESTABLISHED"),
            (ValueKind::State, "NONE", "NONE"),
            (ValueKind::TcpFlags, "SYN/SYN,ACK", "SYN/SYN,ACK"),
            (
                ValueKind::TcpFlags,
                "ALL/fin,syn,rst,psh,ack,urg",
                "ALL/ALL",
            ),
            (ValueKind::IpsetFlags, "SRC,dSt,SRC", "src,dst,src"),
            (ValueKind::Uint8, "$B[  @0 ] ", "$B"),
            (ValueKind::Uint8, "$A[ 1 ]", "$A[1]"),
            (ValueKind::Uint8, "$B[@2]", "$B[@2]"),
            (ValueKind::Ipv6Addr, "::ffff:10.1.2.3", "::ffff:10.1.2.3"),
            (ValueKind::Ipv6Addr, "::10.1.2.3", "::10.1.2.3"),
            (ValueKind::Ipv6Addr, "a:b:c::d:e:f", "a:b:c::d:e:f"),
        ];
        for (kind, input, expected) in cases {
            assert_eq!(round(kind, input), expected, "{kind:?} {input}");
        }
    }

    #[test]
    fn bad_spellings_are_rejected() {
        let cases = [
            (ValueKind::Ipv6Mask, "129"),
            (ValueKind::Uint16, "65536"),
            (ValueKind::Dscp, "64"),
            (ValueKind::Dscp, "0x40"),
            (ValueKind::IpProtocol, "256"),
            (ValueKind::Ipv4Mask, "255.255.255.127"),
            (ValueKind::Uint8, "256"),
            (ValueKind::Ipv6Addr, "a:b:c"),
            (ValueKind::TcpFlags, "PSH/"),
            (ValueKind::MacProtocolId, "100"),
            (ValueKind::Uint8, "$"),
            (ValueKind::Uint8, "$A[x]"),
            (ValueKind::Uint8, "$A[@1001]"),
            (ValueKind::IpsetName, "bad/name"),
            (ValueKind::State, ""),
            (ValueKind::Uint16Dec, "0x10"),
        ];
        for (kind, input) in cases {
            assert!(parse_value(kind, input).is_err(), "{kind:?} {input}");
        }
    }
}
