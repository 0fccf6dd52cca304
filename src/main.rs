//! The `nwf` binary: argument parsing, file I/O, diagnostics rendering, and
//! running `nft`. Logic that a library could own lives in the crates; each
//! command is one file under `cmd/`.

mod agent;
mod cmd;
mod files;
mod front_end;
mod learning;
mod libvirt_rules;
mod nft;
mod render;
mod report;
mod sources;
mod verdict;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Toolchain for libvirt network filters: check, convert, format, explain.
#[derive(Parser)]
#[command(name = "nwf", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(cmd::check::Args),
    Convert(cmd::convert::Args),
    Explain(cmd::explain::Args),
    Fmt(cmd::fmt::Args),
    Graph(cmd::graph::Args),
    Apply(cmd::apply::Args),
    Bind(cmd::bind::Args),
    Unbind(cmd::unbind::Args),
    Status(cmd::status::Args),
    Flush(cmd::flush::Args),
    Lsp(cmd::lsp::Args),
    Completions(cmd::completions::Args),
    Man(cmd::man::Args),
    Agent(agent::Args),
    Adopt(agent::handover::AdoptArgs),
    Release(agent::handover::ReleaseArgs),
}

/// How a command ended, mapped onto the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: nothing wrong.
    Clean,
    /// Exit 1: the input has errors (or `--check` found a difference).
    Findings,
    /// Exit 2: usage or I/O error; the message was already printed.
    Failure,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(args) => cmd::check::run(&args),
        Command::Convert(args) => cmd::convert::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Fmt(args) => cmd::fmt::run(&args),
        Command::Graph(args) => cmd::graph::run(&args),
        Command::Apply(args) => cmd::apply::run(&args),
        Command::Bind(args) => cmd::bind::run(&args),
        Command::Unbind(args) => cmd::unbind::run(&args),
        Command::Status(args) => cmd::status::run(&args),
        Command::Flush(args) => cmd::flush::run(&args),
        Command::Lsp(args) => cmd::lsp::run(&args),
        Command::Completions(args) => cmd::completions::run(&args),
        Command::Man(args) => cmd::man::run(&args),
        Command::Agent(args) => agent::run(&args),
        Command::Adopt(args) => agent::handover::adopt(&args),
        Command::Release(args) => agent::handover::release(&args),
    };
    match outcome {
        Outcome::Clean => ExitCode::SUCCESS,
        Outcome::Findings => ExitCode::from(1),
        Outcome::Failure => ExitCode::from(2),
    }
}
