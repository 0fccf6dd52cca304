//! Values libvirt accepts but that are surely wrong, checked within one
//! filter: ranges that end before they start (NWF211) and `state` on a rule
//! that switched state matching off (NWF212).
//!
//! Not here: values libvirt rejects (a mask longer than the address family,
//! a chain name that is too long), which the front ends report; and values
//! given as variables, which are only known where a reference gives them
//! (see the variables checks, NWF214).

use std::cmp::Ordering;

use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Attr, Document, Item, ProtocolMatch, Value};
use crate::span::FileId;

/// Attribute pairs that form a range `start..=end`.
const RANGES: [(Attr, Attr); 14] = [
    (Attr::SrcPortStart, Attr::SrcPortEnd),
    (Attr::DstPortStart, Attr::DstPortEnd),
    (Attr::SrcIpFrom, Attr::SrcIpTo),
    (Attr::DstIpFrom, Attr::DstIpTo),
    (Attr::Type, Attr::TypeEnd),
    (Attr::Code, Attr::CodeEnd),
    (Attr::RootPriority, Attr::RootPriorityHi),
    (Attr::RootCost, Attr::RootCostHi),
    (Attr::SenderPriority, Attr::SenderPriorityHi),
    (Attr::Port, Attr::PortHi),
    (Attr::Age, Attr::AgeHi),
    (Attr::MaxAge, Attr::MaxAgeHi),
    (Attr::HelloTime, Attr::HelloTimeHi),
    (Attr::ForwardDelay, Attr::ForwardDelayHi),
];

pub(crate) fn check(file: FileId, document: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in &document.items {
        let Item::Filter(filter) = item else {
            continue;
        };
        for rule in filter.rules() {
            let Some(protocol) = &rule.protocol else {
                continue;
            };
            ranges(file, protocol, &mut out);
            if let (Some(statematch), Some(state)) = (&rule.statematch, protocol.get(Attr::State)) {
                if !statematch.value {
                    out.push(
                        Diagnostic::new(
                            Code::StateWithoutStatematch,
                            file,
                            state.attr.span,
                            "the rule matches connection states but switches state matching off",
                        )
                        .with_label("`state` asks for connection states")
                        .with_related(file, statematch.span, "state matching switched off here")
                        .with_help("remove `statematch='false'`, or remove `state`"),
                    );
                }
            }
        }
    }
    out
}

fn compare(start: &Value, end: &Value) -> Option<Ordering> {
    match (start, end) {
        (Value::Number(a), Value::Number(b)) => Some(a.value.cmp(&b.value)),
        (Value::Ipv4(a), Value::Ipv4(b)) => Some(a.cmp(b)),
        (Value::Ipv6(a), Value::Ipv6(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Number(number) => number.to_string(),
        Value::Ipv4(addr) => addr.to_string(),
        Value::Ipv6(addr) => addr.to_string(),
        _ => String::new(),
    }
}

fn ranges(file: FileId, protocol: &ProtocolMatch, out: &mut Vec<Diagnostic>) {
    for (start_attr, end_attr) in RANGES {
        let (Some(start), Some(end)) = (protocol.get(start_attr), protocol.get(end_attr)) else {
            continue;
        };
        if compare(&start.value.value, &end.value.value) != Some(Ordering::Greater) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::EmptyRange,
                file,
                end.value.span,
                format!(
                    "`{end_attr}` {} is below `{start_attr}` {}: the range is empty",
                    show(&end.value.value),
                    show(&start.value.value)
                ),
            )
            .with_label("end of the range")
            .with_related(file, start.value.span, "start of the range")
            .with_help(format!(
                "swap the values of `{start_attr}` and `{end_attr}`"
            ))
            .with_fix(
                "swap start and end",
                end.value.span,
                show(&start.value.value),
            )
            .with_fix(
                "swap start and end",
                start.value.span,
                show(&end.value.value),
            ),
        );
    }
}
