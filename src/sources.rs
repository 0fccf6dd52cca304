//! Reading the files a command was given: directories are walked for
//! `*.xml` and `*.nwf`, in a stable (sorted) order, and every file gets a
//! [`FileId`] that diagnostics refer to.

use std::fs;
use std::path::{Path, PathBuf};

use nwf_syntax::{FileId, LineIndex};

/// One source file read from disk (or the stock library).
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub line_index: LineIndex,
}

/// Every file of one run, indexed by [`FileId`].
#[derive(Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        let line_index = LineIndex::new(&text);
        self.files.push(SourceFile {
            path,
            text,
            line_index,
        });
        id
    }

    pub fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file.0 as usize)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(idx, file)| (FileId(u32::try_from(idx).expect("fewer than 2^32 files")), file))
    }
}

/// Whether `path` names a file nwf reads when given its directory.
pub fn is_filter_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|ext| ext.to_str()), Some("xml" | "nwf"))
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
