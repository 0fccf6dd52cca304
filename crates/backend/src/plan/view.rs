//! One interface's part of nwf's tables, read from `nft -j list table`
//! listings with the kernel's handles left out: its chains with their
//! rules, its sets, its elements of the shared maps and its record. Two
//! views are equal when the kernel holds exactly the same for the
//! interface, which is how `nwf bind` tells that a re-bind would change
//! nothing (the wanted view comes from loading the binding into a scratch
//! namespace, so both listings have the shape nft gives them).

use serde_json::Value;

use super::owner_of;
use crate::ruleset::RECORD_SET;

/// The objects of one interface, in listing order, without handles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortView {
    pub objects: Vec<Value>,
}

/// The view of `interface` (bound with port id `id`) in the listings of
/// the bridge and inet tables (`None`: the table does not exist).
pub fn port_view(
    bridge_json: Option<&str>,
    inet_json: Option<&str>,
    interface: &str,
    id: u16,
) -> Result<PortView, String> {
    let marks = [u64::from(id), u64::from(id) << 16];
    let mut view = PortView::default();
    for (family, text) in [("bridge", bridge_json), ("inet", inet_json)] {
        let Some(text) = text else { continue };
        let value: Value =
            serde_json::from_str(text).map_err(|error| format!("nft JSON: {error}"))?;
        let objects = value
            .get("nftables")
            .and_then(Value::as_array)
            .ok_or("nft JSON: no `nftables` array")?;
        let owned =
            |chain: &str| owner_of(family, chain).is_some_and(|(owner, _)| owner == interface);
        for object in objects {
            if let Some(chain) = object.get("chain") {
                if chain.get("name").and_then(Value::as_str).is_some_and(owned) {
                    view.objects.push(without_handle("chain", chain));
                }
            } else if let Some(rule) = object.get("rule") {
                if rule.get("chain").and_then(Value::as_str).is_some_and(owned) {
                    view.objects.push(without_handle("rule", rule));
                }
            } else if let Some(set) = object.get("set") {
                let name = set.get("name").and_then(Value::as_str).unwrap_or_default();
                if name == RECORD_SET {
                    let elements = elements(set).filter(|element| {
                        let element = element.get("elem").unwrap_or(element);
                        element.pointer("/val/concat/0").and_then(Value::as_str) == Some(interface)
                    });
                    push_elements(&mut view, name, elements);
                } else if name
                    .strip_prefix("cl-")
                    .and_then(|rest| rest.split('/').next())
                    .is_some_and(owned)
                {
                    view.objects.push(without_handle("set", set));
                }
            } else if let Some(map) = object.get("map") {
                let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
                let elements = elements(map).filter(|element| {
                    let key = element.get(0);
                    key.and_then(Value::as_str) == Some(interface)
                        || (family == "inet"
                            && key
                                .and_then(Value::as_u64)
                                .is_some_and(|mark| marks.contains(&mark)))
                });
                push_elements(&mut view, name, elements);
            }
        }
    }
    Ok(view)
}

fn elements(object: &Value) -> impl Iterator<Item = &Value> {
    object
        .get("elem")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn push_elements<'a>(view: &mut PortView, name: &str, elements: impl Iterator<Item = &'a Value>) {
    for element in elements {
        view.objects
            .push(serde_json::json!({"element": {"of": name, "elem": element}}));
    }
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
        let view = port_view(Some(BRIDGE), None, "vnet0", 1).expect("valid JSON");
        assert_eq!(view.objects.len(), 4, "{view:#?}");
        let text = serde_json::to_string(&view.objects).expect("serialisable");
        assert!(
            !text.contains("vnet1") && !text.contains("handle"),
            "{text}"
        );
        let renumbered = BRIDGE.replace("\"handle\":6", "\"handle\":60");
        assert_eq!(
            port_view(Some(&renumbered), None, "vnet0", 1).expect("valid JSON"),
            view
        );
        let changed = BRIDGE.replace("filter=a", "filter=c");
        assert_ne!(
            port_view(Some(&changed), None, "vnet0", 1).expect("valid JSON"),
            view
        );
    }
}
