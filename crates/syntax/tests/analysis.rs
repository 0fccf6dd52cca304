//! Data-driven workspace analysis tests.
//!
//! Each folder under `tests/fixtures/analysis/` is one workspace: its `.xml`
//! and `.nwf` files plus the embedded stock filter library
//! (`nwf_syntax::stock`). Its diagnostics, rendered
//! as plain text with `file:line:col` for every label, are snapshotted in
//! `diagnostics.snap` beside the files. Every case also checks that all
//! spans lie inside their files and that building the workspace
//! incrementally gives what building it from scratch gives. Adding a case is
//! adding a folder.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use nwf_syntax::diagnostic::Diagnostic;
use nwf_syntax::workspace::{graph, render};
use nwf_syntax::{Code, Workspace, stock};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis")
}

fn case_files(case: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(case)
        .expect("case folder")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "xml" || ext == "nwf")
        })
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            (name, fs::read_to_string(&path).expect("fixture is UTF-8"))
        })
        .collect();
    files.sort();
    files
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .expect("fixtures folder")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

fn stock_workspace(files: &[(String, String)]) -> Workspace {
    let mut workspace = Workspace::default();
    stock::load_into(&mut workspace);
    for (path, text) in files {
        workspace.set_file(path, text.clone());
    }
    workspace
}

fn assert_spans_in_bounds(workspace: &Workspace, diagnostics: &[Diagnostic], case: &str) {
    for diagnostic in diagnostics {
        let labels = std::iter::once((diagnostic.primary.file, diagnostic.primary.span))
            .chain(
                diagnostic
                    .related
                    .iter()
                    .map(|label| (label.file, label.span)),
            )
            .chain(diagnostic.fixes.iter().map(|fix| (fix.file, fix.span)));
        for (file, span) in labels {
            let source = workspace.get_file(file).unwrap_or_else(|| {
                panic!(
                    "{case}: {} points into a file not in the workspace",
                    diagnostic.code
                )
            });
            assert!(
                span.start <= span.end && span.end() <= source.text().len(),
                "{case}: {} span {span} outside {} ({} bytes)",
                diagnostic.code,
                source.path().display(),
                source.text().len()
            );
            assert!(
                source.text().is_char_boundary(span.start())
                    && source.text().is_char_boundary(span.end()),
                "{case}: {} span {span} splits a character",
                diagnostic.code
            );
        }
    }
}

#[test]
fn analysis_fixtures() {
    let mut covered = BTreeSet::new();
    for case in cases() {
        let name = case
            .file_name()
            .expect("a folder")
            .to_string_lossy()
            .into_owned();
        let files = case_files(&case);
        assert!(!files.is_empty(), "{name}: no .xml or .nwf files");
        let workspace = stock_workspace(&files);
        let diagnostics = workspace.diagnostics();
        assert_spans_in_bounds(&workspace, &diagnostics, &name);
        covered.extend(diagnostics.iter().map(|diagnostic| diagnostic.code));
        if name.starts_with("clean") {
            assert!(
                diagnostics.is_empty(),
                "{name} should check clean:\n{}",
                render::render_all(&workspace, &diagnostics)
            );
        } else {
            assert!(!diagnostics.is_empty(), "{name}: expected diagnostics");
        }

        // Incremental updates end where a fresh build does: set every file
        // to something else first, query, then set the real text.
        let mut incremental = stock_workspace(&[]);
        for (path, text) in &files {
            incremental.set_file(path, text.replace("filter", "filtre"));
        }
        let _ = incremental.diagnostics();
        for (path, text) in &files {
            incremental.set_file(path, text.clone());
        }
        let rendered = render::render_all(&workspace, &diagnostics);
        assert_eq!(
            render::render_all(&incremental, &incremental.diagnostics()),
            rendered,
            "{name}: incremental and fresh analyses differ"
        );
        // One file at a time: break it, analyse, restore it, analyse.
        for (path, text) in &files {
            incremental.set_file(path, text.replace("filter", "filtre"));
            let _ = incremental.diagnostics();
            incremental.set_file(path, text.clone());
            assert_eq!(
                render::render_all(&incremental, &incremental.diagnostics()),
                rendered,
                "{name}: analysis after restoring {path} differs from a fresh one"
            );
        }

        insta::with_settings!({
            snapshot_path => case.clone(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!("diagnostics", rendered);
        });
    }

    let analysis_codes: BTreeSet<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|code| code.as_str().starts_with("NWF2"))
        .collect();
    let missing: Vec<&str> = analysis_codes
        .difference(&covered)
        .map(|code| code.as_str())
        .collect();
    assert!(missing.is_empty(), "no fixture case produces {missing:?}");
}

#[test]
fn every_stock_filter_checks_clean() {
    let workspace = stock_workspace(&[]);
    let diagnostics = workspace.diagnostics();
    assert!(
        diagnostics.is_empty(),
        "{}",
        render::render_all(&workspace, &diagnostics)
    );
    // Every stock filter resolves its whole tree.
    assert_eq!(stock::FILTERS.len(), 24);
    for stock_filter in stock::FILTERS {
        let file = workspace
            .file_id(&stock_filter.path())
            .expect("stock file set");
        assert!(workspace.file(file).is_stock());
        for filter in workspace.file(file).document().filters() {
            let tree = workspace.filter_tree(&filter.name.value).expect("defined");
            assert!(
                !graph::render_text(&tree).contains("[unknown"),
                "{}",
                filter.name.value
            );
        }
    }
}

#[test]
fn graph_of_clean_traffic() {
    let workspace = stock_workspace(&[]);
    let tree = workspace
        .filter_tree("clean-traffic")
        .expect("stock filter");
    let needs: Vec<String> = workspace
        .required_variables("clean-traffic")
        .into_keys()
        .collect();
    assert_eq!(needs, ["IP", "MAC"]);
    insta::assert_snapshot!("clean_traffic_text", graph::render_text(&tree));
    insta::assert_snapshot!("clean_traffic_dot", graph::render_dot(&tree));
}

/// The repository's `examples/` check clean with the stock library: each
/// `.nwf` on its own (it holds its filters and bindings), each `NAME.xml`
/// together with `NAME.binding.xml` when there is one.
#[test]
fn repository_examples_check_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut paths: Vec<PathBuf> = fs::read_dir(&examples)
        .expect("examples/ exists")
        .flatten()
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    let mut checked = 0;
    for path in &paths {
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        let mut group = vec![path.clone()];
        if name.ends_with(".binding.xml") {
            continue;
        }
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("xml") => {
                let stem = name.trim_end_matches(".xml");
                let binding = examples.join(format!("{stem}.binding.xml"));
                if binding.exists() {
                    group.push(binding);
                }
            }
            Some("nwf") => {}
            _ => continue,
        }
        let files: Vec<(String, String)> = group
            .iter()
            .map(|path| {
                let name = path
                    .file_name()
                    .expect("a file")
                    .to_string_lossy()
                    .into_owned();
                (name, fs::read_to_string(path).expect("example is UTF-8"))
            })
            .collect();
        let workspace = stock_workspace(&files);
        let diagnostics = workspace.diagnostics();
        assert!(
            diagnostics.is_empty(),
            "{name}:\n{}",
            render::render_all(&workspace, &diagnostics)
        );
        checked += 1;
    }
    assert!(checked > 0, "no examples found in {}", examples.display());
}
