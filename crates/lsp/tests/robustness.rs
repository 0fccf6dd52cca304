//! Robustness: thousands of random edits (insertions, deletions,
//! truncations, garbage, positions past the end of lines and inside
//! surrogate pairs; a seeded RNG so every run is the same), interleaved with
//! requests of every kind at random positions, never crash the server and
//! never make a request fail; and once the edits stop, the diagnostics the
//! server publishes for the final texts equal what the library reports for
//! those texts.

#[path = "support/rpc.rs"]
mod rpc;

use std::path::PathBuf;

use nwf_syntax::LineIndex;
use nwf_syntax::span::LineCol;
use serde_json::{Value, json};

/// xorshift64*: small, seeded, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TEXT_PIECES: &[&str] = &[
    "filter ",
    "bind ",
    "ref ",
    "in ",
    "out ",
    "inout ",
    "accept ",
    "drop ",
    "tcp ",
    "arp ",
    "ipv6 ",
    "srcipaddr = ",
    "dstportstart != ",
    "$IP",
    "$MAC[@1]",
    "$X[2]",
    "10.0.0.1",
    "fe80::1",
    "52:54:00:11:22:33",
    "0x1f",
    "-500",
    "chain ",
    "arp ",
    "priority ",
    "{",
    "}",
    "{\n",
    "\n}\n",
    "\n",
    " ",
    "#",
    "# comment\n",
    "\"",
    "\"str\"",
    "[",
    "]",
    ",",
    "=",
    "!=",
    "é",
    "😀",
    "\t",
    "\\",
    "clean-traffic",
    "allow-dhcp",
    "statematch false",
    "uuid ",
];

const XML_PIECES: &[&str] = &[
    "<filter name='f' chain='arp'>",
    "</filter>",
    "<rule action='drop' direction='in'>",
    "</rule>",
    "<tcp dstportstart='80'/>",
    "<arp match='no' srcmacaddr='$MAC'/>",
    "<filterref filter='clean-traffic'>",
    "</filterref>",
    "<parameter name='IP' value='1.2.3.4'/>",
    "<",
    ">",
    "/>",
    "'",
    "\"",
    "=",
    " ",
    "\n",
    "<!--",
    "-->",
    "&amp;",
    "&",
    "é",
    "😀",
    "<uuid>",
    "</uuid>",
    "priority='",
    "' ",
    "<?xml version='1.0'?>",
];

const TEXT_START: &str = "# guest rules\nfilter guest chain ipv4 {\n    ref clean-traffic IP = 10.0.0.2\n    in accept tcp dstportstart = 22 state = NEW\n    out drop ip srcipaddr != $IP\n}\n";
const XML_START: &str = "<filter name='web' chain='root'>\n  <rule action='accept' direction='in'>\n    <tcp dstportstart='80'/>\n  </rule>\n  <filterref filter='guest'/>\n</filter>\n";

/// Byte offset of an LSP position under the protocol's clamping rules: a
/// line past the end is the end of the text, a column past the end of its
/// line is the line's end, and a column inside a character moves past it.
fn offset_of(text: &str, line: usize, character: usize) -> usize {
    let mut line_start = 0;
    for _ in 0..line {
        match text[line_start..].find('\n') {
            Some(newline) => line_start += newline + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (idx, ch) in text[line_start..].char_indices() {
        if units >= character || ch == '\n' {
            return line_start + idx;
        }
        units += ch.len_utf16();
    }
    text.len()
}

fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    (line, before[line_start..].encode_utf16().count())
}

/// A random position: usually inside the text, sometimes past a line's
/// end, past the last line, or inside a surrogate pair.
fn random_position(rng: &mut Rng, text: &str) -> (usize, usize) {
    let mut offset = rng.below(text.len() + 1);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let (line, character) = position_of(text, offset);
    match rng.below(20) {
        0 => (line, character + 1 + rng.below(5)),
        1 => (line + 1 + rng.below(3), rng.below(10)),
        2 => (line, character + 1),
        _ => (line, character),
    }
}

struct Doc {
    uri: String,
    path: PathBuf,
    text: String,
    version: i64,
    pieces: &'static [&'static str],
}

impl Doc {
    fn is_text(&self) -> bool {
        self.path.extension().is_some_and(|ext| ext == "nwf")
    }

    /// One random edit, applied to the model and returned as an LSP change.
    fn random_change(&mut self, rng: &mut Rng) -> Value {
        if rng.below(100) == 0 {
            // Truncate, as a full replacement.
            let mut cut = rng.below(self.text.len() + 1);
            while !self.text.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.truncate(cut);
            return json!({"text": self.text});
        }
        let (start_line, start_char) = random_position(rng, &self.text);
        let (end_line, end_char) = if rng.below(3) == 0 {
            random_position(rng, &self.text)
        } else {
            (start_line, start_char)
        };
        let inserted = match rng.below(10) {
            0 => String::new(),
            1 => {
                // Garbage: random printable and control characters.
                (0..rng.below(6))
                    .map(|_| {
                        char::from_u32(u32::try_from(rng.below(0x250)).unwrap_or(63)).unwrap_or('?')
                    })
                    .collect()
            }
            _ => rng.pick(self.pieces).to_owned(),
        };
        let start = offset_of(&self.text, start_line, start_char);
        let end = offset_of(&self.text, end_line, end_char).max(start);
        self.text.replace_range(start..end, &inserted);
        json!({
            "range": {
                "start": {"line": start_line, "character": start_char},
                "end": {"line": end_line, "character": end_char}
            },
            "text": inserted
        })
    }
}

const REQUESTS: &[&str] = &[
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/prepareRename",
    "textDocument/documentSymbol",
    "textDocument/foldingRange",
    "textDocument/formatting",
    "textDocument/semanticTokens/full",
    "textDocument/codeAction",
    "textDocument/inlayHint",
];

fn request_params(method: &str, uri: &str, line: usize, character: usize) -> Value {
    let position = json!({"line": line, "character": character});
    let range = json!({"start": {"line": 0, "character": 0}, "end": position});
    match method {
        "textDocument/references" => {
            json!({"textDocument": {"uri": uri}, "position": position, "context": {"includeDeclaration": true}})
        }
        "textDocument/documentSymbol"
        | "textDocument/foldingRange"
        | "textDocument/semanticTokens/full" => {
            json!({"textDocument": {"uri": uri}})
        }
        "textDocument/formatting" => {
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}})
        }
        "textDocument/codeAction" => {
            json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": []}})
        }
        "textDocument/inlayHint" => json!({"textDocument": {"uri": uri}, "range": range}),
        _ => json!({"textDocument": {"uri": uri}, "position": position}),
    }
}

/// The library's diagnostics for the final texts, as `(range, code,
/// severity, message)` per file, computed without the server.
fn library_diagnostics(docs: &[Doc]) -> Vec<Vec<(Value, String, i64, String)>> {
    let mut workspace = nwf_syntax::workspace::Workspace::default();
    nwf_syntax::stock::load_into(&mut workspace);
    let mut ids = Vec::new();
    for doc in docs {
        let id = workspace.id_for(&doc.path);
        let (document, diagnostics) = if doc.is_text() {
            nwf_syntax::text::parse_text(id, &doc.text)
        } else {
            nwf_syntax::xml::parse_xml(id, &doc.text)
        };
        ids.push(workspace.set_document(
            doc.path.clone(),
            doc.text.clone(),
            document,
            diagnostics,
            false,
        ));
    }
    docs.iter()
        .zip(ids)
        .map(|(doc, id)| {
            let index = LineIndex::new(&doc.text);
            let pos = |offset: usize| {
                let LineCol { line, col } = index.line_col_utf16(&doc.text, offset);
                json!({"line": line, "character": col})
            };
            workspace
                .file_diagnostics(id)
                .iter()
                .map(|d| {
                    let severity = match d.severity {
                        nwf_syntax::Severity::Error => 1,
                        nwf_syntax::Severity::Warning => 2,
                        nwf_syntax::Severity::Hint => 4,
                    };
                    (
                        json!({"start": pos(d.span().start()), "end": pos(d.span().end())}),
                        d.code.as_str().to_owned(),
                        severity,
                        d.message.clone(),
                    )
                })
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_random_edits_never_break_the_server() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let dir = std::env::temp_dir().join(format!("nwf-lsp-robust-{}", std::process::id()));
    let mut client = rpc::in_process();
    client
        .initialize(
            None,
            json!({"diagnosticsDelayMs": 1, "cacheDir": dir.join("cache")}),
        )
        .await;
    let mut docs: Vec<Doc> = [
        ("guest.nwf", TEXT_START, TEXT_PIECES),
        ("web.xml", XML_START, XML_PIECES),
    ]
    .into_iter()
    .map(|(name, text, pieces)| {
        let path = dir.join(name);
        Doc {
            uri: tower_lsp_server::ls_types::Uri::from_file_path(&path)
                .expect("absolute")
                .to_string(),
            path,
            text: text.to_owned(),
            version: 1,
            pieces,
        }
    })
    .collect();
    for doc in &docs {
        let language = if doc.is_text() { "nwf" } else { "xml" };
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": doc.uri, "languageId": language, "version": 1, "text": doc.text}}),
        );
    }
    let mut n_requests = 0;
    for step in 0..3000 {
        let doc = &mut docs[usize::from(rng.below(3) == 0)];
        let changes: Vec<Value> = (0..=rng.below(3))
            .map(|_| doc.random_change(&mut rng))
            .collect();
        doc.version += 1;
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": doc.uri, "version": doc.version}, "contentChanges": changes}),
        );
        if step % 25 == 0 {
            let method = rng.pick(REQUESTS);
            let (line, character) = random_position(&mut rng, &doc.text);
            let uri = doc.uri.clone();
            let response = client
                .request_raw(method, request_params(method, &uri, line, character))
                .await;
            assert!(
                response.get("error").is_none(),
                "step {step}: {method} at {line}:{character} failed: {response}"
            );
            n_requests += 1;
        }
        if step % 500 == 0 {
            client.clear_notifications();
        }
    }
    assert!(n_requests >= 100);

    let expected = library_diagnostics(&docs);
    // The edits are rough enough that the final texts have problems: the
    // comparison below is not between two empty lists.
    assert!(
        expected.iter().any(|list| !list.is_empty()),
        "{}\n{}",
        docs[0].text,
        docs[1].text
    );
    for (doc, expected) in docs.iter().zip(expected) {
        let published = client.diagnostics(&doc.uri, Some(doc.version)).await;
        let actual: Vec<(Value, String, i64, String)> = published["diagnostics"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|d| {
                (
                    d["range"].clone(),
                    d["code"].as_str().unwrap_or("").to_owned(),
                    d["severity"].as_i64().unwrap_or(0),
                    d["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "{}: final text\n{}",
            doc.uri,
            doc.text
        );
        for (got, want) in actual.iter().zip(&expected) {
            assert_eq!(
                (&got.0, &got.1, got.2),
                (&want.0, &want.1, want.2),
                "{}",
                doc.uri
            );
            assert!(
                got.3.starts_with(&want.3),
                "{}: {:?} vs {:?}",
                doc.uri,
                got.3,
                want.3
            );
        }
    }
    client.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
