//! Lowering: the syntax tree of a `.nwf` file to the IR, with a diagnostic
//! for every mistake and the IR of everything that is not a mistake.
//!
//! This file handles the file level (items, comments, `filter` and `bind`
//! blocks, `uuid`, `ref`); rules and their attribute values are in
//! [`rule`]. Keywords are recognised here, by position, so that a
//! misspelled one gets a "did you mean" with a [`crate::diagnostic::Fix`].
//! Lowering never looks at other files: unknown filter names in `ref` are the
//! workspace analysis's business.

mod binding;
mod filter;
mod reference;
mod rule;

use super::ast::{Atom, Block, Comment as AstComment, File, Line, Node};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::{Comment, Document, Item};
use crate::span::{FileId, Span};

/// The words that start a top-level block.
const ITEM_KEYWORDS: [&str; 2] = ["filter", "bind"];
/// The words that start a line inside a filter (besides directions).
pub(super) const FILTER_KEYWORDS: [&str; 5] = ["uuid", "ref", "in", "out", "inout"];

/// Lowers a parsed file.
pub fn lower(
    file: FileId,
    source: &str,
    tree: &File<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Document {
    let mut lowerer = Lowerer {
        file,
        source,
        diagnostics,
    };
    let items = lowerer.items(&tree.nodes);
    Document { items }
}

struct Lowerer<'a> {
    file: FileId,
    source: &'a str,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Lowerer<'_> {
    pub(super) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(super) fn error(&self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, self.file, span, message)
    }

    /// An "unknown keyword" diagnostic with a suggestion and fix when one of
    /// `candidates` is close. Returns the suggestion.
    pub(super) fn unknown_word(
        &mut self,
        code: Code,
        word: &str,
        span: Span,
        what: &str,
        candidates: &[&'static str],
    ) -> Option<&'static str> {
        let suggestion = suggest(word, candidates);
        let mut diagnostic = self
            .error(code, span, format!("unknown {what} `{word}`"))
            .with_label(format!("not a known {what}"));
        diagnostic = match suggestion {
            Some(better) => diagnostic
                .with_help(format!("did you mean `{better}`?"))
                .with_fix(format!("replace with `{better}`"), span, better),
            None => diagnostic.with_help(format!("expected one of: {}", candidates.join(", "))),
        };
        self.report(diagnostic);
        suggestion
    }

    /// Reports every stray token of a line (tokens the parser kept as
    /// [`Atom::Stray`]).
    pub(super) fn stray(&mut self, what: &str, span: Span) {
        if what == ERROR_TOKEN {
            // The lexer reported the bad characters already.
            return;
        }
        let diagnostic = self
            .error(
                Code::TextUnexpectedToken,
                span,
                format!("unexpected {what}"),
            )
            .with_label("this has no place here");
        let diagnostic = match what {
            "`=`" | "`!=`" => {
                diagnostic.with_help("an operator needs a name before it: `NAME = VALUE`")
            }
            "`,`" | "`]`" => {
                diagnostic.with_help("commas separate the values of a list: `NAME = [V1, V2]`")
            }
            _ => diagnostic,
        };
        self.report(diagnostic);
    }

    // ---- file level -------------------------------------------------------

    pub(super) fn items(&mut self, nodes: &[Node<'_>]) -> Vec<Item> {
        let mut items = Vec::new();
        let mut index = 0;
        while index < nodes.len() {
            match &nodes[index] {
                Node::Comment(first) => {
                    let (comment, next) = self.comment_run(nodes, index, first);
                    items.push(Item::Comment(comment));
                    index = next;
                    continue;
                }
                Node::Block(block) => self.item_block(block, &mut items),
                Node::Line(line) => self.top_line(line),
                Node::StrayClose(span) => {
                    let diagnostic = self
                        .error(Code::TextStrayBrace, *span, "`}` without an open block")
                        .with_label("closes nothing")
                        .with_help("remove it, or add the `filter NAME {` it belongs to")
                        .with_fix("remove the brace", *span, "");
                    self.report(diagnostic);
                }
            }
            index += 1;
        }
        items
    }

    /// Merges the comment `first` at `nodes[start]` with the full-line comments on
    /// the lines right below it into one IR comment. Returns it and the
    /// index after the run.
    pub(super) fn comment_run(
        &self,
        nodes: &[Node<'_>],
        start: usize,
        first: &AstComment<'_>,
    ) -> (Comment, usize) {
        let mut lines = comment_lines(first.text);
        let mut span = first.span;
        let mut next = start + 1;
        if !first.trailing {
            while let Some(Node::Comment(comment)) = nodes.get(next) {
                let between = self
                    .source
                    .get(span.end()..comment.span.start())
                    .unwrap_or("\n\n");
                if comment.trailing
                    || between.matches('\n').count() != 1
                    || !between.trim().is_empty()
                {
                    break;
                }
                lines.extend(comment_lines(comment.text));
                span = span.cover(comment.span);
                next += 1;
            }
        }
        (
            Comment {
                text: lines.join("\n"),
                span,
            },
            next,
        )
    }

    pub(super) fn item_block(&mut self, block: &Block<'_>, items: &mut Vec<Item>) {
        let keyword = match block.head.first() {
            Some(Atom::Word(word, span)) => {
                if ITEM_KEYWORDS.contains(word) {
                    Some(*word)
                } else {
                    self.unknown_word(
                        Code::TextUnknownKeyword,
                        word,
                        *span,
                        "block keyword",
                        &ITEM_KEYWORDS,
                    )
                }
            }
            other => {
                let span = other.map_or(block.open, Atom::span);
                let diagnostic = self
                    .error(Code::TextMissing, span, "block without a header")
                    .with_label("a block starts with `filter NAME` or `bind IFACE`")
                    .with_help("write `filter NAME {` or `bind IFACE mac MAC {`");
                self.report(diagnostic);
                None
            }
        };
        let mut hoisted = Vec::new();
        match keyword {
            Some("filter") => {
                let filter = self.filter(block, &mut hoisted);
                items.push(Item::Filter(filter));
            }
            Some("bind") => {
                let mut comments = Vec::new();
                if let Some(binding) = self.binding(block, &mut comments, &mut hoisted) {
                    items.extend(comments.into_iter().map(Item::Comment));
                    items.push(Item::Binding(binding));
                } else {
                    items.extend(comments.into_iter().map(Item::Comment));
                }
            }
            _ => {}
        }
        self.unclosed(block, hoisted.first().copied());
        for nested in hoisted {
            self.item_block(nested, items);
        }
    }

    /// Reports a block whose `}` is missing; `next` is a block found inside
    /// it that most likely was meant to follow it.
    pub(super) fn unclosed(&mut self, block: &Block<'_>, next: Option<&Block<'_>>) {
        if block.close.is_some() {
            return;
        }
        let mut diagnostic = self
            .error(
                Code::TextUnclosedBlock,
                block.open,
                "this `{` is never closed",
            )
            .with_label("block opened here")
            .with_help("close the block with `}`");
        let insert_at = match next {
            Some(next) => {
                let start = next.head.first().map_or(next.open, Atom::span);
                diagnostic =
                    diagnostic.with_related(self.file, start, "the next block starts here");
                start.start()
            }
            None => self.source.len(),
        };
        let newline = if insert_at > 0 && self.source.as_bytes().get(insert_at - 1) == Some(&b'\n')
        {
            ""
        } else {
            "\n"
        };
        diagnostic = diagnostic.with_fix(
            "close the block",
            Span::empty(insert_at),
            format!("{newline}}}\n"),
        );
        self.report(diagnostic);
    }

    pub(super) fn top_line(&mut self, line: &Line<'_>) {
        let Some(first) = line.atoms.first() else {
            return;
        };
        match first.word() {
            Some(word @ ("filter" | "bind")) => {
                let end = line.span.end();
                let diagnostic = self
                    .error(
                        Code::TextMissing,
                        line.span,
                        format!("`{word}` without a `{{ }}` block"),
                    )
                    .with_label("expected `{` at the end of this line")
                    .with_fix("open the block", Span::empty(end), " {\n}");
                self.report(diagnostic);
            }
            Some(word) if FILTER_KEYWORDS.contains(&word) => {
                let diagnostic = self
                    .error(
                        Code::TextMisplaced,
                        line.span,
                        format!("`{word}` outside a filter"),
                    )
                    .with_label("rules, `ref` and `uuid` belong inside `filter NAME { ... }`");
                self.report(diagnostic);
            }
            Some(word) => {
                self.unknown_word(
                    Code::TextUnknownKeyword,
                    word,
                    first.span(),
                    "keyword",
                    &ITEM_KEYWORDS,
                );
            }
            None => {
                let diagnostic = self
                    .error(
                        Code::TextUnexpectedToken,
                        first.span(),
                        "expected `filter` or `bind`",
                    )
                    .with_label("a file holds `filter` and `bind` blocks and comments");
                self.report(diagnostic);
            }
        }
    }
}

/// How [`Atom::Stray`] names a lexer error token.
pub(crate) const ERROR_TOKEN: &str = "an unexpected character";

/// The candidate closest to `word`: one with the same letters in another
/// order (`tpc` -> `tcp`) first, else the shared edit-distance suggestion.
pub(crate) fn suggest(word: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let sorted = |text: &str| {
        let mut chars: Vec<char> = text.to_lowercase().chars().collect();
        chars.sort_unstable();
        chars
    };
    let letters = sorted(word);
    candidates
        .iter()
        .copied()
        .find(|candidate| sorted(candidate) == letters)
        .or_else(|| did_you_mean(word, candidates.iter().copied()))
}

fn first_span(line: &Line<'_>) -> Span {
    line.atoms.first().map_or(line.span, Atom::span)
}

fn is_item_block(block: &Block<'_>) -> bool {
    matches!(block.head.first(), Some(Atom::Word("filter" | "bind", _)))
}

/// The text of one `#` comment line: without `#` and the one space after
/// it, and without the carriage return of a CR LF line end. A carriage
/// return anywhere else is a line break to many editors, so it splits the
/// comment into lines there (the lexer warns, NWF117), and a piece that
/// starts with `#` loses it and one space, as the comment line an editor
/// shows it as. The printer then writes one `#` line per piece, so the
/// canonical text never holds a carriage return.
fn comment_lines(raw: &str) -> Vec<&str> {
    let body = raw.strip_suffix('\r').unwrap_or(raw);
    body.split('\r')
        .map(|piece| {
            piece
                .strip_prefix('#')
                .map_or(piece, |text| text.strip_prefix(' ').unwrap_or(text))
        })
        .collect()
}
