//! "Never drops anything", checked exhaustively on small documents: a
//! fragment carrying a marker word (a comment, an unknown element or
//! attribute, text, a processing instruction, CDATA, a DOCTYPE, a stray
//! word or string in the text form) is inserted at every position of a
//! clean filter, and whenever `lossless_rewrite` accepts the result, for
//! formatting or for conversion, the marker must be in what it prints, and
//! formatting what it prints must change nothing.
//!
//! Most insertions break the document or land where nwf keeps nothing and
//! are refused; the test also asserts that some of them (comments placed
//! between elements or lines, text inside an attribute value) are accepted,
//! so that it cannot pass by refusing everything.

#[path = "support/rewrite.rs"]
mod support;

use nwf_lsp::documents::SourceKind;
use support::rewrite;

const XML: &str = "<!-- web -->
<filter name='web' chain='ipv4' priority='-700'>
  <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
  <!-- https -->
  <rule action='accept' direction='in' priority='500'>
    <tcp dstportstart='443' comment='https'/>
  </rule>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.5'/>
  </filterref>
</filter>
";

const BINDING: &str = "<filterbinding>
  <owner>
    <name>web</name>
    <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
  </owner>
  <portdev name='vnet0'/>
  <linkdev name='eth0'/>
  <mac address='52:54:00:7b:35:93'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.5'/>
  </filterref>
</filterbinding>
";

const TEXT: &str = "# web
filter web chain ipv4 {
    uuid d54df46f-1ab5-4a22-8618-4560ef5fac2c
    # https
    in accept tcp dstportstart = 443 comment = \"https\"
    ref clean-traffic IP = 10.0.0.5
}
";

const XML_FRAGMENTS: [(&str, &str); 8] = [
    ("<!-- qqcomment -->", "qqcomment"),
    ("\n<!-- qqline -->\n", "qqline"),
    ("<qqelement/>", "qqelement"),
    (" qqattr='1'", "qqattr"),
    ("qqtext", "qqtext"),
    ("<?qqpi x?>", "qqpi"),
    ("<![CDATA[qqcdata]]>", "qqcdata"),
    ("<!DOCTYPE qqdoctype>", "qqdoctype"),
];

const TEXT_FRAGMENTS: [(&str, &str); 5] = [
    ("# qqcomment", "qqcomment"),
    ("\n# qqline\n", "qqline"),
    (" qqword", "qqword"),
    (" \"qqstring\"", "qqstring"),
    (" qqattr = 1", "qqattr"),
];

/// Inserts every fragment at every position of `base`; returns how many
/// mutated documents were accepted, per fragment, and the broken cases.
fn mutate(kind: SourceKind, base: &str, fragments: &[(&str, &str)]) -> (Vec<usize>, Vec<String>) {
    let other = support::other(kind);
    assert!(
        rewrite(kind, base, kind).is_ok(),
        "the base document is clean"
    );
    let mut accepted = vec![0; fragments.len()];
    let mut failures = Vec::new();
    for at in (0..=base.len()).filter(|&at| base.is_char_boundary(at)) {
        for (fragment_idx, (fragment, marker)) in fragments.iter().enumerate() {
            let text = format!("{}{fragment}{}", &base[..at], &base[at..]);
            for target in [kind, other] {
                let Ok(printed) = rewrite(kind, &text, target) else {
                    continue;
                };
                accepted[fragment_idx] += 1;
                if !printed.contains(marker) {
                    failures.push(format!(
                        "dropped {marker} ({target:?}):\n{text}\n---\n{printed}"
                    ));
                }
                match rewrite(target, &printed, target) {
                    Ok(again) if again == printed => {}
                    again => failures.push(format!("not a fixed point:\n{printed}\n{again:?}")),
                }
            }
        }
    }
    (accepted, failures)
}

#[test]
fn xml_insertions_are_kept_or_refused() {
    let (accepted, failures) = mutate(SourceKind::Xml, XML, &XML_FRAGMENTS);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Comments between elements, and markup inside the comment attribute's
    // value (where it is text), are kept.
    assert!(accepted[0] > 0 && accepted[1] > 0, "{accepted:?}");
    assert!(accepted[4] > 0, "{accepted:?}");
}

#[test]
fn filterbinding_insertions_are_kept_or_refused() {
    let (accepted, failures) = mutate(SourceKind::Xml, BINDING, &XML_FRAGMENTS);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A filterbinding keeps no comment; nothing inserted survives but text
    // inside an attribute value.
    assert!(accepted[4] > 0, "{accepted:?}");
}

#[test]
fn text_insertions_are_kept_or_refused() {
    let (accepted, failures) = mutate(SourceKind::Text, TEXT, &TEXT_FRAGMENTS);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(accepted[1] > 0, "{accepted:?}");
    assert!(accepted[3] > 0, "{accepted:?}");
}
