//! The two backends under comparison and one case's run on one of them:
//! fresh guests, the control run without any filter, the binding, the
//! filtered run, and the removal of the binding.
//!
//! Both backends get the same `<filterbinding>` file and the same filter
//! XML. libvirt binds it with `virsh nwfilter-binding-create` on the private
//! daemon; nwf with `nwf apply` run inside its host namespace, with
//! `NWF_SYSTEM_FILTER_DIR` pointing at the test's filter folder so that the
//! machine's `/etc/libvirt/nwfilter` is never read.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::daemon::Libvirtd;
use crate::lab::{Guests, Netns, Topology, run};

pub enum Backend<'a> {
    Libvirt(&'a Libvirtd),
    Nwf {
        binary: &'a Path,
        filter_dir: &'a Path,
    },
}

impl Backend<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Libvirt(_) => "libvirt",
            Backend::Nwf { .. } => "nwf",
        }
    }

    /// Installs the binding; `Err` is the backend's refusal.
    pub fn bind(&self, host: &Netns, binding: &Path) -> Result<(), String> {
        match self {
            Backend::Libvirt(daemon) => daemon
                .virsh(&["nwfilter-binding-create", &binding.to_string_lossy()])
                .map(drop),
            Backend::Nwf { binary, filter_dir } => run(Command::new("ip")
                .args(["netns", "exec", &host.name])
                .arg(binary)
                .arg("apply")
                .arg(binding)
                .env("NWF_SYSTEM_FILTER_DIR", filter_dir))
            .map(drop),
        }
    }

    /// Removes every trace of the binding from the host namespace. libvirt
    /// leaves empty base chains behind after a delete; the flush removes
    /// them, so every case starts from an empty ruleset on both sides.
    pub fn unbind(&self, host: &Netns, port: &str) -> Result<(), String> {
        if let Backend::Libvirt(daemon) = self {
            daemon.virsh(&["nwfilter-binding-delete", port])?;
        }
        run(Command::new("ip").args(["netns", "exec", &host.name, "nft", "flush", "ruleset"]))
            .map(drop)
    }
}

/// A probe's outcome: `pass`, `drop` or `partial`, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub verdict: String,
    pub detail: String,
}

pub type Verdicts = BTreeMap<String, Verdict>;

/// What one backend did with one case.
pub struct SideRun {
    pub control: Verdicts,
    /// `Err` holds the backend's message when it refused the binding.
    pub bind: Result<(), String>,
    pub filtered: Option<Verdicts>,
}

/// Paths the probe program needs.
pub struct Probes<'a> {
    pub program: &'a Path,
    pub set: &'a Path,
    pub topology: &'a Path,
}

impl Probes<'_> {
    /// One phase: every probe through the topology as it is now.
    pub fn run(&self, host: &Netns, guests: &Guests) -> Result<Verdicts, String> {
        let out = run(Command::new("/usr/bin/python3")
            .arg(self.program)
            .arg("run")
            .arg(self.set)
            .arg(self.topology)
            .args([&host.name, &guests.netns[0].name, &guests.netns[1].name]))?;
        let value: Value =
            serde_json::from_str(&out).map_err(|error| format!("probe output: {error}: {out}"))?;
        let object = value
            .as_object()
            .ok_or_else(|| format!("probe output is not an object: {out}"))?;
        object
            .iter()
            .map(|(id, result)| {
                let field = |key: &str| {
                    result[key]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("probe {id}: no `{key}`"))
                };
                Ok((
                    id.clone(),
                    Verdict {
                        verdict: field("verdict")?,
                        detail: field("detail")?,
                    },
                ))
            })
            .collect()
    }
}

/// Runs one case on one backend. `Err` is a broken harness or environment,
/// never a verdict.
pub fn run_case(
    backend: &Backend,
    host: &Netns,
    topo: &Topology,
    probes: &Probes,
    binding: &Path,
) -> Result<SideRun, String> {
    let guests = Guests::create(host, topo)?;
    let control = probes.run(host, &guests)?;
    let bind = backend.bind(host, binding);
    let filtered = match &bind {
        Ok(()) => Some(probes.run(host, &guests)),
        Err(_) => None,
    };
    let unbound = if bind.is_ok() {
        backend.unbind(host, &topo.guests[0].port)
    } else {
        // a refused binding may still have left chains behind
        run(Command::new("ip").args(["netns", "exec", &host.name, "nft", "flush", "ruleset"]))
            .map(drop)
    };
    let filtered = filtered.transpose()?;
    unbound.map_err(|error| format!("{}: removing the binding: {error}", backend.name()))?;
    Ok(SideRun {
        control,
        bind,
        filtered,
    })
}
