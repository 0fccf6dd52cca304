//! Rewriting a whole document (Format Document; converting a file to the
//! other form) only when nothing the file says would be lost.
//!
//! [`lossless_rewrite`] prints a document with nwf's printers and hands the
//! result back only if every one of these holds; otherwise it says which
//! one failed ([`Refusal`]):
//!
//! 1. The file has no errors (checked first: a broken document says
//!    nothing reliable about what it is).
//! 2. nwf owns the document: a `.nwf` file, or an XML file holding one
//!    `<filter>` or one `<filterbinding>`. A libvirt `<domain>` is not ours
//!    to print: the IR keeps only its filter bindings (disks, memory, the
//!    OS are not in it), and the writer would print those as
//!    `<filterbinding>`s. The front end read everything: its warnings hold
//!    nothing that means "this part of the source is not in the IR" (an
//!    unknown element or attribute, an attribute of another protocol,
//!    text, a second protocol element, something libvirt ignores and nwf
//!    therefore drops, a negation nwf rewrites). The only warning allowed
//!    is NWF018 (a filter name that is no XML name: the name is kept as
//!    written). A new warning is refused until it is listed here.
//! 3. Nothing the IR does not hold is in the text: no XML declaration,
//!    processing instruction, DOCTYPE or CDATA section outside comments, no
//!    byte order mark; every comment of the text is a comment of the IR;
//!    every element, attribute and text of an XML file is in the canonical
//!    XML of its IR ([`inventory`]: the reader does not report every part
//!    it ignores).
//! 4. Every comment stays where it is: on a line of its own (the printers
//!    put each comment on its own line, so a comment after a statement on
//!    the same line would move), at the level of the filter or the file (a
//!    comment inside a `<rule>` or a `<filterref>` is written before it, a
//!    comment inside a `bind` block before the block), and not before a
//!    filter's `<uuid>` (which the printers put first).
//! 5. Line endings are all `\n` or all `\r\n`; `\r\n` is kept.
//! 6. The printed text, read back, gives the same IR (spans ignored), once
//!    both sides are filled in as libvirt reads them (the defaults the
//!    printers spell out or leave out, attributes in libvirt's order; for a
//!    conversion, bindings compare without the form they were read from),
//!    and again nothing but allowed diagnostics.
//!
//! Checks 1-5 look for what the front end could have dropped; check 6
//! catches what the printer could drop. It is a pure function of the
//! document as read; it parses only what it prints (and, for a `\r\n`
//! file, the same text with `\n` line endings), and knows nothing of LSP.

mod inventory;

use nwf_syntax::ir::{Binding, BindingSource, Comment, Document, Entry, Item};
use nwf_syntax::text::lexer::{self, Token};
use nwf_syntax::{Code, Diagnostic, FileId, Span, Spanned};

use crate::documents::SourceKind;

/// Why a document is not rewritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// An XML document nwf does not own whole (a libvirt `<domain>`, or
    /// anything but one `<filter>` or `<filterbinding>`).
    NotOwned,
    /// The text form holds several filters or bindings; an XML file holds one.
    SeveralItems,
    /// The file has errors.
    HasErrors,
    /// The front end dropped or rewrote part of the source (the code says what).
    Dropped(Code),
    /// Markup the printers do not keep: `<?xml ...?>`, `<!DOCTYPE`, a
    /// processing instruction, CDATA, a byte order mark.
    MarkupNotKept(&'static str),
    /// An element, attribute or text of the XML that its canonical form
    /// lacks (the reader let it go without a diagnostic).
    NotKept(String),
    /// A comment of the text that the IR does not hold.
    CommentDropped,
    /// A comment the printer would put somewhere else.
    CommentMoved(Span),
    /// A carriage return that is not part of a `\r\n` line ending used
    /// throughout the file.
    LineEndings,
    /// The printed text does not read back as the same document.
    RoundTripDiffers,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotOwned => f.write_str(
                "nwf rewrites only a document that is one <filter> or one <filterbinding> \
                 (a libvirt <domain> holds much that nwf does not read)",
            ),
            Refusal::SeveralItems => {
                f.write_str("the file holds several filters or bindings; an XML file holds one")
            }
            Refusal::HasErrors => f.write_str("the file has errors"),
            Refusal::Dropped(code) => write!(
                f,
                "part of the file is not kept by nwf ({}: {})",
                code.as_str(),
                code.title()
            ),
            Refusal::MarkupNotKept(what) => write!(f, "nwf's printers do not keep {what}"),
            Refusal::NotKept(what) => write!(f, "nwf does not keep {what}"),
            Refusal::CommentDropped => f.write_str("a comment would be lost"),
            Refusal::CommentMoved(_) => f.write_str("a comment would move"),
            Refusal::LineEndings => {
                f.write_str("the file mixes line endings (`\\n`, `\\r\\n`, a lone `\\r`)")
            }
            Refusal::RoundTripDiffers => {
                f.write_str("the printed form does not read back as the same document")
            }
        }
    }
}

/// A document as read: its text, its front end, and what the front end made
/// of it (the IR and the diagnostics about this file's own text).
#[derive(Clone, Copy)]
pub struct Original<'a> {
    pub file: FileId,
    pub kind: SourceKind,
    pub text: &'a str,
    pub document: &'a Document,
    pub diagnostics: &'a [Diagnostic],
}

/// The only diagnostics that leave the IR holding everything the source says.
const KEEPS_EVERYTHING: [Code; 1] = [Code::XmlBadFilterName];

/// The whole text of `original` printed in the form `target` (its own form:
/// formatting; the other one: conversion), if nothing is lost.
pub fn lossless_rewrite(original: Original<'_>, target: SourceKind) -> Result<String, Refusal> {
    if original.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Refusal::HasErrors);
    }
    owned(original, target)?;
    read_whole(original.diagnostics)?;
    let crlf = line_endings(original.text)?;
    comments(original)?;
    markup(original)?;
    if original.kind == SourceKind::Xml {
        let canonical = print(original.document, SourceKind::Xml);
        if let Some(part) = inventory::first_missing(original.text, &canonical) {
            return Err(Refusal::NotKept(part));
        }
    }
    // Print from the text with plain line endings, so that comments carry
    // no `\r` that the line-ending conversion would double.
    let printed = if crlf {
        let plain = original.text.replace("\r\n", "\n");
        let (document, _) = parse(original.file, original.kind, &plain);
        print(&document, target).replace('\n', "\r\n")
    } else {
        print(original.document, target)
    };
    let (document, diagnostics) = parse(original.file, target, &printed);
    read_whole(&diagnostics).map_err(|_| Refusal::RoundTripDiffers)?;
    let conversion = target != original.kind;
    if semantic(document, conversion) != semantic(original.document.clone(), conversion) {
        return Err(Refusal::RoundTripDiffers);
    }
    Ok(printed)
}

fn parse(file: FileId, kind: SourceKind, text: &str) -> (Document, Vec<Diagnostic>) {
    match kind {
        SourceKind::Xml => nwf_syntax::xml::parse_xml(file, text),
        SourceKind::Text => nwf_syntax::text::parse_text(file, text),
    }
}

fn print(document: &Document, target: SourceKind) -> String {
    match target {
        SourceKind::Xml => {
            nwf_syntax::xml::write_xml(document, &nwf_syntax::xml::WriteOptions::default())
        }
        SourceKind::Text => nwf_syntax::text::print_text(document),
    }
}

/// Check 2: an XML document (read, or to be written) holds exactly one
/// filter or one `<filterbinding>`.
fn owned(original: Original<'_>, target: SourceKind) -> Result<(), Refusal> {
    let items: Vec<&Item> = original
        .document
        .items
        .iter()
        .filter(|item| !matches!(item, Item::Comment(_)))
        .collect();
    // Positively: a binding read from anything but a `<filterbinding>` (a
    // `<domain>`'s interface, or whatever shape a later reader adds) is
    // part of a document that holds more than nwf reads.
    let whole = items.iter().all(|item| match item {
        Item::Binding(binding) => binding.source == BindingSource::FilterBinding,
        Item::Filter(_) | Item::Comment(_) => true,
    });
    if original.kind == SourceKind::Xml && (items.len() != 1 || !whole) {
        return Err(Refusal::NotOwned);
    }
    if target == SourceKind::Xml && items.len() != 1 {
        return Err(if original.kind == SourceKind::Text && items.len() > 1 {
            Refusal::SeveralItems
        } else {
            Refusal::NotOwned
        });
    }
    Ok(())
}

/// Check 2, the warnings (and, on the printed text, part of check 6).
fn read_whole(diagnostics: &[Diagnostic]) -> Result<(), Refusal> {
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Refusal::HasErrors);
    }
    match diagnostics
        .iter()
        .find(|diagnostic| !KEEPS_EVERYTHING.contains(&diagnostic.code))
    {
        Some(diagnostic) => Err(Refusal::Dropped(diagnostic.code)),
        None => Ok(()),
    }
}

/// Check 5: whether the file uses `\r\n` line endings (throughout).
fn line_endings(text: &str) -> Result<bool, Refusal> {
    let n_cr = text.matches('\r').count();
    if n_cr == 0 {
        return Ok(false);
    }
    let n_crlf = text.matches("\r\n").count();
    if n_cr == n_crlf && n_crlf == text.matches('\n').count() {
        Ok(true)
    } else {
        Err(Refusal::LineEndings)
    }
}

/// Every comment of the IR: the file's and its filters'. Bindings hold
/// none.
fn ir_comments(document: &Document) -> Vec<&Comment> {
    let mut comments = Vec::new();
    for item in &document.items {
        match item {
            Item::Comment(comment) => comments.push(comment),
            Item::Filter(filter) => {
                comments.extend(filter.entries.iter().filter_map(|entry| match entry {
                    Entry::Comment(comment) => Some(comment),
                    Entry::Rule(_) | Entry::Ref(_) => None,
                }));
            }
            Item::Binding(_) => {}
        }
    }
    comments
}

/// Whether `inner` lies within `outer`.
fn within(outer: Span, inner: Span) -> bool {
    outer.start() <= inner.start() && inner.end() <= outer.end()
}

/// Check 3, the markup part: the text outside comments.
fn markup(original: Original<'_>) -> Result<(), Refusal> {
    if original.text.starts_with('\u{feff}') {
        return Err(Refusal::MarkupNotKept("a byte order mark"));
    }
    if original.kind == SourceKind::Text {
        return Ok(());
    }
    let mut comments: Vec<Span> = ir_comments(original.document)
        .iter()
        .map(|comment| comment.span)
        .collect();
    comments.sort_by_key(|span| span.start());
    let mut outside = String::with_capacity(original.text.len());
    let mut at = 0;
    for span in comments {
        outside.push_str(original.text.get(at..span.start()).unwrap_or(""));
        // A blank keeps the text on either side from joining into markup.
        outside.push(' ');
        at = at.max(span.end());
    }
    outside.push_str(original.text.get(at..).unwrap_or(""));
    if outside.contains("<?xml") {
        return Err(Refusal::MarkupNotKept("the XML declaration"));
    }
    if outside.contains("<?") {
        return Err(Refusal::MarkupNotKept("processing instructions"));
    }
    if outside.contains("<![CDATA[") {
        return Err(Refusal::MarkupNotKept("CDATA sections"));
    }
    if outside.contains("<!") {
        return Err(Refusal::MarkupNotKept("a DOCTYPE"));
    }
    Ok(())
}

/// Check 3, the comment part, and check 4.
fn comments(original: Original<'_>) -> Result<(), Refusal> {
    let ir = ir_comments(original.document);
    let n_lines: usize = match original.kind {
        // Each `<!--` opens one comment, and each is one IR comment.
        SourceKind::Xml => original.text.matches("<!--").count(),
        // Each `#` comment token is one line; the IR merges a run of
        // full-line comments into one comment with one line per token.
        SourceKind::Text => {
            let mut scratch = Vec::new();
            lexer::lex(original.file, original.text, &mut scratch)
                .iter()
                .filter(|(token, _)| matches!(token, Token::Comment(_)))
                .count()
        }
    };
    let n_ir_lines: usize = match original.kind {
        SourceKind::Xml => ir.len(),
        SourceKind::Text => ir
            .iter()
            .map(|comment| comment.text.split('\n').count())
            .sum(),
    };
    if n_lines != n_ir_lines {
        return Err(Refusal::CommentDropped);
    }
    for span in ir.iter().map(|comment| comment.span) {
        let before = original.text.get(..span.start()).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
        if !before[line_start..].trim().is_empty() {
            return Err(Refusal::CommentMoved(span));
        }
    }
    // A file-level comment from inside a filter or binding (the text form
    // lifts a binding's comments out of its block).
    for item in &original.document.items {
        let Item::Comment(comment) = item else {
            continue;
        };
        let inside = original.document.items.iter().any(|other| match other {
            Item::Filter(filter) => within(filter.span, comment.span),
            Item::Binding(binding) => within(binding.span, comment.span),
            Item::Comment(_) => false,
        });
        if inside {
            return Err(Refusal::CommentMoved(comment.span));
        }
    }
    for item in &original.document.items {
        let Item::Filter(filter) = item else {
            continue;
        };
        let uuid_start = filter.uuid.as_ref().map(|uuid| uuid.span.start());
        for entry in &filter.entries {
            let Entry::Comment(comment) = entry else {
                continue;
            };
            let inside = filter.entries.iter().any(|other| match other {
                Entry::Rule(rule) => within(rule.span, comment.span),
                Entry::Ref(filter_ref) => within(filter_ref.span, comment.span),
                Entry::Comment(_) => false,
            });
            let before_uuid = uuid_start.is_some_and(|start| comment.span.start() < start);
            if inside || before_uuid {
                return Err(Refusal::CommentMoved(comment.span));
            }
        }
    }
    Ok(())
}

/// The document as libvirt reads it, so that a document and its printed
/// form compare equal exactly when they say the same: the defaults the
/// printers spell out or leave out filled in (chain `root`, the chain's
/// priority, rule priority 500, `statematch` true), each rule's attributes
/// as libvirt keeps them (its table order, its negation copying, its ipset
/// defaults). For a conversion, every binding is also marked as read from
/// the text form: the form a binding was read from is provenance, not
/// content. Not `nwf_syntax::workspace::meaning::meaning`: that drops
/// comments (which must survive here) and leaves ipset defaults and
/// negation copying to the attributes as written.
fn semantic(mut document: Document, conversion: bool) -> Document {
    for item in &mut document.items {
        match item {
            Item::Filter(filter) => {
                let chain = filter.chain_or_root();
                let priority = filter
                    .priority
                    .as_ref()
                    .map_or(chain.default_priority(), |priority| priority.value);
                filter.chain = Some(Spanned::synthetic(chain));
                filter.priority = Some(Spanned::synthetic(priority));
                for entry in &mut filter.entries {
                    if let Entry::Rule(rule) = entry {
                        if let Some(protocol) = &mut rule.protocol {
                            protocol.attrs = nwf_syntax::xml::effective_attrs(protocol);
                        }
                        rule.priority = Some(Spanned::synthetic(rule.priority_or_default()));
                        if rule.statematch_enabled() {
                            rule.statematch = None;
                        }
                    }
                }
            }
            Item::Binding(Binding { source, .. }) if conversion => *source = BindingSource::Text,
            Item::Binding(_) | Item::Comment(_) => {}
        }
    }
    document
}
