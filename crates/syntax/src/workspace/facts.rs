//! Facts about one file that the cross-file analysis needs, collected once
//! when the file is set: for every filter, the variables its own rules read.
//!
//! Only what one file says on its own lives here; nothing resolves names.

use crate::ir::{Document, Entry, Item, Value};
use crate::span::FileId;

use super::{Symbol, VarUse};

/// Per-file facts, indexed like the document's items.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    pub filters: Vec<FilterFacts>,
}

#[derive(Debug)]
pub(crate) struct FilterFacts {
    /// Index of the filter in `Document::items`.
    pub item: u32,
    /// Every variable read by the filter's own rules, in source order.
    pub uses: Vec<VarUse>,
    /// Variables one rule reads with the same iterator (lists that must
    /// have the same length).
    pub lockstep: Vec<Lockstep>,
}

/// Two or more variables that one rule reads with the same iterator, so
/// that libvirt walks their lists in lock-step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockstep {
    pub iterator: u32,
    /// One use per variable, sorted by name.
    pub uses: Vec<VarUse>,
}

impl Lockstep {
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.uses.iter().map(|var_use| var_use.name.as_str())
    }
}

impl FileFacts {
    pub fn collect(file: FileId, document: &Document) -> FileFacts {
        let mut filters = Vec::new();
        for (item_idx, item) in document.items.iter().enumerate() {
            let Item::Filter(filter) = item else {
                continue;
            };
            let mut uses = Vec::new();
            let mut lockstep = Vec::new();
            for rule in filter.rules() {
                let rule_start = uses.len();
                let Some(protocol) = &rule.protocol else {
                    continue;
                };
                for attr in &protocol.attrs {
                    let Value::Var(var) = &attr.value.value else {
                        continue;
                    };
                    let Some(spec) = protocol.protocol.value.attr(attr.attr.value) else {
                        continue;
                    };
                    uses.push(VarUse {
                        name: var.name.clone(),
                        file,
                        span: attr.value.span,
                        filter: filter.name.value.clone(),
                        access: var.access,
                        kind: spec.kind,
                        rule: rule.span.start,
                    });
                }
                lockstep.extend(lockstep_groups(&uses[rule_start..]));
            }
            filters.push(FilterFacts {
                item: u32::try_from(item_idx).unwrap_or(u32::MAX),
                uses,
                lockstep,
            });
        }
        FileFacts { filters }
    }
}

/// The lock-step groups of one rule's uses.
fn lockstep_groups(rule_uses: &[VarUse]) -> Vec<Lockstep> {
    let mut by_iterator: std::collections::BTreeMap<u32, Vec<VarUse>> =
        std::collections::BTreeMap::new();
    for var_use in rule_uses {
        if let crate::ir::VarAccess::Iterator(iterator) = var_use.access {
            let group = by_iterator.entry(iterator).or_default();
            if group.iter().all(|other| other.name != var_use.name) {
                group.push(var_use.clone());
            }
        }
    }
    by_iterator
        .into_iter()
        .filter(|(_, uses)| uses.len() >= 2)
        .map(|(iterator, mut uses)| {
            uses.sort_by(|a, b| a.name.cmp(&b.name));
            Lockstep { iterator, uses }
        })
        .collect()
}

/// The named thing whose span contains `offset`, innermost first.
pub(crate) fn symbol_at(document: &Document, offset: usize) -> Option<Symbol> {
    for item in &document.items {
        let filter_ref = match item {
            Item::Filter(filter) => {
                if !filter.span.contains(offset) && !filter.name.span.contains(offset) {
                    continue;
                }
                if filter.name.span.contains(offset) {
                    return Some(Symbol::FilterDefinition {
                        name: filter.name.value.clone(),
                        span: filter.name.span,
                    });
                }
                for entry in &filter.entries {
                    match entry {
                        Entry::Ref(filter_ref) if filter_ref.span.contains(offset) => {
                            return ref_symbol(filter_ref, offset);
                        }
                        Entry::Rule(rule) if rule.span.contains(offset) => {
                            let protocol = rule.protocol.as_ref()?;
                            return protocol.attrs.iter().find_map(|attr| {
                                match &attr.value.value {
                                    Value::Var(var) if attr.value.span.contains(offset) => {
                                        Some(Symbol::Variable {
                                            name: var.name.clone(),
                                            span: attr.value.span,
                                        })
                                    }
                                    _ => None,
                                }
                            });
                        }
                        _ => {}
                    }
                }
                continue;
            }
            Item::Binding(binding) => &binding.filterref,
            Item::Comment(_) => continue,
        };
        if filter_ref.span.contains(offset) {
            return ref_symbol(filter_ref, offset);
        }
    }
    None
}

fn ref_symbol(filter_ref: &crate::ir::FilterRef, offset: usize) -> Option<Symbol> {
    if filter_ref.filter.span.contains(offset) {
        return Some(Symbol::FilterReference {
            name: filter_ref.filter.value.clone(),
            span: filter_ref.filter.span,
        });
    }
    filter_ref
        .params
        .iter()
        .find(|param| param.name.span.contains(offset))
        .map(|param| Symbol::Parameter {
            name: param.name.value.clone(),
            span: param.name.span,
        })
}
