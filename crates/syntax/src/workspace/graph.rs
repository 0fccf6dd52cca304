//! `nwf graph`: the resolved reference tree of one filter, with the
//! variables each level needs, and its two renderings (an indented text tree
//! and Graphviz dot). Pure functions of the workspace; the CLI only prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::span::{FileId, Span};

use super::{FilterKey, Workspace};

/// The tree below one filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterTree {
    pub root: TreeNode,
}

/// One filter in the tree, as reached through one reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub name: String,
    pub kind: TreeNodeKind,
    /// The parameters the reference to this node gives, grouped by name
    /// (a name given several times is a list); empty for the root.
    pub params: Vec<(String, Vec<String>)>,
    /// The variables this filter needs through its own subtree, i.e. what
    /// whoever references it must give (or libvirt supplies).
    pub needs: Vec<String>,
    pub children: Vec<TreeNode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeNodeKind {
    Filter {
        file: FileId,
        /// The span of the filter's name.
        span: Span,
        chain: String,
        priority: i16,
        rules: usize,
        is_stock: bool,
    },
    /// The reference names no defined filter.
    Unknown,
    /// The filter is already on the path from the root: a cycle.
    Cycle,
    /// Not expanded: the tree grew past its size limit.
    Truncated,
}

/// The most nodes a tree expands, so that a wide DAG cannot blow it up.
const MAX_NODES: usize = 10_000;

pub(crate) fn build(workspace: &Workspace, name: &str) -> Option<FilterTree> {
    let analysis = workspace.analysis();
    let key = analysis.resolve(name)?;
    let mut builder = Builder {
        workspace,
        path: Vec::new(),
        budget: MAX_NODES,
    };
    Some(FilterTree {
        root: builder.node(name, Some(key), Vec::new()),
    })
}

struct Builder<'a> {
    workspace: &'a Workspace,
    path: Vec<FilterKey>,
    budget: usize,
}

impl Builder<'_> {
    fn node(
        &mut self,
        name: &str,
        key: Option<FilterKey>,
        params: Vec<(String, Vec<String>)>,
    ) -> TreeNode {
        let leaf = |kind| TreeNode {
            name: name.to_string(),
            kind,
            params: params.clone(),
            needs: Vec::new(),
            children: Vec::new(),
        };
        let Some(key) = key else {
            return leaf(TreeNodeKind::Unknown);
        };
        if self.path.contains(&key) {
            return leaf(TreeNodeKind::Cycle);
        }
        if self.budget == 0 {
            return leaf(TreeNodeKind::Truncated);
        }
        self.budget -= 1;
        let workspace = self.workspace;
        let analysis = workspace.analysis();
        let Some(filter) = workspace.filter(key) else {
            return leaf(TreeNodeKind::Unknown);
        };
        let chain = filter.chain_or_root();
        let kind = TreeNodeKind::Filter {
            file: key.file,
            span: filter.name.span,
            chain: chain.to_string(),
            priority: filter
                .priority
                .as_ref()
                .map_or(chain.default_priority(), |priority| priority.value),
            rules: filter.rules().count(),
            is_stock: workspace.file(key.file).is_stock,
        };
        let needs = analysis
            .needs(key)
            .map(|needs| needs.vars.keys().cloned().collect())
            .unwrap_or_default();
        self.path.push(key);
        let children = filter
            .refs()
            .map(|filter_ref| {
                let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for param in &filter_ref.params {
                    grouped
                        .entry(param.name.value.clone())
                        .or_default()
                        .push(param.value.value.clone());
                }
                let target = &filter_ref.filter.value;
                self.node(
                    target,
                    analysis.resolve(target),
                    grouped.into_iter().collect(),
                )
            })
            .collect();
        self.path.pop();
        TreeNode {
            name: name.to_string(),
            kind,
            params,
            needs,
            children,
        }
    }
}

fn params_text(params: &[(String, Vec<String>)]) -> String {
    params
        .iter()
        .map(|(name, values)| match values.as_slice() {
            [value] => format!("{name}={value}"),
            _ => format!("{name}=[{}]", values.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn node_line(node: &TreeNode) -> String {
    let mut line = node.name.clone();
    if !node.params.is_empty() {
        let _ = write!(line, " ({})", params_text(&node.params));
    }
    match &node.kind {
        TreeNodeKind::Filter {
            chain,
            priority,
            rules,
            is_stock,
            ..
        } => {
            let stock = if *is_stock { ", stock" } else { "" };
            let plural = if *rules == 1 { "" } else { "s" };
            let _ = write!(
                line,
                "  [chain {chain}, priority {priority}, {rules} rule{plural}{stock}]"
            );
            if node.needs.is_empty() {
                line.push_str("  needs nothing");
            } else {
                let _ = write!(line, "  needs {}", node.needs.join(", "));
            }
        }
        TreeNodeKind::Unknown => line.push_str("  [unknown filter]"),
        TreeNodeKind::Cycle => line.push_str("  [cycle: already on this path]"),
        TreeNodeKind::Truncated => line.push_str("  [not expanded: tree too large]"),
    }
    line
}

/// The tree as indented text, one filter per line.
pub fn render_text(tree: &FilterTree) -> String {
    fn walk(node: &TreeNode, prefix: &str, out: &mut String) {
        let count = node.children.len();
        for (idx, child) in node.children.iter().enumerate() {
            let last = idx + 1 == count;
            let _ = writeln!(
                out,
                "{prefix}{}{}",
                if last { "└── " } else { "├── " },
                node_line(child)
            );
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            walk(child, &deeper, out);
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", node_line(&tree.root));
    walk(&tree.root, "", &mut out);
    out
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The tree as a Graphviz digraph: one node per filter, one edge per
/// reference (labelled with the parameters it gives).
pub fn render_dot(tree: &FilterTree) -> String {
    fn node_label(node: &TreeNode) -> String {
        match &node.kind {
            TreeNodeKind::Filter {
                chain, priority, ..
            } => {
                let needs = if node.needs.is_empty() {
                    "needs nothing".to_string()
                } else {
                    format!("needs {}", node.needs.join(", "))
                };
                format!(
                    "{}\\nchain {chain} ({priority})\\n{needs}",
                    dot_escape(&node.name)
                )
            }
            TreeNodeKind::Unknown => format!("{}\\n(unknown)", dot_escape(&node.name)),
            TreeNodeKind::Cycle | TreeNodeKind::Truncated => dot_escape(&node.name),
        }
    }
    fn walk(node: &TreeNode, nodes: &mut BTreeMap<String, String>, edges: &mut Vec<String>) {
        let is_filter = matches!(node.kind, TreeNodeKind::Filter { .. });
        if is_filter || !nodes.contains_key(&node.name) {
            let style = if matches!(node.kind, TreeNodeKind::Unknown) {
                ", style=dashed, color=red"
            } else {
                ""
            };
            nodes.insert(
                node.name.clone(),
                format!(
                    "  \"{}\" [label=\"{}\"{style}];",
                    dot_escape(&node.name),
                    node_label(node)
                ),
            );
        }
        for child in &node.children {
            let label = if child.params.is_empty() {
                String::new()
            } else {
                format!(" [label=\"{}\"]", dot_escape(&params_text(&child.params)))
            };
            let edge = format!(
                "  \"{}\" -> \"{}\"{label};",
                dot_escape(&node.name),
                dot_escape(&child.name)
            );
            if !edges.contains(&edge) {
                edges.push(edge);
            }
            walk(child, nodes, edges);
        }
    }
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    walk(&tree.root, &mut nodes, &mut edges);
    let mut out = format!(
        "digraph \"{}\" {{\n  node [shape=box];\n",
        dot_escape(&tree.root.name)
    );
    for line in nodes.values().chain(&edges) {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}
