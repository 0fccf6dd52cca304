//! Hover: what the thing under the cursor is.
//!
//! - a filter name (definition or reference): its chain and priority, the
//!   variables it needs through its reference tree, its rules and
//!   references, and where it is defined;
//! - a variable: the values the references above its filter give it;
//! - a reference's parameter: where the referenced filter reads it;
//! - a protocol, attribute, value, action, direction or chain: the
//!   reference documentation from [`nwf_syntax::reference`];
//! - a rule whose libvirt meaning its priorities do not show (NWF215,
//!   NWF216): what libvirt does with it.

use std::fmt::Write as _;

use nwf_syntax::ir::{Entry, Filter, Item};
use nwf_syntax::workspace::Symbol;
use nwf_syntax::{Span, navigate, reference};
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::world::{FileView, Origin, World};

pub fn hover(world: &World, params: HoverParams) -> Option<Hover> {
    let position = params.text_document_position_params;
    let file = world.file_by_uri(&position.text_document.uri)?;
    let offset = file.text_ref().offset(position.position);
    let (mut markdown, span) = match world.workspace.symbol_at(file.id, offset) {
        Some(Symbol::FilterReference { name, span } | Symbol::FilterDefinition { name, span }) => {
            (filter(world, &name), span)
        }
        Some(Symbol::Variable { name, span }) => (variable(world, file, offset, &name), span),
        Some(Symbol::Parameter { name, span }) => (parameter(world, file, span, &name)?, span),
        None => vocabulary(file, offset)
            .or_else(|| Some((String::new(), navigate::rule_at(file.ir(), offset)?.span)))?,
    };
    for note in navigate::libvirt_notes(&world.workspace, file.id, offset) {
        let _ = write!(markdown, "\n\n**libvirt:** {note}");
    }
    let markdown = markdown.trim_start().to_owned();
    if markdown.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(file.text_ref().range(span)),
    })
}

fn filter(world: &World, name: &str) -> String {
    let Some((id, definition)) = world.workspace.definition(name) else {
        return format!(
            "**filter** `{name}`\n\nNo filter of this name is defined in the workspace or among the stock filters."
        );
    };
    let mut out = format!("**filter** `{name}`");
    let defining = world.file(id);
    if defining.is_some_and(|file| file.origin == Origin::Stock) {
        out.push_str(" (stock)");
    }
    let chain = definition.chain_or_root();
    let priority = definition.priority.as_ref().map_or_else(
        || format!("{} (default)", chain.default_priority()),
        |p| p.value.to_string(),
    );
    let _ = write!(out, "\n\nchain `{chain}` · priority {priority}");
    let n_rules = definition.rules().count();
    let refs: Vec<&str> = definition.refs().map(|r| r.filter.value.as_str()).collect();
    let _ = write!(out, "\n\n{n_rules} rule{}", plural(n_rules));
    if !refs.is_empty() {
        let _ = write!(out, ", references {}", code_list(refs.iter().copied()));
    }
    let needs = world.workspace.required_variables(name);
    if needs.is_empty() {
        out.push_str("\n\nneeds no variables");
    } else {
        out.push_str("\n\nneeds:");
        for (var, uses) in &needs {
            let kind = uses
                .first()
                .map_or("", |var_use| reference::value_kind(var_use.kind));
            let _ = write!(out, "\n- `${var}`: {kind}");
        }
    }
    let n_users = world.workspace.references(name).len();
    let _ = write!(out, "\n\nreferenced {n_users} time{}", plural(n_users));
    match defining {
        Some(file) if file.origin == Origin::Stock => {
            out.push_str(" · a stock filter shipped with nwf");
        }
        Some(file) => {
            if let Some(path) = crate::convert::file_path(file.uri) {
                let _ = write!(out, " · defined in `{}`", path.display());
            }
        }
        None => {}
    }
    out
}

fn variable(world: &World, file: FileView<'_>, offset: usize, name: &str) -> String {
    let mut out = format!("**variable** `${name}`");
    if let Some(rule) = navigate::rule_at(file.ir(), offset) {
        let attr = rule.protocol.as_ref().and_then(|protocol| {
            protocol
                .attrs
                .iter()
                .find(|attr| attr.value.span.contains(offset))
                .and_then(|attr| protocol.protocol.value.attr(attr.attr.value))
        });
        if let Some(spec) = attr {
            let _ = write!(
                out,
                "\n\nread as `{}`: {}",
                spec.attr,
                reference::value_kind(spec.kind)
            );
        }
    }
    let Some((_, filter)) = navigate::filter_at(file.ir(), offset) else {
        return out;
    };
    let sources = navigate::variable_sources(&world.workspace, &filter.name.value, name);
    if sources.is_empty() {
        let _ = write!(
            out,
            "\n\nNo reference in the workspace gives it a value: whoever binds `{}` must.",
            filter.name.value
        );
    } else {
        out.push_str("\n\ntakes:");
        for source in sources {
            let _ = write!(out, "\n- `{}` (from `{}`)", source.value, source.via);
        }
    }
    out
}

fn parameter(world: &World, file: FileView<'_>, span: Span, name: &str) -> Option<String> {
    let (filter_ref, _) = navigate::ref_with_param(file.ir(), span)?;
    let target = &filter_ref.filter.value;
    let values: Vec<&str> = filter_ref
        .values(name)
        .map(|value| value.value.as_str())
        .collect();
    let mut out = format!(
        "**parameter** `{name}` of `{target}`\n\nvalue{}: {}",
        plural(values.len()),
        code_list(values.iter().copied())
    );
    match world.workspace.required_variables(target).get(name) {
        Some(uses) => {
            let filters: std::collections::BTreeSet<&str> =
                uses.iter().map(|var_use| var_use.filter.as_str()).collect();
            let _ = write!(
                out,
                "\n\nread {} time{} in {}",
                uses.len(),
                plural(uses.len()),
                code_list(filters.into_iter())
            );
        }
        None => {
            let _ = write!(out, "\n\n`{target}` does not read `${name}`");
        }
    }
    Some(out)
}

/// Documentation of the vocabulary word under the cursor.
fn vocabulary(file: FileView<'_>, offset: usize) -> Option<(String, Span)> {
    for item in &file.ir().items {
        match item {
            Item::Filter(filter) if filter.span.contains(offset) => {
                return filter_vocabulary(filter, offset);
            }
            _ => {}
        }
    }
    None
}

fn filter_vocabulary(filter: &Filter, offset: usize) -> Option<(String, Span)> {
    if let Some(chain) = filter
        .chain
        .as_ref()
        .filter(|chain| chain.span.contains(offset))
    {
        let text = format!(
            "**chain** `{}`\n\n{}\n\ndefault priority {}",
            chain.value,
            reference::chain(chain.value.kind),
            chain.value.default_priority()
        );
        return Some((text, chain.span));
    }
    for entry in &filter.entries {
        let Entry::Rule(rule) = entry else { continue };
        if !rule.span.contains(offset) {
            continue;
        }
        if rule.action.span.contains(offset) {
            let action = rule.action.value;
            let text = format!(
                "**action** `{}`\n\n{}",
                action.as_str(),
                reference::action(action)
            );
            return Some((text, rule.action.span));
        }
        if rule.direction.span.contains(offset) {
            let direction = rule.direction.value;
            let text = format!(
                "**direction** `{}`\n\n{}",
                direction.as_str(),
                reference::direction(direction)
            );
            return Some((text, rule.direction.span));
        }
        let protocol_match = rule.protocol.as_ref()?;
        let protocol = protocol_match.protocol.value;
        if protocol_match.protocol.span.contains(offset) {
            let doc = reference::protocol(protocol);
            let attrs = code_list(protocol.attrs().iter().map(|spec| spec.attr.as_str()));
            let text = format!(
                "**{protocol}**: {}\n\n{}\n\n{}\n\nattributes: {attrs}",
                doc.title, doc.summary, doc.placement
            );
            return Some((text, protocol_match.protocol.span));
        }
        for attr in &protocol_match.attrs {
            let in_name = attr.attr.span.contains(offset);
            if !in_name && !attr.value.span.contains(offset) {
                continue;
            }
            let spec = protocol.attr(attr.attr.value)?;
            let negated = if attr.negated {
                "\n\nnegated: the rule matches when this does **not** hold"
            } else {
                ""
            };
            let text = format!(
                "**{}** ({protocol})\n\n{}\n\nvalue: {}{negated}",
                spec.attr,
                reference::attr(protocol, spec.attr),
                reference::value_kind(spec.kind)
            );
            let span = if in_name {
                attr.attr.span
            } else {
                attr.value.span
            };
            return Some((text, span));
        }
        return None;
    }
    None
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn code_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(|item| format!("`{item}`")).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
