//! What a running domain asks of nwf, read from its live XML.
//!
//! A domain hands an interface to nwf with an element of nwf's own in the
//! domain's `<metadata>`, libvirt's extension point for management tools
//! (libvirt keeps such elements as they are, one per namespace):
//!
//! ```xml
//! <metadata>
//!   <nwf:filters xmlns:nwf="urn:x-nwf:agent:1">
//!     <nwf:interface mac="52:54:00:00:00:01">
//!       <nwf:filterref filter="clean-traffic">
//!         <nwf:parameter name="IP" value="10.0.0.2"/>
//!       </nwf:filterref>
//!     </nwf:interface>
//!   </nwf:filters>
//! </metadata>
//! ```
//!
//! The interface is the domain's `<interface>` with that MAC; its tap is the
//! live `<target dev>`. The `<filterref>` has libvirt's meaning and form
//! (`filter`, `<parameter name value>`), so moving it between an
//! `<interface>` and the metadata changes nothing else. An `<interface>`
//! that keeps its own `<filterref>` is libvirt's nwfilter driver's: the
//! agent does not bind it, and says so when it also has nwf metadata.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// nwf's metadata namespace.
pub const NAMESPACE: &str = "urn:x-nwf:agent:1";

/// One interface of a running domain that nwf is to filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    /// The tap, from `<target dev>`.
    pub portdev: String,
    pub mac: String,
    pub filter: String,
    /// The filter's parameters, in order; a list is one pair per value.
    pub parameters: Vec<(String, String)>,
    /// libvirt's own `<filterref>` on the same interface, if any.
    pub libvirt_filter: Option<String>,
}

/// What a domain's live XML says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainView {
    pub name: String,
    pub uuid: String,
    /// The interfaces nwf filters.
    pub wanted: Vec<Wanted>,
    /// Interfaces libvirt's nwfilter driver filters (a `<filterref>` of
    /// their own and no nwf metadata): tap and filter.
    pub libvirt_filtered: Vec<(String, String)>,
    /// What could not be read, each naming the interface (its MAC) when
    /// there is one. An interface named here must not be left open.
    pub problems: Vec<Problem>,
}

/// A part of the metadata the agent cannot act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The interface's tap, when the problem is with one interface.
    pub portdev: Option<String>,
    /// The interface's MAC, when known.
    pub mac: Option<String>,
    pub message: String,
}

/// A small element tree: enough to read a domain without a schema.
#[derive(Debug, Default)]
struct Element {
    /// The namespace URI, if the element has one.
    namespace: Option<String>,
    local: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    /// The element's own text, trimmed.
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn child(&self, local: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|child| child.namespace.is_none() && child.local == local)
    }

    fn children<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |child| child.namespace.is_none() && child.local == local)
    }
}

fn parse_tree(xml: &str) -> Result<Element, String> {
    let mut reader = NsReader::from_str(xml);
    let decoder = reader.decoder();
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|error| format!("at byte {position}: {error}"))?;
        match event {
            Event::Start(start) => {
                stack.push(element(decoder, resolved, &start)?);
            }
            Event::Empty(start) => {
                let element = element(decoder, resolved, &start)?;
                stack.last_mut().expect("root").children.push(element);
            }
            Event::End(_) => {
                let done = stack.pop().expect("an end has a start");
                stack
                    .last_mut()
                    .ok_or("unbalanced end tag")?
                    .children
                    .push(done);
            }
            Event::Text(text) => {
                let text = text.decode().map_err(|error| error.to_string())?;
                stack.last_mut().expect("root").text.push_str(&text);
            }
            Event::GeneralRef(reference) => {
                let resolved = if let Some(char) = reference
                    .resolve_char_ref()
                    .map_err(|error| error.to_string())?
                {
                    char.to_string()
                } else {
                    let name = reference.decode().map_err(|error| error.to_string())?;
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name};"))?
                        .to_string()
                };
                stack.last_mut().expect("root").text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or("no document")?;
    if !stack.is_empty() {
        return Err("unclosed element".into());
    }
    root.children.pop().ok_or_else(|| "no root element".into())
}

fn element(
    decoder: quick_xml::encoding::Decoder,
    resolved: ResolveResult<'_>,
    start: &BytesStart<'_>,
) -> Result<Element, String> {
    let namespace = match resolved {
        ResolveResult::Bound(namespace) => {
            Some(String::from_utf8_lossy(namespace.as_ref()).into_owned())
        }
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(prefix) => {
            return Err(format!(
                "undeclared namespace prefix `{}`",
                String::from_utf8_lossy(&prefix)
            ));
        }
    };
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let key = attribute.key.local_name();
        if attribute.key.as_ref().starts_with(b"xmlns") {
            continue;
        }
        let value = attribute
            .decode_and_unescape_value(decoder)
            .map_err(|error| error.to_string())?;
        attributes.push((
            String::from_utf8_lossy(key.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        namespace,
        local: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
        attributes,
        children: Vec::new(),
        text: String::new(),
    })
}

/// Reads a domain's live XML (`virDomainGetXMLDesc` of a running domain).
pub fn read(xml: &str) -> Result<DomainView, String> {
    let root = parse_tree(xml)?;
    if root.local != "domain" || root.namespace.is_some() {
        return Err(format!(
            "the root element is <{}>, not <domain>",
            root.local
        ));
    }
    let text = |element: Option<&Element>| {
        element
            .map(|element| element.text.trim().to_string())
            .unwrap_or_default()
    };
    let mut view = DomainView {
        name: text(root.child("name")),
        uuid: text(root.child("uuid")),
        ..DomainView::default()
    };
    // The domain's interfaces: MAC, tap, libvirt's own filterref.
    let interfaces: Vec<(String, Option<String>, Option<String>)> = root
        .child("devices")
        .into_iter()
        .flat_map(|devices| devices.children("interface"))
        .map(|interface| {
            let mac = interface
                .child("mac")
                .and_then(|mac| mac.attribute("address"))
                .unwrap_or_default()
                .to_ascii_lowercase();
            let dev = interface
                .child("target")
                .and_then(|target| target.attribute("dev"))
                .map(str::to_string);
            let filter = interface
                .child("filterref")
                .and_then(|filterref| filterref.attribute("filter"))
                .map(str::to_string);
            (mac, dev, filter)
        })
        .collect();
    let ours: Vec<&Element> = root
        .child("metadata")
        .into_iter()
        .flat_map(|metadata| metadata.children.iter())
        .filter(|element| element.namespace.as_deref() == Some(NAMESPACE))
        .collect();
    let mut claimed = Vec::new();
    for filters in ours {
        if filters.local != "filters" {
            view.problems.push(Problem {
                portdev: None,
                mac: None,
                message: format!(
                    "nwf metadata: unknown element <{}> (expected <filters>)",
                    filters.local
                ),
            });
            continue;
        }
        for entry in &filters.children {
            read_entry(entry, &interfaces, &mut view, &mut claimed);
        }
    }
    for (mac, dev, filter) in &interfaces {
        if let (Some(dev), Some(filter)) = (dev, filter) {
            if !claimed.contains(mac) {
                view.libvirt_filtered.push((dev.clone(), filter.clone()));
            }
        }
    }
    Ok(view)
}

/// Reads one `<nwf:interface>`.
fn read_entry(
    entry: &Element,
    interfaces: &[(String, Option<String>, Option<String>)],
    view: &mut DomainView,
    claimed: &mut Vec<String>,
) {
    let mac = entry
        .attribute("mac")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let found = interfaces.iter().find(|(their_mac, ..)| *their_mac == mac);
    let portdev = found.and_then(|(_, dev, _)| dev.clone());
    let mut problem = |message: String| {
        view.problems.push(Problem {
            portdev: portdev.clone(),
            mac: (!mac.is_empty()).then(|| mac.clone()),
            message,
        });
    };
    if entry.namespace.as_deref() != Some(NAMESPACE) || entry.local != "interface" {
        problem(format!(
            "nwf metadata: unknown element <{}> in <filters> (expected <interface mac=...>)",
            entry.local
        ));
        return;
    }
    if mac.is_empty() {
        problem("nwf metadata: <interface> without a mac attribute".into());
        return;
    }
    claimed.push(mac.clone());
    // An entry for a MAC the domain does not have (yet) is for an
    // interface that may be plugged in later.
    let Some((_, dev, libvirt_filter)) = found else {
        return;
    };
    let Some(dev) = dev else {
        problem(format!(
            "nwf metadata: the interface with MAC {mac} has no tap (<target dev>)"
        ));
        return;
    };
    let mut filterrefs = entry.children.iter();
    let (Some(filterref), None) = (filterrefs.next(), filterrefs.next()) else {
        problem(format!(
            "nwf metadata: the interface with MAC {mac} needs exactly one <filterref>"
        ));
        return;
    };
    let unknown_attribute = |element: &Element, allowed: &[&str]| {
        element
            .attributes
            .iter()
            .find(|(key, _)| !allowed.contains(&key.as_str()))
            .map(|(key, _)| key.clone())
    };
    if filterref.local != "filterref" || filterref.namespace.as_deref() != Some(NAMESPACE) {
        problem(format!(
            "nwf metadata: unknown element <{}> for MAC {mac} (expected <filterref>)",
            filterref.local
        ));
        return;
    }
    if let Some(key) =
        unknown_attribute(entry, &["mac"]).or(unknown_attribute(filterref, &["filter"]))
    {
        problem(format!(
            "nwf metadata: unknown attribute `{key}` for MAC {mac}"
        ));
        return;
    }
    let Some(filter) = filterref
        .attribute("filter")
        .filter(|name| !name.is_empty())
    else {
        problem(format!(
            "nwf metadata: the <filterref> for MAC {mac} has no filter attribute"
        ));
        return;
    };
    let mut parameters = Vec::new();
    for parameter in &filterref.children {
        let known = parameter.local == "parameter"
            && parameter.namespace.as_deref() == Some(NAMESPACE)
            && unknown_attribute(parameter, &["name", "value"]).is_none()
            && parameter.children.is_empty();
        if let (true, Some(name), Some(value)) = (
            known,
            parameter.attribute("name"),
            parameter.attribute("value"),
        ) {
            parameters.push((name.to_string(), value.to_string()));
        } else {
            problem(format!(
                "nwf metadata: the <filterref> for MAC {mac} holds <{}>, not <parameter name=... value=...>",
                parameter.local
            ));
            return;
        }
    }
    view.wanted.push(Wanted {
        portdev: dev.clone(),
        mac,
        filter: filter.to_string(),
        parameters,
        libvirt_filter: libvirt_filter.clone(),
    });
}

impl DomainView {
    /// The `<filterbinding>` libvirt would hold for `wanted`, the form nwf's
    /// front end reads: owner, port, MAC, filterref.
    pub fn binding_xml(&self, wanted: &Wanted) -> String {
        use std::fmt::Write as _;
        let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
        // Without an owner (an interface bound by hand, re-bound by the
        // agent when it learns an address) the form is libvirt's
        // <interface> device XML, which needs none.
        let owned = !self.uuid.is_empty();
        let mut xml = if owned {
            format!(
                "<filterbinding>\n  <owner>\n    <name>{}</name>\n    <uuid>{}</uuid>\n  </owner>\n  \
                 <portdev name='{}'/>\n",
                escape(&self.name),
                escape(&self.uuid),
                escape(&wanted.portdev)
            )
        } else {
            format!(
                "<interface type='ethernet'>\n  <target dev='{}'/>\n",
                escape(&wanted.portdev)
            )
        };
        if !wanted.mac.is_empty() {
            let _ = writeln!(xml, "  <mac address='{}'/>", escape(&wanted.mac));
        }
        let _ = write!(xml, "  <filterref filter='{}'", escape(&wanted.filter));
        if wanted.parameters.is_empty() {
            xml.push_str("/>\n");
        } else {
            xml.push_str(">\n");
            for (name, value) in &wanted.parameters {
                let _ = writeln!(
                    xml,
                    "    <parameter name='{}' value='{}'/>",
                    escape(name),
                    escape(value)
                );
            }
            xml.push_str("  </filterref>\n");
        }
        xml.push_str(if owned {
            "</filterbinding>\n"
        } else {
            "</interface>\n"
        });
        xml
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::path::Path;

    /// Each `tests/agent/domains/*.xml` read as the agent reads a live
    /// domain, with the `<filterbinding>` it makes for each interface.
    #[test]
    fn domain_cases() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agent/domains");
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/agent/domains exists")
            .map(|entry| entry.expect("readable").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        cases.sort();
        assert!(cases.len() >= 5, "too few cases in {}", dir.display());
        for case in cases {
            let name = case
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let xml = std::fs::read_to_string(&case).expect("UTF-8");
            let mut out = String::new();
            match super::read(&xml) {
                Err(message) => {
                    let _ = writeln!(out, "error: {message}");
                }
                Ok(view) => {
                    let _ = writeln!(out, "domain {:?} uuid {:?}", view.name, view.uuid);
                    for wanted in &view.wanted {
                        let _ = writeln!(
                            out,
                            "wanted {} mac {} filter {} (libvirt's filterref: {:?})",
                            wanted.portdev, wanted.mac, wanted.filter, wanted.libvirt_filter
                        );
                        out.push_str(&view.binding_xml(wanted));
                    }
                    for (dev, filter) in &view.libvirt_filtered {
                        let _ = writeln!(out, "libvirt's: {dev} filter {filter}");
                    }
                    for problem in &view.problems {
                        let _ = writeln!(
                            out,
                            "problem at {:?} (mac {:?}): {}",
                            problem.portdev, problem.mac, problem.message
                        );
                    }
                }
            }
            insta::with_settings!({
                snapshot_path => dir.join("snapshots"),
                prepend_module_to_snapshot => false,
                input_file => &case,
            }, {
                insta::assert_snapshot!(name, out);
            });
        }
    }
}
