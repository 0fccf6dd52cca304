//! `nwf agent` on a real libvirt host (needs root): a private libvirtd with
//! its qemu driver and real QEMU guests (TCG), in namespaces of the test's
//! own (see `tests/agent/host.rs`). One scenario, step by step, each step
//! checked against what the kernel holds (`nwf status`, `nft -a list
//! ruleset`):
//!
//! 1. a domain with two nwf interfaces starts: both are bound;
//! 2. an interface is hot-plugged, then unplugged: bound, then unbound;
//! 3. the agent restarts, then libvirtd restarts: the ruleset stays byte
//!    for byte (handles included), and the agent reconnects;
//! 4. a filter file is edited: its interface is re-bound; a broken edit
//!    changes nothing and is reported;
//! 4. (b) a domain with libvirt's own `<filterref>` is libvirt's; `nwf
//!    adopt` hands it to nwf and `nwf release` back, never leaving it open;
//! 5. with the agent stopped the domain is destroyed and libvirtd restarts,
//!    so a second domain gets the first one's tap name: when the agent
//!    starts, that tap has the second domain's filter only, the second
//!    domain's interface whose filter does not exist is quarantined, and its
//!    clean-traffic without an `IP` is bound to learn its address;
//! 6. the second domain is destroyed: nothing of it is left.
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

use std::path::Path;
use std::time::Duration;

use host::{Host, wait_until};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/agent/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `(interface, filter, domain name)` of every bound interface.
fn bound(host: &Host) -> Vec<(String, String, String)> {
    let status = host.status();
    let mut bound: Vec<(String, String, String)> = status["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry: &Value| {
            let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
            (
                text(&entry["interface"]),
                text(&entry["filter"]),
                text(&entry["domain"]["name"]),
            )
        })
        .collect();
    bound.sort();
    bound
}

/// The taps of a running domain, in device order.
fn taps(host: &Host, domain: &str) -> Vec<String> {
    let xml = host.virsh(&["dumpxml", domain]).expect("dumpxml");
    xml.split("<target dev='")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .map(str::to_string)
        .collect()
}

/// How many times the agent's log says `needle`.
fn said(host: &Host, needle: &str) -> usize {
    host.agent_log().matches(needle).count()
}

/// Waits for `condition`, or fails with the agent's log.
fn wait(host: &Host, what: &str, limit: u64, condition: impl FnMut() -> bool) -> Duration {
    wait_until(Duration::from_secs(limit), condition).unwrap_or_else(|()| {
        panic!(
            "{what}: not within {limit} s\nbound: {:?}\nagent log:\n{}{}",
            bound(host),
            host.agent_log(),
            host.log_tail("libvirtd.log")
        )
    })
}

fn owned(entries: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut owned: Vec<(String, String, String)> = entries
        .iter()
        .map(|(a, b, c)| ((*a).to_string(), (*b).to_string(), (*c).to_string()))
        .collect();
    owned.sort();
    owned
}

#[test]
fn agent_follows_a_real_libvirt_host() {
    let uid = std::process::Command::new("id").arg("-u").output();
    if !uid.is_ok_and(|out| out.stdout == b"0\n") {
        namespace::skip_or_fail("not root");
        return;
    }
    let (kernel, busybox) = match host::guest_files() {
        Ok(files) => files,
        Err(reason) => {
            namespace::skip_or_fail(&reason);
            return;
        }
    };
    let mut host = Host::new("e2e", kernel, &busybox).expect("the test host starts");
    host.start_libvirtd().expect("libvirtd starts");
    std::fs::write(
        host.work.join("filters/agent-web.xml"),
        fixture("filters/agent-web.xml"),
    )
    .expect("filter copied");
    host.start_agent(&[]).expect("the agent starts");
    wait(&host, "the agent's first pass", 20, || {
        said(&host, "pass done") == 1
    });
    host.define("agent-a", &fixture("domain-a.xml"))
        .expect("agent-a defined");
    host.define("agent-b", &fixture("domain-b.xml"))
        .expect("agent-b defined");

    // 1. Start: both interfaces bound.
    host.virsh(&["start", "agent-a"]).expect("agent-a starts");
    let a = taps(&host, "agent-a");
    assert_eq!(a.len(), 2, "{a:?}");
    let both = owned(&[
        (&a[0], "clean-traffic", "agent-a"),
        (&a[1], "agent-web", "agent-a"),
    ]);
    let latency = wait(&host, "agent-a's interfaces bound", 20, || {
        bound(&host) == both
    });
    eprintln!(
        "agent-a's two interfaces bound {} ms after `virsh start` returned",
        latency.as_millis()
    );

    // 2. Hot-plug and unplug (the guest must be up to release a device).
    wait(&host, "agent-a's kernel up", 120, || {
        std::fs::read_to_string(host.console("agent-a"))
            .is_ok_and(|text| text.contains("nwf-guest-up"))
    });
    let nic = host.work.join("nic-a3.xml");
    std::fs::write(&nic, fixture("nic-a3.xml")).expect("nic written");
    let nic = nic.display().to_string();
    host.virsh(&["attach-device", "agent-a", &nic, "--live"])
        .expect("attach");
    let plugged = taps(&host, "agent-a");
    assert_eq!(plugged.len(), 3, "{plugged:?}");
    let three = {
        let mut three = both.clone();
        three.push((
            plugged[2].clone(),
            "no-arp-spoofing".into(),
            "agent-a".into(),
        ));
        three.sort();
        three
    };
    wait(&host, "the hot-plugged interface bound", 20, || {
        bound(&host) == three
    });
    host.virsh(&["detach-device", "agent-a", &nic, "--live"])
        .expect("detach");
    wait(&host, "the unplugged interface unbound", 30, || {
        bound(&host) == both
    });

    // 3. Agent restart, libvirtd restart: the ruleset stays byte for byte.
    let before = host.ruleset();
    assert_eq!(host.stop_agent(), Some(0), "the agent stops cleanly");
    assert!(
        said(&host, "the rules stay in the kernel") == 1,
        "{}",
        host.agent_log()
    );
    assert_eq!(
        host.ruleset(),
        before,
        "stopping the agent changed the ruleset"
    );
    host.start_agent(&[]).expect("the agent restarts");
    wait(&host, "the restarted agent's pass", 20, || {
        said(&host, "pass done") >= 1 && said(&host, "connected to") == 2
    });
    wait(&host, "the restarted agent's pass", 20, || {
        said(&host, "0 changed, 2 unchanged") >= 1
    });
    assert_eq!(
        host.ruleset(),
        before,
        "restarting the agent changed the ruleset"
    );
    // `nwf apply` would replace the agent's interfaces: refused, unchanged.
    let other = host.work.join("other.xml");
    std::fs::write(
        &other,
        "<filterbinding><owner><name>x</name><uuid>6c0d5a8e-0000-4000-8000-0000000000ee</uuid></owner>\
         <portdev name='vnet99'/><mac address='52:54:00:00:0e:e1'/><filterref filter='no-mac-spoofing'/></filterbinding>\n",
    )
    .expect("binding written");
    let apply = host.nwf(&["apply", &other.display().to_string()]);
    assert_eq!(
        apply.status.code(),
        Some(1),
        "{}",
        namespace::stderr(&apply)
    );
    assert!(
        namespace::stderr(&apply).contains("that nwf agent bound"),
        "{}",
        namespace::stderr(&apply)
    );
    assert_eq!(
        host.ruleset(),
        before,
        "a refused apply changed the ruleset"
    );
    host.stop_libvirtd();
    wait(&host, "the agent noticing libvirtd's stop", 30, || {
        said(&host, "lost the connection") == 1
    });
    host.start_libvirtd().expect("libvirtd restarts");
    wait(&host, "the agent reconnecting", 30, || {
        said(&host, "connected to") == 3
    });
    wait(&host, "the pass after reconnecting", 20, || {
        said(&host, "0 changed, 2 unchanged") >= 2
    });
    assert_eq!(
        host.ruleset(),
        before,
        "restarting libvirtd changed the ruleset"
    );

    // 4. A filter edit re-binds; a broken one changes nothing.
    let web = host.work.join("filters/agent-web.xml");
    std::fs::write(
        &web,
        fixture("filters/agent-web.xml").replace("'80'", "'8080'"),
    )
    .expect("edit");
    wait(&host, "the edited filter applied", 20, || {
        host.ruleset().contains("dport 8080")
    });
    assert!(said(&host, &format!("agent-a/{}: re-bound to agent-web", a[1])) >= 1);
    let edited = host.ruleset();
    let passes = said(&host, "pass done");
    std::fs::write(
        &web,
        fixture("filters/agent-web.xml").replace("'80'", "'80808080'"),
    )
    .expect("break");
    wait(&host, "the broken filter reported", 20, || {
        said(&host, "its previous rules stay") >= 1
    });
    wait(&host, "the pass over the broken filter", 20, || {
        said(&host, "pass done") > passes
    });
    assert!(
        host.agent_log().contains("NWF"),
        "the diagnostic is in the log: {}",
        host.agent_log()
    );
    assert_eq!(
        host.ruleset(),
        edited,
        "a broken filter changed the ruleset"
    );
    std::fs::write(&web, fixture("filters/agent-web.xml")).expect("restore");
    wait(&host, "the restored filter applied", 20, || {
        host.ruleset().contains("dport 80 ")
    });

    // 4b. Switching over: a domain with libvirt's own <filterref> is
    // filtered by libvirt's nwfilter driver, not by nwf; `nwf adopt` hands
    // it to nwf (libvirt's rules go), `nwf release` back (they return).
    let libvirt_filter = host.work.join("agent-libvirt.xml");
    std::fs::write(&libvirt_filter, fixture("filters/agent-libvirt.xml")).expect("written");
    std::fs::write(
        host.work.join("filters/agent-libvirt.xml"),
        fixture("filters/agent-libvirt.xml"),
    )
    .expect("written");
    host.virsh(&["nwfilter-define", &libvirt_filter.display().to_string()])
        .expect("libvirt knows agent-libvirt");
    host.define("agent-c", &fixture("domain-c.xml"))
        .expect("agent-c defined");
    host.virsh(&["start", "agent-c"]).expect("agent-c starts");
    let c = taps(&host, "agent-c")[0].clone();
    let libvirts_chain = format!("chain libvirt-I-{c} ");
    wait(&host, "libvirt's rules for agent-c", 20, || {
        host.ruleset().contains(&libvirts_chain)
    });
    wait(&host, "the agent's pass over agent-c", 20, || {
        said(&host, "agent-c: event: started") == 1
    });
    assert_eq!(
        bound(&host),
        both,
        "nwf does not bind an interface libvirt filters"
    );
    let adopt = host.nwf(&["adopt", "--connect", &host.uri, "agent-c"]);
    assert!(
        adopt.status.success(),
        "nwf adopt: {}",
        namespace::stderr(&adopt)
    );
    let mut with_c = both.clone();
    with_c.push((c.clone(), "agent-libvirt".into(), "agent-c".into()));
    with_c.sort();
    wait(&host, "libvirt's rules gone after nwf adopt", 20, || {
        !host.ruleset().contains(&libvirts_chain)
    });
    assert_eq!(bound(&host), with_c, "nwf filters agent-c after nwf adopt");
    assert_eq!(host.status()["libvirt_filtered"], serde_json::json!([]));
    assert!(
        said(
            &host,
            &format!("agent-c/{c}: libvirt's nwfilter driver has rules on this interface too")
        ) >= 1,
        "the agent said that both filtered it for a moment: {}",
        host.agent_log()
    );
    for flags in [&["dumpxml"][..], &["dumpxml", "--inactive"][..]] {
        let xml = host
            .virsh(&[flags, &["agent-c"][..]].concat())
            .expect("dumpxml");
        assert!(!xml.contains("<filterref"), "{xml}");
        assert!(
            xml.contains("urn:x-nwf:agent:1") && xml.contains("agent-libvirt"),
            "{xml}"
        );
    }
    let release = host.nwf(&["release", "--connect", &host.uri, "agent-c"]);
    assert!(
        release.status.success(),
        "nwf release: {}",
        namespace::stderr(&release)
    );
    wait(&host, "nwf's rules gone after nwf release", 20, || {
        bound(&host) == both
    });
    assert!(
        host.ruleset().contains(&libvirts_chain),
        "libvirt filters agent-c again"
    );
    let xml = host
        .virsh(&["dumpxml", "--inactive", "agent-c"])
        .expect("dumpxml");
    assert!(
        xml.contains("<filterref filter='agent-libvirt'>") && !xml.contains("urn:x-nwf"),
        "{xml}"
    );
    host.virsh(&["destroy", "agent-c"])
        .expect("destroy agent-c");

    // 5. A stale binding and a recycled tap name.
    assert_eq!(host.stop_agent(), Some(0));
    host.virsh(&["destroy", "agent-a"])
        .expect("destroy agent-a");
    assert_eq!(
        bound(&host),
        both,
        "without the agent, agent-a's rules are still there"
    );
    host.stop_libvirtd();
    host.start_libvirtd().expect("libvirtd restarts");
    host.virsh(&["start", "agent-b"]).expect("agent-b starts");
    let b = taps(&host, "agent-b");
    assert_eq!(b[0], a[0], "libvirt gave agent-b agent-a's first tap name");
    host.start_agent(&[]).expect("the agent starts");
    let expected = owned(&[
        (&b[0], "no-mac-spoofing", "agent-b"),
        (&b[1], "nwf-quarantine", "agent-b"),
        (&b[2], "clean-traffic", "agent-b"),
    ]);
    wait(&host, "agent-b bound, agent-a's rules gone", 20, || {
        bound(&host) == expected
    });
    // Its clean-traffic without an IP learns the address (CTRL_IP_LEARNING
    // any): bound to the learning phase, nothing learned yet (no guest OS).
    let status = host.status();
    let learning = status["interfaces"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["interface"] == b[2].as_str())
        .map(|entry| entry["learning"].clone());
    assert_eq!(
        learning,
        Some(serde_json::json!({"mode": "any", "addresses": []})),
        "{status}"
    );
    let ruleset = host.ruleset();
    assert!(
        !ruleset.contains("10.0.0.2"),
        "agent-a's address is left:\n{ruleset}"
    );
    assert!(
        host.agent_log().contains("no-such-filter"),
        "{}",
        host.agent_log()
    );

    // 6. Destroy: nothing of the domain left.
    host.virsh(&["destroy", "agent-b"])
        .expect("destroy agent-b");
    wait(&host, "agent-b's interfaces unbound", 20, || {
        bound(&host).is_empty()
    });
    let ruleset = host.ruleset();
    for tap in &b {
        assert!(
            !ruleset.contains(&format!("\"{tap}\"")),
            "{tap} is left:\n{ruleset}"
        );
    }
    assert_eq!(host.stop_agent(), Some(0));
}
