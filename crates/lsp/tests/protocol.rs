//! Data-driven protocol tests: every file under `tests/cases/<feature>/`
//! is one case. A case describes a small workspace and one request; the
//! harness writes the files to a temporary workspace folder, starts a server
//! in this process, speaks JSON-RPC to it exactly as an editor would,
//! renders the response as readable text and compares it with the case's
//! insta snapshot (`tests/cases/snapshots/`).
//!
//! Case format:
//!
//! ```text
//! //- request: hover               (the feature; some take an argument)
//! //- file: a.nwf                  (the files, in order; the first file
//! filter a { ... }                  holding a caret, or else the first
//! //- file: b.xml                   file, is opened in the editor)
//! <filter name='b'/>
//! ```
//!
//! `‸` marks the cursor; two carets in one file mark a range. A line
//! `//- crlf` right after a `//- file:` line gives that file `\r\n` line
//! endings (shown as `␍` in the output).

#[path = "support/render.rs"]
mod render;
#[path = "support/rpc.rs"]
mod rpc;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

struct File {
    path: String,
    text: String,
    carets: Vec<usize>,
}

struct Case {
    request: String,
    argument: String,
    files: Vec<File>,
}

fn parse_case(source: &str) -> Case {
    let mut request = String::new();
    let mut argument = String::new();
    let mut files: Vec<File> = Vec::new();
    let mut crlf = Vec::new();
    for line in source.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("//- request:") {
            let rest = rest.trim();
            let (name, arg) = rest.split_once(' ').unwrap_or((rest, ""));
            name.clone_into(&mut request);
            arg.trim().clone_into(&mut argument);
        } else if let Some(path) = line.strip_prefix("//- file:") {
            files.push(File {
                path: path.trim().to_owned(),
                text: String::new(),
                carets: Vec::new(),
            });
        } else if line.trim_end() == "//- crlf" {
            crlf.push(files.len() - 1);
        } else if let Some(file) = files.last_mut() {
            let mut rest = line;
            while let Some(idx) = rest.find('‸') {
                file.text.push_str(&rest[..idx]);
                file.carets.push(file.text.len());
                rest = &rest[idx + '‸'.len_utf8()..];
            }
            file.text.push_str(rest);
        }
    }
    for file_idx in crlf {
        let file = &mut files[file_idx];
        let n_before = |offset: usize| file.text[..offset].matches('\n').count();
        file.carets = file.carets.iter().map(|&at| at + n_before(at)).collect();
        file.text = file.text.replace('\n', "\r\n");
    }
    assert!(!request.is_empty(), "a case needs a `//- request:` line");
    assert!(!files.is_empty(), "a case needs at least one `//- file:`");
    Case {
        request,
        argument,
        files,
    }
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn language_id(path: &str) -> &'static str {
    if Path::new(path).extension().is_some_and(|ext| ext == "nwf") {
        "nwf"
    } else {
        "xml"
    }
}

async fn run_case(case: &Case, root: &Path) -> String {
    for file in &case.files {
        let path = root.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
        std::fs::write(&path, &file.text).expect("write fixture");
    }
    let root_uri = url(root);
    let mut client = rpc::in_process();
    client
        .initialize(
            Some(&root_uri),
            json!({"diagnosticsDelayMs": 0, "cacheDir": root.join(".cache")}),
        )
        .await;
    let main = case
        .files
        .iter()
        .find(|file| !file.carets.is_empty())
        .unwrap_or(&case.files[0]);
    let uri = url(&root.join(&main.path));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": language_id(&main.path), "version": 1, "text": main.text}}),
    );
    let view = render::View::new(
        root,
        &case
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect::<Vec<_>>(),
    );
    let position =
        |idx: usize| view.position(&main.path, main.carets.get(idx).copied().unwrap_or(0));
    let doc = json!({"uri": uri});
    let output = match case.request.as_str() {
        "diagnostics" => {
            let published = client.diagnostics(&uri, Some(1)).await;
            view.diagnostics(&published["diagnostics"])
        }
        "definition" => {
            let result = client
                .request(
                    "textDocument/definition",
                    json!({"textDocument": doc, "position": position(0)}),
                )
                .await;
            view.locations(&result)
        }
        "references" => {
            let result = client
                .request(
                    "textDocument/references",
                    json!({"textDocument": doc, "position": position(0), "context": {"includeDeclaration": case.argument == "with-declaration"}}),
                )
                .await;
            view.locations(&result)
        }
        "rename" => {
            let prepared = client
                .request_raw(
                    "textDocument/prepareRename",
                    json!({"textDocument": doc, "position": position(0)}),
                )
                .await;
            let renamed = client
                .request_raw(
                    "textDocument/rename",
                    json!({"textDocument": doc, "position": position(0), "newName": case.argument}),
                )
                .await;
            let mut out = format!("prepare: {}\n", view.prepare_rename(&prepared));
            out.push_str(&view.workspace_edit_response(&renamed));
            out
        }
        "hover" => {
            let result = client
                .request(
                    "textDocument/hover",
                    json!({"textDocument": doc, "position": position(0)}),
                )
                .await;
            view.hover(&result)
        }
        "completion" => {
            let result = client
                .request(
                    "textDocument/completion",
                    json!({"textDocument": doc, "position": position(0)}),
                )
                .await;
            view.completion(&result)
        }
        "documentSymbol" => {
            let result = client
                .request("textDocument/documentSymbol", json!({"textDocument": doc}))
                .await;
            view.document_symbols(&result)
        }
        "workspaceSymbol" => {
            let result = client
                .request("workspace/symbol", json!({"query": case.argument}))
                .await;
            view.workspace_symbols(&result)
        }
        "folding" => {
            let result = client
                .request("textDocument/foldingRange", json!({"textDocument": doc}))
                .await;
            view.folding(&main.path, &result)
        }
        "formatting" => {
            let result = client
                .request(
                    "textDocument/formatting",
                    json!({"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": true}}),
                )
                .await;
            if result.is_null() {
                // A refusal is logged, with the reason, before the answer.
                let logged = client
                    .wait_notification(|n| {
                        n["method"] == "window/logMessage"
                            && n["params"]["message"]
                                .as_str()
                                .is_some_and(|m| m.contains("not formatting"))
                    })
                    .await;
                format!(
                    "(not formatted)\nlog: {}\n",
                    logged["params"]["message"].as_str().unwrap_or("")
                )
            } else if result.as_array().is_some_and(Vec::is_empty) {
                "(already formatted)\n".to_owned()
            } else {
                view.apply_edits(&main.path, &result).replace('\r', "␍")
            }
        }
        "semanticTokens" => {
            let result = client
                .request(
                    "textDocument/semanticTokens/full",
                    json!({"textDocument": doc}),
                )
                .await;
            view.semantic_tokens(&main.path, &result)
        }
        "codeAction" => {
            // Wait until diagnostics exist, as an editor would have them.
            let published = client.diagnostics(&uri, Some(1)).await;
            let range = json!({"start": position(0), "end": position(1)});
            let result = client
                .request(
                    "textDocument/codeAction",
                    json!({"textDocument": doc, "range": range, "context": {"diagnostics": published["diagnostics"]}}),
                )
                .await;
            view.code_actions(&result)
        }
        "inlayHint" => {
            let end = view.position(&main.path, main.text.len());
            let result = client
                .request(
                    "textDocument/inlayHint",
                    json!({"textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": end}}),
                )
                .await;
            view.inlay_hints(&main.path, &result)
        }
        other => panic!("unknown request `{other}` in case"),
    };
    client.shutdown().await;
    // Messages may name files by path; the workspace's place is not part
    // of the expected output.
    output.replace(&root.display().to_string(), "<root>")
}

fn url(path: &Path) -> String {
    tower_lsp_server::ls_types::Uri::from_file_path(path)
        .expect("absolute path")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_cases() {
    let mut paths: Vec<PathBuf> = Vec::new();
    for feature in std::fs::read_dir(cases_dir()).expect("tests/cases") {
        let feature = feature.expect("entry").path();
        if !feature.is_dir() || feature.ends_with("snapshots") {
            continue;
        }
        for case in std::fs::read_dir(&feature).expect("feature dir") {
            paths.push(case.expect("entry").path());
        }
    }
    paths.sort();
    assert!(!paths.is_empty(), "no protocol cases found");
    let scratch = std::env::temp_dir().join(format!("nwf-lsp-protocol-{}", std::process::id()));
    let mut failures = String::new();
    for path in &paths {
        let feature = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .expect("feature");
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("case name");
        let source = std::fs::read_to_string(path).expect("read case");
        let case = parse_case(&source);
        let root = scratch.join(feature).join(name);
        let _ = std::fs::remove_dir_all(&root);
        let output = run_case(&case, &root).await;
        let snapshot_name = format!("{feature}__{name}");
        let result = std::panic::catch_unwind(|| {
            insta::with_settings!({
                snapshot_path => cases_dir().join("snapshots"),
                prepend_module_to_snapshot => false,
                description => source.clone(),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(snapshot_name, output);
            });
        });
        if result.is_err() {
            let _ = writeln!(failures, "  {feature}/{name}");
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "snapshot mismatches:\n{failures}");
}
