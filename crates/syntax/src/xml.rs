//! The libvirt XML front end and writer.
//!
//! [`parse_xml`] reads one XML document — a `<filter>`, a `<filterbinding>`,
//! a libvirt `<domain>` whose `<interface>`s carry a `<filterref>`, or such
//! an `<interface>` on its own (the device XML `virsh attach-device` takes) — into
//! the IR, with a diagnostic for everything libvirt would reject (errors)
//! and for everything libvirt silently ignores (warnings). It never fails
//! and never panics: a broken document yields the IR of what could be read
//! and the diagnostics that explain the rest.
//!
//! [`write_xml`] writes IR back in libvirt's canonical form: the bytes
//! `virsh nwfilter-dumpxml` would print, except that comments are kept
//! unless [`WriteOptions::strip_comments`] is set. Bindings are always
//! written as `<filterbinding>`, also those read from a `<domain>`.
//!
//! Not here: workspace-wide checks (reference cycles, missing filters), the
//! text language, and anything about instantiation.

mod binding;
mod context;
mod escape;
mod filter;
mod negation;
mod rule;
mod tree;
mod writer;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::{
    AttrMatch, Binding, BindingSource, Comment, Document, Filter, Item, ProtocolMatch,
};
use crate::span::{FileId, Span};
use context::Context;
use quick_xml::Reader;
use quick_xml::events::Event;
use tree::Node;

pub(crate) use escape::is_xml_char;
pub(crate) use negation::has_ipset_fixup;
pub use negation::{effective_negation, negation_source};

/// How [`write_xml`] writes a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Drop comments, so that the output equals libvirt's byte for byte.
    /// By default comments are kept where they were.
    pub strip_comments: bool,
}

/// The root elements [`parse_xml`] understands.
pub const ROOT_ELEMENTS: [&str; 4] = ["filter", "filterbinding", "domain", "interface"];

/// Reads one libvirt XML document. Total: always returns a document (maybe
/// empty) and every problem as a diagnostic with a span in `file`.
pub fn parse_xml(file: FileId, text: &str) -> (Document, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let tree = tree::build(file, text, &mut diagnostics);
    let mut cx = Context::new(file, &mut diagnostics);
    let mut document = Document::default();
    push_comments(&mut document, tree.prolog);
    if let Some(root) = &tree.root {
        match root.name.as_str() {
            "filter" => document
                .items
                .push(Item::Filter(filter::lower(&mut cx, root))),
            "filterbinding" => {
                let (binding, comments) = binding::lower_filterbinding(&mut cx, root);
                document
                    .items
                    .extend(comments.into_iter().map(Item::Comment));
                if let Some(binding) = binding {
                    document.items.push(Item::Binding(binding));
                }
            }
            "domain" => document.items.extend(
                binding::lower_domain(&mut cx, root)
                    .into_iter()
                    .map(Item::Binding),
            ),
            "interface" => document.items.extend(
                binding::lower_interface(&mut cx, root, None, BindingSource::Interface)
                    .map(Item::Binding),
            ),
            other => {
                let mut diagnostic = Diagnostic::new(
                    Code::XmlWrongRoot,
                    file,
                    root.name_span,
                    format!("<{other}> is not an nwfilter document"),
                )
                .with_label("expected <filter>, <filterbinding>, <domain> or <interface>");
                if let Some(suggestion) = did_you_mean(other, ROOT_ELEMENTS) {
                    diagnostic = diagnostic
                        .with_help(format!("did you mean <{suggestion}>?"))
                        .with_fix(
                            format!("rename to <{suggestion}>"),
                            root.name_span,
                            suggestion,
                        );
                }
                cx.push(diagnostic);
            }
        }
    }
    push_comments(&mut document, tree.epilog);
    (document, diagnostics)
}

/// The name and name span of the document's root element, if it is one of
/// the libvirt documents nwf reads only in part (`<domain>`, `<interface>`).
pub(crate) fn foreign_root(text: &str) -> Option<(String, Span)> {
    let mut reader = Reader::from_str(text);
    loop {
        let start = tree::to_usize(reader.buffer_position());
        match reader.read_event() {
            Ok(Event::Start(tag) | Event::Empty(tag)) => {
                let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                let name_start = start.saturating_add(1).min(text.len());
                let span = Span::new(
                    name_start,
                    name_start.saturating_add(name.len()).min(text.len()),
                );
                return matches!(name.as_str(), "domain" | "interface").then_some((name, span));
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn push_comments(document: &mut Document, nodes: Vec<Node>) {
    for node in nodes {
        if let Node::Comment { text, span } = node {
            document.items.push(Item::Comment(Comment { text, span }));
        }
    }
}

/// Writes a whole document: each item in order (a document read from XML
/// holds one filter or binding, plus comments around it). A document with
/// several filters (from the text form) is written as their concatenation,
/// which is not one XML document: write such filters one by one with
/// [`write_filter`].
pub fn write_xml(document: &Document, options: &WriteOptions) -> String {
    let mut out = String::new();
    for item in &document.items {
        write_item_into(item, options, &mut out);
    }
    out
}

/// Writes one item (filter, binding, or top-level comment).
pub fn write_item(item: &Item, options: &WriteOptions) -> String {
    let mut out = String::new();
    write_item_into(item, options, &mut out);
    out
}

fn write_item_into(item: &Item, options: &WriteOptions, out: &mut String) {
    match item {
        Item::Filter(filter) => writer::filter(filter, options, out),
        Item::Binding(binding) => writer::binding(binding, out),
        Item::Comment(comment) => {
            if !options.strip_comments {
                writer::comment(&comment.text, 0, out);
            }
        }
    }
}

/// Writes one filter in libvirt's canonical form.
pub fn write_filter(filter: &Filter, options: &WriteOptions) -> String {
    let mut out = String::new();
    writer::filter(filter, options, &mut out);
    out
}

/// The attributes libvirt keeps of a protocol match, in its table order,
/// each with the negation libvirt gives it (see [`effective_negation`]) and
/// with its ipset defaults applied: what the writer prints, for other
/// printers (the text form) that must print the same facts.
pub fn effective_attrs(protocol_match: &ProtocolMatch) -> Vec<AttrMatch> {
    writer::printed_attrs(protocol_match)
        .into_iter()
        .map(|(mut entry, negated)| {
            entry.negated = negated;
            entry
        })
        .collect()
}

/// Writes one binding as a libvirt `<filterbinding>` (whatever its source).
pub fn write_binding(binding: &Binding) -> String {
    let mut out = String::new();
    writer::binding(binding, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_does_not_change_the_ir() {
        let compact = "<filter name='f' chain='ipv4'><rule action='drop' direction='in'>\
                       <ip srcipaddr='10.0.0.1'/></rule></filter>";
        let airy = "<filter   name='f'\n chain='ipv4'>\n\n  <rule direction='in' action='drop'>\n    \
                    <ip srcipaddr = \"10.0.0.1\" />\n  </rule>\n</filter>\n";
        let (a, a_diagnostics) = parse_xml(FileId(0), compact);
        let (b, b_diagnostics) = parse_xml(FileId(0), airy);
        assert!(a_diagnostics.is_empty() && b_diagnostics.is_empty());
        assert_eq!(a, b);
    }

    #[test]
    fn comments_never_contain_double_hyphens() {
        let text = "<!-- a---b -- c- --><filter name='f'/>";
        let (document, _) = parse_xml(FileId(0), text);
        let written = write_xml(&document, &WriteOptions::default());
        assert!(
            written.starts_with("<!-- a- - -b - - c- -->\n"),
            "{written}"
        );
        let (again, _) = parse_xml(FileId(0), &written);
        assert_eq!(write_xml(&again, &WriteOptions::default()), written);
    }

    #[test]
    fn domain_interfaces_become_bindings() {
        let domain = "<domain><name>vm</name><uuid>d54df46f1ab54a2286184560ef5fac2c</uuid>\
                      <devices><interface type='network'><mac address='52:54:0:1:2:3'/>\
                      <target dev='vnet7'/><filterref filter='clean-traffic'>\
                      <parameter name='IP' value='10.0.0.7'/></filterref></interface>\
                      <interface type='network'/></devices></domain>";
        let (document, diagnostics) = parse_xml(FileId(0), domain);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let bindings: Vec<_> = document.bindings().collect();
        assert_eq!(bindings.len(), 1);
        assert_eq!(
            write_binding(bindings[0]),
            "<filterbinding>\n  <owner>\n    <name>vm</name>\n    \
             <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>\n  </owner>\n  \
             <portdev name='vnet7'/>\n  <mac address='52:54:00:01:02:03'/>\n  \
             <filterref filter='clean-traffic'>\n    <parameter name='IP' value='10.0.0.7'/>\n  \
             </filterref>\n</filterbinding>\n"
        );
    }

    #[test]
    fn negated_and_plain_attributes_split_like_libvirt() {
        let text = "<filter name='f'><rule action='drop' direction='in'>\
                    <tcp match='no' srcipaddr='10.0.0.1' srcportstart='1'/>\
                    <tcp dscp='3' comment='c'/></rule></filter>";
        let (document, _) = parse_xml(FileId(0), text);
        let written = write_xml(&document, &WriteOptions::default());
        assert!(
            written.contains(
                "    <tcp match='no' srcipaddr='10.0.0.1'/>\n    <tcp dscp='3'/>\n    \
                 <tcp match='no' srcportstart='1'/>\n    <tcp comment='c'/>\n"
            ),
            "{written}"
        );
    }
}
