//! Whether a parameter's text (always a plain string where it is given) can
//! be read as the kind of value the attribute that uses it takes, and the
//! kinds libvirt's reserved variables must have.
//!
//! This is a yes/no check for diagnostics on top of [`crate::values`], which
//! the front ends share.

use crate::ir::ValueKind;
use crate::values::parse_literal;

/// Whether `text` is a valid literal of `kind`, read exactly as the front
/// ends read it.
pub(crate) fn fits(kind: ValueKind, text: &str) -> bool {
    parse_literal(kind, text).is_ok()
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
        ValueKind::VlanEncapProtocol => {
            "an Ethernet type (0x3c or above, or arp, rarp, ipv4, ipv6, vlan)"
        }
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
            Reserved::IpLearning => IP_LEARNING_MODES
                .iter()
                .any(|mode| mode.eq_ignore_ascii_case(text)),
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
