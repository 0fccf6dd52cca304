//! `nwf adopt` and `nwf release`: move a domain's filter references between
//! libvirt's nwfilter driver (`<filterref>` in an `<interface>`) and nwf
//! (`<metadata>`, read by `nwf agent`), through libvirt's API, for the
//! running domain (live) and its persistent definition (config).
//!
//! The order never leaves a running interface open. Adopting: first nwf's
//! metadata is set (the agent binds the interface: for a moment both
//! libvirt's and nwf's rules filter it, each as strict as the filter), then
//! the command waits until the kernel holds nwf's rules for the tap, and
//! only then removes libvirt's `<filterref>` (libvirt drops its rules).
//! Releasing: first libvirt's `<filterref>` is put back (libvirt
//! instantiates its rules before the update returns), then nwf's metadata
//! is removed (the agent unbinds).

use std::time::{Duration, Instant};

use virt::connect::Connect;
use virt::domain::Domain;
use virt::sys;

use super::domain::NAMESPACE;
use super::metadata::{self, FilterRef};
use crate::{Outcome, nft};

/// Hand the filtering of domains' interfaces from libvirt to nwf.
///
/// For each domain, every <interface> with a <filterref> gets its filter
/// reference moved into nwf's <metadata> element, live (a running domain)
/// and in the persistent definition. On a running domain the command waits
/// until `nwf agent` has bound each interface before it removes libvirt's
/// filter reference, so the interface is filtered all along; if the agent
/// does not bind it in time, libvirt's filter reference stays and the
/// command fails.
///
/// Exit status:
///   0  every interface handed over (or nothing to hand over)
///   1  an interface was not bound by the agent in time; libvirt still filters it
///   2  libvirt cannot be reached or refused a change
///
/// Examples:
///   nwf adopt vm1 vm2
///   nwf adopt --connect qemu:///system --timeout 30 web01
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
#[allow(clippy::doc_markdown)] // the text is `nwf adopt --help`, not rustdoc
pub struct AdoptArgs {
    /// Domains, by name or UUID.
    #[arg(required = true)]
    domains: Vec<String>,
    #[command(flatten)]
    connection: super::ConnectArgs,
    /// Seconds to wait for the agent to bind a running interface.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Hand the filtering of domains' interfaces from nwf back to libvirt.
///
/// For each domain, every entry of nwf's <metadata> element becomes a
/// <filterref> of its <interface> again, live and in the persistent
/// definition; then nwf's metadata is removed, and `nwf agent` unbinds the
/// interfaces. libvirt's nwfilter driver must be running.
///
/// Exit status:
///   0  every interface handed back (or nothing to hand back)
///   2  libvirt cannot be reached or refused a change
///
/// Examples:
///   nwf release vm1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
#[allow(clippy::doc_markdown)] // the text is `nwf release --help`, not rustdoc
pub struct ReleaseArgs {
    /// Domains, by name or UUID.
    #[arg(required = true)]
    domains: Vec<String>,
    #[command(flatten)]
    connection: super::ConnectArgs,
}

/// The two places a domain's XML lives: the running domain and its
/// persistent definition.
fn targets(domain: &Domain) -> Result<Vec<(u32, &'static str, String)>, String> {
    let mut targets = Vec::new();
    if domain.is_active().map_err(|error| error.to_string())? {
        targets.push((
            sys::VIR_DOMAIN_AFFECT_LIVE,
            "live",
            domain.xml_desc(0).map_err(|error| error.to_string())?,
        ));
    }
    if domain.is_persistent().map_err(|error| error.to_string())? {
        let xml = domain
            .xml_desc(sys::VIR_DOMAIN_XML_INACTIVE)
            .map_err(|error| error.to_string())?;
        targets.push((sys::VIR_DOMAIN_AFFECT_CONFIG, "config", xml));
    }
    Ok(targets)
}

fn lookup(connect: &Connect, name: &str) -> Result<Domain, String> {
    connect
        .lookup_domain_by_name(name)
        .or_else(|_| connect.lookup_domain_by_uuid_string(name))
        .map_err(|error| format!("no domain `{name}`: {error}"))
}

fn set_metadata(domain: &Domain, entries: &[(String, FilterRef)], flag: u32) -> Result<(), String> {
    let xml = (!entries.is_empty()).then(|| metadata::metadata_xml(entries));
    domain
        .set_metadata(
            i32::try_from(sys::VIR_DOMAIN_METADATA_ELEMENT).expect("small"),
            xml.as_deref(),
            xml.as_ref().map(|_| "nwf"),
            Some(NAMESPACE),
            flag,
        )
        .map_err(|error| format!("setting nwf's metadata: {error}"))
}

pub fn adopt(args: &AdoptArgs) -> Outcome {
    let connect = match Connect::open(Some(&args.connection.connect)) {
        Ok(connect) => connect,
        Err(error) => {
            eprintln!(
                "nwf adopt: cannot connect to {}: {error}",
                args.connection.connect
            );
            return Outcome::Failure;
        }
    };
    let mut outcome = Outcome::Clean;
    for name in &args.domains {
        match adopt_domain(&connect, name, Duration::from_secs(args.timeout)) {
            Ok(Outcome::Clean) => {}
            Ok(other) => outcome = worst(outcome, other),
            Err(message) => {
                eprintln!("nwf adopt: {name}: {message}");
                outcome = Outcome::Failure;
            }
        }
    }
    outcome
}

fn adopt_domain(connect: &Connect, name: &str, timeout: Duration) -> Result<Outcome, String> {
    let domain = lookup(connect, name)?;
    let mut outcome = Outcome::Clean;
    let mut moved = 0;
    for (flag, place, xml) in targets(&domain)? {
        let interfaces = metadata::interfaces(&xml)?;
        let taken: Vec<&metadata::InterfaceXml> = interfaces
            .iter()
            .filter(|interface| interface.filterref.is_some())
            .collect();
        if taken.is_empty() {
            continue;
        }
        let mut entries: Vec<(String, FilterRef)> = metadata::entries(&xml)?
            .into_iter()
            .filter(|(mac, _)| !taken.iter().any(|interface| &interface.mac == mac))
            .collect();
        entries.extend(taken.iter().map(|interface| {
            (
                interface.mac.clone(),
                interface.filterref.clone().expect("filtered above"),
            )
        }));
        set_metadata(&domain, &entries, flag)?;
        for interface in taken {
            let filter = &interface.filterref.as_ref().expect("filtered above").filter;
            let what = interface.dev.as_deref().unwrap_or(&interface.mac);
            if flag == sys::VIR_DOMAIN_AFFECT_LIVE {
                let Some(dev) = &interface.dev else { continue };
                if !wait_for_agent(dev, filter, timeout) {
                    eprintln!(
                        "nwf adopt: {name}/{dev}: nwf agent did not bind it within {} s (is it running?); \
                         libvirt keeps filtering it, and nwf's metadata names it",
                        timeout.as_secs()
                    );
                    outcome = worst(outcome, Outcome::Findings);
                    continue;
                }
            }
            let stripped = metadata::without_filterref(&interface.text)?;
            domain
                .update_device_flags(&stripped, flag)
                .map_err(|error| {
                    format!("{what}: removing libvirt's <filterref> ({place}): {error}")
                })?;
            eprintln!("nwf adopt: {name}/{what}: {filter} is nwf's now ({place})");
            moved += 1;
        }
    }
    if moved == 0 && outcome == Outcome::Clean {
        eprintln!("nwf adopt: {name}: no interface with libvirt's <filterref>; nothing to do");
    }
    Ok(outcome)
}

/// Whether the kernel holds nwf's binding of `dev` to `filter`, made by the
/// agent, within `timeout`.
fn wait_for_agent(dev: &str, filter: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let bound = nft::installed().is_ok_and(|state| {
            state.ports.get(dev).is_some_and(|port| {
                port.record.as_ref().is_some_and(|record| {
                    record.source == nwf_backend::record::Source::Agent && record.filter == filter
                })
            })
        });
        if bound {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn release(args: &ReleaseArgs) -> Outcome {
    let connect = match Connect::open(Some(&args.connection.connect)) {
        Ok(connect) => connect,
        Err(error) => {
            eprintln!(
                "nwf release: cannot connect to {}: {error}",
                args.connection.connect
            );
            return Outcome::Failure;
        }
    };
    let mut outcome = Outcome::Clean;
    for name in &args.domains {
        if let Err(message) = release_domain(&connect, name) {
            eprintln!("nwf release: {name}: {message}");
            outcome = Outcome::Failure;
        }
    }
    outcome
}

fn release_domain(connect: &Connect, name: &str) -> Result<(), String> {
    let domain = lookup(connect, name)?;
    let mut moved = 0;
    for (flag, place, xml) in targets(&domain)? {
        let entries = metadata::entries(&xml)?;
        if entries.is_empty() {
            continue;
        }
        let interfaces = metadata::interfaces(&xml)?;
        // Entries for interfaces the domain does not have (yet) stay.
        let mut kept = Vec::new();
        for (mac, filterref) in &entries {
            let Some(interface) = interfaces.iter().find(|interface| &interface.mac == mac) else {
                kept.push((mac.clone(), filterref.clone()));
                continue;
            };
            let what = interface.dev.as_deref().unwrap_or(mac);
            if interface.filterref.is_some() {
                eprintln!(
                    "nwf release: {name}/{what}: has libvirt's <filterref> already ({place}); kept"
                );
                continue;
            }
            let restored = metadata::with_filterref(&interface.text, filterref)?;
            domain
                .update_device_flags(&restored, flag)
                .map_err(|error| {
                    format!("{what}: putting libvirt's <filterref> back ({place}): {error}")
                })?;
            eprintln!(
                "nwf release: {name}/{what}: {} is libvirt's again ({place})",
                filterref.filter
            );
            moved += 1;
        }
        if !kept.is_empty() {
            eprintln!(
                "nwf release: {name}: nwf's metadata keeps {} entr{} for MACs the domain has no interface with ({place})",
                kept.len(),
                if kept.len() == 1 { "y" } else { "ies" }
            );
        }
        set_metadata(&domain, &kept, flag)?;
    }
    if moved == 0 {
        eprintln!("nwf release: {name}: no interface in nwf's care; nothing to do");
    }
    Ok(())
}

fn worst(a: Outcome, b: Outcome) -> Outcome {
    let rank = |outcome: Outcome| match outcome {
        Outcome::Clean => 0,
        Outcome::Findings => 1,
        Outcome::Failure => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}
