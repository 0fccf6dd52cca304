//! Protocol conversion: byte spans to LSP ranges (UTF-16 columns) and back,
//! and nwf diagnostics to LSP diagnostics.
//!
//! This is the only module that knows both worlds' coordinate systems; the
//! handlers speak byte offsets and [`nwf_syntax`] types, and ask here for the
//! LSP shape. It computes nothing about filters.

use std::path::{Path, PathBuf};

use nwf_syntax::diagnostic::Label;
use nwf_syntax::{Diagnostic, LineIndex, Severity, Span};
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, Location, NumberOrString, Position, Range, Uri,
};

/// A text with its line index: everything needed to convert positions.
#[derive(Clone, Copy)]
pub struct TextRef<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
}

impl TextRef<'_> {
    pub fn position(self, offset: usize) -> Position {
        let line_col = self.index.line_col_utf16(self.text, offset);
        Position::new(line_col.line, line_col.col)
    }

    pub fn range(self, span: Span) -> Range {
        Range::new(self.position(span.start()), self.position(span.end()))
    }

    /// Byte offset of a position, clamped into the text.
    pub fn offset(self, position: Position) -> usize {
        crate::documents::offset(self.index, self.text, position)
    }

    /// The byte span of a range (start and end clamped, never inverted).
    pub fn span(self, range: Range) -> Span {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        Span::new(start, end)
    }
}

/// The file path of a `file:` URI. Other schemes (an editor's unsaved
/// `untitled:` buffers, for one) have none.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let path = uri.to_file_path()?;
    path.is_absolute().then(|| path.into_owned())
}

/// The `file:` URI of an absolute path.
pub fn file_uri(path: &Path) -> Option<Uri> {
    path.is_absolute()
        .then(|| Uri::from_file_path(path))
        .flatten()
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

/// Resolves the file of a label to its URI and text, for related information
/// that points into other files. Labels whose file is unknown are dropped.
pub trait FileLookup {
    fn file(&self, file: nwf_syntax::FileId) -> Option<(Uri, TextRef<'_>)>;
}

/// An nwf diagnostic as LSP shows it. The primary label and the help line
/// follow the message on lines of their own (LSP has no fields for them);
/// related labels become related information, wherever they point.
pub fn diagnostic(
    diagnostic: &Diagnostic,
    text: TextRef<'_>,
    files: &dyn FileLookup,
) -> lsp::Diagnostic {
    let mut message = diagnostic.message.clone();
    if !diagnostic.primary.message.is_empty() && diagnostic.primary.message != message {
        message = format!("{message}\n{}", diagnostic.primary.message);
    }
    if let Some(help) = &diagnostic.help {
        message = format!("{message}\nhelp: {help}");
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .related
        .iter()
        .filter_map(|label| related(label, files))
        .collect();
    lsp::Diagnostic {
        range: text.range(diagnostic.primary.span),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_owned())),
        code_description: None,
        source: Some("nwf".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

fn related(label: &Label, files: &dyn FileLookup) -> Option<DiagnosticRelatedInformation> {
    let (uri, text) = files.file(label.file)?;
    Some(DiagnosticRelatedInformation {
        location: Location::new(uri, text.range(label.span)),
        message: if label.message.is_empty() {
            "related".to_owned()
        } else {
            label.message.clone()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_ranges_round_trip_in_utf16() {
        let text = "é😀\nab";
        let index = LineIndex::new(text);
        let text_ref = TextRef {
            text,
            index: &index,
        };
        let span = Span::new(2, text.len());
        let range = text_ref.range(span);
        assert_eq!(range.start, Position::new(0, 1));
        assert_eq!(range.end, Position::new(1, 2));
        assert_eq!(text_ref.span(range), span);
    }
}
