//! Formatting: the canonical form of the file, printed by nwf-syntax (the
//! text printer for `.nwf`, the XML writer for XML), as one edit. A file
//! with syntax errors is left alone: printing what the front end salvaged
//! could drop what the user is in the middle of typing.

use tower_lsp_server::ls_types::{DocumentFormattingParams, Position, Range, TextEdit};

use crate::documents::SourceKind;
use crate::world::World;

pub fn format(world: &World, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    if file
        .source
        .parse_diagnostics()
        .iter()
        .any(nwf_syntax::Diagnostic::is_error)
    {
        return None;
    }
    let formatted = match file.kind {
        SourceKind::Text => nwf_syntax::text::print_text(file.ir()),
        SourceKind::Xml => {
            nwf_syntax::xml::write_xml(file.ir(), &nwf_syntax::xml::WriteOptions::default())
        }
    };
    if formatted == file.text() {
        return Some(Vec::new());
    }
    let end = file.text_ref().position(file.text().len());
    Some(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )])
}
