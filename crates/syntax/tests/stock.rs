//! The embedded stock library against libvirt's own files (in place, see
//! `support/corpus.rs`): the same 24 filter names, and for each filter the
//! same name, chain, priority, UUID and the same rules and references in the
//! same order. Only comments may differ: ours are our own.

#[path = "support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;

use nwf_syntax::FileId;
use nwf_syntax::ir::Filter;
use nwf_syntax::stock;
use nwf_syntax::workspace::meaning::meaning;
use nwf_syntax::xml::parse_xml;

#[test]
fn stock_library_equals_libvirts_filters_rule_for_rule() {
    let Some(root) = corpus::libvirt_ref() else {
        return;
    };
    let mut upstream = BTreeMap::new();
    for dir in ["src/nwfilter/xml", "examples/xml/nwfilter"] {
        for path in corpus::xml_files(&root.join(dir)) {
            let (document, diagnostics) = parse_xml(FileId(0), &corpus::read(&path));
            assert!(
                diagnostics.is_empty(),
                "{}: {diagnostics:?}",
                path.display()
            );
            let filters: Vec<&Filter> = document.filters().collect();
            assert_eq!(filters.len(), 1, "{}", path.display());
            upstream.insert(filters[0].name.value.clone(), meaning(filters[0]));
        }
    }
    let ours: Vec<&str> = stock::FILTERS.iter().map(|filter| filter.name).collect();
    let theirs: Vec<&str> = upstream.keys().map(String::as_str).collect();
    assert_eq!(
        ours, theirs,
        "the stock library must hold exactly libvirt's filters"
    );

    for stock_filter in stock::FILTERS {
        let (document, diagnostics) = stock_filter.parse(FileId(0));
        assert!(
            diagnostics.is_empty(),
            "{}: {diagnostics:?}",
            stock_filter.name
        );
        let filter = document
            .filters()
            .next()
            .expect("one filter per stock file");
        let ours = meaning(filter);
        let theirs = &upstream[stock_filter.name];
        assert_eq!(ours.chain, theirs.chain, "{}: chain", stock_filter.name);
        assert_eq!(
            ours.priority, theirs.priority,
            "{}: priority",
            stock_filter.name
        );
        assert_eq!(ours.uuid, theirs.uuid, "{}: uuid", stock_filter.name);
        assert_eq!(
            ours.entries.len(),
            theirs.entries.len(),
            "{}: entry count",
            stock_filter.name
        );
        for (idx, (mine, upstream_entry)) in ours.entries.iter().zip(&theirs.entries).enumerate() {
            assert_eq!(mine, upstream_entry, "{}: entry {idx}", stock_filter.name);
        }
    }
}
