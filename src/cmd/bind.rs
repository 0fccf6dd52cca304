//! `nwf bind BINDING-FILE...`: bind (or re-bind) interfaces one at a time,
//! each in its own transaction that touches only that interface.

use std::path::PathBuf;

use nwf_backend::plan;
use nwf_syntax::Diagnostic;

use crate::cmd::apply::{build, finish, load, report};
use crate::{Outcome, nft};

/// Bind interfaces to their filters without touching other interfaces.
///
/// For each binding, one nftables transaction replaces that interface's
/// chains and map entries (or creates them); its size does not depend on how
/// many other interfaces are bound, and the interface's traffic goes from the
/// old rules to the new ones at once. nwf's tables are created on first use.
/// Exit status: 0 bound, 1 errors in the input or refused by nft, 2 usage or
/// I/O errors.
///
/// Examples:
///   nwf bind vm1-binding.xml
///   nwf bind --dry-run --filter-dir my-filters/ vm2.xml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories with the bindings.
    #[arg(required = true)]
    bindings: Vec<PathBuf>,
    /// Directories (or files) with filter definitions.
    #[arg(long = "filter-dir", value_name = "DIR")]
    filter_dirs: Vec<PathBuf>,
    /// Print the transactions instead of running them.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &Args) -> Outcome {
    let (workspace, binding_files) = match load(&args.bindings, &args.filter_dirs) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf bind: {message}");
            return Outcome::Failure;
        }
    };
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
    let (ports, diagnostics) = build(&workspace, &binding_files, |interface| {
        if let Some(port) = state.ports.get(interface) {
            return Some(port.id);
        }
        let id = (1..=u16::MAX).find(|id| !used.contains(id))?;
        used.insert(id);
        Some(id)
    });
    report(&workspace, &diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        eprintln!("nwf bind: nothing bound");
        return Outcome::Findings;
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
