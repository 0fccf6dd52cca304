//! A network namespace of the netns suites' own, in which `nwf` and `nft`
//! run against a ruleset no one else sees; deleted on drop. The host's
//! ruleset is never touched.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Namespace {
    name: String,
}

impl Namespace {
    /// A fresh namespace named `nwf-PREFIX-PID-N`; `Err` when it cannot be
    /// made (no root, no `ip`). Under `CI=true` that is a failure, not a
    /// skip: the caller passes the reason to [`skip_or_fail`].
    pub fn new(prefix: &str) -> Result<Namespace, String> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "nwf-{prefix}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
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

    /// `ip netns exec NAME program`, run in `dir` without colour and
    /// without libvirt's filter directory.
    pub fn command_in(&self, dir: &Path, program: &str) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.name, program])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("NWF_SYSTEM_FILTER_DIR", "");
        command
    }

    /// The whole ruleset of the namespace, with handles.
    pub fn ruleset_in(&self, dir: &Path) -> String {
        let output = self
            .command_in(dir, "nft")
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

/// Says why a netns test cannot run; panics instead when `CI=true`.
pub fn skip_or_fail(reason: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the netns test cannot run: {reason}"
    );
    eprintln!("skipped: {reason}");
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
