//! Completion: keywords, directions, actions, protocols, the attributes
//! valid for the protocol at the cursor (from [`Protocol::attrs`]), their
//! enumerated values, filter names, parameter names a referenced filter
//! needs, and variable names; in both forms.
//!
//! [`context`] decides what the cursor is in the middle of; this module
//! turns that into items, each replacing the word being typed.

pub mod context;

use std::collections::BTreeSet;

use nwf_syntax::ir::{Action, Attr, ChainKind, Direction, Protocol, Value};
use nwf_syntax::reference;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    Documentation, MarkupContent, MarkupKind, Range, TextEdit,
};

use crate::documents::SourceKind;
use crate::world::{FileView, World};
use context::Context;

pub fn complete(world: &World, params: CompletionParams) -> Option<CompletionResponse> {
    let position = params.text_document_position;
    let file = world.file_by_uri(&position.text_document.uri)?;
    let text = file.text();
    let offset = file.text_ref().offset(position.position);
    let context = match file.kind {
        SourceKind::Text => context::text(text, offset)?,
        SourceKind::Xml => context::xml(text, offset)?,
    };
    let start = match context {
        Context::XmlElement { .. } | Context::XmlAttrName { .. } | Context::XmlAttrValue { .. } => {
            xml_word_start(text, offset)
        }
        _ => context::word_start(text, offset),
    };
    let range = Range::new(
        file.text_ref().position(start),
        file.text_ref().position(offset),
    );
    let items = Items {
        range,
        items: Vec::new(),
    };
    let items = fill(world, file, offset, context, items);
    Some(CompletionResponse::Array(items.items))
}

/// XML words also stop at quotes and `<`.
fn xml_word_start(text: &str, offset: usize) -> usize {
    text[..offset]
        .char_indices()
        .rev()
        .take_while(|&(_, ch)| !matches!(ch, '<' | '\'' | '"' | '=' | '>') && !ch.is_whitespace())
        .last()
        .map_or(offset, |(idx, _)| idx)
}

struct Items {
    range: Range,
    items: Vec<CompletionItem>,
}

impl Items {
    fn push(&mut self, label: &str, kind: CompletionItemKind, detail: &str, doc: Option<String>) {
        self.items.push(CompletionItem {
            label: label.to_owned(),
            kind: Some(kind),
            detail: (!detail.is_empty()).then(|| detail.to_owned()),
            documentation: doc.map(|value| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value,
                })
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                self.range,
                label.to_owned(),
            ))),
            filter_text: Some(label.to_owned()),
            sort_text: Some(format!("{:04}", self.items.len())),
            ..CompletionItem::default()
        });
    }

    fn keywords(&mut self, words: &[&str], detail: &str) {
        for word in words {
            self.push(word, CompletionItemKind::KEYWORD, detail, None);
        }
    }

    fn directions(&mut self) {
        for direction in Direction::ALL {
            let doc = reference::direction(direction).to_owned();
            self.push(
                direction.as_str(),
                CompletionItemKind::KEYWORD,
                "direction",
                Some(doc),
            );
        }
    }

    fn actions(&mut self) {
        for action in Action::ALL {
            let doc = reference::action(action).to_owned();
            self.push(
                action.as_str(),
                CompletionItemKind::KEYWORD,
                "action",
                Some(doc),
            );
        }
    }

    fn protocols(&mut self) {
        for &protocol in Protocol::ALL {
            let doc = reference::protocol(protocol);
            let text = format!("{}\n\n{}", doc.summary, doc.placement);
            self.push(
                protocol.as_str(),
                CompletionItemKind::CLASS,
                doc.title,
                Some(text),
            );
        }
    }

    fn chains(&mut self) {
        for kind in ChainKind::ALL {
            let doc = reference::chain(kind).to_owned();
            self.push(
                kind.as_str(),
                CompletionItemKind::ENUM_MEMBER,
                "chain",
                Some(doc),
            );
        }
    }

    fn attributes(&mut self, protocol: Protocol, used: &[Attr]) {
        for spec in protocol.attrs() {
            if used.contains(&spec.attr) {
                continue;
            }
            let doc = format!(
                "{}\n\nvalue: {}",
                reference::attr(protocol, spec.attr),
                reference::value_kind(spec.kind)
            );
            self.push(
                spec.attr.as_str(),
                CompletionItemKind::PROPERTY,
                protocol.as_str(),
                Some(doc),
            );
        }
    }

    fn values(&mut self, protocol: Protocol, attr: Attr, variables: &BTreeSet<String>) {
        let Some(spec) = protocol.attr(attr) else {
            return;
        };
        for name in nwf_syntax::values::names(spec.kind) {
            self.push(
                name,
                CompletionItemKind::ENUM_MEMBER,
                reference::value_kind(spec.kind),
                None,
            );
        }
        self.variables(variables);
    }

    fn variables(&mut self, variables: &BTreeSet<String>) {
        for name in variables {
            self.push(
                &format!("${name}"),
                CompletionItemKind::VARIABLE,
                "variable",
                None,
            );
        }
    }

    fn filters(&mut self, world: &World) {
        for name in world.workspace.filter_names() {
            let detail = world
                .workspace
                .definition(name)
                .map(|(_, filter)| format!("filter, chain {}", filter.chain_or_root()))
                .unwrap_or_default();
            self.push(name, CompletionItemKind::MODULE, &detail, None);
        }
    }

    fn parameters(&mut self, world: &World, filter: &str, given: &[String]) {
        for (name, uses) in world.workspace.required_variables(filter) {
            if given.contains(&name) {
                continue;
            }
            let detail = uses
                .first()
                .map_or("", |var_use| reference::value_kind(var_use.kind));
            self.push(&name, CompletionItemKind::FIELD, detail, None);
        }
    }
}

/// Every variable name read anywhere in the file, plus the ones the
/// filter at the cursor needs through its references.
fn known_variables(world: &World, file: FileView<'_>, offset: usize) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = file
        .ir()
        .filters()
        .flat_map(nwf_syntax::ir::Filter::rules)
        .filter_map(|rule| rule.protocol.as_ref())
        .flat_map(|protocol| &protocol.attrs)
        .filter_map(|attr| match &attr.value.value {
            Value::Var(var) => Some(var.name.clone()),
            _ => None,
        })
        .collect();
    if let Some((_, filter)) = nwf_syntax::navigate::filter_at(file.ir(), offset) {
        names.extend(
            world
                .workspace
                .required_variables(&filter.name.value)
                .into_keys(),
        );
    }
    names
}

/// The parameters already given by the reference around `offset`, as far
/// as the front end understood it.
fn given_parameters(file: FileView<'_>, offset: usize) -> Vec<String> {
    let Some((_, filter)) = nwf_syntax::navigate::filter_at(file.ir(), offset) else {
        return Vec::new();
    };
    filter
        .refs()
        .find(|filter_ref| filter_ref.span.contains(offset))
        .map(|filter_ref| {
            filter_ref
                .params
                .iter()
                .filter(|param| !param.name.span.contains(offset))
                .map(|param| param.name.value.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn fill(
    world: &World,
    file: FileView<'_>,
    offset: usize,
    context: Context,
    mut items: Items,
) -> Items {
    use CompletionItemKind as K;
    match context {
        Context::TopKeyword => items.keywords(&["filter", "bind"], "item"),
        Context::FilterOption => items.keywords(&["chain", "priority"], "filter option"),
        Context::BindOption => items.keywords(&["mac"], "binding option"),
        Context::ChainName => items.chains(),
        Context::FilterLine => {
            items.directions();
            items.keywords(&["ref", "uuid"], "");
        }
        Context::BindLine => items.keywords(&["ref", "owner", "linkdev", "backend"], ""),
        Context::Action => items.actions(),
        Context::ProtocolOrRuleOption => {
            items.protocols();
            items.keywords(&["priority", "statematch"], "rule option");
        }
        Context::RuleOption => items.keywords(&["priority", "statematch"], "rule option"),
        Context::Attribute {
            protocol,
            used,
            rule_options,
        } => {
            items.attributes(protocol, &used);
            if rule_options {
                items.keywords(&["priority", "statematch"], "rule option");
            }
        }
        Context::AttrValue { protocol, attr } => {
            items.values(protocol, attr, &known_variables(world, file, offset));
        }
        Context::Boolean => items.keywords(&["false", "true"], "boolean"),
        Context::FilterName => items.filters(world),
        Context::ParamName { filter, given } => items.parameters(world, &filter, &given),
        Context::Variable => items.variables(&known_variables(world, file, offset)),
        Context::XmlElement { parent } => match parent.as_deref() {
            None => items.keywords(&["filter", "filterbinding"], "element"),
            Some("filter") => items.keywords(&["rule", "filterref", "uuid"], "element"),
            Some("rule") => items.protocols(),
            Some("filterref") => items.keywords(&["parameter"], "element"),
            _ => {}
        },
        Context::XmlAttrName { element, used } => {
            let fixed: &[&str] = match element.as_str() {
                "filter" => &["name", "chain", "priority"],
                "rule" => &["action", "direction", "priority", "statematch"],
                "filterref" => &["filter"],
                "parameter" => &["name", "value"],
                _ => &[],
            };
            for name in fixed.iter().filter(|name| !used.iter().any(|u| u == *name)) {
                items.push(name, K::PROPERTY, &element, None);
            }
            if let Some(protocol) = Protocol::parse(&element) {
                let used: Vec<Attr> = used.iter().filter_map(|name| Attr::parse(name)).collect();
                items.attributes(protocol, &used);
                items.push("match", K::PROPERTY, "`no` negates the attributes", None);
            }
        }
        Context::XmlAttrValue {
            element,
            attr,
            filterref,
        } => match (element.as_str(), attr.as_str()) {
            ("rule", "action") => items.actions(),
            ("rule", "direction") => items.directions(),
            ("rule", "statematch") => items.keywords(&["false", "true"], "boolean"),
            ("filter", "chain") => items.chains(),
            ("filterref", "filter") => items.filters(world),
            ("parameter", "name") => {
                if let Some(filter) = filterref {
                    items.parameters(world, &filter, &given_parameters(file, offset));
                }
            }
            (_, "match") => items.keywords(&["no", "yes"], "match"),
            (element, attr) => {
                if let (Some(protocol), Some(attr)) = (Protocol::parse(element), Attr::parse(attr))
                {
                    items.values(protocol, attr, &known_variables(world, file, offset));
                }
            }
        },
    }
    items
}
