//! `initialize`, `initialized` and workspace-folder changes: the server's
//! capabilities, its settings, and loading the workspace (the stock
//! filters and the files of the editor's folders) in the background.

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams, FileSystemWatcher,
    FoldingRangeProviderCapability, GlobPattern, HoverProviderCapability, InitializeParams,
    InitializeResult, MessageType, OneOf, Registration, RenameOptions, SemanticTokensFullOptions,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    WorkDoneProgressOptions, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use crate::handlers::semantic_tokens;
use crate::state::{Config, State};
use crate::world::World;
use crate::{scan, stock};

pub fn initialize(state: &State, params: InitializeParams) -> InitializeResult {
    let config = params
        .initialization_options
        .and_then(|options| serde_json::from_value::<Config>(options).ok())
        .unwrap_or_default();
    state.set_config(config);
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .unwrap_or_default()
        .iter()
        .filter_map(|folder| crate::convert::file_path(&folder.uri))
        .collect();
    #[allow(deprecated)] // root_uri is what older clients send
    if roots.is_empty() {
        roots.extend(
            params
                .root_uri
                .and_then(|uri| crate::convert::file_path(&uri)),
        );
    }
    let watch_files = params
        .capabilities
        .workspace
        .and_then(|workspace| workspace.did_change_watched_files)
        .and_then(|watched| watched.dynamic_registration)
        .unwrap_or(false);
    state.begin_loading(roots, watch_files);
    InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "nwf".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        offset_encoding: None,
    }
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(["$", "=", "<", "'", "\""].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::REFACTOR_REWRITE,
            ]),
            ..CodeActionOptions::default()
        })),
        inlay_hint_provider: Some(OneOf::Left(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}

/// Starts the diagnostics worker, asks the client to watch filter files,
/// and loads the stock filters and the workspace folders.
pub async fn initialized(state: &Arc<State>, client: &Client) {
    tokio::spawn(Arc::clone(state).diagnostics_worker(client.clone()));
    let (roots, watch_files) = state.loading_plan();
    if watch_files {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: ["**/*.nwf", "**/*.xml"]
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob.to_owned()),
                    kind: None,
                })
                .to_vec(),
        };
        let registration = Registration {
            id: "nwf-watch-files".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: serde_json::to_value(options).ok(),
        };
        // Best effort: without it, edits made outside the editor are
        // picked up when the file is next opened.
        let _ = client.register_capability(vec![registration]).await;
    }
    let config = state.config();
    let loaded = state
        .update_world(move |world| {
            let outcome = stock::load(world, config.cache_dir.as_deref());
            world.roots.clone_from(&roots);
            if config.scan_workspace {
                for root in &roots {
                    load_folder(world, root);
                }
            }
            outcome
        })
        .await;
    state.finish_loading();
    match loaded {
        Ok(Err(message)) => client.log_message(MessageType::WARNING, message).await,
        Err(_) => {
            client
                .log_message(MessageType::ERROR, "nwf: loading the workspace failed")
                .await;
        }
        Ok(Ok(())) => {}
    }
}

fn load_folder(world: &mut World, root: &std::path::Path) {
    for file in scan::scan_folder(root) {
        if let Some(uri) = crate::convert::file_uri(&file.path) {
            world.load_disk_file(&uri, &file.text, file.kind);
        }
    }
}

/// Folders added to or removed from the editor's workspace.
pub async fn folders_changed(state: &Arc<State>, params: DidChangeWorkspaceFoldersParams) {
    let added: Vec<PathBuf> = params
        .event
        .added
        .iter()
        .filter_map(|folder| crate::convert::file_path(&folder.uri))
        .collect();
    let removed: Vec<PathBuf> = params
        .event
        .removed
        .iter()
        .filter_map(|folder| crate::convert::file_path(&folder.uri))
        .collect();
    let scan_workspace = state.config().scan_workspace;
    let _ = state
        .update_world(move |world| {
            world.roots.retain(|root| !removed.contains(root));
            world.forget_disk_files_under(&removed);
            for root in added {
                if scan_workspace {
                    load_folder(world, &root);
                }
                world.roots.push(root);
            }
        })
        .await;
}
