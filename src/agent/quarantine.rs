//! Quarantine: an interface nwf was asked to filter whose input is refused
//! and that has no rules of its own domain yet is bound to a filter that
//! drops every frame both ways, until the input is fixed. One whose
//! domain's previous rules are in the kernel keeps them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use nwf_backend::plan::InstalledState;
use nwf_syntax::Workspace;

use super::domain::{DomainView, Wanted};
use super::reconcile::{Planned, Summary, binding_path, label, plan_port};
use crate::files;
use crate::sources::Loaded;
use crate::verdict::{self, Policy};

/// The filter every frame of a port meets while its own filter is refused.
pub const QUARANTINE: &str = "nwf-quarantine";

const QUARANTINE_XML: &str = "<filter name='nwf-quarantine' chain='root'>\n  \
     <rule action='drop' direction='inout' priority='-1000'/>\n</filter>\n";

/// A refused interface keeps its rules when they are its domain's own,
/// and is quarantined otherwise: when it has none, or when they are
/// another domain's (a tap name that was used before).
#[allow(clippy::too_many_arguments)]
pub(super) fn hold_or_quarantine(
    state: &InstalledState,
    label: &str,
    interface: &str,
    owner: Owner,
    reason: &str,
    summary: &mut Summary,
    quarantine: &mut Vec<(String, Owner)>,
) {
    let own_rules = state.ports.get(interface).is_some_and(|port| {
        port.id != 0
            && port
                .record
                .as_ref()
                .and_then(|record| record.domain.as_ref())
                .is_some_and(|(_, uuid)| *uuid == owner.uuid)
    });
    if own_rules {
        eprintln!("nwf agent: {label}: refused ({reason}); its previous rules stay");
        summary.held += 1;
    } else if !quarantine.iter().any(|(port, _)| port == interface) {
        eprintln!(
            "nwf agent: {label}: refused ({reason}); the interface drops all traffic until it is fixed"
        );
        quarantine.push((interface.to_string(), owner));
    }
}

/// The quarantine bindings for `quarantine` (interface, owner).
pub(super) fn quarantine_ports(
    state: &InstalledState,
    used: &mut BTreeSet<u16>,
    quarantine: Vec<(String, Owner)>,
    summary: &mut Summary,
) -> Vec<Planned> {
    if quarantine.is_empty() {
        return Vec::new();
    }
    let mut workspace = Workspace::default();
    files::add_file(
        &mut workspace,
        PathBuf::from("<nwf-quarantine>"),
        QUARANTINE_XML.into(),
    );
    let mut loaded = Loaded {
        workspace,
        given: Vec::new(),
    };
    let mut labels = BTreeMap::new();
    for (interface, owner) in quarantine {
        let view = DomainView {
            name: owner.name,
            uuid: owner.uuid,
            ..DomainView::default()
        };
        let wanted = Wanted {
            portdev: interface.clone(),
            mac: owner.mac,
            filter: QUARANTINE.into(),
            parameters: Vec::new(),
            libvirt_filter: None,
        };
        labels.insert(interface.clone(), label(&view, &interface));
        let file = files::add_file(
            &mut loaded.workspace,
            binding_path(&view, &wanted),
            view.binding_xml(&wanted),
        );
        loaded.given.push(file);
    }
    let (_, judged) = verdict::judge_each(&loaded, Policy::default(), &|_| Vec::new());
    let mut planned = Vec::new();
    for judged in judged {
        let label = labels.get(&judged.interface).cloned().unwrap_or_default();
        let Some(bound) = judged.bound else {
            // The quarantine filter is ours and constant; a binding of
            // it fails only with a MAC nwf cannot read.
            eprintln!("nwf agent: {label}: cannot quarantine the interface");
            summary.failed += 1;
            continue;
        };
        if let Some(port) = plan_port(state, used, label, bound, summary) {
            summary.quarantined += 1;
            planned.push(port);
        }
    }
    planned
}

/// The domain that wants an interface, for its quarantine binding.
pub(super) struct Owner {
    pub(super) name: String,
    pub(super) uuid: String,
    pub(super) mac: String,
}

pub(super) fn owner_of(views: &[DomainView], interface: &str) -> Owner {
    views
        .iter()
        .find_map(|view| {
            view.wanted
                .iter()
                .find(|wanted| wanted.portdev == interface)
                .map(|wanted| Owner {
                    name: view.name.clone(),
                    uuid: view.uuid.clone(),
                    mac: wanted.mac.clone(),
                })
        })
        .unwrap_or(Owner {
            name: String::new(),
            uuid: String::new(),
            mac: String::new(),
        })
}
