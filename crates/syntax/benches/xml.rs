//! Reading and writing libvirt XML: the 24 stock filters, the round-trip
//! corpus inputs and the binding files, read in place from the reference
//! corpus (`NWF_LIBVIRT_REF`, or `<repo>/../shared/reference/libvirt`), or
//! the diagnostic fixtures when the corpus is missing. Throughput is the
//! bytes of XML read (or written) per second.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nwf_syntax::FileId;
use nwf_syntax::xml::{WriteOptions, parse_xml, write_xml};

fn corpus_dirs() -> Vec<PathBuf> {
    let root = std::env::var_os("NWF_LIBVIRT_REF").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/libvirt"),
        PathBuf::from,
    );
    if root.join("src/nwfilter/xml").is_dir() {
        [
            "src/nwfilter/xml",
            "examples/xml/nwfilter",
            "tests/nwfilterxml2xmlin",
            "tests/virnwfilterbindingxml2xmldata",
        ]
        .iter()
        .map(|dir| root.join(dir))
        .collect()
    } else {
        eprintln!("libvirt corpus not found; benchmarking the diagnostic fixtures");
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xml-diagnostics")]
    }
}

fn documents() -> Vec<String> {
    let mut documents = Vec::new();
    for dir in corpus_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|ext| ext == "xml") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    documents.push(text);
                }
            }
        }
    }
    documents
}

fn bench(c: &mut Criterion) {
    let documents = documents();
    let bytes: usize = documents.iter().map(String::len).sum();
    let parsed: Vec<_> = documents
        .iter()
        .map(|text| parse_xml(FileId(0), text).0)
        .collect();
    let written_bytes: usize = parsed
        .iter()
        .map(|doc| write_xml(doc, &WriteOptions::default()).len())
        .sum();

    let mut group = c.benchmark_group("xml");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("read", |b| {
        b.iter(|| {
            for text in &documents {
                black_box(parse_xml(FileId(0), black_box(text)));
            }
        });
    });
    group.bench_function("read+write", |b| {
        b.iter(|| {
            for text in &documents {
                let (document, _) = parse_xml(FileId(0), black_box(text));
                black_box(write_xml(&document, &WriteOptions::default()));
            }
        });
    });
    group.throughput(Throughput::Bytes(written_bytes as u64));
    group.bench_function("write", |b| {
        b.iter(|| {
            for document in &parsed {
                black_box(write_xml(black_box(document), &WriteOptions::default()));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
