//! Document symbols (each filter with its rules and references, each
//! binding with its reference) and workspace symbols (every filter of the
//! workspace and the stock library, matched by substring).

use nwf_syntax::ir::{Entry, FilterRef, Item, Rule};
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolInformation, SymbolKind,
    WorkspaceSymbolParams,
};

use crate::convert::TextRef;
use crate::world::{Origin, World};

pub fn document(world: &World, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    let text = file.text_ref();
    let symbols = file
        .ir()
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Filter(filter) => {
                let children = filter
                    .entries
                    .iter()
                    .filter_map(|entry| match entry {
                        Entry::Rule(rule) => Some(rule_symbol(text, rule)),
                        Entry::Ref(filter_ref) => Some(ref_symbol(text, filter_ref)),
                        Entry::Comment(_) => None,
                    })
                    .collect();
                Some(symbol(
                    text,
                    &filter.name.value,
                    Some(format!("chain {}", filter.chain_or_root())),
                    SymbolKind::MODULE,
                    filter.span,
                    filter.name.span,
                    children,
                ))
            }
            Item::Binding(binding) => Some(symbol(
                text,
                &binding.portdev.value,
                binding.mac.as_ref().map(|mac| format!("mac {}", mac.value)),
                SymbolKind::INTERFACE,
                binding.span,
                binding.portdev.span,
                vec![ref_symbol(text, &binding.filterref)],
            )),
            Item::Comment(_) => None,
        })
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

fn rule_symbol(text: TextRef<'_>, rule: &Rule) -> DocumentSymbol {
    let protocol = rule
        .protocol
        .as_ref()
        .map_or("", |protocol| protocol.protocol.value.as_str());
    let name = format!(
        "{} {} {protocol}",
        rule.direction.value.as_str(),
        rule.action.value.as_str()
    );
    symbol(
        text,
        name.trim_end(),
        Some(format!("priority {}", rule.priority_or_default())),
        SymbolKind::EVENT,
        rule.span,
        rule.action.span.cover(rule.direction.span),
        Vec::new(),
    )
}

fn ref_symbol(text: TextRef<'_>, filter_ref: &FilterRef) -> DocumentSymbol {
    symbol(
        text,
        &format!("ref {}", filter_ref.filter.value),
        None,
        SymbolKind::OBJECT,
        filter_ref.span,
        filter_ref.filter.span,
        Vec::new(),
    )
}

fn symbol(
    text: TextRef<'_>,
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    span: nwf_syntax::Span,
    selection: nwf_syntax::Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    // LSP requires the selection inside the range; a lenient parse may
    // give a name outside its element, so widen the range if needed.
    let range = text.range(span.cover(selection));
    #[allow(deprecated)] // `deprecated` is a required field of the struct
    DocumentSymbol {
        name: if name.is_empty() {
            "?".to_owned()
        } else {
            name.to_owned()
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: text.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}

pub fn workspace(world: &World, params: WorkspaceSymbolParams) -> Option<Vec<SymbolInformation>> {
    let query = params.query.to_lowercase();
    let mut symbols = Vec::new();
    for file in world.files() {
        for filter in file.ir().filters() {
            if !filter.name.value.to_lowercase().contains(&query) {
                continue;
            }
            let Some(location) = world.location(file.id, filter.name.span) else {
                continue;
            };
            #[allow(deprecated)] // `deprecated` is a required field of the struct
            symbols.push(SymbolInformation {
                name: filter.name.value.clone(),
                kind: SymbolKind::MODULE,
                tags: None,
                deprecated: None,
                location,
                container_name: Some(if file.origin == Origin::Stock {
                    "stock".to_owned()
                } else {
                    format!("chain {}", filter.chain_or_root())
                }),
            });
        }
    }
    symbols.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.location.uri.cmp(&b.location.uri))
    });
    Some(symbols)
}
