//! `nwf lsp`: the language server, speaking the Language Server Protocol
//! on stdin and stdout until the editor says `exit` or disconnects (exit
//! code 0 after `shutdown`, 1 without, as the protocol asks). All the work
//! is in the nwf-lsp crate; this only starts it.

use crate::Outcome;

/// Run the language server on stdin/stdout (for editors).
///
/// Editors start it themselves; see docs/editors.md for VS Code, Neovim
/// and Helix. Logs go to stderr; stdout carries the protocol only.
///
/// Exit status: 0 after `shutdown` and `exit`, 1 on `exit` without
/// `shutdown` (as the protocol asks), 2 when the server cannot start.
///
/// Examples:
///   nwf lsp                  (what an editor's client runs)
///   nwf lsp --stdio          (the same, for clients that always pass it)
///   nwf lsp 2> nwf-lsp.log   (keep the server's log while debugging)
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Accepted for compatibility with clients that always pass it; stdio
    /// is the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: &Args) -> Outcome {
    let _ = args.stdio;
    match nwf_lsp::run_blocking() {
        Ok(nwf_lsp::SessionEnd::ShutDown) => Outcome::Clean,
        // The protocol asks for exit code 1 when `exit` comes without a
        // `shutdown` before it.
        Ok(nwf_lsp::SessionEnd::Abandoned) => Outcome::Findings,
        Err(err) => {
            eprintln!("nwf lsp: cannot start: {err}");
            Outcome::Failure
        }
    }
}
