//! The round-trip invariants of both front ends, in one place: the fuzz
//! targets (`fuzz/fuzz_targets/*.rs`, which include this file) and the
//! property tests check exactly the same thing.
//!
//! - XML: reading never panics; every diagnostic span lies inside the text
//!   on character boundaries; each item, written, is well-formed and writes
//!   to the same text when read back, unless `nwf_syntax::lossless` reports
//!   that the canonical XML cannot hold part of the item (a chain priority 0
//!   libvirt's form leaves out, text XML cannot carry): then the text is
//!   stable from the second round, and a lost priority 0 has its NWF019.
//! - Text: parsing never panics; spans as above; the canonical text of what
//!   was understood parses without errors and prints to itself.

use nwf_syntax::ir::{Document, Item};
use nwf_syntax::lossless::{Form, LossKind, Source, losses};
use nwf_syntax::text::{parse_text, print_text};
use nwf_syntax::xml::{WriteOptions, parse_xml, write_item, write_xml};
use nwf_syntax::{Code, Diagnostic, FileId, Span};

fn check_spans(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        let span = diagnostic.span();
        assert!(
            span.end() <= text.len(),
            "span {span} out of bounds in {text:?}"
        );
        assert!(
            text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()),
            "span {span} splits a character in {text:?}"
        );
    }
}

fn inside(span: Span, outer: Span) -> bool {
    outer.start() <= span.start() && span.end() <= outer.end()
}

/// Checks the XML invariants on `text`.
pub fn check_xml(text: &str) {
    let (document, diagnostics) = parse_xml(FileId(0), text);
    check_spans(text, &diagnostics);
    let source = Source {
        file: FileId(0),
        text,
        form: Form::Xml,
        document: &document,
        diagnostics: &diagnostics,
    };
    let not_written: Vec<_> = losses(&source, Form::Xml)
        .into_iter()
        .filter(|loss| loss.kind == LossKind::NotWritten)
        .collect();
    let options = WriteOptions::default();
    for item in &document.items {
        // Where the item's text comes from: a domain's bindings take their
        // owner from outside the interface.
        let item_spans: Vec<Span> = match item {
            Item::Comment(_) => continue,
            Item::Filter(filter) => vec![filter.span],
            Item::Binding(binding) => std::iter::once(binding.span)
                .chain(binding.owner.iter().map(|owner| owner.name.span))
                .collect(),
        };
        let written = write_item(item, &options);
        let (again, again_diagnostics) = parse_xml(FileId(1), &written);
        assert!(
            again_diagnostics
                .iter()
                .all(|d| d.code != Code::XmlMalformed),
            "written form not well-formed:\n{written}\nfrom:\n{text:?}"
        );
        let rewritten = write_xml(&again, &options);
        let lossy: Vec<_> = not_written
            .iter()
            .filter(|loss| item_spans.iter().any(|&outer| inside(loss.span, outer)))
            .collect();
        if lossy.is_empty() {
            assert_eq!(
                rewritten, written,
                "writing is not idempotent for:\n{text:?}"
            );
            continue;
        }
        for loss in lossy {
            if loss.code == Code::XmlPriorityZeroLost {
                assert!(
                    diagnostics
                        .iter()
                        .any(|d| d.code == Code::XmlPriorityZeroLost && d.span() == loss.span),
                    "a lost priority 0 without its NWF019 warning in {text:?}"
                );
            }
        }
        let (third, _) = parse_xml(FileId(2), &rewritten);
        assert_eq!(
            write_xml(&third, &options),
            rewritten,
            "writing is not stable after a lossy round for:\n{text:?}"
        );
    }
}

/// Checks the text-form invariants on `text`.
pub fn check_text(text: &str) {
    let (document, diagnostics) = parse_text(FileId(0), text);
    check_spans(text, &diagnostics);
    check_printed_text(text, &document);
}

/// The canonical text of `document` (read from `text`) parses without
/// errors and prints to itself.
fn check_printed_text(text: &str, document: &Document) {
    let printed = print_text(document);
    let (again, again_diagnostics) = parse_text(FileId(1), &printed);
    assert!(
        again_diagnostics.iter().all(|d| !d.is_error()),
        "canonical text of {text:?} does not parse:\n{printed}\n{again_diagnostics:?}"
    );
    assert_eq!(
        print_text(&again),
        printed,
        "canonical text not stable from {text:?}"
    );
}

/// Whether rewriting the document read from `text` into `target` loses
/// nothing.
fn loss_free(
    text: &str,
    form: Form,
    document: &Document,
    diagnostics: &[Diagnostic],
    target: Form,
) -> bool {
    let source = Source {
        file: FileId(0),
        text,
        form,
        document,
        diagnostics,
    };
    losses(&source, target).is_empty()
}

/// Checks the cross-form invariant on XML `text`: when converting it to the
/// text form loses nothing, the text form parses without errors and prints
/// to itself.
pub fn check_xml_to_text(text: &str) {
    let (document, diagnostics) = parse_xml(FileId(0), text);
    if loss_free(text, Form::Xml, &document, &diagnostics, Form::Text) {
        check_printed_text(text, &document);
    }
}

/// Checks the cross-form invariant on `.nwf` `text`: when converting it to
/// XML loses nothing, each item's XML is well-formed and writes to itself
/// when read back.
pub fn check_text_to_xml(text: &str) {
    let (document, diagnostics) = parse_text(FileId(0), text);
    if !loss_free(text, Form::Text, &document, &diagnostics, Form::Xml) {
        return;
    }
    let options = WriteOptions::default();
    for item in &document.items {
        // A comment alone is no XML document (it has no root element).
        if matches!(item, Item::Comment(_)) {
            continue;
        }
        let written = write_item(item, &options);
        let (again, again_diagnostics) = parse_xml(FileId(1), &written);
        assert!(
            again_diagnostics
                .iter()
                .all(|d| d.code != Code::XmlMalformed),
            "the XML of {text:?} is not well-formed:\n{written}"
        );
        assert_eq!(
            write_xml(&again, &options),
            written,
            "the XML of {text:?} does not write to itself"
        );
    }
}
