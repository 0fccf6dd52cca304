//! Idempotence and status against the kernel (needs root): in network
//! namespaces of their own, `nwf apply` and `nwf bind` run twice with the
//! same input leave `nft -a list ruleset` byte for byte as the first run
//! made it (handles included) and exit 0; `apply --check` exits 0 in sync,
//! 1 when `apply` would change something and 2 on refused input; `unbind`
//! of an interface that is not bound exits 0; `status` shows, from the
//! kernel alone, what a domain XML's and a `<filterbinding>`'s bindings
//! said. Each test has a control that shows its comparison can fail.
//!
//! Named `netns_*`; needs root, `ip`, `nft` and `unshare`. Without them a
//! test says it is skipped, and fails when `CI=true`. The fixtures are in
//! `tests/cli/fixtures/idempotence/`; filters come from the stock library.

#[path = "support/namespace.rs"]
mod namespace;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use namespace::stderr;

/// A domain XML binding `vnet0` (clean-traffic, two addresses) and a
/// filter binding of `vnet1`.
const DOMAIN: &str = "fixtures/idempotence/web01-domain.xml";
const BINDING: &str = "fixtures/idempotence/db01-binding.xml";

fn cli_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli")
}

struct Lab(namespace::Namespace);

impl Lab {
    fn new() -> Option<Lab> {
        match namespace::Namespace::new("idempotence") {
            Ok(namespace) => Some(Lab(namespace)),
            Err(reason) => {
                namespace::skip_or_fail(&reason);
                None
            }
        }
    }

    fn nwf(&self, args: &[&str]) -> Output {
        self.0
            .command_in(&cli_dir(), env!("CARGO_BIN_EXE_nwf"))
            .args(args)
            .output()
            .expect("nwf runs")
    }

    /// Runs `nwf args` and asserts its exit status.
    fn expect(&self, args: &[&str], code: i32) -> Output {
        let output = self.nwf(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "nwf {}\n{}",
            args.join(" "),
            stderr(&output)
        );
        output
    }

    fn ruleset(&self) -> String {
        self.0.ruleset_in(&cli_dir())
    }

    fn command(&self, program: &str) -> Command {
        self.0.command_in(&cli_dir(), program)
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", stdout(output)))
}

/// A copy of the domain fixture with other addresses, in a scratch file
/// of the test `tag`.
fn changed_domain(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nwf-netns-idempotence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let text = std::fs::read_to_string(cli_dir().join(DOMAIN)).expect("fixture");
    let changed = text.replace("192.0.2.11", "192.0.2.12");
    assert_ne!(changed, text);
    let path = dir.join(format!("web01-changed-{tag}.xml"));
    std::fs::write(&path, changed).expect("scratch written");
    path
}

#[test]
fn netns_apply_twice_changes_nothing() {
    let Some(lab) = Lab::new() else { return };
    lab.expect(&["apply", DOMAIN, BINDING], 0);
    let first = lab.ruleset();
    assert!(
        first.contains("vnet0") && first.contains("vnet1"),
        "{first}"
    );
    let again = lab.expect(&["apply", DOMAIN, BINDING], 0);
    assert!(
        stderr(&again).contains("nothing to change"),
        "{}",
        stderr(&again)
    );
    assert_eq!(lab.ruleset(), first, "a second apply changed the ruleset");
    let json_run = lab.expect(&["apply", "--output", "json", DOMAIN, BINDING], 0);
    assert_eq!(json(&json_run)["outcome"], "unchanged");
    assert_eq!(lab.ruleset(), first);
    // The JSON form of the same transaction is the same ruleset.
    let json_script = lab.expect(&["apply", "--script-format", "json", DOMAIN, BINDING], 0);
    assert!(stderr(&json_script).contains("nothing to change"));
    // The same bindings through `bind` are also already so.
    lab.expect(&["bind", DOMAIN, BINDING], 0);
    assert_eq!(lab.ruleset(), first, "bind after apply changed the ruleset");

    // Control: other input does change it, with new handles.
    let changed = changed_domain("apply");
    let changed = changed.to_str().expect("UTF-8 path");
    let applied = lab.expect(&["apply", "--output", "json", changed, BINDING], 0);
    assert_eq!(json(&applied)["outcome"], "applied");
    assert_ne!(lab.ruleset(), first, "the control apply changed nothing");
}

#[test]
fn netns_bind_twice_changes_nothing() {
    let Some(lab) = Lab::new() else { return };
    lab.expect(&["bind", DOMAIN], 0);
    lab.expect(&["bind", BINDING], 0);
    let first = lab.ruleset();
    let again = lab.expect(&["bind", "--output", "json", DOMAIN, BINDING], 0);
    let report = json(&again);
    assert_eq!(report["outcome"], "unchanged", "{report}");
    for interface in report["interfaces"].as_array().expect("a list") {
        assert_eq!(interface["action"], "unchanged", "{report}");
    }
    assert_eq!(
        stderr(&again).matches("nothing to change").count(),
        2,
        "{}",
        stderr(&again)
    );
    assert_eq!(lab.ruleset(), first, "a second bind changed the ruleset");
    // `apply --check` agrees that the kernel holds exactly these bindings.
    lab.expect(&["apply", "--check", DOMAIN, BINDING], 0);

    // Control: re-binding vnet0 with other addresses changes vnet0 only.
    let vnet1_rules = |ruleset: &str| -> Vec<String> {
        ruleset
            .lines()
            .filter(|line| line.contains("vnet1"))
            .map(str::to_owned)
            .collect()
    };
    let changed = changed_domain("bind");
    let rebound = lab.expect(
        &["bind", "--output", "json", changed.to_str().expect("UTF-8")],
        0,
    );
    assert_eq!(json(&rebound)["interfaces"][0]["action"], "rebound");
    let after = lab.ruleset();
    assert_ne!(after, first, "the control bind changed nothing");
    assert!(after.contains("192.0.2.12"), "{after}");
    assert_eq!(vnet1_rules(&after), vnet1_rules(&first));
}

#[test]
fn netns_apply_check_exit_codes() {
    let Some(lab) = Lab::new() else { return };
    let empty = lab.ruleset();
    let drift = lab.expect(&["apply", "--check", DOMAIN], 1);
    assert!(
        stdout(&drift).contains("+table bridge nwf"),
        "{}",
        stdout(&drift)
    );
    let drift_json = lab.expect(&["apply", "--check", "--output", "json", DOMAIN], 1);
    let report = json(&drift_json);
    assert_eq!(report["outcome"], "would-change");
    assert_eq!(report["exit"], 1);
    assert!(
        report["diff"]
            .as_str()
            .is_some_and(|diff| diff.contains("vnet0"))
    );
    assert_eq!(lab.ruleset(), empty, "--check changed the ruleset");

    lab.expect(&["apply", DOMAIN], 0);
    let installed = lab.ruleset();
    let in_sync = lab.expect(&["apply", "--check", "--output", "json", DOMAIN], 0);
    assert_eq!(json(&in_sync)["outcome"], "in-sync");
    assert!(stdout(&lab.expect(&["apply", "--check", DOMAIN], 0)).is_empty());
    lab.expect(&["apply", "--check", DOMAIN, BINDING], 1);

    // Refused input is a problem, not drift, and the kernel is not asked.
    let refused = lab.expect(
        &[
            "apply",
            "--check",
            "--output",
            "json",
            "fixtures/broken.xml",
        ],
        2,
    );
    assert_eq!(json(&refused)["outcome"], "refused");
    lab.expect(&["apply", "--check", "fixtures/no-such-file.xml"], 2);
    assert_eq!(lab.ruleset(), installed);
}

#[test]
fn netns_unbind_of_an_unbound_interface_is_not_an_error() {
    let Some(lab) = Lab::new() else { return };
    let nothing = lab.expect(&["unbind", "vnet7"], 0);
    assert!(
        stderr(&nothing).contains("vnet7 is not bound"),
        "{}",
        stderr(&nothing)
    );
    lab.expect(&["apply", DOMAIN, BINDING], 0);
    let before = lab.ruleset();
    let report = json(&lab.expect(&["unbind", "--output", "json", "vnet7"], 0));
    assert_eq!(report["interfaces"][0]["action"], "not-bound", "{report}");
    assert_eq!(lab.ruleset(), before);
    // Control: a bound interface is removed, with its record.
    let report = json(&lab.expect(&["unbind", "--output", "json", "vnet7", "vnet1"], 0));
    assert_eq!(report["interfaces"][1]["action"], "unbound", "{report}");
    let after = lab.ruleset();
    assert!(
        !after.contains("vnet1") && after.contains("vnet0"),
        "{after}"
    );
    let status = json(&lab.expect(&["status", "--output", "json"], 0));
    assert_eq!(status["interfaces"].as_array().map(Vec::len), Some(1));
}

#[test]
fn netns_status_shows_what_the_bindings_said() {
    let Some(lab) = Lab::new() else { return };
    let empty = lab.expect(&["status"], 0);
    assert_eq!(stdout(&empty), "nwf tables are not installed\n");
    for (how, commands) in [
        ("apply", vec![vec!["apply", DOMAIN, BINDING]]),
        ("bind", vec![vec!["bind", BINDING], vec!["bind", DOMAIN]]),
    ] {
        lab.expect(&["flush"], 0);
        for command in &commands {
            lab.expect(command, 0);
        }
        let text = stdout(&lab.expect(&["status"], 0));
        let report = json(&lab.expect(&["status", "--output", "json"], 0));
        let pretty = serde_json::to_string_pretty(&report).expect("serialisable");
        // Port ids follow the order of binding; the rest does not.
        let (vnet0_port, vnet1_port) = if how == "apply" { (1, 2) } else { (2, 1) };
        assert_eq!(report["interfaces"][0]["port"], vnet0_port, "{pretty}");
        assert_eq!(report["interfaces"][1]["port"], vnet1_port, "{pretty}");
        let normalised = |text: &str| {
            text.replace(&format!("port {vnet0_port}"), "port P0")
                .replace(&format!("port {vnet1_port}"), "port P1")
        };
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => "status after apply and after bind (port ids as P0, P1)",
        }, {
            insta::assert_snapshot!("status-text", normalised(&text));
        });
        let mut stable = report.clone();
        for interface in stable["interfaces"].as_array_mut().expect("a list") {
            interface["port"] = serde_json::Value::from("P");
        }
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => "status --output json after apply and after bind (port ids as P)",
        }, {
            insta::assert_snapshot!(
                "status-json",
                serde_json::to_string_pretty(&stable).expect("serialisable")
            );
        });
        // The same facts, field by field, so that a snapshot accepted by
        // mistake cannot hide them.
        let vnet0 = &report["interfaces"][0];
        assert_eq!(vnet0["interface"], "vnet0");
        assert_eq!(vnet0["source"], "domain");
        assert_eq!(vnet0["domain"]["name"], "web01");
        assert_eq!(
            vnet0["domain"]["uuid"],
            "8d3e6f2a-1b4c-4d5e-8f90-a1b2c3d4e5f6"
        );
        assert_eq!(vnet0["mac"], "52:54:00:3a:10:01");
        assert_eq!(vnet0["filter"], "clean-traffic");
        assert_eq!(
            vnet0["ip_addresses"],
            serde_json::json!(["192.0.2.10", "192.0.2.11"])
        );
        assert_eq!(vnet0["parameters"][1]["value"], "192.0.2.11");
        let vnet1 = &report["interfaces"][1];
        assert_eq!(vnet1["source"], "filterbinding");
        assert_eq!(vnet1["domain"]["name"], "db01");
        assert_eq!(vnet1["mac"], "52:54:00:3a:20:01");
        assert_eq!(vnet1["ip_addresses"], serde_json::json!(["198.51.100.20"]));
        assert!(text.contains("domain     web01 (8d3e6f2a"), "{text}");
    }
    // The record lives in the kernel: nft itself shows it.
    let listing = lab
        .command("nft")
        .args(["list", "set", "bridge", "nwf", "binding_info"])
        .output()
        .expect("nft runs");
    let listing = stdout(&listing);
    assert!(listing.contains("domain=web01"), "{listing}");
    // vnet0's record is longer than one comment: the pieces join up.
    assert!(
        listing.contains("\"vnet0\" . 0x00000001 comment"),
        "{listing}"
    );
}
