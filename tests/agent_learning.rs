//! IP address learning (needs root): `clean-traffic` bound without an `IP`
//! on a veth guest in a namespace of its own, on the bridge of the agent
//! test's host (`tests/agent/host.rs`: a private libvirtd, which the agent
//! connects to, and the agent), with real packets (`ping`).
//!
//! `any`: before anything is learned, a frame with a spoofed source MAC is
//! dropped and the guest's own IPv4 passes; the first address the guest
//! uses is learned (stored with the port, shown by `nwf status`); then
//! another source address is dropped and the learned one passes; the
//! agent restarting keeps what was learned, the ruleset byte for byte.
//!
//! Without root, libvirtd, QEMU or the guest files of `scripts/setup` the
//! test says it is skipped, and fails when `CI=true`.

#[path = "agent/host.rs"]
#[allow(dead_code)] // each suite uses part of the host
mod host;
#[path = "agent/initramfs.rs"]
mod initramfs;
#[path = "support/namespace.rs"]
#[allow(dead_code)]
mod namespace;

use std::process::Command;
use std::time::Duration;

use host::{Host, wait_until};

const MAC: &str = "52:54:00:00:0d:01";

fn host(name: &str) -> Option<Host> {
    let uid = Command::new("id").arg("-u").output();
    if !uid.is_ok_and(|out| out.stdout == b"0\n") {
        namespace::skip_or_fail("not root");
        return None;
    }
    let (kernel, busybox) = match host::guest_files() {
        Ok(files) => files,
        Err(reason) => {
            namespace::skip_or_fail(&reason);
            return None;
        }
    };
    let mut host = Host::new(name, kernel, &busybox).expect("the test host starts");
    host.start_libvirtd().expect("libvirtd starts");
    host.start_agent(&[]).expect("the agent starts");
    assert!(
        wait_until(Duration::from_secs(20), || host
            .agent_log()
            .contains("pass done"))
        .is_ok(),
        "{}",
        host.agent_log()
    );
    Some(host)
}

/// Whether `ping` from the guest to the host (10.0.0.1) gets an answer.
fn pings(guest: &str) -> bool {
    Command::new("ip")
        .args([
            "netns", "exec", guest, "ping", "-c", "1", "-W", "1", "10.0.0.1",
        ])
        .output()
        .is_ok_and(|out| out.status.success())
}

fn guest_ip(guest: &str, args: &[&str]) {
    let out = Command::new("ip")
        .args(["netns", "exec", guest, "ip"])
        .args(args)
        .output()
        .expect("ip runs");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        namespace::stderr(&out)
    );
}

fn learned(host: &Host) -> serde_json::Value {
    host.status()["interfaces"][0]["learning"].clone()
}

#[test]
fn any_learns_the_first_address_the_guest_uses() {
    let Some(mut host) = host("any") else { return };
    host::run(
        host.command("ip")
            .args(["addr", "add", "10.0.0.1/24", "dev", "br0"]),
    )
    .expect("br0 address");
    let guest = host.veth_guest("g1", "vg0", MAC).expect("guest");
    guest_ip(&guest, &["addr", "add", "10.0.0.2/24", "dev", "eth0"]);
    let binding = host.work.join("vg0.nwf");
    std::fs::write(
        &binding,
        format!("bind vg0 mac {MAC} {{\n  ref clean-traffic\n}}\n"),
    )
    .expect("binding");
    let bind = host.nwf(&["bind", &binding.display().to_string()]);
    assert!(
        bind.status.success(),
        "nwf bind: {}",
        namespace::stderr(&bind)
    );
    assert_eq!(learned(&host)["mode"], "any", "{}", host.status());
    assert_eq!(learned(&host)["addresses"], serde_json::json!([]));

    // Before learning: a spoofed source MAC is dropped (and teaches nothing).
    guest_ip(
        &guest,
        &["link", "set", "eth0", "address", "52:54:00:00:0d:99"],
    );
    assert!(!pings(&guest), "a spoofed MAC passes while learning");
    assert_eq!(
        learned(&host)["addresses"],
        serde_json::json!([]),
        "{}",
        host.agent_log()
    );
    guest_ip(&guest, &["link", "set", "eth0", "address", MAC]);

    // The first address used is learned, and the filter then holds it.
    assert!(
        pings(&guest) || pings(&guest),
        "the guest's own traffic passes while learning"
    );
    let waited = wait_until(Duration::from_secs(10), || {
        learned(&host)["addresses"] == serde_json::json!([{"address": "10.0.0.2", "expires": null}])
    });
    assert!(
        waited.is_ok(),
        "not learned: {}\n{}",
        host.status(),
        host.agent_log()
    );
    eprintln!("learned 10.0.0.2 in {} ms", waited.unwrap().as_millis());
    assert!(
        host.ruleset().contains("10.0.0.2"),
        "the filter holds the learned address"
    );
    assert!(pings(&guest), "the learned address passes");
    guest_ip(&guest, &["addr", "flush", "dev", "eth0"]);
    guest_ip(&guest, &["addr", "add", "10.0.0.9/24", "dev", "eth0"]);
    assert!(
        !pings(&guest),
        "another source address passes after learning"
    );
    assert_eq!(
        learned(&host)["addresses"][0]["address"],
        "10.0.0.2",
        "the first address stays"
    );

    // The agent restarting keeps what was learned.
    let before = host.ruleset();
    assert_eq!(host.stop_agent(), Some(0));
    host.start_agent(&[]).expect("the agent restarts");
    assert!(
        wait_until(Duration::from_secs(20), || host
            .agent_log()
            .matches("pass done")
            .count()
            == 2)
        .is_ok()
    );
    assert_eq!(
        host.ruleset(),
        before,
        "restarting the agent changed the ruleset"
    );
}

/// A DHCP client run in `guest` until it has a lease (busybox's udhcpc,
/// with a script of the test's own that sets the address).
fn dhcp_client(host: &Host, guest: &str) -> std::process::Output {
    let script = host.work.join("udhcpc.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncase \"$1\" in\n  deconfig) ip addr flush dev \"$interface\" ;;\n  \
         bound|renew) ip addr flush dev \"$interface\"; ip addr add \"$ip/24\" dev \"$interface\" ;;\nesac\n",
    )
    .expect("script");
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .expect("chmod");
    let busybox = host::guest_files().expect("guest files").1;
    Command::new("ip")
        .args(["netns", "exec", guest])
        .arg(&busybox)
        .args([
            "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "6", "-T", "1", "-s",
        ])
        .arg(&script)
        .output()
        .expect("udhcpc runs")
}

fn dnsmasq(
    host: &mut Host,
    netns: Option<&str>,
    interface: &str,
    range: &str,
    name: &str,
) -> usize {
    let mut command = match netns {
        Some(netns) => {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", netns, "dnsmasq"]);
            command
        }
        None => host.command("dnsmasq"),
    };
    command
        .args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--port=0",
            "--bind-interfaces",
            "--log-dhcp",
        ])
        .arg(format!("--interface={interface}"))
        .arg(format!("--dhcp-range={range}"))
        .arg(format!(
            "--dhcp-leasefile={}",
            host.work.join(format!("{name}.leases")).display()
        ))
        .arg(format!(
            "--pid-file={}",
            host.work.join(format!("{name}.pid")).display()
        ))
        .arg("--log-facility=-");
    host.spawn(command, name).expect("dnsmasq starts")
}

#[test]
fn dhcp_learns_leases_from_trusted_servers_until_they_end() {
    let Some(mut host) = host("dhcp") else { return };
    host::run(
        host.command("ip")
            .args(["addr", "add", "10.0.0.1/24", "dev", "br0"]),
    )
    .expect("br0 address");
    let _server = dnsmasq(
        &mut host,
        None,
        "br0",
        "10.0.0.50,10.0.0.60,255.255.255.0,2m",
        "dnsmasq",
    );
    // A rogue server on the same bridge, from another namespace.
    let rogue = host
        .veth_guest("rogue", "vr0", "52:54:00:00:0e:01")
        .expect("rogue");
    guest_ip(&rogue, &["addr", "add", "10.0.0.254/24", "dev", "eth0"]);
    let rogue_server = dnsmasq(
        &mut host,
        Some(&rogue),
        "eth0",
        "10.0.0.200,10.0.0.210,255.255.255.0,2m",
        "rogue",
    );
    let guest = host.veth_guest("g2", "vg1", MAC).expect("guest");
    let binding = host.work.join("vg1.nwf");
    std::fs::write(
        &binding,
        format!(
            "bind vg1 mac {MAC} {{\n  ref clean-traffic CTRL_IP_LEARNING = dhcp DHCPSERVER = 10.0.0.1\n}}\n"
        ),
    )
    .expect("binding");
    let bind = host.nwf(&["bind", &binding.display().to_string()]);
    assert!(
        bind.status.success(),
        "nwf bind: {}",
        namespace::stderr(&bind)
    );
    assert_eq!(learned(&host)["mode"], "dhcp", "{}", host.status());

    // No lease yet: only DHCP passes.
    guest_ip(&guest, &["addr", "add", "10.0.0.2/24", "dev", "eth0"]);
    assert!(!pings(&guest), "a static address passes before any lease");
    guest_ip(&guest, &["addr", "flush", "dev", "eth0"]);

    // A lease from the trusted server, never the rogue's.
    let client = dhcp_client(&host, &guest);
    assert!(
        client.status.success(),
        "udhcpc: {}",
        namespace::stderr(&client)
    );
    let waited = wait_until(Duration::from_secs(10), || {
        learned(&host)["addresses"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    assert!(
        waited.is_ok(),
        "no lease learned: {}\n{}\n{}",
        host.status(),
        host.agent_log(),
        host.ruleset()
    );
    let first = learned(&host)["addresses"][0].clone();
    let address = first["address"].as_str().expect("an address").to_owned();
    assert!(
        address.starts_with("10.0.0.5") || address == "10.0.0.60",
        "learned {address}, not the trusted server's"
    );
    let expires = first["expires"].as_u64().expect("a lease has an end");
    assert!(
        pings(&guest),
        "the leased address passes: {}",
        host.agent_log()
    );
    guest_ip(&guest, &["addr", "add", "10.0.0.3/24", "dev", "eth0"]);
    guest_ip(
        &guest,
        &["addr", "del", &format!("{address}/24"), "dev", "eth0"],
    );
    assert!(!pings(&guest), "another address passes with a lease");
    guest_ip(&guest, &["addr", "flush", "dev", "eth0"]);

    // Asking again renews the lease: the same address, a later end. (With
    // the address bound, clean-traffic lets every IPv4 packet reach the
    // guest, the rogue's offers too, as libvirt's does; the rogue goes, so
    // that the client asks the trusted server.)
    host.stop_process(rogue_server);
    std::thread::sleep(Duration::from_secs(2));
    let client = dhcp_client(&host, &guest);
    assert!(
        client.status.success(),
        "udhcpc: {}",
        namespace::stderr(&client)
    );
    let renewed = wait_until(Duration::from_secs(10), || {
        learned(&host)["addresses"][0]["expires"]
            .as_u64()
            .is_some_and(|end| end > expires)
    });
    assert!(
        renewed.is_ok(),
        "not renewed: {}\n{}",
        host.status(),
        host.agent_log()
    );
    assert_eq!(learned(&host)["addresses"][0]["address"], address.as_str());
    assert_eq!(
        learned(&host)["addresses"].as_array().map(Vec::len),
        Some(1)
    );

    // Without renewal the lease ends, and with it the address.
    let end = learned(&host)["addresses"][0]["expires"]
        .as_u64()
        .expect("an end");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let ended = wait_until(Duration::from_secs(end.saturating_sub(now) + 15), || {
        learned(&host)["addresses"] == serde_json::json!([])
    });
    assert!(
        ended.is_ok(),
        "the lease did not end: {}\n{}",
        host.status(),
        host.agent_log()
    );
    assert!(!pings(&guest), "the address passes after its lease ended");
    assert!(
        !host.agent_log().contains("10.0.0.20"),
        "the rogue's lease was learned: {}",
        host.agent_log()
    );
}
