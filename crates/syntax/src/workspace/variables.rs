//! Variables through the reference tree.
//!
//! The needs of a filter are the variables its own rules read plus what each
//! referenced filter needs, minus the parameters that reference gives
//! (libvirt instantiates a referenced filter with the caller's variables
//! overlaid by the reference's parameters, so what is not given there must
//! come from further up). At each reference site (a `<filterref>` in a
//! filter or a binding) the parameters given are checked against the needs
//! of the filter below: unused parameters (NWF204), indexes past the end of
//! the list (NWF206), lock-step lists of different lengths (NWF207), values
//! that do not fit where they are used (NWF214), reserved variables with
//! values of the wrong kind (NWF213); at bindings, needed variables left
//! unset (NWF205).
//!
//! It does not expand lists or instantiate rules: that is the backend's job.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::ir::{Param, VarAccess};

use super::analysis::{Analysis, RefSite};
use super::kinds::{self, Reserved};
use super::{FilterKey, VarUse, Workspace};

/// What a filter needs from whoever references it.
#[derive(Debug, Default)]
pub struct Needs {
    /// Each variable not given on the way down, with the places that read it.
    pub vars: BTreeMap<String, Vec<VarUse>>,
    /// False when part of the tree is missing (an unknown filter, a cycle),
    /// so that more may be needed than `vars` says.
    pub complete: bool,
}

pub(crate) fn compute_needs(
    workspace: &Workspace,
    analysis: &Analysis,
) -> HashMap<FilterKey, Arc<Needs>> {
    let mut solver = Solver {
        workspace,
        analysis,
        memo: HashMap::new(),
        active: HashSet::new(),
    };
    for (_, keys) in analysis.all_definitions() {
        for &key in keys {
            solver.needs(key);
        }
    }
    solver.memo
}

struct Solver<'a> {
    workspace: &'a Workspace,
    analysis: &'a Analysis,
    memo: HashMap<FilterKey, Arc<Needs>>,
    /// Filters whose needs are being computed (to cut cycles, which the
    /// name checks report).
    active: HashSet<FilterKey>,
}

impl Solver<'_> {
    fn needs(&mut self, key: FilterKey) -> Arc<Needs> {
        if let Some(needs) = self.memo.get(&key) {
            return Arc::clone(needs);
        }
        if !self.active.insert(key) {
            return Arc::new(Needs::default());
        }
        let mut needs = Needs {
            vars: BTreeMap::new(),
            complete: true,
        };
        let workspace = self.workspace;
        let file = workspace.file(key.file);
        if let Ok(idx) = file
            .facts
            .filters
            .binary_search_by_key(&key.item, |facts| facts.item)
        {
            for var_use in &file.facts.filters[idx].uses {
                needs
                    .vars
                    .entry(var_use.name.clone())
                    .or_default()
                    .push(var_use.clone());
            }
        }
        if let Some(filter) = file.filter(key.item) {
            for filter_ref in filter.refs() {
                let Some(child) = self.analysis.resolve(&filter_ref.filter.value) else {
                    needs.complete = false;
                    continue;
                };
                let child_needs = self.needs(child);
                needs.complete &= child_needs.complete;
                for (name, uses) in &child_needs.vars {
                    if filter_ref.values(name).next().is_none() {
                        needs
                            .vars
                            .entry(name.clone())
                            .or_default()
                            .extend(uses.iter().cloned());
                    }
                }
            }
        }
        for uses in needs.vars.values_mut() {
            uses.sort_by_key(|var_use| (var_use.file, var_use.span.start, var_use.span.end));
            uses.dedup_by_key(|var_use| (var_use.file, var_use.span));
        }
        self.active.remove(&key);
        let needs = Arc::new(needs);
        self.memo.insert(key, Arc::clone(&needs));
        needs
    }
}

/// The parameters of one name at a reference, in order.
struct ParamGroup<'a> {
    name: &'a str,
    params: Vec<&'a Param>,
}

fn group_params(params: &[Param]) -> Vec<ParamGroup<'_>> {
    let mut groups: Vec<ParamGroup> = Vec::new();
    for param in params {
        match groups
            .iter_mut()
            .find(|group| group.name == param.name.value)
        {
            Some(group) => group.params.push(param),
            None => groups.push(ParamGroup {
                name: &param.name.value,
                params: vec![param],
            }),
        }
    }
    groups
}

/// Variables a binding may give that libvirt itself reads, so that no filter
/// needs to use them.
const DRIVER_VARIABLES: [&str; 3] = ["CTRL_IP_LEARNING", "DHCPSERVER", "DHCPSERVERV6"];

pub(crate) fn check_sites(analysis: &Analysis, sites: &[RefSite]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for site in sites {
        let groups = group_params(&site.filter_ref.params);
        let bad_reserved = reserved_values(site, &groups, &mut out);
        let target = &site.filter_ref.filter.value;
        let Some(child) = analysis.resolve(target) else {
            continue;
        };
        let Some(child_needs) = analysis.needs(child) else {
            continue;
        };
        let is_binding = site.from.is_none();
        unused_params(site, &groups, child_needs, is_binding, &mut out);
        indexes(site, &groups, child_needs, &mut out);
        iterators(site, &groups, child_needs, &mut out);
        value_kinds(site, &groups, child_needs, &bad_reserved, &mut out);
        if is_binding {
            missing(site, child_needs, &mut out);
        }
    }
    out
}

/// NWF213; returns the spans of the values it reported.
fn reserved_values(
    site: &RefSite,
    groups: &[ParamGroup],
    out: &mut Vec<Diagnostic>,
) -> HashSet<crate::span::Span> {
    let mut reported = HashSet::new();
    for group in groups {
        let Some(reserved) = kinds::reserved(group.name) else {
            continue;
        };
        for param in &group.params {
            if reserved.accepts(&param.value.value) {
                continue;
            }
            reported.insert(param.value.span);
            let mut diagnostic = Diagnostic::new(
                Code::ReservedVariableValue,
                site.file,
                param.value.span,
                format!(
                    "`{}` must be {}, not `{}`",
                    group.name,
                    reserved.describe(),
                    param.value.value
                ),
            )
            .with_label(format!("not {}", reserved.describe()));
            diagnostic = match reserved {
                Reserved::IpLearning => {
                    let suggestion = did_you_mean(&param.value.value, kinds::IP_LEARNING_MODES);
                    match suggestion {
                        Some(mode) => diagnostic
                            .with_help(format!("did you mean `{mode}`?"))
                            .with_fix(format!("use `{mode}`"), param.value.span, mode),
                        None => diagnostic.with_help(
                            "`any` learns the address from the first packet, `dhcp` from DHCP leases, `none` not at all",
                        ),
                    }
                }
                Reserved::Value(_) | Reserved::AnyIp => diagnostic.with_help(format!(
                    "`{}` is reserved by libvirt; give it {} or use another name for your own variable",
                    group.name,
                    reserved.describe()
                )),
            };
            out.push(diagnostic);
        }
    }
    reported
}

/// NWF204.
fn unused_params(
    site: &RefSite,
    groups: &[ParamGroup],
    child_needs: &Needs,
    is_binding: bool,
    out: &mut Vec<Diagnostic>,
) {
    if !child_needs.complete {
        return;
    }
    let target = &site.filter_ref.filter.value;
    for group in groups {
        if child_needs.vars.contains_key(group.name)
            || (is_binding && DRIVER_VARIABLES.contains(&group.name))
        {
            continue;
        }
        let first = group.params[0];
        let mut diagnostic = Diagnostic::new(
            Code::UnusedParameter,
            site.file,
            first.name.span,
            format!(
                "parameter `{}` is not used by `{target}` or any filter it references",
                group.name
            ),
        )
        .with_label("unused parameter");
        let suggestion = did_you_mean(group.name, child_needs.vars.keys().map(String::as_str))
            .filter(|name| groups.iter().all(|group| group.name != *name));
        match suggestion {
            Some(name) => {
                diagnostic = diagnostic.with_help(format!("did you mean `{name}`?"));
                for param in &group.params {
                    diagnostic =
                        diagnostic.with_fix(format!("rename to `{name}`"), param.name.span, name);
                }
            }
            None if child_needs.vars.is_empty() => {
                diagnostic = diagnostic.with_help(format!(
                    "`{target}` needs no variables; remove the parameter"
                ));
            }
            None => {
                let needed: Vec<&str> = child_needs.vars.keys().map(String::as_str).collect();
                diagnostic = diagnostic.with_help(format!(
                    "`{target}` needs {}; remove the parameter or fix its name",
                    needed.join(", ")
                ));
            }
        }
        out.push(diagnostic);
    }
}

/// NWF206.
fn indexes(site: &RefSite, groups: &[ParamGroup], child_needs: &Needs, out: &mut Vec<Diagnostic>) {
    for group in groups {
        let Some(uses) = child_needs.vars.get(group.name) else {
            continue;
        };
        let count = group.params.len();
        let mut reported = BTreeSet::new();
        for var_use in uses {
            let VarAccess::Index(index) = var_use.access else {
                continue;
            };
            if (index as usize) < count || !reported.insert(index) {
                continue;
            }
            let last = group.params[count - 1];
            let given = if count == 1 {
                "1 value is".to_string()
            } else {
                format!("{count} values are")
            };
            out.push(
                Diagnostic::new(
                    Code::IndexBeyondList,
                    site.file,
                    last.value.span,
                    format!(
                        "`${}[{index}]` needs at least {} values of `{}`, but only {given} given here",
                        group.name,
                        index + 1,
                        group.name
                    ),
                )
                .with_label(format!("last value of `{}`", group.name))
                .with_related(
                    var_use.file,
                    var_use.span,
                    format!("element {index} read here in `{}`", var_use.filter),
                )
                .with_help(format!(
                    "give at least {} values of `{}`, or use a smaller index",
                    index + 1,
                    group.name
                )),
            );
        }
    }
}

/// NWF207: lists given here that one rule below walks with one iterator.
fn iterators(
    site: &RefSite,
    groups: &[ParamGroup],
    child_needs: &Needs,
    out: &mut Vec<Diagnostic>,
) {
    let count_of: HashMap<&str, &ParamGroup> =
        groups.iter().map(|group| (group.name, group)).collect();
    // (file, rule, iterator) -> the uses of variables given here.
    let mut by_rule: BTreeMap<(crate::span::FileId, u32, u32), Vec<&VarUse>> = BTreeMap::new();
    for (name, uses) in &child_needs.vars {
        if !count_of.contains_key(name.as_str()) {
            continue;
        }
        for var_use in uses {
            if let VarAccess::Iterator(iterator) = var_use.access {
                by_rule
                    .entry((var_use.file, var_use.rule, iterator))
                    .or_default()
                    .push(var_use);
            }
        }
    }
    let mut reported: BTreeSet<(&str, &str, u32)> = BTreeSet::new();
    for ((_, _, iterator), uses) in by_rule {
        let Some(first) = uses.first() else {
            continue;
        };
        let first_group = count_of[first.name.as_str()];
        let Some(other) = uses.iter().find(|var_use| {
            count_of[var_use.name.as_str()].params.len() != first_group.params.len()
        }) else {
            continue;
        };
        let other_group = count_of[other.name.as_str()];
        let (a, b) = if first_group.name < other_group.name {
            (first_group, other_group)
        } else {
            (other_group, first_group)
        };
        if !reported.insert((a.name, b.name, iterator)) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::IteratorLengthMismatch,
                site.file,
                a.params[0].name.span,
                format!(
                    "`{}` has {} values and `{}` has {}, but a rule of `{}` walks both with iterator @{iterator}",
                    a.name,
                    a.params.len(),
                    b.name,
                    b.params.len(),
                    first.filter
                ),
            )
            .with_label(format!("{} values", a.params.len()))
            .with_related(site.file, b.params[0].name.span, format!("{} values", b.params.len()))
            .with_related(first.file, first.span, format!("`${}` read here", first.name))
            .with_related(other.file, other.span, format!("`${}` read here", other.name))
            .with_help("give both lists the same length, or read them with different iterators (`[@1]`, `[@2]`) to get every combination"),
        );
    }
}

/// NWF214.
fn value_kinds(
    site: &RefSite,
    groups: &[ParamGroup],
    child_needs: &Needs,
    skip: &HashSet<crate::span::Span>,
    out: &mut Vec<Diagnostic>,
) {
    for group in groups {
        let Some(uses) = child_needs.vars.get(group.name) else {
            continue;
        };
        for (idx, param) in group.params.iter().enumerate() {
            if skip.contains(&param.value.span) {
                continue;
            }
            let applies = |var_use: &&VarUse| match var_use.access {
                VarAccess::Index(index) => index as usize == idx,
                VarAccess::Iterator(_) => true,
            };
            let Some(var_use) = uses
                .iter()
                .filter(applies)
                .find(|var_use| !kinds::fits(var_use.kind, &param.value.value))
            else {
                continue;
            };
            let expected = kinds::describe(var_use.kind);
            out.push(
                Diagnostic::new(
                    Code::ParameterValueKind,
                    site.file,
                    param.value.span,
                    format!(
                        "`{}` is not {expected}, which `${}` must be where it is used",
                        param.value.value, group.name
                    ),
                )
                .with_label(format!("not {expected}"))
                .with_related(
                    var_use.file,
                    var_use.span,
                    format!("used here in `{}`", var_use.filter),
                )
                .with_help(format!("give `{}` {expected}", group.name)),
            );
        }
    }
}

/// NWF205.
fn missing(site: &RefSite, child_needs: &Needs, out: &mut Vec<Diagnostic>) {
    let filter_ref = site.filter_ref;
    let learning = filter_ref
        .values("CTRL_IP_LEARNING")
        .next()
        .map(|value| value.value.to_ascii_lowercase());
    let learns_ip = learning.as_deref() != Some("none");
    for (name, uses) in &child_needs.vars {
        if filter_ref.values(name).next().is_some() || name == "MAC" || (name == "IP" && learns_ip)
        {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            Code::MissingVariable,
            site.file,
            filter_ref.filter.span,
            format!(
                "`{}` needs the variable `{name}`, but the binding does not give it",
                filter_ref.filter.value
            ),
        )
        .with_label(format!("`{name}` is not set"));
        for var_use in uses.iter().take(3) {
            diagnostic = diagnostic.with_related(
                var_use.file,
                var_use.span,
                format!("`${name}` read here in `{}`", var_use.filter),
            );
        }
        let help = if name == "IP" {
            "give `IP`, or drop `CTRL_IP_LEARNING='none'` so that libvirt learns it".to_string()
        } else {
            format!(
                "give `{name}` a value at the binding (`<parameter name='{name}' value='...'/>`)"
            )
        };
        out.push(diagnostic.with_help(help));
    }
}
