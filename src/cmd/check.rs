//! `nwf check PATH...`: every diagnostic of every file, rendered.

use std::path::PathBuf;

use crate::render::{self, Format};
use crate::{Outcome, files};

/// Check filter files and print every problem found.
///
/// The files are checked together with nwf's built-in copy of libvirt's
/// stock filters, so references to `clean-traffic` and friends resolve. A
/// directory means every *.xml and *.nwf file below it. Exit status: 0 when
/// there is no error (warnings allowed), 1 when there is at least one error,
/// 2 on usage or I/O errors.
///
/// Examples:
///   nwf check my-filter.xml
///   nwf check /etc/libvirt/nwfilter filters/
///   nwf check --format json filters/ | jq '.[] | .code'
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories to check.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: &Args) -> Outcome {
    let (workspace, user_files) = match files::load_workspace(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf check: {message}");
            return Outcome::Failure;
        }
    };
    let diagnostics = workspace.diagnostics();
    if let Err(err) = render::print(&workspace, &diagnostics, args.format) {
        eprintln!("nwf check: {err}");
        return Outcome::Failure;
    }
    if diagnostics.is_empty() && args.format == Format::Human {
        let n_files = user_files.len();
        eprintln!(
            "checked {n_files} file{}: no problems",
            if n_files == 1 { "" } else { "s" }
        );
    }
    if diagnostics.iter().any(nwf_syntax::Diagnostic::is_error) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}
