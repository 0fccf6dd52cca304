//! Layer-3/4 rules as the inet chains `to-IF`, `from-IF` and `host-IF`,
//! following libvirt's iptables driver (`iptablesCreateRuleInstance` and
//! its state-control variant): which of the three chains get an entry, with
//! which connection-state match, and with source and destination swapped
//! where the chain sees the rule's reverse direction. `docs/backend.md`
//! states the rules in prose.

use nwf_syntax::Diagnostic;
use nwf_syntax::ir::{Action, Attr, ChainKind, Direction, Protocol, Value};

use super::PortNames;
use super::values::{self, Result};
use crate::instantiate::{InstRule, Instance};
use crate::nft::{self, Ct, CtDirection, Expr, Field, Match, Meta, NfProto, Rhs, Rule, Verdict};

const NEW: u8 = 1;
const ESTABLISHED: u8 = 2;

/// Which inet chain an entry is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Forwarded traffic from the guest (libvirt's `FI`/`FJ`).
    From,
    /// Forwarded traffic to the guest (`FO`/`FP`).
    To,
    /// Traffic from the guest to the host (`HI`/`HJ`).
    Host,
}

/// How one entry is built.
struct Plan {
    /// Source and destination swapped.
    reversed: bool,
    /// `ct state` to match, if any.
    state: Option<u8>,
    /// Whether a `ct direction` goes with the state (libvirt's default state
    /// matching, not an explicit `state` attribute).
    default_state: bool,
    /// Whether an ICMP rule with a `type` is left out of this chain.
    may_skip_icmp: bool,
}

pub(super) fn chains(
    instance: &Instance,
    names: &PortNames,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<nft::Chain>, Vec<nft::Set>) {
    let mut sets = Vec::new();
    let mut rules: Vec<&InstRule> = instance
        .rules
        .iter()
        .filter(|rule| !rule.is_layer2())
        .collect();
    // libvirt's rule sort (`virNWFilterRuleInstSort`): the rules of filters
    // in the `root` chain first, then all others, each group by rule
    // priority. The chain priority plays no part at layer 3, where every
    // rule lands in one chain per direction. Stable: equal priorities keep
    // document order (libvirt's qsort leaves it unspecified).
    rules.sort_by_key(|rule| (rule.chain.kind != ChainKind::Root, rule.priority));
    let mut to = Vec::new();
    let mut from = Vec::new();
    let mut host = Vec::new();
    for rule in rules {
        for target in [Target::From, Target::To, Target::Host] {
            let Some(plan) = plan(rule, target) else {
                continue;
            };
            let chain_name = match target {
                Target::From => &names.from,
                Target::To => &names.to,
                Target::Host => &names.host,
            };
            match entry(rule, target, &plan, chain_name, &mut sets) {
                Ok(Some(built)) => match target {
                    Target::From => from.push(built),
                    Target::To => to.push(built),
                    Target::Host => host.push(built),
                },
                Ok(None) => {}
                Err(diagnostic) => {
                    diagnostics.push(*diagnostic);
                    break;
                }
            }
        }
    }
    let chain = |name: &nft::Name, rules| nft::Chain {
        name: name.clone(),
        base: None,
        rules,
    };
    (
        vec![
            chain(&names.to, to),
            chain(&names.from, from),
            chain(&names.host, host),
        ],
        sets,
    )
}

fn explicit_state(rule: &InstRule) -> Option<u8> {
    match rule.get(Attr::State).map(|attr| &attr.value) {
        Some(Value::State(flags)) => Some(flags.0),
        _ => None,
    }
}

/// libvirt's decision table; `None`: no entry in this chain.
fn plan(rule: &InstRule, target: Target) -> Option<Plan> {
    let direction_in = matches!(rule.direction, Direction::In | Direction::InOut);
    let inout = rule.direction == Direction::InOut;
    let reversed = match target {
        Target::From | Target::Host => direction_in,
        Target::To => !direction_in,
    };
    let may_skip_icmp = match target {
        Target::From => direction_in || inout,
        Target::To => !direction_in || inout,
        Target::Host => direction_in,
    };
    if rule.statematch {
        if let Some(flags) = explicit_state(rule) {
            let create = match target {
                Target::From | Target::Host => !direction_in || inout,
                Target::To => direction_in,
            };
            // `NONE` routes the rule like any explicit state but matches no
            // state at all (libvirt prints no `--ctstate` for it).
            return create.then_some(Plan {
                reversed,
                state: (flags != 0).then_some(flags),
                default_state: false,
                may_skip_icmp,
            });
        }
    }
    let need_state = !inout && rule.statematch;
    let state = need_state.then(|| {
        let forward = match target {
            Target::From | Target::Host => !direction_in,
            Target::To => direction_in,
        };
        if forward {
            NEW | ESTABLISHED
        } else {
            ESTABLISHED
        }
    });
    Some(Plan {
        reversed,
        state,
        default_state: true,
        may_skip_icmp,
    })
}

fn l4(protocol: Protocol) -> (NfProto, Option<u64>) {
    match protocol {
        Protocol::Tcp => (NfProto::Ipv4, Some(6)),
        Protocol::Udp => (NfProto::Ipv4, Some(17)),
        Protocol::UdpLite => (NfProto::Ipv4, Some(136)),
        Protocol::Esp => (NfProto::Ipv4, Some(50)),
        Protocol::Ah => (NfProto::Ipv4, Some(51)),
        Protocol::Sctp => (NfProto::Ipv4, Some(132)),
        Protocol::Icmp => (NfProto::Ipv4, Some(1)),
        Protocol::Igmp => (NfProto::Ipv4, Some(2)),
        Protocol::TcpIpv6 => (NfProto::Ipv6, Some(6)),
        Protocol::UdpIpv6 => (NfProto::Ipv6, Some(17)),
        Protocol::UdpLiteIpv6 => (NfProto::Ipv6, Some(136)),
        Protocol::EspIpv6 => (NfProto::Ipv6, Some(50)),
        Protocol::AhIpv6 => (NfProto::Ipv6, Some(51)),
        Protocol::SctpIpv6 => (NfProto::Ipv6, Some(132)),
        Protocol::Icmpv6 => (NfProto::Ipv6, Some(58)),
        Protocol::AllIpv6 => (NfProto::Ipv6, None),
        _ => (NfProto::Ipv4, None),
    }
}

fn entry(
    rule: &InstRule,
    target: Target,
    plan: &Plan,
    chain_name: &nft::Name,
    sets: &mut Vec<nft::Set>,
) -> Result<Option<Rule>> {
    let protocol = rule.protocol.expect("layer-3 rules have a protocol");
    let (nfproto, l4proto) = l4(protocol);
    let v6 = nfproto == NfProto::Ipv6;
    let mut matches = vec![Match {
        left: Expr::Meta(Meta::Nfproto),
        negated: false,
        right: Rhs::NfProto(nfproto),
    }];
    if let Some(number) = l4proto {
        matches.push(Match {
            left: Expr::Meta(Meta::L4proto),
            negated: false,
            right: Rhs::Dec(number),
        });
    }
    let base_len = matches.len();
    let mut src_mac_skipped = false;
    if let Some(attr) = rule.get(Attr::SrcMacAddr) {
        if plan.reversed {
            src_mac_skipped = true;
        } else {
            let mac = values::mac(&attr.value)
                .ok_or_else(|| values::unexpected(rule, Attr::SrcMacAddr))?;
            matches.push(values::mac_match(
                Expr::Field(Field::EtherSaddr),
                mac,
                None,
                attr.negated,
            ));
        }
    }
    let (saddr, daddr) = if v6 {
        (Field::Ip6Saddr, Field::Ip6Daddr)
    } else {
        (Field::IpSaddr, Field::IpDaddr)
    };
    let (saddr, daddr) = if plan.reversed {
        (daddr, saddr)
    } else {
        (saddr, daddr)
    };
    for (addr_attr, mask_attr, from_attr, to_attr, field) in [
        (
            Attr::SrcIpAddr,
            Attr::SrcIpMask,
            Attr::SrcIpFrom,
            Attr::SrcIpTo,
            saddr,
        ),
        (
            Attr::DstIpAddr,
            Attr::DstIpMask,
            Attr::DstIpFrom,
            Attr::DstIpTo,
            daddr,
        ),
    ] {
        if let Some(addr) = rule.get(addr_attr) {
            let prefix_len = match rule.get(mask_attr) {
                Some(mask) => Some(
                    values::prefix(&mask.value)
                        .ok_or_else(|| values::unexpected(rule, mask_attr))?,
                ),
                None => None,
            };
            matches.push(Match {
                left: Expr::Field(field),
                negated: addr.negated,
                right: values::address(&addr.value, prefix_len)
                    .ok_or_else(|| values::unexpected(rule, addr_attr))?,
            });
        } else if let Some(from) = rule.get(from_attr) {
            let to = rule.get(to_attr).map(|attr| &attr.value);
            matches.push(Match {
                left: Expr::Field(field),
                negated: from.negated,
                right: values::range(&from.value, to)
                    .ok_or_else(|| values::unexpected(rule, from_attr))?,
            });
        }
    }
    if let Some(attr) = rule.get(Attr::Dscp) {
        let value =
            values::number(&attr.value).ok_or_else(|| values::unexpected(rule, Attr::Dscp))?;
        matches.push(Match {
            left: Expr::Field(if v6 { Field::Ip6Dscp } else { Field::IpDscp }),
            negated: attr.negated,
            right: Rhs::Dec(value),
        });
    }
    let mut skip_state = false;
    let mut connlimit = None;
    if let Some(attr) = rule.get(Attr::ConnlimitAbove) {
        if plan.reversed {
            // libvirt limits connections only in the rule's own direction.
            return Ok(None);
        }
        skip_state = true;
        connlimit = Some(
            values::number(&attr.value)
                .ok_or_else(|| values::unexpected(rule, Attr::ConnlimitAbove))?,
        );
    }
    if let Some(attr) = rule.get(Attr::Flags) {
        if let Value::TcpFlags(flags) = attr.value {
            matches.push(Match {
                left: Expr::Masked(
                    Box::new(Expr::Field(Field::TcpFlags)),
                    Rhs::TcpFlagSet(flags.mask),
                ),
                negated: attr.negated,
                right: Rhs::TcpFlagSet(flags.set),
            });
        }
    }
    let (sport, dport) = if plan.reversed {
        (Field::ThDport, Field::ThSport)
    } else {
        (Field::ThSport, Field::ThDport)
    };
    for (start_attr, end_attr, field) in [
        (Attr::SrcPortStart, Attr::SrcPortEnd, sport),
        (Attr::DstPortStart, Attr::DstPortEnd, dport),
    ] {
        if let Some(start) = rule.get(start_attr) {
            let low =
                values::number(&start.value).ok_or_else(|| values::unexpected(rule, start_attr))?;
            let high = match rule.get(end_attr) {
                Some(end) => Some(
                    values::number(&end.value).ok_or_else(|| values::unexpected(rule, end_attr))?,
                ),
                None => None,
            };
            matches.push(Match {
                left: Expr::Field(field),
                negated: start.negated,
                right: values::number_range(low, high),
            });
        }
    }
    if rule.get(Attr::Option).is_some() {
        return Err(values::not_expressible(
            rule,
            "`option` (a TCP option test)",
        ));
    }
    let mut has_icmp_type = false;
    if matches!(protocol, Protocol::Icmp | Protocol::Icmpv6) {
        if let Some(attr) = rule.get(Attr::Type) {
            has_icmp_type = true;
            if plan.may_skip_icmp {
                return Ok(None);
            }
            let (type_field, code_field) = if v6 {
                (Field::Icmpv6Type, Field::Icmpv6Code)
            } else {
                (Field::IcmpType, Field::IcmpCode)
            };
            let value =
                values::number(&attr.value).ok_or_else(|| values::unexpected(rule, Attr::Type))?;
            matches.push(Match {
                left: Expr::Field(type_field),
                negated: attr.negated,
                right: Rhs::Dec(value),
            });
            if let Some(code) = rule.get(Attr::Code) {
                let value = values::number(&code.value)
                    .ok_or_else(|| values::unexpected(rule, Attr::Code))?;
                matches.push(Match {
                    left: Expr::Field(code_field),
                    negated: code.negated,
                    right: Rhs::Dec(value),
                });
            }
        }
    }
    if src_mac_skipped && matches.len() == base_len {
        // The rule matched only the guest's MAC, which this chain cannot see.
        return Ok(None);
    }
    if rule.get(Attr::Ipset).is_some() {
        return Err(values::not_expressible(
            rule,
            "`ipset` (a kernel ipset lookup)",
        ));
    }
    let verdict = match rule.action {
        Action::Accept => match target {
            Target::To => Verdict::Accept,
            Target::From | Target::Host => Verdict::Return,
        },
        Action::Drop => Verdict::Drop,
        Action::Reject => Verdict::Reject,
        Action::Return => Verdict::Return,
        Action::Continue => Verdict::Continue,
    };
    // libvirt's default state matching applies to accept rules only; an
    // explicit `state` applies to every action.
    if plan.default_state && rule.action != Action::Accept {
        skip_state = true;
    }
    if let (Some(states), false) = (plan.state, skip_state) {
        matches.push(Match {
            left: Expr::Ct(Ct::State),
            negated: false,
            right: Rhs::CtStates(states),
        });
        if plan.default_state && !has_icmp_type && rule.direction != Direction::InOut {
            matches.push(Match {
                left: Expr::Ct(Ct::Direction),
                negated: false,
                right: Rhs::CtDirection(if plan.reversed {
                    CtDirection::Reply
                } else {
                    CtDirection::Original
                }),
            });
        }
    }
    let mut statements = Vec::new();
    if let Some(limit) = connlimit {
        // One dynamic set per entry, as each iptables rule counts alone.
        let set_name = nft::Name::identifier(&format!("cl-{chain_name}/{}", sets.len()))
            .expect("chain names are identifiers");
        sets.push(nft::Set {
            name: set_name.clone(),
            key: if v6 {
                nft::SetKey::Ipv6Addr
            } else {
                nft::SetKey::Ipv4Addr
            },
        });
        statements.push(nft::Statement::CountOver {
            set: set_name,
            key: Expr::Field(if v6 { Field::Ip6Saddr } else { Field::IpSaddr }),
            over: u32::try_from(limit).unwrap_or(u32::MAX),
        });
    }
    Ok(Some(Rule {
        matches,
        statements,
        verdict: Some(verdict),
        comment: values::comment(rule),
        origin: Some(values::origin(rule)),
    }))
}
