//! NWF216: a layer-3/4 rule whose priority says "before" a `root` rule it
//! ends up after.
//!
//! libvirt's iptables side puts every layer-3/4 rule of a binding into one
//! chain per direction, sorted with `root`-chain filters' rules first, then
//! the others, each group by rule priority; chain priorities play no part.
//! Reported: a rule of a non-root filter and a `root` rule with a higher
//! priority that can match the same traffic (overlapping direction and
//! protocol, no attribute both give different literal values) and decide it
//! differently (`accept`/`return` against `drop`/`reject`). Each rule is
//! reported with the first such `root` rule only.

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Action, Attr, Direction, Protocol, Rule, Value};

use super::TreeRule;

/// What a rule does to the traffic it matches, for comparing two rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passes,
    Stops,
}

fn outcome(action: Action) -> Option<Outcome> {
    match action {
        Action::Accept | Action::Return => Some(Outcome::Passes),
        Action::Drop | Action::Reject => Some(Outcome::Stops),
        Action::Continue => None,
    }
}

pub(super) fn check(rules: &[TreeRule<'_>], out: &mut Vec<Diagnostic>) {
    let layer3: Vec<&TreeRule<'_>> = rules.iter().filter(|rule| !rule.is_link()).collect();
    let mut root: Vec<&TreeRule<'_>> = layer3
        .iter()
        .copied()
        .filter(|rule| rule.is_root())
        .collect();
    // libvirt's order within the group; stable, as equal priorities keep
    // tree order here.
    root.sort_by_key(|rule| rule.priority());
    for rule in layer3.iter().filter(|rule| !rule.is_root()) {
        let Some(own) = outcome(rule.rule.action.value) else {
            continue;
        };
        let first = root.iter().find(|root_rule| {
            rule.priority() < root_rule.priority()
                && outcome(root_rule.rule.action.value).is_some_and(|other| other != own)
                && directions_overlap(rule.direction(), root_rule.direction())
                && may_overlap(rule.rule, root_rule.rule)
        });
        if let Some(root_rule) = first {
            out.push(diagnostic(rule, root_rule));
        }
    }
}

fn directions_overlap(a: Direction, b: Direction) -> bool {
    a == b || a == Direction::InOut || b == Direction::InOut
}

/// Whether two layer-3/4 rules can match one packet, as far as their text
/// tells without evaluating ranges and masks.
fn may_overlap(a: &Rule, b: &Rule) -> bool {
    let (Some(pa), Some(pb)) = (&a.protocol, &b.protocol) else {
        return false;
    };
    let (x, y) = (pa.protocol.value, pb.protocol.value);
    let protocols = x == y
        || (x.is_ipv6() == y.is_ipv6()
            && [x, y]
                .iter()
                .any(|proto| matches!(proto, Protocol::All | Protocol::AllIpv6)));
    if !protocols {
        return false;
    }
    // Attributes compared for equality only when neither rule widens them
    // to a range or a prefix.
    let exact = [
        (Attr::SrcPortStart, Attr::SrcPortEnd),
        (Attr::DstPortStart, Attr::DstPortEnd),
        (Attr::SrcIpAddr, Attr::SrcIpMask),
        (Attr::DstIpAddr, Attr::DstIpMask),
        (Attr::Type, Attr::TypeEnd),
        (Attr::Code, Attr::CodeEnd),
    ];
    let disjoint = exact.iter().any(|&(attr, widened)| {
        let (Some(va), Some(vb)) = (pa.get(attr), pb.get(attr)) else {
            return false;
        };
        let literal = |value: &Value| !matches!(value, Value::Var(_));
        !va.negated
            && !vb.negated
            && literal(&va.value.value)
            && literal(&vb.value.value)
            && va.value.value != vb.value.value
            && pa.get(widened).is_none()
            && pb.get(widened).is_none()
    });
    !disjoint
}

fn diagnostic(rule: &TreeRule<'_>, root_rule: &TreeRule<'_>) -> Diagnostic {
    let (own, other) = (rule.priority(), root_rule.priority());
    let chain = rule.chain();
    Diagnostic::new(
        Code::Layer3RootFirst,
        rule.file,
        rule.rule.span,
        format!(
            "priority {own} puts this rule before the `root` rule at priority {other}, but \
             libvirt runs every `root`-chain layer-3 rule first, so that rule decides the \
             traffic both match"
        ),
    )
    .with_label(format!("runs after the `root` rule (chain `{chain}`)"))
    .with_related(
        root_rule.file,
        root_rule.rule.span,
        format!(
            "libvirt runs this `root`-chain rule (priority {other}) before the `{chain}` rule \
             at priority {own}"
        ),
    )
    .with_help(
        "to have the rule run first, put it into a filter whose chain is `root` (layer-3 \
         rules ignore chain priorities), or narrow the `root` rule",
    )
}
