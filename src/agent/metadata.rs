//! Moving a domain's `<filterref>`s between its `<interface>`s (libvirt's
//! nwfilter driver) and nwf's `<metadata>` element (`nwf agent`), as text
//! edits of the XML libvirt gives: what `nwf adopt` and `nwf release` send
//! back through libvirt's API. Everything else in the XML is kept as it is.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::domain::NAMESPACE;

/// A filter reference: libvirt's `<filterref filter=...>` with its
/// `<parameter name value>`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterRef {
    pub filter: String,
    pub parameters: Vec<(String, String)>,
}

/// One `<interface>` of a domain XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceXml {
    pub mac: String,
    /// The element's source text, from `<interface` to `</interface>`.
    pub text: String,
    /// Its own `<filterref>`, if it has one.
    pub filterref: Option<FilterRef>,
    /// The tap (`<target dev>`) of a running domain.
    pub dev: Option<String>,
}

/// A start tag's attribute.
fn attribute(start: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.as_ref() == name)
        .and_then(|attribute| {
            attribute
                .unescape_value()
                .ok()
                .map(std::borrow::Cow::into_owned)
        })
}

/// The byte ranges of the elements named `local` whose parent is named
/// `parent` (any depth), in order.
fn element_ranges(xml: &str, parent: &[u8], local: &[u8]) -> Result<Vec<(usize, usize)>, String> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut ranges = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|error| format!("at byte {before}: {error}"))?;
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(start) => {
                let name = start.name().as_ref().to_vec();
                if open.is_none() && name == local && path.last().is_some_and(|last| last == parent)
                {
                    open = Some((before, path.len()));
                }
                path.push(name);
            }
            Event::Empty(start)
                if open.is_none()
                    && start.name().as_ref() == local
                    && path.last().is_some_and(|last| last == parent) =>
            {
                ranges.push((before, after));
            }
            Event::End(_) => {
                path.pop();
                if let Some((start, depth)) = open {
                    if path.len() == depth {
                        ranges.push((start, after));
                        open = None;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(ranges)
}

/// The `<interface>`s of `<devices>` in a domain XML.
pub fn interfaces(xml: &str) -> Result<Vec<InterfaceXml>, String> {
    let mut found = Vec::new();
    for (start, end) in element_ranges(xml, b"devices", b"interface")? {
        let text = &xml[start..end];
        let mut mac = String::new();
        let mut dev = None;
        for (child, range) in [
            (
                b"mac".as_slice(),
                element_ranges(text, b"interface", b"mac")?,
            ),
            (
                b"target".as_slice(),
                element_ranges(text, b"interface", b"target")?,
            ),
        ] {
            let Some(&(from, to)) = range.first() else {
                continue;
            };
            let mut reader = Reader::from_str(&text[from..to]);
            if let Ok(Event::Empty(tag) | Event::Start(tag)) = reader.read_event() {
                if child == b"mac" {
                    mac = attribute(&tag, b"address")
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                } else {
                    dev = attribute(&tag, b"dev");
                }
            }
        }
        let filterref = element_ranges(text, b"interface", b"filterref")?
            .first()
            .map(|&(from, to)| read_filterref(&text[from..to]))
            .transpose()?;
        found.push(InterfaceXml {
            mac,
            text: text.to_string(),
            filterref,
            dev,
        });
    }
    Ok(found)
}

/// Reads a `<filterref>` element, libvirt's or nwf's (any prefix).
fn read_filterref(text: &str) -> Result<FilterRef, String> {
    let mut reader = Reader::from_str(text);
    let mut filterref = FilterRef {
        filter: String::new(),
        parameters: Vec::new(),
    };
    loop {
        match reader.read_event().map_err(|error| error.to_string())? {
            Event::Start(tag) | Event::Empty(tag) => {
                let name = tag.name();
                let local = name.local_name();
                if local.as_ref() == b"filterref" {
                    filterref.filter = attribute(&tag, b"filter").unwrap_or_default();
                } else if local.as_ref() == b"parameter" {
                    filterref.parameters.push((
                        attribute(&tag, b"name").unwrap_or_default(),
                        attribute(&tag, b"value").unwrap_or_default(),
                    ));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(filterref)
}

/// nwf's metadata entries of a domain XML: MAC and filter reference.
pub fn entries(xml: &str) -> Result<Vec<(String, FilterRef)>, String> {
    let mut entries = Vec::new();
    let Some(metadata) = element_ranges(xml, b"domain", b"metadata")?
        .first()
        .copied()
    else {
        return Ok(entries);
    };
    let metadata = &xml[metadata.0..metadata.1];
    // libvirt writes nwf's element with the prefix it was given and the
    // namespace declared on it.
    let declaration = format!("=\"{NAMESPACE}\"");
    let Some(position) = metadata
        .find(&declaration)
        .or_else(|| metadata.find(&format!("='{NAMESPACE}'")))
    else {
        return Ok(entries);
    };
    let tag_start = metadata[..position].rfind('<').unwrap_or(0);
    let name_end = metadata[tag_start + 1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(metadata.len(), |offset| tag_start + 1 + offset);
    let root_name = &metadata[tag_start + 1..name_end];
    let prefix = root_name.split_once(':').map_or("", |(prefix, _)| prefix);
    let qualified = |local: &str| {
        if prefix.is_empty() {
            local.to_string()
        } else {
            format!("{prefix}:{local}")
        }
    };
    let ours = element_ranges(metadata, b"metadata", root_name.as_bytes())?;
    let Some(&(from, to)) = ours.first() else {
        return Ok(entries);
    };
    let root = &metadata[from..to];
    let interface = qualified("interface");
    for (start, end) in element_ranges(root, root_name.as_bytes(), interface.as_bytes())? {
        let text = &root[start..end];
        let mut reader = Reader::from_str(text);
        let Ok(Event::Start(tag) | Event::Empty(tag)) = reader.read_event() else {
            continue;
        };
        let mac = attribute(&tag, b"mac")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let filterref = qualified("filterref");
        if let Some(&(from, to)) =
            element_ranges(text, interface.as_bytes(), filterref.as_bytes())?.first()
        {
            entries.push((mac, read_filterref(&text[from..to])?));
        }
    }
    Ok(entries)
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// libvirt's form of a filter reference, indented for an `<interface>`.
fn filterref_xml(filterref: &FilterRef, indent: &str) -> String {
    let mut xml = format!("{indent}<filterref filter='{}'", escape(&filterref.filter));
    if filterref.parameters.is_empty() {
        xml.push_str("/>\n");
        return xml;
    }
    xml.push_str(">\n");
    for (name, value) in &filterref.parameters {
        let _ = writeln!(
            xml,
            "{indent}  <parameter name='{}' value='{}'/>",
            escape(name),
            escape(value)
        );
    }
    let _ = writeln!(xml, "{indent}</filterref>");
    xml
}

/// nwf's metadata element for `entries`, as `virDomainSetMetadata` takes
/// it (libvirt puts it in nwf's namespace).
pub fn metadata_xml(entries: &[(String, FilterRef)]) -> String {
    let mut xml = String::from("<filters>\n");
    for (mac, filterref) in entries {
        let _ = writeln!(xml, "  <interface mac='{}'>", escape(mac));
        xml.push_str(&filterref_xml(filterref, "    "));
        xml.push_str("  </interface>\n");
    }
    xml.push_str("</filters>\n");
    xml
}

/// The interface without its `<filterref>` (and the line it stood on).
pub fn without_filterref(interface: &str) -> Result<String, String> {
    let Some(&(from, to)) = element_ranges(interface, b"interface", b"filterref")?.first() else {
        return Ok(interface.to_string());
    };
    let line_start = interface[..from].rfind('\n').map_or(from, |newline| {
        if interface[newline + 1..from].trim().is_empty() {
            newline
        } else {
            from
        }
    });
    Ok(format!("{}{}", &interface[..line_start], &interface[to..]))
}

/// The interface with `filterref` as its last child.
pub fn with_filterref(interface: &str, filterref: &FilterRef) -> Result<String, String> {
    let Some(end) = interface.rfind("</interface>") else {
        return Err("the interface has no end tag".into());
    };
    let line_start = interface[..end]
        .rfind('\n')
        .map_or(end, |newline| newline + 1);
    let closing_indent = &interface[line_start..end];
    let indent = if closing_indent.trim().is_empty() {
        format!("{closing_indent}  ")
    } else {
        "  ".into()
    };
    let insert_at = if closing_indent.trim().is_empty() {
        line_start
    } else {
        end
    };
    Ok(format!(
        "{}{}{}",
        &interface[..insert_at],
        filterref_xml(filterref, &indent),
        &interface[insert_at..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAIN: &str = r#"<domain type='qemu' id='3'>
  <name>vm1</name>
  <metadata>
    <nwf:filters xmlns:nwf="urn:x-nwf:agent:1">
      <nwf:interface mac="52:54:00:00:00:02">
        <nwf:filterref filter="no-mac-spoofing"/>
      </nwf:interface>
    </nwf:filters>
  </metadata>
  <devices>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br0'/>
      <target dev='vnet0'/>
      <filterref filter='clean-traffic'>
        <parameter name='IP' value='10.0.0.2'/>
      </filterref>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:02'/>
      <target dev='vnet1'/>
    </interface>
  </devices>
</domain>
"#;

    #[test]
    fn reads_interfaces_and_entries() {
        let found = interfaces(DOMAIN).expect("reads");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].mac, "52:54:00:00:00:01");
        assert_eq!(found[0].dev.as_deref(), Some("vnet0"));
        assert_eq!(
            found[0].filterref,
            Some(FilterRef {
                filter: "clean-traffic".into(),
                parameters: vec![("IP".into(), "10.0.0.2".into())],
            })
        );
        assert_eq!(found[1].filterref, None);
        let entries = entries(DOMAIN).expect("reads");
        assert_eq!(
            entries,
            [(
                "52:54:00:00:00:02".to_string(),
                FilterRef {
                    filter: "no-mac-spoofing".into(),
                    parameters: Vec::new(),
                }
            )]
        );
    }

    #[test]
    fn moves_a_filterref_out_and_back_without_changing_anything_else() {
        let found = interfaces(DOMAIN).expect("reads");
        let stripped = without_filterref(&found[0].text).expect("strips");
        assert!(!stripped.contains("filterref"), "{stripped}");
        assert!(
            stripped.contains("<target dev='vnet0'/>\n    </interface>"),
            "{stripped}"
        );
        let back =
            with_filterref(&stripped, found[0].filterref.as_ref().expect("has one")).expect("adds");
        assert_eq!(back, found[0].text);
    }

    #[test]
    fn metadata_round_trips() {
        let entries = entries(DOMAIN).expect("reads");
        let xml = metadata_xml(&entries);
        let domain = format!(
            "<domain><metadata>{}</metadata></domain>",
            xml.replace("<filters>", &format!("<filters xmlns=\"{NAMESPACE}\">"))
        );
        assert_eq!(super::entries(&domain).expect("reads"), entries);
    }
}
