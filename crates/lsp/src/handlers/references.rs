//! Find references: every reference to a filter across the workspace's XML
//! and text files (and its definitions when the client asks for them), and
//! every read of a variable inside the filter at the cursor.

use nwf_syntax::ir::Value;
use nwf_syntax::navigate;
use nwf_syntax::workspace::Symbol;
use nwf_syntax::{FileId, Span};
use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::world::World;

pub fn find(world: &World, params: ReferenceParams) -> Option<Vec<Location>> {
    let position = params.text_document_position;
    let file = world.file_by_uri(&position.text_document.uri)?;
    let offset = file.text_ref().offset(position.position);
    let include_declaration = params.context.include_declaration;
    let spans: Vec<(FileId, Span)> = match world.workspace.symbol_at(file.id, offset)? {
        Symbol::FilterReference { name, .. } | Symbol::FilterDefinition { name, .. } => {
            filter_occurrences(world, &name, include_declaration)
        }
        Symbol::Variable { name, .. } => {
            let (_, filter) = navigate::filter_at(file.ir(), offset)?;
            filter
                .rules()
                .filter_map(|rule| rule.protocol.as_ref())
                .flat_map(|protocol| &protocol.attrs)
                .filter(|attr| matches!(&attr.value.value, Value::Var(var) if var.name == name))
                .map(|attr| (file.id, attr.value.span))
                .collect()
        }
        Symbol::Parameter { .. } => return None,
    };
    let locations: Vec<Location> = spans
        .into_iter()
        .filter_map(|(id, span)| world.location(id, span))
        .collect();
    Some(locations)
}

/// The spans of every reference to `name`, and of its definitions when
/// asked, in workspace order.
pub fn filter_occurrences(world: &World, name: &str, definitions: bool) -> Vec<(FileId, Span)> {
    let mut spans = Vec::new();
    if definitions {
        spans.extend(
            world
                .workspace
                .definitions(name)
                .into_iter()
                .map(|(id, filter)| (id, filter.name.span)),
        );
    }
    spans.extend(world.workspace.references(name));
    spans
}
