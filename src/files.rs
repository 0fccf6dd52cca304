//! Finding and reading the files a command was given: directories are
//! walked for `*.xml` and `*.nwf` in a stable (sorted) order, and files are
//! loaded into a [`Workspace`] together with the stock library.

use std::fs;
use std::path::{Path, PathBuf};

use nwf_syntax::{FileId, Workspace};

use crate::front_end;

/// Whether `path` names a file nwf reads when given its directory.
pub fn is_filter_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("xml" | "nwf")
    )
}

/// Expands the command-line paths: files as given, directories walked
/// recursively for `*.xml` and `*.nwf` (sorted, hidden entries skipped).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
        if metadata.is_dir() {
            walk(path, &mut out).map_err(|err| format!("{}: {err}", path.display()))?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if is_filter_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a file as UTF-8, with the path in the error.
pub fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))
}

/// A workspace holding the stock library and every file below `paths`
/// (nothing else: no system directory). Returns the workspace and the ids
/// of the user's files, in order.
pub fn load_workspace(paths: &[PathBuf]) -> Result<(Workspace, Vec<FileId>), String> {
    let loaded = crate::sources::load(&crate::sources::Sources {
        given: paths.to_vec(),
        ..crate::sources::Sources::default()
    })?;
    Ok((loaded.workspace, loaded.given))
}

/// Parses `text` with the front end its path calls for and adds it.
pub fn add_file(workspace: &mut Workspace, path: PathBuf, text: String) -> FileId {
    let file = workspace.id_for(&path);
    let (document, diagnostics) = front_end::parse(file, &path, &text);
    workspace.set_document(path, text, document, diagnostics, false)
}
