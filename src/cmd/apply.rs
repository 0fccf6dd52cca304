//! `nwf apply BINDING-FILE...`: instantiate every binding and make nwf's
//! two nftables tables hold exactly the result, in one transaction, or
//! nothing at all when the kernel already holds it (`--check`: only say
//! whether it does).

use std::path::PathBuf;

use nwf_backend::record::{self, Record};
use nwf_backend::ruleset::{self, Port};
use nwf_syntax::{Diagnostic, Workspace};

use crate::report::{self, Output};
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
/// touched. When the kernel already holds exactly these tables, nothing is
/// done ("nothing to change"): a second run with the same input leaves
/// every handle as it was. If nft refuses the transaction, the previous
/// ruleset stays exactly as it was and the refused rules are reported at
/// the filter rules they came from. What each binding said (domain, MAC,
/// filter, parameters) is stored with its port for `nwf status`.
///
/// Exit status:
///   0  applied, or nothing to change (--check: the kernel is in sync)
///   1  input refused, or refused by nft (--check: the kernel differs)
///   2  usage, I/O or system errors (--check: also refused input)
///
/// Examples:
///   nwf apply --dry-run vm1-binding.xml
///   nwf apply --filter-dir my-filters/ bindings/
///   nwf apply --check --output json domain.xml
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
    /// kernel holds, print the difference, and exit 0 when in sync, 1 when
    /// `apply` would change something, 2 on refused input or errors (for
    /// configuration-management runs).
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Form of the ruleset handed to nft (and printed by --dry-run).
    /// `--format` is its older name.
    #[arg(long, value_enum, default_value_t, visible_alias = "format")]
    script_format: ScriptFormat,
    /// Form of the report: text (sentences on stderr, the diff of --check
    /// on stdout) or json (one object on stdout).
    #[arg(long, value_enum, default_value_t, conflicts_with = "dry_run")]
    output: Output,
    /// Replace also the interfaces `nwf agent` bound (by default `apply`
    /// refuses to remove them: on an agent host, use `nwf bind`).
    #[arg(long)]
    replace_agent: bool,
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
    // What interfaces that learn their address learned already stays, while
    // they stay bound to the same filter for the same guest (so a second
    // `apply` or `bind` of the same input changes nothing).
    let installed = nft::installed().ok();
    let now = crate::agent::learned_now();
    let review = verdict::review_learned(&loaded, args.policy(), &|binding| {
        installed
            .as_ref()
            .map(|state| crate::agent::learned_in_kernel(state, binding, now))
            .unwrap_or_default()
    });
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
    let mut run = report::Run::new("apply", report::Outcome::Error);
    // --check tells drift (1) from problems (2).
    let refused = if args.check {
        Outcome::Failure
    } else {
        Outcome::Findings
    };
    let Some((Loaded { workspace, .. }, review)) =
        load_and_review("apply", &args.bindings, &args.sources)
    else {
        return run.finish(args.output, Outcome::Failure);
    };
    if review.is_refused() {
        run.outcome = report::Outcome::Refused;
        return run.finish(args.output, refused);
    }
    if review.bound.len() > usize::from(u16::MAX) {
        eprintln!("nwf apply: more than {} interfaces", u16::MAX);
        return run.finish(args.output, Outcome::Failure);
    }
    let (ports, records): (Vec<Port>, Vec<Record>) = (1..=u16::MAX)
        .zip(review.bound)
        .map(|(id, bound)| {
            (
                Port {
                    id,
                    chains: bound.chains,
                },
                bound.record,
            )
        })
        .unzip();
    if ports.is_empty() {
        eprintln!("nwf apply: no bindings found");
        return run.finish(args.output, Outcome::Failure);
    }
    run.interfaces = ports
        .iter()
        .filter_map(|port| {
            Some(report::Entry {
                interface: port.chains.interface.as_ref()?.to_string(),
                port: Some(port.id),
                action: None,
            })
        })
        .collect();
    let (script, origins) = script(&ports, &records, args.script_format);
    if args.dry_run {
        print!("{script}");
        if args.script_format == ScriptFormat::Json {
            println!();
        }
        return Outcome::Clean;
    }
    let mut nft_args = Vec::new();
    if args.script_format == ScriptFormat::Json {
        nft_args.push("-j");
    }
    let n_ports = plural(ports.len(), "interface");
    if args.check {
        // First let nft validate the transaction (its refusals are mapped to
        // the filter rules), then compare what it would install with what
        // the kernel holds.
        nft_args.push("-c");
        let validated = finish("apply", &workspace, &nft_args, &script, &origins, || {});
        if validated != Outcome::Clean {
            // nft refused the script (1) or could not run (2): both are
            // problems, not drift.
            if validated == Outcome::Findings {
                run.outcome = report::Outcome::Refused;
            }
            return run.finish(args.output, Outcome::Failure);
        }
        nft_args.pop();
        return match compare_with_kernel(&nft_args, &script, true) {
            Err(message) => {
                eprintln!("nwf apply: {message}");
                run.finish(args.output, Outcome::Failure)
            }
            Ok(None) => {
                eprintln!(
                    "nwf apply: the kernel already holds exactly these bindings ({n_ports}); nothing would change"
                );
                run.outcome = report::Outcome::InSync;
                run.diff = Some(String::new());
                run.finish(args.output, Outcome::Clean)
            }
            Ok(Some(diff)) => {
                if args.output == Output::Text {
                    print!("{diff}");
                }
                eprintln!(
                    "nwf apply: the kernel differs from these bindings; `nwf apply` would change it"
                );
                run.outcome = report::Outcome::WouldChange;
                run.diff = Some(diff);
                run.finish(args.output, Outcome::Findings)
            }
        };
    }
    // The interfaces the agent bound would go with the old tables.
    if !args.replace_agent {
        let given: Vec<&str> = ports
            .iter()
            .filter_map(|port| {
                port.chains
                    .interface
                    .as_ref()
                    .map(nwf_backend::nft::Name::as_str)
            })
            .collect();
        let agents: Vec<String> = nft::installed()
            .map(|state| {
                state
                    .ports
                    .iter()
                    .filter(|(name, port)| {
                        !given.contains(&name.as_str())
                            && port.record.as_ref().is_some_and(|record| {
                                record.source == nwf_backend::record::Source::Agent
                            })
                    })
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !agents.is_empty() {
            eprintln!(
                "nwf apply: the kernel holds {} that nwf agent bound ({}), which applying would remove; \
                 nothing applied (`nwf bind` changes single interfaces; --replace-agent replaces them too)",
                plural(agents.len(), "interface"),
                agents.join(", ")
            );
            run.outcome = report::Outcome::Refused;
            return run.finish(args.output, Outcome::Findings);
        }
    }
    // Already exactly so: no transaction, so no new handles. When the
    // comparison cannot be made (no `unshare`, or nft refuses the script,
    // which the transaction below reports at the filter rules), apply.
    if let Ok(None) = compare_with_kernel(&nft_args, &script, false) {
        eprintln!(
            "nwf apply: nothing to change: the kernel already holds exactly these bindings ({n_ports})"
        );
        run.outcome = report::Outcome::Unchanged;
        return run.finish(args.output, Outcome::Clean);
    }
    let applied = finish("apply", &workspace, &nft_args, &script, &origins, || {
        eprintln!("nwf apply: applied {n_ports}");
    });
    run.outcome = match applied {
        Outcome::Clean => report::Outcome::Applied,
        Outcome::Findings => report::Outcome::Refused,
        Outcome::Failure => report::Outcome::Error,
    };
    run.finish(args.output, applied)
}

/// `3 interfaces`, `1 interface`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The whole transaction in `format`: nwf's tables with `ports`, then each
/// port's record. Origins map the lines of the text form to filter rules.
fn script(
    ports: &[Port],
    records: &[Record],
    format: ScriptFormat,
) -> (String, Vec<Option<nwf_backend::nft::Origin>>) {
    let recorded: Vec<_> = ports
        .iter()
        .zip(records)
        .filter_map(|(port, record)| Some((port.chains.interface.as_ref()?, record)))
        .collect();
    match format {
        ScriptFormat::Nft => {
            let (mut script, origins) = ruleset::apply_script_traced(ports);
            script.push_str(&record::declare_script());
            for (interface, record) in recorded {
                script.push_str(&record::add_script(interface, record));
            }
            (script, origins)
        }
        ScriptFormat::Json => {
            let mut document = ruleset::apply_json(ports);
            if let Some(commands) = document
                .get_mut("nftables")
                .and_then(serde_json::Value::as_array_mut)
            {
                commands.extend(record::json_commands(&recorded));
            }
            (document.to_string(), Vec::new())
        }
    }
}

/// The difference between nwf's tables in the kernel and the tables
/// `script` installs (loaded into a scratch namespace, so that both
/// listings have nft's shape), as a unified diff; `None` when there is
/// none. Unless `need_diff`, an empty kernel answers "differs" (an empty
/// diff) without the scratch load.
fn compare_with_kernel(
    nft_args: &[&str],
    script: &str,
    need_diff: bool,
) -> Result<Option<String>, String> {
    let installed = nft::list_tables_text()?;
    if installed.is_empty() && !need_diff {
        // Nothing installed: it differs, and the scratch load can be saved.
        return Ok(Some(String::new()));
    }
    let wanted: String = nft::scratch_tables(nft_args, script, false)?
        .into_iter()
        .flatten()
        .collect();
    if wanted == installed {
        return Ok(None);
    }
    if !need_diff {
        // A diff of large listings costs seconds; only --check shows one.
        return Ok(Some(String::new()));
    }
    // Past the deadline the diff is still right, only less minimal.
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_secs(1))
        .diff_lines(&installed, &wanted);
    Ok(Some(
        diff.unified_diff()
            .context_radius(3)
            .header("kernel (nwf tables now)", "bindings (after nwf apply)")
            .to_string(),
    ))
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
