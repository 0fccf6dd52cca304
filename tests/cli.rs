//! CLI behaviour, data-driven: every `tests/cli/*.case` file is one run of
//! the real `nwf` binary. The file's first line holds the arguments
//! (whitespace-separated), optionally preceded by `NAME=VALUE` words that
//! set environment variables, as in a shell; the rest, if any, is fed to
//! stdin. The run's exit code, stdout and stderr are compared with the
//! case's insta snapshot. Commands run in `tests/cli/`, so cases name
//! fixtures relative to it.
//!
//! No run reads the host's configuration: [`nwf`] points libvirt's filter
//! directory (`NWF_SYSTEM_FILTER_DIR`) at nothing unless a case names a
//! fixture folder for it, and the cache and home directories at an empty
//! scratch folder.

#[path = "cli/refused.rs"]
mod refused;
#[path = "support/refused_cases.rs"]
mod refused_cases;

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use refused_cases::cli_dir;
use std::process::{Command, Stdio};

/// A scratch folder of this test process (not cleaned: it lives under the
/// system's temporary directory and holds only small copies).
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nwf-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// The `nwf` binary, run in `tests/cli/` with a controlled environment:
/// no colour, no libvirt filter directory, an empty cache and home, and no
/// `nft` (a case that needs the kernel's answer sets `NWF_NFT` itself), so
/// that the host's ruleset never shows in a snapshot.
fn nwf() -> Command {
    let home = scratch().join("home");
    std::fs::create_dir_all(&home).expect("scratch home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_nwf"));
    command
        .current_dir(cli_dir())
        .env("NO_COLOR", "1")
        .env("NWF_SYSTEM_FILTER_DIR", "")
        .env("NWF_NFT", "/nonexistent/nft")
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"));
    command
}

#[test]
fn cli_cases() {
    let dir = cli_dir();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cli exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "case"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no CLI cases found in {}", dir.display());
    for case in cases {
        let text = std::fs::read_to_string(&case).expect("case is UTF-8");
        let (line, stdin) = text.split_once('\n').unwrap_or((&text, ""));
        let mut words = line.split_whitespace().peekable();
        let mut command = nwf();
        while let Some((name, value)) = words.peek().and_then(|word| word.split_once('=')) {
            command.env(name, value);
            words.next();
        }
        let mut child = command
            .args(words)
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
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        // Help texts name the directory; a file in it must never show up.
        assert!(
            !stdout.contains("/etc/libvirt/nwfilter/")
                && !stderr.contains("/etc/libvirt/nwfilter/"),
            "{}: the host's libvirt configuration leaked into the run",
            case.display()
        );
        let rendered = format!(
            "$ nwf {line}\nexit: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            output
                .status
                .code()
                .map_or_else(|| "signal".to_owned(), |code| code.to_string()),
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
/// stand-in named by `NWF_SYSTEM_FILTER_DIR`) after the stock library, and
/// `nwf check` reads the same directory.
#[test]
fn apply_and_check_read_the_system_filter_directory() {
    let run = |command: &str, system_dir: &str| {
        let mut args = vec![command];
        if command == "apply" {
            args.push("--dry-run");
        }
        args.push("fixtures/site-binding.nwf");
        nwf()
            .args(&args)
            .env("NWF_SYSTEM_FILTER_DIR", system_dir)
            .output()
            .expect("nwf runs")
    };
    let with = run("apply", "system-filters");
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    assert!(String::from_utf8_lossy(&with.stdout).contains("vnet7"));
    let without = run("apply", "");
    assert_eq!(without.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&without.stdout).is_empty());
    assert_eq!(run("check", "system-filters").status.code(), Some(0));
    let check_without = run("check", "");
    assert_eq!(check_without.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check_without.stdout).contains("NWF202"));
}

/// libvirt installs its own copies of the stock filters in its filter
/// directory. A copy (here nwf's stock filters respelled as installed
/// copies are: no comments, a UUID of their own, default rule priorities
/// left out) replaces nothing: `check` gives no NWF201 for it, and the
/// user's own replacement in a `--filter-dir` replaces it without a
/// conflict. A file that differs from the stock filter still gets the hint,
/// once.
#[test]
fn check_gives_no_hint_for_libvirts_copies_of_stock_filters() {
    let dir = scratch().join("system-copies");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for (idx, filter) in nwf_syntax::stock::FILTERS.iter().enumerate() {
        let body = filter
            .source
            .split_once("-->")
            .map_or(filter.source, |(_, rest)| rest);
        let mut copy = String::new();
        for line in body.trim_start().lines() {
            if line.trim_start().starts_with("<rule") {
                copy.push_str(&line.replace(" priority='500'", ""));
            } else {
                copy.push_str(line);
            }
            copy.push('\n');
            if line.starts_with("<filter") {
                let _ = writeln!(copy, "  <uuid>00000000-0000-4000-8000-{idx:012}</uuid>");
            }
        }
        assert_ne!(copy, filter.source);
        std::fs::write(dir.join(filter.file_name()), copy).expect("copy written");
    }
    let check = |system_dir: &std::path::Path| {
        nwf()
            .args(["check", "fixtures/web.xml"])
            .env("NWF_SYSTEM_FILTER_DIR", system_dir)
            .output()
            .expect("nwf runs")
    };
    let copies = check(&dir);
    assert_eq!(copies.status.code(), Some(0));
    assert!(
        copies.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&copies.stdout)
    );

    // The user's own clean-traffic in a --filter-dir replaces libvirt's
    // copy without a conflict (one hint, no NWF200), and is what applies.
    let own = scratch().join("own-filters");
    std::fs::create_dir_all(&own).expect("scratch folder");
    std::fs::write(
        own.join("clean-traffic.xml"),
        "<filter name='clean-traffic' chain='root'>\n  <rule action='drop' direction='out'>\n    <mac dstmacaddr='02:00:00:00:be:ef'/>\n  </rule>\n</filter>\n",
    )
    .expect("own filter written");
    let with_own = |command: &[&str]| {
        nwf()
            .args(command)
            .arg("--filter-dir")
            .arg(&own)
            .arg("fixtures/refused/kept-binding.xml")
            .env("NWF_SYSTEM_FILTER_DIR", &dir)
            .output()
            .expect("nwf runs")
    };
    let checked = with_own(&["check"]);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert_eq!(checked.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout.matches("[NWF201]").count(), 1, "{stdout}");
    assert!(!stdout.contains("[NWF200]"), "{stdout}");
    let applied = with_own(&["apply", "--dry-run"]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stdout).contains("02:00:00:00:be:ef"));
    let _ = std::fs::remove_dir_all(&own);

    let clean_traffic = dir.join("clean-traffic.xml");
    let text = std::fs::read_to_string(&clean_traffic).expect("copy readable");
    let changed = text.replace("  <filterref filter='qemu-announce-self'/>\n", "");
    assert_ne!(
        changed, text,
        "the copy of clean-traffic should lose its last reference"
    );
    std::fs::write(&clean_traffic, changed).expect("copy changed");
    let differing = check(&dir);
    let stdout = String::from_utf8_lossy(&differing.stdout);
    assert_eq!(differing.status.code(), Some(0));
    assert_eq!(stdout.matches("[NWF201]").count(), 1, "{stdout}");
    assert!(
        stdout.contains("`clean-traffic` replaces the stock filter"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
