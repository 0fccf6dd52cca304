//! The two nwf tables: base chains, verdict maps, and each interface's
//! chains, and the `nft -f` scripts that install them.
//!
//! Base chains hold a constant number of rules; an interface is reached
//! only through map elements keyed by its name (bridge) or its port id in the
//! packet mark (inet). See `docs/backend.md` for the layout and why.

use crate::nft::{
    self, BaseHook, Expr, Family, Hook, Key, KeyType, Map, MapValue, Meta, Name, Rule, Statement,
    Table, ValueType, Verdict,
};
use crate::translate::{PortChains, PortNames};

/// The name of both tables.
pub const TABLE: &str = "nwf";

/// The set of the bridge table whose element comments hold what each
/// binding said (see [`crate::record`]).
pub const RECORD_SET: &str = "binding_info";

/// Mark bits of the ingress port id; the egress id is shifted into the
/// upper half.
pub const INGRESS_MASK: u32 = 0x0000_ffff;
pub const EGRESS_MASK: u32 = 0xffff_0000;

/// One bound interface with its port id (1..=65535).
#[derive(Clone, Debug)]
pub struct Port {
    pub id: u16,
    pub chains: PortChains,
}

fn name(text: &str) -> Name {
    Name::identifier(text).expect("constant names are identifiers")
}

fn map(name_text: &str, key: KeyType, value: ValueType) -> Map {
    Map {
        name: name(name_text),
        key,
        value,
        elements: Vec::new(),
    }
}

fn base(name_text: &str, hook: Hook, priority: i32, rules: Vec<Rule>) -> nft::Chain {
    nft::Chain {
        name: name(name_text),
        base: Some(BaseHook { hook, priority }),
        rules,
    }
}

fn statement_rule(statement: Statement) -> Rule {
    Rule {
        statements: vec![statement],
        ..Rule::default()
    }
}

fn masked_mark(mask: u32) -> Expr {
    Expr::Masked(
        Box::new(Expr::Meta(Meta::Mark)),
        nft::Rhs::Hex(u64::from(mask)),
    )
}

/// The tables with every port in `ports`.
pub fn tables(ports: &[Port]) -> Vec<Table> {
    let mut bridge = Table {
        family: Family::Bridge,
        name: name(TABLE),
        maps: vec![
            map("port_mark", KeyType::Ifname, ValueType::Mark),
            map("from_guest", KeyType::Ifname, ValueType::Verdict),
            map("to_guest", KeyType::Ifname, ValueType::Verdict),
            map("egress_tag", KeyType::Ifname, ValueType::Verdict),
        ],
        sets: Vec::new(),
        chains: vec![
            base(
                "prerouting",
                Hook::Prerouting,
                -300,
                vec![
                    statement_rule(Statement::MarkFromMap {
                        key: Expr::Meta(Meta::Iifname),
                        map: name("port_mark"),
                    }),
                    statement_rule(Statement::VerdictMap {
                        key: Expr::Meta(Meta::Iifname),
                        map: name("from_guest"),
                    }),
                ],
            ),
            base(
                "forward",
                Hook::Forward,
                -300,
                vec![statement_rule(Statement::VerdictMap {
                    key: Expr::Meta(Meta::Oifname),
                    map: name("egress_tag"),
                })],
            ),
            base(
                "postrouting",
                Hook::Postrouting,
                300,
                vec![statement_rule(Statement::VerdictMap {
                    key: Expr::Meta(Meta::Oifname),
                    map: name("to_guest"),
                })],
            ),
        ],
    };
    let mut inet = Table {
        family: Family::Inet,
        name: name(TABLE),
        maps: vec![
            map("to_port", KeyType::Mark, ValueType::Verdict),
            map("from_port", KeyType::Mark, ValueType::Verdict),
            map("host_port", KeyType::Mark, ValueType::Verdict),
        ],
        sets: Vec::new(),
        chains: vec![
            base(
                "forward",
                Hook::Forward,
                0,
                // The ingress port's chain first, as libvirt's FORWARD
                // jumps to `libvirt-in` (`--physdev-in`: traffic from a
                // guest, whose accept is a RETURN) before `libvirt-out`
                // (`--physdev-out`: traffic to a guest, whose accept is
                // final). The other order would let the egress port's
                // accept skip the ingress port's rules.
                vec![
                    statement_rule(Statement::VerdictMap {
                        key: masked_mark(INGRESS_MASK),
                        map: name("from_port"),
                    }),
                    statement_rule(Statement::VerdictMap {
                        key: masked_mark(EGRESS_MASK),
                        map: name("to_port"),
                    }),
                ],
            ),
            base(
                "input",
                Hook::Input,
                0,
                vec![statement_rule(Statement::VerdictMap {
                    key: masked_mark(INGRESS_MASK),
                    map: name("host_port"),
                })],
            ),
        ],
    };
    for port in ports {
        let Some(interface) = &port.chains.interface else {
            continue;
        };
        let parts = port_parts(port.id, interface, &port.chains);
        for (map_idx, element) in parts.bridge_elements {
            bridge.maps[map_idx].elements.push(element);
        }
        bridge.chains.extend(parts.bridge_chains);
        for (map_idx, element) in parts.inet_elements {
            inet.maps[map_idx].elements.push(element);
        }
        inet.sets.extend(port.chains.inet_sets.iter().cloned());
        inet.chains.extend(parts.inet_chains);
    }
    vec![bridge, inet]
}

/// What one port adds: map elements (by map index in [`tables`]' order) and
/// chains.
struct PortParts {
    bridge_elements: Vec<(usize, (Key, MapValue))>,
    bridge_chains: Vec<nft::Chain>,
    inet_elements: Vec<(usize, (Key, MapValue))>,
    inet_chains: Vec<nft::Chain>,
}

fn port_parts(id: u16, interface: &Name, chains: &PortChains) -> PortParts {
    let names = PortNames::new(interface);
    let ingress = u32::from(id);
    let egress = u32::from(id) << 16;
    let ifkey = || Key::Ifname(interface.clone());
    let jump = |chain: &Name| MapValue::Verdict(Verdict::Jump(chain.clone()));
    let tag = nft::Chain {
        name: names.tag.clone(),
        base: None,
        rules: vec![statement_rule(Statement::MarkOr {
            keep: INGRESS_MASK,
            set: egress,
        })],
    };
    let mut bridge_chains = vec![tag];
    bridge_chains.extend(chains.bridge.iter().cloned());
    PortParts {
        bridge_elements: vec![
            (0, (ifkey(), MapValue::Mark(ingress))),
            (1, (ifkey(), jump(&names.l2_from))),
            (2, (ifkey(), jump(&names.l2_to))),
            (3, (ifkey(), jump(&names.tag))),
        ],
        bridge_chains,
        inet_elements: vec![
            (0, (Key::Mark(egress), jump(&names.to))),
            (1, (Key::Mark(ingress), jump(&names.from))),
            (2, (Key::Mark(ingress), jump(&names.host))),
        ],
        inet_chains: chains.inet.clone(),
    }
}

/// The script that replaces both nwf tables with exactly `ports`, as one
/// transaction (`nft -f` applies a file atomically). The `add`/`delete`
/// pair removes an existing table without failing when there is none.
pub fn apply_script(ports: &[Port]) -> String {
    let mut script = flush_script();
    script.push_str(&nft::print_tables(&tables(ports)));
    script
}

/// [`apply_script`] with the origin of each of its lines (see
/// [`crate::nft_error`]).
pub fn apply_script_traced(ports: &[Port]) -> (String, Vec<Option<nft::Origin>>) {
    let mut script = flush_script();
    let (tables, origins) = nft::print_tables_traced(&tables(ports), script.lines().count());
    script.push_str(&tables);
    (script, origins)
}

/// [`apply_script`] as libnftables JSON (`nft -j -f`).
pub fn apply_json(ports: &[Port]) -> serde_json::Value {
    nft::json::apply_document(&tables(ports))
}

/// The script that removes both nwf tables (and nothing else).
pub fn flush_script() -> String {
    format!(
        "add table bridge {TABLE}\ndelete table bridge {TABLE}\nadd table inet {TABLE}\ndelete table inet {TABLE}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(id: u16, interface: &str) -> Port {
        let interface = Name::interface(interface).expect("valid");
        let names = PortNames::new(&interface);
        let empty = |name: &Name| nft::Chain {
            name: name.clone(),
            base: None,
            rules: Vec::new(),
        };
        Port {
            id,
            chains: PortChains {
                interface: Some(interface),
                bridge: vec![empty(&names.l2_from), empty(&names.l2_to)],
                inet: vec![empty(&names.to), empty(&names.from), empty(&names.host)],
                inet_sets: Vec::new(),
            },
        }
    }

    #[test]
    fn base_chains_do_not_grow_with_interfaces() {
        let count = |ports: &[Port]| -> Vec<usize> {
            tables(ports)
                .iter()
                .flat_map(|table| table.chains.iter())
                .filter(|chain| chain.base.is_some())
                .map(|chain| chain.rules.len())
                .collect()
        };
        let one = count(&[port(1, "vnet0")]);
        let many: Vec<Port> = (1..=200).map(|id| port(id, &format!("vnet{id}"))).collect();
        assert_eq!(one, count(&many));
        assert_eq!(one, vec![2, 1, 1, 2, 1]);
    }
}
