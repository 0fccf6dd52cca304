//! Name resolution checks: duplicate definitions (NWF200), user filters that
//! replace stock ones (NWF201), references to unknown filters (NWF202) and
//! reference cycles (NWF203).

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::Filter;
use crate::span::{FileId, Span};

use super::analysis::{Analysis, RefSite};
use super::meaning::same_meaning;
use super::{FilterKey, Workspace};

pub(crate) fn check(
    workspace: &Workspace,
    analysis: &Analysis,
    sites: &[RefSite],
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    duplicates(workspace, analysis, &mut diagnostics);
    unknown(analysis, sites, &mut diagnostics);
    cycles(workspace, analysis, &mut diagnostics);
    diagnostics
}

fn filter(workspace: &Workspace, key: FilterKey) -> Option<&Filter> {
    workspace.filter(key)
}

fn duplicates(workspace: &Workspace, analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for (name, keys) in analysis.all_definitions() {
        let Some((&first, rest)) = keys.split_first() else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let Some(first_filter) = filter(workspace, first) else {
            continue;
        };
        let first_path = workspace.file(first.file).path.display().to_string();
        let first_is_stock = workspace.file(first.file).is_stock;
        let mut hinted = false;
        for &key in rest {
            let Some(duplicate) = filter(workspace, key) else {
                continue;
            };
            if workspace.file(key.file).is_stock {
                // A user filter replaces this stock one (user files sort
                // first): say so at the user's definition, once, unless it
                // is a copy of the stock filter (libvirt's own file in
                // /etc/libvirt/nwfilter), which replaces nothing.
                if first_is_stock || hinted || same_meaning(first_filter, duplicate) {
                    continue;
                }
                hinted = true;
                out.push(
                    Diagnostic::new(
                        Code::OverridesStockFilter,
                        first.file,
                        first_filter.name.span,
                        format!("`{name}` replaces the stock filter of the same name"),
                    )
                    .with_label(
                        "every reference to this name, in stock filters too, now uses this filter",
                    )
                    .with_related(
                        key.file,
                        duplicate.name.span,
                        "the stock filter it replaces",
                    )
                    .with_help(
                        "rename the filter if you meant to add a filter rather than replace one",
                    ),
                );
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::DuplicateFilter,
                    key.file,
                    duplicate.name.span,
                    format!("filter `{name}` is already defined in {first_path}"),
                )
                .with_label("second definition")
                .with_related(
                    first.file,
                    first_filter.name.span,
                    "first definition; references use this one",
                )
                .with_help("rename one of the two filters, or delete the copy you do not want"),
            );
        }
    }
}

fn unknown(analysis: &Analysis, sites: &[RefSite], out: &mut Vec<Diagnostic>) {
    let names = analysis.names();
    for site in sites {
        let target = &site.filter_ref.filter;
        if analysis.resolve(&target.value).is_some() {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            Code::UnknownFilter,
            site.file,
            target.span,
            format!("no filter named `{}`", target.value),
        )
        .with_label("unknown filter");
        match did_you_mean(&target.value, names.iter().copied()) {
            Some(suggestion) => {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{suggestion}`?"))
                    .with_fix(format!("use `{suggestion}`"), target.span, suggestion);
            }
            None => {
                diagnostic = diagnostic.with_help(
                    "define the filter in the workspace, or reference one of the stock filters",
                );
            }
        }
        out.push(diagnostic);
    }
}

/// Where the depth-first search stands with a node.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    New,
    Active,
    Done,
}

/// One edge of the resolved reference graph.
struct Edge {
    to: FilterKey,
    file: FileId,
    span: Span,
}

fn cycles(workspace: &Workspace, analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    // The graph over the definitions references resolve to (a shadowed
    // duplicate is never instantiated, so its references cannot loop).
    let mut nodes: Vec<(FilterKey, &str)> = analysis
        .all_definitions()
        .filter_map(|(name, keys)| Some((*keys.first()?, name)))
        .collect();
    nodes.sort_by(|a, b| a.1.cmp(b.1));
    let mut edges: HashMap<FilterKey, Vec<Edge>> = HashMap::new();
    for &(key, _) in &nodes {
        let Some(filter) = filter(workspace, key) else {
            continue;
        };
        let out_edges = filter
            .refs()
            .filter_map(|filter_ref| {
                Some(Edge {
                    to: analysis.resolve(&filter_ref.filter.value)?,
                    file: key.file,
                    span: filter_ref.filter.span,
                })
            })
            .collect();
        edges.insert(key, out_edges);
    }

    // Iterative depth-first search; every back edge closes one cycle.
    let mut mark: HashMap<FilterKey, Mark> =
        nodes.iter().map(|&(key, _)| (key, Mark::New)).collect();
    let mut seen_cycles: BTreeSet<Vec<FilterKey>> = BTreeSet::new();
    for &(start, _) in &nodes {
        if mark[&start] != Mark::New {
            continue;
        }
        // Stack of (node, index of the next edge to follow).
        let mut stack: Vec<(FilterKey, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::Active);
        while let Some(top) = stack.last_mut() {
            let (node, edge_idx) = *top;
            top.1 += 1;
            let Some(edge) = edges
                .get(&node)
                .and_then(|out_edges| out_edges.get(edge_idx))
            else {
                mark.insert(node, Mark::Done);
                stack.pop();
                continue;
            };
            match mark.get(&edge.to).copied().unwrap_or(Mark::Done) {
                Mark::New => {
                    mark.insert(edge.to, Mark::Active);
                    stack.push((edge.to, 0));
                }
                Mark::Active => {
                    let from = stack
                        .iter()
                        .position(|&(key, _)| key == edge.to)
                        .expect("an active node is on the stack");
                    // The cycle's edges: the edge each stacked node followed
                    // last (its `next` has moved one past it).
                    let path: Vec<(FilterKey, usize)> = stack[from..]
                        .iter()
                        .map(|&(key, next)| (key, next - 1))
                        .collect();
                    report_cycle(workspace, &edges, &path, &mut seen_cycles, out);
                }
                Mark::Done => {}
            }
        }
    }
}

fn report_cycle(
    workspace: &Workspace,
    edges: &HashMap<FilterKey, Vec<Edge>>,
    path: &[(FilterKey, usize)],
    seen: &mut BTreeSet<Vec<FilterKey>>,
    out: &mut Vec<Diagnostic>,
) {
    let name =
        |key: FilterKey| filter(workspace, key).map_or(String::new(), |f| f.name.value.clone());
    // Start the cycle at its smallest name so that it reads the same
    // whichever node the search entered it from.
    let start = (0..path.len())
        .min_by_key(|&idx| name(path[idx].0))
        .unwrap_or(0);
    let rotated: Vec<(FilterKey, usize)> = path[start..]
        .iter()
        .chain(&path[..start])
        .copied()
        .collect();
    let mut canonical: Vec<FilterKey> = rotated.iter().map(|&(key, _)| key).collect();
    if !seen.insert(canonical.clone()) {
        return;
    }
    canonical.push(rotated[0].0);
    let shown = canonical
        .iter()
        .map(|&key| name(key))
        .collect::<Vec<_>>()
        .join(" → ");
    let edge_of = |&(key, idx): &(FilterKey, usize)| &edges[&key][idx];
    let first = edge_of(&rotated[0]);
    let mut diagnostic = Diagnostic::new(
        Code::ReferenceCycle,
        first.file,
        first.span,
        format!("filter reference cycle: {shown}"),
    )
    .with_label(format!(
        "`{}` refers to `{}`",
        name(rotated[0].0),
        name(first.to)
    ))
    .with_help("filter references must form a tree; remove one reference of the cycle");
    for step in &rotated[1..] {
        let edge = edge_of(step);
        diagnostic = diagnostic.with_related(
            edge.file,
            edge.span,
            format!("`{}` refers to `{}`", name(step.0), name(edge.to)),
        );
    }
    out.push(diagnostic);
}
