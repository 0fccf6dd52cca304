//! Finding the files of the editor's workspace folders: every `*.nwf`, and
//! every `*.xml` whose root element is one nwf reads (`<filter>`,
//! `<filterbinding>`, `<domain>`), so that an unrelated XML file in the same
//! tree (a build file, a test fixture of another tool) never reaches the
//! analysis.
//!
//! This is I/O at the edge: it reads directories and returns paths and
//! texts; it does not parse filters.

use std::fs;
use std::path::{Path, PathBuf};

use crate::documents::SourceKind;

/// Directories never descended into: version control, build output, and
/// package caches that can be huge and never hold the user's filters.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "out", "dist"];

/// At most this many files are read from one workspace folder, so that
/// opening a home directory by mistake cannot exhaust memory.
const MAX_FILES: usize = 20_000;

/// At most this many bytes are read from one file.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A file found in a workspace folder, with its text.
#[derive(Debug)]
pub struct ScannedFile {
    pub path: PathBuf,
    pub text: String,
    pub kind: SourceKind,
}

/// Walks `root` recursively (sorted, hidden entries skipped) and returns
/// the files nwf reads. Unreadable entries are skipped: a workspace scan
/// is best effort, and open documents are analysed whatever happens here.
pub fn scan_folder(root: &Path) -> Vec<ScannedFile> {
    let mut files = Vec::new();
    walk(root, &mut files, 0);
    files
}

fn walk(dir: &Path, files: &mut Vec<ScannedFile>, depth: usize) {
    if depth > 32 || files.len() >= MAX_FILES {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if file_type.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, files, depth + 1);
            }
        } else if file_type.is_file() {
            if let Some(file) = read_candidate(&path) {
                files.push(file);
            }
            if files.len() >= MAX_FILES {
                return;
            }
        }
    }
}

/// Reads `path` if it is a file nwf analyses.
pub fn read_candidate(path: &Path) -> Option<ScannedFile> {
    let kind = match path.extension()?.to_str()? {
        "nwf" => SourceKind::Text,
        "xml" => SourceKind::Xml,
        _ => return None,
    };
    if fs::metadata(path).ok()?.len() > MAX_FILE_BYTES {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    if kind == SourceKind::Xml && !is_nwf_xml(&text) {
        return None;
    }
    Some(ScannedFile {
        path: path.to_path_buf(),
        text,
        kind,
    })
}

/// Whether an XML text's root element is one nwf reads. Looks only at the
/// first element name after the prolog, comments and doctype.
pub fn is_nwf_xml(text: &str) -> bool {
    matches!(
        root_element(text),
        Some("filter" | "filterbinding" | "domain")
    )
}

fn root_element(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches('\u{feff}').trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find(|ch: char| ch.is_whitespace() || ch == '>' || ch == '/')
                .unwrap_or(after.len());
            return Some(&after[..end]);
        } else {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_element_skips_prolog_comments_and_doctype() {
        assert!(is_nwf_xml(
            "<?xml version='1.0'?>\n<!-- hi -->\n<!DOCTYPE x>\n<filter name='a'/>"
        ));
        assert!(is_nwf_xml("<filterbinding>"));
        assert!(is_nwf_xml("\u{feff}<domain type='kvm'>"));
        assert!(!is_nwf_xml("<project><filter/></project>"));
        assert!(!is_nwf_xml("<!-- unterminated"));
        assert!(!is_nwf_xml("filter"));
    }
}
