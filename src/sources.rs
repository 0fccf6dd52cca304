//! The one place `check`, `apply` and `bind` load their input: the stock
//! library, libvirt's filter directory, the `--filter-dir` folders and the
//! files named on the command line, into one [`Workspace`].
//!
//! Loading decides nothing about the input's quality; [`crate::verdict`]
//! does. What this module does decide is which files take part, so that the
//! command that checks and the commands that apply see the same filters.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use nwf_syntax::ir::Item;
use nwf_syntax::workspace::meaning::same_meaning;
use nwf_syntax::{FileId, Workspace, stock};

use crate::verdict::Policy;
use crate::{files, front_end};

/// The options `check`, `apply` and `bind` share: where more filters come
/// from, and what refuses the input.
#[derive(Clone, Debug, clap::Args)]
pub struct SourceArgs {
    /// Directories (or files) with filter definitions.
    #[arg(long = "filter-dir", value_name = "DIR")]
    pub filter_dirs: Vec<PathBuf>,
    /// Accept the warnings that make a rule match more than its text says
    /// (an unknown element or attribute, a dropped negation, ...), reading
    /// the filters as libvirt does. Errors are refused all the same.
    #[arg(long)]
    pub lenient: bool,
}

impl SourceArgs {
    pub fn policy(&self) -> Policy {
        Policy {
            lenient: self.lenient,
        }
    }
}

/// Where a command's filters come from, besides the stock library.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// The files (or folders) named on the command line: the bindings of
    /// `apply` and `bind`, the files `check` checks.
    pub given: Vec<PathBuf>,
    /// `--filter-dir` folders (or files) with more filter definitions.
    pub filter_dirs: Vec<PathBuf>,
    /// libvirt's filter directory, when it takes part.
    pub system_dir: Option<PathBuf>,
}

/// The loaded workspace and the ids of the files named on the command
/// line, in order.
pub struct Loaded {
    pub workspace: Workspace,
    pub given: Vec<FileId>,
}

/// libvirt's filter directory, `/etc/libvirt/nwfilter`, or
/// `$NWF_SYSTEM_FILTER_DIR` when set (empty: none), if it is a directory.
pub fn system_filter_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NWF_SYSTEM_FILTER_DIR")
        .map_or_else(|| PathBuf::from("/etc/libvirt/nwfilter"), PathBuf::from);
    (!dir.as_os_str().is_empty() && dir.is_dir()).then_some(dir)
}

impl Sources {
    /// The sources of `check`, `apply` and `bind`: the given files, the
    /// `--filter-dir` folders and libvirt's filter directory.
    pub fn with_system_dir(given: &[PathBuf], filter_dirs: &[PathBuf]) -> Sources {
        Sources {
            given: given.to_vec(),
            filter_dirs: filter_dirs.to_vec(),
            system_dir: system_filter_dir(),
        }
    }
}

/// Reads every source into one workspace. A file reached twice (a given
/// file that also lies in a filter folder) is read once, in the role of the
/// given file. I/O errors end the load: a filter that cannot be read might
/// be the one a binding needs.
pub fn load(sources: &Sources) -> Result<Loaded, String> {
    let mut workspace = Workspace::default();
    stock::load_into(&mut workspace);
    // nwf's learning filters, which bindings that learn their IP use.
    for (name, xml) in crate::learning::filters() {
        files::add_file(&mut workspace, PathBuf::from(format!("<nwf {name}>")), xml);
    }
    let given = files::expand_paths(&sources.given)?;
    let mut seen: HashSet<PathBuf> = given.iter().map(|path| identity(path)).collect();
    if let Some(dir) = &sources.system_dir {
        for path in files::expand_paths(std::slice::from_ref(dir))? {
            if seen.insert(identity(&path)) {
                let text = files::read(&path)?;
                add_system_file(&mut workspace, path, text);
            }
        }
    }
    for path in files::expand_paths(&sources.filter_dirs)? {
        if seen.insert(identity(&path)) {
            let text = files::read(&path)?;
            files::add_file(&mut workspace, path, text);
        }
    }
    let mut ids = Vec::new();
    let mut given_seen = HashSet::new();
    for path in given {
        if given_seen.insert(identity(&path)) {
            let text = files::read(&path)?;
            ids.push(files::add_file(&mut workspace, path, text));
        }
    }
    Ok(Loaded {
        workspace,
        given: ids,
    })
}

/// The path that identifies a file, whichever way it was named.
fn identity(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Adds a file of libvirt's filter directory. A file that is libvirt's copy
/// of a stock filter (the same filter in meaning: comments, UUID and
/// spelled-out defaults aside) joins as a stock file: it replaces nothing,
/// so it neither gets the "replaces a stock filter" hint nor collides with a
/// user's own replacement in a `--filter-dir`.
fn add_system_file(workspace: &mut Workspace, path: PathBuf, text: String) -> FileId {
    let file = workspace.id_for(&path);
    let (document, diagnostics) = front_end::parse(file, &path, &text);
    let mut items = document
        .items
        .iter()
        .filter(|item| !matches!(item, Item::Comment(_)));
    let is_copy = match (items.next(), items.next()) {
        (Some(Item::Filter(filter)), None) if diagnostics.is_empty() => stock::FILTERS
            .iter()
            .find(|stock_filter| stock_filter.name == filter.name.value)
            .is_some_and(|stock_filter| {
                let (stock_document, _) = stock_filter.parse(file);
                stock_document
                    .filters()
                    .next()
                    .is_some_and(|stock| same_meaning(filter, stock))
            }),
        _ => false,
    };
    workspace.set_document(path, text, document, diagnostics, is_copy)
}
