//! Go to definition: from a filter reference (`ref NAME`,
//! `<filterref filter='NAME'>`) to the filter it resolves to, from a filter's
//! own name to its other definitions, from a variable to the parameters
//! that give it its values, and from a reference's parameter to the places
//! in the referenced filter's tree that read it.

use nwf_syntax::navigate;
use nwf_syntax::workspace::Symbol;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

use crate::world::World;

pub fn goto(world: &World, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let position = params.text_document_position_params;
    let file = world.file_by_uri(&position.text_document.uri)?;
    let offset = file.text_ref().offset(position.position);
    let symbol = world.workspace.symbol_at(file.id, offset)?;
    let locations: Vec<Location> = match symbol {
        Symbol::FilterReference { name, .. } => world
            .workspace
            .definitions(&name)
            .into_iter()
            .take(1)
            .filter_map(|(id, filter)| world.location(id, filter.name.span))
            .collect(),
        Symbol::FilterDefinition { name, span } => world
            .workspace
            .definitions(&name)
            .into_iter()
            .filter(|(id, filter)| !(*id == file.id && filter.name.span == span))
            .filter_map(|(id, filter)| world.location(id, filter.name.span))
            .collect(),
        Symbol::Variable { name, .. } => {
            let (_, filter) = navigate::filter_at(file.ir(), offset)?;
            navigate::variable_sources(&world.workspace, &filter.name.value, &name)
                .into_iter()
                .filter_map(|source| world.location(source.file, source.span))
                .collect()
        }
        Symbol::Parameter { name, span } => {
            let (filter_ref, _) = navigate::ref_with_param(file.ir(), span)?;
            world
                .workspace
                .required_variables(&filter_ref.filter.value)
                .remove(&name)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|var_use| world.location(var_use.file, var_use.span))
                .collect()
        }
    };
    (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
}
