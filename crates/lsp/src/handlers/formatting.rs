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
    let uri = params.text_document.uri;
    let formatted = state.query(move |world| format(world, &uri)).await?;
    match formatted {
        Ok(edits) => Ok(Some(edits)),
        Err(Some(why)) => {
            client.log_message(MessageType::INFO, why).await;
            Ok(None)
        }
        Err(None) => Ok(None),
    }
}

/// The edits that format the document at `uri`; otherwise why not, or
/// `Err(None)` when the server does not know the document.
pub fn format(world: &World, uri: &Uri) -> std::result::Result<Vec<TextEdit>, Option<String>> {
    let file = world.file_by_uri(uri).ok_or(None)?;
    let formatted = rewrite::lossless_rewrite(original(file), file.kind)
        .map_err(|refusal| Some(explain(file, &refusal)))?;
    if formatted == file.text() {
        return Ok(Vec::new());
    }
    let end = file.text_ref().position(file.text().len());
    Ok(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )])
}

/// The log line for a refusal, pointing at the comment that would move.
fn explain(file: FileView<'_>, refusal: &Refusal) -> String {
    let place = match refusal {
        Refusal::CommentMoved(span) => {
            format!(
                " (line {})",
                file.text_ref().position(span.start()).line + 1
            )
        }
        _ => String::new(),
    };
    format!(
        "nwf: not formatting {}: {refusal}{place}",
        file.uri.as_str()
    )
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
