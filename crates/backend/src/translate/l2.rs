//! One layer-2 rule (mac, vlan, stp, arp, rarp, ip, ipv6, or no protocol) as
//! an nftables rule of the bridge family, with the matches libvirt's ebtables
//! driver builds (`ebtablesCreateRuleInstance`). `reverse` swaps source and
//! destination, as libvirt does for an `inout` rule in the from-guest chain.
//!
//! Fields nftables names (ether, vlan, arp, ip, ip6, icmpv6) are used by
//! name; RARP (which nft's `arp` expression refuses, its dependency being
//! `ether type arp`) and STP use raw payload offsets. `ip`'s `dscp` compares
//! the whole TOS byte, as ebtables' `--ip-tos` does with libvirt's value.

use nwf_syntax::ir::{Action, Attr, Protocol, Value};
use nwf_syntax::{Code, Diagnostic};

use super::values::{self, Result};
use crate::instantiate::InstRule;
use crate::nft::{Expr, Field, Match, RawBase, Rhs, Rule, Verdict};

/// The rule and any warnings about it.
pub(super) fn rule(rule: &InstRule, reverse: bool) -> Result<(Rule, Vec<Diagnostic>)> {
    let mut matches = Vec::new();
    let mut warnings = Vec::new();
    if let Some(protocol) = rule.protocol {
        ether_header(rule, reverse, &mut matches)?;
        match protocol {
            Protocol::Mac => {
                if let Some(attr) = rule.get(Attr::ProtocolId) {
                    let value = values::number(&attr.value)
                        .ok_or_else(|| values::unexpected(rule, Attr::ProtocolId))?;
                    matches.push(Match {
                        left: Expr::Field(Field::EtherType),
                        negated: attr.negated,
                        right: Rhs::Hex(value),
                    });
                }
            }
            Protocol::Vlan => vlan(rule, &mut matches)?,
            Protocol::Stp => stp(rule, reverse, &mut matches)?,
            Protocol::Arp | Protocol::Rarp => arp(rule, protocol, reverse, &mut matches)?,
            Protocol::Ip | Protocol::Ipv6 => ip(rule, protocol, reverse, &mut matches)?,
            _ => {
                return Err(values::not_expressible(
                    rule,
                    "a layer-3/4 protocol in a bridge chain",
                ));
            }
        }
    }
    let verdict = match rule.action {
        Action::Accept => Verdict::Accept,
        Action::Drop => Verdict::Drop,
        Action::Return => Verdict::Return,
        Action::Continue => Verdict::Continue,
        Action::Reject => {
            warnings.push(
                Diagnostic::new(
                    Code::RejectBecomesDrop,
                    rule.file,
                    rule.span,
                    "this layer-2 `reject` drops silently (no reject in the bridge family)",
                )
                .with_label("emitted as `drop`"),
            );
            Verdict::Drop
        }
    };
    Ok((
        Rule {
            matches,
            statements: Vec::new(),
            verdict: Some(verdict),
            comment: values::comment(rule),
            origin: Some(values::origin(rule)),
        },
        warnings,
    ))
}

fn ether_header(rule: &InstRule, reverse: bool, matches: &mut Vec<Match>) -> Result<()> {
    let (src_field, dst_field) = if reverse {
        (Field::EtherDaddr, Field::EtherSaddr)
    } else {
        (Field::EtherSaddr, Field::EtherDaddr)
    };
    for (addr_attr, mask_attr, field) in [
        (Attr::SrcMacAddr, Attr::SrcMacMask, src_field),
        (Attr::DstMacAddr, Attr::DstMacMask, dst_field),
    ] {
        if let Some(attr) = rule.get(addr_attr) {
            let addr =
                values::mac(&attr.value).ok_or_else(|| values::unexpected(rule, addr_attr))?;
            let mask = match rule.get(mask_attr) {
                Some(mask) => Some(
                    values::mac(&mask.value).ok_or_else(|| values::unexpected(rule, mask_attr))?,
                ),
                None => None,
            };
            matches.push(values::mac_match(
                Expr::Field(field),
                addr,
                mask,
                attr.negated,
            ));
        }
    }
    Ok(())
}

fn field_number(
    rule: &InstRule,
    attr: Attr,
    left: Expr,
    hex: bool,
    matches: &mut Vec<Match>,
) -> Result<()> {
    if let Some(entry) = rule.get(attr) {
        let value = values::number(&entry.value).ok_or_else(|| values::unexpected(rule, attr))?;
        matches.push(Match {
            left,
            negated: entry.negated,
            right: if hex {
                Rhs::Hex(value)
            } else {
                Rhs::Dec(value)
            },
        });
    }
    Ok(())
}

fn vlan(rule: &InstRule, matches: &mut Vec<Match>) -> Result<()> {
    matches.push(Match {
        left: Expr::Field(Field::EtherType),
        negated: false,
        right: Rhs::Hex(0x8100),
    });
    field_number(
        rule,
        Attr::VlanId,
        Expr::Field(Field::VlanId),
        false,
        matches,
    )?;
    field_number(
        rule,
        Attr::EncapProtocol,
        Expr::Field(Field::VlanType),
        true,
        matches,
    )
}

fn raw(base: RawBase, offset: u32, len: u32) -> Expr {
    Expr::Raw { base, offset, len }
}

fn stp(rule: &InstRule, reverse: bool, matches: &mut Vec<Match>) -> Result<()> {
    if reverse && rule.get(Attr::SrcMacAddr).is_some() {
        return Err(Box::new(
            Diagnostic::new(
                Code::StpSourceMacInout,
                rule.file,
                rule.span,
                "an `stp` rule with `srcmacaddr` cannot have direction `inout`",
            )
            .with_label("this rule"),
        ));
    }
    matches.push(Match {
        left: Expr::Field(Field::EtherDaddr),
        negated: false,
        right: Rhs::Mac(values::STP_GROUP),
    });
    // The LLC header of a BPDU (DSAP, SSAP, control), as ebtables' stp
    // match requires it.
    matches.push(Match {
        left: raw(RawBase::Link, 112, 24),
        negated: false,
        right: Rhs::Hex(0x0042_4203),
    });
    let link = |offset, len| raw(RawBase::Link, offset, len);
    field_number(rule, Attr::Type, link(160, 8), false, matches)?;
    field_number(rule, Attr::Flags, link(168, 8), false, matches)?;
    let ranges = [
        (Attr::RootPriority, Attr::RootPriorityHi, 176, 16),
        (Attr::RootCost, Attr::RootCostHi, 240, 32),
        (Attr::SenderPriority, Attr::SenderPriorityHi, 272, 16),
        (Attr::Port, Attr::PortHi, 336, 16),
        (Attr::Age, Attr::AgeHi, 352, 16),
        (Attr::MaxAge, Attr::MaxAgeHi, 368, 16),
        (Attr::HelloTime, Attr::HelloTimeHi, 384, 16),
        (Attr::ForwardDelay, Attr::ForwardDelayHi, 400, 16),
    ];
    // Root address and sender address come between the ranges in libvirt's
    // order; order does not change the meaning of a conjunction.
    for (low_attr, high_attr, offset, len) in ranges {
        if let Some(low) = rule.get(low_attr) {
            let start =
                values::number(&low.value).ok_or_else(|| values::unexpected(rule, low_attr))?;
            let end = match rule.get(high_attr) {
                Some(high) => Some(
                    values::number(&high.value)
                        .ok_or_else(|| values::unexpected(rule, high_attr))?,
                ),
                None => None,
            };
            matches.push(Match {
                left: link(offset, len),
                negated: low.negated,
                right: values::number_range(start, end),
            });
        }
    }
    for (addr_attr, mask_attr, offset) in [
        (Attr::RootAddress, Attr::RootAddressMask, 192),
        (Attr::SenderAddress, Attr::SenderAddressMask, 288),
    ] {
        if let Some(addr) = rule.get(addr_attr) {
            let value =
                values::mac(&addr.value).ok_or_else(|| values::unexpected(rule, addr_attr))?;
            let mask = match rule.get(mask_attr) {
                Some(mask) => {
                    values::mac(&mask.value).ok_or_else(|| values::unexpected(rule, mask_attr))?
                }
                None => nwf_syntax::ir::MacAddr([0xff; 6]),
            };
            let as_int = |mac: nwf_syntax::ir::MacAddr| {
                mac.0
                    .iter()
                    .fold(0u64, |acc, byte| acc << 8 | u64::from(*byte))
            };
            let left = if mask.0 == [0xff; 6] {
                link(offset, 48)
            } else {
                Expr::Masked(Box::new(link(offset, 48)), Rhs::Hex(as_int(mask)))
            };
            matches.push(Match {
                left,
                negated: addr.negated,
                right: Rhs::Hex(as_int(value) & as_int(mask)),
            });
        }
    }
    Ok(())
}

fn arp(rule: &InstRule, protocol: Protocol, reverse: bool, matches: &mut Vec<Match>) -> Result<()> {
    let is_arp = protocol == Protocol::Arp;
    matches.push(Match {
        left: Expr::Field(Field::EtherType),
        negated: false,
        right: Rhs::Hex(if is_arp { 0x0806 } else { 0x8035 }),
    });
    // Named field for ARP, raw network-header offset for RARP.
    let pick = |field: Field, offset: u32, len: u32| {
        if is_arp {
            Expr::Field(field)
        } else {
            raw(RawBase::Network, offset, len)
        }
    };
    field_number(
        rule,
        Attr::HwType,
        pick(Field::ArpHtype, 0, 16),
        false,
        matches,
    )?;
    field_number(
        rule,
        Attr::Opcode,
        pick(Field::ArpOperation, 48, 16),
        false,
        matches,
    )?;
    field_number(
        rule,
        Attr::ProtocolType,
        pick(Field::ArpPtype, 16, 16),
        true,
        matches,
    )?;

    let (src_ip, dst_ip) = ((Field::ArpSaddrIp, 112), (Field::ArpDaddrIp, 192));
    let (src_ip, dst_ip) = if reverse {
        (dst_ip, src_ip)
    } else {
        (src_ip, dst_ip)
    };
    for (addr_attr, mask_attr, (field, offset)) in [
        (Attr::ArpSrcIpAddr, Attr::ArpSrcIpMask, src_ip),
        (Attr::ArpDstIpAddr, Attr::ArpDstIpMask, dst_ip),
    ] {
        if let Some(addr) = rule.get(addr_attr) {
            let prefix_len = match rule.get(mask_attr) {
                Some(mask) => Some(
                    values::prefix(&mask.value)
                        .ok_or_else(|| values::unexpected(rule, mask_attr))?,
                ),
                None => None,
            };
            let Value::Ipv4(ip) = addr.value else {
                return Err(values::unexpected(rule, addr_attr));
            };
            if is_arp {
                matches.push(Match {
                    left: Expr::Field(field),
                    negated: addr.negated,
                    right: values::address(&addr.value, prefix_len)
                        .ok_or_else(|| values::unexpected(rule, addr_attr))?,
                });
            } else {
                let len = u32::from(prefix_len.unwrap_or(32).min(32));
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                let left = if len == 32 {
                    raw(RawBase::Network, offset, 32)
                } else {
                    Expr::Masked(
                        Box::new(raw(RawBase::Network, offset, 32)),
                        Rhs::Hex(u64::from(mask)),
                    )
                };
                matches.push(Match {
                    left,
                    negated: addr.negated,
                    right: Rhs::Hex(u64::from(u32::from(ip) & mask)),
                });
            }
        }
    }
    let (src_mac, dst_mac) = ((Field::ArpSaddrEther, 64), (Field::ArpDaddrEther, 144));
    let (src_mac, dst_mac) = if reverse {
        (dst_mac, src_mac)
    } else {
        (src_mac, dst_mac)
    };
    for (attr_name, (field, offset)) in [
        (Attr::ArpSrcMacAddr, src_mac),
        (Attr::ArpDstMacAddr, dst_mac),
    ] {
        if let Some(attr) = rule.get(attr_name) {
            let mac =
                values::mac(&attr.value).ok_or_else(|| values::unexpected(rule, attr_name))?;
            if is_arp {
                matches.push(values::mac_match(
                    Expr::Field(field),
                    mac,
                    None,
                    attr.negated,
                ));
            } else {
                let as_int = mac
                    .0
                    .iter()
                    .fold(0u64, |acc, byte| acc << 8 | u64::from(*byte));
                matches.push(Match {
                    left: raw(RawBase::Network, offset, 48),
                    negated: attr.negated,
                    right: Rhs::Hex(as_int),
                });
            }
        }
    }
    if let Some(attr) = rule.get(Attr::Gratuitous) {
        if attr.value == Value::Bool(true) {
            return Err(values::not_expressible(
                rule,
                "`gratuitous` (sender IP equal to target IP)",
            ));
        }
    }
    Ok(())
}

fn ip(rule: &InstRule, protocol: Protocol, reverse: bool, matches: &mut Vec<Match>) -> Result<()> {
    let v4 = protocol == Protocol::Ip;
    matches.push(Match {
        left: Expr::Field(Field::EtherType),
        negated: false,
        right: Rhs::Hex(if v4 { 0x0800 } else { 0x86dd }),
    });
    let (saddr, daddr) = if v4 {
        (Field::IpSaddr, Field::IpDaddr)
    } else {
        (Field::Ip6Saddr, Field::Ip6Daddr)
    };
    let (saddr, daddr) = if reverse {
        (daddr, saddr)
    } else {
        (saddr, daddr)
    };
    for (addr_attr, mask_attr, field) in [
        (Attr::SrcIpAddr, Attr::SrcIpMask, saddr),
        (Attr::DstIpAddr, Attr::DstIpMask, daddr),
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
        }
    }
    let protocol_field = if v4 {
        Field::IpProtocol
    } else {
        Field::Ip6Nexthdr
    };
    field_number(
        rule,
        Attr::IpProtocol,
        Expr::Field(protocol_field),
        false,
        matches,
    )?;
    let (sport, dport) = if reverse {
        (Field::ThDport, Field::ThSport)
    } else {
        (Field::ThSport, Field::ThDport)
    };
    for (start_attr, end_attr, field) in [
        (Attr::SrcPortStart, Attr::SrcPortEnd, sport),
        (Attr::DstPortStart, Attr::DstPortEnd, dport),
    ] {
        range_match(rule, start_attr, end_attr, Expr::Field(field), matches)?;
    }
    if v4 {
        // ebtables' --ip-tos compares the whole TOS byte with the value.
        field_number(rule, Attr::Dscp, raw(RawBase::Network, 8, 8), true, matches)?;
    } else {
        range_match(
            rule,
            Attr::Type,
            Attr::TypeEnd,
            Expr::Field(Field::Icmpv6Type),
            matches,
        )?;
        range_match(
            rule,
            Attr::Code,
            Attr::CodeEnd,
            Expr::Field(Field::Icmpv6Code),
            matches,
        )?;
    }
    Ok(())
}

fn range_match(
    rule: &InstRule,
    start_attr: Attr,
    end_attr: Attr,
    left: Expr,
    matches: &mut Vec<Match>,
) -> Result<()> {
    if let Some(start) = rule.get(start_attr) {
        let low =
            values::number(&start.value).ok_or_else(|| values::unexpected(rule, start_attr))?;
        let high = match rule.get(end_attr) {
            Some(end) => {
                Some(values::number(&end.value).ok_or_else(|| values::unexpected(rule, end_attr))?)
            }
            None => None,
        };
        matches.push(Match {
            left,
            negated: start.negated,
            right: values::number_range(low, high),
        });
    }
    Ok(())
}
