//! Formatting: the canonical form of the file, printed by nwf-syntax (the
//! text printer for `.nwf`, the XML writer for XML), as one edit, and only
//! when [`crate::rewrite::lossless_rewrite`] finds that nothing the file
//! says would be lost. Anything else (a libvirt `<domain>`, a file with
//! errors, a misspelt attribute, an XML declaration, a comment the printer
//! would move) gets no edits (a `null` answer; an already formatted file
//! gets an empty list), and the reason goes to the client's log, so that
//! format-on-save never destroys a file.

use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentFormattingParams, MessageType, Position, Range, TextEdit, Uri,
};

use std::sync::Arc;

use crate::rewrite::{self, Original, Refusal};
use crate::state::State;
use crate::world::{FileView, World};

/// Answers `textDocument/formatting`, logging why a document is left alone.
pub async fn respond(
    state: &Arc<State>,
    client: &Client,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>> {
    let uri = params.text_document.uri.clone();
    let formatted = state.query(move |world| format(world, &uri)).await?;
    match formatted {
        Ok(edits) => Ok(Some(edits)),
        Err(Some(refusal)) => {
            let message = format!(
                "nwf: not formatting {}: {refusal}",
                params.text_document.uri.as_str()
            );
            client.log_message(MessageType::INFO, message).await;
            Ok(None)
        }
        Err(None) => Ok(None),
    }
}

/// The edits that format the document at `uri`; `Err(None)` when the
/// server does not know it.
pub fn format(world: &World, uri: &Uri) -> std::result::Result<Vec<TextEdit>, Option<Refusal>> {
    let file = world.file_by_uri(uri).ok_or(None)?;
    let formatted = rewrite::lossless_rewrite(original(file), file.kind).map_err(Some)?;
    if formatted == file.text() {
        return Ok(Vec::new());
    }
    let end = file.text_ref().position(file.text().len());
    Ok(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )])
}

/// What [`rewrite::lossless_rewrite`] needs to know of a file.
pub fn original(file: FileView<'_>) -> Original<'_> {
    Original {
        file: file.id,
        kind: file.kind,
        text: file.text(),
        document: file.ir(),
        diagnostics: file.source.parse_diagnostics(),
    }
}
