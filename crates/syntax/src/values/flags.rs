//! Word-list values: booleans, connection states, TCP flags, ipset names
//! and ipset flags.

use super::{MAX_IPSET_NAME_LEN, ValueError};
use crate::ir::{IpsetFlag, StateFlags, TcpFlags};

/// libvirt reads `true`, `1` and `yes` as true and anything else as false;
/// here only the usual spellings are accepted so that typos are reported.
pub(super) fn parse_bool(text: &str) -> Result<bool, ValueError> {
    match text {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ValueError::Malformed {
            expected: "true or false",
        }),
    }
}

const STATE_WORDS: [(&str, u8); 4] = StateFlags::NAMES;

pub(super) fn parse_state(text: &str) -> Result<StateFlags, ValueError> {
    let mut flags = 0u8;
    let mut none = false;
    let mut words = 0;
    for word in text.split([',', ' ', '\t']).filter(|word| !word.is_empty()) {
        words += 1;
        if word.eq_ignore_ascii_case("NONE") {
            none = true;
            continue;
        }
        let bit = STATE_WORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, bit)| *bit)
            .ok_or(ValueError::Malformed {
                expected: "a comma list of NEW, ESTABLISHED, RELATED, INVALID, or NONE",
            })?;
        flags |= bit;
    }
    if words == 0 {
        return Err(ValueError::Malformed {
            expected: "a comma list of NEW, ESTABLISHED, RELATED, INVALID, or NONE",
        });
    }
    // NONE wins over everything else, as in libvirt.
    Ok(StateFlags(if none { 0 } else { flags }))
}

pub(super) fn format_state(state: StateFlags) -> String {
    if state.0 == 0 {
        return "NONE".to_owned();
    }
    STATE_WORDS
        .iter()
        .filter(|(_, bit)| state.contains(*bit))
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// TCP flag bits in the order libvirt prints them (lowest bit first).
const TCP_BITS: [(&str, u8); 6] = [
    ("FIN", TcpFlags::FIN),
    ("SYN", TcpFlags::SYN),
    ("RST", TcpFlags::RST),
    ("PSH", TcpFlags::PSH),
    ("ACK", TcpFlags::ACK),
    ("URG", TcpFlags::URG),
];

fn parse_tcp_set(text: &str) -> Result<u8, ValueError> {
    let malformed = ValueError::Malformed {
        expected: "MASK/SET, each a comma list of SYN, ACK, URG, PSH, FIN, RST, or ALL or NONE",
    };
    if text.is_empty() {
        return Err(malformed);
    }
    let mut bits = 0u8;
    for word in text.split(',') {
        bits |= if word.eq_ignore_ascii_case("ALL") {
            TcpFlags::ALL
        } else if word.eq_ignore_ascii_case("NONE") {
            0
        } else {
            TCP_BITS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(word))
                .map(|(_, bit)| *bit)
                .ok_or_else(|| malformed.clone())?
        };
    }
    Ok(bits)
}

pub(super) fn parse_tcp_flags(text: &str) -> Result<TcpFlags, ValueError> {
    let (mask, set) = text.split_once('/').ok_or(ValueError::Malformed {
        expected: "MASK/SET, e.g. SYN,ACK/SYN",
    })?;
    Ok(TcpFlags {
        mask: parse_tcp_set(mask)?,
        set: parse_tcp_set(set)?,
    })
}

fn format_tcp_set(bits: u8) -> String {
    match bits & TcpFlags::ALL {
        0 => "NONE".to_owned(),
        TcpFlags::ALL => "ALL".to_owned(),
        bits => TCP_BITS
            .iter()
            .filter(|(_, bit)| bits & bit != 0)
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(","),
    }
}

pub(super) fn format_tcp_flags(flags: TcpFlags) -> String {
    format!(
        "{}/{}",
        format_tcp_set(flags.mask),
        format_tcp_set(flags.set)
    )
}

pub(super) fn parse_ipset_name(text: &str) -> Result<String, ValueError> {
    if text.is_empty()
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-+ ".contains(&b))
    {
        return Err(ValueError::Malformed {
            expected: "an ipset name of letters, digits and _.:-+ or space",
        });
    }
    if text.len() > MAX_IPSET_NAME_LEN {
        return Err(ValueError::TooLong {
            max: MAX_IPSET_NAME_LEN,
        });
    }
    Ok(text.to_owned())
}

pub(super) fn parse_ipset_flags(text: &str) -> Result<Vec<IpsetFlag>, ValueError> {
    let malformed = ValueError::Malformed {
        expected: "one to six of src, dst separated by commas",
    };
    let mut flags = Vec::new();
    for word in text.split(',') {
        flags.push(if word.eq_ignore_ascii_case("src") {
            IpsetFlag::Src
        } else if word.eq_ignore_ascii_case("dst") {
            IpsetFlag::Dst
        } else {
            return Err(malformed);
        });
    }
    if flags.len() > 6 {
        return Err(malformed);
    }
    Ok(flags)
}

pub(super) fn format_ipset_flags(flags: &[IpsetFlag]) -> String {
    flags
        .iter()
        .map(|flag| flag.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
