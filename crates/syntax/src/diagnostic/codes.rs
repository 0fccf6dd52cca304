//! The table of diagnostic codes. A code never changes meaning once
//! released; retired codes stay reserved.
//!
//! Ranges: `NWF0xx` XML reader, `NWF1xx` text language, `NWF2xx` workspace
//! analysis, `NWF3xx` instantiation and backend, `NWF9xx` I/O and tooling.
//! Every code has a title (one line) and an explanation (`nwf explain`),
//! and `docs/diagnostics.md` documents each with an example.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $title:literal, $explain:literal; )*) => {
        /// A stable diagnostic code such as `NWF001`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as users see it, e.g. `NWF001`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line: what the code is about.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// The long explanation printed by `nwf explain`.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explain, )* }
            }

            /// Looks a code up by its spelling (`NWF001`, case-insensitive).
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|code| code.as_str().eq_ignore_ascii_case(text))
            }
        }

        impl std::fmt::Display for Code {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    // ---- NWF0xx: XML reader -------------------------------------------------
    XmlMalformed = "NWF001", Error, "malformed XML",
        "The document is not well-formed XML (an unclosed tag, a bad attribute quote, \
         text after the root element...). nwf reports where the XML parser stopped and \
         keeps whatever it understood before that point.";
    XmlWrongRoot = "NWF002", Error, "unexpected root element",
        "An nwfilter document's root element must be <filter> (a filter definition), \
         <filterbinding> (a port bound to a filter), or <domain> (a libvirt domain, whose \
         <interface> elements with a <filterref> are read as bindings). Anything else is \
         not something nwf can read.";
    XmlMissingAttribute = "NWF003", Error, "required attribute or element missing",
        "An element lacks an attribute libvirt requires: <filter name>, <rule action> and \
         <rule direction>, <filterref filter>, <parameter name/value>; a binding's <owner> \
         with <name> and <uuid>, <portdev name>, <mac address> and <filterref>. libvirt \
         refuses the whole document.";
    XmlUnknownElement = "NWF004", Warning, "unknown element",
        "libvirt silently skips elements it does not know (a misspelled <rule>, a <filterref> \
         outside a filter, text inside a rule). The element has no effect, which is almost \
         never what was meant.";
    XmlUnknownAttribute = "NWF005", Warning, "unknown attribute",
        "libvirt silently ignores attributes it does not know, so a misspelled attribute \
         (srcporttend for srcportend) makes the rule match more than intended. nwf warns and \
         suggests the closest known name.";
    XmlAttributeNotForProtocol = "NWF006", Warning, "attribute not valid for this protocol",
        "The attribute exists, but not on this protocol element (for example `flags` on \
         tcp-ipv6, or ports on icmp). libvirt ignores it, so the rule matches more than it \
         says.";
    XmlInvalidValue = "NWF007", Error, "invalid value",
        "The value does not parse as the attribute's type, or lies outside its range \
         (ports 0-65535, dscp 0-63, uint8 0-255, prefix 0-32 or 0-128, vlan id 0-4095, ...). \
         libvirt rejects the filter.";
    XmlNonContiguousMask = "NWF008", Error, "non-contiguous mask",
        "A MAC or IP mask must be a run of one-bits followed by zero-bits \
         (255.255.255.0, ff:ff:ff:00:00:00). libvirt turns masks into prefix lengths and \
         rejects masks like 255.255.255.127.";
    XmlBadVariable = "NWF009", Error, "malformed variable reference",
        "A value starting with `$` is a variable reference: `$NAME`, `$NAME[N]` (element N \
         of a list) or `$NAME[@N]` (iterate with iterator N, at most 1000). NAME consists \
         of letters, digits and underscores.";
    XmlInvalidChain = "NWF010", Error, "invalid chain name",
        "A filter's chain is `root`, or starts with one of mac, vlan, stp, arp, rarp, ipv4, \
         ipv6, optionally followed by a suffix of letters, digits and `_.:-`; the whole name \
         has at most 12 characters.";
    XmlMixedProtocols = "NWF011", Warning, "several protocols in one rule",
        "A rule matches one protocol. libvirt uses the first protocol element of a rule and \
         silently ignores elements of any other protocol in it; split the rule in two.";
    XmlRepeatedProtocol = "NWF012", Warning, "protocol element repeated",
        "libvirt merges several elements of the same protocol in one rule into one match \
         (later attributes override earlier ones). The schema forbids it; write one element.";
    XmlInvalidPriority = "NWF013", Error, "invalid priority",
        "Priorities are integers from -1000 to 1000. libvirt refuses a filter priority \
         outside that range; for a rule it silently falls back to 500, which nwf treats as \
         an error because the rule would run at another place than written.";
    XmlIgnoredByLibvirt = "NWF014", Warning, "ignored by libvirt",
        "libvirt accepts this but does not act on it (a filter priority without a chain, \
         ipsetflags without ipset, a parameter whose name or value libvirt cannot use, \
         statematch other than false/0, a comment longer than 256 bytes). The document \
         does not mean what it seems to say.";
    XmlNegationDropped = "NWF015", Warning, "negation dropped by libvirt",
        "libvirt copies the `match='no'` of some attributes onto related ones: a mask follows \
         its address, a range end follows its start, and for tcp, udp and sctp dstportstart \
         and dstportend follow srcportstart. An attribute negated on its own therefore loses \
         (or gains) its negation. Negate the leading attribute as well, or restructure.";
    XmlPortsNeedProtocol = "NWF016", Error, "ports without a port protocol",
        "An ip or ipv6 rule that matches ports must also match protocol tcp, udp, sctp or \
         dccp (33); libvirt rejects it otherwise.";
    XmlUnexpectedText = "NWF017", Warning, "unexpected text",
        "Text inside an nwfilter element other than <uuid>, <name> has no meaning and is \
         ignored.";
    // ---- NWF1xx: text language ----------------------------------------------
    // ---- NWF2xx: workspace analysis -----------------------------------------
    // ---- NWF3xx: instantiation and backend ----------------------------------
    FilterNotFound = "NWF300", Error, "referenced filter does not exist",
        "A binding or a `filterref` names a filter that is neither a stock filter nor \
         defined in the files given. libvirt refuses to start the interface; nwf refuses \
         to emit a ruleset for it.";
    VariableUndefined = "NWF301", Error, "variable has no value",
        "A rule uses `$NAME` but neither the binding nor any filter reference on the path \
         to the rule gives `NAME` a value. `$MAC` comes from the binding's MAC address; \
         `$IP` must be given as a parameter (nwf does not learn addresses from traffic).";
    FilterCycle = "NWF302", Error, "filter references form a cycle",
        "Following `filterref`s from the bound filter leads back to a filter already on \
         the path, so instantiation would never end. libvirt rejects such filters.";
    ListLengthMismatch = "NWF303", Error, "lists iterated together differ in length",
        "Variables read with the same iterator (`$A` and `$B`, or `$A[@1]` and `$B[@1]`) \
         advance together, so their lists must have the same number of values. Use \
         different iterators (`$A[@1]`, `$B[@2]`) to get every combination instead.";
    IndexOutOfRange = "NWF304", Error, "list index out of range",
        "`$NAME[N]` reads element N (counting from 0) of the list `NAME`, but the list \
         has fewer values.";
    VariableValueInvalid = "NWF305", Error, "variable value does not fit the attribute",
        "After substitution, the value of a variable is not a valid value for the \
         attribute that uses it (for example a MAC address where an IPv4 address is \
         expected).";
    NotExpressible = "NWF306", Error, "match cannot be expressed in nftables",
        "The rule uses a match that nftables has no equivalent for (gratuitous ARP \
         compares two packet fields with each other; `ipset` refers to kernel ipsets, \
         which nftables cannot read). nwf refuses rather than widen the rule.";
    RejectBecomesDrop = "NWF307", Warning, "reject at layer 2 drops silently",
        "A `reject` rule on a layer-2 protocol (mac, vlan, stp, arp, rarp, ip, ipv6) is \
         evaluated in the bridge family, where this kernel has no reject. libvirt turns it \
         into a drop as well; nwf does the same and says so. Use a layer-3/4 protocol \
         (tcp, udp, icmp, all, ...) to get a real reject.";
    InterfaceNameInvalid = "NWF308", Error, "interface name unusable",
        "The interface name must be 1 to 15 characters from `A-Z a-z 0-9 _ . -`, so that \
         it can never change the structure of the nftables ruleset.";
    StpSourceMacInout = "NWF309", Error, "STP rule with source MAC in both directions",
        "An `stp` rule with `srcmacaddr` and direction `inout` would have to match the \
         bridge group address as destination and source at once; libvirt rejects it.";
    // ---- NWF9xx: I/O and tooling --------------------------------------------
    Io = "NWF900", Error, "file cannot be read",
        "nwf could not read a file it was given (missing, unreadable, or not UTF-8).";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(
                text.len() == 6 && text.starts_with("NWF"),
                "bad code {text}"
            );
            assert!(!code.title().is_empty() && !code.explanation().is_empty());
            assert_eq!(Code::parse(&text.to_lowercase()), Some(*code));
        }
    }
}
