//! `nwf apply BINDING-FILE...`: instantiate every binding and replace nwf's
//! two nftables tables with the result in one transaction.

use std::path::PathBuf;

use nwf_backend::ruleset::{self, Port};
use nwf_syntax::{Diagnostic, Workspace};

use crate::sources::{self, Loaded, SourceArgs, Sources};
use crate::verdict::{self, Review};
use crate::{Outcome, nft, render};

/// Apply filter bindings to the kernel as one nftables transaction.
///
/// Every binding (libvirt <filterbinding>, the <interface>s of a domain XML,
/// or `bind` blocks of .nwf files) is instantiated with its filter tree,
/// taken from the stock filters, libvirt's filter directory
/// (/etc/libvirt/nwfilter, or `$NWF_SYSTEM_FILTER_DIR`; empty for none), the
/// --filter-dir directories and the binding files themselves. Nothing is
/// applied when any of these files has an error, or a warning that makes a
/// rule match more than its text says (unless --lenient); `nwf check` with
/// the same arguments reports the same. nwf's tables (`bridge nwf` and
/// `inet nwf`) are replaced as a whole; nothing else in the ruleset is
/// touched. If nft refuses the transaction, the previous ruleset stays
/// exactly as it was and the refused rules are reported at the filter rules
/// they came from.
/// Exit status: 0 applied, 1 input refused (or refused by nft), 2 usage or
/// I/O errors.
///
/// Examples:
///   nwf apply --dry-run vm1-binding.xml
///   nwf apply --filter-dir my-filters/ bindings/
///   nwf apply --check --format json domain.xml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories with the bindings (and filters) to apply.
    #[arg(required = true)]
    bindings: Vec<PathBuf>,
    #[command(flatten)]
    sources: SourceArgs,
    /// Print the ruleset instead of applying it.
    #[arg(long)]
    dry_run: bool,
    /// Apply nothing: compare the ruleset these bindings make with what the
    /// kernel holds, print the difference, and exit 1 if anything would
    /// change (for configuration-management runs).
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Form of the ruleset handed to nft (and printed by --dry-run).
    #[arg(long, value_enum, default_value_t)]
    format: ScriptFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ScriptFormat {
    /// `nft -f` text.
    #[default]
    Nft,
    /// libnftables JSON (`nft -j -f`).
    Json,
}

/// Loads the input of `command` and reviews it; prints the diagnostics
/// (hints aside) and, when the input is refused, why. `None` after an I/O
/// error, already printed.
pub(crate) fn load_and_review(
    command: &str,
    given: &[PathBuf],
    args: &SourceArgs,
) -> Option<(Loaded, Review)> {
    let loaded = match sources::load(&Sources::with_system_dir(given, &args.filter_dirs)) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf {command}: {message}");
            return None;
        }
    };
    let review = verdict::review(&loaded, args.policy());
    let shown: Vec<Diagnostic> = review
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity != nwf_syntax::Severity::Hint)
        .cloned()
        .collect();
    render::eprint(&loaded.workspace, &shown);
    if review.is_refused() {
        eprintln!(
            "nwf {command}: the ruleset is left as it is: {}",
            review.refusal()
        );
    }
    Some((loaded, review))
}

pub fn run(args: &Args) -> Outcome {
    let Some((Loaded { workspace, .. }, review)) =
        load_and_review("apply", &args.bindings, &args.sources)
    else {
        return Outcome::Failure;
    };
    if review.is_refused() {
        return Outcome::Findings;
    }
    if review.bound.len() > usize::from(u16::MAX) {
        eprintln!("nwf apply: more than {} interfaces", u16::MAX);
        return Outcome::Failure;
    }
    let ports: Vec<Port> = (1..=u16::MAX)
        .zip(review.bound)
        .map(|(id, bound)| Port {
            id,
            chains: bound.chains,
        })
        .collect();
    if ports.is_empty() {
        eprintln!("nwf apply: no bindings found");
        return Outcome::Failure;
    }
    let (script, origins) = match args.format {
        ScriptFormat::Nft => ruleset::apply_script_traced(&ports),
        ScriptFormat::Json => (ruleset::apply_json(&ports).to_string(), Vec::new()),
    };
    if args.dry_run {
        print!("{script}");
        if args.format == ScriptFormat::Json {
            println!();
        }
        return Outcome::Clean;
    }
    let mut nft_args = Vec::new();
    if args.format == ScriptFormat::Json {
        nft_args.push("-j");
    }
    if args.check {
        // First let nft validate the transaction (its refusals are mapped to
        // the filter rules), then compare what it would install with what
        // the kernel holds.
        nft_args.push("-c");
        let validated = finish("apply", &workspace, &nft_args, &script, &origins, || {});
        if validated != Outcome::Clean {
            return validated;
        }
        nft_args.pop();
        return compare_with_kernel(&nft_args, &script, ports.len());
    }
    finish("apply", &workspace, &nft_args, &script, &origins, || {
        eprintln!(
            "nwf apply: applied {} interface{}",
            ports.len(),
            if ports.len() == 1 { "" } else { "s" }
        );
    })
}

/// `--check`: the difference between nwf's tables in the kernel and the
/// tables `script` would install, as a unified diff on stdout.
fn compare_with_kernel(nft_args: &[&str], script: &str, n_ports: usize) -> Outcome {
    let wanted = match nft::scratch_listing(nft_args, script) {
        Ok(listing) => listing,
        Err(message) => {
            eprintln!("nwf apply: {message}");
            return Outcome::Failure;
        }
    };
    let installed = match nft::list_tables_text() {
        Ok(listing) => listing,
        Err(message) => {
            eprintln!("nwf apply: {message}");
            return Outcome::Failure;
        }
    };
    if wanted == installed {
        eprintln!(
            "nwf apply: the kernel already holds exactly these bindings ({n_ports} interface{}); nothing would change",
            if n_ports == 1 { "" } else { "s" }
        );
        return Outcome::Clean;
    }
    let diff = similar::TextDiff::from_lines(&installed, &wanted);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header("kernel (nwf tables now)", "bindings (after nwf apply)")
    );
    eprintln!("nwf apply: the kernel differs from these bindings; `nwf apply` would change it");
    Outcome::Findings
}

/// Runs the script through nft and reports the outcome; on refusal, maps
/// nft's errors to the filter rules they came from.
pub(crate) fn finish(
    command: &str,
    workspace: &Workspace,
    nft_args: &[&str],
    script: &str,
    origins: &[Option<nwf_backend::nft::Origin>],
    on_success: impl FnOnce(),
) -> Outcome {
    match nft::run_script(nft_args, script) {
        Ok(output) if output.status.success() => {
            on_success();
            Outcome::Clean
        }
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let errors = nwf_backend::nft_error::parse(&stderr, origins);
            let mapped: Vec<Diagnostic> = errors
                .iter()
                .filter_map(nwf_backend::nft_error::NftError::to_diagnostic)
                .collect();
            render::eprint(workspace, &mapped);
            if mapped.len() < errors.len() || errors.is_empty() {
                eprint!("{stderr}");
            }
            eprintln!("nwf {command}: nft refused the transaction; the ruleset is unchanged");
            Outcome::Findings
        }
        Err(message) => {
            eprintln!("nwf {command}: {message}");
            Outcome::Failure
        }
    }
}
