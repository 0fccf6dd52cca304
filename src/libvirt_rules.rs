//! libvirt's own nwfilter rules in the kernel: which interfaces libvirt's
//! nwfilter driver filters, so that nwf can say when both filter one port.
//!
//! libvirt's driver (`nwfilter_ebiptables_driver.c`) names its chains after
//! the interface: in ebtables `libvirt-I-IF` (frames from the guest) and
//! `libvirt-O-IF` (to the guest), with `libvirt-J-IF`/`libvirt-P-IF` while
//! it swaps in new rules; in iptables and ip6tables `FI-IF`, `FO-IF`,
//! `HI-IF` (and `FJ-`, `FP-`, `HJ-` while swapping). Debian's ebtables and
//! iptables are the nftables-based ones, so these chains are in the
//! ruleset nft lists (tables `bridge nat`, `ip filter`, `ip6 filter`). Rules
//! that the legacy (non-nftables) programs installed are not visible here.

use std::collections::BTreeMap;

/// The prefixes of libvirt's per-interface chain names.
const PREFIXES: [&str; 10] = [
    "libvirt-I-",
    "libvirt-O-",
    "libvirt-J-",
    "libvirt-P-",
    "FI-",
    "FO-",
    "HI-",
    "FJ-",
    "FP-",
    "HJ-",
];

/// For each interface with libvirt nwfilter chains, those chains as
/// `family table name`. `listing` is `nft -j list chains`.
pub fn filtered_ports(listing: &str) -> BTreeMap<String, Vec<String>> {
    let mut ports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(value) = serde_json::from_str::<serde_json::Value>(listing) else {
        return ports;
    };
    let chains = value
        .get("nftables")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("chain"));
    for chain in chains {
        let field = |key: &str| chain.get(key).and_then(serde_json::Value::as_str);
        let (Some(family), Some(table), Some(name)) =
            (field("family"), field("table"), field("name"))
        else {
            continue;
        };
        if let Some(port) = PREFIXES
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .filter(|port| !port.is_empty())
        {
            ports
                .entry(port.to_string())
                .or_default()
                .push(format!("{family} {table} {name}"));
        }
    }
    ports
}

/// [`filtered_ports`] of the live ruleset; empty when it cannot be read
/// (no nft, no permission): the check is a courtesy, never a failure.
pub fn live() -> BTreeMap<String, Vec<String>> {
    crate::nft::list_chains_json()
        .map(|listing| filtered_ports(&listing))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::filtered_ports;

    #[test]
    fn finds_libvirts_chains_by_interface() {
        let listing = r#"{"nftables":[{"metainfo":{"version":"1.0.6"}},
          {"chain":{"family":"bridge","table":"nat","name":"libvirt-I-vnet0","handle":3}},
          {"chain":{"family":"bridge","table":"nat","name":"PREROUTING","handle":1}},
          {"chain":{"family":"ip","table":"filter","name":"FO-vnet0","handle":9}},
          {"chain":{"family":"ip","table":"filter","name":"HI-tap-b","handle":10}},
          {"chain":{"family":"inet","table":"nwf","name":"p1-in","handle":2}}]}"#;
        let ports = filtered_ports(listing);
        assert_eq!(
            ports.keys().collect::<Vec<_>>(),
            ["tap-b", "vnet0"],
            "{ports:?}"
        );
        assert_eq!(
            ports["vnet0"],
            ["bridge nat libvirt-I-vnet0", "ip filter FO-vnet0"]
        );
    }
}
