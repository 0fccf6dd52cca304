//! Differential test against real libvirt (needs root and libvirt's Debian
//! packages): every case of `tests/differential/cases/` is bound once with
//! libvirt's own nwfilter driver and once with `nwf apply`, each on an
//! identical topology of its own, the same probes are sent through both, and
//! every verdict must be the same.
//!
//! One private libvirtd (`differential/daemon.rs`) serves the whole run; the
//! two sides of a case run at the same time. The probe program
//! (`differential/probe.py`, scapy and `/usr/bin/python3`) sends frames,
//! receives them byte for byte in the other guest, and runs TCP, UDP and
//! ping exchanges. The run shows every differing probe of every case before
//! it fails. `docs/differential.md` has the details.
//!
//! Environment: `NWF_DIFFERENTIAL_ONLY=a,b` runs only these cases;
//! `NWF_DIFFERENTIAL_OUT=DIR` writes both sides' verdicts per case as JSON.
//! Without root, libvirt or scapy the test says loudly that it is skipped,
//! and fails when `CI=true`.

#[path = "differential/backend.rs"]
mod backend;
#[path = "differential/case.rs"]
mod case;
#[path = "differential/daemon.rs"]
mod daemon;
#[path = "differential/lab.rs"]
mod lab;
#[path = "differential/learning.rs"]
mod learning;
#[path = "differential/prepared.rs"]
mod prepared;
#[path = "differential/report.rs"]
mod report;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use backend::{Backend, SideRun, run_case};
use case::Case;
use lab::{Netns, Topology, run};
use prepared::Prepared;

/// Where libvirt's Debian package installs the stock filters.
const STOCK_FILTERS: &str = "/usr/share/libvirt/nwfilter";

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential")
}

/// Writes to the terminal at once: the test harness captures `eprintln!`
/// of a passing test, but a skip and the progress of a long run must show.
fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Why the test cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    if !is_root() {
        return Some("not root".to_owned());
    }
    for path in [
        daemon::LIBVIRTD,
        daemon::NWFILTER_DRIVER,
        "/usr/bin/virsh",
        "/usr/sbin/ebtables",
        "/usr/sbin/iptables",
        "/usr/sbin/ip6tables",
        "/etc/libvirt",
        STOCK_FILTERS,
    ] {
        if !Path::new(path).exists() {
            return Some(format!(
                "{path} is missing (scripts/setup installs libvirt's packages)"
            ));
        }
    }
    // libvirt runs /usr/sbin/ebtables; the legacy variant has no kernel
    // support here, so it must be ebtables-nft (Debian's default alternative).
    let mut ebtables = PathBuf::from("/usr/sbin/ebtables");
    while !ebtables.to_string_lossy().ends_with("-nft") {
        match std::fs::read_link(&ebtables) {
            Ok(target) => ebtables = ebtables.parent().unwrap_or(Path::new("/")).join(target),
            Err(_) => break,
        }
    }
    if !ebtables.to_string_lossy().ends_with("-nft") {
        return Some(format!(
            "/usr/sbin/ebtables is {}, not ebtables-nft",
            ebtables.display()
        ));
    }
    for tool in [["ip", "-V"], ["bridge", "-V"], ["nft", "--version"]] {
        if run(Command::new(tool[0]).arg(tool[1])).is_err() {
            return Some(format!("`{}` does not run", tool[0]));
        }
    }
    if run(Command::new("/usr/bin/python3").args(["-c", "import scapy.all"])).is_err() {
        return Some("/usr/bin/python3 has no scapy (python3-scapy)".to_owned());
    }
    None
}

/// Every stock filter must be bound by at least one case, so the set of
/// cases cannot shrink unnoticed.
fn check_coverage(cases: &[Case], problems: &mut Vec<String>) {
    let entries = std::fs::read_dir(STOCK_FILTERS).expect("checked as a prerequisite");
    let mut stock: Vec<String> = entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "xml").then_some(name)
        })
        .collect();
    stock.sort();
    if stock.len() < 24 {
        problems.push(format!(
            "{STOCK_FILTERS} has only {} filters, expected libvirt's 24",
            stock.len()
        ));
    }
    for name in stock {
        if !cases.iter().any(|case| case.filter == name) {
            problems.push(format!("no case binds the stock filter {name}"));
        }
    }
}

#[test]
fn differential_root_libvirt_nwf_agrees_with_libvirt() {
    if let Some(reason) = missing_prerequisite() {
        assert!(
            !in_ci(),
            "CI=true but the differential test cannot run: {reason}"
        );
        say(&format!(
            "\n*** SKIPPED differential_root_libvirt_*: {reason} ***\n"
        ));
        return;
    }
    let started = Instant::now();
    let mut cases = Case::load_all(&here().join("cases")).expect("cases parse");
    let mut problems = Vec::new();
    match std::env::var("NWF_DIFFERENTIAL_ONLY") {
        Ok(only) => {
            let wanted: Vec<&str> = only.split(',').collect();
            cases.retain(|case| wanted.contains(&case.name.as_str()));
            assert!(
                !cases.is_empty(),
                "NWF_DIFFERENTIAL_ONLY={only} names no case"
            );
            say(&format!(
                "note: only the cases {only} (NWF_DIFFERENTIAL_ONLY)\n"
            ));
        }
        Err(_) => check_coverage(&cases, &mut problems),
    }
    let out_dir = std::env::var_os("NWF_DIFFERENTIAL_OUT").map(PathBuf::from);

    let lab = Prepared::new("nwfdiff");
    let (work, topo, order, daemon) = (&lab.work, &lab.topo, &lab.order, &lab.daemon);
    let (libvirt_host, nwf_host) = (&lab.libvirt_host, &lab.nwf_host);
    let probes = lab.probes(&lab.probes_path);
    let libvirt = Backend::Libvirt(daemon);
    let nwf = lab.nwf();

    // the reports of the cases whose verdicts differ
    let mut failing: Vec<String> = Vec::new();
    let mut total_drops = 0;
    for case in &cases {
        let case_started = Instant::now();
        let binding = work.0.join(format!("{}.xml", case.name));
        std::fs::write(
            &binding,
            case.binding_xml(&topo.guests[0].port, &topo.guests[0].mac),
        )
        .expect("binding file");
        let side = |backend: &Backend, host: &Netns| {
            run_case(backend, host, topo, &probes, &binding)
                .map_err(|error| format!("{}: {error}", backend.name()))
        };
        let (lv, nv) = std::thread::scope(|scope| {
            let lv = scope.spawn(|| side(&libvirt, libvirt_host));
            let nv = side(&nwf, nwf_host);
            (lv.join().expect("libvirt side"), nv)
        });
        let (lv, nv): (SideRun, SideRun) = match (lv, nv) {
            (Ok(lv), Ok(nv)) => (lv, nv),
            (lv, nv) => {
                let errors: Vec<String> = [lv.err(), nv.err()].into_iter().flatten().collect();
                let message = format!("case {}: harness error: {}", case.name, errors.join("; "));
                say(&format!("{message}{}\n", daemon.log_tail()));
                problems.push(message);
                continue;
            }
        };
        if let Err(error) = &lv.bind {
            problems.push(format!(
                "case {}: libvirt refused the binding: {error}",
                case.name
            ));
        }
        for (name, side) in [("libvirt", &lv), ("nwf", &nv)] {
            let passed = side
                .control
                .values()
                .filter(|v| v.verdict == "pass")
                .count();
            if passed + 3 < order.len() {
                problems.push(format!(
                    "case {}: only {passed} of {} probes pass {name}'s control run",
                    case.name,
                    order.len()
                ));
            }
        }
        total_drops += lv
            .filtered
            .iter()
            .flat_map(|verdicts| verdicts.values())
            .filter(|v| v.verdict == "drop")
            .count();
        let comparison = report::compare(order, &lv, &nv);
        let text = report::render(case, &comparison, case_started.elapsed().as_secs_f64());
        say(&text);
        if !comparison.differences.is_empty() {
            failing.push(text);
        }
        if let Some(dir) = &out_dir {
            std::fs::create_dir_all(dir).expect("NWF_DIFFERENTIAL_OUT");
            let value = report::to_json(case, &lv, &nv, &comparison);
            std::fs::write(
                dir.join(format!("{}.json", case.name)),
                serde_json::to_string_pretty(&value).expect("JSON"),
            )
            .expect("writing NWF_DIFFERENTIAL_OUT");
        }
    }
    drop(lab);
    if total_drops == 0 {
        problems.push("libvirt dropped no probe in any case: nothing was filtered".to_owned());
    }
    let summary = format!(
        "differential: {} cases, {} with differing verdicts, {} problems, {:.0} s",
        cases.len(),
        failing.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    say(&format!("{summary}\n"));
    assert!(
        failing.is_empty() && problems.is_empty(),
        "{summary}\n{}\n{}",
        problems.join("\n"),
        failing.concat()
    );
}

/// IP address learning with `CTRL_IP_LEARNING='any'` (see
/// `differential/learning.rs`): the learning phase, then the learned
/// address in force, each phase probe by probe equal to libvirt's.
#[test]
fn differential_root_libvirt_learning_any_agrees_with_libvirt() {
    learning_differential(
        "any",
        "filter clean-traffic\nCTRL_IP_LEARNING = any\n",
        learning::teaches_nothing,
        "out-icmp",
    );
}

/// The same with `CTRL_IP_LEARNING='dhcp'` and a trusted server (the
/// host's address): the learning phase lets only DHCP through, the
/// teaching probe is a DHCPACK from the trusted server (`in-dhcp-ack`).
#[test]
fn differential_root_libvirt_learning_dhcp_agrees_with_libvirt() {
    learning_differential(
        "dhcp",
        "filter clean-traffic\nCTRL_IP_LEARNING = dhcp\nDHCPSERVER = 10.0.0.1\n",
        |probe, _| probe["id"] != "in-dhcp-ack",
        "in-dhcp-ack",
    );
}

fn learning_differential(
    mode: &str,
    case_text: &str,
    teaches_nothing: fn(&serde_json::Value, &str) -> bool,
    teach: &str,
) {
    if let Some(reason) = missing_prerequisite() {
        assert!(
            !in_ci(),
            "CI=true but the differential test cannot run: {reason}"
        );
        say(&format!(
            "\n*** SKIPPED differential_root_libvirt_learning_{mode}: {reason} ***\n"
        ));
        return;
    }
    let lab = Prepared::new(&format!("nwflearn-{mode}"));
    let guest_mac = lab.topo.guests[0].mac.clone();
    let learning_set = lab.work.0.join("learning.json");
    let teach_set = lab.work.0.join("teach.json");
    let learning_order = learning::subset(&lab.probes_path, &learning_set, |probe| {
        teaches_nothing(probe, &guest_mac)
    });
    learning::subset(&lab.probes_path, &teach_set, |probe| probe["id"] == teach);
    let phases = learning::Phases {
        all: lab.probes(&lab.probes_path),
        learning: lab.probes(&learning_set),
        teach: lab.probes(&teach_set),
    };
    let case = Case::parse(&format!("clean-traffic-learning-{mode}"), case_text).expect("case");
    let binding = lab.work.0.join("learning.xml");
    std::fs::write(
        &binding,
        case.binding_xml(&lab.topo.guests[0].port, &guest_mac),
    )
    .expect("binding");
    let libvirt = Backend::Libvirt(&lab.daemon);
    let nwf = lab.nwf();
    let (lv, nv) = std::thread::scope(|scope| {
        let lv = scope.spawn(|| {
            learning::run_learning(&libvirt, &lab.libvirt_host, &lab.topo, &phases, &binding)
        });
        let nv = learning::run_learning(&nwf, &lab.nwf_host, &lab.topo, &phases, &binding);
        (lv.join().expect("libvirt side"), nv)
    });
    let (lv, nv) = (
        lv.expect("libvirt's side runs"),
        nv.expect("nwf's side runs"),
    );
    assert!(
        lv.bind.is_ok() && nv.bind.is_ok(),
        "binding: libvirt {:?}, nwf {:?}",
        lv.bind,
        nv.bind
    );
    say(&format!(
        "learning ({mode}): libvirt held the address after {:?}, nwf after {:?}\n",
        lv.took, nv.took
    ));
    let mut failing = Vec::new();
    for (learned, order, name) in [
        (false, &learning_order, "learning phase"),
        (true, &lab.order, "learned"),
    ] {
        let comparison = report::compare(order, &lv.phase(learned), &nv.phase(learned));
        let text = report::render(&case, &comparison, 0.0).replacen(
            "case ",
            &format!("case ({name}) "),
            1,
        );
        say(&text);
        if !comparison.differences.is_empty() || comparison.compared == 0 {
            failing.push(text);
        }
    }
    assert!(failing.is_empty(), "{}", failing.concat());
}

/// The case data on its own, without root: every case parses and binds a
/// filter that exists, every stock filter nwf embeds is bound by a case,
/// every project filter parses without errors and is bound or referenced.
#[test]
fn differential_cases_are_well_formed() {
    let cases = Case::load_all(&here().join("cases")).expect("cases parse");
    let mut project = Vec::new();
    let entries = std::fs::read_dir(here().join("filters")).expect("filters folder");
    for entry in entries {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let (document, diagnostics) = nwf_syntax::xml::parse_xml(nwf_syntax::FileId(0), &text);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let names: Vec<String> = document
            .filters()
            .map(|filter| filter.name.value.clone())
            .collect();
        assert_eq!(names.len(), 1, "{}: one filter per file", path.display());
        project.push((names[0].clone(), text));
    }
    for case in &cases {
        assert!(
            nwf_syntax::stock::get(&case.filter).is_some()
                || project.iter().any(|(name, _)| *name == case.filter),
            "case {}: no filter {}",
            case.name,
            case.filter
        );
    }
    for stock in nwf_syntax::stock::FILTERS {
        assert!(
            cases.iter().any(|case| case.filter == stock.name),
            "no case binds the stock filter {}",
            stock.name
        );
    }
    for (name, _) in &project {
        let quoted = format!("filter='{name}'");
        assert!(
            cases.iter().any(|case| case.filter == *name)
                || project.iter().any(|(_, text)| text.contains(&quoted)),
            "project filter {name} is neither bound by a case nor referenced"
        );
    }
    Topology::parse(&std::fs::read_to_string(here().join("topology.json")).expect("topology"))
        .expect("topology.json is valid");
}
