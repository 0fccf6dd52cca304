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
    let [bridge, inet] = list_tables_json()?;
    nwf_backend::plan::read_installed(bridge.as_deref(), inet.as_deref())
}

/// [`list_table`] of the bridge and the inet table.
pub fn list_tables_json() -> Result<[Option<String>; 2], String> {
    Ok([list_table("bridge")?, list_table("inet")?])
}

/// `nft list table FAMILY nwf` for both of nwf's tables, as nft prints them;
/// a missing table contributes nothing.
pub fn list_tables_text() -> Result<String, String> {
    let mut listing = String::new();
    for family in ["bridge", "inet"] {
        let output = Command::new(program())
            .args(["list", "table", family, nwf_backend::ruleset::TABLE])
            .output()
            .map_err(|err| format!("cannot run {}: {err}", program()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() {
            listing.push_str(&String::from_utf8_lossy(&output.stdout));
        } else if !stderr.contains("No such file or directory") {
            return Err(format!("nft list table {family} nwf: {}", stderr.trim()));
        }
    }
    Ok(listing)
}

/// Loads `script` into a fresh, empty network namespace (`unshare --net`)
/// and lists nwf's two tables back (`nft list`, or `nft -j list` when
/// `json`), so that each listing has exactly the shape nft gives for the
/// live kernel; `None` for a table the script does not create. The host's
/// ruleset is not touched.
pub fn scratch_tables(
    extra_args: &[&str],
    script: &str,
    json: bool,
) -> Result<[Option<String>; 2], String> {
    const END: &str = "@@nwf-end@@\n";
    const ABSENT: &str = "@@nwf-absent@@\n";
    let shell = r#"nft="$1"; list="$2"; shift 2; "$nft" "$@" -f - >/dev/null || exit 3; for family in bridge inet; do "$nft" $list table "$family" nwf 2>/dev/null || echo @@nwf-absent@@; echo @@nwf-end@@; done; exit 0"#;
    let list = if json { "-j list" } else { "list" };
    let mut child = Command::new("unshare")
        .args(["--net", "sh", "-c", shell, "sh", &program(), list])
        .args(extra_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run unshare: {err}"))?;
    child
        .stdin
        .take()
        .ok_or("unshare has no standard input")?
        .write_all(script.as_bytes())
        .map_err(|err| format!("writing to nft: {err}"))?;
    let output = child
        .wait_with_output()
        .map_err(|err| format!("waiting for nft: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "cannot load the ruleset into a scratch namespace: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut parts = stdout
        .split_terminator(END)
        .map(|part| (part != ABSENT).then(|| part.to_owned()));
    match (parts.next(), parts.next(), parts.next()) {
        (Some(bridge), Some(inet), None) => Ok([bridge, inet]),
        _ => Err("cannot read the scratch namespace's listing".to_owned()),
    }
}

/// `nft -j list chains`: the name of every chain of every table, the
/// ruleset's smallest listing that shows whose rules are installed.
pub fn list_chains_json() -> Result<String, String> {
    let output = Command::new(program())
        .args(["-j", "list", "chains"])
        .output()
        .map_err(|err| format!("cannot run {}: {err}", program()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "nft list chains: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
