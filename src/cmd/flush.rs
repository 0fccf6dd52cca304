//! `nwf flush`: remove nwf's tables, and nothing else.

use nwf_backend::ruleset;

use crate::{Outcome, nft};

/// Remove nwf's two tables (`bridge nwf`, `inet nwf`) in one transaction.
///
/// Nothing else in the ruleset is touched. Removing tables that do not exist
/// is not an error.
///
/// Exit status:
///   0  removed (or there was nothing to remove)
///   1  refused by nft
///   2  nft cannot be run
///
/// Examples:
///   nwf flush
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(_args: &Args) -> Outcome {
    match nft::run_script(&[], &ruleset::flush_script()) {
        Ok(output) if output.status.success() => Outcome::Clean,
        Ok(output) => {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!("nwf flush: nft refused");
            Outcome::Findings
        }
        Err(message) => {
            eprintln!("nwf flush: {message}");
            Outcome::Failure
        }
    }
}
