//! `nwf bind BINDING-FILE...`: bind (or re-bind) interfaces one at a time,
//! each in its own transaction that touches only that interface, and none
//! for an interface the kernel already holds exactly so.

use std::path::PathBuf;

use nwf_backend::plan::{self, view};
use nwf_backend::record::{self, Record};
use nwf_backend::ruleset::{self, Port};

use crate::cmd::apply::{finish, load_and_review};
use crate::report::{self, Action, RunArgs};
use crate::sources::{Loaded, SourceArgs};
use crate::{Outcome, nft};

/// Bind interfaces to their filters without touching other interfaces.
///
/// For each binding, one nftables transaction replaces that interface's
/// chains and map entries (or creates them); its size does not depend on how
/// many other interfaces are bound, and the interface's traffic goes from the
/// old rules to the new ones at once. An interface the kernel already holds
/// exactly as the binding makes it is left alone ("nothing to change"), so
/// a second run with the same input changes no handle. nwf's tables are
/// created on first use. What each binding said (domain, MAC, filter,
/// parameters) is stored with its port for `nwf status`. Filters come from
/// the same places as for `nwf apply`, and the same input is refused:
/// nothing is bound, and the kernel is not even asked, when any loaded file
/// has an error or a warning that widens a rule (unless --lenient).
///
/// Exit status:
///   0  bound, or nothing to change
///   1  input refused, or refused by nft
///   2  usage, I/O or system errors
///
/// Examples:
///   nwf bind vm1-binding.xml
///   nwf bind --dry-run --filter-dir my-filters/ vm2.xml
///   nwf bind --output json domain.xml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories with the bindings (and filters).
    #[arg(required = true)]
    bindings: Vec<PathBuf>,
    #[command(flatten)]
    sources: SourceArgs,
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: &Args) -> Outcome {
    let mut run = report::Run::new("bind", report::Outcome::Error);
    let Some((Loaded { workspace, .. }, review)) =
        load_and_review("bind", &args.bindings, &args.sources)
    else {
        return run.finish(args.run.output, Outcome::Failure);
    };
    if review.is_refused() {
        run.outcome = report::Outcome::Refused;
        return run.finish(args.run.output, Outcome::Findings);
    }
    let listing = match nft::list_tables_json() {
        Ok(listing) => listing,
        Err(message) if args.run.dry_run => {
            eprintln!("nwf bind: cannot read the installed ruleset ({message}); assuming none");
            [None, None]
        }
        Err(message) => {
            eprintln!("nwf bind: {message}");
            return run.finish(args.run.output, Outcome::Failure);
        }
    };
    let mut state = match plan::read_installed(listing[0].as_deref(), listing[1].as_deref()) {
        Ok(state) => state,
        Err(message) => {
            eprintln!("nwf bind: {message}");
            return run.finish(args.run.output, Outcome::Failure);
        }
    };
    let mut used = state.installed.used_ids.clone();
    let mut ports = Vec::new();
    let mut records = Vec::new();
    for bound in review.bound {
        let id = match state.ports.get(&bound.interface) {
            Some(port) if port.id != 0 => Some(port.id),
            _ => (1..=u16::MAX).find(|id| !used.contains(id)),
        };
        let Some(id) = id else {
            eprintln!("nwf bind: no free port id left for {}", bound.interface);
            return run.finish(args.run.output, Outcome::Failure);
        };
        used.insert(id);
        ports.push(Port {
            id,
            chains: bound.chains,
        });
        records.push(bound.record);
    }
    let unchanged = unchanged_ports(&listing, &ports, &records);
    run.outcome = report::Outcome::Unchanged;
    for ((port, record), same) in ports.iter().zip(&records).zip(unchanged) {
        let Some(interface) = port.chains.interface.as_ref() else {
            continue;
        };
        let previous = state.ports.get(interface.as_str());
        let mut entry = report::Entry {
            interface: interface.to_string(),
            port: Some(port.id),
            action: Some(Action::Unchanged),
        };
        if same {
            eprintln!(
                "nwf bind: {interface}: nothing to change (port {})",
                port.id
            );
            run.interfaces.push(entry);
            continue;
        }
        let script = plan::bind_script_recorded(&state.installed, previous, port, Some(record));
        if args.run.dry_run {
            print!("{script}");
        } else {
            let outcome = finish("bind", &workspace, &[], &script, &[], || {
                eprintln!("nwf bind: {interface} bound (port {})", port.id);
            });
            if outcome != Outcome::Clean {
                run.outcome = report::Outcome::Refused;
                return run.finish(args.run.output, outcome);
            }
        }
        entry.action = Some(if previous.is_some() {
            Action::Rebound
        } else {
            Action::Bound
        });
        run.interfaces.push(entry);
        run.outcome = report::Outcome::Applied;
        state.installed.tables = true;
        state.installed.used_ids.insert(port.id);
    }
    run.finish(args.run.output, Outcome::Clean)
}

/// For each port, whether the kernel (`listing`, its `nft -j list` of the
/// two tables) already holds exactly what binding it installs: its chains
/// and rules, sets, map elements and record, compared with the same port
/// loaded into a scratch namespace. When the comparison cannot be made
/// (nothing installed, no `unshare`), every port counts as changed.
pub(crate) fn unchanged_ports(
    listing: &[Option<String>; 2],
    ports: &[Port],
    records: &[Record],
) -> Vec<bool> {
    let changed = vec![false; ports.len()];
    if listing.iter().any(Option::is_none) {
        return changed;
    }
    let mut script = ruleset::apply_script(ports);
    script.push_str(&record::declare_script());
    for (port, record) in ports.iter().zip(records) {
        if let Some(interface) = &port.chains.interface {
            script.push_str(&record::add_script(interface, record));
        }
    }
    let Ok(wanted) = nft::scratch_tables(&[], &script, true) else {
        return changed;
    };
    let (Ok(wanted), Ok(installed)) = (
        view::Listing::parse(wanted[0].as_deref(), wanted[1].as_deref()),
        view::Listing::parse(listing[0].as_deref(), listing[1].as_deref()),
    ) else {
        return changed;
    };
    let keys: Vec<(&str, u16)> = ports
        .iter()
        .map(|port| {
            let interface = port
                .chains
                .interface
                .as_ref()
                .map_or("", |name| name.as_str());
            (interface, port.id)
        })
        .collect();
    wanted
        .port_views(&keys)
        .into_iter()
        .zip(installed.port_views(&keys))
        .map(|(wanted, installed)| !wanted.objects.is_empty() && wanted == installed)
        .collect()
}
