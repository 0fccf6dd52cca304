//! Typing a variable's text value for the attribute it is substituted into.
//!
//! FIXME(#values): switch to the shared value parser of `nwf_syntax` once it
//! is on main, so that substituted values follow exactly the spellings the
//! XML reader accepts. Until then this covers the value kinds with the same
//! rules (decimal or `0x` hex numbers, dotted or prefix masks, the protocol
//! name tables).

use std::net::{Ipv4Addr, Ipv6Addr};

use nwf_syntax::ir::{MacAddr, Number, StateFlags, TcpFlags, Value, ValueKind};

const ETHER_TYPES: &[(u32, &str)] = &[
    (0x0806, "arp"),
    (0x8035, "rarp"),
    (0x0800, "ipv4"),
    (0x86dd, "ipv6"),
    (0x8100, "vlan"),
];
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

/// The number behind a table name (`arp` -> 0x806, `tcp` -> 6, `Reply` -> 2).
pub fn name_number(name: &str) -> Option<u32> {
    ETHER_TYPES
        .iter()
        .chain(IP_PROTOCOLS)
        .chain(ARP_OPCODES)
        .find(|(_, known)| *known == name)
        .map(|(number, _)| *number)
}

pub(crate) fn parse(kind: ValueKind, text: &str) -> Result<Value, String> {
    let number = |max: u32| -> Result<Value, String> {
        let number = Number::parse(text).ok_or_else(|| "expected a number".to_owned())?;
        if number.value > max {
            return Err(format!("must be at most {max}"));
        }
        Ok(Value::Number(number))
    };
    let named = |table: &[(u32, &'static str)], max: u32| -> Result<Value, String> {
        if let Some((_, name)) = table
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
        {
            return Ok(Value::Name(name));
        }
        number(max)
    };
    match kind {
        ValueKind::MacAddr | ValueKind::MacMask => MacAddr::parse(text)
            .map(Value::Mac)
            .ok_or_else(|| "expected a MAC address".to_owned()),
        ValueKind::Ipv4Addr => text
            .parse::<Ipv4Addr>()
            .map(Value::Ipv4)
            .map_err(|_| "expected an IPv4 address".to_owned()),
        ValueKind::Ipv6Addr => text
            .parse::<Ipv6Addr>()
            .map(Value::Ipv6)
            .map_err(|_| "expected an IPv6 address".to_owned()),
        ValueKind::Ipv4Mask => mask(text, 32, |t| {
            t.parse::<Ipv4Addr>()
                .ok()
                .map(|a| u128::from(u32::from(a)) << 96)
        }),
        ValueKind::Ipv6Mask => mask(text, 128, |t| t.parse::<Ipv6Addr>().ok().map(u128::from)),
        ValueKind::Uint8 => number(0xff),
        ValueKind::Uint16 | ValueKind::Uint16Dec => number(0xffff),
        ValueKind::Uint32 => number(u32::MAX),
        ValueKind::Dscp => number(63),
        ValueKind::VlanId => number(4095),
        ValueKind::MacProtocolId => named(ETHER_TYPES, 0xffff),
        ValueKind::IpProtocol => named(IP_PROTOCOLS, 0xff),
        ValueKind::ArpOpcode => named(ARP_OPCODES, 0xffff),
        ValueKind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".to_owned()),
        },
        ValueKind::State => state(text).map(Value::State),
        ValueKind::TcpFlags => {
            let (mask, set) = text.split_once('/').ok_or("expected MASK/FLAGS")?;
            Ok(Value::TcpFlags(TcpFlags {
                mask: tcp_flags(mask)?,
                set: tcp_flags(set)?,
            }))
        }
        _ => Ok(Value::Text(text.to_owned())),
    }
}

fn mask(text: &str, bits: u8, parse_addr: impl Fn(&str) -> Option<u128>) -> Result<Value, String> {
    if let Ok(prefix) = text.parse::<u8>() {
        if prefix <= bits {
            return Ok(Value::Prefix(prefix));
        }
        return Err(format!("a prefix length must be at most {bits}"));
    }
    let value = parse_addr(text).ok_or("expected a mask")?;
    let ones = value.leading_ones();
    if value.checked_shl(ones).unwrap_or(0) != 0 {
        return Err("a mask must be contiguous".to_owned());
    }
    u8::try_from(ones)
        .map(Value::Prefix)
        .map_err(|_| "bad mask".to_owned())
}

fn state(text: &str) -> Result<StateFlags, String> {
    if text.eq_ignore_ascii_case("NONE") {
        return Ok(StateFlags(0));
    }
    let mut flags = 0;
    for word in text.split(',') {
        let (_, bit) = StateFlags::NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .ok_or_else(|| format!("unknown state `{word}`"))?;
        flags |= bit;
    }
    Ok(StateFlags(flags))
}

fn tcp_flags(text: &str) -> Result<u8, String> {
    match text {
        "ALL" => return Ok(TcpFlags::ALL),
        "NONE" => return Ok(0),
        _ => {}
    }
    let mut flags = 0;
    for word in text.split(',') {
        let (_, bit) = TcpFlags::NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .ok_or_else(|| format!("unknown TCP flag `{word}`"))?;
        flags |= bit;
    }
    Ok(flags)
}
