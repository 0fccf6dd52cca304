//! The topology one backend filters: a host namespace with the bridge, and
//! per case two fresh "guest" namespaces, each with a veth whose host end
//! (`vnet0`, `vnet1`) is a bridge port and whose guest end is `eth0`.
//!
//! ```text
//!  HOST ns: br0 (bridge_mac, host_ip4/6)
//!    +-- vnet0 --- eth0 in HOST-g1 = G1, the filtered guest
//!    +-- vnet1 --- eth0 in HOST-g2 = G2, its unfiltered peer
//! ```
//!
//! Both backends get the same topology (`topology.json`) in namespaces of
//! their own, so they can run at the same time. What keeps the verdicts
//! deterministic: the bridge floods all multicast (no snooping), ports learn
//! no MACs and have a static FDB entry for their guest (a spoofed source MAC
//! never moves a guest), every neighbour entry is static (exchanges test
//! filtering, not ARP), guests do no DAD and send no router solicitations,
//! and ICMP errors are never rate limited. Namespaces are deleted on drop;
//! this module never touches the namespace the test runs in.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

/// `topology.json`, the addresses both the harness and the probe program use.
pub struct Topology {
    pub bridge: String,
    pub bridge_mac: String,
    pub host_ip4: String,
    pub host_ip6: String,
    pub prefix4: u64,
    pub prefix6: u64,
    pub guests: [Guest; 2],
}

pub struct Guest {
    pub port: String,
    pub mac: String,
    pub ip4: String,
    pub ip6: String,
    pub ll: String,
}

impl Topology {
    pub fn parse(text: &str) -> Result<Topology, String> {
        let value: Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
        let text_of = |value: &Value, key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("topology.json: no string `{key}`"))
        };
        let number = |key: &str| {
            value[key]
                .as_u64()
                .ok_or_else(|| format!("topology.json: no number `{key}`"))
        };
        let guest = |idx: usize| -> Result<Guest, String> {
            let guest = &value["guests"][idx];
            Ok(Guest {
                port: text_of(guest, "port")?,
                mac: text_of(guest, "mac")?,
                ip4: text_of(guest, "ip4")?,
                ip6: text_of(guest, "ip6")?,
                ll: text_of(guest, "ll")?,
            })
        };
        Ok(Topology {
            bridge: text_of(&value, "bridge")?,
            bridge_mac: text_of(&value, "bridge_mac")?,
            host_ip4: text_of(&value, "host_ip4")?,
            host_ip6: text_of(&value, "host_ip6")?,
            prefix4: number("prefix4")?,
            prefix6: number("prefix6")?,
            guests: [guest(0)?, guest(1)?],
        })
    }
}

/// Runs a command; its stdout, or an error naming it with its stderr.
pub fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim()
        ))
    }
}

/// Feeds `script` to `ip -batch` or `bridge -batch` (one process for many
/// commands) inside namespace `ns`.
fn batch(tool: &str, ns: &str, script: &str) -> Result<(), String> {
    let mut child = Command::new(tool)
        .args(["-n", ns, "-batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("{tool}: {error}"))?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(script.as_bytes())
        .map_err(|error| format!("{tool} -batch: {error}"))?;
    let output = child
        .wait_with_output()
        .map_err(|error| format!("{tool}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{tool} -n {ns} -batch failed: {}\n{script}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// `sysctl -w` of each setting inside namespace `ns`.
pub fn sysctl(ns: &str, settings: &[String]) -> Result<(), String> {
    run(Command::new("ip")
        .args(["netns", "exec", ns, "sysctl", "-qw"])
        .args(settings))
    .map(drop)
}

/// A network namespace of the test's own, deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn create(name: String) -> Result<Netns, String> {
        run(Command::new("ip").args(["netns", "add", &name]))?;
        let netns = Netns { name };
        run(Command::new("ip").args(["-n", &netns.name, "link", "set", "lo", "up"]))?;
        Ok(netns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run(Command::new("ip").args(["netns", "del", &self.name]));
    }
}

/// The host namespace of one backend with its bridge.
pub fn host(name: String, topo: &Topology) -> Result<Netns, String> {
    let netns = Netns::create(name)?;
    let bridge = &topo.bridge;
    batch(
        "ip",
        &netns.name,
        &format!(
            "link add {bridge} address {mac} type bridge mcast_snooping 0\n\
             link set {bridge} up\n\
             addr add {ip4}/{p4} dev {bridge}\n",
            mac = topo.bridge_mac,
            ip4 = topo.host_ip4,
            p4 = topo.prefix4,
        ),
    )?;
    // br_netfilter's switches are per namespace; libvirt sets them itself,
    // and both backends get them set the same way before anything runs.
    sysctl(
        &netns.name,
        &[
            "net.ipv4.icmp_ratelimit=0".to_owned(),
            "net.ipv6.icmp.ratelimit=0".to_owned(),
            format!("net.ipv6.conf.{bridge}.accept_dad=0"),
            "net.bridge.bridge-nf-call-iptables=1".to_owned(),
            "net.bridge.bridge-nf-call-ip6tables=1".to_owned(),
        ],
    )?;
    batch(
        "ip",
        &netns.name,
        &format!(
            "addr add {}/{} dev {bridge} nodad\n",
            topo.host_ip6, topo.prefix6
        ),
    )?;
    Ok(netns)
}

/// The two guests of one case, on `host`'s bridge. Dropping them deletes
/// their namespaces and with them both veths.
pub struct Guests {
    pub netns: [Netns; 2],
    host: String,
    ports: [String; 2],
}

impl Drop for Guests {
    fn drop(&mut self) {
        // Deleting a namespace frees its devices asynchronously; deleting the
        // ports first frees the names for the next case at once.
        for port in &self.ports {
            let _ = run(Command::new("ip").args(["-n", &self.host, "link", "del", port]));
        }
    }
}

impl Guests {
    pub fn create(host: &Netns, topo: &Topology) -> Result<Guests, String> {
        let netns = [
            Netns::create(format!("{}-g1", host.name))?,
            Netns::create(format!("{}-g2", host.name))?,
        ];
        for guest_ns in &netns {
            // set before eth0 exists, so that it applies to it
            sysctl(
                &guest_ns.name,
                &[
                    "net.ipv6.conf.default.accept_dad=0".to_owned(),
                    "net.ipv6.conf.default.dad_transmits=0".to_owned(),
                    "net.ipv6.conf.default.router_solicitations=0".to_owned(),
                    "net.ipv6.conf.default.accept_ra=0".to_owned(),
                ],
            )?;
        }
        let mut host_script = String::new();
        let mut fdb_script = String::new();
        for (guest, guest_ns) in topo.guests.iter().zip(&netns) {
            let (port, mac) = (&guest.port, &guest.mac);
            // the host end gets the guest's MAC with 0xfe first, as libvirt's taps do
            let port_mac = format!("fe{}", &mac[2..]);
            let _ = write!(
                host_script,
                "link add {port} address {port_mac} type veth peer name eth0 netns {gns}\n\
                 link set {port} master {bridge}\n\
                 link set dev {port} type bridge_slave learning off\n\
                 link set {port} up\n\
                 neigh replace {ip4} lladdr {mac} dev {bridge} nud permanent\n\
                 neigh replace {ip6} lladdr {mac} dev {bridge} nud permanent\n",
                gns = guest_ns.name,
                bridge = topo.bridge,
                ip4 = guest.ip4,
                ip6 = guest.ip6,
            );
            let _ = writeln!(fdb_script, "fdb replace {mac} dev {port} master static");
        }
        let guests = Guests {
            netns,
            host: host.name.clone(),
            ports: [topo.guests[0].port.clone(), topo.guests[1].port.clone()],
        };
        batch("ip", &host.name, &host_script)?;
        batch("bridge", &host.name, &fdb_script)?;
        for (idx, guest) in topo.guests.iter().enumerate() {
            let peer = &topo.guests[1 - idx];
            let mut script = format!(
                "link set eth0 address {mac}\n\
                 link set eth0 up\n\
                 addr add {ip4}/{p4} dev eth0\n\
                 addr add {ip6}/{p6} dev eth0 nodad\n\
                 neigh replace {host4} lladdr {host_mac} dev eth0 nud permanent\n\
                 neigh replace {host6} lladdr {host_mac} dev eth0 nud permanent\n",
                mac = guest.mac,
                ip4 = guest.ip4,
                ip6 = guest.ip6,
                p4 = topo.prefix4,
                p6 = topo.prefix6,
                host4 = topo.host_ip4,
                host6 = topo.host_ip6,
                host_mac = topo.bridge_mac,
            );
            for address in [&peer.ip4, &peer.ip6, &peer.ll] {
                let _ = writeln!(
                    script,
                    "neigh replace {address} lladdr {} dev eth0 nud permanent",
                    peer.mac
                );
            }
            batch("ip", &guests.netns[idx].name, &script)?;
        }
        Ok(guests)
    }
}
