//! IP address learning, as libvirt does it for a binding whose filters use
//! `$IP` and that gives no `IP` (libvirt's `formatnwfilter.rst`, "Automatic
//! IP address detection and DHCP snooping"; `nwfilter_learnipaddr.c`,
//! `nwfilter_dhcpsnoop.c`).
//!
//! `CTRL_IP_LEARNING` chooses the mode: `any` (the default), `dhcp` or
//! `none` (then `IP` must be given: NWF301 as before). While nothing is
//! learned, the interface is bound to a learning filter of nwf's own that
//! lets through what libvirt lets through while it learns:
//!
//! - `any`: from the guest, a frame whose source MAC is not the guest's is
//!   dropped, IPv4 and ARP pass whatever their addresses, everything else is
//!   dropped; nothing is filtered towards the guest;
//! - `dhcp`: only DHCP: from the guest UDP 68→67 with its own MAC, to the
//!   guest UDP 67→68 (from a `DHCPSERVER` address when the binding names
//!   some, to its MAC or broadcast); everything else is dropped both ways.
//!
//! The kernel hands nwf's agent a copy of the packets it learns from
//! (nftables `log group`, rate-limited so a flooding guest cannot starve
//! the host): for `any` the guest's IPv4 and ARP frames while it learns,
//! for `dhcp` the DHCP replies to the guest, always (renewals). The agent
//! then binds the binding's own filter with `IP` set to what it learned, in
//! one transaction per interface, and stores what it learned with the port.
//! A DHCP lease that ends without renewal takes its address away again.

use nwf_backend::nft::{Expr, Field, Match, Rhs, Rule, Statement};
use nwf_backend::translate::PortChains;
use nwf_syntax::ir::{Binding, MacAddr, Param};
use nwf_syntax::span::Spanned;

/// The `nfnetlink_log` group of nwf's learning rules.
pub const LOG_GROUP: u16 = 7340;
/// The rate of copies per interface and kind, and the burst: a DHCP
/// exchange with retries and a second server is a dozen packets.
const LOG_RATE: u32 = 50;
const LOG_BURST: u32 = 50;

/// Prefixes of the copies: `PREFIX INTERFACE`.
pub const PREFIX_IP: &str = "nwf-learn-ip";
pub const PREFIX_ARP: &str = "nwf-learn-arp";
pub const PREFIX_DHCP: &str = "nwf-dhcp";

pub const FILTER_ANY: &str = "nwf-learn-any";
pub const FILTER_DHCP: &str = "nwf-learn-dhcp";
pub const FILTER_DHCP_TRUSTED: &str = "nwf-learn-dhcp-trusted";

const ANY_XML: &str = "\
<filter name='nwf-learn-any' chain='root'>
  <rule action='drop' direction='out' priority='-1000'>
    <mac srcmacaddr='$MAC' match='no'/>
  </rule>
  <rule action='accept' direction='out' priority='-990'>
    <mac protocolid='ipv4'/>
  </rule>
  <rule action='accept' direction='out' priority='-980'>
    <mac protocolid='arp'/>
  </rule>
  <rule action='drop' direction='out' priority='-970'/>
</filter>
";

/// DHCP only; `NAME` and `SERVER` (the replies' source match, or nothing)
/// are filled in.
const DHCP_XML: &str = "\
<filter name='NAME' chain='root'>
  <rule action='drop' direction='out' priority='-1000'>
    <mac srcmacaddr='$MAC' match='no'/>
  </rule>
  <rule action='accept' direction='out' priority='-990'>
    <ip protocol='udp' srcportstart='68' dstportstart='67'/>
  </rule>
  <rule action='drop' direction='out' priority='-970'/>
  <rule action='accept' direction='in' priority='-990'>
    <ip protocol='udp'SERVER srcportstart='67' dstportstart='68' dstmacaddr='$MAC'/>
  </rule>
  <rule action='accept' direction='in' priority='-989'>
    <ip protocol='udp'SERVER srcportstart='67' dstportstart='68' dstmacaddr='ff:ff:ff:ff:ff:ff'/>
  </rule>
  <rule action='drop' direction='in' priority='-970'/>
</filter>
";

/// The learning filters, in libvirt's XML (name, text): part of every
/// workspace that binds (see `sources::load`). The trusted DHCP filter is
/// the other one with the replies' source limited to the `DHCPSERVER`s
/// (their own iterator, so that a list of servers meets the one `$MAC`).
pub fn filters() -> [(&'static str, String); 3] {
    let dhcp = |name: &str, server: &str| DHCP_XML.replace("NAME", name).replace("SERVER", server);
    [
        (FILTER_ANY, ANY_XML.to_owned()),
        (FILTER_DHCP, dhcp(FILTER_DHCP, "")),
        (
            FILTER_DHCP_TRUSTED,
            dhcp(FILTER_DHCP_TRUSTED, " srcipaddr='$DHCPSERVER[@1]'"),
        ),
    ]
}

/// `CTRL_IP_LEARNING`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Any,
    Dhcp,
    None,
}

impl Mode {
    /// The binding's mode (`any` when not given). An unknown value is
    /// NWF213 of the analysis; here it counts as `none` (nothing learned).
    pub fn of(binding: &Binding) -> Mode {
        match binding
            .filterref
            .values("CTRL_IP_LEARNING")
            .next()
            .map(|value| value.value.as_str())
        {
            None | Some("any") => Mode::Any,
            Some("dhcp") => Mode::Dhcp,
            Some(_) => Mode::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Any => "any",
            Mode::Dhcp => "dhcp",
            Mode::None => "none",
        }
    }
}

/// `binding` with `IP` set to `addresses`.
pub fn with_addresses(binding: &Binding, addresses: &[String]) -> Binding {
    let mut bound = binding.clone();
    let span = binding.filterref.span;
    bound
        .filterref
        .params
        .extend(addresses.iter().map(|address| Param {
            name: Spanned::new("IP".to_owned(), span),
            value: Spanned::new(address.clone(), span),
        }));
    bound
}

/// `binding` with its filter replaced by the learning filter of `mode`:
/// only `MAC` and, for `dhcp`, `DHCPSERVER` pass on.
pub fn learning_binding(binding: &Binding, mode: Mode) -> Binding {
    let mut bound = binding.clone();
    let servers: Vec<Param> = binding
        .filterref
        .params
        .iter()
        .filter(|param| param.name.value == "DHCPSERVER")
        .cloned()
        .collect();
    let filter = match mode {
        Mode::Dhcp if !servers.is_empty() => FILTER_DHCP_TRUSTED,
        Mode::Dhcp => FILTER_DHCP,
        _ => FILTER_ANY,
    };
    bound.filterref.filter = Spanned::new(filter.to_owned(), binding.filterref.filter.span);
    bound.filterref.params = if mode == Mode::Dhcp {
        servers
    } else {
        Vec::new()
    };
    bound
}

/// Adds the rules that copy what the agent learns from to the port's
/// layer-2 root chains: the guest's IPv4 and ARP frames while `any`
/// learns, the DHCP replies to the guest for `dhcp`.
pub fn add_log_rules(chains: &mut PortChains, mode: Mode, learning: bool, mac: Option<&str>) {
    let Some(interface) = chains.interface.clone() else {
        return;
    };
    let names = nwf_backend::translate::PortNames::new(&interface);
    let rule = |matches: Vec<Match>, prefix: &str| Rule {
        matches,
        statements: vec![
            Statement::LimitPerSecond {
                rate: LOG_RATE,
                burst: LOG_BURST,
            },
            Statement::LogGroup {
                prefix: format!("{prefix} {interface}"),
                group: LOG_GROUP,
            },
        ],
        verdict: None,
        comment: None,
        origin: None,
    };
    let field = |field: Field, right: Rhs| Match {
        left: Expr::Field(field),
        negated: false,
        right,
    };
    // Ethernet types and IP protocol numbers.
    let (ipv4, arp, udp) = (0x0800, 0x0806, 17);
    let (chain_name, rules) = match mode {
        Mode::Any if learning => {
            let from_guest = |kind: u64| {
                let mut matches = Vec::new();
                if let Some(mac) = mac.and_then(MacAddr::parse) {
                    matches.push(field(Field::EtherSaddr, Rhs::Mac(mac)));
                }
                matches.push(field(Field::EtherType, Rhs::Hex(kind)));
                matches
            };
            (
                names.l2_from,
                vec![
                    rule(from_guest(ipv4), PREFIX_IP),
                    rule(from_guest(arp), PREFIX_ARP),
                ],
            )
        }
        Mode::Dhcp => (
            names.l2_to,
            vec![rule(
                vec![
                    field(Field::EtherType, Rhs::Hex(ipv4)),
                    field(Field::IpProtocol, Rhs::Dec(udp)),
                    field(Field::ThSport, Rhs::Dec(67)),
                    field(Field::ThDport, Rhs::Dec(68)),
                ],
                PREFIX_DHCP,
            )],
        ),
        _ => return,
    };
    if let Some(chain) = chains
        .bridge
        .iter_mut()
        .find(|chain| chain.name == chain_name)
    {
        let mut all = rules;
        all.append(&mut chain.rules);
        chain.rules = all;
    }
}

/// Whether `diagnostics` of an instantiation say only that `$IP` has no
/// value: the binding would be bound by learning.
pub fn only_ip_missing(diagnostics: &[nwf_syntax::Diagnostic]) -> bool {
    let mut missing = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == nwf_syntax::Code::VariableUndefined)
        .peekable();
    missing.peek().is_some()
        && missing.all(|diagnostic| diagnostic.message == "variable `IP` has no value")
        && diagnostics.iter().all(|diagnostic| {
            diagnostic.code == nwf_syntax::Code::VariableUndefined || !diagnostic.is_error()
        })
}
