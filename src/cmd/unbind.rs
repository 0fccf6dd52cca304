//! `nwf unbind IFACE...`: remove interfaces' filtering, one transaction each.

use nwf_backend::plan;

use crate::report::{self, Action, RunArgs};
use crate::{Outcome, nft};

/// Remove the filtering of interfaces, touching nothing else.
///
/// Each interface's map entries, chains, sets and record are removed in one
/// transaction. An interface that is not bound is not an error: there is
/// nothing to do, and a note says so.
///
/// Exit status:
///   0  unbound, or not bound
///   1  refused by nft (that interface is unchanged)
///   2  usage, I/O or system errors
///
/// Examples:
///   nwf unbind vnet0
///   nwf unbind --dry-run vnet0 vnet1
///   nwf unbind --output json vnet0
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Interface names.
    #[arg(required = true)]
    interfaces: Vec<String>,
    #[command(flatten)]
    run: RunArgs,
}

pub fn run(args: &Args) -> Outcome {
    let mut run = report::Run::new("unbind", report::Outcome::Unchanged);
    let state = match nft::installed() {
        Ok(state) => state,
        Err(message) => {
            eprintln!("nwf unbind: {message}");
            run.outcome = report::Outcome::Error;
            return run.finish(args.run.output, Outcome::Failure);
        }
    };
    let mut outcome = Outcome::Clean;
    for interface in &args.interfaces {
        let mut entry = report::Entry {
            interface: interface.clone(),
            port: None,
            action: Some(Action::NotBound),
        };
        let Some(previous) = state.ports.get(interface) else {
            eprintln!("nwf unbind: {interface} is not bound; nothing to do");
            run.interfaces.push(entry);
            continue;
        };
        entry.port = Some(previous.id);
        let script = plan::unbind_script(previous);
        if args.run.dry_run {
            print!("{script}");
            continue;
        }
        match nft::run_script(&[], &script) {
            Ok(output) if output.status.success() => {
                eprintln!("nwf unbind: {interface} unbound");
                entry.action = Some(Action::Unbound);
                run.outcome = report::Outcome::Applied;
            }
            Ok(output) => {
                eprint!("{}", String::from_utf8_lossy(&output.stderr));
                eprintln!("nwf unbind: nft refused; {interface} is unchanged");
                entry.action = None;
                run.outcome = report::Outcome::Refused;
                outcome = Outcome::Findings;
            }
            Err(message) => {
                eprintln!("nwf unbind: {message}");
                run.outcome = report::Outcome::Error;
                return run.finish(args.run.output, Outcome::Failure);
            }
        }
        run.interfaces.push(entry);
    }
    run.finish(args.run.output, outcome)
}
