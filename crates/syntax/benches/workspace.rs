//! Workspace analysis on a generated workspace of 1,000 filter files with
//! 10 rules each (10,000 rules) and two references per filter: once from
//! scratch (parse every file, build the index, run every check), and once
//! after one file changes (what the language server does on a keystroke).
//!
//! Run: `cargo bench -p nwf-syntax --bench workspace`.

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};
use nwf_syntax::Workspace;

const FILES: usize = 1_000;
const RULES_PER_FILE: usize = 10;

/// Filter `i` refers to two filters with smaller numbers, so the reference
/// graph is a deep DAG, and reads a few variables some of which its callers
/// give.
fn filter_text(idx: usize, variant: usize) -> String {
    let chain = ["ipv4", "root", "arp", "mac"][idx % 4];
    let mut text = format!("<filter name='f{idx}' chain='{chain}'>\n");
    for rule in 0..RULES_PER_FILE {
        let port = 1000 + rule + variant;
        let line = match (chain, rule % 3) {
            ("arp", _) => format!("    <arp arpsrcipaddr='$IP' opcode='{}'/>\n", 1 + rule % 2),
            ("mac", _) => format!(
                "    <mac srcmacaddr='$MAC' protocolid='0x{:x}'/>\n",
                0x800 + rule
            ),
            (_, 0) => format!("    <tcp srcipaddr='$IP' dstportstart='{port}'/>\n"),
            (_, 1) => format!("    <udp dstportstart='$PORT_{}'/>\n", idx % 7),
            _ => format!(
                "    <ip srcipaddr='10.{}.{}.0' srcipmask='24'/>\n",
                idx % 250,
                rule
            ),
        };
        let _ = write!(
            text,
            "  <rule action='accept' direction='{}' priority='{}'>\n{line}  </rule>\n",
            ["in", "out"][rule % 2],
            100 + rule
        );
    }
    if idx >= 2 {
        for child in [idx / 2, idx - 1] {
            let _ = write!(
                text,
                "  <filterref filter='f{child}'>\n    <parameter name='PORT_{}' value='{}'/>\n  </filterref>\n",
                child % 7,
                2000 + child
            );
        }
    }
    text.push_str("</filter>\n");
    text
}

fn generated() -> Vec<(String, String)> {
    (0..FILES)
        .map(|idx| (format!("gen/f{idx:04}.xml"), filter_text(idx, 0)))
        .collect()
}

fn analyse(files: &[(String, String)]) -> Workspace {
    let mut workspace = Workspace::default();
    for (path, text) in files {
        workspace.set_file(path, text.clone());
    }
    workspace
}

fn bench(c: &mut Criterion) {
    let files = generated();
    let n_rules: usize = files
        .iter()
        .map(|(_, text)| text.matches("<rule ").count())
        .sum();
    assert_eq!(n_rules, FILES * RULES_PER_FILE);

    c.bench_function("workspace/from_scratch_1000_files", |b| {
        b.iter(|| {
            let workspace = analyse(&files);
            workspace.diagnostics().len()
        });
    });

    let mut workspace = analyse(&files);
    let _ = workspace.diagnostics();
    let changed = FILES / 2;
    let texts = [filter_text(changed, 0), filter_text(changed, 1)];
    let mut flip = 0;
    c.bench_function("workspace/one_file_changed", |b| {
        b.iter(|| {
            flip ^= 1;
            workspace.set_file(&files[changed].0, texts[flip].clone());
            workspace.diagnostics().len()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
