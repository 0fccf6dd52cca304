//! Fail closed, data-driven: every file in `tests/cli/refused/` is a filter
//! source with one mistake. Its name says what it is: `error-NWFxxx-...`
//! (an error) or `widening-NWFxxx-...` (a warning about a rule that matches
//! more than its text says), and that code must be among what it produces.
//!
//! Each case defines (or fails to define) the filter `probe` that
//! `fixtures/refused/probe-binding.xml` binds, and is handed to nwf in
//! each of the three places filters come from: libvirt's filter directory
//! (`NWF_SYSTEM_FILTER_DIR`), a `--filter-dir` and the command line beside
//! the binding. In every place:
//!
//! - `apply --dry-run`, `apply --check` and `bind --dry-run` refuse it with
//!   exit 1, print nothing on stdout and the same diagnostics on stderr
//!   (snapshotted once per case);
//! - `check` with the same arguments exits 1 and prints the same
//!   diagnostics (hints aside);
//! - with `--lenient`, `apply` and `check` accept a widening case and still
//!   refuse an error case, and agree with each other.
//!
//! The kernel side (the ruleset stays byte for byte) is
//! `tests/netns_failclosed.rs`, over the same folder.

use std::path::Path;
use std::process::Output;

use nwf_syntax::{Code, Severity};

use super::refused_cases::{self, PLACES, Place, Staged};
use super::{cli_dir, nwf, scratch};

/// The refusing commands, each without its sources.
const REFUSING: [&[&str]; 3] = [
    &["apply", "--dry-run"],
    &["apply", "--check"],
    &["bind", "--dry-run"],
];

/// `error` or `widening`, and the code, from a case's file name.
fn expectation(case: &Path) -> (String, Code) {
    let name = case.file_name().expect("a file").to_string_lossy();
    let mut parts = name.splitn(3, '-');
    let kind = parts.next().unwrap_or_default().to_owned();
    let code = parts
        .next()
        .and_then(Code::parse)
        .unwrap_or_else(|| panic!("{name}: the name must be KIND-NWFxxx-what"));
    (kind, code)
}

/// Runs `nwf` with `command`, `extra` options and the case in `place`.
fn run(command: &[&str], place: Place, case: &Staged, extra: &[&str]) -> Output {
    let mut nwf = nwf();
    nwf.args(command).args(extra);
    case.place(&mut nwf, place);
    nwf.output().expect("nwf runs")
}

/// Output text with the scratch folder's path replaced by `$CASE`.
fn text(bytes: &[u8], dir: &Path) -> String {
    String::from_utf8_lossy(bytes).replace(&dir.display().to_string(), "$CASE")
}

/// The diagnostic blocks of a human report, hints (ariadne's "Advice")
/// left out, and any line that is not part of a block dropped.
fn blocks(report: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in report.lines() {
        if line.starts_with("[NWF") {
            blocks.push(String::new());
        } else if line.starts_with("nwf ") || blocks.is_empty() {
            continue;
        }
        let block = blocks.last_mut().expect("a block was started");
        block.push_str(line);
        block.push('\n');
    }
    blocks.retain(|block| !block.contains("] Advice:"));
    blocks
}

fn sorted(blocks: &[String]) -> Vec<&String> {
    let mut sorted: Vec<&String> = blocks.iter().collect();
    sorted.sort();
    sorted
}

#[test]
fn refused_everywhere_and_check_agrees() {
    let cases = refused_cases::cases();
    assert!(cases.len() >= 40, "the refused folder lost cases");
    let root = scratch().join("refused");
    let mut covered = Vec::new();
    for case in &cases {
        let (kind, code) = expectation(case);
        let staged = refused_cases::stage(case, &root);
        let (name, dir) = (staged.name.as_str(), staged.dir.as_path());
        match kind.as_str() {
            "error" => assert_eq!(code.default_severity(), Severity::Error, "{name}"),
            "widening" => assert!(code.widens_rule(), "{name}: {code} does not widen a rule"),
            other => panic!("{name}: unknown kind {other}"),
        }
        covered.push(code);
        // The diagnostics come in the order the files were loaded, which
        // depends on the place: across places they are compared as sets.
        let mut reference: Option<String> = None;
        for place in PLACES {
            let mut in_place: Option<String> = None;
            for command in REFUSING {
                let output = run(command, place, &staged, &[]);
                let what = format!("{name}: {} with the case in {place:?}", command.join(" "));
                assert_eq!(
                    output.status.code(),
                    Some(1),
                    "{what}\n{}",
                    text(&output.stderr, dir)
                );
                assert!(
                    output.stdout.is_empty(),
                    "{what}: printed {}",
                    text(&output.stdout, dir)
                );
                let stderr = text(&output.stderr, dir).replace("nwf bind:", "nwf apply:");
                assert!(
                    stderr.contains(&format!("[{code}]")),
                    "{what}: no {code}\n{stderr}"
                );
                match &in_place {
                    None => in_place = Some(stderr),
                    Some(first) => assert_eq!(&stderr, first, "{what} differs"),
                }
            }
            let applied = in_place.expect("set above");
            match &reference {
                None => reference = Some(applied.clone()),
                Some(first) => assert_eq!(
                    sorted(&blocks(&applied)),
                    sorted(&blocks(first)),
                    "{name}: the diagnostics depend on where the case is"
                ),
            }
            let check = run(&["check"], place, &staged, &[]);
            assert_eq!(
                check.status.code(),
                Some(1),
                "{name}: check in {place:?} passes"
            );
            assert_eq!(
                blocks(&text(&check.stdout, dir)),
                blocks(&applied),
                "{name}: check and apply disagree with the case in {place:?}"
            );
            let lenient_apply = run(&["apply", "--dry-run"], place, &staged, &["--lenient"]);
            let lenient_check = run(&["check"], place, &staged, &["--lenient"]);
            let expected = i32::from(kind != "widening");
            assert_eq!(
                lenient_apply.status.code(),
                Some(expected),
                "{name}: apply --lenient in {place:?}\n{}",
                text(&lenient_apply.stderr, dir)
            );
            assert_eq!(
                lenient_check.status.code(),
                Some(expected),
                "{name}: check --lenient in {place:?}"
            );
        }
        insta::with_settings!({
            snapshot_path => cli_dir().join("refused/snapshots"),
            prepend_module_to_snapshot => false,
            description => "apply, apply --check and bind, the case in any place",
        }, {
            insta::assert_snapshot!(name, reference.expect("set above"));
        });
    }
    // Every widening warning, and every error a filter source can carry
    // (readers and analysis; the NWF3xx errors of bindings and of nft are
    // covered by the cases of tests/cli and the netns suites).
    let must_cover = Code::ALL.iter().filter(|code| {
        code.widens_rule()
            || (code.default_severity() == Severity::Error
                && ["NWF0", "NWF1", "NWF2"]
                    .iter()
                    .any(|range| code.as_str().starts_with(range)))
    });
    for code in must_cover {
        assert!(
            covered.contains(code),
            "no case in tests/cli/refused for {code}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
