//! The printer (formatter) of the text form: any IR to its one canonical
//! `.nwf` spelling.
//!
//! Canonical means: four-space indentation; one statement per line; single
//! spaces between words; a rule's attributes in libvirt's order for its
//! protocol, with libvirt's negation copying and ipset defaults applied
//! (exactly what the XML writer prints, [`crate::xml::effective_attrs`]);
//! values in libvirt's spelling
//! (the shared [`crate::values::format_value`]), bare when they lex as one
//! word and quoted otherwise (`comment` values are always quoted); a `ref`'s
//! parameters grouped by name, names sorted, several values of one name as a
//! list; defaults left out (`chain root`, a filter priority equal to its
//! chain's default or without a chain, rule priority 500, `statematch true`).
//!
//! Comments are printed where the IR has them, one `#` line per line of
//! comment text. Two comments in a row are separated by a blank line, which
//! is what keeps them two comments when read back. A blank line separates
//! top-level items, except that a comment stays attached to the item below
//! it. The printer does not keep any other blank line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ir::{
    Binding, DEFAULT_RULE_PRIORITY, Document, Entry, Filter, FilterRef, Item, ProtocolMatch, Rule,
    ValueKind,
};
use crate::text::escape;
use crate::values;

const INDENT: &str = "    ";

/// The canonical text form of `doc`.
pub fn print_text(doc: &Document) -> String {
    let mut out = String::new();
    let mut previous: Option<&Item> = None;
    for item in &doc.items {
        if let Some(previous) = previous {
            let attached =
                matches!(previous, Item::Comment(_)) && !matches!(item, Item::Comment(_));
            if !attached {
                out.push('\n');
            }
        }
        match item {
            Item::Comment(comment) => print_comment(&mut out, "", &comment.text),
            Item::Filter(filter) => print_filter(&mut out, filter),
            Item::Binding(binding) => print_binding(&mut out, binding),
        }
        previous = Some(item);
    }
    out
}

/// One `#` line per line of `text`. A line ends at LF, CR LF or a lone CR
/// (comments read from XML may hold carriage returns), so no printed line
/// holds a carriage return that would read back as part of a line end.
fn print_comment(out: &mut String, indent: &str, text: &str) {
    for line in text
        .split('\n')
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
    {
        out.push_str(indent);
        out.push('#');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn print_filter(out: &mut String, filter: &Filter) {
    out.push_str("filter ");
    out.push_str(&escape::word_or_quoted(&filter.name.value));
    let chain = filter.chain_or_root();
    // Without a chain libvirt ignores the priority (and so does the XML
    // writer), so a priority is shown only with its chain, even `root`.
    let priority = filter
        .priority
        .as_ref()
        .filter(|priority| filter.chain.is_some() && priority.value != chain.default_priority());
    if filter.chain.is_some() && (chain != crate::ir::Chain::root() || priority.is_some()) {
        let _ = write!(out, " chain {chain}");
    }
    if let Some(priority) = priority {
        let _ = write!(out, " priority {}", priority.value);
    }
    if filter.uuid.is_none() && filter.entries.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    if let Some(uuid) = &filter.uuid {
        let _ = writeln!(out, "{INDENT}uuid {}", escape::word_or_quoted(&uuid.value));
        if !filter.entries.is_empty() {
            out.push('\n');
        }
    }
    let mut previous_was_comment = false;
    for entry in &filter.entries {
        match entry {
            Entry::Comment(comment) => {
                if previous_was_comment {
                    out.push('\n');
                }
                print_comment(out, INDENT, &comment.text);
            }
            Entry::Rule(rule) => {
                out.push_str(INDENT);
                print_rule(out, rule);
                out.push('\n');
            }
            Entry::Ref(filter_ref) => {
                out.push_str(INDENT);
                print_ref(out, filter_ref);
                out.push('\n');
            }
        }
        previous_was_comment = matches!(entry, Entry::Comment(_));
    }
    out.push_str("}\n");
}

fn print_rule(out: &mut String, rule: &Rule) {
    out.push_str(rule.direction.value.as_str());
    out.push(' ');
    out.push_str(rule.action.value.as_str());
    if let Some(protocol) = &rule.protocol {
        out.push(' ');
        print_protocol(out, protocol);
    }
    if let Some(priority) = &rule.priority {
        if priority.value != DEFAULT_RULE_PRIORITY {
            let _ = write!(out, " priority {}", priority.value);
        }
    }
    if !rule.statematch_enabled() {
        out.push_str(" statematch false");
    }
}

fn print_protocol(out: &mut String, protocol: &ProtocolMatch) {
    let proto = protocol.protocol.value;
    out.push_str(proto.as_str());
    // What libvirt keeps, in its order and with its negation, so that the
    // text and the XML writer print the same facts.
    for attr in crate::xml::effective_attrs(protocol) {
        let kind = proto
            .attr(attr.attr.value)
            .map_or(ValueKind::Comment, |spec| spec.kind);
        let text = values::format_value(kind, &attr.value.value);
        let op = if attr.negated { "!=" } else { "=" };
        let value = match &attr.value.value {
            crate::ir::Value::Var(_) => text,
            _ if kind == ValueKind::Comment => escape::quote(&text),
            _ => escape::word_or_quoted(&text),
        };
        let _ = write!(out, " {} {op} {value}", attr.attr.value.as_str());
    }
}

fn print_ref(out: &mut String, filter_ref: &FilterRef) {
    out.push_str("ref ");
    out.push_str(&escape::word_or_quoted(&filter_ref.filter.value));
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for param in &filter_ref.params {
        groups
            .entry(&param.name.value)
            .or_default()
            .push(&param.value.value);
    }
    for (name, values) in groups {
        let _ = write!(out, " {} = ", escape::word_or_quoted(name));
        if let [value] = values.as_slice() {
            out.push_str(&param_value(value));
        } else {
            let items: Vec<String> = values.iter().map(|value| param_value(value)).collect();
            let _ = write!(out, "[{}]", items.join(", "));
        }
    }
}

/// A parameter value: a variable reference or a word as is, anything else
/// quoted. Inside a list a comma would split the value, so words with commas
/// are quoted too.
fn param_value(value: &str) -> String {
    if is_var_text(value) || (escape::is_bare_word(value) && !value.contains(',')) {
        value.to_owned()
    } else {
        escape::quote(value)
    }
}

/// Whether `text` lexes as one variable token (`$X`, `$X[1]`, `$X[@2]`).
fn is_var_text(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('$') else {
        return false;
    };
    let name_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if name_len == 0 {
        return false;
    }
    let access = &rest[name_len..];
    if access.is_empty() {
        return true;
    }
    let Some(inner) = access
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
    else {
        return false;
    };
    let inner = inner.trim_matches([' ', '\t']);
    let digits = inner
        .strip_prefix('@')
        .map_or(inner, |after| after.trim_start_matches([' ', '\t']));
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn print_binding(out: &mut String, binding: &Binding) {
    out.push_str("bind ");
    out.push_str(&escape::word_or_quoted(&binding.portdev.value));
    if let Some(mac) = &binding.mac {
        let _ = write!(out, " mac {}", mac.value);
    }
    out.push_str(" {\n");
    if let Some(owner) = &binding.owner {
        let _ = writeln!(
            out,
            "{INDENT}owner {} {}",
            escape::word_or_quoted(&owner.name.value),
            escape::word_or_quoted(&owner.uuid.value)
        );
    }
    if let Some(linkdev) = &binding.linkdev {
        let _ = writeln!(
            out,
            "{INDENT}linkdev {}",
            escape::word_or_quoted(&linkdev.value)
        );
    }
    out.push_str(INDENT);
    print_ref(out, &binding.filterref);
    out.push('\n');
    if let Some(backend) = &binding.backend {
        let _ = writeln!(
            out,
            "{INDENT}backend {}",
            escape::word_or_quoted(&backend.value)
        );
    }
    out.push_str("}\n");
}

#[cfg(test)]
mod tests {
    use super::is_var_text;

    #[test]
    fn var_texts() {
        for yes in ["$X", "$X_1[2]", "$X[@3]", "$X[ @ 3 ]"] {
            assert!(is_var_text(yes), "{yes}");
        }
        for no in ["$", "X", "$X[", "$X[@]", "$X y", "$-"] {
            assert!(!is_var_text(no), "{no}");
        }
    }
}
