//! The world a request sees: the [`Workspace`] of nwf-syntax (every file of
//! the editor's folders, the open documents, the stock filters) and, for
//! each of its files, the URI the editor knows it by.
//!
//! The world is brought up to date with the editor before every request
//! ([`World::sync`]); it holds no LSP types beyond URIs and answers in byte
//! offsets, which [`crate::convert`] turns into positions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use nwf_syntax::ir::Document as Ir;
use nwf_syntax::workspace::{SourceFile, Workspace};
use nwf_syntax::{FileId, Span};
use tower_lsp_server::ls_types::{FileChangeType, Location, Uri};

use crate::convert::TextRef;
use crate::documents::{Document, SourceKind};
use crate::scan;
use crate::state::EditorSnapshot;

/// Where a file's text comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Open in the editor: the editor's text wins over the disk.
    Open { version: i32 },
    /// Read from a workspace folder.
    Disk,
    /// A stock filter embedded in nwf, materialised read-only on disk.
    Stock,
}

#[derive(Clone, Debug)]
pub struct FileMeta {
    pub uri: Uri,
    pub kind: SourceKind,
    pub origin: Origin,
    /// The open document's text, to tell a new text from one already set.
    text: Option<Arc<str>>,
}

#[derive(Debug, Default)]
pub struct World {
    pub workspace: Workspace,
    meta: HashMap<FileId, FileMeta>,
    by_uri: HashMap<Uri, FileId>,
    /// The editor's workspace folders.
    pub roots: Vec<PathBuf>,
}

/// One file as a handler sees it.
#[derive(Clone, Copy)]
pub struct FileView<'a> {
    pub id: FileId,
    pub uri: &'a Uri,
    pub kind: SourceKind,
    pub origin: Origin,
    pub source: &'a SourceFile,
}

impl<'a> FileView<'a> {
    pub fn text(self) -> &'a str {
        self.source.text()
    }

    pub fn ir(self) -> &'a Ir {
        self.source.document()
    }

    pub fn text_ref(self) -> TextRef<'a> {
        TextRef {
            text: self.source.text(),
            index: self.source.line_index(),
        }
    }
}

/// The path the workspace files a URI under: the file path for `file:`
/// URIs, the URI itself otherwise (untitled buffers), so that every URI
/// has a distinct, stable path.
fn path_of(uri: &Uri) -> PathBuf {
    crate::convert::file_path(uri).unwrap_or_else(|| PathBuf::from(uri.as_str()))
}

impl World {
    /// Sets (or replaces) a file's text and re-analyses it.
    pub fn set_file(&mut self, uri: &Uri, text: &str, kind: SourceKind, origin: Origin) -> FileId {
        let path = path_of(uri);
        let id = self.workspace.id_for(&path);
        let (document, diagnostics) = parse(id, kind, text);
        let id =
            self.workspace
                .set_document(path, text, document, diagnostics, origin == Origin::Stock);
        self.by_uri.insert(uri.clone(), id);
        self.meta.insert(
            id,
            FileMeta {
                uri: uri.clone(),
                kind,
                origin,
                text: None,
            },
        );
        id
    }

    pub fn remove_file(&mut self, uri: &Uri) {
        if let Some(id) = self.by_uri.remove(uri) {
            self.meta.remove(&id);
            self.workspace.remove_file(&path_of(uri));
        }
    }

    /// Adds a file found on disk, unless the editor has it open.
    pub fn load_disk_file(&mut self, uri: &Uri, text: &str, kind: SourceKind) {
        if !self.is_open(uri) {
            self.set_file(uri, text, kind, Origin::Disk);
        }
    }

    /// Drops the files read from disk under any of `roots`.
    pub fn forget_disk_files_under(&mut self, roots: &[PathBuf]) {
        let gone: Vec<Uri> = self
            .meta
            .values()
            .filter(|meta| meta.origin == Origin::Disk)
            .filter(|meta| {
                crate::convert::file_path(&meta.uri)
                    .is_some_and(|path| roots.iter().any(|root| path.starts_with(root)))
            })
            .map(|meta| meta.uri.clone())
            .collect();
        for uri in gone {
            self.remove_file(&uri);
        }
    }

    fn is_open(&self, uri: &Uri) -> bool {
        self.by_uri
            .get(uri)
            .and_then(|id| self.meta.get(id))
            .is_some_and(|meta| matches!(meta.origin, Origin::Open { .. }))
    }

    /// Reads `uri` from disk again (after it was closed or changed on
    /// disk); drops it when it is gone or no longer a filter file.
    fn reload_from_disk(&mut self, uri: &Uri) {
        let scanned = crate::convert::file_path(uri)
            .filter(|path| self.roots.iter().any(|root| path.starts_with(root)))
            .and_then(|path| scan::read_candidate(&path));
        match scanned {
            Some(file) => {
                self.set_file(uri, &file.text, file.kind, Origin::Disk);
            }
            None => self.remove_file(uri),
        }
    }

    /// Applies what changed in the editor since the last sync.
    pub fn sync(&mut self, snapshot: EditorSnapshot) {
        for uri in &snapshot.pending.closed {
            if snapshot.documents.iter().all(|(open, _)| open != uri) {
                self.reload_from_disk(uri);
            }
        }
        for event in &snapshot.pending.disk_events {
            if self.is_open(&event.uri) {
                continue;
            }
            if event.typ == FileChangeType::DELETED {
                self.remove_file(&event.uri);
            } else {
                self.reload_from_disk(&event.uri);
            }
        }
        for (uri, document) in snapshot.documents {
            self.sync_open(&uri, &document);
        }
    }

    fn sync_open(&mut self, uri: &Uri, document: &Document) {
        let current = self.by_uri.get(uri).and_then(|id| self.meta.get(id));
        if let Some(meta) = current {
            let same_text = meta
                .text
                .as_ref()
                .is_some_and(|text| Arc::ptr_eq(text, &document.text));
            if same_text {
                return;
            }
        }
        // An open XML file that is not a libvirt document is not ours; one
        // that was stays ours while open, however broken its root becomes
        // during an edit.
        if current.is_none()
            && document.kind == SourceKind::Xml
            && !scan::is_nwf_xml(&document.text)
        {
            return;
        }
        let id = self.set_file(
            uri,
            &document.text,
            document.kind,
            Origin::Open {
                version: document.version,
            },
        );
        if let Some(meta) = self.meta.get_mut(&id) {
            meta.text = Some(Arc::clone(&document.text));
        }
    }

    pub fn file(&self, id: FileId) -> Option<FileView<'_>> {
        let meta = self.meta.get(&id)?;
        Some(FileView {
            id,
            uri: &meta.uri,
            kind: meta.kind,
            origin: meta.origin,
            source: self.workspace.get_file(id)?,
        })
    }

    pub fn file_by_uri(&self, uri: &Uri) -> Option<FileView<'_>> {
        self.file(*self.by_uri.get(uri)?)
    }

    pub fn files(&self) -> impl Iterator<Item = FileView<'_>> {
        self.meta.keys().filter_map(|&id| self.file(id))
    }

    /// The LSP location of a span of a file.
    pub fn location(&self, id: FileId, span: Span) -> Option<Location> {
        let file = self.file(id)?;
        Some(Location::new(file.uri.clone(), file.text_ref().range(span)))
    }
}

impl crate::convert::FileLookup for World {
    fn file(&self, file: FileId) -> Option<(Uri, TextRef<'_>)> {
        let view = World::file(self, file)?;
        Some((view.uri.clone(), view.text_ref()))
    }
}

/// Runs the front end that reads `kind`.
fn parse(id: FileId, kind: SourceKind, text: &str) -> (Ir, Vec<nwf_syntax::Diagnostic>) {
    match kind {
        SourceKind::Xml => nwf_syntax::xml::parse_xml(id, text),
        SourceKind::Text => nwf_syntax::text::parse_text(id, text),
    }
}
