//! Reads (and writes) the given XML files `N` times and prints how many
//! bytes it read: run under `perf stat` to get bytes per CPU-second on a
//! busy machine, where wall-clock benchmarks are unreliable.
//! `cargo run --release --example xml_throughput -- 200 FILE...`

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let texts: Vec<String> = args
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect();
    let mut bytes = 0usize;
    let mut written = 0usize;
    for _ in 0..rounds {
        for text in &texts {
            let (document, _) = nwf_syntax::xml::parse_xml(nwf_syntax::FileId(0), text);
            written +=
                nwf_syntax::xml::write_xml(&document, &nwf_syntax::xml::WriteOptions::default())
                    .len();
            bytes += text.len();
        }
    }
    println!("read {bytes} bytes, wrote {written} bytes");
}
