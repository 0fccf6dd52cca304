//! `nwf check PATH...`: every diagnostic of every file, rendered.

use std::path::PathBuf;

use crate::render::{self, Format};
use crate::sources::{self, Sources};
use crate::{Outcome, front_end};

/// Check filter files and print every problem found.
///
/// A directory means every *.xml and *.nwf file below it. Exit status: 0 when
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
    let paths = match sources::expand_paths(&args.paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("nwf check: {message}");
            return Outcome::Failure;
        }
    };
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    for path in paths {
        let text = match sources::read(&path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("nwf check: {message}");
                return Outcome::Failure;
            }
        };
        let file = sources.add(path, text);
        let source = sources.get(file).expect("just added");
        let (_, file_diagnostics) = front_end::parse(file, &source.path, &source.text);
        diagnostics.extend(file_diagnostics);
    }
    if let Err(err) = render::print(&sources, &diagnostics, args.format) {
        eprintln!("nwf check: {err}");
        return Outcome::Failure;
    }
    if diagnostics.iter().any(nwf_syntax::Diagnostic::is_error) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}
