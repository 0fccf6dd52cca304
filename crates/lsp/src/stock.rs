//! The stock filters (libvirt's predefined filters, embedded in nwf) as
//! part of every workspace. They are written read-only under a cache
//! directory so that go-to-definition can open them like any file; the
//! analysis reads the embedded text, not the copy.
//!
//! Writing is best effort: when the cache cannot be written, the filters
//! are still analysed (their URIs then point at files that may not exist)
//! and the failure is reported to the client's log.

use std::fs;
use std::path::{Path, PathBuf};

use crate::documents::SourceKind;
use crate::world::{Origin, World};

/// `$XDG_CACHE_HOME/nwf/stock`, else `$HOME/.cache/nwf/stock`, else a
/// directory under the system's temporary directory.
pub fn default_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("nwf").join("stock")
}

/// Adds every stock filter to the world. `cache_dir` overrides
/// [`default_dir`]'s parent (`<cache_dir>/stock`).
pub fn load(world: &mut World, cache_dir: Option<&Path>) -> Result<(), String> {
    let dir = cache_dir.map_or_else(default_dir, |dir| dir.join("stock"));
    let mut failure = None;
    if let Err(err) = fs::create_dir_all(&dir) {
        failure = Some(format!("nwf: cannot create {}: {err}", dir.display()));
    }
    for stock in nwf_syntax::stock::FILTERS {
        let path = dir.join(stock.file_name());
        if failure.is_none() {
            if let Err(err) = materialise(&path, stock.source) {
                failure = Some(format!("nwf: cannot write {}: {err}", path.display()));
            }
        }
        let Some(uri) = crate::convert::file_uri(&path) else {
            continue;
        };
        world.set_file(&uri, stock.source, SourceKind::Xml, Origin::Stock);
    }
    failure.map_or(Ok(()), Err)
}

/// Writes `text` to `path` read-only, unless it already holds exactly that.
/// Goes through a temporary file and a rename, so that two servers starting
/// at once never see a half-written file.
fn materialise(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|current| current == text) {
        return Ok(());
    }
    let temporary = path.with_extension(format!("xml.{}.tmp", std::process::id()));
    fs::write(&temporary, text)?;
    let mut permissions = fs::metadata(&temporary)?.permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&temporary, permissions)?;
    fs::rename(&temporary, path)
}
