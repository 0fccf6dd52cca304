//! Renders LSP responses as short, readable text for snapshots: positions
//! as `path:line:col` (1-based, UTF-16 columns as the protocol counts),
//! paths relative to the test workspace, stock filters as `stock/NAME.xml`,
//! edits applied to the files they change.

#![allow(dead_code)] // each test binary uses a different part of it
#![allow(clippy::unused_self)] // renderers are methods of the view for uniform call sites

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nwf_syntax::LineIndex;
use nwf_syntax::span::LineCol;
use serde_json::{Value, json};

pub struct View {
    root: PathBuf,
    files: BTreeMap<String, String>,
}

impl View {
    pub fn new(root: &Path, files: &[(String, String)]) -> View {
        View {
            root: root.to_path_buf(),
            files: files.iter().cloned().collect(),
        }
    }

    /// The LSP position of byte `offset` of `path`.
    pub fn position(&self, path: &str, offset: usize) -> Value {
        let text = &self.files[path];
        let pos = LineIndex::new(text).line_col_utf16(text, offset);
        json!({"line": pos.line, "character": pos.col})
    }

    /// A URI as a short name: relative to the workspace, or `stock/NAME`.
    pub fn name(&self, uri: &str) -> String {
        let path = uri
            .parse::<tower_lsp_server::ls_types::Uri>()
            .ok()
            .as_ref()
            .and_then(nwf_lsp::convert::file_path)
            .unwrap_or_else(|| PathBuf::from(uri));
        if let Ok(relative) = path.strip_prefix(&self.root) {
            let relative = relative.to_string_lossy().into_owned();
            return relative
                .strip_prefix(".cache/")
                .map_or(relative.clone(), str::to_owned);
        }
        path.to_string_lossy().into_owned()
    }

    /// The text of a file by URI: a fixture, or a stock filter on disk.
    fn text_of(&self, uri: &str) -> Option<String> {
        let name = self.name(uri);
        if let Some(text) = self.files.get(&name) {
            return Some(text.clone());
        }
        let path = nwf_lsp::convert::file_path(&uri.parse().ok()?)?;
        std::fs::read_to_string(path).ok()
    }

    fn offset_in(text: &str, position: &Value) -> usize {
        let line = u32::try_from(position["line"].as_u64().unwrap_or(0)).unwrap_or(0);
        let col = u32::try_from(position["character"].as_u64().unwrap_or(0)).unwrap_or(0);
        LineIndex::new(text).offset_utf16(text, LineCol { line, col })
    }

    fn range(range: &Value) -> String {
        format!(
            "{}:{}-{}:{}",
            range["start"]["line"].as_u64().unwrap_or(0) + 1,
            range["start"]["character"].as_u64().unwrap_or(0) + 1,
            range["end"]["line"].as_u64().unwrap_or(0) + 1,
            range["end"]["character"].as_u64().unwrap_or(0) + 1,
        )
    }

    /// `path:range  «text»` for a location.
    fn location(&self, uri: &str, range: &Value) -> String {
        let excerpt = self
            .text_of(uri)
            .map(|text| {
                let start = Self::offset_in(&text, &range["start"]);
                let end = Self::offset_in(&text, &range["end"]).max(start);
                text[start..end].to_owned()
            })
            .unwrap_or_default();
        format!("{}:{}  «{}»", self.name(uri), Self::range(range), excerpt)
    }

    pub fn locations(&self, result: &Value) -> String {
        let Some(list) = result.as_array() else {
            return format!("{result}\n");
        };
        let mut lines: Vec<String> = list
            .iter()
            .map(|loc| self.location(loc["uri"].as_str().unwrap_or(""), &loc["range"]))
            .collect();
        lines.sort();
        if lines.is_empty() {
            return "(none)\n".to_owned();
        }
        lines.join("\n") + "\n"
    }

    pub fn diagnostics(&self, list: &Value) -> String {
        let mut out = String::new();
        for diagnostic in list.as_array().into_iter().flatten() {
            let severity = match diagnostic["severity"].as_u64() {
                Some(1) => "error",
                Some(2) => "warning",
                Some(3) => "info",
                _ => "hint",
            };
            let _ = writeln!(
                out,
                "{} {severity}[{}] {}",
                Self::range(&diagnostic["range"]),
                diagnostic["code"].as_str().unwrap_or("?"),
                diagnostic["message"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n    ")
            );
            for related in diagnostic["relatedInformation"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let location = &related["location"];
                let _ = writeln!(
                    out,
                    "    related {}: {}",
                    self.location(location["uri"].as_str().unwrap_or(""), &location["range"]),
                    related["message"].as_str().unwrap_or("")
                );
            }
        }
        if out.is_empty() {
            out.push_str("(no diagnostics)\n");
        }
        out
    }

    pub fn hover(&self, result: &Value) -> String {
        if result.is_null() {
            return "(no hover)\n".to_owned();
        }
        format!(
            "range {}\n---\n{}\n",
            Self::range(&result["range"]),
            result["contents"]["value"].as_str().unwrap_or("")
        )
    }

    pub fn completion(&self, result: &Value) -> String {
        let items = result.as_array().or_else(|| result["items"].as_array());
        let mut out = String::new();
        for item in items.into_iter().flatten() {
            let _ = writeln!(
                out,
                "{} ({}) {}",
                item["label"].as_str().unwrap_or(""),
                item["kind"].as_u64().unwrap_or(0),
                item["detail"].as_str().unwrap_or("")
            );
        }
        if out.is_empty() {
            out.push_str("(no completions)\n");
        }
        out
    }

    pub fn prepare_rename(&self, response: &Value) -> String {
        if let Some(error) = response.get("error") {
            return format!("error: {}", error["message"].as_str().unwrap_or(""));
        }
        let result = &response["result"];
        if result.is_null() {
            return "(not renamable)".to_owned();
        }
        format!(
            "{} placeholder {}",
            Self::range(&result["range"]),
            result["placeholder"].as_str().unwrap_or("")
        )
    }

    /// The files a workspace edit changes, each with the edits applied.
    pub fn workspace_edit_response(&self, response: &Value) -> String {
        if let Some(error) = response.get("error") {
            return format!("error: {}\n", error["message"].as_str().unwrap_or(""));
        }
        self.workspace_edit(&response["result"])
    }

    pub fn workspace_edit(&self, edit: &Value) -> String {
        let mut out = String::new();
        if let Some(changes) = edit["changes"].as_object() {
            let mut uris: Vec<&String> = changes.keys().collect();
            uris.sort_by_key(|uri| self.name(uri));
            for uri in uris {
                let text = self.text_of(uri).unwrap_or_default();
                let _ = write!(
                    out,
                    "=== {}\n{}",
                    self.name(uri),
                    apply(&text, &changes[uri.as_str()])
                );
            }
        }
        let mut renamed: BTreeMap<String, String> = BTreeMap::new();
        for change in edit["documentChanges"].as_array().into_iter().flatten() {
            match change["kind"].as_str() {
                Some("rename") => {
                    let old = change["oldUri"].as_str().unwrap_or("");
                    let new = change["newUri"].as_str().unwrap_or("");
                    renamed.insert(new.to_owned(), self.text_of(old).unwrap_or_default());
                    let _ = writeln!(
                        out,
                        "=== rename {} -> {}",
                        self.name(change["oldUri"].as_str().unwrap_or("")),
                        self.name(change["newUri"].as_str().unwrap_or(""))
                    );
                }
                Some(other) => {
                    let _ = writeln!(out, "=== {other}");
                }
                None => {
                    let uri = change["textDocument"]["uri"].as_str().unwrap_or("");
                    // After a rename the new file holds the old text.
                    let text = renamed
                        .get(uri)
                        .cloned()
                        .or_else(|| self.text_of(uri))
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        "=== edit {}\n{}",
                        self.name(uri),
                        apply(&text, &change["edits"])
                    );
                }
            }
        }
        if out.is_empty() {
            out.push_str("(no edit)\n");
        }
        out
    }

    pub fn apply_edits(&self, path: &str, edits: &Value) -> String {
        apply(&self.files[path], edits)
    }

    pub fn document_symbols(&self, result: &Value) -> String {
        fn walk(out: &mut String, symbols: &Value, depth: usize) {
            for symbol in symbols.as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "{}{} [kind {}] {} {} sel {}",
                    "  ".repeat(depth),
                    symbol["name"].as_str().unwrap_or(""),
                    symbol["kind"].as_u64().unwrap_or(0),
                    symbol["detail"].as_str().unwrap_or(""),
                    View::range(&symbol["range"]),
                    View::range(&symbol["selectionRange"]),
                );
                walk(out, &symbol["children"], depth + 1);
            }
        }
        let mut out = String::new();
        walk(&mut out, result, 0);
        out
    }

    pub fn workspace_symbols(&self, result: &Value) -> String {
        let mut out = String::new();
        for symbol in result.as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "{} ({}) {}",
                symbol["name"].as_str().unwrap_or(""),
                symbol["containerName"].as_str().unwrap_or(""),
                self.location(
                    symbol["location"]["uri"].as_str().unwrap_or(""),
                    &symbol["location"]["range"]
                )
            );
        }
        out
    }

    pub fn folding(&self, path: &str, result: &Value) -> String {
        let lines: Vec<&str> = self.files[path].lines().collect();
        let mut out = String::new();
        for range in result.as_array().into_iter().flatten() {
            let start = usize::try_from(range["startLine"].as_u64().unwrap_or(0)).unwrap_or(0);
            let end = usize::try_from(range["endLine"].as_u64().unwrap_or(0)).unwrap_or(0);
            let _ = writeln!(
                out,
                "{}-{} {} «{}» .. «{}»",
                start + 1,
                end + 1,
                range["kind"].as_str().unwrap_or("region"),
                lines.get(start).map_or("", |l| l.trim()),
                lines.get(end).map_or("", |l| l.trim())
            );
        }
        out
    }

    pub fn semantic_tokens(&self, path: &str, result: &Value) -> String {
        const TYPES: [&str; 11] = [
            "keyword",
            "type",
            "property",
            "variable",
            "number",
            "string",
            "comment",
            "operator",
            "namespace",
            "enumMember",
            "parameter",
        ];
        let text = &self.files[path];
        let lines: Vec<&str> = text.split('\n').collect();
        let data: Vec<u64> = result["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let mut out = String::new();
        let (mut line, mut col) = (0u64, 0u64);
        for token in data.chunks(5) {
            let [delta_line, delta_col, length, kind, modifiers] = token else {
                continue;
            };
            if *delta_line > 0 {
                line += delta_line;
                col = *delta_col;
            } else {
                col += delta_col;
            }
            let line_text: Vec<u16> = lines
                .get(usize::try_from(line).unwrap_or(0))
                .map_or_else(Vec::new, |l| l.encode_utf16().collect());
            let start = usize::try_from(col).unwrap_or(0).min(line_text.len());
            let end = (start + usize::try_from(*length).unwrap_or(0)).min(line_text.len());
            let _ = writeln!(
                out,
                "{}:{} {}{} «{}»",
                line + 1,
                col + 1,
                TYPES
                    .get(usize::try_from(*kind).unwrap_or(99))
                    .unwrap_or(&"?"),
                if *modifiers == 0 {
                    String::new()
                } else {
                    format!("+{modifiers}")
                },
                String::from_utf16_lossy(&line_text[start..end])
            );
        }
        out
    }

    pub fn code_actions(&self, result: &Value) -> String {
        let mut out = String::new();
        for action in result.as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "## {} ({})",
                action["title"].as_str().unwrap_or(""),
                action["kind"].as_str().unwrap_or("")
            );
            out.push_str(&self.workspace_edit(&action["edit"]));
        }
        if out.is_empty() {
            out.push_str("(no actions)\n");
        }
        out
    }

    pub fn inlay_hints(&self, path: &str, result: &Value) -> String {
        let text = &self.files[path];
        let mut out = String::new();
        for hint in result.as_array().into_iter().flatten() {
            let offset = Self::offset_in(text, &hint["position"]);
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let _ = writeln!(
                out,
                "{}:{} {} after «{}»",
                hint["position"]["line"].as_u64().unwrap_or(0) + 1,
                hint["position"]["character"].as_u64().unwrap_or(0) + 1,
                hint["label"].as_str().unwrap_or(""),
                text[line_start..offset].trim()
            );
        }
        if out.is_empty() {
            out.push_str("(no hints)\n");
        }
        out
    }
}

/// Applies LSP text edits (non-overlapping, positions in the original
/// text) and returns the new text.
pub fn apply(text: &str, edits: &Value) -> String {
    let mut resolved: Vec<(usize, usize, String)> = edits
        .as_array()
        .into_iter()
        .flatten()
        .map(|edit| {
            let start = View::offset_in(text, &edit["range"]["start"]);
            let end = View::offset_in(text, &edit["range"]["end"]).max(start);
            (
                start,
                end,
                edit["newText"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    resolved.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut out = text.to_owned();
    for (start, end, new_text) in resolved {
        out.replace_range(start..end, &new_text);
    }
    out
}
