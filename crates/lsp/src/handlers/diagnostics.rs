//! Diagnostics: everything the workspace analysis reports (the same as
//! `nwf check`), converted per file, with related information pointing
//! into other files. Only what changed since the last round is published.

use std::collections::HashMap;

use nwf_syntax::FileId;
use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::convert;
use crate::world::{Origin, World};

/// What was last published for each file: the version and the list.
pub type Published = HashMap<Uri, (Option<i32>, Vec<lsp::Diagnostic>)>;

/// One `publishDiagnostics`: URI, diagnostics, document version.
pub type Batch = Vec<(Uri, Vec<lsp::Diagnostic>, Option<i32>)>;

/// Computes every file's diagnostics and returns those that differ from
/// `previous` (including files that vanished, with an empty list), and
/// the new record of what is published.
pub fn compute(world: &World, mut previous: Published) -> (Batch, Published) {
    let mut by_file: HashMap<FileId, Vec<lsp::Diagnostic>> = HashMap::new();
    for diagnostic in world.workspace.diagnostics() {
        let Some(file) = world.file(diagnostic.file()) else {
            continue;
        };
        by_file
            .entry(file.id)
            .or_default()
            .push(convert::diagnostic(&diagnostic, file.text_ref(), world));
    }
    let mut batch = Batch::new();
    let mut published = Published::new();
    for file in world.files() {
        let version = match file.origin {
            // Stock filters are read-only and not the user's to fix.
            Origin::Stock => continue,
            Origin::Open { version } => Some(version),
            Origin::Disk => None,
        };
        let diagnostics = by_file.remove(&file.id).unwrap_or_default();
        let entry = (version, diagnostics);
        let unchanged = match previous.remove(file.uri) {
            Some(old) => old == entry,
            // Nothing said yet: a closed file without problems needs no
            // message; an open one gets an empty list for its version.
            None => version.is_none() && entry.1.is_empty(),
        };
        if !unchanged {
            batch.push((file.uri.clone(), entry.1.clone(), version));
        }
        published.insert(file.uri.clone(), entry);
    }
    // Files that left the world: clear what we said about them.
    for (uri, (_, diagnostics)) in previous {
        if !diagnostics.is_empty() {
            batch.push((uri, Vec::new(), None));
        }
    }
    batch.sort_by(|a, b| a.0.cmp(&b.0));
    (batch, published)
}
