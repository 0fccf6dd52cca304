//! What nwf remembers about a binding in the kernel, so that `nwf status`
//! can say where an interface's filtering came from (the domain, MAC,
//! filter and parameters) from the kernel alone, without the files.
//!
//! A record is one line of text, `key=value` pairs joined by `&` with the
//! values percent-encoded (`source=domain&domain=web01&uuid=...&mac=...&
//! filter=clean-traffic&$IP=192.0.2.10`; a filter parameter is `$NAME`,
//! once per value). nft keeps at most 128 characters in a comment, so the
//! line is cut into pieces of 128 and each piece is the comment of one
//! element `"IFNAME" . N` (N = 0, 1, ...) of the set
//! [`RECORD_SET`](crate::ruleset::RECORD_SET) in the bridge table. No rule
//! refers to that set: it costs nothing per packet. This module encodes,
//! decodes and writes the `nft` commands; it does not decide when.

use std::fmt::Write as _;

use nwf_syntax::ir::{Binding, BindingSource};

use crate::nft::Name;
use crate::ruleset::{RECORD_SET, TABLE};

/// The longest comment nft stores (`NFTNL_UDATA_COMMENT_MAXLEN`).
pub const COMMENT_MAX: usize = 128;

/// Where a binding was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A libvirt `<filterbinding>`.
    FilterBinding,
    /// An `<interface>` of a libvirt domain XML.
    Domain,
    /// A libvirt `<interface>` device XML on its own.
    Interface,
    /// A `bind` block of the text form.
    Text,
    /// `nwf agent`, from a running domain's nwf metadata.
    Agent,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::FilterBinding => "filterbinding",
            Source::Domain => "domain",
            Source::Interface => "interface",
            Source::Text => "nwf",
            Source::Agent => "agent",
        }
    }

    fn parse(text: &str) -> Option<Source> {
        [
            Source::FilterBinding,
            Source::Domain,
            Source::Interface,
            Source::Text,
            Source::Agent,
        ]
        .into_iter()
        .find(|source| source.as_str() == text)
    }
}

/// What a binding said, as stored with its interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub source: Source,
    /// The domain's (or binding owner's) name and UUID.
    pub domain: Option<(String, String)>,
    pub mac: Option<String>,
    pub filter: String,
    /// The filter parameters, in source order; a list is one pair per value.
    pub parameters: Vec<(String, String)>,
    /// IP address learning (`CTRL_IP_LEARNING` `any` or `dhcp`, for a
    /// binding that gives no `IP`): the mode, and what was learned.
    pub learning: Option<Learning>,
}

/// How an interface's IPv4 addresses are learned, and what was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learning {
    /// `any` or `dhcp`.
    pub mode: String,
    /// The learned addresses, each with when it expires (Unix seconds; a
    /// DHCP lease) or `None` (learned from traffic: kept while bound).
    pub addresses: Vec<(String, Option<u64>)>,
}

impl Record {
    pub fn from_binding(binding: &Binding) -> Record {
        Record {
            source: match binding.source {
                BindingSource::FilterBinding => Source::FilterBinding,
                BindingSource::DomainInterface => Source::Domain,
                BindingSource::Interface => Source::Interface,
                BindingSource::Text => Source::Text,
            },
            domain: binding
                .owner
                .as_ref()
                .map(|owner| (owner.name.value.clone(), owner.uuid.value.clone())),
            mac: binding.mac.as_ref().map(|mac| mac.value.to_string()),
            filter: binding.filterref.filter.value.clone(),
            parameters: binding
                .filterref
                .params
                .iter()
                .map(|param| (param.name.value.clone(), param.value.value.clone()))
                .collect(),
            learning: None,
        }
    }

    /// The values of the `IP` and `IPV6` parameters: the addresses the
    /// filter lets the guest use.
    pub fn ip_addresses(&self) -> Vec<&str> {
        self.parameters
            .iter()
            .filter(|(name, _)| name == "IP" || name == "IPV6")
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The one-line text form (ASCII, no `"`).
    pub fn encode(&self) -> String {
        let mut pairs: Vec<(String, &str)> = vec![("source".to_owned(), self.source.as_str())];
        if let Some((name, uuid)) = &self.domain {
            pairs.push(("domain".to_owned(), name));
            pairs.push(("uuid".to_owned(), uuid));
        }
        if let Some(mac) = &self.mac {
            pairs.push(("mac".to_owned(), mac));
        }
        pairs.push(("filter".to_owned(), &self.filter));
        for (name, value) in &self.parameters {
            pairs.push((format!("${name}"), value));
        }
        let learned: Vec<String> = self
            .learning
            .iter()
            .flat_map(|learning| &learning.addresses)
            .map(|(address, expiry)| match expiry {
                Some(expiry) => format!("{address}@{expiry}"),
                None => address.clone(),
            })
            .collect();
        if let Some(learning) = &self.learning {
            pairs.push(("learn".to_owned(), &learning.mode));
        }
        for address in &learned {
            pairs.push(("learned".to_owned(), address));
        }
        pairs
            .iter()
            .map(|(key, value)| format!("{}={}", escape(key), escape(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads [`Record::encode`]'s form back; `None` if it is not one (no
    /// source or filter). Unknown keys are skipped, for records written by
    /// a later nwf.
    pub fn decode(text: &str) -> Option<Record> {
        let mut source = None;
        let mut name = None;
        let mut uuid = None;
        let mut record = Record {
            source: Source::Text,
            domain: None,
            mac: None,
            filter: String::new(),
            parameters: Vec::new(),
            learning: None,
        };
        let mut has_filter = false;
        for pair in text.split('&') {
            let (key, value) = pair.split_once('=')?;
            let (key, value) = (unescape(key)?, unescape(value)?);
            match key.as_str() {
                "source" => source = Source::parse(&value),
                "domain" => name = Some(value),
                "uuid" => uuid = Some(value),
                "mac" => record.mac = Some(value),
                "filter" => {
                    record.filter = value;
                    has_filter = true;
                }
                "learn" => {
                    record.learning = Some(Learning {
                        mode: value,
                        addresses: Vec::new(),
                    });
                }
                "learned" => {
                    let (address, expiry) = match value.split_once('@') {
                        Some((address, expiry)) => (address.to_owned(), expiry.parse().ok()),
                        None => (value, None),
                    };
                    if let Some(learning) = &mut record.learning {
                        learning.addresses.push((address, expiry));
                    }
                }
                _ => {
                    if let Some(param) = key.strip_prefix('$') {
                        record.parameters.push((param.to_owned(), value));
                    }
                }
            }
        }
        record.source = source?;
        if let (Some(name), Some(uuid)) = (name, uuid) {
            record.domain = Some((name, uuid));
        }
        has_filter.then_some(record)
    }

    /// [`Record::encode`] cut into comments nft accepts.
    pub fn chunks(&self) -> Vec<String> {
        let text = self.encode();
        // ASCII only (see `escape`), so every byte index is a char boundary.
        text.as_bytes()
            .chunks(COMMENT_MAX)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
            .collect()
    }
}

/// Keeps letters, digits and `.:-_/,+@$`; every other byte is `%XX`.
fn escape(text: &str) -> String {
    let mut escaped = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b".:-_/,+@$".contains(&byte) {
            escaped.push(char::from(byte));
        } else {
            let _ = write!(escaped, "%{byte:02X}");
        }
    }
    escaped
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// `add set` for the record set: harmless when it exists.
pub fn declare_script() -> String {
    format!("add set bridge {TABLE} {RECORD_SET} {{ type ifname . mark; }}\n")
}

/// The `add element` command storing `record` for `interface`.
pub fn add_script(interface: &Name, record: &Record) -> String {
    let elements: Vec<String> = record
        .chunks()
        .iter()
        .enumerate()
        .map(|(idx, chunk)| format!("\"{interface}\" . {idx} comment \"{chunk}\""))
        .collect();
    format!(
        "add element bridge {TABLE} {RECORD_SET} {{ {} }}\n",
        elements.join(", ")
    )
}

/// The `delete element` command removing pieces `chunks` of `interface`'s
/// record (none: no command).
pub fn delete_script(interface: &Name, chunks: &[u32]) -> String {
    if chunks.is_empty() {
        return String::new();
    }
    let elements: Vec<String> = chunks
        .iter()
        .map(|idx| format!("\"{interface}\" . {idx}"))
        .collect();
    format!(
        "delete element bridge {TABLE} {RECORD_SET} {{ {} }}\n",
        elements.join(", ")
    )
}

/// [`declare_script`] and [`add_script`] for every record, as libnftables
/// JSON commands (for `nft -j -f`).
pub fn json_commands(records: &[(&Name, &Record)]) -> Vec<serde_json::Value> {
    let mut commands = vec![serde_json::json!({"add": {"set": {
        "family": "bridge", "table": TABLE, "name": RECORD_SET, "type": ["ifname", "mark"],
    }}})];
    for (interface, record) in records {
        let elements: Vec<serde_json::Value> = record
            .chunks()
            .into_iter()
            .enumerate()
            .map(|(idx, chunk)| {
                serde_json::json!({"elem": {
                    "val": {"concat": [interface.as_str(), idx]}, "comment": chunk,
                }})
            })
            .collect();
        commands.push(serde_json::json!({"add": {"element": {
            "family": "bridge", "table": TABLE, "name": RECORD_SET, "elem": elements,
        }}}));
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            source: Source::Domain,
            domain: Some(("web 01&co".to_owned(), "8d3e6f2a".to_owned())),
            mac: Some("52:54:00:3a:10:01".to_owned()),
            filter: "clean-traffic".to_owned(),
            parameters: (1..=20)
                .map(|idx| ("IP".to_owned(), format!("192.0.2.{idx}")))
                .chain([("NOTE".to_owned(), "a \"quoted\" = value, é".to_owned())])
                .collect(),
            learning: Some(Learning {
                mode: "dhcp".to_owned(),
                addresses: vec![
                    ("192.0.2.50".to_owned(), Some(1_733_333_333)),
                    ("192.0.2.51".to_owned(), None),
                ],
            }),
        }
    }

    #[test]
    fn records_round_trip_through_comments_nft_accepts() {
        let record = record();
        let chunks = record.chunks();
        assert!(chunks.len() > 2, "the test must need several comments");
        for chunk in &chunks {
            assert!(chunk.len() <= COMMENT_MAX && chunk.is_ascii());
            assert!(!chunk.contains('"') && !chunk.contains('\\'));
        }
        assert_eq!(Record::decode(&chunks.concat()), Some(record.clone()));
        assert_eq!(record.ip_addresses().len(), 20);
    }

    #[test]
    fn text_without_source_or_filter_is_no_record() {
        assert_eq!(Record::decode("filter=x"), None);
        assert_eq!(Record::decode("source=domain"), None);
        assert_eq!(Record::decode("source=domain&filter=%G0"), None);
        assert!(Record::decode("source=nwf&filter=x&later=1").is_some());
    }
}
