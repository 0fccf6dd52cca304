//! The document store: the text of every file the editor has open, kept in
//! step with the editor through incremental `didChange` edits.
//!
//! Positions arrive in LSP's UTF-16 line/column form and are turned into byte
//! offsets with [`LineIndex::offset_utf16`], which clamps anything out of
//! range, so a confused or hostile client can never make an edit panic.
//! The store knows nothing about filters: analysis reads the texts it holds.

use std::collections::HashMap;
use std::sync::Arc;

use nwf_syntax::LineIndex;
use nwf_syntax::span::LineCol;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent, Uri};

/// Which front end reads a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// libvirt XML (`<filter>`, `<filterbinding>`, `<domain>`).
    Xml,
    /// The `.nwf` text language.
    Text,
}

impl SourceKind {
    /// Decides the front end from the file name, then the editor's language
    /// id, then the text itself (XML starts with `<` once blanks are gone).
    pub fn detect(uri: &Uri, language_id: Option<&str>, text: &str) -> SourceKind {
        let extension = std::path::Path::new(uri.path().as_str())
            .extension()
            .map(std::ffi::OsStr::to_ascii_lowercase);
        match extension.as_ref().and_then(|ext| ext.to_str()) {
            Some("nwf") => return SourceKind::Text,
            Some("xml") => return SourceKind::Xml,
            _ => {}
        }
        match language_id {
            Some("nwf") => SourceKind::Text,
            Some(id) if id.contains("xml") => SourceKind::Xml,
            _ if text.trim_start().starts_with('<') => SourceKind::Xml,
            _ => SourceKind::Text,
        }
    }
}

/// One open document: its text, the editor's version number, and a line
/// index built for that text.
#[derive(Clone, Debug)]
pub struct Document {
    pub text: Arc<str>,
    pub version: i32,
    pub kind: SourceKind,
    pub line_index: Arc<LineIndex>,
}

impl Document {
    pub fn new(text: String, version: i32, kind: SourceKind) -> Document {
        let line_index = Arc::new(LineIndex::new(&text));
        Document {
            text: text.into(),
            version,
            kind,
            line_index,
        }
    }

    /// Applies the edits of one `didChange` in order: each edit's range
    /// refers to the text as the previous edit left it.
    pub fn apply_changes(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let mut text = String::from(&*self.text);
        let mut index = LineIndex::new(&text);
        let n_changes = changes.len();
        for (change_idx, change) in changes.into_iter().enumerate() {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let start = offset(&index, &text, range.start);
                    let end = offset(&index, &text, range.end).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
            // The index is needed again only by the next edit.
            if change_idx + 1 < n_changes {
                index = LineIndex::new(&text);
            }
        }
        *self = Document::new(text, version, self.kind);
    }
}

/// Byte offset of an LSP position (clamped into the text).
pub fn offset(index: &LineIndex, text: &str, position: Position) -> usize {
    index.offset_utf16(
        text,
        LineCol {
            line: position.line,
            col: position.character,
        },
    )
}

/// All open documents, by URI.
#[derive(Debug, Default)]
pub struct DocumentStore {
    documents: HashMap<Uri, Document>,
}

impl DocumentStore {
    pub fn open(&mut self, uri: Uri, document: Document) {
        self.documents.insert(uri, document);
    }

    /// Applies a `didChange`; returns the updated document, or `None` when
    /// the document is not open (a client bug we tolerate silently).
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Option<&Document> {
        let document = self.documents.get_mut(uri)?;
        document.apply_changes(version, changes);
        Some(document)
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.documents.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.documents.get(uri)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Uri, &Document)> {
        self.documents.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::Range;

    fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(start.0, start.1),
                Position::new(end.0, end.1),
            )),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edits_count_utf16_and_apply_in_sequence() {
        let mut doc = Document::new("a😀b\nxyz\n".into(), 1, SourceKind::Text);
        // '😀' is two UTF-16 units: column 3 is just before 'b'.
        doc.apply_changes(2, vec![edit((0, 3), (0, 4), "B"), edit((1, 0), (1, 1), "")]);
        assert_eq!(&*doc.text, "a😀B\nyz\n");
        assert_eq!(doc.version, 2);
    }

    #[test]
    fn out_of_range_and_inverted_edits_are_clamped() {
        let mut doc = Document::new("abc".into(), 1, SourceKind::Text);
        doc.apply_changes(2, vec![edit((7, 9), (9, 0), "!")]);
        assert_eq!(&*doc.text, "abc!");
        doc.apply_changes(3, vec![edit((0, 2), (0, 1), "-")]);
        assert_eq!(&*doc.text, "ab-c!");
        // A position inside a surrogate pair lands on a char boundary.
        let mut doc = Document::new("😀x".into(), 1, SourceKind::Text);
        doc.apply_changes(2, vec![edit((0, 1), (0, 1), "y")]);
        assert!(doc.text.contains('😀') && doc.text.contains('y'));
    }

    #[test]
    fn full_replacement_replaces_everything() {
        let mut doc = Document::new("old".into(), 1, SourceKind::Xml);
        doc.apply_changes(
            5,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            }],
        );
        assert_eq!(&*doc.text, "new");
    }
}
