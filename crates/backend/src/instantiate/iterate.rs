//! Expanding one rule over the values of its variables, the way libvirt's
//! combination iterator does (`virNWFilterVarCombIter*` in
//! `nwfilter_params.c`, read and re-implemented):
//!
//! - the variable accesses of a rule are taken in the protocol's attribute
//!   order, each distinct access once;
//! - there is always an iterator 0 (`$X` is `$X[@0]`); each other `[@N]` is
//!   one iterator; each `$X[N]` is a fixed position of its own;
//! - variables on one iterator advance together and must have lists of the
//!   same length;
//! - the first iterator varies fastest; a position whose values (for all the
//!   iterator's variables) already occurred at an earlier position of that
//!   iterator is skipped.

use nwf_syntax::ir::{Value, VarAccess, VarRef};
use nwf_syntax::{Code, Diagnostic, Span};

use super::{Collected, InstAttr, InstRule, canonical_attrs};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Iterator(u32),
    /// A `$X[N]` access, by its index in the access list.
    Element(usize),
}

struct Position {
    key: Key,
    names: Vec<String>,
    min: usize,
    max: usize,
    current: usize,
}

/// Appends the instances of `item` to `out`, or diagnostics to `diagnostics`.
pub(super) fn expand(
    item: &Collected<'_>,
    out: &mut Vec<InstRule>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let rule = item.rule;
    let filter = item.filter;
    let chain = filter.chain_or_root();
    let chain_priority = filter
        .priority
        .as_ref()
        .map_or_else(|| chain.default_priority(), |priority| priority.value);
    let base = InstRule {
        filter: filter.name.value.clone(),
        file: item.file,
        span: rule.span,
        chain,
        chain_priority,
        priority: rule.priority_or_default(),
        action: rule.action.value,
        direction: rule.direction.value,
        statematch: rule.statematch_enabled(),
        protocol: rule
            .protocol
            .as_ref()
            .map(|protocol| protocol.protocol.value),
        attrs: Vec::new(),
    };
    let Some(protocol_match) = &rule.protocol else {
        out.push(base);
        return;
    };
    let protocol = protocol_match.protocol.value;
    let attrs = canonical_attrs(protocol, &protocol_match.attrs);

    // Distinct variable accesses, in attribute order.
    let mut accesses: Vec<(&VarRef, Span)> = Vec::new();
    for attr in &attrs {
        if let Value::Var(var) = &attr.value.value {
            if !accesses.iter().any(|(seen, _)| *seen == var) {
                accesses.push((var, attr.value.span));
            }
        }
    }

    let vars = &item.vars;
    let mut ok = true;
    for (var, span) in &accesses {
        if !vars.contains_key(&var.name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::VariableUndefined,
                    item.file,
                    *span,
                    format!("variable `{}` has no value", var.name),
                )
                .with_label(format!("`{var}` is used here"))
                .with_help(format!(
                    "pass `{}` as a parameter of the binding or of a filter reference on the way to `{}`",
                    var.name, filter.name.value
                )),
            );
            ok = false;
        }
    }
    if !ok {
        return;
    }

    // Build the positions: iterator 0 always exists.
    let mut positions = vec![Position {
        key: Key::Iterator(0),
        names: Vec::new(),
        min: 0,
        max: 0,
        current: 0,
    }];
    let mut access_position = Vec::with_capacity(accesses.len());
    for (access_idx, (var, span)) in accesses.iter().enumerate() {
        let len = vars.get(&var.name).map_or(0, Vec::len);
        let (key, min, max) = match var.access {
            VarAccess::Iterator(id) => (Key::Iterator(id), 0, len.saturating_sub(1)),
            VarAccess::Index(index) => {
                let index = index as usize;
                if index >= len {
                    diagnostics.push(
                        Diagnostic::new(
                            Code::IndexOutOfRange,
                            item.file,
                            *span,
                            format!(
                                "`{var}` reads element {index}, but `{}` has {len} value{}",
                                var.name,
                                if len == 1 { "" } else { "s" }
                            ),
                        )
                        .with_label("index out of range"),
                    );
                    return;
                }
                (Key::Element(access_idx), index, index)
            }
        };
        let position_idx =
            if let Some(found) = positions.iter().position(|position| position.key == key) {
                found
            } else {
                positions.push(Position {
                    key,
                    names: Vec::new(),
                    min,
                    max,
                    current: min,
                });
                positions.len() - 1
            };
        let position = &mut positions[position_idx];
        if position.names.is_empty() {
            position.min = min;
            position.max = max;
            position.current = min;
        } else if position.max != max {
            diagnostics.push(
                Diagnostic::new(
                    Code::ListLengthMismatch,
                    item.file,
                    *span,
                    format!(
                        "`{var}` advances together with `${}`, but their lists have {} and {} values",
                        position.names[0],
                        len,
                        position.max + 1
                    ),
                )
                .with_label("iterated in parallel")
                .with_help("give one of them its own iterator, e.g. `$NAME[@1]`"),
            );
            return;
        }
        if !position.names.contains(&var.name) {
            position.names.push(var.name.clone());
        }
        access_position.push(position_idx);
    }

    loop {
        // Substitute the current combination.
        let mut instance = base.clone();
        let mut failed = false;
        for attr in &attrs {
            let value = match &attr.value.value {
                Value::Var(var) => {
                    let access_idx = accesses
                        .iter()
                        .position(|(seen, _)| *seen == var)
                        .expect("every variable of the rule is in the access list");
                    let position = &positions[access_position[access_idx]];
                    let text = vars
                        .get(&var.name)
                        .and_then(|values| values.get(position.current))
                        .map_or("", String::as_str);
                    let kind = protocol
                        .attr(attr.attr.value)
                        .map_or(nwf_syntax::ir::ValueKind::Comment, |spec| spec.kind);
                    match nwf_syntax::values::parse_literal(kind, text) {
                        Ok(value) => value,
                        Err(reason) => {
                            diagnostics.push(
                                Diagnostic::new(
                                    Code::VariableValueInvalid,
                                    item.file,
                                    attr.value.span,
                                    format!(
                                        "`{var}` is `{text}`, which is not a valid `{}`: {reason}",
                                        attr.attr.value
                                    ),
                                )
                                .with_label("substituted here"),
                            );
                            failed = true;
                            break;
                        }
                    }
                }
                other => other.clone(),
            };
            instance.attrs.push(InstAttr {
                attr: attr.attr.value,
                value,
                negated: attr.negated,
            });
        }
        if failed {
            return;
        }
        out.push(instance);
        if !advance(&mut positions, vars) {
            return;
        }
    }
}

/// Moves to the next combination; `false` when all were produced.
fn advance(positions: &mut [Position], vars: &super::Vars) -> bool {
    for position in positions.iter_mut() {
        loop {
            position.current += 1;
            if position.current > position.max {
                position.current = position.min;
                break;
            }
            if is_new(position, vars) {
                return true;
            }
        }
    }
    false
}

/// Whether the position's current values did not occur at an earlier index.
fn is_new(position: &Position, vars: &super::Vars) -> bool {
    let value_at = |name: &str, idx: usize| vars.get(name).and_then(|values| values.get(idx));
    (0..position.current).all(|earlier| {
        !position
            .names
            .iter()
            .all(|name| value_at(name, earlier) == value_at(name, position.current))
    })
}
