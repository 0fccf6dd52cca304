//! Lowering of `filter NAME [chain C] [priority N] { ... }` blocks: the
//! header options, `uuid`, and the dispatch of each body line to a rule or
//! a `ref`. Rules themselves are lowered in [`super::rule`], `ref`s in
//! [`super::reference`].

use super::{FILTER_KEYWORDS, Lowerer, is_item_block};
use crate::diagnostic::{Code, did_you_mean};
use crate::ir::{Chain, ChainKind, Entry, Filter};
use crate::span::{Span, Spanned};
use crate::text::ast::{Atom, Block, Line, Node, Value as AstValue};

impl Lowerer<'_> {
    // ---- filter -----------------------------------------------------------

    pub(super) fn filter<'t>(
        &mut self,
        block: &'t Block<'t>,
        hoisted: &mut Vec<&'t Block<'t>>,
    ) -> Filter {
        let keyword_span = block.head.first().map_or(block.open, Atom::span);
        let mut head = block.head.iter().skip(1).peekable();
        let name = if let Some(atom @ (Atom::Word(..) | Atom::Str(..))) = head.peek() {
            let name = self.name(atom);
            head.next();
            name
        } else {
            let diagnostic = self
                .error(Code::TextMissing, keyword_span, "filter without a name")
                .with_label("expected the filter's name after `filter`")
                .with_help("write `filter NAME {`");
            self.report(diagnostic);
            Spanned::new(String::new(), Span::empty(keyword_span.end()))
        };
        let mut filter = Filter {
            name,
            chain: None,
            priority: None,
            uuid: None,
            entries: Vec::new(),
            span: block.span,
        };
        let options = self.options(head, &["chain", "priority"]);
        let mut priority_keyword = None;
        for (option, value) in &options {
            match option.value {
                "chain" => filter.chain = self.chain(value).or(filter.chain),
                "priority" => {
                    filter.priority = self.priority(value, "filter priority").or(filter.priority);
                    priority_keyword = Some(option.span);
                }
                _ => {}
            }
        }
        if let (Some(span), None, Some(_)) = (priority_keyword, &filter.chain, &filter.priority) {
            // libvirt ignores the priority of a filter without a chain (as
            // the XML reader does, the IR drops it).
            let diagnostic = self
                .error(
                    Code::TextIgnoredByLibvirt,
                    span,
                    "libvirt ignores a filter priority without a `chain`",
                )
                .with_label("has no effect")
                .with_help("add `chain root` (or another chain) to make the priority count");
            self.report(diagnostic);
            filter.priority = None;
        }
        if let Some(lost) = filter.priority_lost_in_xml() {
            let diagnostic = crate::lossless::priority_zero_warning(
                Code::TextPriorityZeroLost,
                self.file,
                lost.span,
                &filter.chain_or_root(),
            );
            self.report(diagnostic);
        }
        self.filter_body(&block.body, &mut filter, hoisted, block.close.is_none());
        filter
    }

    pub(super) fn filter_body<'t>(
        &mut self,
        nodes: &'t [Node<'t>],
        filter: &mut Filter,
        hoisted: &mut Vec<&'t Block<'t>>,
        unclosed: bool,
    ) {
        let mut index = 0;
        while index < nodes.len() {
            match &nodes[index] {
                Node::Comment(first) => {
                    let (comment, next) = self.comment_run(nodes, index, first);
                    filter.entries.push(Entry::Comment(comment));
                    index = next;
                    continue;
                }
                Node::Line(line) => self.filter_line(line, filter),
                Node::Block(nested) => {
                    if is_item_block(nested) {
                        if !unclosed {
                            let span = nested.head.first().map_or(nested.open, Atom::span);
                            let diagnostic = self
                                .error(Code::TextMisplaced, span, "a block inside a filter")
                                .with_label("blocks cannot nest")
                                .with_help("move this block after the `}` of the filter around it");
                            self.report(diagnostic);
                        }
                        hoisted.push(nested);
                    } else {
                        let span = nested.head.first().map_or(nested.open, Atom::span);
                        let diagnostic = self
                            .error(Code::TextMisplaced, span, "unexpected `{` inside a filter")
                            .with_label("rules and `ref`s are single lines without braces");
                        self.report(diagnostic);
                    }
                }
                Node::StrayClose(span) => self.stray("`}`", *span),
            }
            index += 1;
        }
    }

    pub(super) fn filter_line(&mut self, line: &Line<'_>, filter: &mut Filter) {
        let Some(first) = line.atoms.first() else {
            return;
        };
        let keyword = match first {
            Atom::Word(word, span) => {
                if FILTER_KEYWORDS.contains(word) {
                    Some(*word)
                } else if let Some(action) = crate::ir::Action::parse(word) {
                    let diagnostic = self
                        .error(
                            Code::TextUnknownKeyword,
                            *span,
                            format!("rule starts with the action `{word}`"),
                        )
                        .with_label("expected a direction first")
                        .with_help(format!(
                            "a rule is `DIRECTION {} ...`, e.g. `inout {}`",
                            action.as_str(),
                            action.as_str()
                        ));
                    self.report(diagnostic);
                    None
                } else {
                    self.unknown_word(
                        Code::TextUnknownKeyword,
                        word,
                        *span,
                        "keyword",
                        &FILTER_KEYWORDS,
                    )
                }
            }
            Atom::Pair(pair) => {
                let diagnostic = self
                    .error(
                        Code::TextUnexpectedToken,
                        pair.span(),
                        "a line cannot start with an attribute",
                    )
                    .with_label("expected a rule, `ref` or `uuid`")
                    .with_help("a rule is `DIRECTION ACTION PROTOCOL ATTR = VALUE ...`");
                self.report(diagnostic);
                None
            }
            other => {
                let diagnostic = self
                    .error(
                        Code::TextUnexpectedToken,
                        other.span(),
                        "expected a rule, `ref` or `uuid`",
                    )
                    .with_label("cannot start a line");
                self.report(diagnostic);
                None
            }
        };
        match keyword {
            Some("uuid") => self.uuid(line, filter),
            Some("ref") => {
                if let Some(filter_ref) = self.filter_ref(line) {
                    filter.entries.push(Entry::Ref(filter_ref));
                }
            }
            Some(direction) => {
                if let Some(rule) = self.rule(line, direction) {
                    filter.entries.push(Entry::Rule(rule));
                }
            }
            None => {}
        }
    }

    pub(super) fn uuid(&mut self, line: &Line<'_>, filter: &mut Filter) {
        let keyword = line.atoms[0].span();
        let Some(atom) = line.atoms.get(1) else {
            let diagnostic = self
                .error(Code::TextMissing, keyword, "`uuid` without a value")
                .with_label("expected a UUID such as 01a992d2-f8c8-7c27-f69b-ab0a9d377379");
            self.report(diagnostic);
            return;
        };
        for extra in &line.atoms[2..] {
            self.extra_atom(extra, "`uuid` takes one value");
        }
        let Some(uuid) = self.uuid_value(atom) else {
            return;
        };
        if let Some(first) = &filter.uuid {
            let diagnostic = self
                .error(Code::TextDuplicate, keyword, "a second `uuid`")
                .with_label("a filter has one UUID")
                .with_related(self.file, first.span, "first given here");
            self.report(diagnostic);
            return;
        }
        filter.uuid = Some(uuid);
    }

    pub(super) fn uuid_value(&mut self, atom: &Atom<'_>) -> Option<Spanned<String>> {
        let (text, span) = match atom {
            Atom::Word(word, span) => (*word, *span),
            other => {
                let diagnostic = self
                    .error(Code::TextBadValue, other.span(), "expected a UUID")
                    .with_label("a UUID is 32 hex digits in groups 8-4-4-4-12");
                self.report(diagnostic);
                return None;
            }
        };
        if is_uuid(text) {
            Some(Spanned::new(text.to_ascii_lowercase(), span))
        } else {
            let diagnostic = self
                .error(Code::TextBadValue, span, format!("`{text}` is not a UUID"))
                .with_label("expected 32 hex digits in groups 8-4-4-4-12")
                .with_help("for example 01a992d2-f8c8-7c27-f69b-ab0a9d377379");
            self.report(diagnostic);
            None
        }
    }

    /// Reports an atom that follows a complete statement.
    pub(super) fn extra_atom(&mut self, atom: &Atom<'_>, why: &str) {
        let diagnostic = self
            .error(
                Code::TextUnexpectedToken,
                atom.span(),
                "unexpected extra text",
            )
            .with_label(why.to_owned())
            .with_fix("remove it", atom.span(), "");
        self.report(diagnostic);
    }

    // ---- header options, names, chains, priorities ---------------------------

    /// Reads `KEYWORD VALUE` pairs (`chain arp priority -500`) from a block
    /// header, reporting unknown keywords, duplicates and missing values.
    pub(super) fn options<'t, 'src: 't>(
        &mut self,
        atoms: impl Iterator<Item = &'t Atom<'src>>,
        keywords: &[&'static str],
    ) -> Vec<(Spanned<&'static str>, Atom<'src>)> {
        let mut atoms = atoms.peekable();
        let mut found: Vec<(Spanned<&'static str>, Atom<'src>)> = Vec::new();
        while let Some(atom) = atoms.next() {
            let (keyword, value) = match atom {
                Atom::Word(word, span) => {
                    let keyword = keywords
                        .iter()
                        .copied()
                        .find(|keyword| keyword == word)
                        .or_else(|| {
                            self.unknown_word(
                                Code::TextUnknownKeyword,
                                word,
                                *span,
                                "option",
                                keywords,
                            )
                        });
                    let Some(keyword) = keyword else { continue };
                    if let Some(value @ (Atom::Word(..) | Atom::Str(..))) = atoms.peek() {
                        let value = (*value).clone();
                        atoms.next();
                        (Spanned::new(keyword, *span), value)
                    } else {
                        let diagnostic = self
                            .error(
                                Code::TextMissing,
                                *span,
                                format!("`{keyword}` without a value"),
                            )
                            .with_label(format!("expected a value after `{keyword}`"));
                        self.report(diagnostic);
                        continue;
                    }
                }
                Atom::Pair(pair) => {
                    let Some(keyword) = keywords
                        .iter()
                        .copied()
                        .find(|keyword| *keyword == pair.key.text)
                    else {
                        self.unknown_word(
                            Code::TextUnknownKeyword,
                            pair.key.text,
                            pair.key.span,
                            "option",
                            keywords,
                        );
                        continue;
                    };
                    let diagnostic = self
                        .error(
                            Code::TextUnexpectedToken,
                            pair.op,
                            format!("`{keyword}` takes no `=`"),
                        )
                        .with_label("remove this")
                        .with_help(format!("write `{keyword} VALUE`"))
                        .with_fix("remove the operator", pair.op, "");
                    self.report(diagnostic);
                    let value = match &pair.value {
                        Some(AstValue::Word(word, span)) => Atom::Word(word, *span),
                        Some(AstValue::Str(text, span)) => Atom::Str(text.clone(), *span),
                        _ => continue,
                    };
                    (Spanned::new(keyword, pair.key.span), value)
                }
                Atom::Stray(what, span) => {
                    self.stray(what, *span);
                    continue;
                }
                other => {
                    self.extra_atom(other, "expected an option such as `chain` or `priority`");
                    continue;
                }
            };
            if let Some((first, _)) = found.iter().find(|(seen, _)| seen.value == keyword.value) {
                let diagnostic = self
                    .error(
                        Code::TextDuplicate,
                        keyword.span,
                        format!("`{}` given twice", keyword.value),
                    )
                    .with_label("the first one is kept")
                    .with_related(self.file, first.span, "first given here");
                self.report(diagnostic);
                continue;
            }
            found.push((keyword, value));
        }
        found
    }

    /// A name: a word, or a quoted string for names with other characters.
    pub(super) fn name(&mut self, atom: &Atom<'_>) -> Spanned<String> {
        match atom {
            Atom::Word(word, span) => Spanned::new((*word).to_owned(), *span),
            Atom::Str(text, span) => Spanned::new(text.clone(), *span),
            other => {
                let diagnostic = self
                    .error(Code::TextBadValue, other.span(), "expected a name")
                    .with_label("a name is a word or a quoted string");
                self.report(diagnostic);
                Spanned::new(String::new(), other.span())
            }
        }
    }

    pub(super) fn chain(&mut self, atom: &Atom<'_>) -> Option<Spanned<Chain>> {
        let name = self.name(atom);
        if let Some(chain) = parse_chain(&name.value) {
            return Some(Spanned::new(chain, name.span));
        }
        let kinds: Vec<&'static str> = ChainKind::ALL.iter().map(|kind| kind.as_str()).collect();
        let mut diagnostic = self
            .error(Code::TextBadValue, name.span, format!("`{}` is not a chain", name.value))
            .with_label("not a chain name")
            .with_help(
                "a chain is `root`, or `mac`, `stp`, `vlan`, `arp`, `rarp`, `ipv4` or `ipv6` optionally \
                 followed by a short suffix of letters, digits and `_.:-` (`arp-xyz`)",
            );
        if let Some(better) = did_you_mean(&name.value, kinds) {
            diagnostic = diagnostic.with_fix(format!("replace with `{better}`"), name.span, better);
        }
        self.report(diagnostic);
        None
    }

    pub(super) fn priority(&mut self, atom: &Atom<'_>, what: &str) -> Option<Spanned<i16>> {
        let (text, span) = match atom {
            Atom::Word(word, span) => (*word, *span),
            other => ("", other.span()),
        };
        match text.parse::<i32>() {
            Ok(value) if (-1000..=1000).contains(&value) => Some(Spanned::new(
                i16::try_from(value).expect("in -1000..=1000"),
                span,
            )),
            _ => {
                let diagnostic = self
                    .error(
                        Code::TextBadValue,
                        span,
                        format!("`{text}` is not a valid {what}"),
                    )
                    .with_label("expected a whole number from -1000 to 1000")
                    .with_help("lower priorities are evaluated first; the range is -1000..=1000");
                self.report(diagnostic);
                None
            }
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Parses a chain name: `root`, or a protocol word with an optional suffix
/// of at most [`ChainKind::max_suffix_len`] characters from `[a-zA-Z0-9_.:-]`.
pub fn parse_chain(text: &str) -> Option<Chain> {
    if text == "root" {
        return Some(Chain::root());
    }
    // Longest protocol word first, so that `rarp-x` is not read as `r` + ...
    let mut kinds: Vec<ChainKind> = ChainKind::ALL
        .iter()
        .copied()
        .filter(|kind| *kind != ChainKind::Root)
        .collect();
    kinds.sort_by_key(|kind| std::cmp::Reverse(kind.as_str().len()));
    let kind = kinds
        .into_iter()
        .find(|kind| text.starts_with(kind.as_str()))?;
    let suffix = &text[kind.as_str().len()..];
    let valid = suffix.len() <= kind.max_suffix_len()
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    valid.then(|| Chain {
        kind,
        suffix: suffix.to_owned(),
    })
}
