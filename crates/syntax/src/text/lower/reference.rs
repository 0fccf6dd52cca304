//! Lowering of `ref NAME [PARAM = VALUE | PARAM = [V1, V2]]...`, libvirt's
//! `<filterref>` with its `<parameter>`s. Parameter values stay untyped
//! strings, as in the IR; a list gives one parameter per value.

use super::Lowerer;
use crate::diagnostic::Code;
use crate::ir::{FilterRef, Param};
use crate::span::{Span, Spanned};
use crate::text::ast::{Atom, Line, Value as AstValue};

impl Lowerer<'_> {
    // ---- ref ----------------------------------------------------------------

    /// `ref NAME [PARAM = VALUE | PARAM = [V, ...]]...`
    pub(super) fn filter_ref(&mut self, line: &Line<'_>) -> Option<FilterRef> {
        let keyword = line.atoms[0].span();
        let Some(atom @ (Atom::Word(..) | Atom::Str(..))) = line.atoms.get(1) else {
            let diagnostic = self
                .error(Code::TextMissing, keyword, "`ref` without a filter name")
                .with_label("expected the name of the filter to reference")
                .with_help("write `ref NAME` or `ref NAME PARAM = VALUE`");
            self.report(diagnostic);
            return None;
        };
        let name = self.name(atom);
        let mut params = Vec::new();
        let mut atoms = line.atoms[2..].iter().peekable();
        while let Some(atom) = atoms.next() {
            match atom {
                Atom::Pair(pair) => {
                    if !is_param_name(pair.key.text) {
                        let diagnostic = self
                            .error(
                                Code::TextBadValue,
                                pair.key.span,
                                format!("`{}` is not a parameter name", pair.key.text),
                            )
                            .with_label("parameter names are letters, digits and `_`");
                        self.report(diagnostic);
                        continue;
                    }
                    if pair.negated {
                        let diagnostic = self
                            .error(Code::TextMisplaced, pair.op, "`!=` in a `ref` parameter")
                            .with_label("parameters are assignments")
                            .with_fix("use `=`", pair.op, "=");
                        self.report(diagnostic);
                    }
                    let key = Spanned::new(pair.key.text.to_owned(), pair.key.span);
                    match &pair.value {
                        None => {
                            let diagnostic = self
                                .error(
                                    Code::TextMissing,
                                    pair.op,
                                    format!("parameter `{}` without a value", pair.key.text),
                                )
                                .with_label("expected a value or a list `[V1, V2]` after this");
                            self.report(diagnostic);
                        }
                        Some(AstValue::List(list)) => {
                            if !list.closed {
                                self.unclosed_list(list.span);
                            }
                            if list.items.is_empty() {
                                let diagnostic = self
                                    .error(
                                        Code::TextMissing,
                                        list.span,
                                        format!("parameter `{}` with an empty list", pair.key.text),
                                    )
                                    .with_label("a list needs at least one value");
                                self.report(diagnostic);
                            }
                            for item in &list.items {
                                for value in split_list_word(item) {
                                    self.push_param(&mut params, &key, &value);
                                }
                            }
                        }
                        Some(value) => self.push_param(&mut params, &key, value),
                    }
                }
                Atom::Word(word, span) if is_param_name(word) => {
                    let mut diagnostic = self
                        .error(
                            Code::TextMissingOperator,
                            *span,
                            format!("parameter `{word}` without `=`"),
                        )
                        .with_label("expected `=` after the parameter name");
                    if let Some(
                        value @ (Atom::Word(..) | Atom::Str(..) | Atom::Var(..) | Atom::List(..)),
                    ) = atoms.peek()
                    {
                        diagnostic =
                            diagnostic.with_fix("insert `=`", Span::empty(span.end()), " =");
                        let value = (*value).clone();
                        atoms.next();
                        let key = Spanned::new((*word).to_owned(), *span);
                        let values: Vec<AstValue<'_>> = match value {
                            Atom::Word(word, span) => vec![AstValue::Word(word, span)],
                            Atom::Str(text, span) => vec![AstValue::Str(text, span)],
                            Atom::Var(var, span) => vec![AstValue::Var(var, span)],
                            Atom::List(list) => list.items,
                            _ => Vec::new(),
                        };
                        for value in &values {
                            self.push_param(&mut params, &key, value);
                        }
                    }
                    self.report(diagnostic);
                }
                Atom::Stray(what, span) => self.stray(what, *span),
                other => self.extra_atom(other, "expected `PARAM = VALUE`"),
            }
        }
        Some(FilterRef {
            filter: name,
            params,
            span: line.span,
        })
    }

    /// Adds one parameter value, unless libvirt would ignore it: libvirt
    /// keeps only values made of letters, digits and `_.:` (the XML reader
    /// drops the others too).
    fn push_param(
        &mut self,
        params: &mut Vec<Param>,
        name: &Spanned<String>,
        value: &AstValue<'_>,
    ) {
        let value = param_value(value);
        if is_libvirt_param_value(&value.value) {
            params.push(Param {
                name: name.clone(),
                value,
            });
            return;
        }
        let diagnostic = self
            .error(
                Code::TextIgnoredByLibvirt,
                value.span,
                format!(
                    "libvirt ignores parameter {} with value `{}`: values consist of letters, digits and _.:",
                    name.value, value.value
                ),
            )
            .with_label("unusable parameter value")
            .with_help("a parameter passes a plain value (an address, a number, a name); variables of the referencing filter reach the referenced one without being passed");
        self.report(diagnostic);
    }

    pub(super) fn unclosed_list(&mut self, span: Span) {
        let diagnostic = self
            .error(Code::TextUnexpectedToken, span, "list without `]`")
            .with_label("this list is not closed")
            .with_help("close the list with `]`; separate its values with `,`")
            .with_fix("close the list", Span::empty(span.end()), "]");
        self.report(diagnostic);
    }
}

fn param_value(value: &AstValue<'_>) -> Spanned<String> {
    match value {
        AstValue::Word(text, span) | AstValue::Var(text, span) => {
            Spanned::new((*text).to_owned(), *span)
        }
        AstValue::Str(text, span) => Spanned::new(text.clone(), *span),
        AstValue::List(list) => Spanned::new(String::new(), list.span),
    }
}

fn is_param_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_libvirt_param_value(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':'))
}

/// A list item written without spaces after its commas (`[a,b]`) lexes as
/// one word; inside a list the commas separate values all the same.
fn split_list_word<'src>(value: &AstValue<'src>) -> Vec<AstValue<'src>> {
    let AstValue::Word(word, span) = value else {
        return vec![value.clone()];
    };
    let mut start = span.start();
    word.split(',')
        .map(|part| {
            let item = AstValue::Word(part, Span::new(start, start + part.len()));
            start += part.len() + 1;
            item
        })
        .collect()
}
