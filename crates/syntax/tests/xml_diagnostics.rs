//! One broken document per fixture in `fixtures/xml-diagnostics/`; the
//! snapshot holds the diagnostics (code, severity, line:col range, message,
//! label, help, fixes, related places) and what the writer makes of the
//! document. Every fixture also checks the invariants: spans in bounds and
//! on character boundaries, fixes inside the file, reading deterministic,
//! and the written form well-formed and free of errors.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::fmt::Write as _;
use std::path::Path;

use fixtures::{fixture_paths, position};
use nwf_syntax::ir::Item;
use nwf_syntax::xml::{WriteOptions, parse_xml, write_item, write_xml};
use nwf_syntax::{Code, Diagnostic, FileId, LineIndex};

fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in diagnostics {
        let span = d.span();
        let _ = writeln!(
            out,
            "{} {} {}: {}",
            d.code,
            d.severity.as_str(),
            position(&index, span),
            d.message
        );
        let _ = writeln!(out, "  at: {:?}", &text[span.range()]);
        if !d.primary.message.is_empty() {
            let _ = writeln!(out, "  label: {}", d.primary.message);
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  help: {help}");
        }
        for related in &d.related {
            let _ = writeln!(
                out,
                "  related {}: {}",
                position(&index, related.span),
                related.message
            );
        }
        for fix in &d.fixes {
            let _ = writeln!(
                out,
                "  fix {}: {} -> {:?}",
                position(&index, fix.span),
                fix.title,
                fix.replacement
            );
        }
    }
    out
}

fn check_invariants(name: &str, text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let spans = std::iter::once(d.span())
            .chain(d.related.iter().map(|label| label.span))
            .chain(d.fixes.iter().map(|fix| fix.span));
        for span in spans {
            assert!(
                span.end() <= text.len(),
                "{name}: span {span} out of bounds"
            );
            assert!(
                text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
                "{name}: span {span} splits a character"
            );
        }
    }
}

fn run(path: &Path) {
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .expect("fixture names are UTF-8");
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let (document, diagnostics) = parse_xml(FileId(0), &text);
    check_invariants(name, &text, &diagnostics);
    assert!(
        !diagnostics.is_empty(),
        "{name}: a fixture must produce diagnostics"
    );

    let (again, again_diagnostics) = parse_xml(FileId(0), &text);
    assert_eq!(document, again, "{name}: reading is not deterministic");
    assert_eq!(
        diagnostics, again_diagnostics,
        "{name}: diagnostics not deterministic"
    );

    // Each filter or binding is its own document once written: it must be
    // well-formed, and writing what it reads back to must give it again.
    for item in &document.items {
        if matches!(item, Item::Comment(_)) {
            continue;
        }
        let written = write_item(item, &WriteOptions::default());
        let (again, written_diagnostics) = parse_xml(FileId(1), &written);
        assert!(
            written_diagnostics
                .iter()
                .all(|d| d.code != Code::XmlMalformed),
            "{name}: the written form is not well-formed:\n{written}\n{}",
            render(&written, &written_diagnostics)
        );
        assert_eq!(
            write_xml(&again, &WriteOptions::default()),
            written,
            "{name}: writing is not idempotent"
        );
    }
    let written = write_xml(&document, &WriteOptions::default());

    let snapshot = format!(
        "{}\n--- written ---\n{written}",
        render(&text, &diagnostics)
    );
    insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("xml_diagnostics", snapshot);
    });
}

#[test]
fn fixtures() {
    for path in fixture_paths("xml-diagnostics", &["xml"], 15) {
        run(&path);
    }
}
