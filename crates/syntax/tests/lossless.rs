//! What a rewrite would lose (`nwf_syntax::lossless`), one document per
//! file of `tests/fixtures/lossless/` (`.xml` or `.nwf`). The snapshot holds
//! the reader's diagnostics, the losses of a rewrite into each form, and
//! both rewrites.
//!
//! Every fixture also checks the promise the answer makes: when nothing is
//! lost to a form, the rewrite into it reads back without errors and is
//! stable (it rewrites to itself); when something is lost, the refusal
//! (NWF903) names every loss. Loss spans lie inside the text, and the
//! answer is deterministic.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::fmt::Write as _;
use std::path::Path;

use fixtures::{fixture_paths, position};
use nwf_syntax::ir::{Document, Item};
use nwf_syntax::lossless::{Form, Loss, Source, losses, refusal};
use nwf_syntax::text::{parse_text, print_text};
use nwf_syntax::xml::{WriteOptions, parse_xml, write_item, write_xml};
use nwf_syntax::{Diagnostic, FileId, LineIndex};

fn parse(form: Form, text: &str) -> (Document, Vec<Diagnostic>) {
    match form {
        Form::Xml => parse_xml(FileId(0), text),
        Form::Text => parse_text(FileId(0), text),
    }
}

fn render_diagnostics(index: &LineIndex, diagnostics: &[Diagnostic], out: &mut String) {
    for d in diagnostics {
        let _ = writeln!(
            out,
            "{} {} {}: {}",
            d.code,
            d.severity.as_str(),
            position(index, d.span()),
            d.message
        );
    }
}

fn render_losses(index: &LineIndex, lost: &[Loss], out: &mut String) {
    if lost.is_empty() {
        out.push_str("(nothing lost)\n");
    }
    for loss in lost {
        let _ = writeln!(
            out,
            "{:?} {} {}{}: {}",
            loss.kind,
            loss.code,
            position(index, loss.span),
            if loss.reported { " (reported)" } else { "" },
            loss.message
        );
    }
}

/// The rewrite into `target` must be stable when nothing is lost to it.
fn check_rewrite(name: &str, document: &Document, target: Form, lost: &[Loss]) {
    if let Some(refused) = refusal(lost) {
        assert_eq!(refused.related.len() + 1, lost.len(), "{name}");
        assert!(refused.is_error(), "{name}");
        return;
    }
    match target {
        Form::Text => {
            let printed = print_text(document);
            let (again, diagnostics) = parse_text(FileId(1), &printed);
            assert!(
                diagnostics.iter().all(|d| !d.is_error()),
                "{name}: {diagnostics:#?}\n{printed}"
            );
            assert_eq!(print_text(&again), printed, "{name}: text not stable");
        }
        Form::Xml => {
            for item in &document.items {
                if matches!(item, Item::Comment(_)) {
                    continue;
                }
                let written = write_item(item, &WriteOptions::default());
                let (again, diagnostics) = parse_xml(FileId(1), &written);
                assert!(
                    diagnostics.iter().all(|d| !d.is_error()),
                    "{name}: {diagnostics:#?}\n{written}"
                );
                assert_eq!(
                    write_xml(&again, &WriteOptions::default()),
                    written,
                    "{name}: XML not stable"
                );
            }
        }
    }
}

fn run(path: &Path) {
    let name = path
        .file_name()
        .and_then(|stem| stem.to_str())
        .expect("fixture names are UTF-8");
    let form = if path.extension().is_some_and(|ext| ext == "nwf") {
        Form::Text
    } else {
        Form::Xml
    };
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let index = LineIndex::new(&text);
    let (document, diagnostics) = parse(form, &text);
    let source = Source {
        file: FileId(0),
        text: &text,
        form,
        document: &document,
        diagnostics: &diagnostics,
    };
    let mut snapshot = String::new();
    render_diagnostics(&index, &diagnostics, &mut snapshot);
    for (target, label) in [(Form::Xml, "xml"), (Form::Text, "text")] {
        let lost = losses(&source, target);
        assert_eq!(lost, losses(&source, target), "{name}: not deterministic");
        for loss in &lost {
            assert!(
                loss.span.end() <= text.len()
                    && text.is_char_boundary(loss.span.start())
                    && text.is_char_boundary(loss.span.end()),
                "{name}: loss span {} out of the text",
                loss.span
            );
        }
        check_rewrite(name, &document, target, &lost);
        let _ = writeln!(snapshot, "--- losses to {label} ---");
        render_losses(&index, &lost, &mut snapshot);
    }
    let _ = writeln!(
        snapshot,
        "--- xml ---\n{}--- text ---\n{}",
        write_xml(&document, &WriteOptions::default()),
        print_text(&document)
    );
    insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("lossless", snapshot);
    });
}

#[test]
fn fixtures() {
    for path in fixture_paths("lossless", &["xml", "nwf"], 12) {
        run(&path);
    }
}
