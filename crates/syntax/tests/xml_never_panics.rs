//! Property: the XML reader is total. On arbitrary text and on mutations of
//! real documents (the diagnostic fixtures) it never panics, every span lies
//! inside the text on character boundaries, and whatever it read is written
//! back as well-formed XML that reads and writes the same again (the shared
//! invariants of `support/round_trip.rs`, which the fuzz target checks too).

use std::path::Path;

#[path = "support/round_trip.rs"]
#[allow(dead_code)]
mod round_trip;

use proptest::prelude::*;

fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(load_seeds)
}

fn load_seeds() -> Vec<String> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    // The lossless fixtures include a lost priority 0, so that the lossy
    // branch of the invariant is exercised.
    let mut seeds: Vec<String> = ["xml-diagnostics", "lossless"]
        .into_iter()
        .flat_map(|folder| std::fs::read_dir(fixtures.join(folder)).expect("fixture folder exists"))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "xml"))
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .collect();
    seeds.sort();
    seeds.push(
        "<filter name='ok' chain='ipv4-ip' priority='-710'>\n  <uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid>\n  <rule action='accept' direction='out' priority='100' statematch='false'>\n    <tcp match='no' srcipaddr='$IP[@1]' srcipmask='255.255.0.0' srcportstart='0x10' dstportstart='22' state='NEW,ESTABLISHED' flags='SYN,ACK/SYN' ipset='s' comment='x &amp; y'/>\n  </rule>\n  <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/></filterref>\n</filter>\n"
            .to_owned(),
    );
    seeds
}

fn check(text: &str) {
    round_trip::check_xml(text);
    round_trip::check_xml_to_text(text);
}

#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize, usize),
    Truncate(usize),
}

fn interesting_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b'<'),
            Just(b'>'),
            Just(b'/'),
            Just(b'\''),
            Just(b'"'),
            Just(b'='),
            Just(b'&'),
            Just(b';'),
            Just(b'$'),
            Just(b'['),
            Just(b']'),
            Just(b'@'),
            Just(b'-'),
            Just(b' '),
            Just(b'\n'),
            any::<u8>(),
        ],
        1..6,
    )
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), interesting_bytes()).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..20).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), 1usize..40, any::<usize>())
            .prop_map(|(from, len, to)| Mutation::Duplicate(from, len, to)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(seed: &str, mutations: &[Mutation]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for mutation in mutations {
        let len = bytes.len().max(1);
        match mutation {
            Mutation::Insert(at, insert) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, insert.iter().copied());
            }
            Mutation::Delete(at, count) => {
                let at = at % len;
                let end = (at + count).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Duplicate(from, count, to) => {
                let from = from % len;
                let end = (from + count).min(bytes.len());
                let slice: Vec<u8> = bytes.get(from..end).unwrap_or_default().to_vec();
                let to = to % (bytes.len() + 1);
                bytes.splice(to..to, slice);
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_documents_never_break_the_reader(
        seed_index in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let seed = &seeds[seed_index % seeds.len()];
        check(&apply(seed, &mutations));
    }

    #[test]
    fn arbitrary_text_never_breaks_the_reader(text in "(<|>|/|'|=|&|;|\\$|\\[|\\]|@| |[a-z]|[0-9]|\\PC){0,200}") {
        check(&text);
    }
}

/// Every input a fuzz target once failed on (`fuzz/regressions/TARGET/`)
/// holds the invariants now.
#[test]
fn fuzz_regressions_hold() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut count = 0;
    for (target, check) in [
        ("xml_reader", round_trip::check_xml as fn(&str)),
        ("text_parser", round_trip::check_text as fn(&str)),
    ] {
        let entries = std::fs::read_dir(dir.join(target)).expect("regression folder exists");
        for entry in entries {
            let bytes =
                std::fs::read(entry.expect("readable entry").path()).expect("readable input");
            if let Ok(text) = std::str::from_utf8(&bytes) {
                check(text);
                count += 1;
            }
        }
    }
    assert!(
        count >= 2,
        "expected the fuzz regression inputs, found {count}"
    );
}
