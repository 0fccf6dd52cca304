//! `nwf status`: which interfaces nwf filters, and with what, as the kernel
//! reports it.

use nwf_backend::plan::InstalledPort;

use crate::report::{self, Output};
use crate::{Outcome, nft};

/// Show the interfaces nwf filters: port id, and what the binding said.
///
/// Reads nwf's two tables back from the kernel (`nft -j list table`) and
/// the names of the ruleset's chains, and nothing else: for each interface
/// its port id, where the binding came from (a domain XML with the
/// domain's name and UUID, a <filterbinding>, a .nwf `bind`, or `nwf
/// agent`), the guest's MAC, the filter, its parameters, the IP
/// addresses in use (the values of IP and IPV6) and its chains; and which
/// interfaces libvirt's own nwfilter driver has rules on (chains named
/// libvirt-I-IF, FI-IF, ... in the ruleset), with a line on each interface
/// both filter. The binding is remembered in the kernel when `apply`,
/// `bind` or the agent installs it; an interface installed by an older nwf
/// shows its port and chains only.
///
/// Exit status:
///   0  shown (also when nothing is installed)
///   2  the ruleset cannot be read (nft missing, no permission)
///
/// Examples:
///   nwf status
///   nwf status --output json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Form of the report: text (one block per interface) or json (one
    /// object).
    #[arg(long, value_enum, default_value_t, visible_alias = "format")]
    output: Output,
}

pub fn run(args: &Args) -> Outcome {
    let state = match nft::installed() {
        Ok(state) => state,
        Err(message) => {
            eprintln!("nwf status: {message}");
            return Outcome::Failure;
        }
    };
    let foreign = crate::libvirt_rules::live();
    let status = report::Status {
        tables: state.installed.tables,
        interfaces: state
            .ports
            .iter()
            .filter(|(_, port)| port.id != 0)
            .map(|(name, port)| {
                let mut status = interface_status(name, port);
                status.libvirt_chains = foreign.get(name).cloned().unwrap_or_default();
                status
            })
            .collect(),
        libvirt_filtered: foreign.keys().cloned().collect(),
    };
    match args.output {
        Output::Json => report::print_json(&status),
        Output::Text => print_text(&status),
    }
    Outcome::Clean
}

fn interface_status(name: &str, port: &InstalledPort) -> report::InterfaceStatus {
    let names = |names: &[nwf_backend::nft::Name]| names.iter().map(ToString::to_string).collect();
    let record = port.record.as_ref();
    report::InterfaceStatus {
        interface: name.to_owned(),
        port: port.id,
        source: record.map(|record| record.source.as_str()),
        domain: record
            .and_then(|record| record.domain.clone())
            .map(|(name, uuid)| report::Domain { name, uuid }),
        mac: record.and_then(|record| record.mac.clone()),
        filter: record.map(|record| record.filter.clone()),
        parameters: record
            .map(|record| {
                record
                    .parameters
                    .iter()
                    .map(|(name, value)| report::Parameter {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ip_addresses: record
            .map(|record| {
                record
                    .ip_addresses()
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        bridge_chains: names(&port.bridge_chains),
        inet_chains: names(&port.inet_chains),
        learning: record
            .and_then(|record| record.learning.as_ref())
            .map(|learning| report::LearningStatus {
                mode: learning.mode.clone(),
                addresses: learning
                    .addresses
                    .iter()
                    .map(|(address, expires)| report::LearnedAddress {
                        address: address.clone(),
                        expires: *expires,
                    })
                    .collect(),
            }),
        libvirt_chains: Vec::new(),
    }
}

fn print_text(status: &report::Status) {
    if !status.tables {
        println!("nwf tables are not installed");
    } else if status.interfaces.is_empty() {
        println!("no interfaces bound");
    }
    for interface in &status.interfaces {
        println!("{}  port {}", interface.interface, interface.port);
        let field = |label: &str, value: String| println!("  {label:<11}{value}");
        match (&interface.domain, interface.source) {
            (Some(domain), Some("domain")) => {
                field("domain", format!("{} ({})", domain.name, domain.uuid));
            }
            (Some(domain), _) => field("owner", format!("{} ({})", domain.name, domain.uuid)),
            _ => {}
        }
        if let Some(source) = interface.source {
            field("from", source.to_owned());
        }
        if let Some(mac) = &interface.mac {
            field("mac", mac.clone());
        }
        match &interface.filter {
            Some(filter) => field("filter", filter.clone()),
            None => field("filter", "(not recorded)".to_owned()),
        }
        for parameter in &interface.parameters {
            field(
                "parameter",
                format!("{}={}", parameter.name, parameter.value),
            );
        }
        if !interface.ip_addresses.is_empty() {
            field("ip", interface.ip_addresses.join(", "));
        }
        if let Some(learning) = &interface.learning {
            if learning.addresses.is_empty() {
                field(
                    "learning",
                    format!("{} (waiting for the guest's address)", learning.mode),
                );
            }
            for address in &learning.addresses {
                let expires = address.expires.map_or_else(String::new, |expires| {
                    format!(", lease ends in {} s", expires.saturating_sub(now()))
                });
                field(
                    "learned",
                    format!("{} ({}{expires})", address.address, learning.mode),
                );
            }
        }
        field(
            "chains",
            format!(
                "{} bridge, {} inet",
                interface.bridge_chains.len(),
                interface.inet_chains.len()
            ),
        );
        if !interface.libvirt_chains.is_empty() {
            field(
                "libvirt",
                format!(
                    "libvirt's nwfilter driver filters it too: {}",
                    interface.libvirt_chains.join(", ")
                ),
            );
        }
    }
    if !status.libvirt_filtered.is_empty() {
        println!(
            "libvirt's nwfilter driver filters: {}",
            status.libvirt_filtered.join(", ")
        );
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
