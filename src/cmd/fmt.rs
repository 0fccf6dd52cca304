//! `nwf fmt [--check] PATH...`: rewrite `.nwf` files in their canonical
//! form (the text printer's output), or with `--check` only report the
//! files that are not. Files with errors are left alone: formatting prints
//! the IR, and the IR lacks whatever did not parse. So are files whose
//! formatting would lose content (`nwf_syntax::lossless`: an attribute
//! libvirt ignores, a negation it overrides), unless `--lossy`.

use std::path::PathBuf;

use nwf_syntax::Workspace;
use nwf_syntax::lossless::{self, Form, Source};

use crate::render::{self, Format};
use crate::{Outcome, files, front_end};

/// Format .nwf files in place in their canonical form.
///
/// A directory means every *.nwf file below it. Files with errors are not
/// touched (their diagnostics are printed); nor are files whose formatting
/// would drop something they say (a warning such as NWF115 or NWF116 marks
/// each place, and NWF903 refuses) unless --lossy is given, which formats
/// them with libvirt's reading of them. Other warnings are printed and the
/// file is formatted. Comments that move are not a loss. With --check nothing is
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
    /// Also format files whose canonical form drops something they say
    /// (what libvirt ignores or overrides).
    #[arg(long)]
    lossy: bool,
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
        let mut diagnostics = source.parse_diagnostics().to_vec();
        let lost = lossless::losses(
            &Source {
                file,
                text: source.text(),
                form: Form::Text,
                document: source.document(),
                diagnostics: &diagnostics,
            },
            Form::Text,
        );
        let has_errors = diagnostics.iter().any(nwf_syntax::Diagnostic::is_error);
        let refusal = if has_errors || args.lossy {
            None
        } else {
            lossless::refusal(&lost)
        };
        diagnostics.extend(refusal.clone());
        if !diagnostics.is_empty() {
            let _ = render::print(&workspace, &diagnostics, Format::Human);
        }
        if has_errors {
            eprintln!("nwf fmt: {} has errors; not formatted", path.display());
            outcome = Outcome::Findings;
            continue;
        }
        if refusal.is_some() {
            eprintln!(
                "nwf fmt: formatting {} would lose content; not formatted (--lossy formats anyway)",
                path.display()
            );
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
