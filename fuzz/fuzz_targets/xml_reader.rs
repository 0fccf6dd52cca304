//! Fuzzes the libvirt XML reader and writer: reading arbitrary bytes must
//! not panic, spans must lie inside the input, and what is written for each
//! item must read back and write to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nwf_syntax::ir::Item;
use nwf_syntax::xml::{parse_xml, write_item, write_xml, WriteOptions};
use nwf_syntax::{Code, FileId};

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
    for item in &document.items {
        if matches!(item, Item::Comment(_)) {
            continue;
        }
        let written = write_item(item, &WriteOptions::default());
        let (again, again_diagnostics) = parse_xml(FileId(1), &written);
        assert!(again_diagnostics.iter().all(|d| d.code != Code::XmlMalformed));
        assert_eq!(write_xml(&again, &WriteOptions::default()), written);
    }
});
