//! Calling `lossless_rewrite` on a bare text, as the tests of the rewrite
//! rules do: read it with its front end, then ask.

#![allow(dead_code)] // each test binary uses a different part of it

use nwf_lsp::documents::SourceKind;
use nwf_lsp::rewrite::{Original, Refusal, lossless_rewrite};
use nwf_syntax::FileId;

/// `text`, read as `kind`, rewritten in the form `target`.
pub fn rewrite(kind: SourceKind, text: &str, target: SourceKind) -> Result<String, Refusal> {
    let (document, diagnostics) = match kind {
        SourceKind::Xml => nwf_syntax::xml::parse_xml(FileId(0), text),
        SourceKind::Text => nwf_syntax::text::parse_text(FileId(0), text),
    };
    lossless_rewrite(
        Original {
            file: FileId(0),
            kind,
            text,
            document: &document,
            diagnostics: &diagnostics,
        },
        target,
    )
}

/// The other form.
pub fn other(kind: SourceKind) -> SourceKind {
    match kind {
        SourceKind::Xml => SourceKind::Text,
        SourceKind::Text => SourceKind::Xml,
    }
}
