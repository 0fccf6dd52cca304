//! A plain-text rendering of diagnostics with `path:line:col` positions
//! (1-based, byte columns) for every label and fix: what the analysis
//! snapshots record, and a fallback for tools without a terminal renderer.
//! The CLI's coloured output and the LSP conversion live elsewhere.

use std::fmt::Write as _;

use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};

use super::Workspace;

/// `path:line:col` of the start of `span` in `file`.
pub fn position(workspace: &Workspace, file: FileId, span: Span) -> String {
    match workspace.get_file(file) {
        Some(source) => {
            let start = source.line_col(span.start());
            format!(
                "{}:{}:{}",
                source.path().display(),
                start.line + 1,
                start.col + 1
            )
        }
        None => format!("<file {}>:{span}", file.0),
    }
}

/// One diagnostic as a few plain lines.
pub fn render(workspace: &Workspace, diagnostic: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}[{}]: {}",
        position(workspace, diagnostic.file(), diagnostic.span()),
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message
    );
    if !diagnostic.primary.message.is_empty() {
        let _ = writeln!(out, "  label: {}", diagnostic.primary.message);
    }
    for label in &diagnostic.related {
        let _ = writeln!(
            out,
            "  related: {}: {}",
            position(workspace, label.file, label.span),
            label.message
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "  help: {help}");
    }
    for fix in &diagnostic.fixes {
        let _ = writeln!(
            out,
            "  fix: {}: replace {} ({} bytes) with `{}`",
            fix.title,
            position(workspace, fix.file, fix.span),
            fix.span.len(),
            fix.replacement
        );
    }
    out
}

/// Every diagnostic, separated by blank lines.
pub fn render_all(workspace: &Workspace, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| render(workspace, diagnostic))
        .collect::<Vec<_>>()
        .join("\n")
}
