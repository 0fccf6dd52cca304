//! libvirt's negation copying. After reading a rule, libvirt copies the
//! `match='no'` of some attributes onto related ones (`rule fixup` in
//! `nwfilter_conf.c`): masks follow their address, range ends follow their
//! start, ICMP codes follow the type — and, for tcp, udp and sctp, both
//! destination port attributes follow `srcportstart`. An attribute whose
//! source is absent loses its negation. Both the reader (to give the IR
//! libvirt's meaning) and the writer (to print what libvirt prints) apply
//! these rules.

use crate::ir::{Attr, AttrMatch, Protocol};

use Attr as A;

const MAC_LINKS: &[(Attr, Attr)] = &[
    (A::SrcMacMask, A::SrcMacAddr),
    (A::DstMacMask, A::DstMacAddr),
];

const STP_LINKS: &[(Attr, Attr)] = &[
    (A::SrcMacMask, A::SrcMacAddr),
    (A::RootPriorityHi, A::RootPriority),
    (A::RootAddressMask, A::RootAddress),
    (A::RootCostHi, A::RootCost),
    (A::SenderPriorityHi, A::SenderPriority),
    (A::SenderAddressMask, A::SenderAddress),
    (A::PortHi, A::Port),
    (A::AgeHi, A::Age),
    (A::MaxAgeHi, A::MaxAge),
    (A::HelloTimeHi, A::HelloTime),
    (A::ForwardDelayHi, A::ForwardDelay),
];

const IP_LINKS: &[(Attr, Attr)] = &[(A::SrcIpMask, A::SrcIpAddr), (A::DstIpMask, A::DstIpAddr)];

const IPV6_LINKS: &[(Attr, Attr)] = &[
    (A::SrcIpMask, A::SrcIpAddr),
    (A::DstIpMask, A::DstIpAddr),
    (A::TypeEnd, A::Type),
    (A::Code, A::Type),
    (A::CodeEnd, A::Type),
];

const L4_PORT_LINKS: &[(Attr, Attr)] = &[
    (A::SrcIpMask, A::SrcIpAddr),
    (A::DstIpMask, A::DstIpAddr),
    (A::SrcIpTo, A::SrcIpFrom),
    (A::DstIpTo, A::DstIpFrom),
    (A::SrcPortEnd, A::SrcPortStart),
    (A::DstPortStart, A::SrcPortStart),
    (A::DstPortEnd, A::SrcPortStart),
];

const L4_LINKS: &[(Attr, Attr)] = &[
    (A::SrcIpMask, A::SrcIpAddr),
    (A::DstIpMask, A::DstIpAddr),
    (A::SrcIpTo, A::SrcIpFrom),
    (A::DstIpTo, A::DstIpFrom),
];

const ICMP_LINKS: &[(Attr, Attr)] = &[
    (A::SrcIpMask, A::SrcIpAddr),
    (A::DstIpMask, A::DstIpAddr),
    (A::SrcIpTo, A::SrcIpFrom),
    (A::DstIpTo, A::DstIpFrom),
    (A::Code, A::Type),
];

/// The (target, source) pairs for `protocol`, in the order libvirt applies
/// them.
fn links(protocol: Protocol) -> &'static [(Attr, Attr)] {
    match protocol {
        Protocol::Mac | Protocol::Vlan => MAC_LINKS,
        Protocol::Stp => STP_LINKS,
        Protocol::Ip => IP_LINKS,
        Protocol::Ipv6 => IPV6_LINKS,
        Protocol::Arp | Protocol::Rarp => &[],
        Protocol::Tcp
        | Protocol::TcpIpv6
        | Protocol::Udp
        | Protocol::UdpIpv6
        | Protocol::Sctp
        | Protocol::SctpIpv6 => L4_PORT_LINKS,
        Protocol::UdpLite
        | Protocol::UdpLiteIpv6
        | Protocol::Esp
        | Protocol::EspIpv6
        | Protocol::Ah
        | Protocol::AhIpv6
        | Protocol::All
        | Protocol::AllIpv6
        | Protocol::Igmp => L4_LINKS,
        Protocol::Icmp | Protocol::Icmpv6 => ICMP_LINKS,
    }
}

/// The attribute whose negation `attr` takes in `protocol`, if any.
pub fn negation_source(protocol: Protocol, attr: Attr) -> Option<Attr> {
    links(protocol)
        .iter()
        .find(|(target, _)| *target == attr)
        .map(|(_, source)| *source)
}

/// Whether each attribute of `attrs` ends up negated once libvirt has
/// copied negations (same order as `attrs`).
pub fn effective_negation(protocol: Protocol, attrs: &[AttrMatch]) -> Vec<bool> {
    let mut negated: Vec<bool> = attrs.iter().map(|entry| entry.negated).collect();
    for (target, source) in links(protocol) {
        let source_negated = attrs
            .iter()
            .position(|entry| entry.attr.value == *source)
            .is_some_and(|index| negated[index]);
        if let Some(index) = attrs.iter().position(|entry| entry.attr.value == *target) {
            negated[index] = source_negated;
        }
    }
    negated
}

/// Whether libvirt fills in or clears ipset attributes for `protocol`: with
/// `ipset` but no `ipsetflags` it uses `src`; without `ipset` it drops
/// `ipsetflags`. libvirt does this for every IP protocol except `all` and
/// `all-ipv6`.
pub(crate) fn has_ipset_fixup(protocol: Protocol) -> bool {
    !matches!(protocol, Protocol::All | Protocol::AllIpv6) && protocol.attr(Attr::Ipset).is_some()
}
