//! Per-interface transactions: binding, re-binding and unbinding one
//! interface as one `nft -f` script whose size depends only on that
//! interface's own chains.
//!
//! The caller (the CLI) reads what is installed (`nft -j list table ...`)
//! into an [`Installed`] value; this module only decides what to write. A
//! re-bind deletes the interface's old map elements, flushes its old
//! chains and fills them anew in the same transaction, so its traffic is
//! never unfiltered: the kernel switches from the old rules to the new ones
//! at once.
//!
//! Each transaction also replaces the interface's [`record`] (what its
//! binding said), and [`view`] compares what a binding would install with
//! what the kernel holds, so that re-binding the same input changes
//! nothing.

pub mod view;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::nft::{self, Family, Key, KeyText, MapValueText, Name, Table};
use crate::record::{self, Record};
use crate::ruleset::{self, Port};

/// What is installed for one interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstalledPort {
    /// Its name, as the listing keys it (`None` in values built by hand).
    pub interface: Option<Name>,
    /// Its port id, from the `port_mark` map (0: no element there).
    pub id: u16,
    /// Its chains in the bridge table (`tag-IF`, `l2-*-IF*`).
    pub bridge_chains: Vec<Name>,
    /// Its chains in the inet table (`to-IF`, `from-IF`, `host-IF`).
    pub inet_chains: Vec<Name>,
    /// Its sets in the inet table.
    pub inet_sets: Vec<Name>,
    /// The numbers of the elements holding its record, and the record
    /// they spell (`None` when absent or unreadable, e.g. bound by an
    /// older nwf).
    pub record_chunks: Vec<u32>,
    pub record: Option<Record>,
}

/// What is installed now, as far as a per-interface change needs to know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Installed {
    /// Both nwf tables exist (with their base chains and maps).
    pub tables: bool,
    /// Port ids in use, by any interface.
    pub used_ids: BTreeSet<u16>,
}

/// The lowest port id not in use, if any is left.
pub fn free_id(installed: &Installed) -> Option<u16> {
    (1..=u16::MAX).find(|id| !installed.used_ids.contains(id))
}

/// The script that binds `port` (replacing `previous`, its installed
/// state, if it was bound) without touching any other interface. It stores
/// no record: [`bind_script_recorded`] does.
pub fn bind_script(installed: &Installed, previous: Option<&InstalledPort>, port: &Port) -> String {
    bind_script_recorded(installed, previous, port, None)
}

/// [`bind_script`] that also stores `record` (what the binding said) with
/// the interface, replacing its previous record.
pub fn bind_script_recorded(
    installed: &Installed,
    previous: Option<&InstalledPort>,
    port: &Port,
    record: Option<&Record>,
) -> String {
    let mut script = String::new();
    if !installed.tables {
        // First interface: create the tables with base chains and maps.
        script.push_str(&nft::print_tables(&ruleset::tables(&[])));
    }
    if record.is_some() {
        script.push_str(&record::declare_script());
    }
    let [bridge, inet] = ruleset::tables(std::slice::from_ref(port))
        .try_into()
        .expect("ruleset::tables returns the bridge and inet tables");
    let new_names = |table: &Table| -> BTreeSet<Name> {
        table
            .chains
            .iter()
            .filter(|chain| chain.base.is_none())
            .map(|chain| chain.name.clone())
            .chain(table.sets.iter().map(|set| set.name.clone()))
            .collect()
    };
    let keep: BTreeSet<Name> = new_names(&bridge)
        .into_iter()
        .chain(new_names(&inet))
        .collect();
    if let Some(previous) = previous {
        remove_port(&mut script, previous, &keep);
    }
    let old: BTreeSet<&Name> = previous
        .map(|previous| {
            previous
                .bridge_chains
                .iter()
                .chain(&previous.inet_chains)
                .chain(&previous.inet_sets)
                .collect()
        })
        .unwrap_or_default();
    add_port_objects(&mut script, &bridge, &old);
    add_port_objects(&mut script, &inet, &old);
    if let (Some(interface), Some(record)) = (&port.chains.interface, record) {
        script.push_str(&record::add_script(interface, record));
    }
    script
}

/// The script that removes an interface's elements, chains and sets.
pub fn unbind_script(previous: &InstalledPort) -> String {
    let mut script = String::new();
    remove_port(&mut script, previous, &BTreeSet::new());
    script
}

fn element_keys(previous: &InstalledPort, interface: &Name) -> [(Family, &'static str, Key); 7] {
    let ingress = u32::from(previous.id);
    let egress = ingress << 16;
    let ifkey = || Key::Ifname(interface.clone());
    [
        (Family::Bridge, "port_mark", ifkey()),
        (Family::Bridge, "from_guest", ifkey()),
        (Family::Bridge, "to_guest", ifkey()),
        (Family::Bridge, "egress_tag", ifkey()),
        (Family::Inet, "to_port", Key::Mark(egress)),
        (Family::Inet, "from_port", Key::Mark(ingress)),
        (Family::Inet, "host_port", Key::Mark(ingress)),
    ]
}

/// Deletes the old elements, flushes every old chain and set, and deletes
/// the chains and sets that are not in `keep` (the names the new binding
/// reuses; those are refilled instead).
fn remove_port(script: &mut String, previous: &InstalledPort, keep: &BTreeSet<Name>) {
    let Some(interface) = previous
        .interface
        .clone()
        .or_else(|| interface_of(previous))
    else {
        return;
    };
    script.push_str(&record::delete_script(&interface, &previous.record_chunks));
    // Without a `port_mark` element the binding never completed: there are
    // no map elements to delete (deleting a missing one fails).
    let elements = if previous.id == 0 {
        Vec::new()
    } else {
        element_keys(previous, &interface).to_vec()
    };
    for (family, map, key) in elements {
        let _ = writeln!(
            script,
            "delete element {} {} {map} {{ {} }}",
            family.as_str(),
            ruleset::TABLE,
            KeyText(&key)
        );
    }
    let tables = [
        (Family::Bridge, &previous.bridge_chains),
        (Family::Inet, &previous.inet_chains),
    ];
    for (family, chains) in tables {
        for chain in chains {
            let _ = writeln!(
                script,
                "flush chain {} {} {chain}",
                family.as_str(),
                ruleset::TABLE
            );
        }
    }
    for (family, chains) in tables {
        for chain in chains.iter().filter(|chain| !keep.contains(*chain)) {
            let _ = writeln!(
                script,
                "delete chain {} {} {chain}",
                family.as_str(),
                ruleset::TABLE
            );
        }
    }
    for set in &previous.inet_sets {
        let verb = if keep.contains(set) {
            "flush"
        } else {
            "delete"
        };
        let _ = writeln!(script, "{verb} set inet {} {set}", ruleset::TABLE);
    }
}

/// The interface name an installed port belongs to, from its tag chain.
fn interface_of(previous: &InstalledPort) -> Option<Name> {
    previous
        .bridge_chains
        .iter()
        .find_map(|chain| chain.as_str().strip_prefix("tag-"))
        .and_then(Name::interface)
}

/// Adds the port's sets and chains (declared first, since jumps refer to
/// them; `existing` ones are already there), its rules and its map
/// elements, from a one-port table.
fn add_port_objects(script: &mut String, table: &Table, existing: &BTreeSet<&Name>) {
    let family = table.family.as_str();
    let port_chains: Vec<&nft::Chain> = table
        .chains
        .iter()
        .filter(|chain| chain.base.is_none())
        .collect();
    for set in table
        .sets
        .iter()
        .filter(|set| !existing.contains(&set.name))
    {
        let key = match set.key {
            nft::SetKey::Ipv4Addr => "ipv4_addr",
            nft::SetKey::Ipv6Addr => "ipv6_addr",
        };
        let _ = writeln!(
            script,
            "add set {family} {} {} {{ type {key}; }}",
            ruleset::TABLE,
            set.name
        );
    }
    for chain in port_chains
        .iter()
        .filter(|chain| !existing.contains(&chain.name))
    {
        let _ = writeln!(
            script,
            "add chain {family} {} {}",
            ruleset::TABLE,
            chain.name
        );
    }
    for chain in &port_chains {
        for rule in &chain.rules {
            let _ = writeln!(
                script,
                "add rule {family} {} {} {rule}",
                ruleset::TABLE,
                chain.name
            );
        }
    }
    for map in &table.maps {
        for (key, value) in &map.elements {
            let _ = writeln!(
                script,
                "add element {family} {} {} {{ {} : {} }}",
                ruleset::TABLE,
                map.name,
                KeyText(key),
                MapValueText(value)
            );
        }
    }
}

/// What `nft -j list table bridge nwf` and `nft -j list table inet nwf`
/// report, sorted by interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstalledState {
    pub installed: Installed,
    /// Interface name -> its installed objects.
    pub ports: std::collections::BTreeMap<String, InstalledPort>,
}

/// Reads the JSON listings of the two nwf tables (either may be absent:
/// pass `None`). Objects that do not follow nwf's naming are ignored.
pub fn read_installed(
    bridge_json: Option<&str>,
    inet_json: Option<&str>,
) -> Result<InstalledState, String> {
    let mut state = InstalledState {
        installed: Installed {
            tables: bridge_json.is_some() && inet_json.is_some(),
            used_ids: BTreeSet::new(),
        },
        ports: std::collections::BTreeMap::new(),
    };
    let mut records: std::collections::BTreeMap<String, std::collections::BTreeMap<u32, String>> =
        std::collections::BTreeMap::new();
    for (family, text) in [("bridge", bridge_json), ("inet", inet_json)] {
        let Some(text) = text else { continue };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| format!("nft JSON: {error}"))?;
        let objects = value
            .get("nftables")
            .and_then(serde_json::Value::as_array)
            .ok_or("nft JSON: no `nftables` array")?;
        for object in objects {
            if let Some(chain) = object.get("chain") {
                let Some(name) = chain.get("name").and_then(serde_json::Value::as_str) else {
                    continue;
                };
                let Some((interface, name)) = owner_of(family, name) else {
                    continue;
                };
                let port = state.ports.entry(interface).or_default();
                if family == "bridge" {
                    port.bridge_chains.push(name);
                } else {
                    port.inet_chains.push(name);
                }
            } else if let Some(set) = object.get("set") {
                let Some(name) = set.get("name").and_then(serde_json::Value::as_str) else {
                    continue;
                };
                if family == "bridge" && name == ruleset::RECORD_SET {
                    read_record_elements(set, &mut records);
                    continue;
                }
                let interface = name
                    .strip_prefix("cl-")
                    .and_then(|rest| owner_of("inet", rest.split('/').next().unwrap_or_default()));
                if let (Some((interface, _)), Some(set_name)) = (interface, Name::identifier(name))
                {
                    state
                        .ports
                        .entry(interface)
                        .or_default()
                        .inet_sets
                        .push(set_name);
                }
            } else if let Some(map) = object.get("map") {
                if map.get("name").and_then(serde_json::Value::as_str) != Some("port_mark") {
                    continue;
                }
                for element in map
                    .get("elem")
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let pair = element.as_array().map(Vec::as_slice).unwrap_or_default();
                    let (Some(interface), Some(id)) = (
                        pair.first().and_then(serde_json::Value::as_str),
                        pair.get(1).and_then(serde_json::Value::as_u64),
                    ) else {
                        continue;
                    };
                    let Ok(id) = u16::try_from(id) else { continue };
                    state.installed.used_ids.insert(id);
                    state.ports.entry(interface.to_owned()).or_default().id = id;
                }
            }
        }
    }
    for (interface, chunks) in records {
        let port = state.ports.entry(interface).or_default();
        port.record = Record::decode(&chunks.values().map(String::as_str).collect::<String>());
        port.record_chunks = chunks.into_keys().collect();
    }
    for (interface, port) in &mut state.ports {
        port.interface = Name::interface(interface);
    }
    Ok(state)
}

/// The elements `{"elem": {"val": {"concat": [IFNAME, N]}, "comment": C}}`
/// of the record set, by interface and piece number.
fn read_record_elements(
    set: &serde_json::Value,
    records: &mut std::collections::BTreeMap<String, std::collections::BTreeMap<u32, String>>,
) {
    let elements = set
        .get("elem")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten();
    for element in elements {
        let element = element.get("elem").unwrap_or(element);
        let concat = element
            .pointer("/val/concat")
            .and_then(serde_json::Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let (Some(interface), Some(idx)) = (
            concat.first().and_then(serde_json::Value::as_str),
            concat.get(1).and_then(serde_json::Value::as_u64),
        ) else {
            continue;
        };
        let (Ok(idx), Some(_)) = (u32::try_from(idx), Name::interface(interface)) else {
            continue;
        };
        let comment = element
            .get("comment")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        records
            .entry(interface.to_owned())
            .or_default()
            .insert(idx, comment.to_owned());
    }
}

/// The interface a chain of nwf's naming belongs to.
fn owner_of(family: &str, chain: &str) -> Option<(String, Name)> {
    let prefixes: &[&str] = if family == "bridge" {
        &["tag-", "l2-from-", "l2-to-"]
    } else {
        &["to-", "from-", "host-"]
    };
    let rest = prefixes
        .iter()
        .find_map(|prefix| chain.strip_prefix(prefix))?;
    let interface = rest.split('/').next()?;
    Name::interface(interface)?;
    Some((interface.to_owned(), Name::identifier(chain)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_objects_are_attributed_to_their_interface() {
        let bridge = r#"{"nftables":[{"metainfo":{}},{"table":{"family":"bridge","name":"nwf"}},
            {"map":{"family":"bridge","name":"port_mark","table":"nwf","type":"ifname","map":"mark","elem":[["vnet0",1],["vnet0-arp",2]]}},
            {"chain":{"family":"bridge","table":"nwf","name":"prerouting"}},
            {"chain":{"family":"bridge","table":"nwf","name":"tag-vnet0"}},
            {"chain":{"family":"bridge","table":"nwf","name":"l2-from-vnet0"}},
            {"chain":{"family":"bridge","table":"nwf","name":"l2-from-vnet0/arp"}},
            {"chain":{"family":"bridge","table":"nwf","name":"l2-from-vnet0-arp"}}]}"#;
        let inet = r#"{"nftables":[{"chain":{"family":"inet","table":"nwf","name":"to-vnet0"}},
            {"set":{"family":"inet","table":"nwf","name":"cl-from-vnet0/0"}}]}"#;
        let state = read_installed(Some(bridge), Some(inet)).expect("valid JSON");
        assert!(state.installed.tables);
        assert_eq!(state.installed.used_ids, BTreeSet::from([1, 2]));
        let vnet0 = &state.ports["vnet0"];
        assert_eq!(vnet0.id, 1);
        let names: Vec<&str> = vnet0.bridge_chains.iter().map(Name::as_str).collect();
        assert_eq!(names, ["tag-vnet0", "l2-from-vnet0", "l2-from-vnet0/arp"]);
        assert_eq!(vnet0.inet_sets.len(), 1);
        assert_eq!(state.ports["vnet0-arp"].bridge_chains.len(), 1);
        assert_eq!(free_id(&state.installed), Some(3));
    }

    #[test]
    fn a_record_without_its_port_is_removed_alone() {
        let bridge = r#"{"nftables":[{"table":{"family":"bridge","name":"nwf"}},
            {"set":{"family":"bridge","name":"binding_info","table":"nwf","type":["ifname","mark"],
              "elem":[{"elem":{"val":{"concat":["vnet3",0]},"comment":"source=nwf&filter=a"}},
                      {"elem":{"val":{"concat":["vnet3",1]},"comment":"&$IP=10.0.0.1"}}]}}]}"#;
        let state = read_installed(Some(bridge), None).expect("valid JSON");
        let vnet3 = &state.ports["vnet3"];
        assert_eq!((vnet3.id, vnet3.record_chunks.as_slice()), (0, &[0, 1][..]));
        assert_eq!(
            vnet3.record.as_ref().map(Record::ip_addresses),
            Some(vec!["10.0.0.1"])
        );
        assert_eq!(
            unbind_script(vnet3),
            "delete element bridge nwf binding_info { \"vnet3\" . 0, \"vnet3\" . 1 }\n"
        );
    }
}
