//! Making nwf's tables hold what the running domains need, and no more.
//!
//! One pass reads the kernel's state, loads the filters (stock, libvirt's
//! directory, the configured directories) with one binding per wanted
//! interface, judges each binding on its own and then, per interface, in a
//! transaction of its own:
//!
//! - a good binding the kernel does not hold exactly so is bound (or
//!   re-bound), and one it holds is left alone, so a pass that finds
//!   nothing new changes no handle;
//! - a binding that is refused (an error, or a warning that widens a rule,
//!   in its filter tree or in its own metadata) changes nothing when the
//!   interface has rules already: they stay. An interface with no rules yet
//!   gets the quarantine filter, which drops every frame both ways, until
//!   its filter is fixed: a port nwf was asked to filter never runs open;
//! - an interface nwf filters that no running domain needs any more (its
//!   domain stopped, the device was unplugged) is unbound.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use nwf_backend::plan::{self, InstalledState};
use nwf_backend::record::{Record, Source};
use nwf_backend::ruleset::Port;
use nwf_syntax::Workspace;

use super::domain::{DomainView, Wanted};
use super::quarantine;
use crate::sources::{self, Sources};
use crate::verdict::{self, Policy};
use crate::{files, libvirt_rules, nft, render};

/// Which interfaces a pass may unbind.
pub enum Scope<'a> {
    /// All of them: every running domain was read.
    All,
    /// Those of these domains (UUIDs): only they were read.
    Domains(&'a BTreeSet<String>),
}

/// The agent's configuration and what it has said already.
pub struct Reconciler {
    pub filter_dirs: Vec<PathBuf>,
    pub policy: Policy,
    /// The filter diagnostics printed last, so a pass repeats them only
    /// when they change.
    printed: String,
    /// The ports last reported as filtered by libvirt's driver too.
    warned_foreign: BTreeSet<String>,
}

/// How one pass ended, for the log and the tests.
#[derive(Debug, Default)]
pub struct Summary {
    pub changed: usize,
    pub unchanged: usize,
    pub held: usize,
    pub quarantined: usize,
    pub unbound: usize,
    pub failed: usize,
}

/// One interface to bind, after judging.
pub(super) struct Planned {
    pub(super) label: String,
    pub(super) port: Port,
    pub(super) record: Record,
}

impl Reconciler {
    pub fn new(filter_dirs: Vec<PathBuf>, policy: Policy) -> Reconciler {
        Reconciler {
            filter_dirs,
            policy,
            printed: String::new(),
            warned_foreign: BTreeSet::new(),
        }
    }

    /// The directories whose files the agent watches.
    pub fn watched_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = sources::system_filter_dir().into_iter().collect();
        dirs.extend(self.filter_dirs.iter().cloned());
        dirs
    }

    /// One pass over `views` (the domains read); see the module's text.
    pub fn reconcile(
        &mut self,
        views: &[DomainView],
        scope: &Scope<'_>,
    ) -> Result<Summary, String> {
        let listing = nft::list_tables_json()?;
        let mut state = plan::read_installed(listing[0].as_deref(), listing[1].as_deref())?;
        let mut loaded = sources::load(&Sources {
            given: Vec::new(),
            filter_dirs: self.filter_dirs.clone(),
            system_dir: sources::system_filter_dir(),
        })
        .map_err(|message| format!("loading the filters: {message}; nothing changed"))?;
        let mut labels = BTreeMap::new();
        for view in views {
            for wanted in &view.wanted {
                let path = binding_path(view, wanted);
                let file = files::add_file(&mut loaded.workspace, path, view.binding_xml(wanted));
                loaded.given.push(file);
                labels.insert(wanted.portdev.clone(), label(view, &wanted.portdev));
            }
        }
        let now = super::learned::now();
        let (diagnostics, judged) = verdict::judge_each(&loaded, self.policy, &|binding| {
            super::learned::in_kernel(&state, binding, now)
        });
        self.print_filter_diagnostics(&loaded.workspace, &diagnostics);

        let mut summary = Summary::default();
        let mut planned = Vec::new();
        let mut quarantine = Vec::new();
        let mut used = state.installed.used_ids.clone();
        for judged in judged {
            let label = labels.get(&judged.interface).cloned().unwrap_or_default();
            if let Some(bound) = judged.bound {
                planned.extend(plan_port(&state, &mut used, label, bound, &mut summary));
            } else {
                let reason = refusal(&judged.refusing);
                // The filters' own diagnostics were printed above.
                let own: Vec<nwf_syntax::Diagnostic> = judged
                    .refusing
                    .iter()
                    .filter(|diagnostic| {
                        is_binding_path(loaded.workspace.file(diagnostic.file()).path())
                    })
                    .cloned()
                    .collect();
                render::eprint(&loaded.workspace, &own);
                let owner = quarantine::owner_of(views, &judged.interface);
                quarantine::hold_or_quarantine(
                    &state,
                    &label,
                    &judged.interface,
                    owner,
                    &reason,
                    &mut summary,
                    &mut quarantine,
                );
            }
        }
        for view in views {
            for problem in &view.problems {
                let Some(portdev) = &problem.portdev else {
                    eprintln!("nwf agent: {}: {}", view.name, problem.message);
                    continue;
                };
                let label = label(view, portdev);
                let owner = quarantine::Owner {
                    name: view.name.clone(),
                    uuid: view.uuid.clone(),
                    mac: problem.mac.clone().unwrap_or_default(),
                };
                quarantine::hold_or_quarantine(
                    &state,
                    &label,
                    portdev,
                    owner,
                    &problem.message,
                    &mut summary,
                    &mut quarantine,
                );
            }
            for wanted in &view.wanted {
                if let Some(theirs) = &wanted.libvirt_filter {
                    eprintln!(
                        "nwf agent: {}: the interface also has libvirt's own <filterref filter='{theirs}'>: \
                         libvirt's nwfilter driver filters it too (see docs/agent.md, switching over)",
                        label(view, &wanted.portdev)
                    );
                }
            }
        }
        planned.extend(quarantine::quarantine_ports(
            &state,
            &mut used,
            quarantine,
            &mut summary,
        ));
        self.warn_foreign(views);

        // Bind what differs from the kernel, one transaction per interface.
        let ports: Vec<Port> = planned.iter().map(|planned| planned.port.clone()).collect();
        let records: Vec<Record> = planned
            .iter()
            .map(|planned| planned.record.clone())
            .collect();
        let unchanged = crate::cmd::bind::unchanged_ports(&listing, &ports, &records);
        for (planned, same) in planned.iter().zip(unchanged) {
            if same {
                summary.unchanged += 1;
                continue;
            }
            bind_planned(&mut state, planned, &mut summary)?;
        }

        // Unbind what no running domain needs.
        let wanted: BTreeSet<&str> = planned
            .iter()
            .filter_map(|planned| {
                planned
                    .port
                    .chains
                    .interface
                    .as_ref()
                    .map(nwf_backend::nft::Name::as_str)
            })
            .chain(views.iter().flat_map(|view| {
                view.wanted
                    .iter()
                    .map(|wanted| wanted.portdev.as_str())
                    .chain(
                        view.problems
                            .iter()
                            .filter_map(|problem| problem.portdev.as_deref()),
                    )
            }))
            .collect();
        let running: BTreeSet<&str> = views.iter().map(|view| view.uuid.as_str()).collect();
        for (interface, installed) in &state.ports {
            if installed.id == 0 || wanted.contains(interface.as_str()) {
                continue;
            }
            let record = installed.record.as_ref();
            let owner = record.and_then(|record| record.domain.as_ref());
            let ours = record.is_some_and(|record| record.source == Source::Agent);
            let remove = match scope {
                Scope::All => {
                    ours || owner.is_some_and(|(_, uuid)| !running.contains(uuid.as_str()))
                }
                Scope::Domains(uuids) => owner.is_some_and(|(_, uuid)| uuids.contains(uuid)),
            };
            if !remove {
                continue;
            }
            let who = owner.map_or_else(String::new, |(name, _)| format!("{name}/"));
            match nft::run_script(&[], &plan::unbind_script(installed)) {
                Ok(output) if output.status.success() => {
                    eprintln!("nwf agent: {who}{interface}: unbound (no running domain needs it)");
                    summary.unbound += 1;
                }
                Ok(output) => {
                    eprintln!(
                        "nwf agent: {who}{interface}: nft refused to unbind it: {}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    );
                    summary.failed += 1;
                }
                Err(message) => return Err(message),
            }
        }
        Ok(summary)
    }

    /// Prints the refusing diagnostics of the filter files when they differ
    /// from the last pass's.
    fn print_filter_diagnostics(
        &mut self,
        workspace: &Workspace,
        diagnostics: &[nwf_syntax::Diagnostic],
    ) {
        let refusing: Vec<nwf_syntax::Diagnostic> = diagnostics
            .iter()
            .filter(|diagnostic| self.policy.refuses(diagnostic))
            .filter(|diagnostic| !is_binding_path(workspace.file(diagnostic.file()).path()))
            .cloned()
            .collect();
        let key = format!("{refusing:?}");
        if key != self.printed {
            if !refusing.is_empty() {
                eprintln!(
                    "nwf agent: the filters have {} problem(s); interfaces whose filters they touch keep their rules:",
                    refusing.len()
                );
                render::eprint(workspace, &refusing);
            } else if !self.printed.is_empty() {
                eprintln!("nwf agent: the filters have no problems any more");
            }
            self.printed = key;
        }
    }

    /// Says, once per port, when libvirt's own nwfilter driver has rules
    /// on an interface nwf filters.
    fn warn_foreign(&mut self, views: &[DomainView]) {
        let foreign = libvirt_rules::live();
        let mut now = BTreeSet::new();
        for view in views {
            for wanted in &view.wanted {
                if let Some(chains) = foreign.get(&wanted.portdev) {
                    now.insert(wanted.portdev.clone());
                    if !self.warned_foreign.contains(&wanted.portdev) {
                        eprintln!(
                            "nwf agent: {}: libvirt's nwfilter driver has rules on this interface too ({}); \
                             both filter it (see docs/agent.md, switching over)",
                            label(view, &wanted.portdev),
                            chains.join(", ")
                        );
                    }
                }
            }
        }
        self.warned_foreign = now;
    }
}

/// Binds one planned port in a transaction of its own; `Ok(false)` when
/// nft refused it (the interface is unchanged, and the log says so).
pub(super) fn bind_planned(
    state: &mut InstalledState,
    planned: &Planned,
    summary: &mut Summary,
) -> Result<bool, String> {
    let interface = planned
        .port
        .chains
        .interface
        .as_ref()
        .map_or("", |name| name.as_str());
    let previous = state.ports.get(interface);
    let script = plan::bind_script_recorded(
        &state.installed,
        previous,
        &planned.port,
        Some(&planned.record),
    );
    let output = nft::run_script(&[], &script)?;
    if !output.status.success() {
        eprintln!(
            "nwf agent: {}: nft refused the rules, the interface is unchanged: {}",
            planned.label,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        summary.failed += 1;
        return Ok(false);
    }
    let learned = planned
        .record
        .learning
        .as_ref()
        .map(|learning| {
            if learning.addresses.is_empty() {
                format!(", learning its address ({})", learning.mode)
            } else {
                let addresses: Vec<&str> = learning
                    .addresses
                    .iter()
                    .map(|(address, _)| address.as_str())
                    .collect();
                format!(
                    ", with the learned address {} ({})",
                    addresses.join(", "),
                    learning.mode
                )
            }
        })
        .unwrap_or_default();
    eprintln!(
        "nwf agent: {}: {} {} (port {}){learned}",
        planned.label,
        if previous.is_some() {
            "re-bound to"
        } else {
            "bound to"
        },
        planned.record.filter,
        planned.port.id
    );
    state.installed.tables = true;
    state.installed.used_ids.insert(planned.port.id);
    summary.changed += 1;
    Ok(true)
}

/// `vm1/vnet0`, the prefix of every log line about an interface.
pub(super) fn label(view: &DomainView, portdev: &str) -> String {
    if view.name.is_empty() {
        portdev.to_owned()
    } else {
        format!("{}/{portdev}", view.name)
    }
}

/// The name a domain's generated binding has in diagnostics.
pub(super) fn binding_path(view: &DomainView, wanted: &Wanted) -> PathBuf {
    PathBuf::from(format!(
        "<domain {} interface {}>",
        view.name, wanted.portdev
    ))
}

fn is_binding_path(path: &Path) -> bool {
    path.to_string_lossy().starts_with("<domain ")
}

/// The port of a judged binding: its id (kept, or the first free one) and
/// its record, marked as the agent's.
pub(super) fn plan_port(
    state: &InstalledState,
    used: &mut BTreeSet<u16>,
    label: String,
    bound: verdict::Bound,
    summary: &mut Summary,
) -> Option<Planned> {
    let Some(id) = port_id(state, used, &bound.interface) else {
        eprintln!("nwf agent: {label}: no free port id left");
        summary.failed += 1;
        return None;
    };
    let mut record = bound.record;
    record.source = Source::Agent;
    Some(Planned {
        label,
        port: Port {
            id,
            chains: bound.chains,
        },
        record,
    })
}

/// The port id an interface keeps, or the first free one.
fn port_id(state: &InstalledState, used: &mut BTreeSet<u16>, interface: &str) -> Option<u16> {
    let id = match state.ports.get(interface) {
        Some(port) if port.id != 0 => Some(port.id),
        _ => (1..=u16::MAX).find(|id| !used.contains(id)),
    }?;
    used.insert(id);
    Some(id)
}

/// "2 errors" / "1 warning that widens a rule".
fn refusal(diagnostics: &[nwf_syntax::Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let widening = diagnostics.len() - errors;
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(format!(
            "{errors} error{}",
            if errors == 1 { "" } else { "s" }
        ));
    }
    if widening > 0 {
        parts.push(format!(
            "{widening} warning{} that widen a rule",
            if widening == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        "refused".into()
    } else {
        parts.join(" and ")
    }
}
