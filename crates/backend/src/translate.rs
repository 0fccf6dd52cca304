//! From one interface's instantiated rules to its nftables chains.
//!
//! Layer-2 rules become the bridge chains `l2-from-IF` (traffic from the
//! guest) and `l2-to-IF` (traffic to the guest) plus one sub-chain per
//! filter chain (`l2-from-IF/arp`, ...), ordered as libvirt's ebtables driver
//! orders them (`ebiptablesApplyNewRules`): the root chain interleaves its
//! own rules, by priority, with jumps to the sub-chains, by chain priority,
//! a jump going first on equal priority; a frame falling off the end of a
//! sub-chain is accepted, as by the ACCEPT policy of libvirt's ebtables
//! sub-chains. Layer-3/4 rules become the inet
//! chains `from-IF`, `to-IF` and `host-IF` ([`l3`]). See `docs/backend.md`.
//!
//! This module does not decide table layout, maps or port ids: that is
//! [`crate::ruleset`].

mod l2;
mod l3;
mod values;

use std::collections::BTreeMap;

use nwf_syntax::ir::{Chain, ChainKind, Direction};
use nwf_syntax::{Code, Diagnostic, FileId, Span};

use crate::instantiate::{InstRule, Instance};
use crate::nft::{self, Expr, Field, Match, Name, Rhs, Rule, Verdict};

/// The chains of one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortChains {
    pub interface: Option<Name>,
    /// Bridge chains: `l2-from-IF` and its sub-chains (`l2-from-IF/arp`), then `l2-to-IF` and
    /// its sub-chains. The two root chains are always present.
    pub bridge: Vec<nft::Chain>,
    /// Inet chains `to-IF`, `from-IF`, `host-IF`, always present.
    pub inet: Vec<nft::Chain>,
    /// Sets the inet chains use (connection counting).
    pub inet_sets: Vec<nft::Set>,
}

/// Chain names of an interface.
pub struct PortNames {
    pub l2_from: Name,
    pub l2_to: Name,
    pub tag: Name,
    pub from: Name,
    pub to: Name,
    pub host: Name,
}

impl PortNames {
    pub fn new(interface: &Name) -> PortNames {
        let make = |prefix: &str| {
            Name::identifier(&format!("{prefix}-{interface}"))
                .expect("prefix and interface name are both identifier characters")
        };
        PortNames {
            l2_from: make("l2-from"),
            l2_to: make("l2-to"),
            tag: make("tag"),
            from: make("from"),
            to: make("to"),
            host: make("host"),
        }
    }
}

/// Translates `instance`. `binding_file`/`binding_span` locate the interface
/// name for a diagnostic if it is unusable.
pub fn translate(
    instance: &Instance,
    binding_file: FileId,
    binding_span: Span,
) -> (PortChains, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let Some(interface) = Name::interface(&instance.portdev) else {
        diagnostics.push(
            Diagnostic::new(
                Code::InterfaceNameInvalid,
                binding_file,
                binding_span,
                format!(
                    "interface name `{}` cannot be used",
                    instance.portdev.escape_debug()
                ),
            )
            .with_label("this interface"),
        );
        return (PortChains::default(), diagnostics);
    };
    let names = PortNames::new(&interface);
    let mut bridge = Vec::new();
    for (root_name, side) in [
        (&names.l2_from, Side::FromGuest),
        (&names.l2_to, Side::ToGuest),
    ] {
        bridge.extend(l2_chains(instance, root_name, side, &mut diagnostics));
    }
    let (inet, inet_sets) = l3::chains(instance, &names, &mut diagnostics);
    (
        PortChains {
            interface: Some(interface),
            bridge,
            inet,
            inet_sets,
        },
        diagnostics,
    )
}

/// Which way a layer-2 chain sees traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    FromGuest,
    ToGuest,
}

impl Side {
    fn takes(self, direction: Direction) -> bool {
        match self {
            Side::FromGuest => matches!(direction, Direction::Out | Direction::InOut),
            Side::ToGuest => matches!(direction, Direction::In | Direction::InOut),
        }
    }
}

fn l2_chains(
    instance: &Instance,
    root_name: &Name,
    side: Side,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<nft::Chain> {
    let mut rules: Vec<&InstRule> = instance
        .rules
        .iter()
        .filter(|rule| rule.is_layer2() && side.takes(rule.direction))
        .collect();
    // Stable: equal priorities keep document order.
    rules.sort_by_key(|rule| rule.priority);

    let reverse = |rule: &InstRule| side == Side::FromGuest && rule.direction == Direction::InOut;

    let mut root_rules = Vec::new();
    // Sub-chains by their printed name; value: (chain, priority, rules).
    let mut subchains: BTreeMap<String, (Chain, i16, Vec<Rule>)> = BTreeMap::new();
    for rule in &rules {
        let translated = match l2::rule(rule, reverse(rule)) {
            Ok((translated, warnings)) => {
                diagnostics.extend(warnings);
                translated
            }
            Err(diagnostic) => {
                diagnostics.push(*diagnostic);
                continue;
            }
        };
        if rule.chain.kind == ChainKind::Root {
            root_rules.push((rule.priority, translated));
        } else {
            let entry = subchains
                .entry(rule.chain.to_string())
                .or_insert_with(|| (rule.chain.clone(), rule.chain_priority, Vec::new()));
            // libvirt keeps the priority of the last rule seen for a chain.
            entry.1 = rule.chain_priority;
            entry.2.push(translated);
        }
    }

    let mut jumps: Vec<(i16, String, Chain, Vec<Rule>)> = subchains
        .into_iter()
        .map(|(key, (chain, priority, rules))| (priority, key, chain, rules))
        .collect();
    jumps.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));

    let mut chains = Vec::new();
    let mut root = nft::Chain {
        name: root_name.clone(),
        base: None,
        rules: Vec::new(),
    };
    let mut sub_chains = Vec::new();
    let mut pending = jumps.into_iter().peekable();
    let emit_jump = |root: &mut nft::Chain,
                     sub_chains: &mut Vec<nft::Chain>,
                     chain: &Chain,
                     rules: Vec<Rule>| {
        let name = subchain_name(root_name, chain);
        root.rules.push(jump_rule(chain, &name));
        let mut rules = rules;
        rules.push(fall_off_rule());
        sub_chains.push(nft::Chain {
            name,
            base: None,
            rules,
        });
    };
    for (priority, rule) in root_rules {
        while let Some((_, _, chain, rules)) = pending.next_if(|jump| jump.0 <= priority) {
            emit_jump(&mut root, &mut sub_chains, &chain, rules);
        }
        root.rules.push(rule);
    }
    for (_, _, chain, rules) in pending {
        emit_jump(&mut root, &mut sub_chains, &chain, rules);
    }
    chains.push(root);
    chains.extend(sub_chains);
    chains
}

/// `l2-from-IF/arp-xyz`: the filter chain's name reduced to identifier
/// characters, after a `/` (which no interface name contains, so a chain's
/// interface can be read back from its name).
fn subchain_name(root_name: &Name, chain: &Chain) -> Name {
    let suffix: String = chain
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Name::identifier(&format!("{root_name}/{suffix}"))
        .expect("root name and reduced suffix are identifier characters")
}

/// The last rule of every sub-chain: a frame that no rule of the sub-chain
/// decided is accepted, not handed back to the root chain. libvirt creates
/// its sub-chains with a bare `ebtables -N`, whose policy is ACCEPT
/// (ebtables-nft writes that policy as a final `accept`), so the root
/// chain's later rules never see such a frame.
fn fall_off_rule() -> Rule {
    Rule {
        verdict: Some(Verdict::Accept),
        comment: Some(nft::Comment::new("end of sub-chain: accept (libvirt)")),
        ..Rule::default()
    }
}

/// The root chain's jump into a sub-chain, restricted to the chain's
/// protocol as libvirt restricts it.
fn jump_rule(chain: &Chain, name: &Name) -> Rule {
    let ether_type = |value: u64| Match {
        left: Expr::Field(Field::EtherType),
        negated: false,
        right: Rhs::Hex(value),
    };
    let matches = match chain.kind {
        ChainKind::Root | ChainKind::Mac => Vec::new(),
        ChainKind::Stp => vec![Match {
            left: Expr::Field(Field::EtherDaddr),
            negated: false,
            right: Rhs::Mac(values::STP_GROUP),
        }],
        ChainKind::Vlan => vec![ether_type(0x8100)],
        ChainKind::Ipv4 => vec![ether_type(0x0800)],
        ChainKind::Ipv6 => vec![ether_type(0x86dd)],
        ChainKind::Arp => vec![ether_type(0x0806)],
        ChainKind::Rarp => vec![ether_type(0x8035)],
    };
    Rule {
        matches,
        verdict: Some(Verdict::Jump(name.clone())),
        ..Rule::default()
    }
}
