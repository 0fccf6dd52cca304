//! Where a filter tree means something its priorities do not say, because of
//! how libvirt 9.0 lays its rules out (measured with real packets; see
//! `docs/backend.md`, which nwf's backend reproduces):
//!
//! - a frame that falls off the end of a layer-2 sub-chain is accepted, not
//!   handed back to the `root` chain ([`fall_off`], NWF215);
//! - layer-3/4 rules of `root`-chain filters run before all others, whatever
//!   the rule priorities say ([`l3_order`], NWF216).
//!
//! Both need the rules of a whole reference tree, so they are checked from
//! every filter in the `root` chain that is the top of a tree (referenced by
//! no filter, or by a binding), with the tree expanded statically: references resolved as the workspace resolves
//! them, variables left as written. A pair of rules reported from several
//! trees is reported once, and only where its primary rule is in a user
//! file (not a stock filter). These are warnings: libvirt accepts such
//! filters, and nwf emits exactly libvirt's meaning.

mod fall_off;
mod l3_order;

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::ir::protocol::Layer;
use crate::ir::{Chain, ChainKind, Direction, Entry, Filter, Rule};
use crate::span::FileId;

use super::analysis::Analysis;
use super::{FilterKey, Workspace};

/// The most filters one tree expands, so that a wide DAG cannot blow up.
const MAX_NODES: usize = 10_000;

/// One rule of an expanded tree, with the chain of the filter it is written
/// in (libvirt puts a rule in its own filter's chain).
#[derive(Clone, Copy)]
pub(crate) struct TreeRule<'a> {
    pub file: FileId,
    pub chain: &'a Option<crate::span::Spanned<Chain>>,
    /// The priority of the filter's chain (explicit or the default).
    pub chain_priority: i16,
    pub rule: &'a Rule,
}

impl TreeRule<'_> {
    pub fn chain(&self) -> Chain {
        self.chain
            .as_ref()
            .map_or(Chain::root(), |chain| chain.value.clone())
    }

    pub fn is_root(&self) -> bool {
        self.chain
            .as_ref()
            .is_none_or(|chain| chain.value.kind == ChainKind::Root)
    }

    pub fn is_link(&self) -> bool {
        self.rule
            .protocol
            .as_ref()
            .is_none_or(|protocol| protocol.protocol.value.layer() == Layer::Link)
    }

    pub fn priority(&self) -> i16 {
        self.rule.priority_or_default()
    }

    pub fn direction(&self) -> Direction {
        self.rule.direction.value
    }
}

/// Whether a rule of direction `rule` applies to traffic of direction
/// `side` (`in` or `out`).
pub(crate) fn takes(rule: Direction, side: Direction) -> bool {
    rule == side || rule == Direction::InOut
}

pub(crate) fn check(workspace: &Workspace, analysis: &Analysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, keys) in analysis.all_definitions() {
        let Some(&key) = keys.first() else { continue };
        let Some(filter) = workspace.filter(key) else {
            continue;
        };
        if filter.chain_or_root().kind != ChainKind::Root
            || !is_bindable_top(workspace, analysis, name)
        {
            continue;
        }
        let rules = expand(workspace, analysis, key);
        fall_off::check(&rules, &mut out);
        l3_order::check(&rules, &mut out);
    }
    // The primary rule is where the fix goes; a stock filter is not the
    // user's to edit (upstream's clean-traffic-gateway does let RARP fall
    // off its `rarp` chain: see docs/backend.md).
    out.retain(|diagnostic| {
        workspace
            .get_file(diagnostic.primary.file)
            .is_some_and(|file| !file.is_stock)
    });
    // The same pair shows up in every tree that contains it.
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.primary.file,
                d.primary.span.start,
                d.primary.span.end,
                d.code,
                d.related
                    .iter()
                    .map(|label| (label.file, label.span.start, label.span.end))
                    .collect::<Vec<_>>(),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
    out.dedup();
    out
}

/// Whether the filter named `name` is the top of a tree as bound: no
/// filter references it, or a binding does. A filter that only other
/// filters reference is checked as part of their trees (which can add the
/// rules that settle its findings), and checking every subtree again would
/// make a deep reference chain quadratic.
fn is_bindable_top(workspace: &Workspace, analysis: &Analysis, name: &str) -> bool {
    let referrers = analysis.referrers(name);
    referrers.is_empty()
        || referrers
            .iter()
            .any(|&item| workspace.filter(item).is_none())
}

/// The rules of the tree below `root`, in document order with references
/// expanded in place (libvirt's instantiation order).
fn expand<'a>(workspace: &'a Workspace, analysis: &Analysis, root: FilterKey) -> Vec<TreeRule<'a>> {
    let mut walker = Walker {
        workspace,
        analysis,
        path: HashSet::new(),
        budget: MAX_NODES,
        rules: Vec::new(),
    };
    walker.walk(root);
    walker.rules
}

struct Walker<'a, 'b> {
    workspace: &'a Workspace,
    analysis: &'b Analysis,
    /// The filters on the current path, for cycles.
    path: HashSet<FilterKey>,
    budget: usize,
    rules: Vec<TreeRule<'a>>,
}

impl<'a> Walker<'a, '_> {
    fn walk(&mut self, key: FilterKey) {
        if self.path.contains(&key) || self.budget == 0 {
            return;
        }
        self.budget -= 1;
        let Some(filter): Option<&'a Filter> = self.workspace.filter(key) else {
            return;
        };
        let chain_priority = filter.priority.as_ref().map_or_else(
            || filter.chain_or_root().default_priority(),
            |priority| priority.value,
        );
        self.path.insert(key);
        for entry in &filter.entries {
            match entry {
                Entry::Rule(rule) => self.rules.push(TreeRule {
                    file: key.file,
                    chain: &filter.chain,
                    chain_priority,
                    rule,
                }),
                Entry::Ref(filter_ref) => {
                    if let Some(child) = self.analysis.resolve(&filter_ref.filter.value) {
                        self.walk(child);
                    }
                }
                Entry::Comment(_) => {}
            }
        }
        self.path.remove(&key);
    }
}
