//! Shared server state and how work is scheduled on it.
//!
//! Two locks, on purpose: the [`DocumentStore`] (cheap: typing only touches
//! it) and the [`World`] (the analysis: possibly slow). `didChange` never
//! waits for the analysis; requests bring the world up to date with the
//! store and then run on a blocking thread, so a slow request never stalls
//! the protocol loop; diagnostics are recomputed by one background worker,
//! debounced, after edits settle.
//!
//! A request whose handler panics despite being written to be total is
//! answered with an internal error; the server goes on.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use std::path::PathBuf;

use tokio::sync::{Notify, watch};
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{FileEvent, Uri};

use crate::documents::{Document, DocumentStore};
use crate::world::World;

/// How long requests wait for the initial workspace load at most.
const LOADING_PATIENCE: Duration = Duration::from_secs(30);

/// Settings from the client's `initializationOptions`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// How long diagnostics wait for edits to settle.
    pub diagnostics_delay_ms: u64,
    /// Where the stock filters are materialised; `None`: the user's cache
    /// directory (`$XDG_CACHE_HOME/nwf/stock`, else `~/.cache/nwf/stock`).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Whether the workspace folders are scanned for filter files.
    pub scan_workspace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            diagnostics_delay_ms: 150,
            cache_dir: None,
            scan_workspace: true,
        }
    }
}

/// Changes the world has not seen yet, other than open documents' texts.
#[derive(Debug, Default)]
pub struct Pending {
    pub closed: Vec<Uri>,
    pub disk_events: Vec<FileEvent>,
}

#[derive(Debug, Default)]
pub struct Editor {
    pub documents: DocumentStore,
    pub pending: Pending,
}

pub struct State {
    editor: Mutex<Editor>,
    world: Mutex<World>,
    config: Mutex<Config>,
    diagnostics_wanted: Notify,
    /// False from `initialize` until the workspace is loaded: requests wait
    /// for it, so that the first answers already know every file.
    loaded: watch::Sender<bool>,
    /// The workspace folders and whether to register file watchers, from
    /// `initialize`, for `initialized`.
    plan: Mutex<(Vec<PathBuf>, bool)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while a lock was held leaves data that is still consistent
    // enough to go on with: every mutation below is a single assignment.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a request needs from the editor side: every open document (cheap
/// clones of shared texts) and the pending file events.
pub struct EditorSnapshot {
    pub documents: Vec<(Uri, Document)>,
    pub pending: Pending,
}

impl State {
    pub fn new() -> Arc<State> {
        Arc::new(State {
            editor: Mutex::new(Editor::default()),
            world: Mutex::new(World::default()),
            config: Mutex::new(Config::default()),
            diagnostics_wanted: Notify::new(),
            loaded: watch::Sender::new(true),
            plan: Mutex::default(),
        })
    }

    /// Called by `initialize`: requests wait until [`State::finish_loading`].
    pub fn begin_loading(&self, roots: Vec<PathBuf>, watch_files: bool) {
        *lock(&self.plan) = (roots, watch_files);
        self.loaded.send_replace(false);
    }

    pub fn loading_plan(&self) -> (Vec<PathBuf>, bool) {
        lock(&self.plan).clone()
    }

    pub fn finish_loading(&self) {
        self.loaded.send_replace(true);
    }

    async fn wait_loaded(&self) {
        let mut loaded = self.loaded.subscribe();
        // A client that never sends `initialized` still gets answers, from
        // whatever is loaded by then.
        let _ = tokio::time::timeout(LOADING_PATIENCE, loaded.wait_for(|done| *done)).await;
    }

    pub fn config(&self) -> Config {
        lock(&self.config).clone()
    }

    pub fn set_config(&self, config: Config) {
        *lock(&self.config) = config;
    }

    /// Runs `edit` on the editor side (the document store), which never
    /// waits for analysis.
    pub fn edit<R>(&self, edit: impl FnOnce(&mut Editor) -> R) -> R {
        let result = edit(&mut lock(&self.editor));
        self.diagnostics_wanted.notify_one();
        result
    }

    fn snapshot_editor(&self) -> EditorSnapshot {
        let mut editor = lock(&self.editor);
        EditorSnapshot {
            documents: editor
                .documents
                .iter()
                .map(|(uri, document)| (uri.clone(), document.clone()))
                .collect(),
            pending: std::mem::take(&mut editor.pending),
        }
    }

    /// Changes the world directly (workspace scan, stock filters), on a
    /// blocking thread.
    pub async fn update_world<R: Send + 'static>(
        self: &Arc<Self>,
        update: impl FnOnce(&mut World) -> R + Send + 'static,
    ) -> jsonrpc::Result<R> {
        let state = Arc::clone(self);
        let outcome = tokio::task::spawn_blocking(move || update(&mut lock(&state.world))).await;
        self.diagnostics_wanted.notify_one();
        outcome.map_err(|_| internal_error())
    }

    /// Brings the world up to date with the editor, then runs `query` on it
    /// on a blocking thread.
    pub async fn query<R: Send + 'static>(
        self: &Arc<Self>,
        query: impl FnOnce(&World) -> R + Send + 'static,
    ) -> jsonrpc::Result<R> {
        self.wait_loaded().await;
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let snapshot = state.snapshot_editor();
            let mut world = lock(&state.world);
            world.sync(snapshot);
            query(&world)
        })
        .await
        .map_err(|_| internal_error())
    }

    /// Recomputes and publishes diagnostics whenever edits have settled.
    /// Runs until the client goes away.
    pub async fn diagnostics_worker(self: Arc<Self>, client: Client) {
        let mut published = crate::handlers::diagnostics::Published::default();
        loop {
            self.diagnostics_wanted.notified().await;
            // Let a burst of edits settle: every edit during the delay
            // restarts it.
            loop {
                let delay = Duration::from_millis(self.config().diagnostics_delay_ms);
                let settled = tokio::time::timeout(delay, self.diagnostics_wanted.notified());
                if settled.await.is_err() {
                    break;
                }
            }
            let previous = std::mem::take(&mut published);
            let Ok((batch, next)) = self
                .query(move |world| crate::handlers::diagnostics::compute(world, previous))
                .await
            else {
                continue;
            };
            published = next;
            for (uri, diagnostics, version) in batch {
                client.publish_diagnostics(uri, diagnostics, version).await;
            }
        }
    }
}

pub fn internal_error() -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::InternalError,
        message: "nwf: the request failed inside the server; please report it".into(),
        data: None,
    }
}
