//! Fuzzes the libvirt XML reader and writer: reading arbitrary bytes must
//! not panic, spans must lie inside the input, and what is written for each
//! item must read back and write to the same text, unless
//! `nwf_syntax::lossless` says that the canonical XML cannot hold part of
//! the item (a chain priority 0, which libvirt's form leaves out, or text
//! XML cannot carry): then the written text must be stable from the second
//! round on, and a priority 0 must have had its NWF019 warning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nwf_syntax::ir::Item;
use nwf_syntax::lossless::{Form, LossKind, Source, losses};
use nwf_syntax::xml::{WriteOptions, parse_xml, write_item, write_xml};
use nwf_syntax::{Code, FileId, Span};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (document, diagnostics) = parse_xml(FileId(0), text);
    for diagnostic in &diagnostics {
        let span = diagnostic.span();
        assert!(span.end() <= text.len());
        assert!(text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()));
    }
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
        let item_span = match item {
            Item::Comment(_) => continue,
            Item::Filter(filter) => filter.span,
            Item::Binding(binding) => binding.span,
        };
        let written = write_item(item, &options);
        let (again, again_diagnostics) = parse_xml(FileId(1), &written);
        assert!(again_diagnostics.iter().all(|d| d.code != Code::XmlMalformed));
        let rewritten = write_xml(&again, &options);
        let lossy: Vec<_> = not_written
            .iter()
            .filter(|loss| inside(loss.span, item_span))
            .collect();
        if lossy.is_empty() {
            assert_eq!(rewritten, written);
            continue;
        }
        for loss in &lossy {
            if loss.code == Code::XmlPriorityZeroLost {
                assert!(
                    diagnostics
                        .iter()
                        .any(|d| d.code == Code::XmlPriorityZeroLost && d.span() == loss.span),
                    "a lost priority 0 without its NWF019 warning"
                );
            }
        }
        let (third, _) = parse_xml(FileId(2), &rewritten);
        assert_eq!(write_xml(&third, &options), rewritten);
    }
});

fn inside(span: Span, outer: Span) -> bool {
    outer.start() <= span.start() && span.end() <= outer.end()
}
