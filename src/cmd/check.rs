//! `nwf check PATH...`: every diagnostic of every file, rendered, with the
//! same sources and the same verdict as `nwf apply`.

use std::path::PathBuf;

use crate::render::{self, Format};
use crate::sources::{self, SourceArgs, Sources};
use crate::{Outcome, verdict};

/// Check filter files and print every problem found.
///
/// The files are checked together with what `nwf apply` reads: nwf's
/// built-in copy of libvirt's stock filters, libvirt's filter directory
/// (/etc/libvirt/nwfilter, or `$NWF_SYSTEM_FILTER_DIR`; empty for none) and
/// the --filter-dir directories. A directory means every *.xml and *.nwf
/// file below it. Every binding in the files is instantiated as `nwf apply`
/// would, without touching the kernel. What check passes, `nwf apply` with
/// the same arguments accepts, and the other way round.
/// Exit status: 0 when nothing would be refused, 1 when there is an error
/// or a warning that makes a rule match more than its text says (the
/// latter allowed with --lenient), 2 on usage or I/O errors.
///
/// Examples:
///   nwf check my-filter.xml
///   nwf check --filter-dir filters/ vm1-binding.xml
///   nwf check --format json filters/ | jq '.[] | .code'
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories to check.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    sources: SourceArgs,
    /// Output format of the diagnostics.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: &Args) -> Outcome {
    let loaded = match sources::load(&Sources::with_system_dir(
        &args.paths,
        &args.sources.filter_dirs,
    )) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf check: {message}");
            return Outcome::Failure;
        }
    };
    let review = verdict::review(&loaded, args.sources.policy());
    if let Err(err) = render::print(&loaded.workspace, &review.diagnostics, args.format) {
        eprintln!("nwf check: {err}");
        return Outcome::Failure;
    }
    if args.format == Format::Human {
        if review.diagnostics.is_empty() {
            let n_files = loaded.given.len();
            eprintln!(
                "checked {n_files} file{}: no problems",
                if n_files == 1 { "" } else { "s" }
            );
        } else if review.is_refused() {
            eprintln!("nwf apply would refuse this: {}", review.refusal());
        }
    }
    warn_libvirt_filtered(&loaded);
    if review.is_refused() {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Says which bound interfaces libvirt's own nwfilter driver has rules on
/// (read from the live ruleset; nothing when it cannot be read): `apply`
/// would make both filter them. A note on the machine's state, not on the
/// files: it does not change the exit status.
fn warn_libvirt_filtered(loaded: &sources::Loaded) {
    let foreign = crate::libvirt_rules::live();
    if foreign.is_empty() {
        return;
    }
    for &file in &loaded.given {
        for binding in loaded.workspace.file(file).document().bindings() {
            let port = &binding.portdev.value;
            if let Some(chains) = foreign.get(port) {
                eprintln!(
                    "nwf check: note: {port}: libvirt's nwfilter driver has rules on this interface ({}); \
                     applying this binding would make both filter it (see `nwf adopt`)",
                    chains.join(", ")
                );
            }
        }
    }
}
