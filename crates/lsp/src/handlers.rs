//! One module per feature. Each handler is a total function from the
//! [`crate::world::World`] and the request's parameters to the response:
//! a file the world does not know, a position outside the text, a
//! half-typed filter all give an empty answer, never an error or a panic.
//!
//! Every handler takes the request's parameters by value, whether it
//! consumes them or not, so that `server.rs` calls them all alike.
#![allow(clippy::needless_pass_by_value)]

pub mod code_actions;
pub mod completion;
pub mod definition;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod inlay_hints;
pub mod lifecycle;
pub mod references;
pub mod rename;
pub mod semantic_tokens;
pub mod symbols;
pub mod sync;
