//! The concrete syntax tree of a `.nwf` file: lines and `{}` blocks of
//! atoms, with no knowledge of keywords.
//!
//! The parser ([`super::parser`]) builds this tree from any token stream,
//! however broken: stray tokens become [`Atom::Stray`], a missing `}` leaves
//! [`Block::close`] empty. Giving the tokens their meaning (which word is a
//! direction, which pair is an attribute) and reporting what is wrong with
//! them is the lowering's job ([`super::lower`]), so a mistake costs one
//! diagnostic and never the rest of the file.

use crate::span::Span;

/// A whole file: its top-level nodes in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File<'src> {
    pub nodes: Vec<Node<'src>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node<'src> {
    /// A line of atoms (a rule, a `ref`, a `uuid`...).
    Line(Line<'src>),
    /// `HEAD {` BODY `}`.
    Block(Block<'src>),
    /// `# text`, on a line of its own or after a line's atoms. `text` is the
    /// whole comment including `#`.
    Comment(Comment<'src>),
    /// A `}` with no open block.
    StrayClose(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment<'src> {
    pub text: &'src str,
    pub span: Span,
    /// Whether the comment follows atoms on its line (`out drop # why`).
    pub trailing: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<'src> {
    pub atoms: Vec<Atom<'src>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block<'src> {
    /// The atoms before `{` (`filter NAME chain arp`), possibly empty.
    pub head: Vec<Atom<'src>>,
    pub open: Span,
    pub body: Vec<Node<'src>>,
    /// The closing `}`; `None` when the file ended first.
    pub close: Option<Span>,
    pub span: Span,
}

/// One element of a line or block head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Atom<'src> {
    Word(&'src str, Span),
    Str(String, Span),
    Var(&'src str, Span),
    /// `KEY = VALUE` or `KEY != VALUE`.
    Pair(Pair<'src>),
    /// `[V, V, ...]` outside a pair.
    List(List<'src>),
    /// A token that cannot start an atom here (`=` with no key, `,`, `]`,
    /// a bad character).
    Stray(&'static str, Span),
}

impl Atom<'_> {
    pub fn span(&self) -> Span {
        match self {
            Atom::Word(_, span)
            | Atom::Str(_, span)
            | Atom::Var(_, span)
            | Atom::Stray(_, span) => *span,
            Atom::Pair(pair) => pair.span(),
            Atom::List(list) => list.span,
        }
    }

    /// The word, when the atom is a bare word.
    pub fn word(&self) -> Option<&str> {
        match self {
            Atom::Word(word, _) => Some(word),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair<'src> {
    /// The key as written (a word or a quoted string).
    pub key: Key<'src>,
    pub negated: bool,
    pub op: Span,
    /// `None` when the line ended right after the operator.
    pub value: Option<Value<'src>>,
}

impl Pair<'_> {
    pub fn span(&self) -> Span {
        let end = self.value.as_ref().map_or(self.op, Value::span);
        self.key.span.cover(end)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key<'src> {
    pub text: &'src str,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'src> {
    Word(&'src str, Span),
    Str(String, Span),
    Var(&'src str, Span),
    List(List<'src>),
}

impl Value<'_> {
    pub fn span(&self) -> Span {
        match self {
            Value::Word(_, span) | Value::Str(_, span) | Value::Var(_, span) => *span,
            Value::List(list) => list.span,
        }
    }
}

/// `[V, V, ...]`; items that are not values are reported by the parser and
/// left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List<'src> {
    pub items: Vec<Value<'src>>,
    /// The list's span, from `[` to `]` (or to its last item when `]` is
    /// missing).
    pub span: Span,
    pub closed: bool,
}
