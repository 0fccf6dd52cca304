//! The `.nwf` text language: a terse, line-oriented spelling of libvirt
//! network filters and filter bindings that lowers into the same IR as the
//! XML form (see `docs/language.md` for the grammar).
//!
//! The pipeline is `lexer` (logos) -> `parser` (chumsky, to a keyword-free
//! syntax tree) -> `lower` (keywords, values, diagnostics) -> IR, and back
//! with `printer`. Parsing is total: [`parse_text`] returns the IR of
//! everything it understood and a diagnostic for everything else, and never
//! panics. This module does no I/O and knows nothing of XML.

pub mod ast;
pub mod escape;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod printer;

use crate::diagnostic::Diagnostic;
use crate::ir::Document;
use crate::span::FileId;

pub use printer::print_text;

/// Parses a `.nwf` file into the IR, with every diagnostic (in source order).
pub fn parse_text(file: FileId, text: &str) -> (Document, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut tokens = lexer::lex(file, text, &mut diagnostics);
    lexer::limit_nesting(file, &mut tokens, &mut diagnostics);
    let tokens = parser::to_input(tokens);
    let tree = parser::parse(file, &tokens, text.len(), &mut diagnostics);
    let document = lower::lower(file, text, &tree, &mut diagnostics);
    diagnostics
        .sort_by_key(|diagnostic| (diagnostic.primary.span.start, diagnostic.primary.span.end));
    (document, diagnostics)
}
