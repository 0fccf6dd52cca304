//! Broken `.nwf` files, each with several mistakes: every file of
//! `tests/fixtures/text-diagnostics/` is parsed, its diagnostics rendered
//! as plain text with the lowered IR of everything else printed below them,
//! and the result compared with an insta snapshot. Adding a case is adding
//! a file.
//!
//! Every fixture also checks invariants: at least two diagnostics, all in
//! the `NWF1xx` range, spans and fixes inside the text and on character
//! boundaries, diagnostics sorted by position, and the printed IR of what
//! survived re-parses clean.

use std::fmt::Write as _;

use nwf_syntax::text::{parse_text, print_text};
use nwf_syntax::{Diagnostic, FileId, LineIndex, Span};

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/text-diagnostics")
}

fn position(index: &LineIndex, offset: usize) -> String {
    let at = index.line_col(offset);
    format!("{}:{}", at.line + 1, at.col + 1)
}

fn render(name: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let span = diagnostic.span();
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            diagnostic.severity.as_str(),
            diagnostic.code,
            diagnostic.message
        );
        let start = index.line_col(span.start());
        let _ = writeln!(out, "  --> {name}:{}", position(&index, span.start()));
        let line = lines.get(start.line as usize).copied().unwrap_or_default();
        let _ = writeln!(out, "   | {line}");
        let width = span
            .len()
            .min(line.len().saturating_sub(start.col as usize))
            .max(1);
        let _ = writeln!(
            out,
            "   | {}{} {}",
            " ".repeat(line[..(start.col as usize).min(line.len())].chars().count()),
            "^".repeat(width),
            diagnostic.primary.message
        );
        for related in &diagnostic.related {
            let _ = writeln!(
                out,
                "   = note: {} at {}",
                related.message,
                position(&index, related.span.start())
            );
        }
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "   = help: {help}");
        }
        for fix in &diagnostic.fixes {
            let _ = writeln!(
                out,
                "   = fix: {}: {}..{} -> {:?}",
                fix.title,
                position(&index, fix.span.start()),
                position(&index, fix.span.end()),
                fix.replacement
            );
        }
    }
    out
}

fn check_span(name: &str, text: &str, span: Span) {
    assert!(
        span.start <= span.end && span.end() <= text.len(),
        "{name}: span {span} out of bounds"
    );
    assert!(
        text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
        "{name}: span {span} splits a character"
    );
}

#[test]
fn text_diagnostics_fixtures() {
    let mut paths: Vec<_> = std::fs::read_dir(fixture_dir())
        .expect("fixture folder is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "nwf"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 3, "expected fixtures, found {}", paths.len());
    for path in paths {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("UTF-8 name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        let (doc, diagnostics) = parse_text(FileId(0), &text);

        assert!(
            diagnostics.len() >= 2,
            "{name}: a fixture shows several mistakes, got {diagnostics:#?}"
        );
        let mut previous = 0;
        for diagnostic in &diagnostics {
            let code = diagnostic.code.as_str();
            assert!(
                code.starts_with("NWF1"),
                "{name}: {code} is not a text-language code"
            );
            check_span(&name, &text, diagnostic.span());
            for fix in &diagnostic.fixes {
                check_span(&name, &text, fix.span);
            }
            for related in &diagnostic.related {
                check_span(&name, &text, related.span);
            }
            assert!(
                diagnostic.span().start >= previous,
                "{name}: diagnostics out of order"
            );
            previous = diagnostic.span().start;
        }

        let printed = print_text(&doc);
        let (again, rest) = parse_text(FileId(0), &printed);
        assert!(
            rest.is_empty(),
            "{name}: what survived does not re-parse clean: {rest:#?}\n{printed}"
        );
        assert_eq!(
            print_text(&again),
            printed,
            "{name}: printing is not idempotent"
        );

        let snapshot = format!(
            "{}---- lowered ----\n{printed}",
            render(&name, &text, &diagnostics)
        );
        insta::assert_snapshot!(name.trim_end_matches(".nwf"), snapshot);
    }
}
