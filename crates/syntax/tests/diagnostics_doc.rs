//! `docs/diagnostics.md` documents every diagnostic code: one `## CODE`
//! section per entry of `Code::ALL`, and no section for a code that does
//! not exist.

use std::collections::BTreeSet;
use std::path::Path;

use nwf_syntax::Code;

#[test]
fn every_code_is_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md");
    let doc = std::fs::read_to_string(&path).expect("docs/diagnostics.md exists");
    let documented: BTreeSet<&str> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .filter_map(|heading| heading.split_whitespace().next())
        .filter(|word| word.starts_with("NWF"))
        .collect();
    let known: BTreeSet<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
    let missing: Vec<&&str> = known.difference(&documented).collect();
    let unknown: Vec<&&str> = documented.difference(&known).collect();
    assert!(
        missing.is_empty(),
        "docs/diagnostics.md has no `## CODE` section for {missing:?}: add one with a bad example, the message and the fix"
    );
    assert!(
        unknown.is_empty(),
        "docs/diagnostics.md documents codes that do not exist: {unknown:?}"
    );
}
