//! The cases of `tests/cli/refused/` and the three places a case's filter
//! source can be put, shared by the CLI suite (diagnostics, exit codes) and
//! the netns suite (the kernel's ruleset stays as it was).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `tests/cli/`, the directory commands run in.
pub fn cli_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli")
}

/// The binding every case is applied with, relative to `tests/cli/`: it
/// binds `vnet0` to the filter `probe` each case defines (or fails to).
pub const BINDING: &str = "fixtures/refused/probe-binding.xml";

/// Where a case's filter source is put.
#[derive(Clone, Copy, Debug)]
pub enum Place {
    /// libvirt's filter directory (`NWF_SYSTEM_FILTER_DIR`).
    SystemDir,
    /// `--filter-dir`.
    FilterDir,
    /// The command line, beside the binding.
    CommandLine,
}

pub const PLACES: [Place; 3] = [Place::SystemDir, Place::FilterDir, Place::CommandLine];

/// Every case file, sorted.
pub fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cli_dir().join("refused"))
        .expect("tests/cli/refused exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "xml" || ext == "nwf")
        })
        .collect();
    cases.sort();
    cases
}

/// A case copied alone into a folder of its own under `root`, so that the
/// folder can serve as a filter directory.
pub struct Staged {
    pub name: String,
    pub dir: PathBuf,
    pub file: PathBuf,
}

pub fn stage(case: &Path, root: &Path) -> Staged {
    let name = case
        .file_stem()
        .expect("a file")
        .to_string_lossy()
        .into_owned();
    let dir = root.join(&name);
    std::fs::create_dir_all(&dir).expect("case folder");
    let file = dir.join(case.file_name().expect("a file"));
    std::fs::copy(case, &file).expect("case copied");
    Staged { name, dir, file }
}

impl Staged {
    /// Adds the binding and the case in `place` to `command` (whose
    /// subcommand and options are already given).
    pub fn place(&self, command: &mut Command, place: Place) {
        match place {
            Place::SystemDir => {
                command.env("NWF_SYSTEM_FILTER_DIR", &self.dir).arg(BINDING);
            }
            Place::FilterDir => {
                command.arg("--filter-dir").arg(&self.dir).arg(BINDING);
            }
            Place::CommandLine => {
                command.arg(BINDING).arg(&self.file);
            }
        }
    }
}
