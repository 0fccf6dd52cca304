//! `nwf apply BINDING-FILE...`: instantiate every binding and replace nwf's
//! two nftables tables with the result in one transaction.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use nwf_backend::instantiate::{Source, instantiate_binding};
use nwf_backend::ruleset::{self, Port};
use nwf_backend::translate::translate;
use nwf_syntax::{Diagnostic, FileId, Workspace};

use crate::{Outcome, files, nft, render};

/// Apply filter bindings to the kernel as one nftables transaction.
///
/// Every binding (libvirt <filterbinding>, the <interface>s of a domain XML,
/// or `bind` blocks of .nwf files) is instantiated with its filter tree,
/// taken from the stock filters, the --filter-dir directories and the
/// binding files themselves. nwf's tables (`bridge nwf` and `inet nwf`) are
/// replaced as a whole; nothing else in the ruleset is touched. If nft
/// refuses the transaction, the previous ruleset stays exactly as it was and
/// the refused rules are reported at the filter rules they came from.
/// Exit status: 0 applied, 1 errors in the input or refused by nft, 2 usage
/// or I/O errors.
///
/// Examples:
///   nwf apply --dry-run vm1-binding.xml
///   nwf apply --filter-dir /etc/libvirt/nwfilter bindings/
///   nwf apply --check --format json domain.xml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Files or directories with the bindings to apply.
    #[arg(required = true)]
    bindings: Vec<PathBuf>,
    /// Directories (or files) with filter definitions.
    #[arg(long = "filter-dir", value_name = "DIR")]
    filter_dirs: Vec<PathBuf>,
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

/// libvirt's filter directory, `/etc/libvirt/nwfilter` (or
/// `$NWF_SYSTEM_FILTER_DIR`; empty to leave it out), if it exists here.
fn system_filter_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NWF_SYSTEM_FILTER_DIR")
        .map_or_else(|| PathBuf::from("/etc/libvirt/nwfilter"), PathBuf::from);
    (!dir.as_os_str().is_empty() && dir.is_dir()).then_some(dir)
}

/// The workspace with the stock filters, libvirt's filter directory, the
/// filter directories and the binding files, and the ids of the binding
/// files.
pub(crate) fn load(
    bindings: &[PathBuf],
    filter_dirs: &[PathBuf],
) -> Result<(Workspace, Vec<FileId>), String> {
    let mut workspace = Workspace::default();
    nwf_syntax::stock::load_into(&mut workspace);
    // libvirt's own filter directory comes after the stock library and
    // before the --filter-dir folders, when this machine has one.
    let mut sources: Vec<PathBuf> = system_filter_dir().into_iter().collect();
    sources.extend_from_slice(filter_dirs);
    for path in files::expand_paths(&sources)? {
        let text = files::read(&path)?;
        files::add_file(&mut workspace, path, text);
    }
    let mut ids = Vec::new();
    for path in files::expand_paths(bindings)? {
        let text = files::read(&path)?;
        ids.push(files::add_file(&mut workspace, path, text));
    }
    Ok((workspace, ids))
}

/// Instantiates every binding of `binding_files` (port ids from
/// `next_id`), returning the ports and every diagnostic: the binding files'
/// parse errors, then instantiation and translation.
pub(crate) fn build(
    workspace: &Workspace,
    binding_files: &[FileId],
    mut next_id: impl FnMut(&str) -> Option<u16>,
) -> (Vec<Port>, Vec<Diagnostic>) {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut ports = Vec::new();
    let lookup = |name: &str| {
        workspace
            .definition(name)
            .map(|(file, filter)| Source { file, filter })
    };
    let all: Vec<(FileId, &nwf_syntax::ir::Binding)> = binding_files
        .iter()
        .flat_map(|&file| {
            workspace
                .file(file)
                .document()
                .bindings()
                .map(move |binding| (file, binding))
        })
        .collect();
    diagnostics.extend(nwf_backend::instantiate::duplicate_interfaces(&all));
    for &file in binding_files {
        let source = workspace.file(file);
        diagnostics.extend(
            source
                .parse_diagnostics()
                .iter()
                .filter(|d| d.is_error())
                .cloned(),
        );
        for binding in source.document().bindings() {
            let result = instantiate_binding(binding, file, lookup);
            diagnostics.extend(
                result
                    .diagnostics
                    .iter()
                    .cloned()
                    .map(|diagnostic| suggest(workspace, diagnostic)),
            );
            let (chains, more) = translate(&result.instance, file, binding.portdev.span);
            diagnostics.extend(more);
            match next_id(&binding.portdev.value) {
                Some(id) => ports.push(Port { id, chains }),
                None => eprintln!("nwf: no free port id left for {}", binding.portdev.value),
            }
        }
    }
    (ports, diagnostics)
}

/// Adds "did you mean" to a missing filter's diagnostic.
fn suggest(workspace: &Workspace, diagnostic: Diagnostic) -> Diagnostic {
    if diagnostic.code != nwf_syntax::Code::FilterNotFound {
        return diagnostic;
    }
    let source = workspace.file(diagnostic.file());
    let Some(written) = source.text().get(diagnostic.span().range()) else {
        return diagnostic;
    };
    match nwf_syntax::diagnostic::did_you_mean(written, workspace.filter_names()) {
        Some(name) => {
            let span = diagnostic.span();
            diagnostic
                .with_help(format!("did you mean `{name}`?"))
                .with_fix(format!("use `{name}`"), span, name)
        }
        None => diagnostic,
    }
}

/// Prints diagnostics to standard error.
pub(crate) fn report(workspace: &Workspace, diagnostics: &[Diagnostic]) {
    let color = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut err = io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = render::human(workspace, diagnostic, color, &mut err);
    }
}

pub fn run(args: &Args) -> Outcome {
    let (workspace, binding_files) = match load(&args.bindings, &args.filter_dirs) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf apply: {message}");
            return Outcome::Failure;
        }
    };
    let mut next = 0u16;
    let (ports, diagnostics) = build(&workspace, &binding_files, |_| {
        next = next.checked_add(1)?;
        Some(next)
    });
    report(&workspace, &diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        eprintln!("nwf apply: nothing applied");
        return Outcome::Findings;
    }
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
            report(workspace, &mapped);
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
