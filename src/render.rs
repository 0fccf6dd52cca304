//! Rendering diagnostics for people (ariadne, with source snippets) and for
//! programs (a JSON array). The diagnostics themselves come from the
//! libraries; this module only draws them.

use std::io::{self, IsTerminal, Write};

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use nwf_syntax::workspace::SourceFile;
use nwf_syntax::{Diagnostic, FileId, Severity, Span, Workspace};
use serde_json::{Value, json};

/// `--format` of commands that print diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with the problem underlined.
    #[default]
    Human,
    /// A JSON array, one object per diagnostic.
    Json,
}

/// Prints `diagnostics` to stdout in `format`, sorted by file and position.
pub fn print(workspace: &Workspace, diagnostics: &[Diagnostic], format: Format) -> io::Result<()> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|diagnostic| (diagnostic.file(), diagnostic.span().start, diagnostic.code));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Human => {
            let color = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for diagnostic in &sorted {
                human(workspace, diagnostic, color, &mut out)?;
            }
            if !sorted.is_empty() {
                eprintln!("{}", summary(&sorted));
            }
            Ok(())
        }
        Format::Json => {
            let array: Vec<Value> = sorted
                .into_iter()
                .map(|d| json_value(workspace, d))
                .collect();
            serde_json::to_writer_pretty(&mut out, &array)?;
            writeln!(out)
        }
    }
}

fn path_of(workspace: &Workspace, file: FileId) -> String {
    workspace.get_file(file).map_or_else(
        || format!("<file {}>", file.0),
        |source| source.path().display().to_string(),
    )
}

/// One diagnostic with its snippets, as ariadne draws it.
pub fn human(
    workspace: &Workspace,
    diagnostic: &Diagnostic,
    color: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let kind = match diagnostic.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
        Severity::Hint => ReportKind::Advice,
    };
    let primary_path = path_of(workspace, diagnostic.file());
    let clamp = |file: FileId, span: Span| {
        let len = workspace
            .get_file(file)
            .map_or(0, |source| source.text().len());
        span.start().min(len)..span.end().min(len)
    };
    let mut report = Report::build(
        kind,
        (
            primary_path.clone(),
            clamp(diagnostic.file(), diagnostic.span()),
        ),
    )
    .with_config(
        Config::default()
            .with_color(color)
            .with_index_type(IndexType::Byte),
    )
    .with_code(diagnostic.code)
    .with_message(&diagnostic.message);
    let primary_message = if diagnostic.primary.message.is_empty() {
        diagnostic.message.clone()
    } else {
        diagnostic.primary.message.clone()
    };
    report = report.with_label(
        Label::new((
            primary_path.clone(),
            clamp(diagnostic.file(), diagnostic.span()),
        ))
        .with_message(primary_message)
        .with_color(if color { Color::Red } else { Color::Primary })
        .with_order(0),
    );
    for (idx, related) in diagnostic.related.iter().enumerate() {
        report = report.with_label(
            Label::new((
                path_of(workspace, related.file),
                clamp(related.file, related.span),
            ))
            .with_message(&related.message)
            .with_color(if color { Color::Blue } else { Color::Primary })
            .with_order(i32::try_from(idx + 1).unwrap_or(i32::MAX)),
        );
    }
    if let Some(help) = &diagnostic.help {
        report = report.with_help(help);
    }
    // Only the files this diagnostic names are handed to ariadne.
    let mut named = vec![diagnostic.file()];
    named.extend(diagnostic.related.iter().map(|label| label.file));
    named.sort_unstable();
    named.dedup();
    let cache = ariadne::sources(named.into_iter().filter_map(|file| {
        workspace.get_file(file).map(|source| {
            (
                source.path().display().to_string(),
                source.text().to_owned(),
            )
        })
    }));
    report.finish().write(cache, &mut *out)
}

/// 1-based line and column (in characters) of a byte offset.
fn position(source: &SourceFile, offset: usize) -> Value {
    let byte = source.line_index().line_col(offset);
    let line_start = source.line_index().line_start(byte.line as usize);
    let end = (line_start + byte.col as usize).min(source.text().len());
    let column = source
        .text()
        .get(line_start..end)
        .map_or(byte.col as usize, |prefix| prefix.chars().count());
    json!({ "line": byte.line + 1, "column": column + 1, "offset": offset })
}

fn location(workspace: &Workspace, file: FileId, span: Span) -> Value {
    let Some(source) = workspace.get_file(file) else {
        return json!({ "file": path_of(workspace, file) });
    };
    json!({
        "file": source.path().display().to_string(),
        "start": position(source, span.start()),
        "end": position(source, span.end()),
    })
}

/// The JSON object of one diagnostic: file, start/end (1-based line and
/// column, byte offset), severity, code, message, help, related labels and
/// suggested fixes.
pub fn json_value(workspace: &Workspace, diagnostic: &Diagnostic) -> Value {
    let mut value = location(workspace, diagnostic.file(), diagnostic.span());
    let object = value.as_object_mut().expect("location is an object");
    object.insert("severity".into(), json!(diagnostic.severity.as_str()));
    object.insert("code".into(), json!(diagnostic.code.as_str()));
    object.insert("message".into(), json!(diagnostic.message));
    object.insert("label".into(), json!(diagnostic.primary.message));
    object.insert("help".into(), json!(diagnostic.help));
    let related: Vec<Value> = diagnostic
        .related
        .iter()
        .map(|label| {
            let mut related = location(workspace, label.file, label.span);
            related
                .as_object_mut()
                .expect("location is an object")
                .insert("message".into(), json!(label.message));
            related
        })
        .collect();
    object.insert("related".into(), Value::Array(related));
    let fixes: Vec<Value> = diagnostic
        .fixes
        .iter()
        .map(|fix| {
            let mut edit = location(workspace, fix.file, fix.span);
            let edit_object = edit.as_object_mut().expect("location is an object");
            edit_object.insert("title".into(), json!(fix.title));
            edit_object.insert("replacement".into(), json!(fix.replacement));
            edit
        })
        .collect();
    object.insert("fixes".into(), Value::Array(fixes));
    value
}

/// `2 errors, 1 warning` — the closing line of a human-readable report.
fn summary(diagnostics: &[&Diagnostic]) -> String {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
    ];
    let hints = count(Severity::Hint);
    if hints > 0 {
        parts.push(plural(hints, "hint"));
    }
    parts.join(", ")
}

/// Prints `diagnostics` to standard error, in the order given, with colour
/// when standard error is a terminal (and `NO_COLOR` is unset).
pub fn eprint(workspace: &Workspace, diagnostics: &[Diagnostic]) {
    let color = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut err = io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = human(workspace, diagnostic, color, &mut err);
    }
}
