//! A typed model of the nftables ruleset nwf emits, and its `nft -f` text.
//!
//! Every value that came from a file reaches the text only through a typed
//! field: addresses and numbers are printed from their binary form, names
//! (interfaces, chains) are [`Name`]s that were checked against a safe
//! character set when they were made, and comments are [`Comment`]s reduced
//! to a safe character set. Nothing in this module can emit a quote, brace
//! or newline that the model did not put there itself.
//!
//! It models only what nwf needs (filter chains, verdict maps, a few
//! expression kinds); it is not a general nftables library.

pub mod json;

use std::fmt::{self, Display, Formatter, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use nwf_syntax::ir::MacAddr;

/// A chain, set or map identifier, or an interface name (always printed
/// quoted), checked against a character set that cannot end a word, a
/// string or a block.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    /// A chain, set or map name: `[A-Za-z_][A-Za-z0-9_./-]*`, at most 200
    /// bytes.
    pub fn identifier(text: &str) -> Option<Name> {
        let mut chars = text.chars();
        let first_ok = chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
        let rest_ok =
            chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'));
        (first_ok && rest_ok && text.len() <= 200).then(|| Name(text.to_owned()))
    }

    /// An interface name: 1 to 15 bytes of `[A-Za-z0-9_.-]`.
    pub fn interface(text: &str) -> Option<Name> {
        let ok = !text.is_empty()
            && text.len() <= 15
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        ok.then(|| Name(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Display for Name {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rule comment reduced to characters that cannot end a quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment(String);

impl Comment {
    /// nft limits comments to 128 bytes; longer text is cut.
    pub const MAX_LEN: usize = 128;

    pub fn new(text: &str) -> Comment {
        let mut safe = String::new();
        for c in text.chars() {
            let c = if c.is_ascii_alphanumeric() || " _.,:/+=@()-#!?*%&<>[]~^|".contains(c) {
                c
            } else {
                '_'
            };
            if safe.len() + c.len_utf8() > Comment::MAX_LEN {
                break;
            }
            safe.push(c);
        }
        Comment(safe)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Bridge,
    Inet,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Bridge => "bridge",
            Family::Inet => "inet",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Postrouting,
}

impl Hook {
    pub fn as_str(self) -> &'static str {
        match self {
            Hook::Prerouting => "prerouting",
            Hook::Input => "input",
            Hook::Forward => "forward",
            Hook::Postrouting => "postrouting",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseHook {
    pub hook: Hook,
    pub priority: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub name: Name,
    pub base: Option<BaseHook>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    Ifname,
    Mark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Verdict,
    Mark,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Ifname(Name),
    Mark(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapValue {
    Verdict(Verdict),
    Mark(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Map {
    pub name: Name,
    pub key: KeyType,
    pub value: ValueType,
    pub elements: Vec<(Key, MapValue)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub family: Family,
    pub name: Name,
    pub maps: Vec<Map>,
    pub sets: Vec<Set>,
    pub chains: Vec<Chain>,
}

/// A set of addresses for per-source connection counting (nft makes it
/// dynamic itself, as the ruleset adds to it from the packet path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    pub name: Name,
    pub key: SetKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetKey {
    Ipv4Addr,
    Ipv6Addr,
}

/// A rule: matches, then statements, then at most one verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub statements: Vec<Statement>,
    pub verdict: Option<Verdict>,
    pub comment: Option<Comment>,
    /// The filter rule this rule was made from (not printed), so that an
    /// error of `nft` about the rule can point at the source.
    pub origin: Option<Origin>,
}

/// A place in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: nwf_syntax::FileId,
    pub span: nwf_syntax::Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Return,
    Continue,
    Jump(Name),
    /// `reject` with the family's default (ICMP/ICMPv6 port unreachable).
    Reject,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// `meta mark set KEY map @MAP`.
    MarkFromMap { key: Expr, map: Name },
    /// `meta mark set meta mark & KEEP | SET`.
    MarkOr { keep: u32, set: u32 },
    /// `KEY vmap @MAP`.
    VerdictMap { key: Expr, map: Name },
    /// `add @SET { KEY ct count over N }`: true while KEY has more than N
    /// tracked connections (iptables' `connlimit`, per source address).
    CountOver { set: Name, key: Expr, over: u32 },
    /// `limit rate N/second burst B packets`: true for at most N packets a
    /// second after a burst of B, so that a guest cannot flood what follows.
    LimitPerSecond { rate: u32, burst: u32 },
    /// `log prefix "PREFIX" group G`: a copy of the packet to user space
    /// (`nfnetlink_log`), where the agent learns addresses from it.
    LogGroup { prefix: String, group: u16 },
}

/// `LEFT [!=] RIGHT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub left: Expr,
    pub negated: bool,
    pub right: Rhs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Field(Field),
    /// A raw payload: `@BASE,OFFSET,LEN` (bits).
    Raw {
        base: RawBase,
        offset: u32,
        len: u32,
    },
    /// `EXPR & MASK`.
    Masked(Box<Expr>, Rhs),
    Meta(Meta),
    Ct(Ct),
    /// `tcp option @KIND,0,8`: the option's kind byte, absent when the
    /// packet has no such option.
    TcpOption(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawBase {
    Link,
    Network,
    Transport,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meta {
    Mark,
    Iifname,
    Oifname,
    Nfproto,
    L4proto,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ct {
    State,
    Direction,
}

macro_rules! fields {
    ($( $variant:ident = $text:literal, )*) => {
        /// A named header field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Field { $( $variant, )* }

        impl Field {
            pub fn as_str(self) -> &'static str {
                match self { $( Field::$variant => $text, )* }
            }
        }
    };
}

fields! {
    EtherSaddr = "ether saddr",
    EtherDaddr = "ether daddr",
    EtherType = "ether type",
    VlanId = "vlan id",
    VlanType = "vlan type",
    ArpHtype = "arp htype",
    ArpPtype = "arp ptype",
    ArpOperation = "arp operation",
    ArpSaddrIp = "arp saddr ip",
    ArpDaddrIp = "arp daddr ip",
    ArpSaddrEther = "arp saddr ether",
    ArpDaddrEther = "arp daddr ether",
    IpSaddr = "ip saddr",
    IpDaddr = "ip daddr",
    IpProtocol = "ip protocol",
    IpDscp = "ip dscp",
    Ip6Saddr = "ip6 saddr",
    Ip6Daddr = "ip6 daddr",
    Ip6Nexthdr = "ip6 nexthdr",
    Ip6Dscp = "ip6 dscp",
    ThSport = "th sport",
    ThDport = "th dport",
    TcpFlags = "tcp flags",
    IcmpType = "icmp type",
    IcmpCode = "icmp code",
    Icmpv6Type = "icmpv6 type",
    Icmpv6Code = "icmpv6 code",
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rhs {
    Mac(MacAddr),
    Ipv4(Ipv4Addr),
    Ipv4Prefix(Ipv4Addr, u8),
    Ipv4Range(Ipv4Addr, Ipv4Addr),
    Ipv6(Ipv6Addr),
    Ipv6Prefix(Ipv6Addr, u8),
    Ipv6Range(Ipv6Addr, Ipv6Addr),
    Dec(u64),
    Hex(u64),
    DecRange(u64, u64),
    HexRange(u64, u64),
    /// A set of `ct state` words.
    CtStates(u8),
    CtDirection(CtDirection),
    NfProto(NfProto),
    /// A set of TCP flag bits, printed by name.
    TcpFlagSet(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtDirection {
    Original,
    Reply,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NfProto {
    Ipv4,
    Ipv6,
}

/// Prints a list of tables as an `nft -f` file body.
pub fn print_tables(tables: &[Table]) -> String {
    let mut out = String::new();
    for table in tables {
        write_table(&mut out, table);
    }
    out
}

/// [`print_tables`], plus the origin of every line of the text (index 0 is
/// line 1), for mapping `nft` errors back to rules. `preamble_lines` lines
/// the caller puts before the tables are accounted as having no origin.
pub fn print_tables_traced(
    tables: &[Table],
    preamble_lines: usize,
) -> (String, Vec<Option<Origin>>) {
    let text = print_tables(tables);
    let mut rules = tables
        .iter()
        .flat_map(|table| table.chains.iter())
        .flat_map(|chain| chain.rules.iter())
        .map(|rule| (format!("\t\t{rule}"), rule.origin))
        .peekable();
    let mut origins = vec![None; preamble_lines];
    for line in text.lines() {
        match rules.peek() {
            Some((expected, origin)) if expected == line => {
                origins.push(*origin);
                rules.next();
            }
            _ => origins.push(None),
        }
    }
    (text, origins)
}

fn write_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "table {} {} {{", table.family.as_str(), table.name);
    for map in &table.maps {
        write_map(out, map);
    }
    for set in &table.sets {
        write_set(out, set);
    }
    for chain in &table.chains {
        write_chain(out, chain);
    }
    out.push_str("}\n");
}

pub(crate) fn write_map(out: &mut String, map: &Map) {
    let key = match map.key {
        KeyType::Ifname => "ifname",
        KeyType::Mark => "mark",
    };
    let value = match map.value {
        ValueType::Verdict => "verdict",
        ValueType::Mark => "mark",
    };
    let _ = writeln!(out, "\tmap {} {{", map.name);
    let _ = writeln!(out, "\t\ttype {key} : {value}");
    if !map.elements.is_empty() {
        out.push_str("\t\telements = {");
        for (idx, (key, value)) in map.elements.iter().enumerate() {
            out.push_str(if idx == 0 { " " } else { ",\n\t\t\t     " });
            let _ = write!(out, "{} : {}", KeyText(key), MapValueText(value));
        }
        out.push_str(" }\n");
    }
    out.push_str("\t}\n");
}

pub(crate) fn write_set(out: &mut String, set: &Set) {
    let key = match set.key {
        SetKey::Ipv4Addr => "ipv4_addr",
        SetKey::Ipv6Addr => "ipv6_addr",
    };
    let _ = writeln!(out, "\tset {} {{", set.name);
    let _ = writeln!(out, "\t\ttype {key}");
    out.push_str("\t}\n");
}

pub(crate) fn write_chain(out: &mut String, chain: &Chain) {
    let _ = writeln!(out, "\tchain {} {{", chain.name);
    if let Some(base) = &chain.base {
        let _ = writeln!(
            out,
            "\t\ttype filter hook {} priority {}; policy accept;",
            base.hook.as_str(),
            base.priority
        );
    }
    for rule in &chain.rules {
        let _ = writeln!(out, "\t\t{rule}");
    }
    out.push_str("\t}\n");
}

pub(crate) struct KeyText<'a>(pub &'a Key);

impl Display for KeyText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Key::Ifname(name) => write!(f, "\"{name}\""),
            Key::Mark(mark) => write!(f, "0x{mark:08x}"),
        }
    }
}

pub(crate) struct MapValueText<'a>(pub &'a MapValue);

impl Display for MapValueText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            MapValue::Verdict(verdict) => write!(f, "{verdict}"),
            MapValue::Mark(mark) => write!(f, "0x{mark:08x}"),
        }
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.matches.iter().map(ToString::to_string));
        parts.extend(self.statements.iter().map(ToString::to_string));
        if let Some(verdict) = &self.verdict {
            parts.push(verdict.to_string());
        }
        if let Some(comment) = &self.comment {
            parts.push(format!("comment \"{}\"", comment.as_str()));
        }
        f.write_str(&parts.join(" "))
    }
}

impl Display for Verdict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Accept => f.write_str("accept"),
            Verdict::Drop => f.write_str("drop"),
            Verdict::Return => f.write_str("return"),
            Verdict::Continue => f.write_str("continue"),
            Verdict::Jump(chain) => write!(f, "jump {chain}"),
            Verdict::Reject => f.write_str("reject"),
        }
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::MarkFromMap { key, map } => write!(f, "meta mark set {key} map @{map}"),
            Statement::MarkOr { keep, set } => {
                write!(f, "meta mark set meta mark & 0x{keep:08x} | 0x{set:08x}")
            }
            Statement::VerdictMap { key, map } => write!(f, "{key} vmap @{map}"),
            Statement::CountOver { set, key, over } => {
                write!(f, "add @{set} {{ {key} ct count over {over} }}")
            }
            Statement::LimitPerSecond { rate, burst } => {
                write!(f, "limit rate {rate}/second burst {burst} packets")
            }
            Statement::LogGroup { prefix, group } => {
                write!(f, "log prefix \"{prefix}\" group {group}")
            }
        }
    }
}

impl Display for Match {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let op = if self.negated { "!= " } else { "" };
        if let Expr::Masked(..) = self.left {
            let op = if self.negated { "!=" } else { "==" };
            return write!(f, "{} {op} {}", self.left, self.right);
        }
        write!(f, "{} {op}{}", self.left, self.right)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Field(field) => f.write_str(field.as_str()),
            Expr::Raw { base, offset, len } => {
                let base = match base {
                    RawBase::Link => "ll",
                    RawBase::Network => "nh",
                    RawBase::Transport => "th",
                };
                write!(f, "@{base},{offset},{len}")
            }
            Expr::Masked(expr, mask) => write!(f, "{expr} & {mask}"),
            Expr::Meta(meta) => f.write_str(match meta {
                Meta::Mark => "meta mark",
                Meta::Iifname => "iifname",
                Meta::Oifname => "oifname",
                Meta::Nfproto => "meta nfproto",
                Meta::L4proto => "meta l4proto",
            }),
            Expr::TcpOption(kind) => write!(f, "tcp option @{kind},0,8"),
            Expr::Ct(ct) => f.write_str(match ct {
                Ct::State => "ct state",
                Ct::Direction => "ct direction",
            }),
        }
    }
}

impl Display for Rhs {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Rhs::Mac(mac) => write!(f, "{mac}"),
            Rhs::Ipv4(addr) => write!(f, "{addr}"),
            Rhs::Ipv4Prefix(addr, len) => write!(f, "{addr}/{len}"),
            Rhs::Ipv4Range(low, high) => write!(f, "{low}-{high}"),
            Rhs::Ipv6(addr) => write!(f, "{addr}"),
            Rhs::Ipv6Prefix(addr, len) => write!(f, "{addr}/{len}"),
            Rhs::Ipv6Range(low, high) => write!(f, "{low}-{high}"),
            Rhs::Dec(value) => write!(f, "{value}"),
            Rhs::Hex(value) => write!(f, "0x{value:x}"),
            Rhs::DecRange(low, high) => write!(f, "{low}-{high}"),
            Rhs::HexRange(low, high) => write!(f, "0x{low:x}-0x{high:x}"),
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
                    // Translation never builds an empty set (libvirt's `NONE`
                    // matches no state); print something nft accepts.
                    f.write_str("untracked")
                } else {
                    f.write_str(&names.join(","))
                }
            }
            Rhs::CtDirection(CtDirection::Original) => f.write_str("original"),
            Rhs::CtDirection(CtDirection::Reply) => f.write_str("reply"),
            Rhs::NfProto(NfProto::Ipv4) => f.write_str("ipv4"),
            Rhs::NfProto(NfProto::Ipv6) => f.write_str("ipv6"),
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
                // Parentheses: `tcp flags & syn|ack` would parse as
                // `(tcp flags & syn) | ack`.
                match names.len() {
                    0 => f.write_str("0x0"),
                    1 => f.write_str(names[0]),
                    _ => write!(f, "({})", names.join("|")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_anything_that_could_change_structure() {
        assert!(Name::interface("vnet0").is_some());
        assert!(Name::interface("tap-a.b_c").is_some());
        assert!(Name::interface("a\"b").is_none());
        assert!(Name::interface("a b").is_none());
        assert!(Name::interface("sixteen-chars-xx").is_none());
        assert!(Name::identifier("l2-from-vnet0").is_some());
        assert!(Name::identifier("0abc").is_none());
        assert!(Name::identifier("a}b").is_none());
    }

    #[test]
    fn comments_cannot_close_their_quotes() {
        let comment = Comment::new("x\"; flush ruleset; \"\n}");
        assert!(!comment.as_str().contains('"'));
        assert!(!comment.as_str().contains('\n'));
        assert!(!comment.as_str().contains(';'));
        assert!(!comment.as_str().contains('}'));
        assert!(Comment::new(&"a".repeat(300)).as_str().len() <= Comment::MAX_LEN);
    }
}
