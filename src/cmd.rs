//! One module per `nwf` subcommand: its clap arguments and its `run`.

pub mod check;
pub mod convert;
pub mod explain;
pub mod lsp;
