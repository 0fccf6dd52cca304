//! The cross-file layer: the name index (definitions and references), the
//! variable needs of every filter, and the diagnostics that need more than
//! one file. Built in one pass from the per-file facts; see the parent
//! module for when it is rebuilt.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::ir::{FilterRef, Item};
use crate::span::{FileId, Span};

use super::variables::{self, Needs};
use super::{FilterKey, Workspace, names};

#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// Definitions by name, the one references resolve to first.
    defs: HashMap<String, Vec<FilterKey>>,
    /// Reference sites by referenced name, in file then source order.
    refs: HashMap<String, Vec<(FileId, Span)>>,
    needs: HashMap<FilterKey, Arc<Needs>>,
    diagnostics: Vec<Diagnostic>,
}

/// A reference to a filter, from a filter or from a binding.
pub(crate) struct RefSite<'a> {
    pub file: FileId,
    /// The referencing filter, or `None` for a binding.
    pub from: Option<FilterKey>,
    pub filter_ref: &'a FilterRef,
}

impl Analysis {
    pub fn build(workspace: &Workspace) -> Analysis {
        let mut defs: HashMap<String, Vec<FilterKey>> = HashMap::new();
        let mut sites = Vec::new();
        for file in workspace.files() {
            for (item_idx, item) in file.document.items.iter().enumerate() {
                let item_key = FilterKey {
                    file: file.id,
                    item: u32::try_from(item_idx).unwrap_or(u32::MAX),
                };
                match item {
                    Item::Filter(filter) => {
                        defs.entry(filter.name.value.clone())
                            .or_default()
                            .push(item_key);
                        sites.extend(filter.refs().map(|filter_ref| RefSite {
                            file: file.id,
                            from: Some(item_key),
                            filter_ref,
                        }));
                    }
                    Item::Binding(binding) => sites.push(RefSite {
                        file: file.id,
                        from: None,
                        filter_ref: &binding.filterref,
                    }),
                    Item::Comment(_) => {}
                }
            }
        }
        for keys in defs.values_mut() {
            keys.sort_by_cached_key(|key| {
                let file = workspace.file(key.file);
                (file.is_stock, file.path.clone(), key.item)
            });
        }
        let mut refs: HashMap<String, Vec<(FileId, Span)>> = HashMap::new();
        for site in &sites {
            refs.entry(site.filter_ref.filter.value.clone())
                .or_default()
                .push((site.file, site.filter_ref.filter.span));
        }

        let mut analysis = Analysis {
            defs,
            refs,
            needs: HashMap::new(),
            diagnostics: Vec::new(),
        };
        analysis.needs = variables::compute_needs(workspace, &analysis);
        let mut diagnostics = names::check(workspace, &analysis, &sites);
        diagnostics.extend(variables::check_sites(&analysis, &sites));
        analysis.diagnostics = diagnostics;
        analysis
    }

    pub fn definitions(&self, name: &str) -> &[FilterKey] {
        self.defs.get(name).map_or(&[], Vec::as_slice)
    }

    /// The definition references to `name` resolve to.
    pub fn resolve(&self, name: &str) -> Option<FilterKey> {
        self.definitions(name).first().copied()
    }

    pub fn all_definitions(&self) -> impl Iterator<Item = (&str, &[FilterKey])> {
        self.defs
            .iter()
            .map(|(name, keys)| (name.as_str(), keys.as_slice()))
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.defs.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    pub fn references(&self, name: &str) -> &[(FileId, Span)] {
        self.refs.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn needs(&self, key: FilterKey) -> Option<&Arc<Needs>> {
        self.needs.get(&key)
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}
