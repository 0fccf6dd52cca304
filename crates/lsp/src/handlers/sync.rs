//! Text synchronisation: `didOpen`, `didChange`, `didClose` and watched
//! file events. These only update the document store and queue work for
//! the analysis; they never wait for it, so typing is never blocked.

use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams,
};

use crate::documents::{Document, SourceKind};
use crate::state::Editor;

pub fn did_open(editor: &mut Editor, params: DidOpenTextDocumentParams) {
    let item = params.text_document;
    let kind = SourceKind::detect(&item.uri, Some(&item.language_id), &item.text);
    editor
        .documents
        .open(item.uri, Document::new(item.text, item.version, kind));
}

pub fn did_change(editor: &mut Editor, params: DidChangeTextDocumentParams) {
    let document = params.text_document;
    editor
        .documents
        .change(&document.uri, document.version, params.content_changes);
}

pub fn did_close(editor: &mut Editor, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if editor.documents.close(&uri).is_some() {
        editor.pending.closed.push(uri);
    }
}

pub fn did_change_watched_files(editor: &mut Editor, params: DidChangeWatchedFilesParams) {
    editor.pending.disk_events.extend(params.changes);
}
