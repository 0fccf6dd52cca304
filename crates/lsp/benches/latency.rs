//! Latency of the language server on a generated workspace of 10,000
//! rules (50 text files and 50 XML files of 100 rules each, the filters
//! referencing one another in a chain), measured through the protocol
//! with an in-process server, as an editor sees it:
//!
//! - edit to diagnostics: a `didChange` on an open file until the
//!   `publishDiagnostics` for that version arrives (debounce set to 0, so
//!   this is analysis and protocol cost; editors add the configured delay);
//! - hover, go to definition, completion, formatting and code action
//!   round trips.
//!
//! Run: `cargo bench -p nwf-lsp --bench latency`. Prints median and p95 in
//! milliseconds. Not a test: nothing here asserts on time. Without
//! `--bench` (as `cargo test --all-targets` runs it) it does one small
//! round only, to prove the benchmark still works.

#[path = "../tests/support/rpc.rs"]
mod rpc;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

/// The workspace's size and the number of samples.
#[derive(Clone, Copy)]
struct Size {
    files_per_form: usize,
    rules_per_filter: usize,
    edits: i64,
    requests: usize,
}

const FULL: Size = Size {
    files_per_form: 50,
    rules_per_filter: 100,
    edits: 60,
    requests: 100,
};

const SMOKE: Size = Size {
    files_per_form: 2,
    rules_per_filter: 5,
    edits: 4,
    requests: 3,
};

fn text_filter(size: Size, idx: usize) -> String {
    let mut out = format!("filter f{idx} chain ipv4 {{\n");
    for rule in 0..size.rules_per_filter {
        let _ = writeln!(
            out,
            "    in accept tcp srcipaddr = $IP dstportstart = {} priority {}",
            1000 + rule,
            rule % 900
        );
    }
    if idx + 1 < 2 * size.files_per_form {
        let _ = writeln!(out, "    ref f{} IP = $IP", idx + 1);
    }
    out.push_str("}\n");
    out
}

/// A filter as large as the others, laid out loosely, that formats and
/// converts without loss.
fn clean_filter(size: Size) -> String {
    let mut out = "# formatted in the benchmark\nfilter   clean chain ipv4 {\n".to_owned();
    for rule in 0..size.rules_per_filter {
        let _ = writeln!(
            out,
            "  in  accept tcp   srcipaddr = 10.0.{}.0 srcipmask = 24 dstportstart = {}  priority {}",
            rule % 250,
            1000 + rule,
            rule % 900
        );
    }
    out.push_str("    ref clean-traffic IP = 10.0.0.1\n}\n");
    out
}

fn xml_filter(size: Size, idx: usize) -> String {
    let mut out = format!("<filter name='f{idx}' chain='ipv4'>\n");
    for rule in 0..size.rules_per_filter {
        let _ = writeln!(
            out,
            "  <rule action='accept' direction='in' priority='{}'>\n    <udp srcipaddr='$IP' dstportstart='{}'/>\n  </rule>",
            rule % 900,
            2000 + rule
        );
    }
    if idx + 1 < 2 * size.files_per_form {
        let _ = writeln!(
            out,
            "  <filterref filter='f{}'>\n    <parameter name='IP' value='$IP'/>\n  </filterref>",
            idx + 1
        );
    }
    out.push_str("</filter>\n");
    out
}

fn write_workspace(size: Size, root: &Path) {
    std::fs::create_dir_all(root).expect("workspace dir");
    for idx in 0..2 * size.files_per_form {
        if idx % 2 == 0 {
            std::fs::write(root.join(format!("f{idx}.nwf")), text_filter(size, idx))
                .expect("write");
        } else {
            std::fs::write(root.join(format!("f{idx}.xml")), xml_filter(size, idx)).expect("write");
        }
    }
    std::fs::write(
        root.join("binding.nwf"),
        "bind vnet0 mac 52:54:00:11:22:33 {\n    ref f0 IP = 10.0.0.2\n}\n",
    )
    .expect("write");
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95).div_ceil(100).saturating_sub(1)];
    println!(
        "{name:<22} n={:<4} median {:>8.2} ms   p95 {:>8.2} ms",
        samples.len(),
        ms(median),
        ms(p95)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let size = if std::env::args().any(|arg| arg == "--bench") {
        FULL
    } else {
        SMOKE
    };
    runtime.block_on(run(size));
}

async fn run(size: Size) {
    let root = std::env::temp_dir().join(format!("nwf-lsp-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write_workspace(size, &root);
    let uri = |name: &str| {
        tower_lsp_server::ls_types::Uri::from_file_path(root.join(name))
            .expect("absolute")
            .to_string()
    };
    let mut client = rpc::in_process();
    let started = Instant::now();
    client
        .initialize(
            Some(&uri("")),
            json!({"diagnosticsDelayMs": 0, "cacheDir": root.join(".cache")}),
        )
        .await;
    let text_uri = uri("f0.nwf");
    let text = text_filter(size, 0);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": text_uri, "languageId": "nwf", "version": 1, "text": text}}),
    );
    client.diagnostics(&text_uri, Some(1)).await;
    println!(
        "workspace: {} rules in {} files; initialize to first diagnostics {:.0} ms",
        2 * size.files_per_form * size.rules_per_filter,
        2 * size.files_per_form + 1,
        started.elapsed().as_secs_f64() * 1000.0
    );

    // Edit to diagnostics: type a space at the end of line 2, then delete it.
    let mut samples = Vec::new();
    for version in 2..2 + size.edits {
        client.clear_notifications();
        let change = if version % 2 == 0 {
            json!({"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 4}}, "text": " "})
        } else {
            json!({"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 5}}, "text": ""})
        };
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": text_uri, "version": version}, "contentChanges": [change]}),
        );
        client.diagnostics(&text_uri, Some(version)).await;
        samples.push(sent.elapsed());
    }
    summary("edit -> diagnostics", samples);

    let clean_uri = uri("clean.nwf");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": clean_uri, "languageId": "nwf", "version": 1, "text": clean_filter(size)}}),
    );

    // The `ref f1` line is the last line before `}`.
    let ref_line = size.rules_per_filter + 1;
    let at = |position: serde_json::Value| json!({"textDocument": {"uri": text_uri}, "position": position});
    let requests = [
        (
            "hover (filter ref)",
            "textDocument/hover",
            at(json!({"line": ref_line, "character": 9})),
        ),
        (
            "definition",
            "textDocument/definition",
            at(json!({"line": ref_line, "character": 9})),
        ),
        (
            "hover (attribute)",
            "textDocument/hover",
            at(json!({"line": 1, "character": 24})),
        ),
        (
            "completion (attrs)",
            "textDocument/completion",
            at(json!({"line": 1, "character": 4 + "in accept tcp ".len()})),
        ),
        // Both rewrite the whole file only after checking that nothing is
        // lost (print, read back, compare); the code actions include the
        // conversion to XML. On a file of the same size whose rewrite goes
        // ahead (the chain's files pass `IP = $IP`, which libvirt ignores,
        // so they are not rewritten).
        (
            "formatting",
            "textDocument/formatting",
            json!({"textDocument": {"uri": clean_uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
        ),
        (
            "code actions",
            "textDocument/codeAction",
            json!({"textDocument": {"uri": clean_uri}, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "context": {"diagnostics": []}}),
        ),
    ];
    for (name, method, params) in requests {
        let mut samples = Vec::new();
        for _ in 0..size.requests {
            let sent = Instant::now();
            let result = client.request(method, params.clone()).await;
            samples.push(sent.elapsed());
            assert!(!result.is_null(), "{name} gave no answer");
        }
        summary(name, samples);
    }
    client.shutdown().await;
    let _ = std::fs::remove_dir_all(&root);
}
