//! Byte spans into one source file, file identities, and the line index that
//! turns byte offsets into line/column pairs (UTF-8 bytes for terminals,
//! UTF-16 code units for the language server).
//!
//! Spans are half-open byte ranges `[start, end)`; they never own text.

use std::fmt;

/// Identifies one source file inside a [`crate::workspace`] or a single run.
/// The number is an index into whatever table the caller keeps; `FileId(0)`
/// is fine for a lone file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A half-open byte range in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "span start {start} after end {end}");
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// An empty span at `offset`, for "something is missing here".
    pub fn empty(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(self, offset: usize) -> bool {
        self.start() <= offset && offset <= self.end()
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A value with the span of the source text it came from. Values made by a
/// program rather than read from a file carry `Span::default()`.
#[derive(Clone, Debug, Default)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// A value with no source (built by a program, e.g. a proptest or a
    /// conversion); its span is empty at offset 0.
    pub fn synthetic(value: T) -> Self {
        Spanned {
            value,
            span: Span::default(),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
}

/// Spans are provenance, not meaning: two spanned values are equal when their
/// values are, so that IRs from the XML and the text form compare equal.
impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A zero-based line and column. `col` counts UTF-8 bytes or UTF-16 code
/// units depending on which [`LineIndex`] method produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Maps byte offsets to lines and columns and back. Built once per text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of every line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (offset, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(u32::try_from(offset + 1).unwrap_or(u32::MAX));
            }
        }
        LineIndex {
            line_starts,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Line and byte column of `offset` (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX).min(self.len);
        let line = self.line_of(offset);
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: offset - self.line_starts[line],
        }
    }

    /// Line and UTF-16 column of `offset`, as the language server protocol
    /// counts them. `text` must be the text this index was built from.
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> LineCol {
        let byte = self.line_col(offset);
        let line_start = self.line_starts[byte.line as usize] as usize;
        let end = floor_char_boundary(text, line_start + byte.col as usize);
        let col: usize = text[line_start..end].chars().map(char::len_utf16).sum();
        LineCol {
            line: byte.line,
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }

    /// Byte offset of a line and UTF-16 column, clamped to the line's end.
    pub fn offset_utf16(&self, text: &str, pos: LineCol) -> usize {
        let Some(&line_start) = self.line_starts.get(pos.line as usize) else {
            return text.len();
        };
        let line_start = line_start as usize;
        let line_end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&next| next as usize);
        let mut units = 0u32;
        for (idx, ch) in text[line_start..line_end].char_indices() {
            if units >= pos.col || ch == '\n' {
                return line_start + idx;
            }
            units += u32::try_from(ch.len_utf16()).unwrap_or(2);
        }
        line_end
    }

    /// Byte offset of the start of `line` (clamped).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .map_or(self.len as usize, |&start| start as usize)
    }
}

fn floor_char_boundary(text: &str, mut idx: usize) -> usize {
    idx = idx.min(text.len());
    while !text.is_char_boundary(idx) {
        idx -= 1;
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_round_trips_through_utf16() {
        let text = "ab\nçd😀e\n\nz";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            let pos = index.line_col_utf16(text, offset);
            assert_eq!(index.offset_utf16(text, pos), offset, "offset {offset}");
        }
        assert_eq!(index.line_col(4), LineCol { line: 1, col: 1 });
        assert_eq!(index.line_col_utf16(text, text.find('e').unwrap()).col, 4);
    }
}
