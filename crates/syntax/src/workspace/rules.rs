//! Rules that can never match, checked within one filter: a layer-2 rule for
//! a protocol that never enters the filter's chain (NWF208), a rule after a
//! catch-all rule of the same direction (NWF209), and a rule written twice
//! (NWF210).
//!
//! Chain membership follows libvirt's ebtables driver: the jump into a
//! protocol chain (`arp`, `ipv4`, ...) matches the frame's Ethernet type
//! (the `stp` chain: the bridge group address), so only frames of that
//! protocol see the chain's rules; `root` and `mac` chains see every frame.
//! libvirt itself accepts such rules, so these are warnings. Layer-3/4 rules
//! (`tcp`, `udp`, ... which libvirt puts into iptables) ignore the chain and
//! are not checked here.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::protocol::Layer;
use crate::ir::{
    Action, Attr, AttrMatch, ChainKind, Direction, Document, Filter, Item, Protocol, Rule, Value,
};
use crate::span::FileId;

pub(crate) fn check(file: FileId, document: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &document.items {
        if let Item::Filter(filter) = item {
            protocols_outside_chain(file, filter, &mut out);
            shadowed(file, filter, &mut out);
            duplicates(file, filter, &mut out);
        }
    }
    out
}

/// The Ethernet type that leads into a chain of `kind`, if it is one.
pub(crate) fn chain_ethertype(kind: ChainKind) -> Option<u32> {
    match kind {
        ChainKind::Ipv4 => Some(0x0800),
        ChainKind::Ipv6 => Some(0x86dd),
        ChainKind::Arp => Some(0x0806),
        ChainKind::Rarp => Some(0x8035),
        ChainKind::Vlan => Some(0x8100),
        ChainKind::Root | ChainKind::Mac | ChainKind::Stp => None,
    }
}

/// The layer-2 protocol whose frames a chain of `kind` sees; `None` for
/// chains that see every frame.
pub(crate) fn chain_protocol(kind: ChainKind) -> Option<Protocol> {
    match kind {
        ChainKind::Root | ChainKind::Mac => None,
        ChainKind::Stp => Some(Protocol::Stp),
        ChainKind::Vlan => Some(Protocol::Vlan),
        ChainKind::Arp => Some(Protocol::Arp),
        ChainKind::Rarp => Some(Protocol::Rarp),
        ChainKind::Ipv4 => Some(Protocol::Ip),
        ChainKind::Ipv6 => Some(Protocol::Ipv6),
    }
}

/// The Ethernet type a `protocolid`/`encap-protocol` value names.
pub(crate) fn ethertype(value: &Value) -> Option<u32> {
    match value {
        Value::Number(number) => Some(number.value),
        Value::Name(name) => match name.to_ascii_lowercase().as_str() {
            "ipv4" => Some(0x0800),
            "ipv6" => Some(0x86dd),
            "arp" => Some(0x0806),
            "rarp" => Some(0x8035),
            "vlan" => Some(0x8100),
            _ => None,
        },
        _ => None,
    }
}

fn protocols_outside_chain(file: FileId, filter: &Filter, out: &mut Vec<Diagnostic>) {
    let chain = filter.chain_or_root();
    let Some(chain_protocol) = chain_protocol(chain.kind) else {
        return;
    };
    let chain_span = filter
        .chain
        .as_ref()
        .map_or(filter.name.span, |chain| chain.span);
    for rule in filter.rules() {
        let Some(protocol) = &rule.protocol else {
            continue;
        };
        let proto = protocol.protocol.value;
        if proto.layer() != Layer::Link || proto == chain_protocol {
            continue;
        }
        if proto == Protocol::Mac {
            // A `mac` rule sees the chain's frames; it never matches only
            // when it asks for another Ethernet type.
            let Some(protocol_id) = protocol.get(Attr::ProtocolId) else {
                continue;
            };
            if protocol_id.negated {
                continue;
            }
            let Some(wanted) = ethertype(&protocol_id.value.value) else {
                continue;
            };
            if chain_ethertype(chain.kind) == Some(wanted) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::ProtocolOutsideChain,
                    file,
                    protocol_id.value.span,
                    format!(
                        "this rule matches Ethernet type {}, but only {} frames enter chain `{chain}`",
                        describe_ethertype(&protocol_id.value.value),
                        frames(chain.kind)
                    ),
                )
                .with_label("never matches in this chain")
                .with_related(file, chain_span, format!("the filter's chain is `{chain}`"))
                .with_help("move the rule to a filter in the matching chain, or to the `root` or `mac` chain"),
            );
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::ProtocolOutsideChain,
                file,
                protocol.protocol.span,
                format!(
                    "this `{proto}` rule never matches in chain `{chain}`: only {} frames enter it",
                    frames(chain.kind)
                ),
            )
            .with_label(format!("`{proto}` frames never reach chain `{chain}`"))
            .with_related(file, chain_span, format!("the filter's chain is `{chain}`"))
            .with_help(format!(
                "move the rule to a filter with `chain='{}'` (or `root`/`mac`, which see every frame)",
                chain_for(proto)
            )),
        );
    }
}

/// The frames that enter a chain of `kind`, for messages.
pub(crate) fn frames(kind: ChainKind) -> &'static str {
    match kind {
        ChainKind::Root | ChainKind::Mac => "all",
        ChainKind::Stp => "STP (bridge group address)",
        ChainKind::Vlan => "VLAN-tagged",
        ChainKind::Arp => "ARP",
        ChainKind::Rarp => "RARP",
        ChainKind::Ipv4 => "IPv4",
        ChainKind::Ipv6 => "IPv6",
    }
}

fn describe_ethertype(value: &Value) -> String {
    match value {
        Value::Number(number) => number.to_string(),
        Value::Name(name) => (*name).to_string(),
        _ => "?".to_string(),
    }
}

/// The chain a layer-2 protocol's rules belong in.
fn chain_for(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Stp => "stp",
        Protocol::Vlan => "vlan",
        Protocol::Arp => "arp",
        Protocol::Rarp => "rarp",
        Protocol::Ip => "ipv4",
        Protocol::Ipv6 => "ipv6",
        _ => "mac",
    }
}

/// What a catch-all rule catches: every frame of the chain, or every frame
/// of one layer-2 protocol.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Catches {
    Everything,
    Protocol(Protocol),
}

pub(crate) fn catches(rule: &Rule, chain: ChainKind) -> Option<Catches> {
    if !matches!(
        rule.action.value,
        Action::Drop | Action::Reject | Action::Accept | Action::Return
    ) {
        return None;
    }
    let Some(protocol) = &rule.protocol else {
        return Some(Catches::Everything);
    };
    let proto = protocol.protocol.value;
    let attrs_match_all = protocol
        .attrs
        .iter()
        .all(|attr: &AttrMatch| attr.attr.value == Attr::Comment);
    if proto.layer() != Layer::Link || !attrs_match_all {
        return None;
    }
    if proto == Protocol::Mac || chain_protocol(chain) == Some(proto) {
        Some(Catches::Everything)
    } else {
        Some(Catches::Protocol(proto))
    }
}

fn direction_covers(catch_all: Direction, later: Direction) -> bool {
    catch_all == Direction::InOut || catch_all == later
}

fn shadowed(file: FileId, filter: &Filter, out: &mut Vec<Diagnostic>) {
    let chain = filter.chain_or_root().kind;
    // libvirt orders a chain's rules by priority, keeping document order
    // among equal priorities.
    let mut ordered: Vec<&Rule> = filter.rules().collect();
    ordered.sort_by_key(|rule| rule.priority_or_default());
    let mut catch_alls: Vec<(&Rule, Catches)> = Vec::new();
    for rule in ordered {
        let is_link = rule
            .protocol
            .as_ref()
            .is_none_or(|protocol| protocol.protocol.value.layer() == Layer::Link);
        if is_link {
            let shadow = catch_alls.iter().find(|(catch_all, what)| {
                direction_covers(catch_all.direction.value, rule.direction.value)
                    && match what {
                        Catches::Everything => true,
                        Catches::Protocol(proto) => rule
                            .protocol
                            .as_ref()
                            .is_some_and(|protocol| protocol.protocol.value == *proto),
                    }
            });
            if let Some((catch_all, _)) = shadow {
                out.push(
                    Diagnostic::new(
                        Code::ShadowedRule,
                        file,
                        rule.span,
                        format!(
                            "this rule never runs: an earlier `{}` rule for direction `{}` already decides every frame it could match",
                            catch_all.action.value.as_str(),
                            catch_all.direction.value.as_str()
                        ),
                    )
                    .with_label("unreachable rule")
                    .with_related(file, catch_all.span, format!(
                        "catch-all rule (priority {})",
                        catch_all.priority_or_default()
                    ))
                    .with_help("give this rule a lower priority than the catch-all rule, or narrow the catch-all rule"),
                );
                continue;
            }
        }
        if let Some(what) = catches(rule, chain) {
            catch_alls.push((rule, what));
        }
    }
}

/// Whether two rules are the same rule (attributes compared as a set).
fn same_rule(a: &Rule, b: &Rule) -> bool {
    if a.action.value != b.action.value
        || a.direction.value != b.direction.value
        || a.priority_or_default() != b.priority_or_default()
        || a.statematch_enabled() != b.statematch_enabled()
    {
        return false;
    }
    match (&a.protocol, &b.protocol) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.protocol.value == y.protocol.value
                && x.attrs.len() == y.attrs.len()
                && x.attrs.iter().all(|attr| {
                    y.get(attr.attr.value).is_some_and(|other| {
                        other.value.value == attr.value.value && other.negated == attr.negated
                    })
                })
        }
        _ => false,
    }
}

fn duplicates(file: FileId, filter: &Filter, out: &mut Vec<Diagnostic>) {
    let rules: Vec<&Rule> = filter.rules().collect();
    for (idx, rule) in rules.iter().enumerate() {
        if let Some(first) = rules[..idx].iter().find(|earlier| same_rule(earlier, rule)) {
            out.push(
                Diagnostic::new(
                    Code::DuplicateRule,
                    file,
                    rule.span,
                    format!(
                        "this rule repeats an earlier rule of `{}`",
                        filter.name.value
                    ),
                )
                .with_label("duplicate rule")
                .with_related(file, first.span, "the same rule first appears here")
                .with_help("delete one of the two rules"),
            );
        }
    }
}
