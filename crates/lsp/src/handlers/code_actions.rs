//! Code actions:
//! - quick fixes: every [`nwf_syntax::diagnostic::Fix`] attached to a
//!   diagnostic in the requested range, applied as it is;
//! - supply a missing parameter: for a binding that leaves a variable its
//!   filter needs unset (NWF205), add the parameter with a placeholder of
//!   the right kind;
//! - convert the file between the XML and the text form (the file is
//!   renamed and its content replaced by the other printer's output), only
//!   for files nwf owns whole and that convert without loss.

use std::collections::HashMap;

use nwf_syntax::ir::ValueKind;
use nwf_syntax::{Code, Diagnostic};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    Position, Range, RenameFile, ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use crate::convert;
use crate::documents::SourceKind;
use crate::handlers::formatting;
use crate::rewrite;
use crate::world::{FileView, Origin, World};

pub fn actions(world: &World, params: CodeActionParams) -> Option<CodeActionResponse> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    let wanted = file.text_ref().span(params.range);
    let mut actions = Vec::new();
    for diagnostic in world.workspace.file_diagnostics(file.id) {
        let span = diagnostic.span();
        if span.end() < wanted.start() || span.start() > wanted.end() {
            continue;
        }
        quick_fixes(world, file, &diagnostic, &mut actions);
        if diagnostic.code == Code::MissingVariable {
            missing_parameters(world, file, &diagnostic, &mut actions);
        }
    }
    if file.origin != Origin::Stock {
        actions.extend(convert_file(file));
    }
    Some(actions)
}

fn quick_fixes(
    world: &World,
    file: FileView<'_>,
    diagnostic: &Diagnostic,
    actions: &mut CodeActionResponse,
) {
    for fix in &diagnostic.fixes {
        let Some(target) = world.file(fix.file) else {
            continue;
        };
        let edit = TextEdit::new(target.text_ref().range(fix.span), fix.replacement.clone());
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![convert::diagnostic(
                diagnostic,
                file.text_ref(),
                world,
            )]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(
                target.uri.clone(),
                vec![edit],
            )]))),
            is_preferred: Some(diagnostic.fixes.len() == 1),
            ..CodeAction::default()
        }));
    }
}

/// A placeholder value of the kind a variable is read as.
fn placeholder(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::MacAddr | ValueKind::MacMask => "00:00:00:00:00:00",
        ValueKind::Ipv4Addr | ValueKind::Ipv4Mask => "0.0.0.0",
        ValueKind::Ipv6Addr | ValueKind::Ipv6Mask => "::",
        ValueKind::Boolean => "false",
        ValueKind::Uint8
        | ValueKind::Uint16
        | ValueKind::Uint32
        | ValueKind::Uint16Dec
        | ValueKind::Dscp
        | ValueKind::VlanId => "0",
        _ => "VALUE",
    }
}

fn missing_parameters(
    world: &World,
    file: FileView<'_>,
    diagnostic: &Diagnostic,
    actions: &mut CodeActionResponse,
) {
    let binding = file
        .ir()
        .bindings()
        .find(|binding| binding.filterref.filter.span == diagnostic.span());
    let Some(binding) = binding else {
        return;
    };
    let filter_ref = &binding.filterref;
    for (name, uses) in world.workspace.required_variables(&filter_ref.filter.value) {
        // The diagnostic names the variables it is about.
        if filter_ref.values(&name).next().is_some()
            || !diagnostic.message.contains(&format!("`{name}`"))
        {
            continue;
        }
        let value = uses
            .first()
            .map_or("VALUE", |var_use| placeholder(var_use.kind));
        let Some(edit) = insert_parameter(file, filter_ref, &name, value) else {
            continue;
        };
        actions.push(
            CodeAction {
                title: format!("give `{name}` a value"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(
                    diagnostic,
                    file.text_ref(),
                    world,
                )]),
                edit: Some(WorkspaceEdit::new(HashMap::from([(
                    file.uri.clone(),
                    vec![edit],
                )]))),
                ..CodeAction::default()
            }
            .into(),
        );
    }
}

/// The edit that adds `name = value` to a reference, in the file's form.
fn insert_parameter(
    file: FileView<'_>,
    filter_ref: &nwf_syntax::ir::FilterRef,
    name: &str,
    value: &str,
) -> Option<TextEdit> {
    let text = file.text();
    let span = filter_ref.span;
    match file.kind {
        SourceKind::Text => {
            let at = filter_ref
                .params
                .iter()
                .map(|param| param.value.span.end())
                .chain([filter_ref.filter.span.end()])
                .max()?;
            let position = file.text_ref().position(at);
            Some(TextEdit::new(
                Range::new(position, position),
                format!(" {name} = {value}"),
            ))
        }
        SourceKind::Xml => {
            let element = text.get(span.range())?;
            let line_start = text[..span.start()].rfind('\n').map_or(0, |idx| idx + 1);
            let indent: String = text[line_start..span.start()]
                .chars()
                .take_while(|ch| ch.is_whitespace())
                .collect();
            let parameter = format!("<parameter name='{name}' value='{value}'/>");
            if let Some(open_end) = element.strip_suffix("/>").map(str::len) {
                let range = file
                    .text_ref()
                    .range(nwf_syntax::Span::new(span.start() + open_end, span.end()));
                let replacement = format!(">\n{indent}  {parameter}\n{indent}</filterref>");
                Some(TextEdit::new(range, replacement))
            } else {
                let close = element.rfind("</")?;
                let before_close = text[..span.start() + close]
                    .trim_end_matches([' ', '\t'])
                    .len();
                let position = file.text_ref().position(before_close);
                Some(TextEdit::new(
                    Range::new(position, position),
                    format!("  {parameter}\n{indent}"),
                ))
            }
        }
    }
}

/// Converts the whole file to the other form, when nwf owns it (a `.nwf`
/// file, an XML `<filter>` or `<filterbinding>`, never a `<domain>`) and
/// the other form holds all of it (see [`crate::rewrite`]).
fn convert_file(file: FileView<'_>) -> Option<CodeActionOrCommand> {
    let (title, extension, target) = match file.kind {
        SourceKind::Xml => ("convert to the nwf text form", "nwf", SourceKind::Text),
        SourceKind::Text => ("convert to libvirt XML", "xml", SourceKind::Xml),
    };
    let content = rewrite::lossless_rewrite(formatting::original(file), target).ok()?;
    let new_uri = with_extension(file.uri, extension)?;
    let end = file.text_ref().position(file.text().len());
    let changes = vec![
        DocumentChangeOperation::Op(ResourceOp::Rename(RenameFile {
            old_uri: file.uri.clone(),
            new_uri: new_uri.clone(),
            options: None,
            annotation_id: None,
        })),
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: new_uri,
                version: None,
            },
            edits: vec![OneOf::Left(TextEdit::new(
                Range::new(Position::new(0, 0), end),
                content,
            ))],
        }),
    ];
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_owned(),
        kind: Some(CodeActionKind::REFACTOR_REWRITE),
        edit: Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(changes)),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }))
}

fn with_extension(uri: &Uri, extension: &str) -> Option<Uri> {
    let path = convert::file_path(uri)?;
    convert::file_uri(&path.with_extension(extension))
}
