//! Running `nft`: the only place the binary talks to the kernel's
//! firewall. `$NWF_NFT` overrides the program (e.g. a wrapper that enters a
//! network namespace); the default is `nft` on `$PATH`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn program() -> String {
    std::env::var("NWF_NFT").unwrap_or_else(|_| "nft".to_owned())
}

/// Runs `nft ARGS -f -` with `script` on standard input: one transaction.
pub fn run_script(extra_args: &[&str], script: &str) -> Result<Output, String> {
    let mut child = Command::new(program())
        .args(extra_args)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", program()))?;
    child
        .stdin
        .take()
        .ok_or("nft has no standard input")?
        .write_all(script.as_bytes())
        .map_err(|err| format!("writing to nft: {err}"))?;
    child
        .wait_with_output()
        .map_err(|err| format!("waiting for nft: {err}"))
}

/// `nft -j list table FAMILY nwf`: `None` when the table does not exist.
pub fn list_table(family: &str) -> Result<Option<String>, String> {
    let output = Command::new(program())
        .args(["-j", "list", "table", family, nwf_backend::ruleset::TABLE])
        .output()
        .map_err(|err| format!("cannot run {}: {err}", program()))?;
    if output.status.success() {
        return Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No such file or directory") {
        Ok(None)
    } else {
        Err(format!("nft list table {family} nwf: {}", stderr.trim()))
    }
}

/// What is installed now, read back from the kernel.
pub fn installed() -> Result<nwf_backend::plan::InstalledState, String> {
    let bridge = list_table("bridge")?;
    let inet = list_table("inet")?;
    nwf_backend::plan::read_installed(bridge.as_deref(), inet.as_deref())
}
