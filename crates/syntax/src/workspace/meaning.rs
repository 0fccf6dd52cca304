//! What a filter does, as opposed to how it is written: the form in which
//! two spellings of one filter compare equal. Used to tell libvirt's
//! installed copy of a stock filter from a real replacement of it.

use crate::ir::{Entry, Filter};
use crate::span::Spanned;

/// The filter as it behaves: comments dropped, every default libvirt fills
/// in made explicit (filter chain and priority, rule priority and
/// `statematch`), and the attributes of a protocol element in a fixed order
/// (their order carries no meaning). The UUID is kept; spans never count in
/// IR equality.
pub fn meaning(filter: &Filter) -> Filter {
    let mut filter = filter.clone();
    filter
        .entries
        .retain(|entry| !matches!(entry, Entry::Comment(_)));
    let chain = filter.chain_or_root();
    let priority = filter
        .priority
        .as_ref()
        .map_or(chain.default_priority(), |priority| priority.value);
    filter.chain = Some(Spanned::synthetic(chain));
    filter.priority = Some(Spanned::synthetic(priority));
    for entry in &mut filter.entries {
        if let Entry::Rule(rule) = entry {
            rule.priority = Some(Spanned::synthetic(rule.priority_or_default()));
            rule.statematch = Some(Spanned::synthetic(rule.statematch_enabled()));
            if let Some(protocol) = &mut rule.protocol {
                protocol.attrs.sort_by_key(|attr| attr.attr.value);
            }
        }
    }
    filter
}

/// Whether `a` and `b` are the same filter in meaning, whatever their
/// UUIDs (libvirt gives each installed copy one of its own).
pub fn same_meaning(a: &Filter, b: &Filter) -> bool {
    let (mut a, mut b) = (meaning(a), meaning(b));
    a.uuid = None;
    b.uuid = None;
    a == b
}
