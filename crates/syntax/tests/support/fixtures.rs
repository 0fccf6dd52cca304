//! What the fixture harnesses share: listing a fixture folder and printing
//! a span as `line:col-line:col` (1-based) in snapshots.

use std::path::{Path, PathBuf};

use nwf_syntax::{LineIndex, Span};

/// The files of `tests/fixtures/FOLDER` with one of `extensions`, sorted;
/// at least `at_least` of them, so that a harness cannot pass on an empty
/// folder.
pub fn fixture_paths(folder: &str, extensions: &[&str], at_least: usize) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture folder exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| extensions.contains(&ext))
        })
        .collect();
    paths.sort();
    assert!(
        paths.len() >= at_least,
        "expected at least {at_least} fixtures in {}",
        dir.display()
    );
    paths
}

/// `span` as `line:col-line:col`, 1-based.
pub fn position(index: &LineIndex, span: Span) -> String {
    let start = index.line_col(span.start());
    let end = index.line_col(span.end());
    format!(
        "{}:{}-{}:{}",
        start.line + 1,
        start.col + 1,
        end.line + 1,
        end.col + 1
    )
}
