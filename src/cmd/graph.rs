//! `nwf graph FILTER`: the resolved reference tree of a filter.

use std::path::PathBuf;

use nwf_syntax::workspace::graph;

use crate::{Outcome, files};

/// Print the reference tree of a filter, with the variables each level needs.
///
/// The filter is looked up in the given files and in the stock library. Each
/// line shows a filter, its chain and priority, its rule count, the
/// parameters its reference passes and the variables it still needs.
///
/// Exit status: 0 shown, 1 no filter of that name, 2 usage or I/O errors.
///
/// Examples:
///   nwf graph clean-traffic
///   nwf graph web-guest filters/
///   nwf graph --format dot clean-traffic | dot -Tsvg > clean-traffic.svg
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The filter whose tree to print.
    filter: String,
    /// Files or directories that define filters (the stock library is
    /// always included).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: GraphFormat,
}

#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum GraphFormat {
    /// An indented tree.
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
        let suggestion =
            nwf_syntax::diagnostic::did_you_mean(&args.filter, workspace.filter_names())
                .map(|name| format!(" (did you mean `{name}`?)"))
                .unwrap_or_default();
        eprintln!("nwf graph: no filter named `{}`{suggestion}", args.filter);
        return Outcome::Findings;
    };
    match args.format {
        GraphFormat::Text => print!("{}", graph::render_text(&tree)),
        GraphFormat::Dot => print!("{}", graph::render_dot(&tree)),
    }
    Outcome::Clean
}
