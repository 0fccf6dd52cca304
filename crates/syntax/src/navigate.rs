//! Cursor-level questions an editor asks that the workspace analysis does
//! not answer directly: which filter encloses an offset, which reference a
//! name span belongs to, and where a filter's variable gets its values
//! (the parameters of the references above it, or a binding's MAC), and
//! what libvirt does with a rule whose priorities say otherwise.
//!
//! Everything here reads the IR and the [`Workspace`] index; nothing
//! resolves names on its own or reports diagnostics.

use std::collections::{BTreeSet, VecDeque};

use crate::diagnostic::Code;
use crate::ir::{Document, Entry, Filter, FilterRef, Item, Rule, Value, VarAccess};
use crate::span::{FileId, Span};
use crate::workspace::Workspace;

/// The filter whose span contains `offset`, with its item index.
pub fn filter_at(document: &Document, offset: usize) -> Option<(usize, &Filter)> {
    document
        .items
        .iter()
        .enumerate()
        .find_map(|(idx, item)| match item {
            Item::Filter(filter) if filter.span.contains(offset) => Some((idx, filter)),
            _ => None,
        })
}

/// The rule whose span contains `offset`.
pub fn rule_at(document: &Document, offset: usize) -> Option<&Rule> {
    filter_at(document, offset)?
        .1
        .rules()
        .find(|rule| rule.span.contains(offset))
}

/// Where a reference sits: inside a filter (by name) or a binding.
#[derive(Clone, Copy, Debug)]
pub enum RefOwner<'a> {
    Filter(&'a Filter),
    Binding(&'a crate::ir::Binding),
}

/// The reference whose filter-name span is `name_span`, and its owner.
pub fn ref_by_name_span(
    document: &Document,
    name_span: Span,
) -> Option<(&FilterRef, RefOwner<'_>)> {
    document.items.iter().find_map(|item| match item {
        Item::Filter(filter) => filter.entries.iter().find_map(|entry| match entry {
            Entry::Ref(filter_ref) if filter_ref.filter.span == name_span => {
                Some((filter_ref, RefOwner::Filter(filter)))
            }
            _ => None,
        }),
        Item::Binding(binding) if binding.filterref.filter.span == name_span => {
            Some((&binding.filterref, RefOwner::Binding(binding)))
        }
        _ => None,
    })
}

/// One place that gives a variable a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarSource {
    pub file: FileId,
    /// The span of the value (a parameter's value, a binding's MAC).
    pub span: Span,
    /// The value as written.
    pub value: String,
    /// Who supplies it: the filter or interface whose reference says it.
    pub via: String,
}

/// Where variable `var` of filter `filter` gets its values: the parameters
/// named `var` on the references to `filter`, or, where a reference does
/// not give it, on the references to the filter holding that reference,
/// and so on up to the bindings (which supply `MAC` from their MAC
/// address). Sources are in workspace order; cycles are walked once.
pub fn variable_sources(workspace: &Workspace, filter: &str, var: &str) -> Vec<VarSource> {
    let mut sources = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([filter.to_owned()]);
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        for (file, span) in workspace.references(&name) {
            let Some(source) = workspace.get_file(file) else {
                continue;
            };
            let Some((filter_ref, owner)) = ref_by_name_span(source.document(), span) else {
                continue;
            };
            let (via, binding_mac) = match owner {
                RefOwner::Filter(outer) => (outer.name.value.clone(), None),
                RefOwner::Binding(binding) => (binding.portdev.value.clone(), binding.mac.as_ref()),
            };
            let mut given = false;
            for value in filter_ref.values(var) {
                given = true;
                sources.push(VarSource {
                    file,
                    span: value.span,
                    value: value.value.clone(),
                    via: via.clone(),
                });
            }
            if given {
                continue;
            }
            match (owner, binding_mac) {
                (RefOwner::Filter(outer), _) => queue.push_back(outer.name.value.clone()),
                (RefOwner::Binding(_), Some(mac)) if var == "MAC" => {
                    sources.push(VarSource {
                        file,
                        span: mac.span,
                        value: mac.value.to_string(),
                        via,
                    });
                }
                (RefOwner::Binding(_), _) => {}
            }
        }
    }
    sources
}

/// How many concrete rules a rule stands for once its list variables are
/// expanded, given how many values each variable has (`None`: unknown).
///
/// Variables read through the same iterator (`$X` is `$X[@0]`) advance
/// together; distinct iterators combine as a cross product; an indexed
/// read (`$X[2]`) is one value. Returns `None` when some list length is
/// unknown, and `Some(1)` for a rule without variables.
pub fn expansion_count(
    rule: &Rule,
    mut list_len: impl FnMut(&str) -> Option<usize>,
) -> Option<usize> {
    let Some(protocol) = &rule.protocol else {
        return Some(1);
    };
    let mut per_iterator: Vec<(u32, usize)> = Vec::new();
    for attr in &protocol.attrs {
        let Value::Var(var) = &attr.value.value else {
            continue;
        };
        let VarAccess::Iterator(iterator) = var.access else {
            continue;
        };
        let len = list_len(&var.name)?;
        match per_iterator.iter_mut().find(|(id, _)| *id == iterator) {
            // Lists read in parallel must have one length; the analysis
            // reports a mismatch, and the longer one bounds the count.
            Some((_, known)) => *known = (*known).max(len),
            None => per_iterator.push((iterator, len)),
        }
    }
    per_iterator
        .iter()
        .try_fold(1usize, |product, &(_, len)| product.checked_mul(len))
}

/// The reference one of whose parameter names has span `name_span`.
pub fn ref_with_param(document: &Document, name_span: Span) -> Option<(&FilterRef, RefOwner<'_>)> {
    let has_param = |filter_ref: &FilterRef| {
        filter_ref
            .params
            .iter()
            .any(|param| param.name.span == name_span)
    };
    document.items.iter().find_map(|item| match item {
        Item::Filter(filter) => filter.entries.iter().find_map(|entry| match entry {
            Entry::Ref(filter_ref) if has_param(filter_ref) => {
                Some((filter_ref, RefOwner::Filter(filter)))
            }
            _ => None,
        }),
        Item::Binding(binding) if has_param(&binding.filterref) => {
            Some((&binding.filterref, RefOwner::Binding(binding)))
        }
        _ => None,
    })
}

/// What libvirt does with the rule at `offset` where its priorities suggest
/// otherwise: the findings of the layout checks (NWF215 fall-off, NWF216
/// layer-3 order) whose primary or related rule contains `offset`, one
/// sentence each, for hover.
pub fn libvirt_notes(workspace: &Workspace, file: FileId, offset: usize) -> Vec<String> {
    let mut notes = Vec::new();
    for diagnostic in workspace.diagnostics() {
        if !matches!(
            diagnostic.code,
            Code::SubChainFallOff | Code::Layer3RootFirst
        ) {
            continue;
        }
        let primary = &diagnostic.primary;
        if primary.file == file && primary.span.contains(offset) {
            notes.push(diagnostic.message.clone());
        }
        for label in &diagnostic.related {
            if label.file == file && label.span.contains(offset) {
                notes.push(label.message.clone());
            }
        }
    }
    notes
}
