//! A small element tree with byte spans, built from quick-xml's event
//! stream. quick-xml checks well-formedness of the document structure (tag
//! nesting, comments, declarations); attributes are scanned here from the
//! raw start tag so that every attribute name and value gets an exact span
//! (the value span lies inside the quotes).
//!
//! The tree keeps whatever was read before a fatal XML error, so the
//! lowering can still report on it. It knows nothing about nwfilter.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::escape::{Unescape, is_xml_char, unescape};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    pub name: String,
    pub name_span: Span,
    /// The value with entities resolved and XML attribute whitespace
    /// normalisation applied (literal tab/newline become spaces).
    pub value: String,
    /// The raw value between the quotes.
    pub value_span: Span,
}

#[derive(Clone, Debug)]
pub(crate) struct Element {
    pub name: String,
    pub name_span: Span,
    pub attrs: Vec<Attribute>,
    pub children: Vec<Node>,
    /// From `<` of the start tag to `>` of the end tag.
    pub span: Span,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attrs.iter().find(|attr| attr.name == name)
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(element) => Some(element),
            _ => None,
        })
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|element| element.name == name)
    }

    /// The element's text content (all text children joined), and the span
    /// of the first text child.
    pub fn text(&self) -> (String, Span) {
        let mut text = String::new();
        let mut span: Option<Span> = None;
        for node in &self.children {
            if let Node::Text {
                text: chunk,
                span: chunk_span,
            } = node
            {
                text.push_str(chunk);
                span = Some(span.map_or(*chunk_span, |s| s.cover(*chunk_span)));
            }
        }
        (text, span.unwrap_or(Span::empty(self.span.end())))
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Node {
    Element(Element),
    Text { text: String, span: Span },
    Comment { text: String, span: Span },
}

#[derive(Debug, Default)]
pub(crate) struct Tree {
    /// Comments before the root element.
    pub prolog: Vec<Node>,
    pub root: Option<Element>,
    /// Comments after the root element.
    pub epilog: Vec<Node>,
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    diagnostics: &'a mut Vec<Diagnostic>,
    stack: Vec<Element>,
    tree: Tree,
    failed: bool,
}

/// How deep elements may nest before the reader gives up (a `<domain>`
/// with an interface's filter parameters is about six levels deep).
pub(crate) const MAX_DEPTH: usize = 256;

pub(crate) fn build(file: FileId, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Tree {
    let mut builder = Builder {
        file,
        text,
        diagnostics,
        stack: Vec::new(),
        tree: Tree::default(),
        failed: false,
    };
    builder.check_chars();
    builder.run();
    builder.tree
}

pub(crate) fn to_usize(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

impl Builder<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.failed = true;
        let span = char_aligned(self.text, span);
        self.diagnostics.push(Diagnostic::new(
            Code::XmlMalformed,
            self.file,
            span,
            message,
        ));
    }

    /// Reports the first character XML does not allow (a control
    /// character, U+FFFE, U+FFFF): libvirt's parser rejects the document,
    /// and nwf's writer could not write it back.
    fn check_chars(&mut self) {
        if let Some((at, bad)) = self.text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::XmlMalformed,
                    self.file,
                    Span::new(at, at + bad.len_utf8()),
                    format!(
                        "the character {} is not allowed in XML",
                        bad.escape_unicode()
                    ),
                )
                .with_label("not an XML character"),
            );
        }
    }

    fn run(&mut self) {
        let mut reader = Reader::from_str(self.text);
        reader.config_mut().trim_text(false);
        reader.config_mut().check_end_names = true;
        loop {
            let start = to_usize(reader.buffer_position()).min(self.text.len());
            let event = reader.read_event();
            let end = to_usize(reader.buffer_position()).min(self.text.len());
            match event {
                Ok(Event::Start(_)) if self.stack.len() >= MAX_DEPTH => {
                    // Real documents nest a handful of levels; a deeper one is
                    // hostile or broken, and an unbounded tree would cost
                    // unbounded stack to drop and to walk.
                    self.error(
                        Span::new(start, end),
                        format!(
                            "elements nest deeper than {MAX_DEPTH} levels; nwf stops reading here"
                        ),
                    );
                    break;
                }
                Ok(Event::Start(_)) => {
                    if let Some(element) = self.open(start, end) {
                        self.stack.push(element);
                    } else {
                        break;
                    }
                }
                Ok(Event::Empty(_)) => {
                    if let Some(element) = self.open(start, end) {
                        self.attach(Node::Element(element));
                    } else {
                        break;
                    }
                }
                Ok(Event::End(_)) => {
                    if let Some(mut element) = self.stack.pop() {
                        element.span = Span::new(element.span.start(), end);
                        self.attach(Node::Element(element));
                    }
                }
                Ok(Event::Text(_) | Event::GeneralRef(_)) => self.text_node(start, end, false),
                Ok(Event::CData(_)) => self.text_node(start, end, true),
                Ok(Event::Comment(_)) => {
                    let raw = self
                        .text
                        .get(start + 4..end.saturating_sub(3))
                        .unwrap_or("");
                    // XML's end-of-line handling.
                    let text = normalize_line_ends(trim_one_space(raw));
                    self.attach(Node::Comment {
                        text,
                        span: Span::new(start, end),
                    });
                }
                // The XML declaration says nothing nwf's output does not
                // (UTF-8, XML 1.0); the others would be dropped by a rewrite.
                Ok(Event::Decl(_)) => {}
                Ok(Event::PI(_) | Event::DocType(_)) => {
                    let what = if self
                        .text
                        .get(start..end)
                        .is_some_and(|raw| raw.starts_with("<?"))
                    {
                        "processing instruction"
                    } else {
                        "document type declaration"
                    };
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::XmlIgnoredMarkup,
                            self.file,
                            char_aligned(self.text, Span::new(start, end)),
                            format!("libvirt ignores this {what}, and nwf has no place for it"),
                        )
                        .with_label("dropped by a rewrite")
                        .with_help("remove it, or keep it in a comment"),
                    );
                }
                Ok(Event::Eof) => break,
                Err(error) => {
                    let at = to_usize(reader.error_position()).min(self.text.len());
                    let span = Span::new(at, (at + 1).min(self.text.len()).max(at));
                    self.error(span, format!("malformed XML: {error}"));
                    break;
                }
            }
        }
        if !self.stack.is_empty() && !self.failed {
            let open = self.stack.last().map(|e| (e.name.clone(), e.name_span));
            if let Some((name, span)) = open {
                self.error(span, format!("element <{name}> is never closed"));
            }
        }
        while let Some(mut element) = self.stack.pop() {
            element.span = Span::new(element.span.start(), self.text.len());
            self.attach(Node::Element(element));
        }
        if self.tree.root.is_none() && !self.failed {
            self.error(
                Span::empty(self.text.len()),
                "the document has no root element",
            );
        }
    }

    fn attach(&mut self, node: Node) {
        if let Some(parent) = self.stack.last_mut() {
            // Merge adjacent text (text split by entity references).
            if let (
                Node::Text { text, span },
                Some(Node::Text {
                    text: last,
                    span: last_span,
                }),
            ) = (&node, parent.children.last_mut())
            {
                last.push_str(text);
                *last_span = last_span.cover(*span);
                return;
            }
            parent.children.push(node);
            return;
        }
        match node {
            Node::Element(element) => {
                if self.tree.root.is_some() {
                    self.error(
                        element.name_span,
                        "a document can have only one root element",
                    );
                } else {
                    self.tree.root = Some(element);
                }
            }
            Node::Text { text, span } => {
                if !text.trim().is_empty() {
                    self.error(span, "text outside the root element");
                }
            }
            comment @ Node::Comment { .. } => {
                if self.tree.root.is_some() {
                    self.tree.epilog.push(comment);
                } else {
                    self.tree.prolog.push(comment);
                }
            }
        }
    }

    fn text_node(&mut self, start: usize, end: usize, cdata: bool) {
        let raw = self.text.get(start..end).unwrap_or("");
        // Indentation between elements is most of a document's text; it
        // means nothing, so it is not stored. Blank text right after other
        // text (between two entity references) is kept.
        let follows_text = self
            .stack
            .last()
            .and_then(|parent| parent.children.last())
            .is_some_and(|node| matches!(node, Node::Text { .. }));
        if !cdata && !follows_text && raw.bytes().all(is_xml_space) {
            return;
        }
        // XML's end-of-line handling (CR LF and a lone CR are a line feed)
        // applies to CDATA and to text kept raw after a bad entity too.
        let text = if cdata {
            normalize_line_ends(raw.get(9..raw.len().saturating_sub(3)).unwrap_or(""))
        } else {
            match unescape(raw, false) {
                Unescape::Ok(text) => text,
                Unescape::BadEntity { offset, len } => {
                    let span = Span::new(start + offset, start + offset + len);
                    self.error(span, "unknown or malformed entity reference");
                    normalize_line_ends(raw)
                }
            }
        };
        self.attach(Node::Text {
            text,
            span: Span::new(start, end),
        });
    }

    /// Reads a start tag `text[start..end]` (`<name attr='v' ...>` or
    /// `.../>`). Returns `None` after reporting a malformed tag.
    fn open(&mut self, start: usize, end: usize) -> Option<Element> {
        let raw = self.text.get(start..end)?;
        let inner_end = if raw.ends_with("/>") {
            raw.len() - 2
        } else {
            raw.len().saturating_sub(1)
        };
        let bytes = raw.as_bytes();
        let mut pos = 1;
        let name_start = pos;
        while pos < inner_end && !is_xml_space(bytes[pos]) {
            pos += 1;
        }
        let name = raw.get(name_start..pos)?.to_owned();
        let mut element = Element {
            name,
            name_span: Span::new(start + name_start, start + pos),
            attrs: Vec::new(),
            children: Vec::new(),
            span: Span::new(start, end),
        };
        loop {
            while pos < inner_end && is_xml_space(bytes[pos]) {
                pos += 1;
            }
            if pos >= inner_end {
                return Some(element);
            }
            let attr_start = pos;
            while pos < inner_end && !is_xml_space(bytes[pos]) && bytes[pos] != b'=' {
                pos += 1;
            }
            let attr_name = raw.get(attr_start..pos)?.to_owned();
            let name_span = Span::new(start + attr_start, start + pos);
            while pos < inner_end && is_xml_space(bytes[pos]) {
                pos += 1;
            }
            if pos >= inner_end || bytes[pos] != b'=' {
                self.error(
                    name_span,
                    format!("attribute `{attr_name}` has no value (expected `{attr_name}='...'`)"),
                );
                return None;
            }
            pos += 1;
            while pos < inner_end && is_xml_space(bytes[pos]) {
                pos += 1;
            }
            let quote = bytes
                .get(pos)
                .copied()
                .filter(|&b| pos < inner_end && (b == b'\'' || b == b'"'));
            let Some(quote) = quote else {
                self.error(
                    Span::new(start + pos, (start + pos + 1).min(start + inner_end)),
                    format!("the value of `{attr_name}` must be quoted"),
                );
                return None;
            };
            pos += 1;
            let value_start = pos;
            while pos < inner_end && bytes[pos] != quote {
                pos += 1;
            }
            if pos >= inner_end {
                self.error(
                    name_span,
                    format!("the value of `{attr_name}` is not closed"),
                );
                return None;
            }
            let raw_value = raw.get(value_start..pos)?;
            let value_span = Span::new(start + value_start, start + pos);
            pos += 1;
            if let Some(offset) = raw_value.find('<') {
                let at = value_span.start() + offset;
                self.error(
                    Span::new(at, at + 1),
                    "`<` is not allowed in an attribute value",
                );
                return None;
            }
            let value = match unescape(raw_value, true) {
                Unescape::Ok(value) => value,
                Unescape::BadEntity { offset, len } => {
                    let at = value_span.start() + offset;
                    self.error(
                        Span::new(at, at + len),
                        "unknown or malformed entity reference",
                    );
                    return None;
                }
            };
            if element.attrs.iter().any(|attr| attr.name == attr_name) {
                self.error(name_span, format!("attribute `{attr_name}` is given twice"));
                return None;
            }
            if pos < inner_end && !is_xml_space(bytes[pos]) {
                self.error(
                    Span::new(start + pos, start + pos + 1),
                    "attributes must be separated by whitespace",
                );
                return None;
            }
            element.attrs.push(Attribute {
                name: attr_name,
                name_span,
                value,
                value_span,
            });
        }
    }
}

/// Widens `span` to whole characters (a one-byte span computed from an
/// error position may start or end inside a multi-byte character).
fn char_aligned(text: &str, span: Span) -> Span {
    let mut start = span.start().min(text.len());
    let mut end = span.end().clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end)
}

fn is_xml_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// XML's end-of-line handling: CR LF and a lone CR become LF.
fn normalize_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Drops one space after `<!--` and one before `-->`, the conventional
/// padding, so that `<!-- x -->` holds the text `x`.
fn trim_one_space(raw: &str) -> &str {
    let raw = raw.strip_prefix(' ').unwrap_or(raw);
    raw.strip_suffix(' ').unwrap_or(raw)
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn hostile_nesting_is_a_diagnostic_not_a_stack_overflow() {
        let depth = 100_000;
        let text = format!(
            "<filter name='a'>{}{}</filter>",
            "<x>".repeat(depth),
            "</x>".repeat(depth)
        );
        let mut diagnostics = Vec::new();
        let tree = build(FileId(0), &text, &mut diagnostics);
        drop(tree);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.code == Code::XmlMalformed && d.message.contains("nest deeper")),
            "{diagnostics:?}"
        );
        let (_, diagnostics) = crate::xml::parse_xml(FileId(0), &"<rule>".repeat(depth));
        assert!(
            diagnostics
                .iter()
                .any(crate::diagnostic::Diagnostic::is_error)
        );
    }
}
