//! [`nwf_lsp::rewrite::lossless_rewrite`] over every filter file the
//! repository holds: the stock filters, `examples/`, and nwf-syntax's
//! diagnostic fixtures (each made to show one problem). The snapshot lists,
//! per file, whether formatting and conversion to the other form go ahead
//! or why not; so a change that makes the server refuse more, or less, is
//! reviewed like code.
//!
//! For every rewrite that goes ahead, it also checks the properties the
//! editor relies on: formatting the result changes nothing (idempotence),
//! and the converted text converts back to the formatted one.
//!
//! The stock filters and the examples are libvirt's and nwf's own clean
//! files: each must format and convert.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "support/rewrite.rs"]
mod support;

use nwf_lsp::documents::SourceKind;
use nwf_lsp::rewrite::Refusal;
use support::{other, rewrite};

fn outcome(result: &Result<String, Refusal>) -> String {
    match result {
        Ok(_) => "yes".to_owned(),
        Err(refusal) => format!("no: {refusal}"),
    }
}

/// Checks the properties of the rewrites of one file and returns its line
/// of the table; pushes broken properties to `failures`.
fn check(name: &str, kind: SourceKind, text: &str, failures: &mut Vec<String>) -> String {
    let formatted = rewrite(kind, text, kind);
    let converted = rewrite(kind, text, other(kind));
    if let Ok(formatted) = &formatted {
        match rewrite(kind, formatted, kind) {
            Ok(again) if again == *formatted => {}
            again => failures.push(format!("{name}: formatting is not idempotent: {again:?}")),
        }
    }
    if let (Ok(formatted), Ok(converted)) = (&formatted, &converted) {
        match rewrite(other(kind), converted, kind) {
            Ok(back) if back == *formatted => {}
            back => failures.push(format!(
                "{name}: converting back does not give the formatted file: {back:?}"
            )),
        }
    }
    format!(
        "{name}: format {}; convert {}\n",
        outcome(&formatted),
        outcome(&converted)
    )
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "xml" || ext == "nwf")
        })
        .collect();
    files.sort();
    files
}

fn kind_of(path: &Path) -> SourceKind {
    if path.extension().is_some_and(|ext| ext == "nwf") {
        SourceKind::Text
    } else {
        SourceKind::Xml
    }
}

#[test]
fn clean_files_rewrite_and_problem_files_are_refused_for_their_reason() {
    let mut failures = Vec::new();
    let mut table = String::new();
    let mut n_clean = 0;

    let mut clean = |name: &str, kind: SourceKind, text: &str, failures: &mut Vec<String>| {
        let line = check(name, kind, text, failures);
        // A text file with several items has no one XML form; anything
        // else a clean file is refused is a false refusal.
        let several = Refusal::SeveralItems.to_string();
        if line.contains("format no") || (line.contains("convert no") && !line.contains(&several)) {
            failures.push(format!("clean file refused: {line}"));
        }
        table.push_str(&line);
        n_clean += 1;
    };
    for stock in nwf_syntax::stock::FILTERS {
        let name = format!("stock/{}", stock.file_name());
        clean(&name, SourceKind::Xml, stock.source, &mut failures);
    }
    for path in files_in(&repo().join("examples")) {
        let text = std::fs::read_to_string(&path).expect("read example");
        let name = format!(
            "examples/{}",
            path.file_name().expect("name").to_string_lossy()
        );
        clean(&name, kind_of(&path), &text, &mut failures);
    }
    assert_eq!(n_clean, 24 + 9, "the stock filters or examples changed");

    let fixtures = repo().join("crates/syntax/tests/fixtures");
    for dir in ["xml-diagnostics", "text-diagnostics"] {
        for path in files_in(&fixtures.join(dir)) {
            let text = std::fs::read_to_string(&path).expect("read fixture");
            let name = format!(
                "{dir}/{}",
                path.file_name().expect("name").to_string_lossy()
            );
            table.push_str(&check(&name, kind_of(&path), &text, &mut failures));
        }
    }
    let _ = writeln!(table);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    insta::assert_snapshot!(table);
}
