//! IP address learning (`CTRL_IP_LEARNING='any'`), nwf against libvirt:
//! `clean-traffic` bound without an `IP` on both sides (libvirt learns in
//! its own daemon; nwf's side runs `nwf agent --learn-only` in its host
//! namespace), then
//!
//! 1. the learning phase: the probes that teach neither backend anything
//!    (no IPv4 or ARP frame from the guest with the guest's own MAC, and
//!    nothing the guest's kernel answers with one);
//! 2. one teaching probe (`out-icmp`: IPv4 from the guest's own address),
//!    then a wait until both rulesets hold that address;
//! 3. every probe, with the learned address in force.
//!
//! Each phase's verdicts must agree probe by probe.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::backend::{Backend, Probes, SideRun, Verdicts};
use crate::lab::{Guests, Netns, Topology};

/// Whether a probe may run while the guest's address is being learned:
/// it must not show either backend an IPv4 or ARP frame from the guest
/// with its own MAC, nor make the guest's kernel send one.
pub fn teaches_nothing(probe: &Value, guest_mac: &str) -> bool {
    let id = probe["id"].as_str().unwrap_or_default();
    if probe["kind"] != "frame" {
        return false; // exchanges make the guest answer
    }
    let Some(frame) = probe["frame"].as_str() else {
        return false;
    };
    let source = frame.get(12..24).unwrap_or_default();
    let ethertype = frame.get(24..28).unwrap_or_default();
    let own_mac = source == guest_mac.replace(':', "");
    let ip_or_arp = ethertype == "0800" || ethertype == "0806";
    match probe["sender"].as_str() {
        Some("g1") => !(own_mac && ip_or_arp),
        // Frames to the guest: only those its kernel does not answer over
        // IPv4 or ARP.
        _ => !ip_or_arp && !id.contains("arp"),
    }
}

/// Writes the probes of `set` that `keep` keeps into `to`; their ids.
pub fn subset(set: &Path, to: &Path, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let text = std::fs::read_to_string(set).expect("probe set");
    let probes: Vec<Value> = serde_json::from_str(&text).expect("probe set is JSON");
    let kept: Vec<Value> = probes.into_iter().filter(|probe| keep(probe)).collect();
    std::fs::write(to, serde_json::to_string(&kept).expect("JSON")).expect("probe subset");
    kept.iter()
        .map(|probe| probe["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The three phases on one backend.
pub struct LearningRun {
    pub control: Verdicts,
    pub bind: Result<(), String>,
    pub learning: Option<Verdicts>,
    pub learned: Option<Verdicts>,
    /// How long the backend took to hold the taught address.
    pub took: Option<Duration>,
}

impl LearningRun {
    /// The run of one phase in the shape `report::compare` takes.
    pub fn phase(&self, learned: bool) -> SideRun {
        SideRun {
            control: self.control.clone(),
            bind: self.bind.clone(),
            filtered: if learned {
                self.learned.clone()
            } else {
                self.learning.clone()
            },
        }
    }
}

/// The sets of the three phases.
pub struct Phases<'a> {
    pub all: Probes<'a>,
    pub learning: Probes<'a>,
    pub teach: Probes<'a>,
}

/// An `nwf agent --learn-only` in `host`, stopped (SIGTERM) when dropped.
struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .output();
        let _ = self.0.wait();
    }
}

pub fn run_learning(
    backend: &Backend,
    host: &Netns,
    topo: &Topology,
    phases: &Phases,
    binding: &Path,
) -> Result<LearningRun, String> {
    let guests = Guests::create(host, topo)?;
    let control = phases.all.run(host, &guests)?;
    let _agent = match backend {
        Backend::Nwf { binary, filter_dir } => Some(Agent(
            Command::new("ip")
                .args(["netns", "exec", &host.name])
                .arg(binary)
                .args(["agent", "--learn-only"])
                .env("NWF_SYSTEM_FILTER_DIR", filter_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|error| format!("starting nwf agent: {error}"))?,
        )),
        Backend::Libvirt(_) => None,
    };
    let bind = backend.bind(host, binding);
    let mut run = LearningRun {
        control,
        bind: bind.clone(),
        learning: None,
        learned: None,
        took: None,
    };
    if bind.is_ok() {
        // libvirt installs its learning rules from a thread of its own,
        // after the binding is created: wait until the port has them.
        let port = &topo.guests[0].port;
        let has_rules = || {
            Command::new("ip")
                .args(["netns", "exec", &host.name, "nft", "list", "ruleset"])
                .output()
                .is_ok_and(|out| {
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .any(|line| line.contains("drop") || line.contains("DROP"))
                        && String::from_utf8_lossy(&out.stdout).contains(port.as_str())
                })
        };
        let waited = Instant::now();
        while waited.elapsed() < Duration::from_secs(10) && !has_rules() {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        run.learning = Some(phases.learning.run(host, &guests)?);
        let address = &topo.guests[0].ip4;
        let started = Instant::now();
        phases.teach.run(host, &guests)?;
        let ruleset = || {
            Command::new("ip")
                .args(["netns", "exec", &host.name, "nft", "list", "ruleset"])
                .output()
                .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
                .unwrap_or_default()
        };
        while started.elapsed() < Duration::from_secs(20) && !ruleset().contains(address.as_str()) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if ruleset().contains(address.as_str()) {
            run.took = Some(started.elapsed());
            // Both install the filter in steps; let them finish.
            std::thread::sleep(Duration::from_secs(2));
            run.learned = Some(phases.all.run(host, &guests)?);
        } else {
            run.bind = Err(format!(
                "{} never held the taught address {address}",
                backend.name()
            ));
        }
    }
    backend.unbind(host, &topo.guests[0].port)?;
    Ok(run)
}
