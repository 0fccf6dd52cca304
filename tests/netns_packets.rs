//! Packets through the real ruleset (needs root): a bridge in its own
//! network namespace, two veth "guests" in theirs, the ruleset `nwf` emits
//! for guest 0 loaded with `nft -f`, then legitimate and spoofed traffic.
//!
//! Every test here is named `netns_*` and needs root, `ip`, `nft`, `ping`,
//! `arping` and `python3`. Without them a test says it is skipped, and
//! fails when `CI=true`. Filters come from libvirt's stock filters, read in
//! place from the reference corpus (`<repo>/../shared/reference/libvirt` or
//! `$NWF_LIBVIRT_REF`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use nwf_backend::instantiate::{Source, Vars, instantiate_filter};
use nwf_backend::ruleset::{self, Port};
use nwf_backend::translate::translate;
use nwf_backend::{nft, nft_error, plan};
use nwf_syntax::ir::Document;
use nwf_syntax::{FileId, Span};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

fn reference_root() -> Option<PathBuf> {
    let root = std::env::var_os("NWF_LIBVIRT_REF").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/libvirt"),
        PathBuf::from,
    );
    root.is_dir().then_some(root)
}

/// `None` when the test can run; otherwise why not (and a CI failure).
fn cannot_run() -> Option<String> {
    let reason = if reference_root().is_none() {
        Some("libvirt reference corpus not found".to_owned())
    } else {
        // Tests run in parallel threads (and other runs may share the
        // machine): every probe gets a name of its own.
        static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "nwf-probe-{}-{}",
            std::process::id(),
            PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let probe = Command::new("ip").args(["netns", "add", &name]).output();
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        match probe {
            Ok(output) if output.status.success() => None,
            Ok(output) => Some(format!(
                "cannot create network namespaces (root needed): {}",
                String::from_utf8_lossy(&output.stderr)
            )),
            Err(error) => Some(format!("cannot run ip: {error}")),
        }
    };
    if let Some(reason) = &reason {
        assert!(!in_ci(), "CI=true but the netns test cannot run: {reason}");
        eprintln!("skipped: {reason}");
    }
    reason
}

/// The stock filters (both folders libvirt ships them in) plus extra XML.
struct Library {
    docs: Vec<(FileId, Document)>,
}

impl Library {
    fn load(extra: &[&str]) -> Library {
        let root = reference_root().expect("checked by cannot_run");
        let mut texts = Vec::new();
        for folder in ["src/nwfilter/xml", "examples/xml/nwfilter"] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
                .expect("stock filter folder")
                .map(|entry| entry.expect("entry").path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
                .collect();
            paths.sort();
            for path in paths {
                texts.push(std::fs::read_to_string(path).expect("readable"));
            }
        }
        texts.extend(extra.iter().map(|text| (*text).to_owned()));
        let docs = texts
            .iter()
            .enumerate()
            .map(|(idx, text)| {
                let file = FileId(u32::try_from(idx).expect("few files"));
                (file, nwf_syntax::xml::parse_xml(file, text).0)
            })
            .collect();
        Library { docs }
    }

    fn lookup(&self, name: &str) -> Option<Source<'_>> {
        self.docs.iter().find_map(|(file, document)| {
            document
                .filters()
                .find(|filter| filter.name.value == name)
                .map(|filter| Source {
                    file: *file,
                    filter,
                })
        })
    }

    /// `filter` bound to `interface` with `vars`, as port `id`.
    fn port(&self, filter: &str, vars: Vars, interface: &str, id: u16) -> Port {
        let root = self.lookup(filter).expect("filter exists");
        let result = instantiate_filter(root, vars, interface, |name| self.lookup(name));
        assert!(!result.has_errors(), "{:?}", result.diagnostics);
        let (chains, diagnostics) = translate(&result.instance, FileId(0), Span::default());
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        Port { id, chains }
    }

    /// The `nft -f` script replacing the nwf tables with `filter` bound to
    /// `vnet0` with `vars`.
    fn script(&self, filter: &str, vars: Vars) -> String {
        ruleset::apply_script(&[self.port(filter, vars, "vnet0", 1)])
    }
}

const GUEST_MAC: [&str; 2] = ["52:54:00:77:00:01", "52:54:00:77:00:02"];
const GUEST_IP: [&str; 2] = ["10.77.0.1", "10.77.0.2"];

/// A bridge namespace and two guest namespaces, removed on drop.
struct Lab {
    bridge: String,
    guests: [String; 2],
}

static LAB_COUNTER: AtomicU32 = AtomicU32::new(0);

fn run(args: &[&str]) -> Output {
    Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {args:?}: {error}"))
}

fn must(args: &[&str]) {
    let output = run(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Lab {
    fn new() -> Lab {
        let tag = format!(
            "{}-{}",
            std::process::id(),
            LAB_COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let lab = Lab {
            bridge: format!("nwfb{tag}"),
            guests: [format!("nwfg0-{tag}"), format!("nwfg1-{tag}")],
        };
        must(&["ip", "netns", "add", &lab.bridge]);
        for guest in &lab.guests {
            must(&["ip", "netns", "add", guest]);
        }
        lab.br(&["ip", "link", "add", "br0", "type", "bridge"]);
        lab.br(&["ip", "link", "set", "br0", "up"]);
        lab.br(&["ip", "addr", "add", "10.77.0.254/24", "dev", "br0"]);
        for (idx, guest) in lab.guests.iter().enumerate() {
            let port = format!("vnet{idx}");
            lab.br(&[
                "ip", "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", guest,
            ]);
            lab.br(&["ip", "link", "set", &port, "master", "br0", "up"]);
            must(&[
                "ip",
                "netns",
                "exec",
                guest,
                "ip",
                "link",
                "set",
                "eth0",
                "address",
                GUEST_MAC[idx],
            ]);
            must(&[
                "ip",
                "netns",
                "exec",
                guest,
                "ip",
                "addr",
                "add",
                &format!("{}/24", GUEST_IP[idx]),
                "dev",
                "eth0",
            ]);
            must(&[
                "ip", "netns", "exec", guest, "ip", "link", "set", "eth0", "up",
            ]);
            must(&[
                "ip", "netns", "exec", guest, "ip", "link", "set", "lo", "up",
            ]);
        }
        lab
    }

    fn br(&self, args: &[&str]) {
        let mut full = vec!["ip", "netns", "exec", &self.bridge];
        full.extend_from_slice(args);
        must(&full);
    }

    fn guest(&self, idx: usize, args: &[&str]) -> bool {
        let mut full = vec!["ip", "netns", "exec", &self.guests[idx]];
        full.extend_from_slice(args);
        run(&full).status.success()
    }

    fn load(&self, script: &str) -> Output {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.bridge, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nft runs");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), script.as_bytes())
            .expect("write script");
        child.wait_with_output().expect("nft finishes")
    }

    fn apply(&self, script: &str) {
        let output = self.load(script);
        assert!(
            output.status.success(),
            "nft -f failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn ruleset(&self) -> String {
        let output = run(&[
            "ip",
            "netns",
            "exec",
            &self.bridge,
            "nft",
            "list",
            "ruleset",
        ]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn ping(&self, from: usize, to: &str) -> bool {
        // Two tries: the first may be spent on neighbour discovery.
        self.guest(from, &["ping", "-c", "2", "-i", "0.2", "-W", "1", to])
    }

    fn flush_neighbours(&self) {
        for idx in 0..2 {
            self.guest(idx, &["ip", "neigh", "flush", "all"]);
        }
    }

    /// Moves guest 0 to another MAC (a spoofing guest).
    fn set_mac(&self, mac: &str) {
        self.set_guest_mac(0, mac);
    }

    fn set_guest_mac(&self, idx: usize, mac: &str) {
        assert!(self.guest(idx, &["ip", "link", "set", "eth0", "address", mac]));
        self.flush_neighbours();
    }

    /// The installed nwf objects, as the CLI reads them.
    fn installed(&self) -> plan::InstalledState {
        let list = |family: &str| {
            let output = run(&[
                "ip",
                "netns",
                "exec",
                &self.bridge,
                "nft",
                "-j",
                "list",
                "table",
                family,
                "nwf",
            ]);
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
        };
        plan::read_installed(list("bridge").as_deref(), list("inet").as_deref())
            .expect("nft JSON is readable")
    }

    fn base_chains(&self) -> String {
        ["prerouting", "forward", "postrouting"]
            .iter()
            .map(|chain| {
                let output = run(&[
                    "ip",
                    "netns",
                    "exec",
                    &self.bridge,
                    "nft",
                    "list",
                    "chain",
                    "bridge",
                    "nwf",
                    chain,
                ]);
                String::from_utf8_lossy(&output.stdout).into_owned()
            })
            .collect()
    }

    /// A TCP connection from guest `from` (optionally from a given source
    /// address) to a listener on `to_ip`:`port` in guest `to`.
    fn tcp(&self, from: usize, source: Option<&str>, to: usize, port: u16) -> bool {
        let listener = format!(
            "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('0.0.0.0',{port}))\ns.listen(1)\nprint('ready',flush=True)\ns.settimeout(4)\ntry:\n  c,_=s.accept(); c.sendall(b'ok'); c.close()\nexcept Exception: pass\n"
        );
        let mut server = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.guests[to],
                "python3",
                "-c",
                &listener,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        wait_ready(&mut server);
        let bind = source.map_or_else(String::new, |source| format!("s.bind(('{source}',0))\n"));
        let client = format!(
            "import socket,sys\ns=socket.socket()\ns.settimeout(2)\n{bind}try:\n  s.connect(('{}',{port})); sys.exit(0 if s.recv(2)==b'ok' else 1)\nexcept Exception: sys.exit(1)\n",
            GUEST_IP[to]
        );
        let connected = self.guest(from, &["python3", "-c", &client]);
        let _ = server.kill();
        let _ = server.wait();
        connected
    }
}

/// Blocks until a listener started by the tests prints its `ready` line
/// (it has bound its socket), so that no packet is sent too early.
fn wait_ready(child: &mut std::process::Child) {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("listener stdout is piped");
    let mut line = String::new();
    let _ = std::io::BufReader::new(stdout).read_line(&mut line);
    assert_eq!(line.trim(), "ready", "the listener started");
}

impl Drop for Lab {
    fn drop(&mut self) {
        for name in std::iter::once(&self.bridge).chain(&self.guests) {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

fn vars(pairs: &[(&str, &str)]) -> Vars {
    let mut vars = BTreeMap::new();
    for (name, value) in pairs {
        vars.entry((*name).to_owned())
            .or_insert_with(Vec::new)
            .push((*value).to_owned());
    }
    vars
}

fn guest0_vars() -> Vars {
    vars(&[("MAC", GUEST_MAC[0]), ("IP", GUEST_IP[0])])
}

#[test]
fn netns_no_mac_spoofing() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    assert!(lab.ping(0, GUEST_IP[1]), "unfiltered baseline");
    lab.apply(&Library::load(&[]).script("no-mac-spoofing", guest0_vars()));
    assert!(lab.ping(0, GUEST_IP[1]), "the guest's own MAC passes");
    lab.set_mac("52:54:00:77:00:99");
    assert!(!lab.ping(0, GUEST_IP[1]), "a spoofed source MAC is dropped");
    lab.set_mac(GUEST_MAC[0]);
    assert!(lab.ping(0, GUEST_IP[1]), "back to the real MAC");
}

#[test]
fn netns_no_ip_spoofing() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[]).script("no-ip-spoofing", guest0_vars()));
    assert!(lab.tcp(0, None, 1, 8080), "the guest's own address passes");
    assert!(lab.guest(0, &["ip", "addr", "add", "10.77.0.9/24", "dev", "eth0"]));
    assert!(
        !lab.tcp(0, Some("10.77.0.9"), 1, 8081),
        "a spoofed source IP is dropped"
    );
}

#[test]
fn netns_no_arp_spoofing() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[]).script("no-arp-spoofing", guest0_vars()));
    let arping = |source: &str| {
        // arping(8) as packaged by Debian's `arping`: -S sets the sender IP.
        lab.guest(
            0,
            &[
                "arping",
                "-c",
                "2",
                "-W",
                "0.3",
                "-w",
                "3",
                "-i",
                "eth0",
                "-S",
                source,
                GUEST_IP[1],
            ],
        )
    };
    assert!(
        arping(GUEST_IP[0]),
        "ARP from the guest's address is answered"
    );
    assert!(
        !arping("10.77.0.9"),
        "ARP claiming another address is dropped"
    );
}

#[test]
fn netns_clean_traffic() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[]).script("clean-traffic", guest0_vars()));
    assert!(lab.ping(0, GUEST_IP[1]), "legitimate IPv4 out");
    assert!(lab.ping(1, GUEST_IP[0]), "IPv4 in is allowed");
    assert!(lab.tcp(1, None, 0, 8082), "TCP to the guest");
    assert!(lab.guest(0, &["ip", "addr", "add", "10.77.0.9/24", "dev", "eth0"]));
    assert!(
        !lab.tcp(0, Some("10.77.0.9"), 1, 8083),
        "spoofed IP dropped"
    );
    lab.set_mac("52:54:00:77:00:99");
    assert!(!lab.ping(0, GUEST_IP[1]), "spoofed MAC dropped");
}

/// clean-traffic allows IPv4 and ARP only: IPv6 from and to the guest is
/// dropped, while IPv6 between the same guests works without the filter.
#[test]
fn netns_clean_traffic_drops_ipv6() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    for (idx, address) in ["fd77::10/64", "fd77::11/64"].into_iter().enumerate() {
        assert!(lab.guest(
            idx,
            &["ip", "-6", "addr", "add", address, "dev", "eth0", "nodad"]
        ));
    }
    let ping6 = |from: usize, to: &str| {
        lab.guest(from, &["ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", to])
    };
    assert!(ping6(1, "fd77::10"), "without a filter IPv6 passes");
    lab.apply(&Library::load(&[]).script("clean-traffic", guest0_vars()));
    lab.flush_neighbours();
    assert!(lab.ping(0, GUEST_IP[1]), "IPv4 still passes");
    assert!(!ping6(0, "fd77::11"), "IPv6 from the guest is dropped");
    assert!(!ping6(1, "fd77::10"), "IPv6 to the guest is dropped");
}

const STATEFUL: &str = "<filter name='nwf-test-stateful' chain='root'>
  <rule action='accept' direction='out' priority='100'><tcp/></rule>
  <rule action='accept' direction='inout' priority='200'><arp/></rule>
  <rule action='drop' direction='inout' priority='1000'><all/></rule>
</filter>";

#[test]
fn netns_stateful_tcp() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[STATEFUL]).script("nwf-test-stateful", guest0_vars()));
    assert!(
        lab.tcp(0, None, 1, 8084),
        "the guest's own connection and its replies pass"
    );
    assert!(
        !lab.tcp(1, None, 0, 8085),
        "a new connection to the guest is dropped"
    );
    assert!(!lab.ping(0, GUEST_IP[1]), "other IPv4 is dropped");
}

#[test]
fn netns_refused_transaction_changes_nothing() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let library = Library::load(&[]);
    lab.apply(&library.script("clean-traffic", guest0_vars()));
    let before = lab.ruleset();
    // A valid replacement followed by a rule this kernel refuses (bridge
    // conntrack): nft must apply none of it.
    let mut script = library.script("no-mac-spoofing", guest0_vars());
    script.push_str("add rule bridge nwf l2-to-vnet0 ct state new drop\n");
    let output = lab.load(&script);
    assert!(
        !output.status.success(),
        "the kernel refuses bridge conntrack here"
    );
    assert_eq!(
        before,
        lab.ruleset(),
        "a refused transaction leaves the ruleset byte for byte"
    );
    assert!(
        lab.ping(1, GUEST_IP[0]),
        "and traffic is still filtered by the old ruleset"
    );

    // nft's complaint about a rule maps back to the filter rule it came
    // from: put a bridge conntrack match (refused here) on a rule that has
    // an origin.
    let mut port = library.port("no-mac-spoofing", guest0_vars(), "vnet0", 1);
    let rule = port
        .chains
        .bridge
        .iter_mut()
        .flat_map(|chain| chain.rules.iter_mut())
        .find(|rule| rule.origin.is_some())
        .expect("a rule made from the filter");
    rule.matches.push(nft::Match {
        left: nft::Expr::Ct(nft::Ct::State),
        negated: false,
        right: nft::Rhs::CtStates(1),
    });
    let origin = rule.origin;
    let (script, origins) = ruleset::apply_script_traced(&[port]);
    let output = lab.load(&script);
    assert!(!output.status.success());
    let errors = nft_error::parse(&String::from_utf8_lossy(&output.stderr), &origins);
    assert!(
        errors
            .iter()
            .any(|error| error.origin.is_some() && error.origin == origin),
        "{errors:?}"
    );
    assert_eq!(before, lab.ruleset());
}

#[test]
fn netns_bind_and_unbind_touch_one_interface() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let library = Library::load(&[STATEFUL]);
    let guest1_vars = vars(&[("MAC", GUEST_MAC[1]), ("IP", GUEST_IP[1])]);

    // Bind guest 0 into an empty ruleset.
    let state = lab.installed();
    assert!(!state.installed.tables);
    let id0 = plan::free_id(&state.installed).expect("ids are free");
    let port0 = library.port("clean-traffic", guest0_vars(), "vnet0", id0);
    lab.apply(&plan::bind_script(&state.installed, None, &port0));
    let base_with_one = lab.base_chains();

    // Bind guest 1: the script is the same whether or not guest 0 is bound.
    let state = lab.installed();
    let id1 = plan::free_id(&state.installed).expect("ids are free");
    assert_ne!(id0, id1);
    let port1 = library.port("no-mac-spoofing", guest1_vars.clone(), "vnet1", id1);
    let script = plan::bind_script(&state.installed, None, &port1);
    let alone = plan::Installed {
        tables: true,
        ..plan::Installed::default()
    };
    assert_eq!(script, plan::bind_script(&alone, None, &port1));
    lab.apply(&script);
    assert_eq!(base_with_one, lab.base_chains(), "base chains do not grow");

    assert!(lab.ping(0, GUEST_IP[1]), "both guests talk");
    lab.set_guest_mac(1, "52:54:00:77:00:98");
    assert!(!lab.ping(1, GUEST_IP[0]), "guest 1 is filtered");
    lab.set_guest_mac(1, GUEST_MAC[1]);

    // Re-bind guest 1 with the stateful filter, in place.
    let state = lab.installed();
    let previous = state.ports.get("vnet1").expect("vnet1 is installed");
    let port1 = library.port("nwf-test-stateful", guest1_vars, "vnet1", previous.id);
    lab.apply(&plan::bind_script(&state.installed, Some(previous), &port1));
    assert!(!lab.ping(0, GUEST_IP[1]), "guest 1 now drops ICMP");
    assert!(lab.tcp(1, None, 0, 8086), "and lets its own TCP out");

    // Unbind guest 0: its traffic is no longer filtered, guest 1's still is.
    assert!(lab.guest(0, &["ip", "addr", "add", "10.77.0.9/24", "dev", "eth0"]));
    let spoofed_ping_to_host = || {
        lab.guest(
            0,
            &[
                "ping",
                "-c",
                "2",
                "-i",
                "0.2",
                "-W",
                "1",
                "-I",
                "10.77.0.9",
                "10.77.0.254",
            ],
        )
    };
    assert!(
        !spoofed_ping_to_host(),
        "guest 0 is filtered before unbinding"
    );
    let state = lab.installed();
    let previous = state.ports.get("vnet0").expect("vnet0 is installed");
    lab.apply(&plan::unbind_script(previous));
    assert!(
        !lab.installed().ports.contains_key("vnet0"),
        "nothing of vnet0 is left"
    );
    assert!(
        spoofed_ping_to_host(),
        "guest 0 is unfiltered after unbinding"
    );
    assert!(!lab.ping(0, GUEST_IP[1]), "guest 1 still drops ICMP");
    assert_eq!(base_with_one, lab.base_chains(), "base chains unchanged");
}

/// Runs the real `nwf` binary inside the lab's bridge namespace.
fn nwf_in(lab: &Lab, args: &[&str]) -> Output {
    let mut full = vec![
        "ip",
        "netns",
        "exec",
        &lab.bridge,
        env!("CARGO_BIN_EXE_nwf"),
    ];
    full.extend_from_slice(args);
    run(&full)
}

fn binding_xml(interface: &str, mac: &str, filter: &str, ip: &str) -> String {
    format!(
        "<filterbinding>\n  <owner><name>vm-{interface}</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>\n  \
         <portdev name='{interface}'/>\n  <mac address='{mac}'/>\n  <filterref filter='{filter}'>\n    \
         <parameter name='IP' value='{ip}'/>\n  </filterref>\n</filterbinding>\n"
    )
}

#[test]
fn netns_cli_apply_bind_unbind_flush() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let dir = std::env::temp_dir().join(format!("nwf-cli-{}", lab.bridge));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let vm0 = dir.join("vm0.xml");
    let vm1 = dir.join("vm1.xml");
    std::fs::write(
        &vm0,
        binding_xml("vnet0", GUEST_MAC[0], "clean-traffic", GUEST_IP[0]),
    )
    .expect("write");
    std::fs::write(
        &vm1,
        binding_xml("vnet1", GUEST_MAC[1], "clean-traffic", GUEST_IP[1]),
    )
    .expect("write");
    let (vm0, vm1) = (
        vm0.to_string_lossy().into_owned(),
        vm1.to_string_lossy().into_owned(),
    );

    // Someone else's table, which nwf must never touch.
    lab.apply("table inet other {\n\tchain c {\n\t\tmeta mark 0x7 counter\n\t}\n}\n");
    let foreign = || {
        let output = run(&[
            "ip",
            "netns",
            "exec",
            &lab.bridge,
            "nft",
            "list",
            "table",
            "inet",
            "other",
        ]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let foreign_before = foreign();

    let output = nwf_in(&lab, &["apply", &vm0]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(lab.ping(0, GUEST_IP[1]));
    lab.set_mac("52:54:00:77:00:99");
    assert!(!lab.ping(0, GUEST_IP[1]), "nwf apply filters guest 0");
    lab.set_mac(GUEST_MAC[0]);

    let output = nwf_in(&lab, &["bind", &vm1]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status = String::from_utf8_lossy(&nwf_in(&lab, &["status"]).stdout).into_owned();
    assert!(
        status.contains("vnet0  port 1") && status.contains("vnet1  port 2"),
        "{status}"
    );

    let output = nwf_in(&lab, &["unbind", "vnet0"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    lab.set_mac("52:54:00:77:00:99");
    assert!(
        lab.guest(
            0,
            &["ping", "-c", "2", "-i", "0.2", "-W", "1", "10.77.0.254"]
        ),
        "guest 0 unfiltered"
    );
    lab.set_mac(GUEST_MAC[0]);

    assert!(nwf_in(&lab, &["flush"]).status.success());
    assert!(!nwf_in(&lab, &["status"]).stdout.is_empty());
    assert_eq!(foreign_before, foreign(), "nwf leaves other tables alone");
    let ruleset = lab.ruleset();
    assert!(
        !ruleset.contains(" nwf "),
        "flush removes nwf's tables: {ruleset}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Python program that exits 0 when a UDP datagram arrives on `port`
/// within three seconds.
fn udp_listener(port: u16) -> String {
    format!(
        "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
         s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n\
         s.bind(('0.0.0.0',{port}))\nprint('ready',flush=True)\ns.settimeout(3)\n\
         try:\n  s.recvfrom(100); sys.exit(0)\nexcept Exception: sys.exit(1)\n"
    )
}

/// A Python program sending one UDP datagram from `sport` to `dst`:`dport`
/// through the normal socket layer.
fn udp_sender(sport: u16, dst: &str, dport: u16) -> String {
    format!(
        "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
         s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n\
         s.bind(('0.0.0.0',{sport}))\nimport time\nfor _ in range(5): s.sendto(b'nwf',('{dst}',{dport})); time.sleep(0.1)\n"
    )
}

/// A Python program writing one raw Ethernet frame on `eth0` carrying
/// UDP from 0.0.0.0:`sport` to 255.255.255.255:`dport` (a DHCP request's
/// addressing), from MAC `mac`.
fn dhcp_like_frame(mac: &str, sport: u16, dport: u16) -> String {
    format!(
        "import socket,struct\n\
         def csum(b):\n  b=b+b'\\0'*(len(b)%2)\n  s=sum(struct.unpack('!%dH'%(len(b)//2),b))\n  s=(s>>16)+(s&0xffff); s+=s>>16\n  return ~s&0xffff\n\
         payload=b'nwf'\nudp=struct.pack('!HHHH',{sport},{dport},8+len(payload),0)+payload\n\
         ip=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(udp),1,0,64,17,0,bytes(4),b'\\xff'*4)\n\
         ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]\n\
         eth=b'\\xff'*6+bytes.fromhex('{mac_hex}')+b'\\x08\\x00'\n\
         s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(('eth0',0))\n\
         for _ in range(3): s.send(eth+ip+udp)\n",
        mac_hex = mac.replace(':', "")
    )
}

impl Lab {
    /// Whether a datagram sent by `send` (run in guest `from`) reaches a
    /// listener on `port` in guest `to`.
    fn udp_reaches(&self, from: usize, send: &str, to: usize, port: u16) -> bool {
        let mut listener = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.guests[to],
                "python3",
                "-c",
                &udp_listener(port),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        wait_ready(&mut listener);
        assert!(self.guest(from, &["python3", "-c", send]), "sender runs");
        listener.wait().expect("listener finishes").success()
    }
}

const INCOMING_ONLY: &str = "<filter name='nwf-test-incoming' chain='root'>
  <filterref filter='allow-incoming-ipv4'/>
  <rule action='accept' direction='inout'><mac protocolid='arp'/></rule>
  <rule action='drop' direction='inout' priority='1000'/>
</filter>";

#[test]
fn netns_allow_incoming_ipv4() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[INCOMING_ONLY]).script("nwf-test-incoming", guest0_vars()));
    assert!(
        lab.udp_reaches(1, &udp_sender(40000, GUEST_IP[0], 5000), 0, 5000),
        "IPv4 to the guest passes"
    );
    assert!(
        !lab.udp_reaches(0, &udp_sender(40001, GUEST_IP[1], 5001), 1, 5001),
        "IPv4 from the guest is dropped"
    );
}

const DHCP_ONLY: &str = "<filter name='nwf-test-dhcp' chain='root'>
  <filterref filter='allow-dhcp'/>
  <rule action='accept' direction='inout'><mac protocolid='arp'/></rule>
  <rule action='drop' direction='inout' priority='1000'/>
</filter>";

#[test]
fn netns_allow_dhcp() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&Library::load(&[DHCP_ONLY]).script("nwf-test-dhcp", guest0_vars()));
    assert!(
        lab.udp_reaches(0, &dhcp_like_frame(GUEST_MAC[0], 68, 67), 1, 67),
        "a DHCP request (0.0.0.0:68 -> broadcast:67) leaves the guest"
    );
    assert!(
        lab.udp_reaches(1, &udp_sender(67, GUEST_IP[0], 68), 0, 68),
        "a DHCP reply (from port 67 to port 68) reaches the guest"
    );
    // allow-dhcp's `ipv4` chain has no final rule, so other IPv4 falls off
    // its end and is accepted there (libvirt's ACCEPT policy): the root
    // drop at 1000 never sees it (what NWF215 warns about).
    assert!(
        lab.udp_reaches(0, &dhcp_like_frame(GUEST_MAC[0], 68, 5002), 1, 5002),
        "other broadcast UDP from 0.0.0.0 falls off the ipv4 chain and passes"
    );
    assert!(
        lab.udp_reaches(1, &udp_sender(5003, GUEST_IP[0], 68), 0, 68),
        "so does UDP from another port"
    );
}

#[test]
fn netns_clean_traffic_gateway() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let bridge_mac = {
        let output = run(&[
            "ip",
            "netns",
            "exec",
            &lab.bridge,
            "cat",
            "/sys/class/net/br0/address",
        ]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let mut vars = guest0_vars();
    vars.insert("GATEWAY_MAC".to_owned(), vec![bridge_mac]);
    lab.apply(&Library::load(&[]).script("clean-traffic-gateway", vars));
    assert!(
        lab.ping(0, "10.77.0.254"),
        "traffic to and from the gateway passes"
    );
    assert!(
        !lab.ping(0, GUEST_IP[1]),
        "traffic to another guest is dropped"
    );
    assert!(
        !lab.ping(1, GUEST_IP[0]),
        "traffic from another guest is dropped"
    );
}

#[test]
fn netns_apply_check_reports_drift_for_every_example() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut bindings: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            name.ends_with(".binding.xml")
                || path
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("nwf"))
        })
        .collect();
    bindings.sort();
    assert!(!bindings.is_empty());
    for binding in bindings {
        // Each example exists in both forms, and a workspace may define a
        // filter only once: a `NAME.binding.xml` takes its filters from
        // `NAME.xml`; a `.nwf` example holds its filters and its binding.
        let mut sources: Vec<String> = Vec::new();
        if let Some(stem) = binding
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".binding.xml"))
        {
            sources.push("--filter-dir".to_owned());
            sources.push(
                examples
                    .join(format!("{stem}.xml"))
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        let binding = binding.to_string_lossy().into_owned();
        let with_sources = |command: &[&str]| -> Vec<String> {
            let mut args: Vec<String> = command.iter().map(|&arg| arg.to_owned()).collect();
            args.extend(sources.iter().cloned());
            args.push(binding.clone());
            args
        };
        let check = |expect_same: bool| {
            let args = with_sources(&["apply", "--check"]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = nwf_in(&lab, &args);
            let code = output.status.code();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            if expect_same {
                assert_eq!(
                    code,
                    Some(0),
                    "{binding}: {stdout}{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                assert!(
                    stdout.is_empty(),
                    "{binding}: no difference expected:\n{stdout}"
                );
            } else {
                assert_eq!(
                    code,
                    Some(1),
                    "{binding}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                assert!(
                    stdout.contains("+table bridge nwf"),
                    "{binding}: the diff shows the tables to add:\n{stdout}"
                );
            }
        };
        // Nothing of this binding is installed yet: --check reports the
        // difference and exits 1; after `apply` the kernel matches it.
        let _ = nwf_in(&lab, &["flush"]);
        check(false);
        let args = with_sources(&["apply"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let applied = nwf_in(&lab, &args);
        assert!(
            applied.status.success(),
            "{binding}: {}",
            String::from_utf8_lossy(&applied.stderr)
        );
        check(true);
    }
}

/// The filters of an instantiation case (`crates/backend/tests/instantiate/CASE/`,
/// every file but the binding).
fn case_filters(case: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/backend/tests/instantiate")
        .join(case);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("case folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .filter(|path| path.file_stem().is_some_and(|stem| stem != "binding"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("readable"))
        .collect()
}

fn case_script(case: &str, filter: &str) -> String {
    let texts = case_filters(case);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Library::load(&texts).script(filter, guest0_vars())
}

/// libvirt's sub-chains have the ACCEPT policy: IPv4 to the guest that
/// the `ipv4` sub-chain does not decide is accepted, and the root chain's
/// later IPv4 drop never sees it; from the guest there is no jump (the
/// sub-chain has no `out` rules), so the root chain's TCP drop applies.
#[test]
fn netns_subchain_fall_off_accepts() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&case_script("fall-off", "nwf-fall-off"));
    assert!(
        lab.ping(1, GUEST_IP[0]),
        "IPv4 to the guest falls off the sub-chain and is accepted"
    );
    assert!(lab.ping(0, GUEST_IP[1]), "so do the replies to the guest");
    assert!(
        !lab.tcp(0, None, 1, 8088),
        "TCP from the guest meets the root chain's drop"
    );
}

/// Layer-3 rules of root-chain filters run first: the root drop of TCP
/// (priority 500) beats the sub-filter's accept of port 8086 (priority
/// 100), and the root accept of port 8087 (priority 400) comes before it.
#[test]
fn netns_layer3_root_rules_first() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    lab.apply(&case_script("l3-order", "nwf-l3-order"));
    assert!(lab.tcp(1, None, 0, 8087), "the root accept runs first");
    assert!(
        !lab.tcp(1, None, 0, 8086),
        "the root drop runs before the sub-filter's accept"
    );
    assert!(lab.ping(1, GUEST_IP[0]), "ICMP has no rule and passes");
}

const DROP_UDP_OUT: &str = "<filter name='nwf-test-drop-udp-out' chain='root'>
  <rule action='drop' direction='out'><udp dstportstart='5002'/></rule>
</filter>";
const ACCEPT_UDP_IN: &str = "<filter name='nwf-test-accept-udp-in' chain='root'>
  <rule action='accept' direction='in'><udp/></rule>
</filter>";

/// Both guests bound: the sender's `out` rules run before the receiver's
/// `in` rules, as libvirt's FORWARD jumps to the `--physdev-in` chains
/// first, so the receiver's accept cannot skip the sender's drop.
#[test]
fn netns_sender_rules_run_before_receiver_accept() {
    if cannot_run().is_some() {
        return;
    }
    let lab = Lab::new();
    let library = Library::load(&[DROP_UDP_OUT, ACCEPT_UDP_IN]);
    let guest1_vars = vars(&[("MAC", GUEST_MAC[1]), ("IP", GUEST_IP[1])]);
    lab.apply(&ruleset::apply_script(&[
        library.port("nwf-test-drop-udp-out", guest0_vars(), "vnet0", 1),
        library.port("nwf-test-accept-udp-in", guest1_vars, "vnet1", 2),
    ]));
    assert!(
        !lab.udp_reaches(0, &udp_sender(40002, GUEST_IP[1], 5002), 1, 5002),
        "guest 0's drop applies although guest 1 accepts"
    );
    assert!(
        lab.udp_reaches(0, &udp_sender(40003, GUEST_IP[1], 5003), 1, 5003),
        "another port passes both"
    );
}
