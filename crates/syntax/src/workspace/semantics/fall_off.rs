//! NWF215: frames that fall off the end of a layer-2 sub-chain.
//!
//! libvirt creates its ebtables sub-chains with a bare `ebtables -N`, whose
//! policy is ACCEPT, so a frame that no rule of a sub-chain decides is
//! accepted there and never reaches the `root` chain's later rules. A
//! sub-chain exists (and is jumped to) only for a direction some of its
//! rules are for. Reported: a sub-chain with rules for a direction but no
//! rule that decides every frame of it, followed in the `root` chain (at the
//! jump's priority or later) by a `drop`/`reject` rule that would see frames
//! of the sub-chain's protocol before any rule that would accept them all.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Action, Attr, ChainKind, Direction, Protocol};

use super::super::rules::{Catches, catches, chain_ethertype, chain_protocol, ethertype, frames};
use super::{TreeRule, takes};

/// One sub-chain: its name, kind, jump priority and rules, in tree order.
struct SubChain<'r, 'a> {
    name: String,
    kind: ChainKind,
    /// libvirt keeps the chain priority of the last rule seen for a chain.
    priority: i16,
    rules: Vec<&'r TreeRule<'a>>,
}

pub(super) fn check(rules: &[TreeRule<'_>], out: &mut Vec<Diagnostic>) {
    let mut subchains: Vec<SubChain<'_, '_>> = Vec::new();
    let mut root: Vec<&TreeRule<'_>> = Vec::new();
    for rule in rules.iter().filter(|rule| rule.is_link()) {
        if rule.is_root() {
            root.push(rule);
            continue;
        }
        let chain = rule.chain();
        let name = chain.to_string();
        match subchains.iter_mut().find(|sub| sub.name == name) {
            Some(sub) => {
                sub.priority = rule.chain_priority;
                sub.rules.push(rule);
            }
            None => subchains.push(SubChain {
                name,
                kind: chain.kind,
                priority: rule.chain_priority,
                rules: vec![rule],
            }),
        }
    }
    // Stable sorts: equal priorities keep tree order.
    root.sort_by_key(|rule| rule.priority());
    for sub in &mut subchains {
        sub.rules.sort_by_key(|rule| rule.priority());
    }
    for sub in &subchains {
        let found: Vec<(Direction, &TreeRule<'_>, &TreeRule<'_>)> = [Direction::Out, Direction::In]
            .into_iter()
            .filter_map(|side| {
                let (last, bypassed) = fall_off(sub, &root, side)?;
                Some((side, last, bypassed))
            })
            .collect();
        let same_pair = found.len() == 2
            && found[0].1.rule.span == found[1].1.rule.span
            && found[0].2.rule.span == found[1].2.rule.span;
        if same_pair {
            out.push(diagnostic(sub, Direction::InOut, found[0].1, found[0].2));
        } else {
            for (side, last, bypassed) in found {
                out.push(diagnostic(sub, side, last, bypassed));
            }
        }
    }
}

/// For traffic of direction `side`: the sub-chain's last rule and the first
/// later `root` rule that frames falling off it would have met, if frames
/// can fall off.
fn fall_off<'r, 'a>(
    sub: &SubChain<'r, 'a>,
    root: &[&'r TreeRule<'a>],
    side: Direction,
) -> Option<(&'r TreeRule<'a>, &'r TreeRule<'a>)> {
    let own: Vec<&TreeRule<'_>> = sub
        .rules
        .iter()
        .copied()
        .filter(|rule| takes(rule.direction(), side))
        .collect();
    let last = *own.last()?;
    let decides_all = own
        .iter()
        .any(|rule| catches(rule.rule, sub.kind) == Some(Catches::Everything));
    if decides_all {
        return None;
    }
    // The root rules after the jump (on equal priority the jump comes
    // first) that frames handed back would have met, up to the first that
    // would have accepted all of them anyway.
    for &rule in root {
        if rule.priority() < sub.priority
            || !takes(rule.direction(), side)
            || !sees_protocol(rule, sub.kind)
        {
            continue;
        }
        match rule.rule.action.value {
            Action::Drop | Action::Reject => return Some((last, rule)),
            Action::Accept | Action::Return if covers_protocol(rule, sub.kind) => return None,
            Action::Accept | Action::Return | Action::Continue => {}
        }
    }
    None
}

/// Whether a `root` rule matches every frame a sub-chain of `kind` receives.
fn covers_protocol(rule: &TreeRule<'_>, kind: ChainKind) -> bool {
    let Some(protocol) = &rule.rule.protocol else {
        return true;
    };
    let proto = protocol.protocol.value;
    protocol.attrs.iter().all(|attr| match attr.attr.value {
        Attr::Comment => true,
        Attr::ProtocolId if proto == Protocol::Mac => {
            !attr.negated
                && chain_ethertype(kind).is_some()
                && ethertype(&attr.value.value) == chain_ethertype(kind)
        }
        _ => false,
    }) && (proto == Protocol::Mac || chain_protocol(kind) == Some(proto))
}

/// Whether a `root` rule can match frames of the protocol a sub-chain of
/// `kind` receives.
fn sees_protocol(rule: &TreeRule<'_>, kind: ChainKind) -> bool {
    let Some(protocol) = &rule.rule.protocol else {
        return true;
    };
    if kind == ChainKind::Mac {
        // A `mac` sub-chain receives every frame.
        return true;
    }
    let proto = protocol.protocol.value;
    if proto != Protocol::Mac {
        return chain_protocol(kind) == Some(proto);
    }
    let Some(protocol_id) = protocol.get(Attr::ProtocolId) else {
        return true;
    };
    protocol_id.negated
        || ethertype(&protocol_id.value.value)
            .is_none_or(|wanted| chain_ethertype(kind) == Some(wanted))
}

fn diagnostic(
    sub: &SubChain<'_, '_>,
    side: Direction,
    last: &TreeRule<'_>,
    bypassed: &TreeRule<'_>,
) -> Diagnostic {
    let chain = &sub.name;
    let side = side.as_str();
    let what = match sub.kind {
        ChainKind::Mac => "Frames".to_owned(),
        kind => format!("{} frames", frames(kind)),
    };
    let action = bypassed.rule.action.value.as_str();
    Diagnostic::new(
        Code::SubChainFallOff,
        last.file,
        last.rule.span,
        format!(
            "{what} (direction `{side}`) that no rule of chain `{chain}` decides are \
             accepted at its end: libvirt never hands them back to the later `root` rule that \
             would {action} them"
        ),
    )
    .with_label(format!(
        "last rule of chain `{chain}` for direction `{side}`"
    ))
    .with_related(
        bypassed.file,
        bypassed.rule.span,
        format!(
            "{what} that fall off chain `{chain}` are accepted before this `root` rule \
             (priority {}) sees them",
            bypassed.priority()
        ),
    )
    .with_help(format!(
        "end chain `{chain}` with a rule for direction `{side}` that matches every frame: \
         `return` hands the rest back to the `root` chain, `drop` drops them"
    ))
}
