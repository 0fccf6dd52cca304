//! Inlay hints: after a rule that reads list variables, how many concrete
//! rules it expands to, given the values the references above its filter
//! pass ([`navigate::expansion_count`] decides how lists combine). A rule
//! whose lists have no known length, or that stays one rule, gets no hint.

use std::collections::BTreeMap;

use nwf_syntax::navigate;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams};

use crate::world::World;

pub fn hints(world: &World, params: InlayHintParams) -> Option<Vec<InlayHint>> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    let wanted = file.text_ref().span(params.range);
    let mut hints = Vec::new();
    for filter in file.ir().filters() {
        if filter.span.end() < wanted.start() || filter.span.start() > wanted.end() {
            continue;
        }
        let mut lengths: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for rule in filter.rules() {
            if rule.span.end() < wanted.start() || rule.span.start() > wanted.end() {
                continue;
            }
            let count = navigate::expansion_count(rule, |var| {
                *lengths
                    .entry(var.to_owned())
                    .or_insert_with(|| list_len(world, &filter.name.value, var))
            });
            let Some(count) = count.filter(|&count| count > 1) else {
                continue;
            };
            hints.push(InlayHint {
                position: file.text_ref().position(rule.span.end()),
                label: InlayHintLabel::String(format!("× {count} rules")),
                kind: Some(InlayHintKind::PARAMETER),
                text_edits: None,
                tooltip: None,
                padding_left: Some(true),
                padding_right: None,
                data: None,
            });
        }
    }
    Some(hints)
}

/// How many values `var` of `filter` has, when every reference that gives
/// it agrees; `None` when they disagree or nobody gives it.
fn list_len(world: &World, filter: &str, var: &str) -> Option<usize> {
    let mut per_giver: BTreeMap<String, usize> = BTreeMap::new();
    for source in navigate::variable_sources(&world.workspace, filter, var) {
        *per_giver
            .entry(format!("{:?}:{}", source.file, source.via))
            .or_default() += 1;
    }
    let mut lengths = per_giver.into_values();
    let first = lengths.next()?;
    lengths.all(|len| len == first).then_some(first)
}
