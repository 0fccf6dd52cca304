//! `nwf unbind IFACE...`: remove interfaces' filtering, one transaction each.

use nwf_backend::plan;

use crate::{Outcome, nft};

/// Remove the filtering of interfaces, touching nothing else.
///
/// Each interface's map entries, chains and sets are removed in one
/// transaction. Exit status: 0 done, 1 an interface was not bound or nft
/// refused, 2 I/O errors.
///
/// Examples:
///   nwf unbind vnet0
///   nwf unbind --dry-run vnet0 vnet1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Interface names.
    #[arg(required = true)]
    interfaces: Vec<String>,
    /// Print the transactions instead of running them.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &Args) -> Outcome {
    let state = match nft::installed() {
        Ok(state) => state,
        Err(message) => {
            eprintln!("nwf unbind: {message}");
            return Outcome::Failure;
        }
    };
    let mut outcome = Outcome::Clean;
    for interface in &args.interfaces {
        let Some(previous) = state.ports.get(interface) else {
            eprintln!("nwf unbind: {interface} is not bound");
            outcome = Outcome::Findings;
            continue;
        };
        let script = plan::unbind_script(previous);
        if args.dry_run {
            print!("{script}");
            continue;
        }
        match nft::run_script(&[], &script) {
            Ok(output) if output.status.success() => eprintln!("nwf unbind: {interface} unbound"),
            Ok(output) => {
                eprint!("{}", String::from_utf8_lossy(&output.stderr));
                eprintln!("nwf unbind: nft refused; {interface} is unchanged");
                outcome = Outcome::Findings;
            }
            Err(message) => {
                eprintln!("nwf unbind: {message}");
                return Outcome::Failure;
            }
        }
    }
    outcome
}
