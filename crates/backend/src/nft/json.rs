//! The same ruleset as libnftables JSON (`nft -j -f`), built from the typed
//! model with `serde_json` values.
//!
//! The `nftables` crate's JSON model was considered; nwf's typed model is
//! smaller than the part of that crate it would need and maps one to one
//! onto the text form, so both printers stay in step. Strings in JSON are
//! escaped by `serde_json`, so even a value that slipped past the model's
//! character checks could not change the structure here.

use serde_json::{Value as Json, json};

use super::{
    BaseHook, Chain, Ct, CtDirection, Expr, Family, Key, KeyType, Map, MapValue, Match, Meta,
    NfProto, RawBase, Rhs, Rule, Set, SetKey, Statement, Table, ValueType, Verdict,
};

/// `{"nftables": [...]}` that replaces both nwf tables with `tables`: an
/// `add`/`delete` pair per table, then the tables' objects.
pub fn apply_document(tables: &[Table]) -> Json {
    let mut commands = Vec::new();
    for table in tables {
        let id = json!({"family": table.family.as_str(), "name": table.name.as_str()});
        commands.push(json!({"add": {"table": id.clone()}}));
        commands.push(json!({"delete": {"table": id}}));
    }
    for table in tables {
        commands.extend(table_commands(table));
    }
    json!({ "nftables": commands })
}

/// The `add` commands creating `table` and everything in it: chains before
/// the maps and rules that jump to them, maps before sets as in the text
/// form (so both list back identically).
pub fn table_commands(table: &Table) -> Vec<Json> {
    let family = table.family.as_str();
    let name = table.name.as_str();
    let mut commands = vec![json!({"add": {"table": {"family": family, "name": name}}})];
    for chain in &table.chains {
        commands.push(json!({"add": {"chain": chain_object(table.family, name, chain)}}));
    }
    for map in &table.maps {
        commands.push(json!({"add": {"map": map_object(table.family, name, map)}}));
    }
    for set in &table.sets {
        commands.push(json!({"add": {"set": set_object(table.family, name, set)}}));
    }
    for chain in &table.chains {
        for rule in &chain.rules {
            commands.push(json!({"add": {"rule": rule_object(table.family, name, chain.name.as_str(), rule)}}));
        }
    }
    commands
}

fn chain_object(family: Family, table: &str, chain: &Chain) -> Json {
    let mut object =
        json!({"family": family.as_str(), "table": table, "name": chain.name.as_str()});
    if let Some(BaseHook { hook, priority }) = &chain.base {
        object["type"] = json!("filter");
        object["hook"] = json!(hook.as_str());
        object["prio"] = json!(priority);
        object["policy"] = json!("accept");
    }
    object
}

fn set_object(family: Family, table: &str, set: &Set) -> Json {
    let key = match set.key {
        SetKey::Ipv4Addr => "ipv4_addr",
        SetKey::Ipv6Addr => "ipv6_addr",
    };
    json!({"family": family.as_str(), "table": table, "name": set.name.as_str(), "type": key})
}

fn map_object(family: Family, table: &str, map: &Map) -> Json {
    let key = match map.key {
        KeyType::Ifname => "ifname",
        KeyType::Mark => "mark",
    };
    let value = match map.value {
        ValueType::Verdict => "verdict",
        ValueType::Mark => "mark",
    };
    let mut object = json!({"family": family.as_str(), "table": table, "name": map.name.as_str(), "type": key, "map": value});
    if !map.elements.is_empty() {
        let elements: Vec<Json> = map
            .elements
            .iter()
            .map(|(key, value)| {
                let key = match key {
                    Key::Ifname(name) => json!(name.as_str()),
                    Key::Mark(mark) => json!(mark),
                };
                let value = match value {
                    MapValue::Verdict(verdict) => verdict_json(verdict),
                    MapValue::Mark(mark) => json!(mark),
                };
                json!([key, value])
            })
            .collect();
        object["elem"] = Json::Array(elements);
    }
    object
}

/// One rule as the object of an `add rule` command.
pub fn rule_object(family: Family, table: &str, chain: &str, rule: &Rule) -> Json {
    let mut expr: Vec<Json> = rule.matches.iter().map(match_json).collect();
    expr.extend(rule.statements.iter().map(statement_json));
    if let Some(verdict) = &rule.verdict {
        expr.push(verdict_json(verdict));
    }
    let mut object =
        json!({"family": family.as_str(), "table": table, "chain": chain, "expr": expr});
    if let Some(comment) = &rule.comment {
        object["comment"] = json!(comment.as_str());
    }
    object
}

fn verdict_json(verdict: &Verdict) -> Json {
    match verdict {
        Verdict::Accept => json!({"accept": null}),
        Verdict::Drop => json!({"drop": null}),
        Verdict::Return => json!({"return": null}),
        Verdict::Continue => json!({"continue": null}),
        Verdict::Reject => json!({"reject": null}),
        Verdict::Jump(chain) => json!({"jump": {"target": chain.as_str()}}),
    }
}

fn statement_json(statement: &Statement) -> Json {
    let mark = json!({"meta": {"key": "mark"}});
    match statement {
        Statement::MarkFromMap { key, map } => json!({"mangle": {
            "key": mark,
            "value": {"map": {"key": expr_json(key), "data": format!("@{}", map.as_str())}}
        }}),
        Statement::MarkOr { keep, set } => json!({"mangle": {
            "key": mark.clone(),
            "value": {"|": [{"&": [mark, keep]}, set]}
        }}),
        Statement::VerdictMap { key, map } => {
            json!({"vmap": {"key": expr_json(key), "data": format!("@{}", map.as_str())}})
        }
        Statement::CountOver { set, key, over } => json!({"set": {
            "op": "add",
            "elem": expr_json(key),
            "set": format!("@{}", set.as_str()),
            "stmt": [{"ct count": {"val": over, "inv": true}}]
        }}),
        Statement::LimitPerSecond { rate, burst } => {
            json!({"limit": {"rate": rate, "per": "second", "burst": burst}})
        }
        Statement::LogGroup { prefix, group } => json!({"log": {"prefix": prefix, "group": group}}),
    }
}

fn match_json(entry: &Match) -> Json {
    let op = match (&entry.right, entry.negated) {
        (Rhs::CtStates(_), false) => "in",
        (_, false) => "==",
        (_, true) => "!=",
    };
    json!({"match": {"op": op, "left": expr_json(&entry.left), "right": rhs_json(&entry.right)}})
}

fn expr_json(expr: &Expr) -> Json {
    match expr {
        Expr::Field(field) => {
            let text = field.as_str();
            let (protocol, name) = text
                .split_once(' ')
                .expect("field names are `protocol field`");
            json!({"payload": {"protocol": protocol, "field": name}})
        }
        Expr::Raw { base, offset, len } => {
            let base = match base {
                RawBase::Link => "ll",
                RawBase::Network => "nh",
                RawBase::Transport => "th",
            };
            json!({"payload": {"base": base, "offset": offset, "len": len}})
        }
        Expr::Masked(inner, mask) => json!({"&": [expr_json(inner), rhs_json(mask)]}),
        Expr::Meta(meta) => {
            let key = match meta {
                Meta::Mark => "mark",
                Meta::Iifname => "iifname",
                Meta::Oifname => "oifname",
                Meta::Nfproto => "nfproto",
                Meta::L4proto => "l4proto",
            };
            json!({"meta": {"key": key}})
        }
        Expr::Ct(ct) => {
            let key = match ct {
                Ct::State => "state",
                Ct::Direction => "direction",
            };
            json!({"ct": {"key": key}})
        }
        Expr::TcpOption(kind) => json!({"tcp option": {"base": kind, "offset": 0, "len": 8}}),
    }
}

fn rhs_json(rhs: &Rhs) -> Json {
    match rhs {
        Rhs::Mac(mac) => json!(mac.to_string()),
        Rhs::Ipv4(addr) => json!(addr.to_string()),
        Rhs::Ipv6(addr) => json!(addr.to_string()),
        Rhs::Ipv4Prefix(addr, len) => json!({"prefix": {"addr": addr.to_string(), "len": len}}),
        Rhs::Ipv6Prefix(addr, len) => json!({"prefix": {"addr": addr.to_string(), "len": len}}),
        Rhs::Ipv4Range(low, high) => json!({"range": [low.to_string(), high.to_string()]}),
        Rhs::Ipv6Range(low, high) => json!({"range": [low.to_string(), high.to_string()]}),
        Rhs::Dec(value) | Rhs::Hex(value) => json!(value),
        Rhs::DecRange(low, high) | Rhs::HexRange(low, high) => json!({"range": [low, high]}),
        Rhs::CtStates(states) => {
            let names: Vec<&str> = [
                (1, "new"),
                (2, "established"),
                (4, "related"),
                (8, "invalid"),
            ]
            .iter()
            .filter(|(bit, _)| states & bit != 0)
            .map(|(_, name)| *name)
            .collect();
            if names.is_empty() {
                json!("untracked")
            } else {
                json!(names)
            }
        }
        Rhs::CtDirection(CtDirection::Original) => json!("original"),
        Rhs::CtDirection(CtDirection::Reply) => json!("reply"),
        Rhs::NfProto(NfProto::Ipv4) => json!("ipv4"),
        Rhs::NfProto(NfProto::Ipv6) => json!("ipv6"),
        Rhs::TcpFlagSet(bits) => {
            let names: Vec<&str> = [
                (0x01, "fin"),
                (0x02, "syn"),
                (0x04, "rst"),
                (0x08, "psh"),
                (0x10, "ack"),
                (0x20, "urg"),
            ]
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|(_, name)| *name)
            .collect();
            match names.as_slice() {
                [] => json!(0),
                [one] => json!(one),
                _ => json!(names),
            }
        }
    }
}
