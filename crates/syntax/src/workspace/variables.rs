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
use crate::ir::{Param, ValueKind, VarAccess};

use super::analysis::{Analysis, RefSite};
use super::facts::Lockstep;
use super::kinds::{self, Reserved};
use super::{FilterKey, VarUse, Workspace};

/// How many uses of one variable with the same access and value kind a
/// filter's needs keep. The checks only need one of each; a few more make
/// better related labels. Keeping all of them would make the needs of a
/// deep reference chain grow with every level.
const USES_PER_KIND: usize = 4;

/// What a filter needs from whoever references it.
#[derive(Debug, Default)]
pub struct Needs {
    /// Each variable not given on the way down, with places that read it:
    /// for each way of reading it (access and value kind) the first few.
    pub vars: BTreeMap<String, Vec<VarUse>>,
    /// Lock-step groups below whose lists are all still to be given.
    pub lockstep: Vec<Lockstep>,
    /// False when part of the tree is missing (an unknown filter, a cycle),
    /// so that more may be needed than `vars` says.
    pub complete: bool,
}

pub(crate) fn compute_needs(
    workspace: &Workspace,
    analysis: &Analysis,
    reuse: HashMap<FilterKey, Arc<Needs>>,
) -> HashMap<FilterKey, Arc<Needs>> {
    let mut solver = Solver {
        workspace,
        analysis,
        memo: reuse,
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
            lockstep: Vec::new(),
            complete: true,
        };
        let workspace = self.workspace;
        let file = workspace.file(key.file);
        if let Ok(idx) = file
            .facts
            .filters
            .binary_search_by_key(&key.item, |facts| facts.item)
        {
            let facts = &file.facts.filters[idx];
            for var_use in &facts.uses {
                needs
                    .vars
                    .entry(var_use.name.clone())
                    .or_default()
                    .push(var_use.clone());
            }
            needs.lockstep.extend(facts.lockstep.iter().cloned());
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
                // A group is checked where all its lists are given; one
                // given only in part here cannot be checked any more.
                needs.lockstep.extend(
                    child_needs
                        .lockstep
                        .iter()
                        .filter(|group| {
                            group
                                .names()
                                .all(|name| filter_ref.values(name).next().is_none())
                        })
                        .cloned(),
                );
            }
        }
        for uses in needs.vars.values_mut() {
            bound_uses(uses);
        }
        let mut seen = HashSet::new();
        needs.lockstep.retain(|group| {
            seen.insert((
                group.iterator,
                group.names().map(str::to_owned).collect::<Vec<_>>(),
            ))
        });
        self.active.remove(&key);
        let needs = Arc::new(needs);
        self.memo.insert(key, Arc::clone(&needs));
        needs
    }
}

/// Sorts `uses` by position and keeps the first [`USES_PER_KIND`] of each
/// access and value kind.
fn bound_uses(uses: &mut Vec<VarUse>) {
    uses.sort_by_key(|var_use| (var_use.file, var_use.span.start, var_use.span.end));
    uses.dedup_by_key(|var_use| (var_use.file, var_use.span));
    let mut counts: HashMap<(VarAccess, ValueKind), usize> = HashMap::new();
    uses.retain(|var_use| {
        let count = counts.entry((var_use.access, var_use.kind)).or_default();
        *count += 1;
        *count <= USES_PER_KIND
    });
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

pub(crate) fn check_sites(
    analysis: &Analysis,
    sites: &[RefSite],
    mut reuse: HashMap<FilterKey, Arc<Vec<Diagnostic>>>,
) -> HashMap<FilterKey, Arc<Vec<Diagnostic>>> {
    let mut by_item: HashMap<FilterKey, Arc<Vec<Diagnostic>>> = HashMap::new();
    let mut fresh: HashMap<FilterKey, Vec<Diagnostic>> = HashMap::new();
    for site in sites {
        if by_item.contains_key(&site.item) {
            continue;
        }
        if let Some(reused) = reuse.remove(&site.item) {
            by_item.insert(site.item, reused);
            continue;
        }
        check_site(analysis, site, fresh.entry(site.item).or_default());
    }
    // Items without diagnostics are kept too, so that the next rebuild
    // can reuse them.
    by_item.extend(
        fresh
            .into_iter()
            .map(|(item, diagnostics)| (item, Arc::new(diagnostics))),
    );
    by_item
}

fn check_site(analysis: &Analysis, site: &RefSite, out: &mut Vec<Diagnostic>) {
    let groups = group_params(&site.filter_ref.params);
    let bad_reserved = reserved_values(site, &groups, out);
    let target = &site.filter_ref.filter.value;
    let Some(child) = analysis.resolve(target) else {
        return;
    };
    let Some(child_needs) = analysis.needs(child) else {
        return;
    };
    let is_binding = site.from.is_none();
    unused_params(site, &groups, child_needs, is_binding, out);
    indexes(site, &groups, child_needs, out);
    iterators(site, &groups, child_needs, out);
    value_kinds(site, &groups, child_needs, &bad_reserved, out);
    if is_binding {
        missing(site, child_needs, out);
    }
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
    let given: HashMap<&str, &ParamGroup> =
        groups.iter().map(|group| (group.name, group)).collect();
    let mut reported: BTreeSet<(&str, &str, u32)> = BTreeSet::new();
    for lockstep in &child_needs.lockstep {
        let Some(members) = lockstep
            .uses
            .iter()
            .map(|var_use| Some((var_use, *given.get(var_use.name.as_str())?)))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let Some(&(first_use, first)) = members.first() else {
            continue;
        };
        let Some(&(other_use, other)) = members
            .iter()
            .find(|(_, group)| group.params.len() != first.params.len())
        else {
            continue;
        };
        let iterator = lockstep.iterator;
        if !reported.insert((first.name, other.name, iterator)) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::IteratorLengthMismatch,
                site.file,
                first.params[0].name.span,
                format!(
                    "`{}` has {} values and `{}` has {}, but a rule of `{}` walks both with iterator @{iterator}",
                    first.name,
                    first.params.len(),
                    other.name,
                    other.params.len(),
                    first_use.filter
                ),
            )
            .with_label(format!("{} values", first.params.len()))
            .with_related(site.file, other.params[0].name.span, format!("{} values", other.params.len()))
            .with_related(first_use.file, first_use.span, format!("`${}` read here", first_use.name))
            .with_related(other_use.file, other_use.span, format!("`${}` read here", other_use.name))
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
        let help = match (name.as_str(), site.text_form) {
            ("IP", false) => {
                "give `IP`, or drop `CTRL_IP_LEARNING='none'` so that libvirt learns it".to_string()
            }
            ("IP", true) => {
                "give `IP`, or drop `CTRL_IP_LEARNING = none` so that libvirt learns it".to_string()
            }
            (_, false) => format!(
                "give `{name}` a value at the binding (`<parameter name='{name}' value='...'/>`)"
            ),
            (_, true) => format!(
                "give `{name}` a value at the binding (`ref {} {name} = ...`)",
                filter_ref.filter.value
            ),
        };
        out.push(diagnostic.with_help(help));
    }
}
