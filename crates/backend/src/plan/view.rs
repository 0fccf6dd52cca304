//! One interface's part of nwf's tables, read from `nft -j list table`
//! listings with the kernel's handles left out: its chains with their
//! rules, its sets, its elements of the shared maps and its record. Two
//! views are equal when the kernel holds exactly the same for the
//! interface, which is how `nwf bind` tells that a re-bind would change
//! nothing (the wanted view comes from loading the binding into a scratch
//! namespace, so both listings have the shape nft gives them).

use std::collections::HashMap;

use serde_json::Value;

use super::owner_of;
use crate::ruleset::RECORD_SET;

/// The objects of one interface, in listing order, without handles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortView {
    pub objects: Vec<Value>,
}

/// The `nft -j list table` listings of the bridge and the inet table,
/// parsed once (a missing table has no objects).
#[derive(Clone, Debug, Default)]
pub struct Listing {
    objects: Vec<(&'static str, Value)>,
}

impl Listing {
    pub fn parse(bridge_json: Option<&str>, inet_json: Option<&str>) -> Result<Listing, String> {
        let mut listing = Listing::default();
        for (family, text) in [("bridge", bridge_json), ("inet", inet_json)] {
            let Some(text) = text else { continue };
            let value: Value =
                serde_json::from_str(text).map_err(|error| format!("nft JSON: {error}"))?;
            let Value::Object(mut fields) = value else {
                return Err("nft JSON: not an object".to_owned());
            };
            let Some(Value::Array(objects)) = fields.remove("nftables") else {
                return Err("nft JSON: no `nftables` array".to_owned());
            };
            listing
                .objects
                .extend(objects.into_iter().map(|object| (family, object)));
        }
        Ok(listing)
    }

    /// The view of `interface`, bound with port id `id`.
    pub fn port_view(&self, interface: &str, id: u16) -> PortView {
        self.port_views(&[(interface, id)])
            .pop()
            .expect("one view per port")
    }

    /// The views of several `(interface, port id)`, in one pass over the
    /// listing (binding many interfaces stays linear in their number).
    pub fn port_views(&self, ports: &[(&str, u16)]) -> Vec<PortView> {
        let mut by_interface: HashMap<&str, usize> = HashMap::new();
        let mut by_mark: HashMap<u64, usize> = HashMap::new();
        for (idx, (interface, id)) in ports.iter().enumerate() {
            by_interface.insert(interface, idx);
            by_mark.insert(u64::from(*id), idx);
            by_mark.insert(u64::from(*id) << 16, idx);
        }
        let mut views = vec![PortView::default(); ports.len()];
        let owner = |family: &str, chain: &str| {
            owner_of(family, chain).and_then(|(owner, _)| by_interface.get(owner.as_str()).copied())
        };
        for (family, object) in &self.objects {
            let family = *family;
            if let Some(chain) = object.get("chain") {
                if let Some(idx) = chain
                    .get("name")
                    .and_then(Value::as_str)
                    .and_then(|name| owner(family, name))
                {
                    views[idx].objects.push(without_handle("chain", chain));
                }
            } else if let Some(rule) = object.get("rule") {
                if let Some(idx) = rule
                    .get("chain")
                    .and_then(Value::as_str)
                    .and_then(|name| owner(family, name))
                {
                    views[idx].objects.push(without_handle("rule", rule));
                }
            } else if let Some(set) = object.get("set") {
                let name = set.get("name").and_then(Value::as_str).unwrap_or_default();
                if name == RECORD_SET {
                    for element in elements(set) {
                        let key = element
                            .get("elem")
                            .unwrap_or(element)
                            .pointer("/val/concat/0")
                            .and_then(Value::as_str);
                        if let Some(&idx) = key.and_then(|key| by_interface.get(key)) {
                            push_element(&mut views[idx], name, element);
                        }
                    }
                } else if let Some(idx) = name
                    .strip_prefix("cl-")
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|chain| owner("inet", chain))
                {
                    views[idx].objects.push(without_handle("set", set));
                }
            } else if let Some(map) = object.get("map") {
                let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
                for element in elements(map) {
                    let key = element.get(0);
                    let idx = match (family, key) {
                        ("bridge", Some(Value::String(key))) => by_interface.get(key.as_str()),
                        ("inet", Some(key)) => key.as_u64().and_then(|mark| by_mark.get(&mark)),
                        _ => None,
                    };
                    if let Some(&idx) = idx {
                        push_element(&mut views[idx], name, element);
                    }
                }
            }
        }
        views
    }
}

fn elements(object: &Value) -> impl Iterator<Item = &Value> {
    object
        .get("elem")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn push_element(view: &mut PortView, name: &str, element: &Value) {
    view.objects
        .push(serde_json::json!({"element": {"of": name, "elem": element}}));
}

fn without_handle(kind: &str, object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(fields) = object.as_object_mut() {
        fields.remove("handle");
    }
    serde_json::json!({ kind: object })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BRIDGE: &str = r#"{"nftables":[{"table":{"family":"bridge","name":"nwf","handle":1}},
        {"map":{"family":"bridge","name":"port_mark","table":"nwf","type":"ifname","map":"mark","handle":2,"elem":[["vnet0",1],["vnet1",2]]}},
        {"set":{"family":"bridge","name":"binding_info","table":"nwf","type":["ifname","mark"],"handle":3,
          "elem":[{"elem":{"val":{"concat":["vnet0",0]},"comment":"source=nwf&filter=a"}},{"elem":{"val":{"concat":["vnet1",0]},"comment":"source=nwf&filter=b"}}]}},
        {"chain":{"family":"bridge","table":"nwf","name":"tag-vnet0","handle":4}},
        {"chain":{"family":"bridge","table":"nwf","name":"tag-vnet1","handle":5}},
        {"rule":{"family":"bridge","table":"nwf","chain":"tag-vnet0","handle":6,"expr":[{"accept":null}]}}]}"#;

    #[test]
    fn a_view_holds_only_its_interface_and_ignores_handles() {
        let view_of = |text: &str| {
            Listing::parse(Some(text), None)
                .expect("valid JSON")
                .port_view("vnet0", 1)
        };
        let view = view_of(BRIDGE);
        assert_eq!(view.objects.len(), 4, "{view:#?}");
        let text = serde_json::to_string(&view.objects).expect("serialisable");
        assert!(
            !text.contains("vnet1") && !text.contains("handle"),
            "{text}"
        );
        let renumbered = BRIDGE.replace("\"handle\":6", "\"handle\":60");
        assert_eq!(view_of(&renumbered), view);
        let changed = BRIDGE.replace("filter=a", "filter=c");
        assert_ne!(view_of(&changed), view);
    }
}
