//! Fail closed against the kernel (needs root): in a network namespace of
//! its own, a valid binding is applied, then every case of
//! `tests/cli/refused/` is handed to `nwf apply`, `nwf apply --check` and
//! `nwf bind` (for real, not `--dry-run`) from each of the three places
//! filters come from. Every command must exit 1, and `nft -a list ruleset`
//! inside the namespace must stay byte for byte what it was, handles
//! included. A control run at the end shows that the same setup does
//! change the ruleset when the input is accepted (`--lenient` on a
//! widening case), so the comparison can fail.
//!
//! Named `netns_*`; needs root, `ip` and `nft`. Without them the test says
//! it is skipped, and fails when `CI=true`. The diagnostics themselves are
//! checked by `tests/cli/refused.rs`, without root.

#[path = "support/refused_cases.rs"]
mod refused_cases;

use std::path::PathBuf;
use std::process::{Command, Output};

use refused_cases::{PLACES, cli_dir};

/// A network namespace, deleted on drop.
struct Namespace {
    name: String,
}

impl Namespace {
    fn new() -> Result<Namespace, String> {
        let name = format!("nwf-failclosed-{}", std::process::id());
        let output = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .map_err(|error| format!("cannot run ip: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "cannot create a network namespace (root needed): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Namespace { name })
    }

    /// `ip netns exec NAME program args...`, run in `tests/cli/`.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.name, program])
            .current_dir(cli_dir())
            .env("NO_COLOR", "1")
            .env("NWF_SYSTEM_FILTER_DIR", "");
        command
    }

    fn nwf(&self) -> Command {
        self.command(env!("CARGO_BIN_EXE_nwf"))
    }

    /// The whole ruleset of the namespace, with handles.
    fn ruleset(&self) -> String {
        let output = self
            .command("nft")
            .args(["-a", "list", "ruleset"])
            .output()
            .expect("nft runs");
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).expect("nft prints UTF-8")
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nwf-netns-failclosed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// The commands that must refuse, run for real.
const REFUSING: [&[&str]; 3] = [&["apply"], &["apply", "--check"], &["bind"]];

#[test]
fn netns_refused_commands_leave_the_ruleset_byte_for_byte() {
    let namespace = match Namespace::new() {
        Ok(namespace) => namespace,
        Err(reason) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but the netns test cannot run: {reason}"
            );
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let kept = namespace
        .nwf()
        .args(["apply", "fixtures/refused/kept-binding.xml"])
        .output()
        .expect("nwf runs");
    assert!(kept.status.success(), "{}", stderr(&kept));
    let before = namespace.ruleset();
    assert!(
        before.contains("table bridge nwf") && before.contains("vnet0"),
        "the kept binding is not in the ruleset:\n{before}"
    );

    let root = scratch();
    let cases = refused_cases::cases();
    assert!(cases.len() >= 40, "the refused folder lost cases");
    let mut n_runs = 0;
    for case in &cases {
        let staged = refused_cases::stage(case, &root);
        for place in PLACES {
            for command in REFUSING {
                let mut nwf = namespace.nwf();
                nwf.args(command);
                staged.place(&mut nwf, place);
                let output = nwf.output().expect("nwf runs");
                let what = format!(
                    "{}: {} with the case in {place:?}",
                    staged.name,
                    command.join(" ")
                );
                assert_eq!(output.status.code(), Some(1), "{what}\n{}", stderr(&output));
                assert_eq!(namespace.ruleset(), before, "{what} changed the ruleset");
                n_runs += 1;
            }
        }
    }
    assert_eq!(n_runs, cases.len() * PLACES.len() * REFUSING.len());

    // Control: an accepted command in the same setup does change it.
    let widening = cases
        .iter()
        .find(|case| case.to_string_lossy().contains("widening-NWF005"))
        .expect("the misspelt-attribute case");
    let staged = refused_cases::stage(widening, &root);
    let mut lenient = namespace.nwf();
    lenient.args(["apply", "--lenient"]);
    staged.place(&mut lenient, refused_cases::Place::FilterDir);
    let output = lenient.output().expect("nwf runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_ne!(
        namespace.ruleset(),
        before,
        "the control run changed nothing"
    );
    let _ = std::fs::remove_dir_all(&root);
}
