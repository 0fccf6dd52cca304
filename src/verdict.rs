//! Whether the loaded input may reach the kernel, decided the same way for
//! `check`, `apply` and `bind`.
//!
//! Two stages. First every diagnostic of every loaded file (stock library,
//! libvirt's filter directory, `--filter-dir`, the given files) and the
//! check that no interface is bound twice. Then every binding of the given
//! files is instantiated and translated to nftables, which finds what only
//! a bound filter shows (a value a variable gets, a match nftables cannot
//! express) — except a binding whose own file or filter tree has a refusing
//! diagnostic of the first stage: the input is refused already, and
//! instantiating it would repeat those problems in other words.
//!
//! What refuses the input: every error, and unless the command runs
//! `--lenient`, every warning that makes a rule match more than its text
//! says ([`nwf_syntax::Code::widens_rule`]). This module only decides; the
//! commands print.

use std::collections::HashSet;

use nwf_backend::instantiate::{Source, duplicate_interfaces, instantiate_binding};
use nwf_backend::record::{Learning, Record};
use nwf_backend::translate::{PortChains, translate};
use nwf_syntax::workspace::{TreeNode, TreeNodeKind};
use nwf_syntax::{Code, Diagnostic, FileId, Workspace};

use crate::learning;
use crate::sources::Loaded;

/// What a command refuses.
#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    /// Accept the warnings that widen a rule, reading the filters as libvirt
    /// does. Errors are refused all the same.
    pub lenient: bool,
}

impl Policy {
    /// Whether `diagnostic` keeps the input from the kernel.
    pub fn refuses(self, diagnostic: &Diagnostic) -> bool {
        diagnostic.is_error() || (!self.lenient && diagnostic.code.widens_rule())
    }
}

/// One binding ready for a port id: its interface and nftables chains.
pub struct Bound {
    pub interface: String,
    pub chains: PortChains,
    /// What the binding said, stored in the kernel with the port.
    pub record: Record,
}

/// The outcome of reviewing the loaded input.
pub struct Review {
    /// Every diagnostic found, of both stages, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The bindings of the given files, translated; empty when the first
    /// stage refused the input.
    pub bound: Vec<Bound>,
    /// How many diagnostics refuse the input (errors first, then widening
    /// warnings).
    pub n_errors: usize,
    pub n_widening: usize,
}

impl Review {
    /// Whether the input must not reach the kernel.
    pub fn is_refused(&self) -> bool {
        self.n_errors + self.n_widening > 0
    }

    /// `nothing applied: 1 error and 2 warnings that widen a rule (...)`.
    pub fn refusal(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if self.n_errors > 0 {
            parts.push(plural(self.n_errors, "error"));
        }
        if self.n_widening > 0 {
            parts.push(format!(
                "{} that {} a rule match more than it says (--lenient accepts {})",
                plural(self.n_widening, "warning"),
                if self.n_widening == 1 {
                    "makes"
                } else {
                    "make"
                },
                if self.n_widening == 1 { "it" } else { "them" },
            ));
        }
        parts.join(" and ")
    }
}

/// What interfaces that learn their address learned already, asked per
/// binding: each address with when its lease ends.
pub type Learned<'a> = dyn Fn(&nwf_syntax::ir::Binding) -> Vec<(String, Option<u64>)> + 'a;

/// One binding of the given files, judged on its own.
pub struct Judged {
    pub interface: String,
    /// The binding ready for a port, or `None` when a diagnostic that
    /// refuses it concerns its own file or its filter tree.
    pub bound: Option<Bound>,
    /// The diagnostics that refuse this binding: those of its file and its
    /// filter tree (first stage) and of its instantiation.
    pub refusing: Vec<Diagnostic>,
}

/// Every diagnostic of the loaded input and each given binding judged on
/// its own: what `review` decides for all, and what a long-running agent
/// needs to act on the good bindings while it holds the broken ones back.
///
/// `learned` gives, for an interface whose binding is bound by IP address
/// learning, the addresses learned so far (with their expiry); none means
/// the interface is still learning (see [`crate::learning`]).
pub fn judge_each(
    loaded: &Loaded,
    policy: Policy,
    learned: &Learned<'_>,
) -> (Vec<Diagnostic>, Vec<Judged>) {
    let workspace = &loaded.workspace;
    let bindings: Vec<(FileId, &nwf_syntax::ir::Binding)> = loaded
        .given
        .iter()
        .flat_map(|&file| {
            workspace
                .file(file)
                .document()
                .bindings()
                .map(move |binding| (file, binding))
        })
        .collect();
    let mut diagnostics = workspace.diagnostics();
    diagnostics.extend(duplicate_interfaces(&bindings));
    // The files with a refusing diagnostic of the first stage: a binding
    // whose tree touches one is not instantiated.
    let tainted: HashSet<FileId> = diagnostics
        .iter()
        .filter(|diagnostic| policy.refuses(diagnostic))
        .map(Diagnostic::file)
        .collect();
    let lookup = |name: &str| {
        workspace
            .definition(name)
            .map(|(file, filter)| Source { file, filter })
    };
    let mut judged = Vec::new();
    for (file, binding) in bindings {
        let mut tree = tree_files(workspace, &binding.filterref.filter.value);
        tree.insert(file);
        let first_stage: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|diagnostic| policy.refuses(diagnostic) && tree.contains(&diagnostic.file()))
            .cloned()
            .collect();
        let interface = binding.portdev.value.clone();
        if !tree.is_disjoint(&tainted) {
            judged.push(Judged {
                interface,
                bound: None,
                refusing: first_stage,
            });
            continue;
        }
        let mut result = instantiate_binding(binding, file, lookup);
        let mode = learning::Mode::of(binding);
        let mut learning = None;
        if mode != learning::Mode::None
            && binding.filterref.values("IP").next().is_none()
            && learning::only_ip_missing(&result.diagnostics)
        {
            let addresses = learned(binding);
            let effective = if addresses.is_empty() {
                learning::learning_binding(binding, mode)
            } else {
                let values: Vec<String> = addresses
                    .iter()
                    .map(|(address, _)| address.clone())
                    .collect();
                learning::with_addresses(binding, &values)
            };
            result = instantiate_binding(&effective, file, lookup);
            learning = Some(Learning {
                mode: mode.as_str().to_owned(),
                addresses,
            });
        }
        let mut own: Vec<Diagnostic> = result
            .diagnostics
            .iter()
            .cloned()
            .map(|diagnostic| suggest(workspace, diagnostic))
            .collect();
        let (mut chains, more) = translate(&result.instance, file, binding.portdev.span);
        own.extend(more);
        if let Some(learning) = &learning {
            let mac = binding.mac.as_ref().map(|mac| mac.value.to_string());
            learning::add_log_rules(
                &mut chains,
                mode,
                learning.addresses.is_empty(),
                mac.as_deref(),
            );
        }
        let refusing: Vec<Diagnostic> = own
            .iter()
            .filter(|diagnostic| policy.refuses(diagnostic))
            .cloned()
            .collect();
        diagnostics.extend(own);
        judged.push(Judged {
            interface,
            bound: refusing.is_empty().then(|| Bound {
                interface: binding.portdev.value.clone(),
                chains,
                record: Record {
                    learning,
                    ..Record::from_binding(binding)
                },
            }),
            refusing,
        });
    }
    sort(&mut diagnostics);
    (diagnostics, judged)
}

/// Reviews everything `loaded` holds under `policy`: the input is refused
/// as a whole when any diagnostic refuses it, wherever it is.
pub fn review(loaded: &Loaded, policy: Policy) -> Review {
    review_learned(loaded, policy, &|_| Vec::new())
}

/// [`review`], with the addresses interfaces that learn theirs learned
/// already (see [`judge_each`]).
pub fn review_learned(loaded: &Loaded, policy: Policy, learned: &Learned<'_>) -> Review {
    let (diagnostics, judged) = judge_each(loaded, policy, learned);
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let n_widening = diagnostics
        .iter()
        .filter(|d| !d.is_error() && policy.refuses(d))
        .count();
    let bound = if n_errors + n_widening > 0 {
        Vec::new()
    } else {
        judged
            .into_iter()
            .filter_map(|judged| judged.bound)
            .collect()
    };
    Review {
        diagnostics,
        bound,
        n_errors,
        n_widening,
    }
}

/// The files that define the filters of `name`'s tree, as far as it
/// resolves. A missing filter or a cycle is reported in the file of the
/// filter that refers to it, which is in the set.
fn tree_files(workspace: &Workspace, name: &str) -> HashSet<FileId> {
    fn walk(node: &TreeNode, files: &mut HashSet<FileId>) {
        if let TreeNodeKind::Filter { file, .. } = &node.kind {
            files.insert(*file);
        }
        for child in &node.children {
            walk(child, files);
        }
    }
    let mut files = HashSet::new();
    if let Some(tree) = workspace.filter_tree(name) {
        walk(&tree.root, &mut files);
    }
    files
}

/// Sorts by file, then position and code: the order `check` prints in, so
/// that `apply` prints the same diagnostics in the same order.
fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics
        .sort_by_key(|diagnostic| (diagnostic.file(), diagnostic.span().start, diagnostic.code));
}

/// Adds "did you mean" to a missing filter's diagnostic.
fn suggest(workspace: &Workspace, diagnostic: Diagnostic) -> Diagnostic {
    if diagnostic.code != Code::FilterNotFound {
        return diagnostic;
    }
    let source = workspace.file(diagnostic.file());
    let Some(written) = source.text().get(diagnostic.span().range()) else {
        return diagnostic;
    };
    match nwf_syntax::diagnostic::did_you_mean(written, workspace.filter_names()) {
        Some(name) => {
            let span = diagnostic.span();
            diagnostic
                .with_help(format!("did you mean `{name}`?"))
                .with_fix(format!("use `{name}`"), span, name)
        }
        None => diagnostic,
    }
}
