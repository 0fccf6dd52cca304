//! Whether a parameter's text (always a plain string where it is given) can
//! be read as the kind of value the attribute that uses it takes, and the
//! kinds libvirt's reserved variables must have.
//!
//! This is a yes/no check for diagnostics; turning text into typed values
//! is the front ends' and the backend's business.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::ir::{MacAddr, Number, ValueKind};

/// ARP opcode names libvirt accepts (compared case-insensitively).
const ARP_OPCODES: [&str; 9] = [
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
const MAC_PROTOCOL_NAMES: [&str; 5] = ["arp", "rarp", "ipv4", "ipv6", "vlan"];
const IP_PROTOCOL_NAMES: [&str; 9] = [
    "tcp", "udp", "udplite", "esp", "ah", "icmp", "igmp", "sctp", "icmpv6",
];
const STATE_NAMES: [&str; 5] = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "NONE"];
const TCP_FLAG_NAMES: [&str; 8] = ["SYN", "ACK", "URG", "PSH", "FIN", "RST", "ALL", "NONE"];

fn number_at_most(text: &str, max: u32) -> bool {
    Number::parse(text).is_some_and(|number| number.value <= max)
}

fn is_one_of(text: &str, names: &[&str]) -> bool {
    names.iter().any(|name| name.eq_ignore_ascii_case(text))
}

fn is_list_of(text: &str, names: &[&str]) -> bool {
    !text.is_empty() && text.split(',').all(|word| is_one_of(word.trim(), names))
}

/// Whether `text` is a valid literal of `kind`.
pub(crate) fn fits(kind: ValueKind, text: &str) -> bool {
    match kind {
        ValueKind::MacAddr | ValueKind::MacMask => MacAddr::parse(text).is_some(),
        ValueKind::Ipv4Addr => text.parse::<Ipv4Addr>().is_ok(),
        ValueKind::Ipv4Mask => text.parse::<Ipv4Addr>().is_ok() || number_at_most(text, 32),
        ValueKind::Ipv6Addr => text.parse::<Ipv6Addr>().is_ok(),
        ValueKind::Ipv6Mask => text.parse::<Ipv6Addr>().is_ok() || number_at_most(text, 128),
        ValueKind::Uint8 => number_at_most(text, 0xff),
        ValueKind::Uint16 => number_at_most(text, 0xffff),
        ValueKind::Uint32 => Number::parse(text).is_some(),
        ValueKind::Uint16Dec => {
            text.bytes().all(|byte| byte.is_ascii_digit()) && number_at_most(text, 0xffff)
        }
        ValueKind::Dscp => number_at_most(text, 63),
        ValueKind::VlanId => number_at_most(text, 4095),
        ValueKind::MacProtocolId => {
            Number::parse(text).is_some_and(|number| (0x600..=0xffff).contains(&number.value))
                || is_one_of(text, &MAC_PROTOCOL_NAMES)
        }
        ValueKind::IpProtocol => number_at_most(text, 0xff) || is_one_of(text, &IP_PROTOCOL_NAMES),
        ValueKind::ArpOpcode => number_at_most(text, 0xffff) || is_one_of(text, &ARP_OPCODES),
        ValueKind::Boolean => is_one_of(text, &["true", "false", "yes", "no", "1", "0"]),
        ValueKind::State => is_list_of(text, &STATE_NAMES),
        ValueKind::TcpFlags => text.split_once('/').is_some_and(|(mask, set)| {
            is_list_of(mask, &TCP_FLAG_NAMES) && is_list_of(set, &TCP_FLAG_NAMES)
        }),
        ValueKind::IpsetName => !text.is_empty() && text.len() <= 31,
        ValueKind::IpsetFlags => {
            let words: Vec<&str> = text.split(',').collect();
            (1..=6).contains(&words.len())
                && words.iter().all(|word| is_one_of(word, &["src", "dst"]))
        }
        ValueKind::Comment => true,
    }
}

/// What a value of `kind` looks like, for messages.
pub(crate) fn describe(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::MacAddr => "a MAC address",
        ValueKind::MacMask => "a MAC mask",
        ValueKind::Ipv4Addr => "an IPv4 address",
        ValueKind::Ipv4Mask => "an IPv4 mask (dotted or a prefix length 0..32)",
        ValueKind::Ipv6Addr => "an IPv6 address",
        ValueKind::Ipv6Mask => "an IPv6 mask (address form or a prefix length 0..128)",
        ValueKind::Uint8 => "a number from 0 to 255",
        ValueKind::Uint16 => "a number from 0 to 65535",
        ValueKind::Uint32 => "a 32-bit number",
        ValueKind::Uint16Dec => "a decimal number from 0 to 65535",
        ValueKind::Dscp => "a DSCP value from 0 to 63",
        ValueKind::VlanId => "a VLAN id from 0 to 4095",
        ValueKind::MacProtocolId => {
            "an Ethernet type (0x600 or above, or arp, rarp, ipv4, ipv6, vlan)"
        }
        ValueKind::IpProtocol => "an IP protocol (0..255 or a name such as tcp, udp, icmp)",
        ValueKind::ArpOpcode => "an ARP opcode (a number or a name such as Request, Reply)",
        ValueKind::Boolean => "a boolean (true, false, yes, no, 1, 0)",
        ValueKind::State => {
            "a list of connection states (NEW, ESTABLISHED, RELATED, INVALID or NONE)"
        }
        ValueKind::TcpFlags => "TCP flags as MASK/SET",
        ValueKind::IpsetName => "an ipset name of at most 31 characters",
        ValueKind::IpsetFlags => "1 to 6 of src/dst",
        ValueKind::Comment => "a comment",
    }
}

/// The kind of value a reserved variable must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reserved {
    Value(ValueKind),
    /// An IPv4 or an IPv6 address: `DHCPSERVER`, which the stock
    /// `allow-dhcpv6-server` uses for IPv6 too.
    AnyIp,
    /// `CTRL_IP_LEARNING`: `any`, `dhcp` or `none`.
    IpLearning,
}

/// The reserved variables libvirt gives a meaning to (formatnwfilter.rst,
/// "Reserved Variables"), and what their values must be.
pub(crate) fn reserved(name: &str) -> Option<Reserved> {
    Some(match name {
        "MAC" => Reserved::Value(ValueKind::MacAddr),
        "IP" => Reserved::Value(ValueKind::Ipv4Addr),
        "DHCPSERVER" => Reserved::AnyIp,
        "IPV6" | "DHCPSERVERV6" => Reserved::Value(ValueKind::Ipv6Addr),
        "CTRL_IP_LEARNING" => Reserved::IpLearning,
        _ => return None,
    })
}

pub(crate) const IP_LEARNING_MODES: [&str; 3] = ["any", "dhcp", "none"];

impl Reserved {
    pub fn accepts(self, text: &str) -> bool {
        match self {
            Reserved::Value(kind) => fits(kind, text),
            Reserved::AnyIp => fits(ValueKind::Ipv4Addr, text) || fits(ValueKind::Ipv6Addr, text),
            Reserved::IpLearning => is_one_of(text, &IP_LEARNING_MODES),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Reserved::Value(kind) => describe(kind),
            Reserved::AnyIp => "an IPv4 or IPv6 address",
            Reserved::IpLearning => "one of any, dhcp, none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_accept_their_literals_only() {
        assert!(fits(ValueKind::Uint16, "0x50"));
        assert!(!fits(ValueKind::Uint16, "65536"));
        assert!(fits(ValueKind::Ipv4Mask, "24"));
        assert!(!fits(ValueKind::Ipv4Mask, "33"));
        assert!(fits(ValueKind::MacProtocolId, "IPv4"));
        assert!(!fits(ValueKind::MacProtocolId, "0x5ff"));
        assert!(fits(ValueKind::TcpFlags, "SYN,ACK/SYN"));
        assert!(!fits(ValueKind::Ipv4Addr, "10.0.0"));
        assert!(Reserved::IpLearning.accepts("DHCP"));
        assert!(!Reserved::IpLearning.accepts("static"));
    }
}
