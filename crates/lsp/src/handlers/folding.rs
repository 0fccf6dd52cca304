//! Folding ranges: every filter and binding, and every entry (rule,
//! reference, comment) that spans several lines, from the IR's spans.

use nwf_syntax::Span;
use nwf_syntax::ir::{Entry, Item};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind, FoldingRangeParams};

use crate::convert::TextRef;
use crate::world::World;

pub fn ranges(world: &World, params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    let text = file.text_ref();
    let mut ranges = Vec::new();
    for item in &file.ir().items {
        match item {
            Item::Filter(filter) => {
                push(&mut ranges, text, filter.span, None);
                for entry in &filter.entries {
                    let (span, kind) = match entry {
                        Entry::Rule(rule) => (rule.span, None),
                        Entry::Ref(filter_ref) => (filter_ref.span, None),
                        Entry::Comment(comment) => (comment.span, Some(FoldingRangeKind::Comment)),
                    };
                    push(&mut ranges, text, span, kind);
                }
            }
            Item::Binding(binding) => push(&mut ranges, text, binding.span, None),
            Item::Comment(comment) => {
                push(
                    &mut ranges,
                    text,
                    comment.span,
                    Some(FoldingRangeKind::Comment),
                );
            }
        }
    }
    Some(ranges)
}

/// Adds a range for `span` if it covers several lines; the closing line
/// (`}` or the end tag) stays visible.
fn push(
    ranges: &mut Vec<FoldingRange>,
    text: TextRef<'_>,
    span: Span,
    kind: Option<FoldingRangeKind>,
) {
    let start = text.position(span.start()).line;
    let end = text.position(span.end()).line;
    if end <= start {
        return;
    }
    let end_line = if kind.is_some() { end } else { end - 1 };
    if end_line <= start && kind.is_none() {
        return;
    }
    ranges.push(FoldingRange {
        start_line: start,
        start_character: None,
        end_line,
        end_character: None,
        kind,
        collapsed_text: None,
    });
}
