//! `nwf graph FILTER`: the resolved reference tree of a filter, with the
//! variables each level needs. The tree and both renderings come from
//! `nwf_syntax::workspace::graph`; this command only loads and prints.

use std::path::PathBuf;

use nwf_syntax::workspace::graph;

use crate::{Outcome, files};

/// Show the tree of filters a filter references, and what each needs.
///
/// The files given (if any) are loaded together with nwf's built-in copy of
/// libvirt's stock filters, so `nwf graph clean-traffic` works with no file
/// at all. Each line shows a filter, the parameters its reference gives, its
/// chain and priority, and the variables its subtree still needs from
/// whoever references it. `--format dot` prints a Graphviz digraph.
///
/// Examples:
///   nwf graph clean-traffic
///   nwf graph web-server filters/
///   nwf graph --format dot clean-traffic | dot -Tsvg > clean-traffic.svg
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter whose tree to show.
    filter: String,
    /// Files or directories with filters of your own.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: GraphFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// An indented tree, one filter per line.
    #[default]
    Text,
    /// A Graphviz digraph.
    Dot,
}

pub fn run(args: &Args) -> Outcome {
    let (workspace, _) = match files::load_workspace(&args.paths) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("nwf graph: {message}");
            return Outcome::Failure;
        }
    };
    let Some(tree) = workspace.filter_tree(&args.filter) else {
        let names = workspace.filter_names();
        let hint = nwf_syntax::diagnostic::did_you_mean(&args.filter, names.iter().copied())
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        eprintln!("nwf graph: no filter named `{}`{hint}", args.filter);
        return Outcome::Failure;
    };
    match args.format {
        GraphFormat::Text => print!("{}", graph::render_text(&tree)),
        GraphFormat::Dot => print!("{}", graph::render_dot(&tree)),
    }
    Outcome::Clean
}
