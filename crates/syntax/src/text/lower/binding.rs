//! Lowering of `bind IFACE [mac MAC] { [owner NAME UUID] [linkdev DEV]
//! ref FILTER ... [backend NAME] }`, the text form of libvirt's
//! `<filterbinding>`. The IR has no place for comments inside a binding, so
//! they are handed back to be placed before it.

use super::{Lowerer, first_span, is_item_block};
use crate::diagnostic::Code;
use crate::ir::{Binding, BindingSource, Comment, FilterRef, MacAddr, Owner};
use crate::span::{Span, Spanned};
use crate::text::ast::{Atom, Block, Node};

const BINDING_KEYWORDS: [&str; 4] = ["ref", "owner", "linkdev", "backend"];

impl Lowerer<'_> {
    // ---- bind ---------------------------------------------------------------

    /// `bind PORTDEV [mac MAC] { [owner NAME UUID] [linkdev DEV] ref ... [backend NAME] }`.
    /// Comments inside the block go to `comments` (the IR keeps none inside a
    /// binding; they are placed before it).
    pub(super) fn binding<'t>(
        &mut self,
        block: &'t Block<'t>,
        comments: &mut Vec<Comment>,
        hoisted: &mut Vec<&'t Block<'t>>,
    ) -> Option<Binding> {
        let keyword_span = block.head.first().map_or(block.open, Atom::span);
        let mut head = block.head.iter().skip(1).peekable();
        let portdev = if let Some(atom @ (Atom::Word(..) | Atom::Str(..))) = head.peek() {
            let name = self.name(atom);
            head.next();
            Some(name)
        } else {
            let diagnostic = self
                .error(
                    Code::TextMissing,
                    keyword_span,
                    "`bind` without an interface",
                )
                .with_label("expected the host interface after `bind`")
                .with_help("write `bind vnet0 mac 52:54:00:11:22:33 {`");
            self.report(diagnostic);
            None
        };
        let mut mac = None;
        for (_, value) in self.options(head, &["mac"]) {
            mac = self.mac(&value);
        }
        let mut owner: Option<Owner> = None;
        let mut linkdev = None;
        let mut backend = None;
        let mut filterref: Option<FilterRef> = None;
        let mut index = 0;
        let nodes = &block.body;
        while index < nodes.len() {
            match &nodes[index] {
                Node::Comment(first) => {
                    let (comment, next) = self.comment_run(nodes, index, first);
                    comments.push(comment);
                    index = next;
                    continue;
                }
                Node::Block(nested) => {
                    if is_item_block(nested) {
                        hoisted.push(nested);
                    } else {
                        let span = nested.head.first().map_or(nested.open, Atom::span);
                        let diagnostic = self
                            .error(Code::TextMisplaced, span, "unexpected `{` inside a binding")
                            .with_label("blocks cannot nest");
                        self.report(diagnostic);
                    }
                }
                Node::StrayClose(span) => self.stray("`}`", *span),
                Node::Line(line) => {
                    let Some(first) = line.atoms.first() else {
                        index += 1;
                        continue;
                    };
                    let keyword = match first {
                        Atom::Word(word, span) => {
                            if BINDING_KEYWORDS.contains(word) {
                                Some(*word)
                            } else {
                                self.unknown_word(
                                    Code::TextUnknownKeyword,
                                    word,
                                    *span,
                                    "binding keyword",
                                    &BINDING_KEYWORDS,
                                )
                            }
                        }
                        other => {
                            self.extra_atom(
                                other,
                                "expected `ref`, `owner`, `linkdev` or `backend`",
                            );
                            None
                        }
                    };
                    match keyword {
                        Some("ref") => {
                            if let Some(new) = self.filter_ref(line) {
                                if let Some(first) = &filterref {
                                    let diagnostic = self
                                        .error(
                                            Code::TextDuplicate,
                                            first_span(line),
                                            "a second `ref` in a binding",
                                        )
                                        .with_label("a binding references exactly one filter")
                                        .with_related(self.file, first.span, "first given here")
                                        .with_help(
                                            "make a filter that references both, and bind that one",
                                        );
                                    self.report(diagnostic);
                                } else {
                                    filterref = Some(new);
                                }
                            }
                        }
                        Some("owner") => {
                            let name = line.atoms.get(1).map(|atom| self.name(atom));
                            let uuid = line.atoms.get(2).and_then(|atom| self.uuid_value(atom));
                            for extra in line.atoms.iter().skip(3) {
                                self.extra_atom(extra, "`owner` takes a name and a UUID");
                            }
                            match (name, uuid) {
                                (Some(name), Some(uuid)) => {
                                    self.set_once(
                                        &mut owner,
                                        Owner { name, uuid },
                                        first_span(line),
                                        "owner",
                                        |owner| owner.name.span,
                                    );
                                }
                                (_, None) if line.atoms.len() < 3 => {
                                    let diagnostic = self
                                        .error(
                                            Code::TextMissing,
                                            line.span,
                                            "`owner` needs a name and a UUID",
                                        )
                                        .with_label("expected `owner NAME UUID`");
                                    self.report(diagnostic);
                                }
                                _ => {}
                            }
                        }
                        Some(word @ ("linkdev" | "backend")) => {
                            let Some(atom) = line.atoms.get(1) else {
                                let diagnostic = self
                                    .error(
                                        Code::TextMissing,
                                        line.span,
                                        format!("`{word}` without a value"),
                                    )
                                    .with_label("expected a name after this");
                                self.report(diagnostic);
                                index += 1;
                                continue;
                            };
                            let value = self.name(atom);
                            for extra in line.atoms.iter().skip(2) {
                                self.extra_atom(extra, "this takes one name");
                            }
                            let slot = if word == "linkdev" {
                                &mut linkdev
                            } else {
                                &mut backend
                            };
                            self.set_once(slot, value, first_span(line), word, |value| value.span);
                        }
                        _ => {}
                    }
                }
            }
            index += 1;
        }
        let Some(filterref) = filterref else {
            let diagnostic = self
                .error(Code::TextMissing, keyword_span, "binding without a `ref`")
                .with_label("a binding names the filter its interface uses")
                .with_help("add a line `ref FILTER` inside the block");
            self.report(diagnostic);
            return None;
        };
        Some(Binding {
            portdev: portdev?,
            linkdev,
            mac,
            owner,
            filterref,
            backend,
            source: BindingSource::Text,
            span: block.span,
        })
    }

    pub(super) fn set_once<T>(
        &mut self,
        slot: &mut Option<T>,
        value: T,
        span: Span,
        what: &str,
        first_span: impl Fn(&T) -> Span,
    ) {
        if let Some(first) = slot {
            let diagnostic = self
                .error(Code::TextDuplicate, span, format!("`{what}` given twice"))
                .with_label("the first one is kept")
                .with_related(self.file, first_span(first), "first given here");
            self.report(diagnostic);
        } else {
            *slot = Some(value);
        }
    }

    pub(super) fn mac(&mut self, atom: &Atom<'_>) -> Option<Spanned<MacAddr>> {
        let span = atom.span();
        if let Atom::Word(word, _) = atom {
            if let Some(mac) = MacAddr::parse(word) {
                return Some(Spanned::new(mac, span));
            }
        }
        let diagnostic = self
            .error(Code::TextBadValue, span, "expected a MAC address")
            .with_label("not a MAC address")
            .with_help("write it as six hex bytes: 52:54:00:11:22:33");
        self.report(diagnostic);
        None
    }
}
