//! Every fenced `nwf` example of `docs/language.md` and every `examples/*.nwf`
//! parses with zero diagnostics, and printing what it parses to is
//! idempotent. The example files are also in canonical form already (what
//! `nwf fmt --check` asks).

use nwf_syntax::FileId;
use nwf_syntax::text::{parse_text, print_text};

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fenced blocks of `markdown` whose info string is `lang`, with the
/// line each starts on.
fn fenced_blocks(markdown: &str, lang: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.strip_prefix("```") == Some(lang) => {
                current = Some((number + 1, String::new()));
            }
            Some(_) if trimmed.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed ```{lang} block");
    blocks
}

fn assert_clean_and_idempotent(origin: &str, text: &str) -> String {
    let (doc, diagnostics) = parse_text(FileId(0), text);
    assert!(
        diagnostics.is_empty(),
        "{origin}: expected no diagnostics, got {diagnostics:#?}"
    );
    let printed = print_text(&doc);
    let (again, diagnostics) = parse_text(FileId(0), &printed);
    assert!(
        diagnostics.is_empty(),
        "{origin}: the printed form has diagnostics {diagnostics:#?}\n{printed}"
    );
    assert_eq!(
        print_text(&again),
        printed,
        "{origin}: printing is not idempotent"
    );
    printed
}

#[test]
fn every_language_doc_example_parses_clean() {
    let path = repo_root().join("docs/language.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/language.md is readable");
    let blocks = fenced_blocks(&markdown, "nwf");
    assert!(
        blocks.len() >= 8,
        "expected the doc to show every construct, found {} examples",
        blocks.len()
    );
    for (line, text) in blocks {
        assert_clean_and_idempotent(&format!("docs/language.md:{line}"), &text);
    }
}

#[test]
fn every_example_file_parses_clean_and_is_canonical() {
    let dir = repo_root().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|ext| ext != "nwf") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("example is readable");
        let printed = assert_clean_and_idempotent(&path.display().to_string(), &text);
        assert_eq!(printed, text, "{} is not in canonical form", path.display());
        seen += 1;
    }
    assert!(seen >= 3, "expected at least three examples, found {seen}");
}

/// Each example exists in both forms: `examples/NAME.nwf` (a filter and a
/// binding) and `examples/NAME.xml` (the filter, with its comments) plus
/// `examples/NAME.binding.xml` (the `<filterbinding>`). The text converts
/// to exactly those files, the XML files read clean, and converted back to
/// text they give the `.nwf` file byte for byte.
#[test]
fn every_example_has_matching_xml_forms() {
    use nwf_syntax::ir::{Document, Item};
    use nwf_syntax::xml::{WriteOptions, parse_xml, write_binding, write_filter, write_item};

    let dir = repo_root().join("examples");
    let read = |file: &str| {
        std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|error| panic!("examples/{file}: {error}"))
    };
    let options = WriteOptions::default();
    for name in ["web-server", "dhcp-server", "isolated-lab"] {
        let text = read(&format!("{name}.nwf"));
        let (doc, diagnostics) = parse_text(FileId(0), &text);
        assert!(diagnostics.is_empty(), "{name}.nwf: {diagnostics:#?}");
        assert_eq!(doc.filters().count(), 1, "{name}.nwf holds one filter");
        assert_eq!(doc.bindings().count(), 1, "{name}.nwf holds one binding");

        let mut filter_xml = String::new();
        let mut binding_xml = String::new();
        for item in &doc.items {
            match item {
                Item::Comment(_) => filter_xml.push_str(&write_item(item, &options)),
                Item::Filter(filter) => filter_xml.push_str(&write_filter(filter, &options)),
                Item::Binding(binding) => binding_xml.push_str(&write_binding(binding)),
            }
        }
        assert_eq!(filter_xml, read(&format!("{name}.xml")), "{name}.xml");
        assert_eq!(
            binding_xml,
            read(&format!("{name}.binding.xml")),
            "{name}.binding.xml"
        );

        let mut items = Vec::new();
        for file in [format!("{name}.xml"), format!("{name}.binding.xml")] {
            let (xml_doc, diagnostics) = parse_xml(FileId(1), &read(&file));
            assert!(diagnostics.is_empty(), "{file}: {diagnostics:#?}");
            items.extend(xml_doc.items);
        }
        assert_eq!(print_text(&Document { items }), text, "{name}: XML -> text");
    }
}
