//! `nwf fmt [--check] PATH...`: rewrite `.nwf` files in their canonical
//! form (the text printer's output), or with `--check` only report the
//! files that are not. Files with errors are left alone: formatting prints
//! the IR, and the IR lacks whatever did not parse.

use std::path::PathBuf;

use nwf_syntax::Workspace;

use crate::render::{self, Format};
use crate::{Outcome, files, front_end};

/// Format .nwf files in place in their canonical form.
///
/// A directory means every *.nwf file below it. Files with errors are not
/// touched (their diagnostics are printed); warnings are printed and the
/// file is formatted with libvirt's reading of it. With --check nothing is
/// written: the command lists the files that would change and exits 1 if
/// there are any.
///
/// Exit status: 0 formatted (--check: nothing would change), 1 a file has
/// errors (or, with --check, would change), 2 usage or I/O errors.
///
/// Examples:
///   nwf fmt filters/
///   nwf fmt --check web.nwf
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Only report files that are not formatted; exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Files or directories to format.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Outcome {
    let paths = match files::expand_paths(&args.paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("nwf fmt: {message}");
            return Outcome::Failure;
        }
    };
    let mut outcome = Outcome::Clean;
    let mut workspace = Workspace::default();
    for path in paths.into_iter().filter(|path| front_end::is_text(path)) {
        let text = match files::read(&path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("nwf fmt: {message}");
                return Outcome::Failure;
            }
        };
        let file = files::add_file(&mut workspace, path.clone(), text);
        let source = workspace.file(file);
        let diagnostics = source.parse_diagnostics().to_vec();
        if !diagnostics.is_empty() {
            let _ = render::print(&workspace, &diagnostics, Format::Human);
        }
        if diagnostics.iter().any(nwf_syntax::Diagnostic::is_error) {
            eprintln!("nwf fmt: {} has errors; not formatted", path.display());
            outcome = Outcome::Findings;
            continue;
        }
        let formatted = nwf_syntax::text::print_text(source.document());
        if formatted == source.text() {
            continue;
        }
        if args.check {
            println!("would reformat {}", path.display());
            outcome = Outcome::Findings;
        } else if let Err(err) = std::fs::write(&path, formatted) {
            eprintln!("nwf fmt: {}: {err}", path.display());
            return Outcome::Failure;
        } else {
            println!("formatted {}", path.display());
        }
    }
    outcome
}
