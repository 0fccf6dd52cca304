//! Workspace analysis on generated workspaces of 1,000 filter files with 10
//! rules each (10,000 rules): once from scratch (parse every file, build the
//! index, run every check), and once after one file changes (what the
//! language server does on a keystroke: `set_file` + `diagnostics`).
//!
//! Two shapes of reference graph: `tree`, where filter i references filters
//! 2i+1 and 2i+2 (depth 10, like real filter trees but wider), and `chain`,
//! where filter i references filter i-1 (depth 1,000, the worst case for
//! propagating a change upwards). The changed file is filter 500.
//!
//! Run: `cargo bench -p nwf-syntax --bench workspace`.

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};
use nwf_syntax::Workspace;

const FILES: usize = 1_000;
const RULES_PER_FILE: usize = 10;

#[derive(Clone, Copy)]
enum Shape {
    Tree,
    Chain,
}

impl Shape {
    fn children(self, idx: usize) -> Vec<usize> {
        match self {
            Shape::Tree => [2 * idx + 1, 2 * idx + 2]
                .into_iter()
                .filter(|&child| child < FILES)
                .collect(),
            Shape::Chain => idx.checked_sub(1).into_iter().collect(),
        }
    }
}

/// Filter `idx`: ten rules reading `$IP`, `$MAC` and its own `$PORT_n`, and
/// references that give each child its `PORT_n`. `variant` changes one port
/// number, as an edit would.
fn filter_text(shape: Shape, idx: usize, variant: usize) -> String {
    let chain = ["ipv4", "root", "arp", "mac"][idx % 4];
    let mut text = format!("<filter name='f{idx}' chain='{chain}'>\n");
    for rule in 0..RULES_PER_FILE {
        let port = 1000 + rule + variant;
        let line = match (chain, rule % 3) {
            (_, 1) => format!("    <udp dstportstart='$PORT_{}'/>\n", idx % 7),
            ("arp", _) => format!("    <arp arpsrcipaddr='$IP' opcode='{}'/>\n", 1 + rule % 2),
            ("mac", _) => format!(
                "    <mac srcmacaddr='$MAC' protocolid='0x{:x}'/>\n",
                0x800 + rule
            ),
            (_, 0) => format!("    <tcp srcipaddr='$IP' dstportstart='{port}'/>\n"),
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
    for child in shape.children(idx) {
        let _ = write!(
            text,
            "  <filterref filter='f{child}'>\n    <parameter name='PORT_{}' value='{}'/>\n  </filterref>\n",
            child % 7,
            2000 + child
        );
    }
    text.push_str("</filter>\n");
    text
}

fn generated(shape: Shape) -> Vec<(String, String)> {
    (0..FILES)
        .map(|idx| (format!("gen/f{idx:04}.xml"), filter_text(shape, idx, 0)))
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
    let mut group = c.benchmark_group("workspace");
    group.sample_size(20);
    for (label, shape) in [("tree", Shape::Tree), ("chain", Shape::Chain)] {
        let files = generated(shape);
        let n_rules: usize = files
            .iter()
            .map(|(_, text)| text.matches("<rule ").count())
            .sum();
        assert_eq!(n_rules, FILES * RULES_PER_FILE);
        // The generated workspaces are clean, so the figures measure the
        // analysis, not the formatting of thousands of messages.
        assert_eq!(analyse(&files).diagnostics().len(), 0, "{label}");

        group.bench_function(format!("{label}/from_scratch"), |b| {
            b.iter(|| analyse(&files).diagnostics().len());
        });

        let mut workspace = analyse(&files);
        let _ = workspace.diagnostics();
        let changed = FILES / 2;
        let texts = [
            filter_text(shape, changed, 0),
            filter_text(shape, changed, 1),
        ];
        let mut flip = 0;
        group.bench_function(format!("{label}/one_file_changed"), |b| {
            b.iter(|| {
                flip ^= 1;
                workspace.set_file(&files[changed].0, texts[flip].clone());
                workspace.diagnostics().len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
