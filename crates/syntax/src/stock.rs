//! The stock filter library: nwf's rendition of the 24 filters libvirt
//! installs (`clean-traffic`, `no-arp-spoofing`, ...), embedded in the
//! binary so that every workspace can resolve references to them on a
//! machine without libvirt.
//!
//! The files under `crates/syntax/stock/` are our own: canonical XML as
//! nwf's writer prints it, with our own description of each filter. Their
//! rules are libvirt's facts; `tests/stock.rs` proves them equal, rule for
//! rule, to libvirt's files. This module does no analysis; it only hands
//! out the sources and their parses.

use std::path::PathBuf;

use crate::ir::Document;
use crate::span::FileId;
use crate::workspace::Workspace;
use crate::{Diagnostic, xml};

/// One embedded stock filter.
#[derive(Clone, Copy, Debug)]
pub struct StockFilter {
    /// The filter's name, e.g. `clean-traffic`.
    pub name: &'static str,
    /// The XML source as embedded.
    pub source: &'static str,
}

impl StockFilter {
    /// The path the stock filter has in a workspace: `<stock>/NAME.xml`.
    /// Editors that need a real file materialise the source under a cache
    /// directory instead.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("{STOCK_DIR}/{}.xml", self.name))
    }

    /// The file name, `NAME.xml`.
    pub fn file_name(&self) -> String {
        format!("{}.xml", self.name)
    }

    /// Parses the embedded source.
    pub fn parse(&self, file: FileId) -> (Document, Vec<Diagnostic>) {
        xml::parse_xml(file, self.source)
    }
}

/// The pseudo-directory stock filters live in inside a workspace.
pub const STOCK_DIR: &str = "<stock>";

macro_rules! stock {
    ($name:literal) => {
        StockFilter {
            name: $name,
            source: include_str!(concat!("../stock/", $name, ".xml")),
        }
    };
}

/// Every stock filter, sorted by name.
pub const FILTERS: &[StockFilter] = &[
    stock!("allow-arp"),
    stock!("allow-dhcp"),
    stock!("allow-dhcp-server"),
    stock!("allow-dhcpv6"),
    stock!("allow-dhcpv6-server"),
    stock!("allow-incoming-ipv4"),
    stock!("allow-incoming-ipv6"),
    stock!("allow-ipv4"),
    stock!("allow-ipv6"),
    stock!("clean-traffic"),
    stock!("clean-traffic-gateway"),
    stock!("no-arp-ip-spoofing"),
    stock!("no-arp-mac-spoofing"),
    stock!("no-arp-spoofing"),
    stock!("no-ip-multicast"),
    stock!("no-ip-spoofing"),
    stock!("no-ipv6-multicast"),
    stock!("no-ipv6-spoofing"),
    stock!("no-mac-broadcast"),
    stock!("no-mac-spoofing"),
    stock!("no-other-l2-traffic"),
    stock!("no-other-rarp-traffic"),
    stock!("qemu-announce-self"),
    stock!("qemu-announce-self-rarp"),
];

/// The stock filter called `name`.
pub fn get(name: &str) -> Option<&'static StockFilter> {
    FILTERS
        .binary_search_by(|filter| filter.name.cmp(name))
        .ok()
        .map(|idx| &FILTERS[idx])
}

/// Adds every stock filter to `workspace`, flagged as stock, at
/// [`StockFilter::path`].
pub fn load_into(workspace: &mut Workspace) {
    for filter in FILTERS {
        let path = filter.path();
        let file = workspace.id_for(&path);
        let (document, diagnostics) = filter.parse(file);
        workspace.set_document(path, filter.source, document, diagnostics, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stock_filter_parses_clean_and_is_named_after_its_file() {
        assert_eq!(FILTERS.len(), 24);
        for (idx, stock) in FILTERS.iter().enumerate() {
            let (document, diagnostics) = stock.parse(FileId(0));
            assert!(diagnostics.is_empty(), "{}: {diagnostics:?}", stock.name);
            let names: Vec<_> = document
                .filters()
                .map(|filter| filter.name.value.clone())
                .collect();
            assert_eq!(names, [stock.name]);
            assert_eq!(get(stock.name).map(|found| found.name), Some(stock.name));
            if idx > 0 {
                assert!(
                    FILTERS[idx - 1].name < stock.name,
                    "FILTERS must stay sorted"
                );
            }
        }
    }
}
