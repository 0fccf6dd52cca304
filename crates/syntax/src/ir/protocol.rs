//! The protocols a rule can match (`<mac>`, `<tcp>`, ...) and, for each, the
//! attributes it accepts in libvirt's canonical order, with the kind of value
//! each attribute takes.
//!
//! The tables mirror libvirt's attribute tables in `nwfilter_conf.c` (their
//! order is the order libvirt writes attributes in) and `nwfilter.rng`. They
//! are data: the XML reader, the text parser, the printers, completion and
//! hover all read them, so adding an attribute is one line here.

use std::fmt;

macro_rules! protocols {
    ($( $variant:ident = $name:literal, $layer:ident, $table:ident; )*) => {
        /// A protocol element of a rule.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Protocol {
            $( $variant, )*
        }

        impl Protocol {
            pub const ALL: &'static [Protocol] = &[ $( Protocol::$variant, )* ];

            /// The element name (`tcp-ipv6`, `icmpv6`, ...).
            pub fn as_str(self) -> &'static str {
                match self { $( Protocol::$variant => $name, )* }
            }

            /// Whether libvirt evaluates this protocol at layer 2 (ebtables,
            /// the filter's chains) or layer 3/4 (iptables/ip6tables).
            pub fn layer(self) -> Layer {
                match self { $( Protocol::$variant => Layer::$layer, )* }
            }

            /// The attributes this protocol accepts, in canonical order.
            pub fn attrs(self) -> &'static [AttrSpec] {
                match self { $( Protocol::$variant => $table, )* }
            }

            pub fn parse(text: &str) -> Option<Protocol> {
                match text { $( $name => Some(Protocol::$variant), )* _ => None }
            }
        }
    };
}

protocols! {
    Mac = "mac", Link, MAC_ATTRS;
    Vlan = "vlan", Link, VLAN_ATTRS;
    Stp = "stp", Link, STP_ATTRS;
    Arp = "arp", Link, ARP_ATTRS;
    Rarp = "rarp", Link, ARP_ATTRS;
    Ip = "ip", Link, IP_ATTRS;
    Ipv6 = "ipv6", Link, IPV6_ATTRS;
    Tcp = "tcp", Transport, TCP_ATTRS;
    Udp = "udp", Transport, UDP_ATTRS;
    UdpLite = "udplite", Transport, IP4_ONLY_ATTRS;
    Esp = "esp", Transport, IP4_ONLY_ATTRS;
    Ah = "ah", Transport, IP4_ONLY_ATTRS;
    Sctp = "sctp", Transport, UDP_ATTRS;
    Icmp = "icmp", Transport, ICMP_ATTRS;
    All = "all", Transport, IP4_ONLY_ATTRS;
    Igmp = "igmp", Transport, IP4_ONLY_ATTRS;
    TcpIpv6 = "tcp-ipv6", Transport, TCP6_ATTRS;
    UdpIpv6 = "udp-ipv6", Transport, UDP6_ATTRS;
    UdpLiteIpv6 = "udplite-ipv6", Transport, IP6_ONLY_ATTRS;
    EspIpv6 = "esp-ipv6", Transport, IP6_ONLY_ATTRS;
    AhIpv6 = "ah-ipv6", Transport, IP6_ONLY_ATTRS;
    SctpIpv6 = "sctp-ipv6", Transport, UDP6_ATTRS;
    Icmpv6 = "icmpv6", Transport, ICMP6_ATTRS;
    AllIpv6 = "all-ipv6", Transport, IP6_ONLY_ATTRS;
}

impl Protocol {
    /// The spec of `attr` for this protocol, if the protocol accepts it.
    pub fn attr(self, attr: Attr) -> Option<&'static AttrSpec> {
        self.attrs().iter().find(|spec| spec.attr == attr)
    }

    /// Whether the protocol matches IPv6 traffic (`ipv6`, `*-ipv6`, `icmpv6`).
    pub fn is_ipv6(self) -> bool {
        matches!(
            self,
            Protocol::Ipv6
                | Protocol::TcpIpv6
                | Protocol::UdpIpv6
                | Protocol::UdpLiteIpv6
                | Protocol::EspIpv6
                | Protocol::AhIpv6
                | Protocol::SctpIpv6
                | Protocol::Icmpv6
                | Protocol::AllIpv6
        )
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where libvirt evaluates a protocol's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// ebtables in libvirt: the filter's chains, evaluated first.
    Link,
    /// iptables/ip6tables in libvirt: after the layer-2 verdict; the
    /// filter's `chain` attribute does not apply.
    Transport,
}

macro_rules! attrs {
    ($( $variant:ident = $name:literal, )*) => {
        /// Every attribute name any protocol element accepts.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Attr {
            $( $variant, )*
        }

        impl Attr {
            pub const ALL: &'static [Attr] = &[ $( Attr::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Attr::$variant => $name, )* }
            }

            pub fn parse(text: &str) -> Option<Attr> {
                match text { $( $name => Some(Attr::$variant), )* _ => None }
            }
        }
    };
}

attrs! {
    SrcMacAddr = "srcmacaddr",
    SrcMacMask = "srcmacmask",
    DstMacAddr = "dstmacaddr",
    DstMacMask = "dstmacmask",
    ProtocolId = "protocolid",
    VlanId = "vlanid",
    EncapProtocol = "encap-protocol",
    Type = "type",
    Flags = "flags",
    RootPriority = "root-priority",
    RootPriorityHi = "root-priority-hi",
    RootAddress = "root-address",
    RootAddressMask = "root-address-mask",
    RootCost = "root-cost",
    RootCostHi = "root-cost-hi",
    SenderPriority = "sender-priority",
    SenderPriorityHi = "sender-priority-hi",
    SenderAddress = "sender-address",
    SenderAddressMask = "sender-address-mask",
    Port = "port",
    PortHi = "port-hi",
    Age = "age",
    AgeHi = "age-hi",
    MaxAge = "max-age",
    MaxAgeHi = "max-age-hi",
    HelloTime = "hello-time",
    HelloTimeHi = "hello-time-hi",
    ForwardDelay = "forward-delay",
    ForwardDelayHi = "forward-delay-hi",
    HwType = "hwtype",
    ProtocolType = "protocoltype",
    Opcode = "opcode",
    ArpSrcMacAddr = "arpsrcmacaddr",
    ArpDstMacAddr = "arpdstmacaddr",
    ArpSrcIpAddr = "arpsrcipaddr",
    ArpSrcIpMask = "arpsrcipmask",
    ArpDstIpAddr = "arpdstipaddr",
    ArpDstIpMask = "arpdstipmask",
    Gratuitous = "gratuitous",
    SrcIpAddr = "srcipaddr",
    SrcIpMask = "srcipmask",
    DstIpAddr = "dstipaddr",
    DstIpMask = "dstipmask",
    SrcIpFrom = "srcipfrom",
    SrcIpTo = "srcipto",
    DstIpFrom = "dstipfrom",
    DstIpTo = "dstipto",
    IpProtocol = "protocol",
    SrcPortStart = "srcportstart",
    SrcPortEnd = "srcportend",
    DstPortStart = "dstportstart",
    DstPortEnd = "dstportend",
    Dscp = "dscp",
    ConnlimitAbove = "connlimit-above",
    State = "state",
    Ipset = "ipset",
    IpsetFlags = "ipsetflags",
    Option = "option",
    TypeEnd = "typeend",
    Code = "code",
    CodeEnd = "codeend",
    Comment = "comment",
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of value an attribute takes (per protocol: `type` is a uint8 for
/// `stp` and `icmp`, `flags` is a uint8 for `stp` but a flag mask for `tcp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    MacAddr,
    MacMask,
    Ipv4Addr,
    /// Dotted-quad or prefix length 0..=32.
    Ipv4Mask,
    Ipv6Addr,
    /// IPv6 address form or prefix length 0..=128.
    Ipv6Mask,
    /// 0..=255, decimal or hex.
    Uint8,
    /// 0..=65535, decimal or hex.
    Uint16,
    /// 0..=2^32-1, decimal or hex.
    Uint32,
    /// Decimal only 0..=65535 (`connlimit-above`).
    Uint16Dec,
    /// 0..=63.
    Dscp,
    /// 0..=4095.
    VlanId,
    /// An Ethernet type >= 0x600, or `arp`, `rarp`, `ipv4`, `ipv6`, `vlan`.
    MacProtocolId,
    /// vlan `encap-protocol`: like [`ValueKind::MacProtocolId`] but libvirt
    /// accepts numbers from 0x3c up.
    VlanEncapProtocol,
    /// A uint8, or `tcp`, `udp`, `udplite`, `esp`, `ah`, `icmp`, `igmp`,
    /// `sctp`, `icmpv6`.
    IpProtocol,
    /// A uint16, or one of the ARP opcode names.
    ArpOpcode,
    Boolean,
    State,
    TcpFlags,
    IpsetName,
    IpsetFlags,
    Comment,
}

/// One attribute a protocol accepts, and its value kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrSpec {
    pub attr: Attr,
    pub kind: ValueKind,
}

const fn spec(attr: Attr, kind: ValueKind) -> AttrSpec {
    AttrSpec { attr, kind }
}

use Attr as A;
use ValueKind as K;

const MAC_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::DstMacAddr, K::MacAddr),
    spec(A::DstMacMask, K::MacMask),
    spec(A::ProtocolId, K::MacProtocolId),
    spec(A::Comment, K::Comment),
];

const VLAN_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::DstMacAddr, K::MacAddr),
    spec(A::DstMacMask, K::MacMask),
    spec(A::VlanId, K::VlanId),
    spec(A::EncapProtocol, K::VlanEncapProtocol),
    spec(A::Comment, K::Comment),
];

const STP_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::Type, K::Uint8),
    spec(A::Flags, K::Uint8),
    spec(A::RootPriority, K::Uint16),
    spec(A::RootPriorityHi, K::Uint16),
    spec(A::RootAddress, K::MacAddr),
    spec(A::RootAddressMask, K::MacMask),
    spec(A::RootCost, K::Uint32),
    spec(A::RootCostHi, K::Uint32),
    spec(A::SenderPriority, K::Uint16),
    spec(A::SenderPriorityHi, K::Uint16),
    spec(A::SenderAddress, K::MacAddr),
    spec(A::SenderAddressMask, K::MacMask),
    spec(A::Port, K::Uint16),
    spec(A::PortHi, K::Uint16),
    spec(A::Age, K::Uint16),
    spec(A::AgeHi, K::Uint16),
    spec(A::MaxAge, K::Uint16),
    spec(A::MaxAgeHi, K::Uint16),
    spec(A::HelloTime, K::Uint16),
    spec(A::HelloTimeHi, K::Uint16),
    spec(A::ForwardDelay, K::Uint16),
    spec(A::ForwardDelayHi, K::Uint16),
    spec(A::Comment, K::Comment),
];

const ARP_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::DstMacAddr, K::MacAddr),
    spec(A::DstMacMask, K::MacMask),
    spec(A::HwType, K::Uint16),
    spec(A::ProtocolType, K::Uint16),
    spec(A::Opcode, K::ArpOpcode),
    spec(A::ArpSrcMacAddr, K::MacAddr),
    spec(A::ArpDstMacAddr, K::MacAddr),
    spec(A::ArpSrcIpAddr, K::Ipv4Addr),
    spec(A::ArpSrcIpMask, K::Ipv4Mask),
    spec(A::ArpDstIpAddr, K::Ipv4Addr),
    spec(A::ArpDstIpMask, K::Ipv4Mask),
    spec(A::Gratuitous, K::Boolean),
    spec(A::Comment, K::Comment),
];

const IP_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::DstMacAddr, K::MacAddr),
    spec(A::DstMacMask, K::MacMask),
    spec(A::SrcIpAddr, K::Ipv4Addr),
    spec(A::SrcIpMask, K::Ipv4Mask),
    spec(A::DstIpAddr, K::Ipv4Addr),
    spec(A::DstIpMask, K::Ipv4Mask),
    spec(A::IpProtocol, K::IpProtocol),
    spec(A::SrcPortStart, K::Uint16),
    spec(A::SrcPortEnd, K::Uint16),
    spec(A::DstPortStart, K::Uint16),
    spec(A::DstPortEnd, K::Uint16),
    spec(A::Dscp, K::Dscp),
    spec(A::Comment, K::Comment),
];

const IPV6_ATTRS: &[AttrSpec] = &[
    spec(A::SrcMacAddr, K::MacAddr),
    spec(A::SrcMacMask, K::MacMask),
    spec(A::DstMacAddr, K::MacAddr),
    spec(A::DstMacMask, K::MacMask),
    spec(A::SrcIpAddr, K::Ipv6Addr),
    spec(A::SrcIpMask, K::Ipv6Mask),
    spec(A::DstIpAddr, K::Ipv6Addr),
    spec(A::DstIpMask, K::Ipv6Mask),
    spec(A::IpProtocol, K::IpProtocol),
    spec(A::SrcPortStart, K::Uint16),
    spec(A::SrcPortEnd, K::Uint16),
    spec(A::DstPortStart, K::Uint16),
    spec(A::DstPortEnd, K::Uint16),
    spec(A::Type, K::Uint8),
    spec(A::TypeEnd, K::Uint8),
    spec(A::Code, K::Uint8),
    spec(A::CodeEnd, K::Uint8),
    spec(A::Comment, K::Comment),
];

/// The attributes every layer-3/4 protocol shares, for IPv4 or IPv6, in
/// libvirt's order; the protocol tables below append their own.
macro_rules! l34_table {
    ($name:ident, $addr:expr, $mask:expr, [$($extra:expr),* $(,)?]) => {
        const $name: &[AttrSpec] = &[
            spec(A::SrcMacAddr, K::MacAddr),
            spec(A::SrcIpAddr, $addr),
            spec(A::SrcIpMask, $mask),
            spec(A::DstIpAddr, $addr),
            spec(A::DstIpMask, $mask),
            spec(A::SrcIpFrom, $addr),
            spec(A::SrcIpTo, $addr),
            spec(A::DstIpFrom, $addr),
            spec(A::DstIpTo, $addr),
            spec(A::Dscp, K::Dscp),
            spec(A::ConnlimitAbove, K::Uint16Dec),
            spec(A::State, K::State),
            spec(A::Ipset, K::IpsetName),
            spec(A::IpsetFlags, K::IpsetFlags),
            $($extra,)*
            spec(A::Comment, K::Comment),
        ];
    };
}

const PORTS: [AttrSpec; 4] = [
    spec(A::SrcPortStart, K::Uint16),
    spec(A::SrcPortEnd, K::Uint16),
    spec(A::DstPortStart, K::Uint16),
    spec(A::DstPortEnd, K::Uint16),
];

l34_table!(
    TCP_ATTRS,
    K::Ipv4Addr,
    K::Ipv4Mask,
    [
        PORTS[0],
        PORTS[1],
        PORTS[2],
        PORTS[3],
        spec(A::Option, K::Uint8),
        spec(A::Flags, K::TcpFlags),
    ]
);
l34_table!(
    UDP_ATTRS,
    K::Ipv4Addr,
    K::Ipv4Mask,
    [PORTS[0], PORTS[1], PORTS[2], PORTS[3]]
);
l34_table!(IP4_ONLY_ATTRS, K::Ipv4Addr, K::Ipv4Mask, []);
l34_table!(
    ICMP_ATTRS,
    K::Ipv4Addr,
    K::Ipv4Mask,
    [spec(A::Type, K::Uint8), spec(A::Code, K::Uint8),]
);
// libvirt's `tcp-ipv6` table has no `flags` (the schema allows it, but the
// parser ignores it), so neither does ours.
l34_table!(
    TCP6_ATTRS,
    K::Ipv6Addr,
    K::Ipv6Mask,
    [
        PORTS[0],
        PORTS[1],
        PORTS[2],
        PORTS[3],
        spec(A::Option, K::Uint8),
    ]
);
l34_table!(
    UDP6_ATTRS,
    K::Ipv6Addr,
    K::Ipv6Mask,
    [PORTS[0], PORTS[1], PORTS[2], PORTS[3]]
);
l34_table!(IP6_ONLY_ATTRS, K::Ipv6Addr, K::Ipv6Mask, []);
l34_table!(
    ICMP6_ATTRS,
    K::Ipv6Addr,
    K::Ipv6Mask,
    [spec(A::Type, K::Uint8), spec(A::Code, K::Uint8),]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_table_is_free_of_duplicates_and_ends_with_comment() {
        for protocol in Protocol::ALL {
            let attrs = protocol.attrs();
            let mut seen = std::collections::HashSet::new();
            for spec in attrs {
                assert!(seen.insert(spec.attr), "{protocol}: {} twice", spec.attr);
            }
            assert_eq!(
                attrs.last().map(|spec| spec.attr),
                Some(Attr::Comment),
                "{protocol}"
            );
            assert_eq!(Protocol::parse(protocol.as_str()), Some(*protocol));
        }
    }
}
