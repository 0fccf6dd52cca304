//! What every differential test sets up: a work folder of the run's own,
//! the filter folder both backends read, the topology and its probes, the
//! two host namespaces and the private libvirtd.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::backend::{Backend, Probes};
use crate::daemon::{self, Libvirtd};
use crate::lab::{self, Netns, Topology, run};
use crate::{STOCK_FILTERS, here};

/// A directory of the run's own, removed at the end.
pub struct WorkDir(pub PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The filter folder both backends read: libvirt's stock filters and the
/// project's own test filters.
fn filter_folder(work: &Path) -> Result<PathBuf, String> {
    let dir = work.join("filters");
    daemon::copy_dir(Path::new(STOCK_FILTERS), &dir)?;
    daemon::copy_dir(&here().join("filters"), &dir)?;
    Ok(dir)
}

/// What every differential test sets up: a work folder, the filters, the
/// topology and its probes, the two host namespaces and the private libvirtd.
pub struct Prepared {
    pub topo: Topology,
    pub topology_path: PathBuf,
    pub program: PathBuf,
    pub probes_path: PathBuf,
    pub order: Vec<String>,
    pub filters: PathBuf,
    // Dropped in this order: the daemon before its namespace.
    pub daemon: Libvirtd,
    pub libvirt_host: Netns,
    pub nwf_host: Netns,
    pub work: WorkDir,
}

impl Prepared {
    pub fn new(prefix: &str) -> Prepared {
        let tag = format!("{prefix}-{}", std::process::id());
        let work = WorkDir(std::env::temp_dir().join(&tag));
        let _ = std::fs::remove_dir_all(&work.0);
        std::fs::create_dir_all(&work.0).expect("work dir");
        let filters = filter_folder(&work.0).expect("filter folder");
        let topology_path = here().join("topology.json");
        let topo =
            Topology::parse(&std::fs::read_to_string(&topology_path).expect("topology.json"))
                .expect("topology.json is valid");
        let program = here().join("probe.py");
        let probes_path = work.0.join("probes.json");
        run(Command::new("/usr/bin/python3")
            .arg(&program)
            .arg("build")
            .arg(&topology_path)
            .arg(&probes_path))
        .expect("building the probes");
        let order = probe_order(&probes_path);
        let libvirt_host = lab::host(format!("{tag}-lv"), &topo).expect("libvirt's namespace");
        let nwf_host = lab::host(format!("{tag}-nwf"), &topo).expect("nwf's namespace");
        let daemon = Libvirtd::start(&libvirt_host.name, &work.0.join("libvirtd"), &filters)
            .expect("private libvirtd");
        Prepared {
            topo,
            topology_path,
            program,
            probes_path,
            order,
            filters,
            daemon,
            libvirt_host,
            nwf_host,
            work,
        }
    }

    pub fn probes<'a>(&'a self, set: &'a Path) -> Probes<'a> {
        Probes {
            program: &self.program,
            set,
            topology: &self.topology_path,
        }
    }

    pub fn nwf(&self) -> Backend<'_> {
        Backend::Nwf {
            binary: Path::new(env!("CARGO_BIN_EXE_nwf")),
            filter_dir: &self.filters,
        }
    }
}

/// The probe ids in sending order, from the built probe set.
pub fn probe_order(probes: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(probes).expect("probe set was built");
    let value: serde_json::Value = serde_json::from_str(&text).expect("probe set is JSON");
    value
        .as_array()
        .expect("probe set is a list")
        .iter()
        .map(|probe| probe["id"].as_str().expect("probe id").to_owned())
        .collect()
}
