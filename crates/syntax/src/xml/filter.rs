//! Lowering `<filter>`: name, chain, priority, uuid, and the rules and
//! filter references in document order. Also `<filterref>`, which bindings
//! share.

use super::context::Context;
use super::rule;
use super::tree::{Element, Node};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::{Chain, ChainKind, Comment, Entry, Filter, FilterRef, Param};
use crate::span::{Span, Spanned};

/// libvirt's limit on the length of a chain name.
pub const MAX_CHAIN_LEN: usize = 12;

pub(crate) fn lower(cx: &mut Context, element: &Element) -> Filter {
    cx.check_attrs(element, &["name", "chain", "priority"]);
    let name = if let Some(attr) = element.attr("name") {
        if !is_xml_name(&attr.value) {
            cx.push(
                Diagnostic::new(
                    Code::XmlBadFilterName,
                    cx.file,
                    attr.value_span,
                    format!("filter name `{}` is not an XML name", attr.value),
                )
                .with_label("letters, digits, _ - . only, starting with a letter or _"),
            );
        }
        Spanned::new(attr.value.clone(), attr.value_span)
    } else {
        cx.missing_attr(element, "name");
        Spanned::new(String::new(), element.name_span)
    };
    let chain = element.attr("chain").and_then(|attr| {
        parse_chain(cx, &attr.value, attr.value_span).map(|c| Spanned::new(c, attr.value_span))
    });
    let mut priority = element
        .attr("priority")
        .and_then(|attr| parse_priority(cx, &attr.value, attr.value_span, "filter"));
    if priority.is_some() && element.attr("chain").is_none() {
        if let Some(attr) = element.attr("priority") {
            cx.push(
                Diagnostic::new(
                    Code::XmlIgnoredByLibvirt,
                    cx.file,
                    attr.name_span,
                    "libvirt ignores a filter priority when the filter has no `chain`",
                )
                .with_help("add chain='root' (or another chain) to make the priority count"),
            );
        }
        priority = None;
    }
    let mut filter = Filter {
        name,
        chain,
        priority,
        uuid: None,
        entries: Vec::new(),
        span: element.span,
    };
    if let Some(lost) = filter.priority_lost_in_xml() {
        let chain = filter.chain_or_root();
        cx.push(crate::lossless::priority_zero_warning(
            Code::XmlPriorityZeroLost,
            cx.file,
            lost.span,
            &chain,
        ));
    }
    cx.check_no_text(element);
    for node in &element.children {
        match node {
            Node::Comment { text, span } => filter.entries.push(Entry::Comment(Comment {
                text: text.clone(),
                span: *span,
            })),
            Node::Text { .. } => {}
            Node::Element(child) => match child.name.as_str() {
                "uuid" => {
                    cx.check_attrs(child, &[]);
                    let comments = cx.leaf(child, true);
                    filter
                        .entries
                        .extend(comments.into_iter().map(Entry::Comment));
                    if filter.uuid.is_some() {
                        cx.report(
                            Code::XmlIgnoredByLibvirt,
                            child.name_span,
                            "a second <uuid> is ignored; libvirt reads the first",
                        );
                    } else {
                        filter.uuid = lower_uuid(cx, child);
                    }
                }
                "rule" => {
                    let (rule, comments) = rule::lower(cx, child);
                    filter
                        .entries
                        .extend(comments.into_iter().map(Entry::Comment));
                    if let Some(rule) = rule {
                        filter.entries.push(Entry::Rule(rule));
                    }
                }
                "filterref" => {
                    let (filter_ref, comments) = lower_filterref(cx, child);
                    filter
                        .entries
                        .extend(comments.into_iter().map(Entry::Comment));
                    if let Some(filter_ref) = filter_ref {
                        filter.entries.push(Entry::Ref(filter_ref));
                    }
                }
                _ => cx.unknown_element(child, "filter", &["uuid", "rule", "filterref"]),
            },
        }
    }
    filter
}

/// Reads a priority (-1000..=1000) the way libvirt does: a decimal integer.
pub(crate) fn parse_priority(
    cx: &mut Context,
    text: &str,
    span: Span,
    what: &str,
) -> Option<Spanned<i16>> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let parsed = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<i64>().ok()
    } else {
        None
    };
    match parsed {
        Some(value) if (-1000..=1000).contains(&value) => i16::try_from(value)
            .ok()
            .map(|value| Spanned::new(value, span)),
        Some(value) => {
            cx.push(
                Diagnostic::new(
                    Code::XmlInvalidPriority,
                    cx.file,
                    span,
                    format!("{what} priority {value} is outside -1000..1000"),
                )
                .with_label("out of range"),
            );
            None
        }
        None => {
            cx.push(
                Diagnostic::new(
                    Code::XmlInvalidPriority,
                    cx.file,
                    span,
                    format!("{what} priority `{text}` is not an integer"),
                )
                .with_label("expected an integer from -1000 to 1000"),
            );
            None
        }
    }
}

/// Checks a chain name against libvirt's rules and splits it into the
/// protocol word and the suffix.
pub(crate) fn parse_chain(cx: &mut Context, text: &str, span: Span) -> Option<Chain> {
    let error = |cx: &mut Context, message: String, help: Option<String>| {
        let mut diagnostic = Diagnostic::new(Code::XmlInvalidChain, cx.file, span, message)
            .with_label("invalid chain");
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        cx.push(diagnostic);
    };
    if text.len() > MAX_CHAIN_LEN {
        error(
            cx,
            format!("chain name `{text}` is longer than {MAX_CHAIN_LEN} characters"),
            None,
        );
        return None;
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')))
    {
        error(
            cx,
            format!("chain name `{text}` contains `{bad}`"),
            Some("chain names consist of letters, digits and _.:-".to_owned()),
        );
        return None;
    }
    if text == "root" {
        return Some(Chain::root());
    }
    // libvirt tries the prefixes in this order; `root` is only a whole name.
    let prefixes = [
        ChainKind::Mac,
        ChainKind::Vlan,
        ChainKind::Stp,
        ChainKind::Arp,
        ChainKind::Rarp,
        ChainKind::Ipv4,
        ChainKind::Ipv6,
    ];
    if !text.starts_with("root") {
        for kind in prefixes {
            if let Some(suffix) = text.strip_prefix(kind.as_str()) {
                return Some(Chain {
                    kind,
                    suffix: suffix.to_owned(),
                });
            }
        }
    }
    let words = ChainKind::ALL.map(ChainKind::as_str);
    let help = if let Some(suggestion) = did_you_mean(text, words) {
        format!("did you mean `{suggestion}`?")
    } else {
        "use `root`, or a name starting with mac, vlan, stp, arp, rarp, ipv4 or ipv6".to_owned()
    };
    error(
        cx,
        format!("`{text}` is not a valid chain name"),
        Some(help),
    );
    None
}

fn lower_uuid(cx: &mut Context, element: &Element) -> Option<Spanned<String>> {
    let (text, span) = element.text();
    if let Some(uuid) = canonical_uuid(&text) {
        Some(Spanned::new(uuid, span))
    } else {
        cx.push(
            Diagnostic::new(
                Code::XmlInvalidValue,
                cx.file,
                span,
                format!("`{}` is not a UUID", text.trim()),
            )
            .with_label("expected 32 hex digits, e.g. 5c6d49af-b071-6127-b4ec-6f8ed4b55335"),
        );
        None
    }
}

/// Parses a UUID as libvirt does (32 hex digits; dashes anywhere between
/// byte pairs; blanks around) and returns its canonical lower-case form.
pub(crate) fn canonical_uuid(text: &str) -> Option<String> {
    let digits: Vec<u8> = text.trim().bytes().filter(|&b| b != b'-').collect();
    if digits.len() != 32 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let trimmed = text.trim();
    if trimmed.starts_with('-') || trimmed.ends_with('-') {
        return None;
    }
    let lower: String = digits
        .iter()
        .map(|&b| char::from(b.to_ascii_lowercase()))
        .collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &lower[0..8],
        &lower[8..12],
        &lower[12..16],
        &lower[16..20],
        &lower[20..32]
    ))
}

/// An XML `NCName` restricted to ASCII (non-ASCII letters are accepted
/// without checking their class).
fn is_xml_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || !c.is_ascii())
}

fn is_var_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_var_value(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':'))
}

/// Lowers `<filterref filter=...>` and its `<parameter>`s; comments inside
/// are returned to be placed before the reference.
pub(crate) fn lower_filterref(
    cx: &mut Context,
    element: &Element,
) -> (Option<FilterRef>, Vec<Comment>) {
    cx.check_attrs(element, &["filter"]);
    cx.check_no_text(element);
    let mut comments = Vec::new();
    let mut params = Vec::new();
    for node in &element.children {
        match node {
            Node::Comment { text, span } => comments.push(Comment {
                text: text.clone(),
                span: *span,
            }),
            Node::Text { .. } => {}
            Node::Element(child) if child.name == "parameter" => {
                comments.extend(cx.leaf(child, false));
                if let Some(param) = lower_param(cx, child) {
                    params.push(param);
                }
            }
            Node::Element(child) => cx.unknown_element(child, "filterref", &["parameter"]),
        }
    }
    let Some(filter) = element.attr("filter") else {
        cx.missing_attr(element, "filter");
        return (None, comments);
    };
    let filter_ref = FilterRef {
        filter: Spanned::new(filter.value.clone(), filter.value_span),
        params,
        span: element.span,
    };
    (Some(filter_ref), comments)
}

fn lower_param(cx: &mut Context, element: &Element) -> Option<Param> {
    cx.check_attrs(element, &["name", "value"]);
    let name = element.attr("name");
    let value = element.attr("value");
    if name.is_none() {
        cx.missing_attr(element, "name");
    }
    if value.is_none() {
        cx.missing_attr(element, "value");
    }
    let (name, value) = (name?, value?);
    if !is_var_name(&name.value) {
        cx.push(
            Diagnostic::new(
                Code::XmlIgnoredByLibvirt,
                cx.file,
                name.value_span,
                format!(
                    "libvirt ignores parameter `{}`: names consist of letters, digits and _",
                    name.value
                ),
            )
            .with_label("invalid parameter name"),
        );
        return None;
    }
    if !is_var_value(&value.value) {
        cx.push(
            Diagnostic::new(
                Code::XmlIgnoredByLibvirt,
                cx.file,
                value.value_span,
                format!(
                    "libvirt ignores parameter {} with value `{}`: values consist of letters, digits and _.:",
                    name.value, value.value
                ),
            )
            .with_label("unusable parameter value"),
        );
        return None;
    }
    Some(Param {
        name: Spanned::new(name.value.clone(), name.value_span),
        value: Spanned::new(value.value.clone(), value.value_span),
    })
}
