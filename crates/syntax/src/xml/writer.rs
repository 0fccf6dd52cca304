//! Writing IR as libvirt's canonical XML: the layout and attribute order of
//! libvirt's formatters (`virNWFilterDefFormat`, the binding formatter),
//! explicit defaults (`chain`, rule `priority`), normalised values, and the
//! split of a protocol element into negated and non-negated groups.

use super::WriteOptions;
use super::escape::{escape, is_xml_char};
use super::negation::{effective_negation, has_ipset_fixup};
use crate::ir::{
    Attr, AttrMatch, Binding, DEFAULT_RULE_PRIORITY, Entry, Filter, FilterRef, IpsetFlag,
    ProtocolMatch, Rule, Value,
};
use crate::span::Spanned;
use crate::values::format_value;

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

pub(crate) fn comment(text: &str, level: usize, out: &mut String) {
    indent(level, out);
    out.push_str("<!-- ");
    // `--` cannot appear inside an XML comment: separate every such pair.
    let mut previous = ' ';
    // Characters XML cannot hold are dropped, as the escaping of values
    // drops them (`nwf_syntax::lossless` reports them before a rewrite).
    for ch in text.chars().filter(|&c| is_xml_char(c)) {
        if ch == '-' && previous == '-' {
            out.push(' ');
        }
        out.push(ch);
        previous = ch;
    }
    out.push_str(" -->\n");
}

fn attr(name: &str, value: &str, out: &mut String) {
    out.push(' ');
    out.push_str(name);
    out.push_str("='");
    escape(value, out);
    out.push('\'');
}

pub(crate) fn filter(filter: &Filter, options: &WriteOptions, out: &mut String) {
    out.push_str("<filter");
    attr("name", &filter.name.value, out);
    match &filter.chain {
        Some(chain) => {
            attr("chain", &chain.value.to_string(), out);
            let priority = filter
                .priority
                .as_ref()
                .map_or(chain.value.default_priority(), |priority| priority.value);
            if priority != 0 {
                attr("priority", &priority.to_string(), out);
            }
        }
        // Without a chain libvirt uses `root` and ignores any priority.
        None => attr("chain", "root", out),
    }
    out.push_str(">\n");
    if let Some(uuid) = &filter.uuid {
        indent(1, out);
        out.push_str("<uuid>");
        escape(&uuid.value, out);
        out.push_str("</uuid>\n");
    }
    for entry in &filter.entries {
        match entry {
            Entry::Rule(rule_entry) => rule(rule_entry, out),
            Entry::Ref(filter_ref) => filterref(filter_ref, 1, out),
            Entry::Comment(text) => {
                if !options.strip_comments {
                    comment(&text.text, 1, out);
                }
            }
        }
    }
    out.push_str("</filter>\n");
}

fn rule(rule: &Rule, out: &mut String) {
    indent(1, out);
    out.push_str("<rule");
    attr("action", rule.action.value.as_str(), out);
    attr("direction", rule.direction.value.as_str(), out);
    let priority = rule
        .priority
        .as_ref()
        .map_or(DEFAULT_RULE_PRIORITY, |priority| priority.value);
    attr("priority", &priority.to_string(), out);
    if !rule.statematch_enabled() {
        attr("statematch", "false", out);
    }
    match &rule.protocol {
        Some(protocol) => {
            out.push_str(">\n");
            protocol_match(protocol, out);
            indent(1, out);
            out.push_str("</rule>\n");
        }
        None => out.push_str("/>\n"),
    }
}

/// The attributes libvirt prints for a match, in table order, each with
/// its effective negation.
pub(crate) fn printed_attrs(protocol_match: &ProtocolMatch) -> Vec<(AttrMatch, bool)> {
    let protocol = protocol_match.protocol.value;
    let mut attrs = protocol_match.attrs.clone();
    if has_ipset_fixup(protocol) {
        let has_ipset = attrs.iter().any(|entry| entry.attr.value == Attr::Ipset);
        let has_flags = attrs
            .iter()
            .any(|entry| entry.attr.value == Attr::IpsetFlags);
        if has_ipset && !has_flags {
            attrs.push(AttrMatch {
                attr: Spanned::synthetic(Attr::IpsetFlags),
                value: Spanned::synthetic(Value::IpsetFlags(vec![IpsetFlag::Src])),
                negated: false,
            });
        } else if !has_ipset {
            attrs.retain(|entry| entry.attr.value != Attr::IpsetFlags);
        }
    }
    let negated = effective_negation(protocol, &attrs);
    let mut printed = Vec::new();
    for spec in protocol.attrs() {
        if let Some(index) = attrs.iter().position(|entry| entry.attr.value == spec.attr) {
            printed.push((attrs[index].clone(), negated[index]));
        }
    }
    printed
}

fn protocol_match(protocol_match: &ProtocolMatch, out: &mut String) {
    let protocol = protocol_match.protocol.value;
    let name = protocol.as_str();
    let printed = printed_attrs(protocol_match);
    if printed.is_empty() {
        indent(2, out);
        out.push('<');
        out.push_str(name);
        out.push_str("/>\n");
        return;
    }
    // libvirt opens a new element whenever negation changes between
    // consecutive attributes; only negated groups carry `match='no'`.
    let mut open: Option<bool> = None;
    for (entry, negated) in printed {
        if open.is_some_and(|group| group != negated) {
            out.push_str("/>\n");
            open = None;
        }
        if open.is_none() {
            indent(2, out);
            out.push('<');
            out.push_str(name);
            if negated {
                out.push_str(" match='no'");
            }
            open = Some(negated);
        }
        let kind = protocol
            .attr(entry.attr.value)
            .map_or(crate::ir::ValueKind::Comment, |spec| spec.kind);
        attr(
            entry.attr.value.as_str(),
            &format_value(kind, &entry.value.value),
            out,
        );
    }
    out.push_str("/>\n");
}

fn filterref(filter_ref: &FilterRef, level: usize, out: &mut String) {
    indent(level, out);
    out.push_str("<filterref");
    attr("filter", &filter_ref.filter.value, out);
    if filter_ref.params.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    // libvirt keeps parameters in a table keyed by name and prints the
    // names sorted, each name's values in their original order.
    let mut params: Vec<_> = filter_ref.params.iter().collect();
    params.sort_by(|a, b| a.name.value.as_bytes().cmp(b.name.value.as_bytes()));
    for param in params {
        indent(level + 1, out);
        out.push_str("<parameter");
        attr("name", &param.name.value, out);
        attr("value", &param.value.value, out);
        out.push_str("/>\n");
    }
    indent(level, out);
    out.push_str("</filterref>\n");
}

pub(crate) fn binding(binding: &Binding, out: &mut String) {
    out.push_str("<filterbinding>\n");
    if let Some(owner) = &binding.owner {
        indent(1, out);
        out.push_str("<owner>\n");
        indent(2, out);
        out.push_str("<name>");
        escape(&owner.name.value, out);
        out.push_str("</name>\n");
        indent(2, out);
        out.push_str("<uuid>");
        escape(&owner.uuid.value, out);
        out.push_str("</uuid>\n");
        indent(1, out);
        out.push_str("</owner>\n");
    }
    indent(1, out);
    out.push_str("<portdev");
    attr("name", &binding.portdev.value, out);
    out.push_str("/>\n");
    if let Some(linkdev) = &binding.linkdev {
        indent(1, out);
        out.push_str("<linkdev");
        attr("name", &linkdev.value, out);
        out.push_str("/>\n");
    }
    if let Some(mac) = &binding.mac {
        indent(1, out);
        out.push_str("<mac");
        attr("address", &mac.value.to_string(), out);
        out.push_str("/>\n");
    }
    filterref(&binding.filterref, 1, out);
    if let Some(backend) = &binding.backend {
        indent(1, out);
        out.push_str("<backend");
        attr("name", &backend.value, out);
        out.push_str("/>\n");
    }
    out.push_str("</filterbinding>\n");
}
