//! Lowering `<rule>` and its protocol element(s), with libvirt's quirks:
//! several elements of one protocol merge, elements of a second protocol
//! are ignored, negation is copied between related attributes, and ports on
//! `ip`/`ipv6` need a port protocol.

use super::context::Context;
use super::filter::parse_priority;
use super::negation::{effective_negation, has_ipset_fixup, negation_source};
use super::tree::{Element, Node};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::{
    Action, Attr, AttrMatch, Comment, Direction, Protocol, ProtocolMatch, Rule, Value, ValueKind,
};
use crate::span::{Span, Spanned};
use crate::values::{MAX_COMMENT_LEN, ValueError, parse_value};

pub(crate) fn lower(cx: &mut Context, element: &Element) -> (Option<Rule>, Vec<Comment>) {
    cx.check_attrs(element, &["action", "direction", "priority", "statematch"]);
    cx.check_no_text(element);
    let action = keyword(
        cx,
        element,
        "action",
        Action::parse,
        &Action::ALL.map(Action::as_str),
    );
    let direction = keyword(
        cx,
        element,
        "direction",
        Direction::parse,
        &Direction::ALL.map(Direction::as_str),
    );
    let priority = element
        .attr("priority")
        .and_then(|attr| parse_priority(cx, &attr.value, attr.value_span, "rule"));
    let statematch = element.attr("statematch").map(|attr| {
        let value = &attr.value;
        let enabled = !(value == "0" || value.eq_ignore_ascii_case("false"));
        if enabled && !(value == "1" || value.eq_ignore_ascii_case("true")) {
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    attr.value_span,
                    format!("statematch='{value}' leaves state matching on; only `false` or `0` switch it off"),
                )
                .with_label("treated as true"),
            );
        }
        Spanned::new(enabled, attr.value_span)
    });

    let mut comments = Vec::new();
    let mut protocol: Option<ProtocolMatch> = None;
    for node in &element.children {
        match node {
            Node::Comment { text, span } => comments.push(Comment {
                text: text.clone(),
                span: *span,
            }),
            Node::Text { .. } => {}
            Node::Element(child) => {
                comments.extend(lower_protocol_element(cx, child, &mut protocol));
            }
        }
    }
    if let Some(protocol) = &mut protocol {
        finish_protocol(cx, protocol);
    }
    let rule = match (action, direction) {
        (Some(action), Some(direction)) => Some(Rule {
            action,
            direction,
            priority,
            statematch,
            protocol,
            span: element.span,
        }),
        _ => None,
    };
    (rule, comments)
}

fn keyword<T>(
    cx: &mut Context,
    element: &Element,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    words: &[&'static str],
) -> Option<Spanned<T>> {
    let Some(attr) = element.attr(name) else {
        cx.missing_attr(element, name);
        return None;
    };
    if let Some(value) = parse(&attr.value) {
        return Some(Spanned::new(value, attr.value_span));
    }
    let mut diagnostic = Diagnostic::new(
        Code::XmlInvalidValue,
        cx.file,
        attr.value_span,
        format!("`{}` is not a rule {name}", attr.value),
    )
    .with_label(format!("expected one of {}", words.join(", ")));
    if let Some(suggestion) = did_you_mean(&attr.value, words.iter().copied()) {
        diagnostic = diagnostic
            .with_help(format!("did you mean `{suggestion}`?"))
            .with_fix(
                format!("replace with `{suggestion}`"),
                attr.value_span,
                suggestion,
            );
    }
    cx.push(diagnostic);
    None
}

/// Merges one protocol element into the rule's match; returns the comments
/// inside it, which move before the rule.
fn lower_protocol_element(
    cx: &mut Context,
    element: &Element,
    current: &mut Option<ProtocolMatch>,
) -> Vec<Comment> {
    let Some(protocol) = Protocol::parse(&element.name) else {
        let names: Vec<&str> = Protocol::ALL.iter().map(|p| p.as_str()).collect();
        cx.unknown_element(element, "rule", &names);
        return Vec::new();
    };
    if let Some(existing) = current.as_ref() {
        let first = existing.protocol.value;
        if first != protocol {
            cx.push(
                Diagnostic::new(
                    Code::XmlMixedProtocols,
                    cx.file,
                    element.name_span,
                    format!(
                        "libvirt ignores <{protocol}> because this rule already matches <{first}>"
                    ),
                )
                .with_related(
                    cx.file,
                    existing.protocol.span,
                    format!("the rule's protocol is {first}"),
                )
                .with_help("a rule matches one protocol; write a second rule"),
            );
            return Vec::new();
        }
        cx.push(
            Diagnostic::new(
                Code::XmlRepeatedProtocol,
                cx.file,
                element.name_span,
                format!("<{protocol}> appears again in this rule; libvirt merges the elements"),
            )
            .with_related(cx.file, existing.protocol.span, "first element")
            .with_help("write all attributes on one element"),
        );
    }
    let negated = match element.attr("match") {
        None => false,
        Some(attr) if attr.value == "no" => true,
        Some(attr) if attr.value == "yes" => false,
        Some(attr) => {
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    attr.value_span,
                    format!(
                        "match='{}' is read as match='yes'; only `no` negates",
                        attr.value
                    ),
                )
                .with_label("expected yes or no"),
            );
            false
        }
    };
    let entry = current.get_or_insert_with(|| ProtocolMatch {
        protocol: Spanned::new(protocol, element.name_span),
        attrs: Vec::new(),
    });
    let comments = cx.leaf(element, false);
    for attr in &element.attrs {
        if attr.name == "match" {
            continue;
        }
        let Some(name) = Attr::parse(&attr.name).filter(|name| protocol.attr(*name).is_some())
        else {
            report_bad_attr(cx, element, protocol, &attr.name, attr.name_span);
            continue;
        };
        let Some(spec) = protocol.attr(name) else {
            continue;
        };
        let Some(value) = lower_value(cx, protocol, name, spec.kind, &attr.value, attr.value_span)
        else {
            continue;
        };
        let new = AttrMatch {
            attr: Spanned::new(name, attr.name_span),
            value: Spanned::new(value, attr.value_span),
            negated,
        };
        // A later element overrides an earlier one, as in libvirt.
        if let Some(slot) = entry.attrs.iter_mut().find(|slot| slot.attr.value == name) {
            *slot = new;
        } else {
            entry.attrs.push(new);
        }
    }
    comments
}

fn report_bad_attr(
    cx: &mut Context,
    element: &Element,
    protocol: Protocol,
    name: &str,
    span: Span,
) {
    let known: Vec<&str> = protocol
        .attrs()
        .iter()
        .map(|spec| spec.attr.as_str())
        .chain(std::iter::once("match"))
        .collect();
    if Attr::parse(name).is_some() {
        let mut diagnostic = Diagnostic::new(
            Code::XmlAttributeNotForProtocol,
            cx.file,
            span,
            format!("<{protocol}> has no attribute `{name}`; libvirt ignores it"),
        )
        .with_label(format!("not an attribute of {protocol}"));
        let users: Vec<&str> = Protocol::ALL
            .iter()
            .filter(|p| Attr::parse(name).is_some_and(|attr| p.attr(attr).is_some()))
            .map(|p| p.as_str())
            .collect();
        if !users.is_empty() {
            diagnostic = diagnostic.with_help(format!("`{name}` exists on: {}", users.join(", ")));
        }
        cx.push(diagnostic);
        return;
    }
    let diagnostic = cx.unknown_attr(element, name, span, &known);
    cx.push(diagnostic);
}

fn lower_value(
    cx: &mut Context,
    protocol: Protocol,
    attr: Attr,
    kind: ValueKind,
    text: &str,
    span: Span,
) -> Option<Value> {
    match parse_value(kind, text) {
        Ok(Value::Text(comment))
            if kind == ValueKind::Comment && comment.len() > MAX_COMMENT_LEN =>
        {
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    span,
                    format!("libvirt cuts comments to {MAX_COMMENT_LEN} bytes; the rest is lost"),
                )
                .with_label(format!("{} bytes", comment.len())),
            );
            let mut end = MAX_COMMENT_LEN;
            while !comment.is_char_boundary(end) {
                end -= 1;
            }
            Some(Value::Text(comment[..end].to_owned()))
        }
        Ok(Value::Var(var)) => Some(Value::Var(var)),
        Ok(value) => {
            if attr == Attr::DstIpTo && protocol.is_ipv6() {
                // libvirt declares dstipto of the IPv6 protocols as an IPv4
                // address, so it cannot read an IPv6 literal there.
                cx.push(
                    Diagnostic::new(
                        Code::XmlInvalidValue,
                        cx.file,
                        span,
                        format!("libvirt cannot read a literal `dstipto` on <{protocol}>"),
                    )
                    .with_label("libvirt parses this attribute as an IPv4 address")
                    .with_help("pass the address through a variable, or use dstipaddr/dstipmask"),
                );
                return None;
            }
            Some(value)
        }
        Err(ValueError::Malformed { .. }) if kind == ValueKind::Boolean => {
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    span,
                    format!("`{text}` is read as false by libvirt"),
                )
                .with_label("expected true or false"),
            );
            Some(Value::Bool(false))
        }
        Err(error) => {
            let code = match error {
                ValueError::NonContiguousMask => Code::XmlNonContiguousMask,
                ValueError::Var(_) => Code::XmlBadVariable,
                _ => Code::XmlInvalidValue,
            };
            cx.push(
                Diagnostic::new(
                    code,
                    cx.file,
                    span,
                    format!("invalid value `{text}` for {protocol} `{attr}`"),
                )
                .with_label(error.to_string()),
            );
            None
        }
    }
}

/// Applies the checks that need the whole merged match.
fn finish_protocol(cx: &mut Context, protocol_match: &mut ProtocolMatch) {
    let protocol = protocol_match.protocol.value;
    let negated = effective_negation(protocol, &protocol_match.attrs);
    for (index, now) in negated.into_iter().enumerate() {
        let entry = &protocol_match.attrs[index];
        if entry.negated == now {
            continue;
        }
        let attr = entry.attr.value;
        let source = negation_source(protocol, attr).map_or("?", Attr::as_str);
        let message = if now {
            format!("libvirt negates `{attr}` because `{source}` is negated")
        } else {
            format!("libvirt drops the negation of `{attr}` because `{source}` is not negated")
        };
        cx.push(
            Diagnostic::new(Code::XmlNegationDropped, cx.file, entry.attr.span, message)
                .with_label(format!("takes its negation from `{source}`"))
                .with_help(format!(
                    "negate `{source}` together with `{attr}`, or split the rule"
                )),
        );
        protocol_match.attrs[index].negated = now;
    }
    if has_ipset_fixup(protocol) && protocol_match.get(Attr::Ipset).is_none() {
        if let Some(index) = protocol_match
            .attrs
            .iter()
            .position(|entry| entry.attr.value == Attr::IpsetFlags)
        {
            let span = protocol_match.attrs[index].attr.span;
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    span,
                    "libvirt ignores `ipsetflags` without `ipset`",
                )
                .with_label("no ipset to apply to"),
            );
            protocol_match.attrs.remove(index);
        }
    }
    if matches!(protocol, Protocol::Ip | Protocol::Ipv6) {
        check_port_protocol(cx, protocol_match);
    }
}

fn check_port_protocol(cx: &mut Context, protocol_match: &ProtocolMatch) {
    let port_attrs = [
        Attr::SrcPortStart,
        Attr::SrcPortEnd,
        Attr::DstPortStart,
        Attr::DstPortEnd,
    ];
    let Some(port) = protocol_match
        .attrs
        .iter()
        .find(|entry| port_attrs.contains(&entry.attr.value))
    else {
        return;
    };
    let ok = match protocol_match
        .get(Attr::IpProtocol)
        .map(|entry| &entry.value.value)
    {
        Some(Value::Name(name)) => matches!(*name, "tcp" | "udp" | "sctp"),
        Some(Value::Number(number)) => number.value == 33,
        _ => false,
    };
    if !ok {
        cx.push(
            Diagnostic::new(
                Code::XmlPortsNeedProtocol,
                cx.file,
                port.attr.span,
                format!(
                    "a port match on <{}> needs protocol tcp, udp, sctp or dccp (33)",
                    protocol_match.protocol.value
                ),
            )
            .with_label("port without a port protocol")
            .with_help("add protocol='tcp' (or udp, sctp) to this element"),
        );
    }
}
