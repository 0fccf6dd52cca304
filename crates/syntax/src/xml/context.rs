//! What every lowering step shares: the file being read and the list the
//! diagnostics go to, plus the checks every element gets (unknown
//! attributes, stray text).

use super::tree::{Element, Node};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::Comment;
use crate::span::{FileId, Span};

pub(crate) struct Context<'a> {
    pub file: FileId,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    pub fn new(file: FileId, diagnostics: &'a mut Vec<Diagnostic>) -> Self {
        Context { file, diagnostics }
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn report(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::new(code, self.file, span, message));
    }

    /// Warns about attributes of `element` not in `known`, suggesting the
    /// closest known name.
    pub fn check_attrs(&mut self, element: &Element, known: &[&str]) {
        for attr in &element.attrs {
            if known.contains(&attr.name.as_str()) || attr.name.starts_with("xmlns") {
                continue;
            }
            let diagnostic = self.unknown_attr(element, &attr.name, attr.name_span, known);
            self.push(diagnostic);
        }
    }

    pub fn unknown_attr(
        &self,
        element: &Element,
        name: &str,
        span: Span,
        known: &[&str],
    ) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(
            Code::XmlUnknownAttribute,
            self.file,
            span,
            format!(
                "<{}> has no attribute `{name}`; libvirt ignores it",
                element.name
            ),
        )
        .with_label("unknown attribute");
        if let Some(suggestion) = did_you_mean(name, known.iter().copied()) {
            diagnostic = diagnostic
                .with_help(format!("did you mean `{suggestion}`?"))
                .with_fix(format!("rename to `{suggestion}`"), span, suggestion);
        } else {
            diagnostic = diagnostic.with_help(format!("known attributes: {}", known.join(", ")));
        }
        diagnostic
    }

    /// Warns about an element libvirt skips at this place.
    pub fn unknown_element(&mut self, element: &Element, parent: &str, known: &[&str]) {
        let mut diagnostic = Diagnostic::new(
            Code::XmlUnknownElement,
            self.file,
            element.name_span,
            format!(
                "<{}> is not expected inside <{parent}>; libvirt ignores it",
                element.name
            ),
        )
        .with_label("unknown element");
        if let Some(suggestion) = did_you_mean(&element.name, known.iter().copied()) {
            diagnostic = diagnostic
                .with_help(format!("did you mean <{suggestion}>?"))
                .with_fix(
                    format!("rename to <{suggestion}>"),
                    element.name_span,
                    suggestion,
                );
        } else if !known.is_empty() {
            diagnostic = diagnostic.with_help(format!("expected one of: {}", known.join(", ")));
        }
        self.push(diagnostic);
    }

    /// Warns about non-blank text directly inside `element`.
    pub fn check_no_text(&mut self, element: &Element) {
        for node in &element.children {
            if let Node::Text { text, span } = node {
                if !text.trim().is_empty() {
                    self.report(
                        Code::XmlUnexpectedText,
                        trim_span(text, *span),
                        format!(
                            "text inside <{}> has no meaning and is ignored",
                            element.name
                        ),
                    );
                }
            }
        }
    }

    /// Checks an element that holds no elements (a `<parameter>`, a
    /// protocol element, `<portdev>`...): each child element is unknown
    /// (NWF004), and with `text_allowed == false` non-blank text is
    /// unexpected (NWF017). Returns the comments inside, which the caller
    /// moves before the construct the IR keeps (the IR has no place inside).
    pub fn leaf(&mut self, element: &Element, text_allowed: bool) -> Vec<Comment> {
        if !text_allowed {
            self.check_no_text(element);
        }
        let mut comments = Vec::new();
        for node in &element.children {
            match node {
                Node::Element(child) => self.unknown_element(child, &element.name, &[]),
                Node::Comment { text, span } => comments.push(Comment {
                    text: text.clone(),
                    span: *span,
                }),
                Node::Text { .. } => {}
            }
        }
        comments
    }

    /// Reports a missing required attribute at the element's name.
    pub fn missing_attr(&mut self, element: &Element, name: &str) {
        let diagnostic = Diagnostic::new(
            Code::XmlMissingAttribute,
            self.file,
            element.name_span,
            format!("<{}> requires the attribute `{name}`", element.name),
        )
        .with_label(format!("`{name}` missing"));
        self.push(diagnostic);
    }
}

/// Narrows a text node's span to its non-blank part (when the text was not
/// changed by entity resolution, otherwise keeps the whole span).
fn trim_span(text: &str, span: Span) -> Span {
    if text.len() != span.len() {
        return span;
    }
    let leading = text.len() - text.trim_start().len();
    let trailing = text.len() - text.trim_end().len();
    Span::new(span.start() + leading, span.end() - trailing)
}
