//! One module per `nwf` subcommand: its clap arguments and its `run`.

pub mod apply;
pub mod bind;
pub mod check;
pub mod completions;
pub mod convert;
pub mod explain;
pub mod flush;
pub mod fmt;
pub mod graph;
pub mod lsp;
pub mod man;
pub mod status;
pub mod unbind;
