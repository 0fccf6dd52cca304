//! What the agent does with a learned address: the interface's own filter
//! is bound with `IP` set to the addresses learned (one transaction), and
//! the addresses are stored with the port, so that a restarted agent, a
//! later pass and `nwf status` know them. A DHCP lease that is not renewed
//! takes its address away when it ends.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use nwf_backend::plan::{self, InstalledState};
use nwf_backend::record::Record;
use nwf_syntax::ir::Binding;

use super::domain::{DomainView, Wanted};
use super::learner::Lesson;
use super::reconcile::{self, Reconciler, Summary};
use crate::sources::{self, Sources};
use crate::{files, nft, render, verdict};

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The addresses the kernel's record of `binding`'s port says were learned:
/// only while the port is bound to the same filter for the same MAC (a
/// learned address survives neither a change of filter nor of guest), and
/// without the leases that have ended.
pub fn in_kernel(
    state: &InstalledState,
    binding: &Binding,
    now: u64,
) -> Vec<(String, Option<u64>)> {
    let Some(record) = state
        .ports
        .get(&binding.portdev.value)
        .and_then(|port| port.record.as_ref())
    else {
        return Vec::new();
    };
    let mac = binding.mac.as_ref().map(|mac| mac.value.to_string());
    if record.filter != binding.filterref.filter.value || record.mac != mac {
        return Vec::new();
    }
    live(record, now)
}

/// A record's learned addresses whose lease has not ended.
fn live(record: &Record, now: u64) -> Vec<(String, Option<u64>)> {
    record
        .learning
        .iter()
        .flat_map(|learning| learning.addresses.iter())
        .filter(|(_, expiry)| expiry.is_none_or(|expiry| expiry > now))
        .cloned()
        .collect()
}

/// The earliest end of a lease the kernel holds, if any.
pub fn next_expiry() -> Option<u64> {
    let state = nft::installed().ok()?;
    state
        .ports
        .values()
        .filter_map(|port| port.record.as_ref()?.learning.as_ref())
        .flat_map(|learning| learning.addresses.iter().filter_map(|(_, expiry)| *expiry))
        .min()
}

/// Acts on what one packet taught about `interface`.
pub fn learn(reconciler: &Reconciler, interface: &str, lesson: &Lesson) -> Result<(), String> {
    let state = nft::installed()?;
    let Some(record) = state
        .ports
        .get(interface)
        .and_then(|port| port.record.clone())
    else {
        return Ok(());
    };
    let Some(learning) = &record.learning else {
        return Ok(());
    };
    let now = now();
    let mut addresses = live(&record, now);
    match (learning.mode.as_str(), lesson) {
        // `any` learns one address, the first the guest uses.
        ("any", Lesson::Used(address)) if addresses.is_empty() => {
            addresses.push((address.to_string(), None));
        }
        (
            "dhcp",
            Lesson::Ack {
                address,
                server,
                client,
                lease_seconds,
            },
        ) => {
            let client = client.map(|byte| format!("{byte:02x}")).join(":");
            if record.mac.as_deref().map(str::to_ascii_lowercase) != Some(client) {
                return Ok(()); // a lease for another guest on the same bridge
            }
            let servers: Vec<&str> = record
                .parameters
                .iter()
                .filter(|(name, _)| name == "DHCPSERVER")
                .map(|(_, value)| value.as_str())
                .collect();
            if !servers.is_empty() && !servers.contains(&server.to_string().as_str()) {
                eprintln!(
                    "nwf agent: {interface}: ignored a DHCP lease from {server}, not a DHCPSERVER"
                );
                return Ok(());
            }
            addresses.retain(|(known, _)| *known != address.to_string());
            addresses.push((address.to_string(), Some(now + u64::from(*lease_seconds))));
        }
        _ => return Ok(()),
    }
    rebind(reconciler, interface, &record, &addresses)
}

/// Takes away the addresses whose lease ended.
pub fn expire(reconciler: &Reconciler) -> Result<(), String> {
    let state = nft::installed()?;
    let now = now();
    for (interface, port) in &state.ports {
        let Some(record) = &port.record else { continue };
        let Some(learning) = &record.learning else {
            continue;
        };
        let left = live(record, now);
        if left.len() != learning.addresses.len() {
            let gone: BTreeSet<&str> = learning
                .addresses
                .iter()
                .filter(|address| !left.contains(address))
                .map(|(address, _)| address.as_str())
                .collect();
            eprintln!(
                "nwf agent: {interface}: the lease of {} ended",
                gone.into_iter().collect::<Vec<_>>().join(", ")
            );
            rebind(reconciler, interface, record, &left)?;
        }
    }
    Ok(())
}

/// Binds `interface` again as its record says, with `addresses` learned.
fn rebind(
    reconciler: &Reconciler,
    interface: &str,
    record: &Record,
    addresses: &[(String, Option<u64>)],
) -> Result<(), String> {
    let listing = nft::list_tables_json()?;
    let mut state = plan::read_installed(listing[0].as_deref(), listing[1].as_deref())?;
    let mut loaded = sources::load(&Sources {
        given: Vec::new(),
        filter_dirs: reconciler.filter_dirs.clone(),
        system_dir: sources::system_filter_dir(),
    })?;
    let (name, uuid) = record.domain.clone().unwrap_or_default();
    let view = DomainView {
        name,
        uuid,
        ..DomainView::default()
    };
    let wanted = Wanted {
        portdev: interface.to_owned(),
        mac: record.mac.clone().unwrap_or_default(),
        filter: record.filter.clone(),
        parameters: record.parameters.clone(),
        libvirt_filter: None,
    };
    let file = files::add_file(
        &mut loaded.workspace,
        reconcile::binding_path(&view, &wanted),
        view.binding_xml(&wanted),
    );
    loaded.given.push(file);
    let learned = addresses.to_vec();
    let (_, judged) = verdict::judge_each(&loaded, reconciler.policy, &|_| learned.clone());
    let label = reconcile::label(&view, interface);
    let Some(judged) = judged.into_iter().next() else {
        return Ok(());
    };
    let Some(bound) = judged.bound else {
        render::eprint(&loaded.workspace, &judged.refusing);
        eprintln!(
            "nwf agent: {label}: learned {addresses:?}, but the filter is refused; its rules stay"
        );
        return Ok(());
    };
    let mut summary = Summary::default();
    let mut used = state.installed.used_ids.clone();
    let Some(mut planned) = reconcile::plan_port(&state, &mut used, label, bound, &mut summary)
    else {
        return Ok(());
    };
    planned.record.source = record.source;
    reconcile::bind_planned(&mut state, &planned, &mut summary).map(drop)
}
