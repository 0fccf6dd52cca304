//! Parse throughput of the text form: the three example files of the
//! repository, concatenated many times into one ~1 MB input, parsed with
//! `parse_text`; and the printer over the resulting IR.
//!
//! Run: `cargo bench -p nwf-syntax --bench text`. Criterion reports the
//! throughput in bytes per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nwf_syntax::FileId;
use nwf_syntax::text::{parse_text, print_text};

fn input() -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut unit = String::new();
    for name in ["web-server", "dhcp-server", "isolated-lab"] {
        let path = format!("{root}/{name}.nwf");
        unit.push_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}")),
        );
        unit.push('\n');
    }
    let copies = (1 << 20) / unit.len().max(1) + 1;
    unit.repeat(copies)
}

fn bench(c: &mut Criterion) {
    let text = input();
    let (doc, diagnostics) = parse_text(FileId(0), &text);
    assert!(
        diagnostics.is_empty(),
        "the examples parse clean: {diagnostics:?}"
    );
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| parse_text(FileId(0), std::hint::black_box(&text)));
    });
    group.bench_function("print", |b| {
        b.iter(|| print_text(std::hint::black_box(&doc)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
