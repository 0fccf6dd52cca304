//! CLI behaviour, data-driven: every `tests/cli/*.case` file is one run of
//! the real `nwf` binary. The file's first line holds the arguments
//! (whitespace-separated); the rest, if any, is fed to stdin. The run's exit
//! code, stdout and stderr are compared with the case's insta snapshot.
//! Commands run in `tests/cli/`, so cases name fixtures relative to it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn cli_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cli exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "case"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no CLI cases found in {}", dir.display());
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("case is UTF-8");
        let (args, stdin) = text.split_once('\n').unwrap_or((&text, ""));
        let mut child = Command::new(env!("CARGO_BIN_EXE_nwf"))
            .args(args.split_whitespace())
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nwf runs");
        child
            .stdin
            .take()
            .expect("stdin piped")
            .write_all(stdin.as_bytes())
            .expect("stdin written");
        let output = child.wait_with_output().expect("nwf finishes");
        let rendered = format!(
            "$ nwf {args}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            output
                .status
                .code()
                .map_or_else(|| "signal".to_owned(), |code| code.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        let name = case
            .file_stem()
            .expect("case has a name")
            .to_string_lossy()
            .into_owned();
        insta::with_settings!({
            snapshot_path => dir.join("snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

/// `nwf apply` looks filters up in libvirt's filter directory (here a
/// stand-in named by `NWF_SYSTEM_FILTER_DIR`) after the stock library.
#[test]
fn apply_reads_the_system_filter_directory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let run = |system_dir: &str| {
        Command::new(env!("CARGO_BIN_EXE_nwf"))
            .args(["apply", "--dry-run", "fixtures/site-binding.nwf"])
            .current_dir(&dir)
            .env("NWF_SYSTEM_FILTER_DIR", system_dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("nwf runs")
    };
    let with = run("system-filters");
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    assert!(String::from_utf8_lossy(&with.stdout).contains("vnet7"));
    let without = run("");
    assert_eq!(without.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&without.stdout).is_empty());
}
