//! Rename a filter: its definitions and every reference to it, across XML
//! and text files, each spelled the way its form needs (an escaped XML
//! attribute value, a bare or quoted word in the text form; names that
//! would need escaping in XML are refused). Stock filters
//! are read-only, so a name whose definition is a stock filter cannot be
//! renamed, and references inside stock filters are left alone.

use std::collections::HashMap;

use nwf_syntax::workspace::Symbol;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};

use crate::documents::SourceKind;
use crate::handlers::references::filter_occurrences;
use crate::world::{FileView, Origin, World};

/// The filter name under the cursor, if it can be renamed.
fn target<'w>(
    world: &'w World,
    file: FileView<'w>,
    offset: usize,
) -> Result<(String, nwf_syntax::Span), String> {
    let Some(Symbol::FilterReference { name, span } | Symbol::FilterDefinition { name, span }) =
        world.workspace.symbol_at(file.id, offset)
    else {
        return Err("only filter names can be renamed".to_owned());
    };
    let definitions = world.workspace.definitions(&name);
    let stock = definitions.first().is_some_and(|(id, _)| {
        world
            .file(*id)
            .is_some_and(|defining| defining.origin == Origin::Stock)
    });
    if stock {
        return Err(format!("`{name}` is a stock filter, which is read-only"));
    }
    Ok((name, span))
}

pub fn prepare(world: &World, params: TextDocumentPositionParams) -> Option<PrepareRenameResponse> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    let offset = file.text_ref().offset(params.position);
    let (name, span) = target(world, file, offset).ok()?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: file.text_ref().range(span),
        placeholder: name,
    })
}

pub fn rename(world: &World, params: RenameParams) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    let position = params.text_document_position;
    let Some(file) = world.file_by_uri(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = file.text_ref().offset(position.position);
    let (name, _) = target(world, file, offset).map_err(jsonrpc::Error::invalid_params)?;
    let new_name = params.new_name.trim();
    if new_name.is_empty()
        || new_name.chars().any(|ch| {
            ch.is_whitespace() || ch.is_control() || matches!(ch, '<' | '>' | '&' | '\'' | '"')
        })
    {
        return Err(jsonrpc::Error::invalid_params(format!(
            "`{new_name}` cannot name a filter: use letters, digits and `-_.:`"
        )));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (id, span) in filter_occurrences(world, &name, true) {
        let Some(occurrence) = world.file(id) else {
            continue;
        };
        if occurrence.origin == Origin::Stock {
            continue;
        }
        let spelled = match occurrence.kind {
            SourceKind::Xml => new_name.to_owned(),
            SourceKind::Text => nwf_syntax::text::escape::word_or_quoted(new_name),
        };
        changes
            .entry(occurrence.uri.clone())
            .or_default()
            .push(TextEdit::new(occurrence.text_ref().range(span), spelled));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}
