//! Integers and the integer-or-name kinds (Ethernet types, IP protocols, ARP
//! opcodes), with libvirt's radix rules: decimal is tried first, then
//! hexadecimal with an optional `0x`; the radix that matched is kept so the
//! value is written back the same way.

use super::ValueError;
use crate::ir::{Number, Value, ValueKind};

/// Ethernet types libvirt knows by name, in its table order.
const ETHER_TYPES: &[(u32, &str)] = &[
    (0x0806, "arp"),
    (0x8035, "rarp"),
    (0x0800, "ipv4"),
    (0x86dd, "ipv6"),
    (0x8100, "vlan"),
];
pub(super) const ETHER_TYPE_NAMES: &[&str] = &["arp", "rarp", "ipv4", "ipv6", "vlan"];

/// IP protocol numbers libvirt knows by name.
const IP_PROTOCOLS: &[(u32, &str)] = &[
    (6, "tcp"),
    (17, "udp"),
    (136, "udplite"),
    (50, "esp"),
    (51, "ah"),
    (1, "icmp"),
    (2, "igmp"),
    (132, "sctp"),
    (58, "icmpv6"),
];
pub(super) const IP_PROTOCOL_NAMES: &[&str] = &[
    "tcp", "udp", "udplite", "esp", "ah", "icmp", "igmp", "sctp", "icmpv6",
];

/// ARP opcodes by name (the names ebtables uses).
const ARP_OPCODES: &[(u32, &str)] = &[
    (1, "Request"),
    (2, "Reply"),
    (3, "Request_Reverse"),
    (4, "Reply_Reverse"),
    (5, "DRARP_Request"),
    (6, "DRARP_Reply"),
    (7, "DRARP_Error"),
    (8, "InARP_Request"),
    (9, "ARP_NAK"),
];
pub(super) const ARP_OPCODE_NAMES: &[&str] = &[
    "Request",
    "Reply",
    "Request_Reverse",
    "Reply_Reverse",
    "DRARP_Request",
    "DRARP_Reply",
    "DRARP_Error",
    "InARP_Request",
    "ARP_NAK",
];

/// Reads an unsigned integer: all decimal digits as decimal, otherwise hex
/// digits with an optional `0x`/`0X` prefix as hexadecimal.
fn parse_any_radix(text: &str) -> Result<(u64, bool), ValueError> {
    let malformed = ValueError::Malformed {
        expected: "a decimal or hexadecimal (0x...) number",
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok((parse_digits(text, 10), false));
    }
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed);
    }
    Ok((parse_digits(digits, 16), true))
}

/// Digits already checked; saturates instead of overflowing so that huge
/// numbers report "out of range".
fn parse_digits(digits: &str, radix: u32) -> u64 {
    digits.chars().fold(0u64, |acc, digit| {
        let value = u64::from(digit.to_digit(radix).unwrap_or(0));
        acc.saturating_mul(u64::from(radix)).saturating_add(value)
    })
}

fn to_number(value: u64, hex: bool, max: u64) -> Result<Number, ValueError> {
    if value > max {
        return Err(ValueError::OutOfRange { min: 0, max });
    }
    let value = u32::try_from(value).map_err(|_| ValueError::OutOfRange { min: 0, max })?;
    Ok(Number { value, hex })
}

pub(super) fn parse_ranged(text: &str, max: u64) -> Result<Number, ValueError> {
    let (value, hex) = parse_any_radix(text)?;
    to_number(value, hex, max)
}

pub(super) fn parse_decimal(text: &str, max: u64) -> Result<Number, ValueError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::Malformed {
            expected: "a decimal number",
        });
    }
    to_number(parse_digits(text, 10), false, max)
}

fn lookup_name(table: &[(u32, &'static str)], text: &str) -> Option<(u32, &'static str)> {
    table
        .iter()
        .copied()
        .find(|(_, name)| name.eq_ignore_ascii_case(text))
}

fn lookup_number(table: &[(u32, &'static str)], value: u32) -> Option<&'static str> {
    table
        .iter()
        .find(|(number, _)| *number == value)
        .map(|(_, name)| *name)
}

/// `protocolid` / `encap-protocol`: a number of at least `min`, or a name.
pub(super) fn parse_ether_type(text: &str, min: u32) -> Result<Value, ValueError> {
    let number = match parse_any_radix(text) {
        Ok((value, hex)) => to_number(value, hex, 0xffff)?,
        Err(_) => {
            return lookup_name(ETHER_TYPES, text)
                .map(|(_, name)| Value::Name(name))
                .ok_or(ValueError::UnknownName {
                    candidates: ETHER_TYPE_NAMES,
                });
        }
    };
    if number.value < min {
        return Err(ValueError::OutOfRange {
            min: u64::from(min),
            max: 0xffff,
        });
    }
    Ok(lookup_number(ETHER_TYPES, number.value).map_or(Value::Number(number), Value::Name))
}

pub(super) fn parse_ip_protocol(text: &str) -> Result<Value, ValueError> {
    match parse_any_radix(text) {
        Ok((value, hex)) => {
            let number = to_number(value, hex, 0xff)?;
            Ok(
                lookup_number(IP_PROTOCOLS, number.value)
                    .map_or(Value::Number(number), Value::Name),
            )
        }
        Err(_) => lookup_name(IP_PROTOCOLS, text)
            .map(|(_, name)| Value::Name(name))
            .ok_or(ValueError::UnknownName {
                candidates: IP_PROTOCOL_NAMES,
            }),
    }
}

/// ARP opcodes: libvirt writes unnamed opcodes in decimal whatever their
/// input radix, so the radix is dropped here.
pub(super) fn parse_arp_opcode(text: &str) -> Result<Value, ValueError> {
    match parse_any_radix(text) {
        Ok((value, hex)) => {
            let number = to_number(value, hex, 0xffff)?;
            Ok(lookup_number(ARP_OPCODES, number.value)
                .map_or(Value::Number(Number::dec(number.value)), Value::Name))
        }
        Err(_) => lookup_name(ARP_OPCODES, text)
            .map(|(_, name)| Value::Name(name))
            .ok_or(ValueError::UnknownName {
                candidates: ARP_OPCODE_NAMES,
            }),
    }
}

/// The numeric value of a table name, for consumers (the backend) that need
/// the number behind `Value::Name`.
pub fn name_to_number(kind: ValueKind, name: &str) -> Option<u32> {
    let table = match kind {
        ValueKind::MacProtocolId | ValueKind::VlanEncapProtocol => ETHER_TYPES,
        ValueKind::IpProtocol => IP_PROTOCOLS,
        ValueKind::ArpOpcode => ARP_OPCODES,
        _ => return None,
    };
    lookup_name(table, name).map(|(number, _)| number)
}

pub(super) fn format_number(kind: ValueKind, number: Number) -> String {
    let named = match kind {
        ValueKind::MacProtocolId | ValueKind::VlanEncapProtocol => {
            lookup_number(ETHER_TYPES, number.value)
        }
        ValueKind::IpProtocol => lookup_number(IP_PROTOCOLS, number.value),
        ValueKind::ArpOpcode => lookup_number(ARP_OPCODES, number.value),
        _ => None,
    };
    if let Some(name) = named {
        return name.to_owned();
    }
    if kind == ValueKind::ArpOpcode {
        return number.value.to_string();
    }
    number.to_string()
}
