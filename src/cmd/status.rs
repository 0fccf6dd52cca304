//! `nwf status`: which interfaces nwf filters, as the kernel reports it.

use serde_json::json;

use crate::render::Format;
use crate::{Outcome, nft};

/// Show the interfaces nwf filters, with their port ids and chains.
///
/// Reads nwf's two tables back from the kernel (`nft -j list table`).
///
/// Examples:
///   nwf status
///   nwf status --format json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: &Args) -> Outcome {
    let state = match nft::installed() {
        Ok(state) => state,
        Err(message) => {
            eprintln!("nwf status: {message}");
            return Outcome::Failure;
        }
    };
    match args.format {
        Format::Json => {
            let interfaces: Vec<_> = state
                .ports
                .iter()
                .map(|(name, port)| {
                    json!({
                        "interface": name,
                        "port": port.id,
                        "bridge_chains": port.bridge_chains.iter().map(nwf_backend::nft::Name::as_str).collect::<Vec<_>>(),
                        "inet_chains": port.inet_chains.iter().map(nwf_backend::nft::Name::as_str).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                json!({"tables": state.installed.tables, "interfaces": interfaces})
            );
        }
        Format::Human => {
            if !state.installed.tables {
                println!("nwf tables are not installed");
            }
            for (name, port) in &state.ports {
                println!(
                    "{name}  port {}  {} bridge chain{}, {} inet chain{}",
                    port.id,
                    port.bridge_chains.len(),
                    if port.bridge_chains.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    port.inet_chains.len(),
                    if port.inet_chains.len() == 1 { "" } else { "s" },
                );
            }
            if state.installed.tables && state.ports.is_empty() {
                println!("no interfaces bound");
            }
        }
    }
    Outcome::Clean
}
