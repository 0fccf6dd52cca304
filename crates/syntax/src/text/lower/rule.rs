//! Lowering of one rule line:
//! `DIRECTION ACTION [PROTOCOL (ATTR = V | ATTR != V)*] [priority N] [statematch false]`.
//!
//! Attribute values are read with the shared value functions of
//! [`crate::values`], the same the XML reader uses, so a value means the same
//! in both forms. This file decides only what the text form adds: which word
//! is which, `!=` as the per-attribute negation the IR stores, and the
//! diagnostics (with "did you mean" fixes for actions, protocols and
//! attributes).

use super::Lowerer;
use super::suggest;
use crate::diagnostic::Code;
use crate::ir::{Action, Attr, AttrMatch, Direction, Protocol, ProtocolMatch, Rule};
use crate::span::{Span, Spanned};
use crate::text::ast::{Atom, Line, Pair, Value as AstValue};
use crate::values::{self, ValueError};
use crate::xml::{effective_negation, has_ipset_fixup, negation_source};

/// The words a rule accepts after its protocol's attributes.
const RULE_OPTIONS: [&str; 2] = ["priority", "statematch"];

impl Lowerer<'_> {
    /// Lowers a rule line whose first word is the direction `direction`.
    /// Returns `None` when the rule has no usable action or protocol (the
    /// reason is reported).
    pub(super) fn rule(&mut self, line: &Line<'_>, direction: &str) -> Option<Rule> {
        let direction = Spanned::new(
            Direction::parse(direction).expect("the caller checked the direction word"),
            line.atoms[0].span(),
        );
        let action = self.action(line)?;
        let mut rule = Rule {
            action,
            direction,
            priority: None,
            statematch: None,
            protocol: None,
            span: line.span,
        };
        let mut atoms = line.atoms[2..].iter().peekable();
        let mut usable = true;
        while let Some(Atom::Stray(what, span)) = atoms.peek() {
            self.stray(what, *span);
            atoms.next();
        }
        if let Some(Atom::Pair(pair)) = atoms.peek() {
            if let Some(protocol) = Protocol::parse(pair.key.text) {
                // `tcp = 80`: a protocol followed by an operator.
                let diagnostic = self
                    .error(
                        Code::TextUnexpectedToken,
                        pair.op,
                        format!(
                            "`{}` after the protocol `{protocol}`",
                            if pair.negated { "!=" } else { "=" }
                        ),
                    )
                    .with_label("a protocol takes no value")
                    .with_help(format!(
                        "write attributes after the protocol: `{protocol} ATTRIBUTE = VALUE`"
                    ));
                self.report(diagnostic);
                rule.protocol = Some(ProtocolMatch {
                    protocol: Spanned::new(protocol, pair.key.span),
                    attrs: Vec::new(),
                });
                atoms.next();
            }
        }
        if let (None, Some(Atom::Word(word, span))) = (&rule.protocol, atoms.peek()) {
            if !RULE_OPTIONS.contains(word) {
                atoms.next();
                match self.protocol(word, *span) {
                    Some(protocol) => {
                        rule.protocol = Some(ProtocolMatch {
                            protocol,
                            attrs: Vec::new(),
                        });
                    }
                    None => usable = false,
                }
            }
        }
        let mut reported_no_protocol = !usable;
        while let Some(atom) = atoms.next() {
            match atom {
                Atom::Pair(pair) if RULE_OPTIONS.contains(&pair.key.text) => {
                    let diagnostic = self
                        .error(
                            Code::TextUnexpectedToken,
                            pair.op,
                            format!("`{}` takes no `=`", pair.key.text),
                        )
                        .with_label("remove this")
                        .with_help(format!("write `{} VALUE`", pair.key.text))
                        .with_fix("remove the operator", pair.op, "");
                    self.report(diagnostic);
                    let value = match &pair.value {
                        Some(AstValue::Word(word, span)) => Atom::Word(word, *span),
                        other => {
                            Atom::Stray("a value", other.as_ref().map_or(pair.op, AstValue::span))
                        }
                    };
                    self.rule_option(&mut rule, pair.key.text, pair.key.span, Some(&value));
                }
                Atom::Pair(pair) => {
                    match rule.protocol.as_mut() {
                        Some(protocol) => {
                            if let Some(attr) = self.attr_match(protocol, pair) {
                                protocol.attrs.push(attr);
                            }
                        }
                        None => {
                            if !reported_no_protocol {
                                let diagnostic = self
                                .error(Code::TextMissing, pair.key.span, "attribute without a protocol")
                                .with_label("attributes belong to a protocol")
                                .with_help(format!(
                                    "name the protocol after the action, e.g. `{} {} tcp {} = ...`",
                                    rule.direction.value.as_str(),
                                    rule.action.value.as_str(),
                                    pair.key.text
                                ));
                                self.report(diagnostic);
                                reported_no_protocol = true;
                                usable = false;
                            }
                        }
                    }
                }
                Atom::Word(word, span) if RULE_OPTIONS.contains(word) => {
                    let value = atoms.next_if(|next| matches!(next, Atom::Word(..)));
                    self.rule_option(&mut rule, word, *span, value);
                }
                Atom::Word(word, span) => {
                    let next_is_value = matches!(
                        atoms.peek(),
                        Some(Atom::Word(..) | Atom::Str(..) | Atom::Var(..))
                    );
                    if let (Some(protocol), true) = (rule.protocol.as_mut(), next_is_value) {
                        if protocol
                            .protocol
                            .value
                            .attrs()
                            .iter()
                            .any(|spec| spec.attr.as_str() == *word)
                        {
                            // `dstportstart 80`: the `=` is missing; read it as if it were there.
                            let value = atoms.next().and_then(|atom| match atom {
                                Atom::Word(text, span) => Some(AstValue::Word(text, *span)),
                                Atom::Var(text, span) => Some(AstValue::Var(text, *span)),
                                Atom::Str(text, span) => Some(AstValue::Str(text.clone(), *span)),
                                _ => None,
                            });
                            let diagnostic = self
                                .error(
                                    Code::TextMissingOperator,
                                    *span,
                                    format!("attribute `{word}` without `=`"),
                                )
                                .with_label("expected `=` or `!=` after the attribute")
                                .with_fix("insert `=`", Span::empty(span.end()), " =");
                            self.report(diagnostic);
                            let pair = Pair {
                                key: crate::text::ast::Key {
                                    text: word,
                                    span: *span,
                                },
                                negated: false,
                                op: Span::empty(span.end()),
                                value,
                            };
                            if let Some(attr) = self.attr_match(protocol, &pair) {
                                protocol.attrs.push(attr);
                            }
                            continue;
                        }
                    }
                    let mut candidates: Vec<&'static str> = RULE_OPTIONS.to_vec();
                    if let Some(protocol) = &rule.protocol {
                        candidates.extend(
                            protocol
                                .protocol
                                .value
                                .attrs()
                                .iter()
                                .map(|spec| spec.attr.as_str()),
                        );
                    }
                    let better = self.unknown_word(
                        Code::TextUnknownKeyword,
                        word,
                        *span,
                        "word in a rule",
                        &candidates,
                    );
                    if let Some(option) = better.filter(|better| RULE_OPTIONS.contains(better)) {
                        // `priorty 100`: read the value as the option's.
                        let value = atoms.next_if(|next| matches!(next, Atom::Word(..)));
                        self.rule_option(&mut rule, option, *span, value);
                    }
                }
                Atom::Stray(what, span) => self.stray(what, *span),
                other => self.extra_atom(
                    other,
                    "expected `ATTRIBUTE = VALUE`, `priority N` or `statematch false`",
                ),
            }
        }
        if let Some(protocol) = rule.protocol.as_mut() {
            self.libvirt_fixups(protocol);
        }
        usable.then_some(rule)
    }

    /// Gives the match the meaning libvirt gives it (the XML reader does the
    /// same): negations copied between related attributes, `ipsetflags`
    /// without `ipset` dropped; each change is a warning.
    fn libvirt_fixups(&mut self, protocol: &mut ProtocolMatch) {
        let proto = protocol.protocol.value;
        let effective = effective_negation(proto, &protocol.attrs);
        for (entry, now) in protocol.attrs.iter_mut().zip(effective) {
            if entry.negated == now {
                continue;
            }
            let attr = entry.attr.value;
            let source = negation_source(proto, attr).map_or("?", Attr::as_str);
            let (message, op) = if now {
                (
                    format!("libvirt negates `{attr}` because `{source}` is negated"),
                    "!=",
                )
            } else {
                (
                    format!(
                        "libvirt drops the negation of `{attr}` because `{source}` is not negated"
                    ),
                    "=",
                )
            };
            let diagnostic = self
                .error(Code::TextNegationCopied, entry.attr.span, message)
                .with_label(format!("takes its negation from `{source}`"))
                .with_help(format!("write `{attr} {op} ...` to say what libvirt does, negate `{source}` too, or split the rule"));
            self.report(diagnostic);
            entry.negated = now;
        }
        if has_ipset_fixup(proto) && protocol.get(Attr::Ipset).is_none() {
            if let Some(index) = protocol
                .attrs
                .iter()
                .position(|entry| entry.attr.value == Attr::IpsetFlags)
            {
                let span = protocol.attrs[index].attr.span;
                let diagnostic = self
                    .error(
                        Code::TextIgnoredByLibvirt,
                        span,
                        "libvirt ignores `ipsetflags` without `ipset`",
                    )
                    .with_label("no ipset to apply to")
                    .with_help("add `ipset = NAME`, or remove `ipsetflags`");
                self.report(diagnostic);
                protocol.attrs.remove(index);
            }
        }
    }

    pub(super) fn action(&mut self, line: &Line<'_>) -> Option<Spanned<Action>> {
        let names: Vec<&'static str> = Action::ALL.iter().map(|action| action.as_str()).collect();
        match line.atoms.get(1) {
            Some(Atom::Word(word, span)) => {
                if let Some(action) = Action::parse(word) {
                    return Some(Spanned::new(action, *span));
                }
                let better =
                    self.unknown_word(Code::TextUnknownAction, word, *span, "action", &names)?;
                Action::parse(better).map(|action| Spanned::new(action, *span))
            }
            other => {
                let span =
                    other.map_or_else(|| Span::empty(line.atoms[0].span().end()), Atom::span);
                let diagnostic = self
                    .error(Code::TextMissing, span, "rule without an action")
                    .with_label("expected an action after the direction")
                    .with_help(format!("the actions are {}", names.join(", ")));
                self.report(diagnostic);
                None
            }
        }
    }

    pub(super) fn protocol(&mut self, word: &str, span: Span) -> Option<Spanned<Protocol>> {
        if let Some(protocol) = Protocol::parse(word) {
            return Some(Spanned::new(protocol, span));
        }
        let names: Vec<&'static str> = Protocol::ALL
            .iter()
            .map(|protocol| protocol.as_str())
            .collect();
        let better =
            self.unknown_word(Code::TextUnknownProtocol, word, span, "protocol", &names)?;
        Protocol::parse(better).map(|protocol| Spanned::new(protocol, span))
    }

    pub(super) fn rule_option(
        &mut self,
        rule: &mut Rule,
        word: &str,
        span: Span,
        value: Option<&Atom<'_>>,
    ) {
        let Some(value) = value else {
            let expected = if word == "priority" {
                "a number from -1000 to 1000"
            } else {
                "`false` or `true`"
            };
            let diagnostic = self
                .error(Code::TextMissing, span, format!("`{word}` without a value"))
                .with_label(format!("expected {expected} after this"));
            self.report(diagnostic);
            return;
        };
        if word == "priority" {
            let Some(priority) = self.priority(value, "rule priority") else {
                return;
            };
            if let Some(first) = &rule.priority {
                let first_span = first.span;
                self.duplicate(span, "priority", first_span);
            } else {
                rule.priority = Some(priority);
            }
            return;
        }
        let flag = match value {
            Atom::Word("true", _) => Some(true),
            Atom::Word("false", _) => Some(false),
            _ => None,
        };
        let Some(flag) = flag else {
            let diagnostic = self
                .error(
                    Code::TextBadValue,
                    value.span(),
                    "`statematch` is `false` or `true`",
                )
                .with_label("expected `false` (switch connection tracking off) or `true`");
            self.report(diagnostic);
            return;
        };
        if let Some(first) = &rule.statematch {
            let first_span = first.span;
            self.duplicate(span, "statematch", first_span);
        } else {
            rule.statematch = Some(Spanned::new(flag, value.span()));
        }
    }

    pub(super) fn duplicate(&mut self, span: Span, what: &str, first: Span) {
        let diagnostic = self
            .error(Code::TextDuplicate, span, format!("`{what}` given twice"))
            .with_label("the first one is kept")
            .with_related(self.file, first, "first given here");
        self.report(diagnostic);
    }

    /// One `ATTR = VALUE` / `ATTR != VALUE` of `protocol`.
    pub(super) fn attr_match(
        &mut self,
        protocol: &ProtocolMatch,
        pair: &Pair<'_>,
    ) -> Option<AttrMatch> {
        let proto = protocol.protocol.value;
        let Some(spec) = proto
            .attrs()
            .iter()
            .find(|spec| spec.attr.as_str() == pair.key.text)
        else {
            self.unknown_attr(proto, pair);
            return None;
        };
        if let Some(first) = protocol.get(spec.attr) {
            let first_span = first.attr.span;
            self.duplicate(pair.key.span, pair.key.text, first_span);
            return None;
        }
        let (raw, span) = match &pair.value {
            None => {
                let diagnostic = self
                    .error(
                        Code::TextMissing,
                        pair.op,
                        format!("attribute `{}` without a value", pair.key.text),
                    )
                    .with_label("expected a value after this");
                self.report(diagnostic);
                return None;
            }
            Some(AstValue::List(list)) => {
                let diagnostic = self
                    .error(Code::TextMisplaced, list.span, "a list as an attribute value")
                    .with_label("an attribute takes one value")
                    .with_help("to match several values, pass a list parameter with `ref` and use a `$VARIABLE` here");
                self.report(diagnostic);
                return None;
            }
            Some(AstValue::Word(text, span) | AstValue::Var(text, span)) => {
                ((*text).to_owned(), *span)
            }
            Some(AstValue::Str(text, span)) => (text.clone(), *span),
        };
        match values::parse_value(spec.kind, &raw) {
            Ok(value) => Some(AttrMatch {
                attr: Spanned::new(spec.attr, pair.key.span),
                value: Spanned::new(value, span),
                negated: pair.negated,
            }),
            Err(error) => {
                self.bad_value(pair.key.text, &raw, span, spec.kind, &error);
                None
            }
        }
    }

    pub(super) fn unknown_attr(&mut self, protocol: Protocol, pair: &Pair<'_>) {
        let names: Vec<&'static str> = protocol
            .attrs()
            .iter()
            .map(|spec| spec.attr.as_str())
            .collect();
        let key = pair.key.text;
        let others: Vec<&'static str> = Protocol::ALL
            .iter()
            .filter(|other| other.attrs().iter().any(|spec| spec.attr.as_str() == key))
            .map(|other| other.as_str())
            .collect();
        let message = if others.is_empty() {
            format!("unknown attribute `{key}`")
        } else {
            format!("`{key}` is not an attribute of `{protocol}`")
        };
        let mut diagnostic = self
            .error(Code::TextUnknownAttribute, pair.key.span, message)
            .with_label(format!("`{protocol}` has no such attribute"));
        if let Some(better) = suggest(key, &names) {
            diagnostic = diagnostic
                .with_help(format!("did you mean `{better}`?"))
                .with_fix(format!("replace with `{better}`"), pair.key.span, better);
        } else if !others.is_empty() {
            diagnostic = diagnostic.with_help(format!("`{key}` belongs to {}", others.join(", ")));
        } else {
            diagnostic = diagnostic.with_help(format!("`{protocol}` accepts {}", names.join(", ")));
        }
        self.report(diagnostic);
    }

    pub(super) fn bad_value(
        &mut self,
        attr: &str,
        raw: &str,
        span: Span,
        kind: crate::ir::ValueKind,
        error: &ValueError,
    ) {
        let mut diagnostic = self
            .error(
                Code::TextBadValue,
                span,
                format!("`{raw}` is not a valid `{attr}`: {error}"),
            )
            .with_label("invalid value");
        if let ValueError::UnknownName { .. } = error {
            if let Some(better) = suggest(raw, values::names(kind)) {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{better}`?"))
                    .with_fix(format!("replace with `{better}`"), span, better);
            }
        }
        self.report(diagnostic);
    }
}
