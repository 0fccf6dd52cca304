//! The cross-file layer: the name index (definitions and references), the
//! variable needs of every filter, and the diagnostics that need more than
//! one file. See the parent module for when it is rebuilt.
//!
//! A rebuild after some files changed reuses the previous build's needs and
//! reference-site diagnostics of every filter and binding that cannot have
//! changed: those outside the changed files whose reference tree reaches no
//! name the changed files define or defined. The index and the name checks
//! (duplicates, unknown references, cycles) are recomputed, which is linear
//! in the number of definitions and references.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::ir::{FilterRef, Item};
use crate::span::{FileId, Span};

use super::variables::{self, Needs};
use super::{FilterKey, Workspace, names, semantics};

#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// Definitions by name, the one references resolve to first.
    defs: HashMap<String, Vec<FilterKey>>,
    /// Reference sites by referenced name, in file then source order.
    refs: HashMap<String, Vec<(FileId, Span)>>,
    /// The items (filters and bindings) that reference a name.
    referrers: HashMap<String, Vec<FilterKey>>,
    needs: HashMap<FilterKey, Arc<Needs>>,
    names_diagnostics: Vec<Diagnostic>,
    /// Diagnostics of the reference sites, by the item that holds them.
    site_diagnostics: HashMap<FilterKey, Arc<Vec<Diagnostic>>>,
    /// What libvirt's rule layout does to whole trees (NWF215, NWF216).
    semantics_diagnostics: Vec<Diagnostic>,
}

/// A previous build and the files changed since.
pub(crate) type Previous = (Analysis, HashSet<FileId>);

/// A reference to a filter, from a filter or from a binding.
pub(crate) struct RefSite<'a> {
    pub file: FileId,
    /// The referencing filter, or `None` for a binding.
    pub from: Option<FilterKey>,
    /// The filter or binding holding the reference.
    pub item: FilterKey,
    pub filter_ref: &'a FilterRef,
    /// Whether the file is in the text form (for help that shows syntax).
    pub text_form: bool,
}

/// What a rebuild may take from the previous build.
#[derive(Default)]
pub(crate) struct Reuse {
    pub needs: HashMap<FilterKey, Arc<Needs>>,
    pub site_diagnostics: HashMap<FilterKey, Arc<Vec<Diagnostic>>>,
}

impl Analysis {
    pub fn build(workspace: &Workspace, previous: Option<Previous>) -> Analysis {
        let mut defs: HashMap<String, Vec<FilterKey>> = HashMap::new();
        let mut sites = Vec::new();
        for file in workspace.files() {
            let text_form = file.path.extension().is_some_and(|ext| ext == "nwf");
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
                            item: item_key,
                            filter_ref,
                            text_form,
                        }));
                    }
                    Item::Binding(binding) => sites.push(RefSite {
                        file: file.id,
                        from: None,
                        item: item_key,
                        filter_ref: &binding.filterref,
                        text_form,
                    }),
                    Item::Comment(_) => {}
                }
            }
        }
        for keys in defs.values_mut() {
            if keys.len() > 1 {
                keys.sort_by_cached_key(|key| {
                    let file = workspace.file(key.file);
                    (file.is_stock, file.path.clone(), key.item)
                });
            }
        }
        let mut refs: HashMap<String, Vec<(FileId, Span)>> = HashMap::new();
        let mut referrers: HashMap<String, Vec<FilterKey>> = HashMap::new();
        for site in &sites {
            let name = &site.filter_ref.filter.value;
            refs.entry(name.clone())
                .or_default()
                .push((site.file, site.filter_ref.filter.span));
            let items = referrers.entry(name.clone()).or_default();
            if items.last() != Some(&site.item) {
                items.push(site.item);
            }
        }

        let mut analysis = Analysis {
            defs,
            refs,
            referrers,
            ..Analysis::default()
        };
        let reuse = previous
            .map(|previous| analysis.reusable(workspace, previous))
            .unwrap_or_default();
        analysis.needs = variables::compute_needs(workspace, &analysis, reuse.needs);
        analysis.names_diagnostics = names::check(workspace, &analysis, &sites);
        analysis.site_diagnostics =
            variables::check_sites(&analysis, &sites, reuse.site_diagnostics);
        analysis.semantics_diagnostics = semantics::check(workspace, &analysis);
        analysis
    }

    /// What of `previous` still holds: the parts of every item outside the
    /// changed files that does not reach, through references, a name the
    /// changed files define now or defined before.
    fn reusable(&self, workspace: &Workspace, (old, changed): Previous) -> Reuse {
        let mut dirty_names: HashSet<String> = HashSet::new();
        for (name, keys) in &old.defs {
            if keys.iter().any(|key| changed.contains(&key.file)) {
                dirty_names.insert(name.clone());
            }
        }
        for &file in &changed {
            if let Some(source) = workspace.get_file(file) {
                dirty_names.extend(
                    source
                        .document
                        .filters()
                        .map(|filter| filter.name.value.clone()),
                );
            }
        }
        let mut queue: Vec<String> = dirty_names.iter().cloned().collect();
        let mut dirty_items: HashSet<FilterKey> = HashSet::new();
        while let Some(name) = queue.pop() {
            for &item in self.referrers.get(&name).map_or(&[][..], Vec::as_slice) {
                if !dirty_items.insert(item) {
                    continue;
                }
                if let Some(filter) = workspace.filter(item) {
                    if dirty_names.insert(filter.name.value.clone()) {
                        queue.push(filter.name.value.clone());
                    }
                }
            }
        }
        let clean = |key: &FilterKey| !changed.contains(&key.file) && !dirty_items.contains(key);
        Reuse {
            needs: old
                .needs
                .into_iter()
                .filter(|(key, _)| clean(key))
                .collect(),
            site_diagnostics: old
                .site_diagnostics
                .into_iter()
                .filter(|(key, _)| clean(key))
                .collect(),
        }
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

    /// The filters and bindings that reference `name`.
    pub fn referrers(&self, name: &str) -> &[FilterKey] {
        self.referrers.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn references(&self, name: &str) -> &[(FileId, Span)] {
        self.refs.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn needs(&self, key: FilterKey) -> Option<&Arc<Needs>> {
        self.needs.get(&key)
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.names_diagnostics
            .iter()
            .chain(
                self.site_diagnostics
                    .values()
                    .flat_map(|diagnostics| diagnostics.iter()),
            )
            .chain(&self.semantics_diagnostics)
    }
}
