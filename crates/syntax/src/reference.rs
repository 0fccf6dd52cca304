//! Reference documentation for the vocabulary of network filters: what each
//! protocol element, attribute, value kind, action and direction means.
//!
//! The facts follow libvirt's `docs/formatnwfilter.rst` (its protocol and
//! attribute tables and the section on rules); the sentences are our own.
//! Hover in the language server and `nwf explain`-style help in the CLI read
//! these tables; they deliberately hold prose only, never validation rules
//! (those live in [`crate::ir::protocol`] and the front ends).

use crate::ir::protocol::Layer;
use crate::ir::{Action, Attr, ChainKind, Direction, Protocol, ValueKind};

/// Documentation of one protocol element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolDoc {
    /// A short title, e.g. "ARP/RARP".
    pub title: &'static str,
    /// What traffic the element matches.
    pub summary: &'static str,
    /// Which chains its rules belong in.
    pub placement: &'static str,
}

pub fn protocol(protocol: Protocol) -> ProtocolDoc {
    use Protocol as P;
    const L34: &str = "Evaluated after the layer-2 verdict, for traffic to, from and through \
         the guest; the filter's `chain` does not apply, so leave it out or use `root`.";
    let (title, summary, placement) = match protocol {
        P::Mac => (
            "Ethernet (MAC)",
            "Matches Ethernet frames by source and destination MAC address and by the \
             EtherType of the payload (`protocolid`).",
            "Belongs in the `root` chain.",
        ),
        P::Vlan => (
            "VLAN (802.1Q)",
            "Matches 802.1Q-tagged frames by MAC addresses, VLAN id and the \
             encapsulated EtherType.",
            "Belongs in the `root` or a `vlan` chain.",
        ),
        P::Stp => (
            "STP (Spanning Tree Protocol)",
            "Matches spanning-tree BPDUs by their fields; most numeric fields come as \
             a start value and an optional `-hi` end of range.",
            "Belongs in the `root` or an `stp` chain.",
        ),
        P::Arp => (
            "ARP",
            "Matches ARP packets by the Ethernet header and by the fields of the ARP \
             payload (opcode, sender and target hardware and IP addresses).",
            "Belongs in the `root` or an `arp` chain.",
        ),
        P::Rarp => (
            "RARP",
            "Matches reverse-ARP packets; the attributes are those of `arp`.",
            "Belongs in the `root` or a `rarp` chain.",
        ),
        P::Ip => (
            "IPv4",
            "Matches IPv4 packets at layer 2 by MAC and IP addresses, the layer-4 \
             protocol, its ports and the DSCP field.",
            "Belongs in the `root` or an `ipv4` chain.",
        ),
        P::Ipv6 => (
            "IPv6",
            "Matches IPv6 packets at layer 2 by MAC and IPv6 addresses, the layer-4 \
             protocol, its ports, and ICMPv6 type and code ranges.",
            "Belongs in the `root` or an `ipv6` chain.",
        ),
        P::Tcp => (
            "TCP over IPv4",
            "Matches TCP segments by addresses, address ranges, ports, TCP flags, \
             connection state and ipsets.",
            L34,
        ),
        P::Udp => (
            "UDP over IPv4",
            "Matches UDP datagrams by addresses, address ranges, ports, connection \
             state and ipsets.",
            L34,
        ),
        P::Sctp => (
            "SCTP over IPv4",
            "Matches SCTP packets by addresses, address ranges, ports, connection \
             state and ipsets.",
            L34,
        ),
        P::UdpLite => (
            "UDP-Lite over IPv4",
            "Matches UDP-Lite packets by addresses, connection state and ipsets.",
            L34,
        ),
        P::Esp => (
            "ESP over IPv4",
            "Matches IPsec ESP packets by addresses, connection state and ipsets.",
            L34,
        ),
        P::Ah => (
            "AH over IPv4",
            "Matches IPsec AH packets by addresses, connection state and ipsets.",
            L34,
        ),
        P::Icmp => (
            "ICMP",
            "Matches ICMP messages by addresses, ICMP type and code, connection \
             state and ipsets.",
            L34,
        ),
        P::Igmp => (
            "IGMP",
            "Matches IGMP messages by addresses, connection state and ipsets.",
            L34,
        ),
        P::All => (
            "All IPv4 traffic",
            "Matches every IPv4 packet, whatever its layer-4 protocol, by addresses, \
             connection state and ipsets.",
            L34,
        ),
        P::TcpIpv6 => (
            "TCP over IPv6",
            "Matches TCP segments over IPv6 by addresses, address ranges, ports, TCP \
             flags, connection state and ipsets.",
            L34,
        ),
        P::UdpIpv6 => (
            "UDP over IPv6",
            "Matches UDP datagrams over IPv6 by addresses, address ranges, ports, \
             connection state and ipsets.",
            L34,
        ),
        P::SctpIpv6 => (
            "SCTP over IPv6",
            "Matches SCTP packets over IPv6 by addresses, address ranges, ports, \
             connection state and ipsets.",
            L34,
        ),
        P::UdpLiteIpv6 => (
            "UDP-Lite over IPv6",
            "Matches UDP-Lite packets over IPv6 by addresses, connection state and ipsets.",
            L34,
        ),
        P::EspIpv6 => (
            "ESP over IPv6",
            "Matches IPsec ESP packets over IPv6 by addresses, connection state and ipsets.",
            L34,
        ),
        P::AhIpv6 => (
            "AH over IPv6",
            "Matches IPsec AH packets over IPv6 by addresses, connection state and ipsets.",
            L34,
        ),
        P::Icmpv6 => (
            "ICMPv6",
            "Matches ICMPv6 messages by addresses, ICMPv6 type and code, connection \
             state and ipsets.",
            L34,
        ),
        P::AllIpv6 => (
            "All IPv6 traffic",
            "Matches every IPv6 packet, whatever its layer-4 protocol, by addresses, \
             connection state and ipsets.",
            L34,
        ),
    };
    ProtocolDoc {
        title,
        summary,
        placement,
    }
}

/// What `attr` means inside `protocol`'s element. Attributes whose meaning
/// depends on the protocol (`type`, `code`, `flags`, `protocol`) are told
/// apart here.
pub fn attr(protocol: Protocol, attr: Attr) -> &'static str {
    use Attr as A;
    let l2 = protocol.layer() == Layer::Link;
    match attr {
        A::SrcMacAddr => "The sender's MAC address (the Ethernet source).",
        A::SrcMacMask => "A mask applied to the sender's MAC address before comparing it.",
        A::DstMacAddr => "The destination MAC address.",
        A::DstMacMask => "A mask applied to the destination MAC address before comparing it.",
        A::ProtocolId => {
            "The EtherType of the frame's payload: a number from 0x600 up, or one of \
             `arp`, `rarp`, `ipv4`, `ipv6`, `vlan`."
        }
        A::VlanId => "The VLAN id of the 802.1Q tag, 0 to 4095.",
        A::EncapProtocol => {
            "The EtherType carried inside the VLAN tag: a number, or one of `arp`, \
             `ipv4`, `ipv6`."
        }
        A::Type => match protocol {
            Protocol::Stp => "The type of the bridge protocol data unit (BPDU).",
            Protocol::Ipv6 => {
                "The ICMPv6 type (start of a range with `typeend`); needs `protocol` \
                 set to `icmpv6`."
            }
            Protocol::Icmpv6 => "The ICMPv6 message type.",
            _ => "The ICMP message type.",
        },
        A::TypeEnd => "The end of the ICMPv6 type range that `type` starts.",
        A::Code => match protocol {
            Protocol::Ipv6 => {
                "The ICMPv6 code (start of a range with `codeend`); needs `protocol` \
                 set to `icmpv6`."
            }
            Protocol::Icmpv6 => "The ICMPv6 message code.",
            _ => "The ICMP message code.",
        },
        A::CodeEnd => "The end of the ICMPv6 code range that `code` starts.",
        A::Flags => {
            if protocol == Protocol::Stp {
                "The BPDU flags byte."
            } else {
                "TCP flags as `MASK/SET`: of the flags in MASK, exactly those in SET must \
                 be on. Each side is a comma-separated list of SYN, ACK, URG, PSH, FIN, \
                 RST, or NONE or ALL."
            }
        }
        A::RootPriority => "The root bridge priority (start of a range with `root-priority-hi`).",
        A::RootPriorityHi => "The end of the root priority range.",
        A::RootAddress => "The root bridge's MAC address.",
        A::RootAddressMask => "A mask applied to the root bridge's MAC address.",
        A::RootCost => "The root path cost (start of a range with `root-cost-hi`).",
        A::RootCostHi => "The end of the root path cost range.",
        A::SenderPriority => {
            "The sending bridge's priority (start of a range with `sender-priority-hi`)."
        }
        A::SenderPriorityHi => "The end of the sender priority range.",
        A::SenderAddress => "The sending bridge's MAC address.",
        A::SenderAddressMask => "A mask applied to the sending bridge's MAC address.",
        A::Port => "The port identifier (start of a range with `port-hi`).",
        A::PortHi => "The end of the port identifier range.",
        A::Age => "The message age timer (start of a range with `age-hi`).",
        A::AgeHi => "The end of the message age range.",
        A::MaxAge => "The maximum age timer (start of a range with `max-age-hi`).",
        A::MaxAgeHi => "The end of the maximum age range.",
        A::HelloTime => "The hello time timer (start of a range with `hello-time-hi`).",
        A::HelloTimeHi => "The end of the hello time range.",
        A::ForwardDelay => "The forward delay timer (start of a range with `forward-delay-hi`).",
        A::ForwardDelayHi => "The end of the forward delay range.",
        A::HwType => "The ARP hardware type (1 for Ethernet).",
        A::ProtocolType => "The ARP protocol type (0x800 for IPv4).",
        A::Opcode => {
            "The ARP opcode: a number, or one of Request, Reply, Request_Reverse, \
             Reply_Reverse, DRARP_Request, DRARP_Reply, DRARP_Error, InARP_Request, \
             ARP_NAK."
        }
        A::ArpSrcMacAddr => "The sender hardware address inside the ARP payload.",
        A::ArpDstMacAddr => "The target hardware address inside the ARP payload.",
        A::ArpSrcIpAddr => "The sender IP address inside the ARP payload.",
        A::ArpSrcIpMask => "A mask (dotted or prefix length) applied to the ARP sender IP.",
        A::ArpDstIpAddr => "The target IP address inside the ARP payload.",
        A::ArpDstIpMask => "A mask (dotted or prefix length) applied to the ARP target IP.",
        A::Gratuitous => "Whether the packet must be a gratuitous ARP (true or false).",
        A::SrcIpAddr => "The source IP address.",
        A::SrcIpMask => {
            "A mask applied to the source address: dotted (or IPv6) form or a prefix \
             length. Masks cannot be negated."
        }
        A::DstIpAddr => "The destination IP address.",
        A::DstIpMask => {
            "A mask applied to the destination address: dotted (or IPv6) form or a \
             prefix length. Masks cannot be negated."
        }
        A::SrcIpFrom => "The first source address of a range (ends with `srcipto`).",
        A::SrcIpTo => "The last source address of a range (starts with `srcipfrom`).",
        A::DstIpFrom => "The first destination address of a range (ends with `dstipto`).",
        A::DstIpTo => "The last destination address of a range (starts with `dstipfrom`).",
        A::IpProtocol => {
            if protocol == Protocol::Ipv6 {
                "The layer-4 protocol: a number, or one of tcp, udp, udplite, esp, ah, \
                 icmpv6, sctp. Port and ICMPv6 attributes need it."
            } else {
                "The layer-4 protocol: a number, or one of tcp, udp, udplite, esp, ah, \
                 icmp, igmp, sctp. Port attributes need it."
            }
        }
        A::SrcPortStart => {
            if l2 {
                "The first source port of a range; needs `protocol`."
            } else {
                "The first source port of a range."
            }
        }
        A::SrcPortEnd => "The last source port of a range.",
        A::DstPortStart => {
            if l2 {
                "The first destination port of a range; needs `protocol`."
            } else {
                "The first destination port of a range."
            }
        }
        A::DstPortEnd => "The last destination port of a range.",
        A::Dscp => "The Differentiated Services Code Point, 0 to 63.",
        A::ConnlimitAbove => {
            "Matches only while the guest has more than this many connections of this \
             kind open; usually paired with a `drop`."
        }
        A::State => {
            "Connection states, a comma-separated list of NEW, ESTABLISHED, RELATED, \
             INVALID, or NONE. Setting it turns off the automatic state matching of the \
             rule."
        }
        A::Ipset => "The name of an ipset managed outside libvirt that the packet must be in.",
        A::IpsetFlags => {
            "Which packet addresses are looked up in the ipset: up to six comma-separated \
             `src` or `dst`; needs `ipset`."
        }
        A::Option => "A TCP option number that the segment must carry.",
        A::Comment => "Free text kept with the rule (at most 256 characters).",
    }
}

/// How a value of `kind` is written.
pub fn value_kind(kind: ValueKind) -> &'static str {
    use ValueKind as K;
    match kind {
        K::MacAddr => "a MAC address, e.g. `52:54:00:11:22:33`",
        K::MacMask => "a MAC mask, e.g. `ff:ff:ff:ff:ff:00`",
        K::Ipv4Addr => "an IPv4 address, e.g. `10.0.0.1`",
        K::Ipv4Mask => "an IPv4 mask, dotted (`255.255.255.0`) or a prefix length 0-32",
        K::Ipv6Addr => "an IPv6 address, e.g. `fe80::1`",
        K::Ipv6Mask => "an IPv6 mask, address form or a prefix length 0-128",
        K::Uint8 => "a number 0-255 (decimal or 0x hex)",
        K::Uint16 => "a number 0-65535 (decimal or 0x hex)",
        K::Uint32 => "a number 0-4294967295 (decimal or 0x hex)",
        K::Uint16Dec => "a decimal number 0-65535",
        K::Dscp => "a number 0-63",
        K::VlanId => "a number 0-4095",
        K::MacProtocolId => "an EtherType (0x600 or more) or a protocol name",
        K::VlanEncapProtocol => "an EtherType (0x3c or more) or a protocol name",
        K::IpProtocol => "a protocol number 0-255 or a protocol name",
        K::ArpOpcode => "an opcode number or name",
        K::Boolean => "true or false (also yes/no, 1/0)",
        K::State => "a comma-separated list of connection states, or NONE",
        K::TcpFlags => "MASK/SET, each a comma-separated list of TCP flags, NONE or ALL",
        K::IpsetName => "the name of an ipset",
        K::IpsetFlags => "up to six comma-separated `src`/`dst`",
        K::Comment => "free text, at most 256 characters",
    }
}

pub fn action(action: Action) -> &'static str {
    match action {
        Action::Drop => "Discards a matching packet silently; nothing after this rule sees it.",
        Action::Reject => {
            "Discards a matching packet and tells the sender (an ICMP error or a TCP \
             reset); nothing after this rule sees it."
        }
        Action::Accept => "Accepts a matching packet; no later rule of this layer sees it.",
        Action::Return => {
            "Leaves the current chain: evaluation goes on in the chain that jumped here."
        }
        Action::Continue => "Goes on with the next rule (useful with counters or logging).",
    }
}

pub fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::In => "Traffic to the guest.",
        Direction::Out => "Traffic from the guest.",
        Direction::InOut => "Traffic in both directions.",
    }
}

/// What a filter's chain means.
pub fn chain(kind: ChainKind) -> &'static str {
    match kind {
        ChainKind::Root => {
            "The root chain every interface starts in; its rules and the jumps into \
             the other chains are ordered together by priority."
        }
        ChainKind::Mac => "A chain for Ethernet rules, reached for every frame.",
        ChainKind::Stp => "A chain for spanning-tree BPDUs.",
        ChainKind::Vlan => "A chain for 802.1Q-tagged frames.",
        ChainKind::Arp => "A chain that only ARP packets enter.",
        ChainKind::Rarp => "A chain that only RARP packets enter.",
        ChainKind::Ipv4 => "A chain that only IPv4 packets enter.",
        ChainKind::Ipv6 => "A chain that only IPv6 packets enter.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_of_every_protocol_is_documented() {
        for &protocol_id in Protocol::ALL {
            let doc = protocol(protocol_id);
            assert!(!doc.title.is_empty() && !doc.summary.is_empty());
            for spec in protocol_id.attrs() {
                assert!(attr(protocol_id, spec.attr).ends_with('.'));
                assert!(!value_kind(spec.kind).is_empty());
            }
        }
    }
}
