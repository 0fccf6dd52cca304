//! The `.nwf` parser: tokens to the concrete syntax tree ([`super::ast`]),
//! written with chumsky.
//!
//! The grammar is deliberately total: every token sequence has a parse.
//! Tokens that cannot start an atom become [`Atom::Stray`], a missing `]` or
//! `}` is recorded as such, a `}` with nothing to close becomes
//! [`Node::StrayClose`]. That is this parser's error recovery: structure
//! (lines, blocks, pairs, lists) is recovered here, and every mistake is
//! reported exactly once, with its span, by the lowering that reads the tree.
//! Should chumsky nevertheless report an error, it becomes an NWF103
//! diagnostic rather than a panic.

use chumsky::input::{Input as _, ValueInput};
use chumsky::prelude::*;

use super::ast::{Atom, Block, Comment, File, Key, Line, List, Node, Pair, Value};
use super::lexer::Token;
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};

/// What a statement parses to: its atoms, then either a block (`{`, body,
/// optional `}`) or the end of the line with an optional trailing comment.
type Statement<'src> = (
    Vec<Atom<'src>>,
    Result<((Span, Vec<Node<'src>>), Option<Span>), Option<(&'src str, Span)>>,
);

type Extra<'src> = extra::Err<Rich<'src, Token<'src>, SimpleSpan>>;

fn to_span(span: SimpleSpan) -> Span {
    Span::new(span.start, span.end)
}

/// The lexer's tokens with chumsky's span type, as [`parse`] reads them.
pub fn to_input(tokens: Vec<(Token<'_>, Span)>) -> Vec<(Token<'_>, SimpleSpan)> {
    tokens
        .into_iter()
        .map(|(token, span)| (token, SimpleSpan::from(span.range())))
        .collect()
}

/// Parses a token list (from [`super::lexer::lex`], through [`to_input`])
/// into a syntax tree.
pub fn parse<'src>(
    file: FileId,
    tokens: &'src [(Token<'src>, SimpleSpan)],
    text_len: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> File<'src> {
    let eoi = SimpleSpan::from(text_len..text_len);
    let input = tokens.map(eoi, |(token, span)| (token, span));
    let (output, errors) = file_parser().parse(input).into_output_errors();
    for error in errors {
        let found = error
            .found()
            .map_or_else(|| "end of file".to_owned(), Token::describe);
        diagnostics.push(
            Diagnostic::new(
                Code::TextUnexpectedToken,
                file,
                to_span(*error.span()),
                format!("unexpected {found}"),
            )
            .with_label("the parser could not place this"),
        );
    }
    output.unwrap_or_default()
}

/// A map from the borrowed token stream to chumsky's span type.
trait SpanInput<'src>: ValueInput<'src, Token = Token<'src>, Span = SimpleSpan> {}
impl<'src, T: ValueInput<'src, Token = Token<'src>, Span = SimpleSpan>> SpanInput<'src> for T {}

fn file_parser<'src, I>() -> impl Parser<'src, I, File<'src>, Extra<'src>>
where
    I: SpanInput<'src>,
{
    let leaf = select! {
        Token::Word(word) = e => Value::Word(word, to_span(e.span())),
        Token::Str(text) = e => Value::Str(text, to_span(e.span())),
        Token::Var(var) = e => Value::Var(var, to_span(e.span())),
    };

    // `[a, b, c]`; a missing `]` ends the list at the last item.
    let list = just(Token::LBracket)
        .map_with(|_, e| to_span(e.span()))
        .then(
            leaf.separated_by(just(Token::Comma))
                .allow_trailing()
                .collect::<Vec<_>>(),
        )
        .then(
            just(Token::RBracket)
                .map_with(|_, e| to_span(e.span()))
                .or_not(),
        )
        .map(
            |((open, items), close): ((Span, Vec<Value<'src>>), Option<Span>)| {
                let end = close
                    .or_else(|| items.last().map(Value::span))
                    .unwrap_or(open);
                List {
                    items,
                    span: open.cover(end),
                    closed: close.is_some(),
                }
            },
        );

    let key = select! {
        Token::Word(word) = e => Key { text: word, span: to_span(e.span()) },
    };
    let op = select! {
        Token::Eq = e => (false, to_span(e.span())),
        Token::Ne = e => (true, to_span(e.span())),
    };
    let pair = key
        .then(op)
        .then(leaf.or(list.clone().map(Value::List)).or_not())
        .map(|((key, (negated, op)), value)| {
            Atom::Pair(Pair {
                key,
                negated,
                op,
                value,
            })
        });

    let simple = select! {
        Token::Word(word) = e => Atom::Word(word, to_span(e.span())),
        Token::Str(text) = e => Atom::Str(text, to_span(e.span())),
        Token::Var(var) = e => Atom::Var(var, to_span(e.span())),
        Token::Eq = e => Atom::Stray("`=`", to_span(e.span())),
        Token::Ne = e => Atom::Stray("`!=`", to_span(e.span())),
        Token::Comma = e => Atom::Stray("`,`", to_span(e.span())),
        Token::RBracket = e => Atom::Stray("`]`", to_span(e.span())),
        Token::Error = e => Atom::Stray(super::lower::ERROR_TOKEN, to_span(e.span())),
    };
    let atom = choice((pair, list.map(Atom::List), simple));

    let comment = select! {
        Token::Comment(text) = e => (text, to_span(e.span())),
    };
    let line_end = choice((
        just(Token::Newline).ignored(),
        end(),
        just(Token::RBrace).ignored().rewind(),
    ));

    let node = recursive(|node| {
        let body = node
            .repeated()
            .collect::<Vec<Vec<Node<'src>>>>()
            .map(|nodes| nodes.into_iter().flatten().collect::<Vec<_>>());
        let block_tail = just(Token::LBrace)
            .map_with(|_, e| to_span(e.span()))
            .then(body)
            .then(
                just(Token::RBrace)
                    .map_with(|_, e| to_span(e.span()))
                    .or_not(),
            );
        let statement = atom
            .clone()
            .repeated()
            .collect::<Vec<_>>()
            .then(choice((
                block_tail.map(Ok),
                comment.or_not().then_ignore(line_end.clone()).map(Err),
            )))
            .try_map(|(atoms, tail), span| {
                // An empty head is fine before `{`; a line needs an atom.
                if atoms.is_empty() && tail.is_err() {
                    Err(Rich::custom(span, "empty line"))
                } else {
                    Ok((atoms, tail))
                }
            })
            .map(|(atoms, tail): Statement<'src>| match tail {
                Ok(((open, body), close)) => {
                    let start = atoms.first().map_or(open, Atom::span);
                    let end = close.or_else(|| body.last().map(node_span)).unwrap_or(open);
                    vec![Node::Block(Block {
                        head: atoms,
                        open,
                        body,
                        close,
                        span: start.cover(end),
                    })]
                }
                Err(trailing) => {
                    let span = atoms
                        .iter()
                        .map(Atom::span)
                        .reduce(Span::cover)
                        .unwrap_or_default();
                    let mut nodes = vec![Node::Line(Line { atoms, span })];
                    if let Some((text, span)) = trailing {
                        nodes.push(Node::Comment(Comment {
                            text,
                            span,
                            trailing: true,
                        }));
                    }
                    nodes
                }
            });
        choice((
            just(Token::Newline).to(Vec::new()),
            comment.then_ignore(line_end.clone()).map(|(text, span)| {
                vec![Node::Comment(Comment {
                    text,
                    span,
                    trailing: false,
                })]
            }),
            statement,
        ))
    });

    let stray_close =
        just(Token::RBrace).map_with(|_, e| vec![Node::StrayClose(to_span(e.span()))]);
    node.or(stray_close)
        .repeated()
        .collect::<Vec<_>>()
        .then_ignore(end())
        .map(|nodes| File {
            nodes: nodes.into_iter().flatten().collect(),
        })
}

fn node_span(node: &Node<'_>) -> Span {
    match node {
        Node::Line(line) => line.span,
        Node::Block(block) => block.span,
        Node::Comment(comment) => comment.span,
        Node::StrayClose(span) => *span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lexer::lex;

    fn parse_str(text: &'static str) -> (File<'static>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let tokens = Box::leak(Box::new(to_input(lex(FileId(0), text, &mut diagnostics))));
        let file = parse(FileId(0), tokens, text.len(), &mut diagnostics);
        (file, diagnostics)
    }

    #[test]
    fn blocks_lines_and_comments() {
        let (file, diagnostics) = parse_str(
            "# top\nfilter a {\n  out drop tcp dstportstart = 80 # web\n  ref b X = [1, 2]\n}\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(file.nodes.len(), 2);
        let Node::Block(block) = &file.nodes[1] else {
            panic!("expected a block: {file:?}")
        };
        assert!(block.close.is_some());
        assert_eq!(block.body.len(), 3);
    }

    #[test]
    fn garbage_never_fails() {
        for text in ["}}{{", "= = ,", "[[[", "a {\n b {\n", "]\n!=", "{}", "\"x"] {
            let (_, diagnostics) = parse_str(text);
            assert!(
                diagnostics
                    .iter()
                    .all(|d| d.code != Code::TextUnexpectedToken),
                "{text:?}: {diagnostics:?}"
            );
        }
    }
}
