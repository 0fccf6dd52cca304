//! Lossless round trips between libvirt's XML and the text form over
//! libvirt's corpus, used in place (see `support/corpus.rs`): the 20
//! conformance in-files with out-files and `conntrack-test`, the 20
//! out-files themselves (among them `quirks-invalid`, whose rule mixes
//! negated and plain attributes), the 24 stock filters and the 3 binding
//! files.
//!
//! For each file: XML -> text -> XML gives the canonical XML byte for byte
//! (comments kept), the text reads back with no diagnostic, and
//! text -> XML -> text gives the same canonical text.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use nwf_syntax::FileId;
use nwf_syntax::text::{parse_text, print_text};
use nwf_syntax::xml::{WriteOptions, parse_xml, write_xml};

fn corpus_files(root: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let out_dir = root.join("tests/nwfilterxml2xmlout");
    for input in corpus::xml_files(&root.join("tests/nwfilterxml2xmlin")) {
        let name = input.file_name().expect("file name").to_owned();
        if out_dir.join(&name).exists() || name == "conntrack-test.xml" {
            files.push(input);
        }
    }
    files.extend(corpus::xml_files(&out_dir));
    files.extend(corpus::xml_files(&root.join("src/nwfilter/xml")));
    files.extend(corpus::xml_files(&root.join("examples/xml/nwfilter")));
    files.extend(corpus::xml_files(
        &root.join("tests/virnwfilterbindingxml2xmldata"),
    ));
    files
}

#[test]
fn xml_text_xml_and_text_xml_text_are_lossless() {
    let Some(root) = corpus::libvirt_ref() else {
        return;
    };
    let files = corpus_files(&root);
    assert_eq!(files.len(), 21 + 20 + 24 + 3, "the corpus changed");
    let keep = WriteOptions::default();
    let mut failures = Vec::new();
    for path in &files {
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let (document, diagnostics) = parse_xml(FileId(0), &corpus::read(path));
        if diagnostics.iter().any(nwf_syntax::Diagnostic::is_error) {
            failures.push(format!("{shown}: the XML has errors: {diagnostics:?}"));
            continue;
        }
        let canonical_xml = write_xml(&document, &keep);
        let text = print_text(&document);

        let (from_text, diagnostics) = parse_text(FileId(1), &text);
        if !diagnostics.is_empty() {
            failures.push(format!(
                "{shown}: the text has diagnostics {diagnostics:#?}\n{text}"
            ));
            continue;
        }
        let xml_again = write_xml(&from_text, &keep);
        if xml_again != canonical_xml {
            failures.push(format!(
                "{shown}: XML -> text -> XML differs\n--- canonical\n{canonical_xml}--- via text\n{xml_again}--- text\n{text}"
            ));
        }
        if print_text(&from_text) != text {
            failures.push(format!(
                "{shown}: printing the text is not idempotent\n{text}"
            ));
        }
        let (back, diagnostics) = parse_xml(FileId(2), &xml_again);
        let text_again = print_text(&back);
        if diagnostics.iter().any(nwf_syntax::Diagnostic::is_error) || text_again != text {
            failures.push(format!(
                "{shown}: text -> XML -> text differs\n--- text\n{text}--- via XML\n{text_again}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
