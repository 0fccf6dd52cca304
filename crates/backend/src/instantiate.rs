//! Instantiation: from a bound filter to a flat list of concrete rules for
//! one interface.
//!
//! This follows libvirt's instantiation (`nwfilter_gentech_driver.c`, and the
//! variable iterator of `nwfilter_params.c`), re-implemented here:
//!
//! - filter references are expanded depth first, in document order; each
//!   referenced filter sees the reference's parameters as defaults, with the
//!   referencing filter's variables taking precedence;
//! - `$MAC` is the binding's MAC unless the binding passes a `MAC` parameter;
//! - every rule is expanded over its variables' values ([`iterate`]).
//!
//! Missing filters and variables, cycles and bad values are diagnostics; a
//! rule with such a problem yields no instances. This module does not know
//! about nftables: it only produces [`InstRule`]s.

mod iterate;

use std::collections::BTreeMap;
use std::rc::Rc;

use nwf_syntax::ir::{
    self, Action, Attr, AttrMatch, Binding, Chain, Direction, Entry, Filter, Protocol, Value,
};
use nwf_syntax::{Code, Diagnostic, FileId, Span};

/// Variable name -> its values (a one-element list for a plain value).
pub type Vars = BTreeMap<String, Vec<String>>;

/// A filter together with the file it was read from (for diagnostics).
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub file: FileId,
    pub filter: &'a Filter,
}

/// One rule of the filter tree with every variable replaced by a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstRule {
    /// The filter the rule is written in.
    pub filter: String,
    pub file: FileId,
    /// The rule element in `file`.
    pub span: Span,
    /// The chain of the filter the rule is written in.
    pub chain: Chain,
    /// That filter's chain priority (explicit or the protocol's default).
    pub chain_priority: i16,
    pub priority: i16,
    pub action: Action,
    pub direction: Direction,
    /// `false` when the rule says `statematch='false'`.
    pub statematch: bool,
    pub protocol: Option<Protocol>,
    /// Concrete attribute values in the protocol's canonical order; never a
    /// [`Value::Var`].
    pub attrs: Vec<InstAttr>,
}

impl InstRule {
    pub fn get(&self, attr: Attr) -> Option<&InstAttr> {
        self.attrs.iter().find(|entry| entry.attr == attr)
    }

    /// Whether libvirt evaluates the rule with ebtables (layer 2): rules
    /// without a protocol element included.
    pub fn is_layer2(&self) -> bool {
        self.protocol
            .is_none_or(|protocol| protocol.layer() == ir::protocol::Layer::Link)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstAttr {
    pub attr: Attr,
    pub value: Value,
    pub negated: bool,
}

/// Everything bound to one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Instance {
    /// The host-side interface name.
    pub portdev: String,
    /// In document order (filter references expanded in place); ordering by
    /// chain and priority is the translation's business.
    pub rules: Vec<InstRule>,
}

/// The result of instantiation: the rules that could be instantiated and the
/// diagnostics for the rest.
#[derive(Clone, Debug, Default)]
pub struct Instantiated {
    pub instance: Instance,
    pub diagnostics: Vec<Diagnostic>,
}

impl Instantiated {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Instantiates `binding` (read from `file`), looking filters up by name.
pub fn instantiate_binding<'a, F>(binding: &Binding, file: FileId, lookup: F) -> Instantiated
where
    F: Fn(&str) -> Option<Source<'a>>,
{
    let mut vars = params_to_vars(&binding.filterref);
    if let Some(mac) = &binding.mac {
        vars.entry("MAC".to_owned())
            .or_insert_with(|| vec![mac.value.to_string()]);
    }
    let portdev = binding.portdev.value.clone();
    let name = &binding.filterref.filter;
    match lookup(&name.value) {
        Some(root) => instantiate_filter(root, vars, &portdev, lookup),
        None => Instantiated {
            instance: Instance {
                portdev,
                rules: Vec::new(),
            },
            diagnostics: vec![missing_filter(file, name.span, &name.value)],
        },
    }
}

/// Instantiates the filter `root` for interface `portdev` with the variables
/// `vars` (the harness form: libvirt's tests call the driver this way).
pub fn instantiate_filter<'a, F>(
    root: Source<'a>,
    vars: Vars,
    portdev: &str,
    lookup: F,
) -> Instantiated
where
    F: Fn(&str) -> Option<Source<'a>>,
{
    let mut walker = Walker {
        lookup,
        diagnostics: Vec::new(),
        stack: Vec::new(),
        collected: Vec::new(),
    };
    walker.walk(root, &Rc::new(vars));
    let Walker {
        mut diagnostics,
        collected,
        ..
    } = walker;
    let mut rules = Vec::new();
    for item in &collected {
        iterate::expand(item, &mut rules, &mut diagnostics);
    }
    Instantiated {
        instance: Instance {
            portdev: portdev.to_owned(),
            rules,
        },
        diagnostics,
    }
}

/// Errors for interfaces bound more than once among `bindings` (each with
/// the file it was read from).
pub fn duplicate_interfaces(bindings: &[(FileId, &Binding)]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, (FileId, Span)> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for (file, binding) in bindings {
        let name = binding.portdev.value.as_str();
        if let Some((first_file, first_span)) = seen.get(name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InterfaceBoundTwice,
                    *file,
                    binding.portdev.span,
                    format!("interface `{name}` is bound twice"),
                )
                .with_label("second binding")
                .with_related(*first_file, *first_span, "first binding"),
            );
        } else {
            seen.insert(name, (*file, binding.portdev.span));
        }
    }
    diagnostics
}

/// A filter reference's parameters as variables (repeated names form lists).
pub fn params_to_vars(filterref: &ir::FilterRef) -> Vars {
    let mut vars = Vars::new();
    for param in &filterref.params {
        vars.entry(param.name.value.clone())
            .or_default()
            .push(param.value.value.clone());
    }
    vars
}

fn missing_filter(file: FileId, span: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FilterNotFound,
        file,
        span,
        format!("filter `{name}` does not exist"),
    )
    .with_label("referenced here")
    .with_help("define it in one of the files given, or use a stock filter's name")
}

/// A rule found in the tree, with the variables in scope where it is written.
pub(crate) struct Collected<'a> {
    file: FileId,
    filter: &'a Filter,
    rule: &'a ir::Rule,
    vars: Rc<Vars>,
}

struct Walker<'a, F> {
    lookup: F,
    diagnostics: Vec<Diagnostic>,
    /// Names of the filters on the current path, for cycle detection.
    stack: Vec<String>,
    collected: Vec<Collected<'a>>,
}

impl<'a, F> Walker<'a, F>
where
    F: Fn(&str) -> Option<Source<'a>>,
{
    fn walk(&mut self, source: Source<'a>, vars: &Rc<Vars>) {
        self.stack.push(source.filter.name.value.clone());
        for entry in &source.filter.entries {
            match entry {
                Entry::Rule(rule) => self.collected.push(Collected {
                    file: source.file,
                    filter: source.filter,
                    rule,
                    vars: Rc::clone(vars),
                }),
                Entry::Ref(filter_ref) => self.walk_ref(source.file, filter_ref, vars),
                Entry::Comment(_) => {}
            }
        }
        self.stack.pop();
    }

    fn walk_ref(&mut self, file: FileId, filter_ref: &ir::FilterRef, vars: &Rc<Vars>) {
        let name = &filter_ref.filter;
        if self.stack.contains(&name.value) {
            let path = self.stack.join(" -> ");
            self.diagnostics.push(
                Diagnostic::new(
                    Code::FilterCycle,
                    file,
                    name.span,
                    format!(
                        "filter `{}` references itself: {path} -> {}",
                        name.value, name.value
                    ),
                )
                .with_label("this reference closes the cycle"),
            );
            return;
        }
        let Some(child) = (self.lookup)(&name.value) else {
            self.diagnostics
                .push(missing_filter(file, name.span, &name.value));
            return;
        };
        // The reference's parameters are defaults; the caller's variables win.
        let mut child_vars = params_to_vars(filter_ref);
        for (key, values) in vars.iter() {
            child_vars.insert(key.clone(), values.clone());
        }
        self.walk(child, &Rc::new(child_vars));
    }
}

/// The attribute matches of a rule in the protocol's canonical order (the
/// order in which libvirt registers variables, which fixes the iteration
/// order).
pub(crate) fn canonical_attrs(protocol: Protocol, attrs: &[AttrMatch]) -> Vec<&AttrMatch> {
    let order = |attr: Attr| {
        protocol
            .attrs()
            .iter()
            .position(|spec| spec.attr == attr)
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<&AttrMatch> = attrs.iter().collect();
    sorted.sort_by_key(|entry| order(entry.attr.value));
    sorted
}

/// The number behind a table name of any kind (`arp` -> 0x806, `tcp` -> 6,
/// `Reply` -> 2); the tables' names are disjoint.
pub fn name_number(name: &str) -> Option<u32> {
    use nwf_syntax::ir::ValueKind;
    [
        ValueKind::MacProtocolId,
        ValueKind::IpProtocol,
        ValueKind::ArpOpcode,
    ]
    .into_iter()
    .find_map(|kind| nwf_syntax::values::name_to_number(kind, name))
}
