//! nwf-backend: instantiation of bound filters and the nftables model.
//!
//! The crate is pure: it never reads files and never runs `nft`. The CLI
//! reads the filters and bindings, calls [`instantiate`] and [`ruleset`],
//! prints the result and hands it to `nft` as one transaction.
//!
//! Pipeline: [`instantiate`] resolves a binding's filter tree and expands
//! variables into a flat list of concrete rules per interface;
//! [`translate`] turns those rules into typed nftables rules ([`nft`]);
//! [`ruleset`] lays out the tables, base chains and verdict maps and prints
//! them. The design and its reasons are in `docs/backend.md`.

pub mod instantiate;
pub mod nft;
pub mod nft_error;
pub mod plan;
pub mod record;
pub mod ruleset;
pub mod translate;
