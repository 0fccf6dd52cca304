//! Check 3's last part: every element, attribute and piece of text of an
//! XML original is still in the canonical XML of its IR.
//!
//! The reader warns about what it does not understand almost everywhere,
//! but not everywhere: attributes of `<uuid>`, `<owner>`, `<name>` and a
//! binding's `<mac>`, text inside `<owner>`, and elements inside `<uuid>`
//! or `<name>` were measured to vanish without a diagnostic. Rather than
//! trust every such corner of the reader, this compares two inventories
//! taken with the same XML tokeniser the reader uses (quick-xml): how many
//! times each element name occurs, each attribute name on each element
//! name, and each element name with text in it. The canonical form may
//! hold more (it spells defaults out, and splits a protocol element where
//! the negation changes), never less.
//!
//! Values are not compared here: the IR comparison of check 6 covers the
//! values of everything the reader kept, and values are normalised
//! (masks, numbers, case) so text comparison would refuse for nothing.
//! Only names are, and no nwfilter vocabulary is known here.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Attributes whose content the IR keeps in another shape, which the
/// writer therefore need not repeat: `match` (the negation, per attribute
/// in the IR, written as `match='no'` on negated groups only) and
/// `statematch` (written only when false).
const RESHAPED: [&str; 2] = ["match", "statematch"];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Element(String),
    Attribute(String, String),
    Text(String),
}

type Inventory = BTreeMap<Part, usize>;

/// The first part of `original` the canonical text holds fewer of, if any.
/// Tokenising errors count as a difference (the caller has checked that
/// the original reads without errors).
pub(super) fn first_missing(original: &str, canonical: &str) -> Option<String> {
    let (Some(before), Some(after)) = (inventory(original), inventory(canonical)) else {
        return Some("the document".to_owned());
    };
    before.into_iter().find_map(|(part, n_before)| {
        let n_after = after.get(&part).copied().unwrap_or(0);
        (n_after < n_before).then(|| match part {
            Part::Element(name) => format!("<{name}>"),
            Part::Attribute(element, name) => format!("`{name}` on <{element}>"),
            Part::Text(element) => format!("the text in <{element}>"),
        })
    })
}

fn name_of(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn add_element(start: &BytesStart<'_>, inventory: &mut Inventory) -> Option<String> {
    let element = name_of(start);
    *inventory.entry(Part::Element(element.clone())).or_default() += 1;
    for attr in start.attributes() {
        let attr = attr.ok()?;
        let name = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if !RESHAPED.contains(&name.as_str()) {
            *inventory
                .entry(Part::Attribute(element.clone(), name))
                .or_default() += 1;
        }
    }
    Some(element)
}

fn inventory(text: &str) -> Option<Inventory> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut inventory = Inventory::new();
    // The open elements, each with whether text was seen directly in it.
    let mut open: Vec<(String, bool)> = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => open.push((add_element(&start, &mut inventory)?, false)),
            Event::Empty(start) => {
                add_element(&start, &mut inventory)?;
            }
            Event::End(_) => {
                let (element, has_text) = open.pop()?;
                if has_text {
                    *inventory.entry(Part::Text(element)).or_default() += 1;
                }
            }
            Event::Text(chunk) if chunk.iter().all(u8::is_ascii_whitespace) => {}
            Event::Text(_) | Event::GeneralRef(_) | Event::CData(_) => {
                // Text outside the root is malformed; the reader reports it.
                if let Some((_, has_text)) = open.last_mut() {
                    *has_text = true;
                }
            }
            Event::Eof => return Some(inventory),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}
