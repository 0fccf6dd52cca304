//! Reads a libvirt XML file and prints its canonical form (comments
//! stripped) and its diagnostics: `cargo run --example xml_roundtrip FILE`.

fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (document, diagnostics) = nwf_syntax::xml::parse_xml(nwf_syntax::FileId(0), &text);
        for d in &diagnostics {
            eprintln!(
                "{path}: {} {} {}: {}",
                d.code,
                d.severity.as_str(),
                d.span(),
                d.message
            );
        }
        print!(
            "{}",
            nwf_syntax::xml::write_xml(
                &document,
                &nwf_syntax::xml::WriteOptions {
                    strip_comments: true
                }
            )
        );
    }
}
