//! Fuzzes the `.nwf` text front end and printer: parsing arbitrary text must
//! not panic, every diagnostic span must lie inside the input on character
//! boundaries, and the canonical text of whatever was understood must parse
//! without errors and print to itself (the printer is idempotent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nwf_syntax::FileId;
use nwf_syntax::text::{parse_text, print_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (document, diagnostics) = parse_text(FileId(0), text);
    for diagnostic in &diagnostics {
        let span = diagnostic.span();
        assert!(span.end() <= text.len());
        assert!(text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()));
    }
    let printed = print_text(&document);
    let (again, again_diagnostics) = parse_text(FileId(1), &printed);
    assert!(
        again_diagnostics.iter().all(|d| !d.is_error()),
        "canonical text does not parse: {printed}\n{again_diagnostics:?}"
    );
    assert_eq!(print_text(&again), printed);
});
