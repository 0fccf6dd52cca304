//! Locates libvirt's reference corpus in place: `NWF_LIBVIRT_REF`, or
//! `<repo>/../shared/reference/libvirt`. When it is missing a test prints
//! that it is skipped, and fails if `CI=true`.

use std::path::{Path, PathBuf};

pub fn libvirt_ref() -> Option<PathBuf> {
    let dir = std::env::var_os("NWF_LIBVIRT_REF").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/libvirt"),
        PathBuf::from,
    );
    if dir.join("tests/nwfilterxml2xmlin").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "libvirt reference corpus not found at {} (set NWF_LIBVIRT_REF)",
        dir.display()
    );
    eprintln!(
        "skipped: libvirt reference corpus not found at {} (set NWF_LIBVIRT_REF)",
        dir.display()
    );
    None
}

/// The `*.xml` files of `dir`, sorted by name.
#[allow(dead_code)]
pub fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    files.sort();
    files
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}
