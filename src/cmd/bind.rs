//! `nwf bind BINDING-FILE...`: bind (or re-bind) interfaces one at a time,
//! each in its own transaction that touches only that interface.

use std::path::PathBuf;

use nwf_backend::plan;
use nwf_backend::ruleset::Port;

use crate::cmd::apply::{finish, load_and_review};
use crate::sources::{Loaded, SourceArgs};
use crate::{Outcome, nft};

/// Bind interfaces to their filters without touching other interfaces.
///
/// For each binding, one nftables transaction replaces that interface's
/// chains and map entries (or creates them); its size does not depend on how
/// many other interfaces are bound, and the interface's traffic goes from the
/// old rules to the new ones at once. nwf's tables are created on first use.
/// Filters come from the same places as for `nwf apply`, and the same input
/// is refused: nothing is bound, and the kernel is not even asked, when any
/// loaded file has an error or a warning that widens a rule (unless
/// --lenient).
/// Exit status: 0 bound, 1 input refused (or refused by nft), 2 usage or
/// I/O errors.
///
/// Examples:
///   nwf bind vm1-binding.xml
///   nwf bind --dry-run --filter-dir my-filters/ vm2.xml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories with the bindings (and filters).
    #[arg(required = true)]
    bindings: Vec<PathBuf>,
    #[command(flatten)]
    sources: SourceArgs,
    /// Print the transactions instead of running them.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &Args) -> Outcome {
    let Some((Loaded { workspace, .. }, review)) =
        load_and_review("bind", &args.bindings, &args.sources)
    else {
        return Outcome::Failure;
    };
    if review.is_refused() {
        return Outcome::Findings;
    }
    let mut state = match nft::installed() {
        Ok(state) => state,
        Err(message) if args.dry_run => {
            eprintln!("nwf bind: cannot read the installed ruleset ({message}); assuming none");
            plan::InstalledState::default()
        }
        Err(message) => {
            eprintln!("nwf bind: {message}");
            return Outcome::Failure;
        }
    };
    let mut used = state.installed.used_ids.clone();
    let mut ports = Vec::new();
    for bound in review.bound {
        let id = match state.ports.get(&bound.interface) {
            Some(port) => Some(port.id),
            None => (1..=u16::MAX).find(|id| !used.contains(id)),
        };
        let Some(id) = id else {
            eprintln!("nwf bind: no free port id left for {}", bound.interface);
            return Outcome::Failure;
        };
        used.insert(id);
        ports.push(Port {
            id,
            chains: bound.chains,
        });
    }
    for port in &ports {
        let Some(interface) = port.chains.interface.as_ref() else {
            continue;
        };
        let previous = state.ports.get(interface.as_str());
        let script = plan::bind_script(&state.installed, previous, port);
        if args.dry_run {
            print!("{script}");
        } else {
            let outcome = finish("bind", &workspace, &[], &script, &[], || {
                eprintln!("nwf bind: {interface} bound (port {})", port.id);
            });
            if outcome != Outcome::Clean {
                return outcome;
            }
        }
        state.installed.tables = true;
        state.installed.used_ids.insert(port.id);
    }
    Outcome::Clean
}
