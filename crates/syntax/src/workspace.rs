//! The workspace: every source file the user works on plus the stock filter
//! library, the index from filter names to definitions and references, and
//! the cross-file checks (codes `NWF2xx`).
//!
//! Incrementality, without a query engine: each file is parsed, and its
//! file-local facts and checks ([`facts`], [`rules`]) computed, once when it
//! is set; [`Workspace::set_file`] touches only that file. Everything that
//! crosses files (the name index, the variable needs of every filter through
//! its reference tree, the cross-file diagnostics) is one [`Analysis`] value
//! built lazily from the per-file facts on the first query after a change and
//! cached until the next change. Building it walks the facts and the
//! references, never the source text, so it stays cheap enough to redo on
//! every keystroke (see `benches/workspace.rs`).
//!
//! This module does not read files from disk, print, or render: callers hand
//! it text, and renderers (CLI, LSP, [`render`]) format its diagnostics.

mod analysis;
mod facts;
pub mod graph;
mod kinds;
pub mod meaning;
mod names;
pub mod render;
mod rules;
mod semantics;
mod values;
mod variables;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::diagnostic::Diagnostic;
use crate::ir::{Document, Filter, Item, ValueKind, VarAccess};
use crate::span::{FileId, LineCol, LineIndex, Span};

use analysis::{Analysis, Previous};
use facts::FileFacts;
pub use graph::{FilterTree, TreeNode, TreeNodeKind};

/// One file of the workspace: its text, what the front end made of it, and
/// what the analysis derived from it alone.
#[derive(Debug)]
pub struct SourceFile {
    id: FileId,
    path: PathBuf,
    text: String,
    line_index: LineIndex,
    is_stock: bool,
    document: Document,
    parse_diagnostics: Vec<Diagnostic>,
    facts: FileFacts,
    local_diagnostics: Vec<Diagnostic>,
}

impl SourceFile {
    pub fn id(&self) -> FileId {
        self.id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Whether the file is one of the stock (libvirt predefined) filters.
    pub fn is_stock(&self) -> bool {
        self.is_stock
    }

    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The front end's diagnostics for this file.
    pub fn parse_diagnostics(&self) -> &[Diagnostic] {
        &self.parse_diagnostics
    }

    /// Zero-based line and byte column of `offset`.
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.line_index.line_col(offset)
    }

    /// The filter defined by item `item` of the document, if it is one.
    fn filter(&self, item: u32) -> Option<&Filter> {
        match self.document.items.get(item as usize) {
            Some(Item::Filter(filter)) => Some(filter),
            _ => None,
        }
    }
}

/// A definition site: item `item` of the document of `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FilterKey {
    pub file: FileId,
    pub item: u32,
}

/// One place where a variable is read: `$NAME`, `$NAME[2]` or `$NAME[@1]`
/// as the value of an attribute of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarUse {
    /// The variable's name, without `$`.
    pub name: String,
    pub file: FileId,
    /// The span of the value text (`$IP`).
    pub span: Span,
    /// The filter whose rule reads it.
    pub filter: String,
    pub access: VarAccess,
    /// The kind of value the attribute takes, which the variable's values
    /// must have.
    pub kind: ValueKind,
    /// The start of the rule's span, which identifies the rule within `file`.
    pub rule: u32,
}

/// The set of source files and the stock library. See the module docs for
/// how it stays cheap to update.
#[derive(Debug, Default)]
pub struct Workspace {
    files: Vec<Option<SourceFile>>,
    by_path: HashMap<PathBuf, FileId>,
    analysis: OnceLock<Analysis>,
    /// The last analysis built and the files changed since, which the next
    /// build reuses what it can of.
    previous: Mutex<Option<Previous>>,
}

impl Workspace {
    /// Sets the text of the user file at `path` (adding it if new), parses
    /// it with the front end its extension selects (see [`parse`]) and
    /// invalidates what depends on it. Returns the file's id, stable for the life of the path.
    pub fn set_file(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> FileId {
        let path = path.into();
        let text = text.into();
        let id = self.id_for(&path);
        let (document, diagnostics) = parse(id, &path, &text);
        self.insert(id, path, text, document, diagnostics, false)
    }

    /// Like [`Workspace::set_file`] for a stock filter: its diagnostics are
    /// reported only when it has any, and a user file defining the same name
    /// takes precedence over it.
    pub fn set_stock_file(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> FileId {
        let path = path.into();
        let text = text.into();
        let id = self.id_for(&path);
        let (document, diagnostics) = parse(id, &path, &text);
        self.insert(id, path, text, document, diagnostics, true)
    }

    /// Sets a file from a document the caller already parsed (with the id
    /// [`Workspace::id_for`] gave for `path`), e.g. a language server that
    /// parsed for its own purposes, or a test that builds IR in code.
    pub fn set_document(
        &mut self,
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        document: Document,
        diagnostics: Vec<Diagnostic>,
        is_stock: bool,
    ) -> FileId {
        let path = path.into();
        let id = self.id_for(&path);
        self.insert(id, path, text.into(), document, diagnostics, is_stock)
    }

    /// The id `path` has or will have once it is set.
    pub fn id_for(&mut self, path: &Path) -> FileId {
        if let Some(&id) = self.by_path.get(path) {
            return id;
        }
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 files"));
        self.files.push(None);
        self.by_path.insert(path.to_path_buf(), id);
        id
    }

    /// Removes the file at `path`; its id is not reused for another path.
    pub fn remove_file(&mut self, path: &Path) -> bool {
        let Some(&id) = self.by_path.get(path) else {
            return false;
        };
        let removed = self.files[id.0 as usize].take().is_some();
        if removed {
            self.invalidate(id);
        }
        removed
    }

    fn insert(
        &mut self,
        id: FileId,
        path: PathBuf,
        text: String,
        document: Document,
        parse_diagnostics: Vec<Diagnostic>,
        is_stock: bool,
    ) -> FileId {
        let facts = FileFacts::collect(id, &document);
        let mut local_diagnostics = rules::check(id, &document);
        local_diagnostics.extend(values::check(id, &document));
        let file = SourceFile {
            id,
            line_index: LineIndex::new(&text),
            path,
            text,
            is_stock,
            document,
            parse_diagnostics,
            facts,
            local_diagnostics,
        };
        self.files[id.0 as usize] = Some(file);
        self.invalidate(id);
        id
    }

    /// Drops the analysis after `file` changed, keeping it as the previous
    /// build for the next one to reuse.
    fn invalidate(&mut self, file: FileId) {
        let previous = self
            .previous
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(analysis) = self.analysis.take() {
            *previous = Some((analysis, std::collections::HashSet::new()));
        }
        if let Some((_, changed)) = previous.as_mut() {
            changed.insert(file);
        }
    }

    /// The file with id `id`.
    ///
    /// # Panics
    /// When `id` was not handed out by this workspace or its file was
    /// removed; use [`Workspace::get_file`] when that can happen.
    pub fn file(&self, id: FileId) -> &SourceFile {
        self.get_file(id)
            .expect("a FileId handed out by this workspace for a file still in it")
    }

    pub fn get_file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.by_path
            .get(path)
            .copied()
            .filter(|&id| self.get_file(id).is_some())
    }

    /// Every file, in id order.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter_map(Option::as_ref)
    }

    fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| {
            let previous = self
                .previous
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            Analysis::build(self, previous)
        })
    }

    /// The definition a reference to `name` resolves to: a user file's
    /// before a stock filter's, and among several the first by path.
    pub fn definition(&self, name: &str) -> Option<(FileId, &Filter)> {
        let key = *self.analysis().definitions(name).first()?;
        Some((key.file, self.filter(key)?))
    }

    /// Every definition of `name`, the one references resolve to first.
    pub fn definitions(&self, name: &str) -> Vec<(FileId, &Filter)> {
        self.analysis()
            .definitions(name)
            .iter()
            .filter_map(|&key| Some((key.file, self.filter(key)?)))
            .collect()
    }

    /// Every defined filter name, sorted.
    pub fn filter_names(&self) -> Vec<&str> {
        self.analysis().names()
    }

    /// Every `<filterref>` to `name` (in filters and bindings): the file and
    /// the span of the referenced name.
    pub fn references(&self, name: &str) -> Vec<(FileId, Span)> {
        self.analysis().references(name).to_vec()
    }

    /// The variables the filter `name` needs through its whole reference
    /// tree (a reference's parameters satisfy what the filters below it
    /// need), each with the places that read it.
    pub fn required_variables(&self, name: &str) -> BTreeMap<String, Vec<VarUse>> {
        let analysis = self.analysis();
        analysis
            .definitions(name)
            .first()
            .and_then(|&key| analysis.needs(key))
            .map(|needs| needs.vars.clone())
            .unwrap_or_default()
    }

    /// Front-end and analysis diagnostics of every file, sorted by path and
    /// position. Stock files contribute only if they have any.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .files()
            .flat_map(|file| {
                file.parse_diagnostics
                    .iter()
                    .chain(&file.local_diagnostics)
                    .cloned()
            })
            .chain(self.analysis().diagnostics().cloned())
            .collect();
        self.sort_diagnostics(&mut all);
        all
    }

    /// The diagnostics whose primary span lies in `file`.
    pub fn file_diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        let Some(source) = self.get_file(file) else {
            return Vec::new();
        };
        let mut found: Vec<Diagnostic> = source
            .parse_diagnostics
            .iter()
            .chain(&source.local_diagnostics)
            .chain(
                self.analysis()
                    .diagnostics()
                    .filter(|diagnostic| diagnostic.file() == file),
            )
            .cloned()
            .collect();
        self.sort_diagnostics(&mut found);
        found
    }

    fn sort_diagnostics(&self, diagnostics: &mut [Diagnostic]) {
        let path = |file: FileId| self.get_file(file).map(|source| source.path.as_path());
        diagnostics.sort_by(|a, b| {
            (
                path(a.file()),
                a.span().start,
                a.span().end,
                a.code,
                &a.message,
            )
                .cmp(&(
                    path(b.file()),
                    b.span().start,
                    b.span().end,
                    b.code,
                    &b.message,
                ))
        });
    }

    /// The resolved reference tree of `name` with the variables each level
    /// needs, for `nwf graph`.
    pub fn filter_tree(&self, name: &str) -> Option<FilterTree> {
        graph::build(self, name)
    }

    fn filter(&self, key: FilterKey) -> Option<&Filter> {
        self.get_file(key.file)?.filter(key.item)
    }

    /// What is at `offset` of `file`: a filter's name, a reference to a
    /// filter, or a variable, for go-to-definition, hover and rename.
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<Symbol> {
        let source = self.get_file(file)?;
        facts::symbol_at(&source.document, offset)
    }
}

/// A named thing under the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symbol {
    /// The name in `<filter name=...>`.
    FilterDefinition { name: String, span: Span },
    /// The name in `<filterref filter=...>`.
    FilterReference { name: String, span: Span },
    /// A `$VAR` value of a rule attribute.
    Variable { name: String, span: Span },
    /// The name of a `<parameter>` of a reference.
    Parameter { name: String, span: Span },
}

/// Parses `text` with the front end `path`'s extension selects: the text
/// language for `.nwf`, libvirt XML for `.xml` and anything else.
pub fn parse(file: FileId, path: &Path, text: &str) -> (Document, Vec<Diagnostic>) {
    if path.extension().is_some_and(|ext| ext == "nwf") {
        crate::text::parse_text(file, text)
    } else {
        crate::xml::parse_xml(file, text)
    }
}

#[cfg(test)]
mod tests;
