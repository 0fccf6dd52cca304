//! Incremental analysis gives what a fresh analysis gives, after any
//! sequence of edits: every fixture file of `tests/fixtures/analysis/` (all
//! cases in one workspace, so that names collide across cases) is set,
//! broken, renamed or removed in a random order, with analyses queried at
//! random points in between; the final diagnostics must equal those of a
//! workspace built from scratch from the final texts.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use nwf_syntax::workspace::render;
use nwf_syntax::{Workspace, stock};
use proptest::prelude::*;

fn fixture_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analysis");
    let mut files = Vec::new();
    for case in fs::read_dir(&root).expect("fixtures").flatten() {
        let case_name = case.file_name().to_string_lossy().into_owned();
        for file in fs::read_dir(case.path()).expect("case folder").flatten() {
            let path = file.path();
            if path
                .extension()
                .is_some_and(|ext| ext == "xml" || ext == "nwf")
            {
                let name = format!("{case_name}/{}", file.file_name().to_string_lossy());
                files.push((name, fs::read_to_string(&path).expect("UTF-8")));
            }
        }
    }
    files.sort();
    files
}

#[derive(Clone, Copy, Debug)]
enum Edit {
    Original,
    /// Not a filter any more: its definitions disappear.
    Broken,
    /// Every name gets a prefix: definitions move to other names.
    Renamed,
    Remove,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::Original),
        Just(Edit::Broken),
        Just(Edit::Renamed),
        Just(Edit::Remove),
    ]
}

fn apply(text: &str, edit: Edit) -> Option<String> {
    match edit {
        Edit::Original => Some(text.to_string()),
        Edit::Broken => Some(text.replace("filter", "filtre")),
        Edit::Renamed => Some(
            text.replace("name='", "name='x-")
                .replace("filter ", "filter x-"),
        ),
        Edit::Remove => None,
    }
}

fn render_fresh(texts: &BTreeMap<String, String>) -> String {
    let mut workspace = Workspace::default();
    stock::load_into(&mut workspace);
    for (path, text) in texts {
        workspace.set_file(path, text.clone());
    }
    render::render_all(&workspace, &workspace.diagnostics())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn incremental_analysis_equals_a_fresh_one(
        steps in proptest::collection::vec((any::<prop::sample::Index>(), edit_strategy(), any::<bool>()), 1..24)
    ) {
        let files = fixture_files();
        let mut workspace = Workspace::default();
        stock::load_into(&mut workspace);
        let mut texts: BTreeMap<String, String> = BTreeMap::new();
        for (path, text) in &files {
            workspace.set_file(path, text.clone());
            texts.insert(path.clone(), text.clone());
        }
        let _ = workspace.diagnostics();
        for (index, edit, query) in steps {
            let (path, original) = &files[index.index(files.len())];
            if let Some(text) = apply(original, edit) {
                workspace.set_file(path, text.clone());
                texts.insert(path.clone(), text);
            } else {
                workspace.remove_file(Path::new(path));
                texts.remove(path);
            }
            if query {
                let _ = workspace.diagnostics();
            }
        }
        let incremental = render::render_all(&workspace, &workspace.diagnostics());
        prop_assert_eq!(incremental, render_fresh(&texts));
    }
}
