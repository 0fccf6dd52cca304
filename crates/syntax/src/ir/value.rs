//! Typed attribute values, each normalised the way libvirt normalises it.
//!
//! A value is either a literal of the attribute's [`super::ValueKind`] or a
//! variable reference. Parsing text into values and printing them back
//! lives in [`crate::values`] (shared by both front ends and printers); this
//! module only defines what a value is.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A value of a protocol attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A MAC address or MAC mask.
    Mac(MacAddr),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// An address mask as a prefix length (libvirt turns dotted and IPv6
    /// masks into prefix lengths; a non-contiguous mask is an error).
    Prefix(u8),
    /// Any integer attribute (ports, uint8/16/32, dscp, vlan id, hwtype,
    /// protocol ids and opcodes given as numbers).
    Number(Number),
    /// A symbolic name from a fixed table: a `protocolid` (`ipv4`), an IP
    /// `protocol` (`udp`), an ARP `opcode` (`Request`). Always the canonical
    /// spelling of the table.
    Name(&'static str),
    Bool(bool),
    State(StateFlags),
    TcpFlags(TcpFlags),
    IpsetFlags(Vec<IpsetFlag>),
    /// Free text: `comment`, `ipset` names.
    Text(String),
    Var(VarRef),
}

/// A six-byte MAC address (or mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Parses `xx:xx:xx:xx:xx:xx` with one or two hex digits per byte, as
    /// libvirt accepts it.
    pub fn parse(text: &str) -> Option<MacAddr> {
        let mut bytes = [0u8; 6];
        let mut parts = text.split(':');
        for byte in &mut bytes {
            let part = parts.next()?;
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            *byte = u8::from_str_radix(part, 16).ok()?;
        }
        parts.next().is_none().then_some(MacAddr(bytes))
    }

    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, byte) in self.0.iter().enumerate() {
            if idx > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// An integer with the radix it was written in: libvirt writes numbers back
/// in their written radix (`0x123` stays hex, `400` stays decimal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    pub value: u32,
    pub hex: bool,
}

impl Number {
    pub fn dec(value: u32) -> Number {
        Number { value, hex: false }
    }

    pub fn hex(value: u32) -> Number {
        Number { value, hex: true }
    }

    /// Parses decimal or `0x`/`0X` hex, as libvirt does.
    pub fn parse(text: &str) -> Option<Number> {
        if let Some(digits) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            u32::from_str_radix(digits, 16).ok().map(Number::hex)
        } else {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            text.parse().ok().map(Number::dec)
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hex {
            write!(f, "0x{:x}", self.value)
        } else {
            write!(f, "{}", self.value)
        }
    }
}

/// Connection states for `state=`: a set of NEW, ESTABLISHED, RELATED,
/// INVALID; the empty set is spelled `NONE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateFlags(pub u8);

impl StateFlags {
    pub const NEW: u8 = 1;
    pub const ESTABLISHED: u8 = 2;
    pub const RELATED: u8 = 4;
    pub const INVALID: u8 = 8;
    /// Names in libvirt's canonical order.
    pub const NAMES: [(&'static str, u8); 4] = [
        ("NEW", StateFlags::NEW),
        ("ESTABLISHED", StateFlags::ESTABLISHED),
        ("RELATED", StateFlags::RELATED),
        ("INVALID", StateFlags::INVALID),
    ];

    pub fn contains(self, flag: u8) -> bool {
        self.0 & flag == flag
    }
}

/// TCP flags for `flags='MASK/SET'`, as bit sets over the flag names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags {
    pub mask: u8,
    pub set: u8,
}

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ALL: u8 = 0x3f;
    /// Names in the documentation's order (libvirt prints set flags lowest
    /// bit first: FIN, SYN, RST, PSH, ACK, URG; see `crate::values`).
    pub const NAMES: [(&'static str, u8); 6] = [
        ("SYN", TcpFlags::SYN),
        ("ACK", TcpFlags::ACK),
        ("URG", TcpFlags::URG),
        ("PSH", TcpFlags::PSH),
        ("FIN", TcpFlags::FIN),
        ("RST", TcpFlags::RST),
    ];
}

/// One word of `ipsetflags='src,dst'`: which packet address is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpsetFlag {
    Src,
    Dst,
}

impl IpsetFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            IpsetFlag::Src => "src",
            IpsetFlag::Dst => "dst",
        }
    }
}

/// A variable reference: `$NAME`, `$NAME[2]`, `$NAME[@1]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarRef {
    /// `[a-zA-Z0-9_]+`.
    pub name: String,
    pub access: VarAccess,
}

/// How a list variable is read. A bare `$X` is `Iterator(0)`, exactly as
/// libvirt treats it, so `$X` and `$X[@0]` are one IR value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarAccess {
    /// `$X[N]`: element N (0-based) of the list.
    Index(u32),
    /// `$X[@N]`: every element, advancing with iterator N.
    Iterator(u32),
}

impl VarRef {
    pub fn plain(name: impl Into<String>) -> VarRef {
        VarRef {
            name: name.into(),
            access: VarAccess::Iterator(0),
        }
    }
}

impl fmt::Display for VarRef {
    /// The canonical spelling libvirt writes: `$X`, `$X[2]`, `$X[@1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.access {
            VarAccess::Iterator(0) => write!(f, "${}", self.name),
            VarAccess::Iterator(iterator) => write!(f, "${}[@{iterator}]", self.name),
            VarAccess::Index(index) => write!(f, "${}[{index}]", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_parses_short_bytes_and_prints_padded() {
        let mac = MacAddr::parse("1:2:3:4:5:6").expect("valid");
        assert_eq!(mac.to_string(), "01:02:03:04:05:06");
        assert!(MacAddr::parse("1:2:3:4:5").is_none());
        assert!(MacAddr::parse("1:2:3:4:5:6:7").is_none());
        assert!(MacAddr::parse("123:2:3:4:5:6").is_none());
    }

    #[test]
    fn numbers_keep_their_radix() {
        assert_eq!(
            Number::parse("0x0012").map(|n| n.to_string()).as_deref(),
            Some("0x12")
        );
        assert_eq!(
            Number::parse("400").map(|n| n.to_string()).as_deref(),
            Some("400")
        );
        assert!(Number::parse("0x").is_none());
        assert!(Number::parse("-1").is_none());
    }

    #[test]
    fn var_refs_print_canonically() {
        assert_eq!(VarRef::plain("B").to_string(), "$B");
        let indexed = VarRef {
            name: "A".into(),
            access: VarAccess::Index(0),
        };
        assert_eq!(indexed.to_string(), "$A[0]");
    }
}
