//! The table of contents: every request and notification the server
//! supports, one line each, pointing at the handler that implements it.
//!
//! Editor-side notifications (`didOpen`, `didChange`, ...) only touch the
//! document store; requests run through [`State::query`], which brings the
//! analysis up to date and runs the handler off the protocol loop. Handlers
//! are total functions of the world and the request; they live one feature
//! per file under [`crate::handlers`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, CompletionParams, CompletionResponse,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, FoldingRange, FoldingRangeParams,
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverParams, InitializeParams,
    InitializeResult, InitializedParams, InlayHint, InlayHintParams, Location,
    PrepareRenameResponse, ReferenceParams, RenameParams, SemanticTokensParams,
    SemanticTokensResult, TextDocumentPositionParams, TextEdit, WorkspaceEdit,
    WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use tower_lsp_server::{Client, LanguageServer};

use crate::handlers::{
    code_actions, completion, definition, folding, formatting, hover, inlay_hints, lifecycle,
    references, rename, semantic_tokens, symbols, sync,
};
use crate::state::State;

pub struct Server {
    client: Client,
    state: Arc<State>,
    /// Set by `shutdown`: whether the session ends cleanly (see
    /// [`crate::SessionEnd`]).
    shut_down: Arc<AtomicBool>,
}

impl Server {
    pub fn new(client: Client, shut_down: Arc<AtomicBool>) -> Server {
        Server {
            client,
            state: State::new(),
            shut_down,
        }
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        Ok(lifecycle::initialize(&self.state, params))
    }

    async fn initialized(&self, _: InitializedParams) {
        lifecycle::initialized(&self.state, &self.client).await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.state.edit(|editor| sync::did_open(editor, params));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.state.edit(|editor| sync::did_change(editor, params));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.state.edit(|editor| sync::did_close(editor, params));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.state
            .edit(|editor| sync::did_change_watched_files(editor, params));
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        lifecycle::folders_changed(&self.state, params).await;
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.state
            .query(|world| definition::goto(world, params))
            .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.state
            .query(|world| references::find(world, params))
            .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.state
            .query(|world| rename::prepare(world, params))
            .await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.state
            .query(|world| rename::rename(world, params))
            .await?
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.state.query(|world| hover::hover(world, params)).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.state
            .query(|world| completion::complete(world, params))
            .await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.state
            .query(|world| symbols::document(world, params))
            .await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.state
            .query(|world| symbols::workspace(world, params).map(WorkspaceSymbolResponse::Flat))
            .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.state
            .query(|world| folding::ranges(world, params))
            .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        formatting::respond(&self.state, &self.client, params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.state
            .query(|world| semantic_tokens::full(world, params))
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.state
            .query(|world| code_actions::actions(world, params))
            .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.state
            .query(|world| inlay_hints::hints(world, params))
            .await
    }
}
