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
    // ---- NWF1xx: text language ----------------------------------------------
    TextUnexpectedChar = "NWF100", Error, "unexpected character",
        "A character that starts no token of the text form. Names, numbers, addresses and \
         flag lists are made of letters, digits and `_ . : / @ + -` (with commas between \
         flag words); anything else must be written inside a quoted string.";
    TextUnterminatedString = "NWF101", Error, "string without closing quote",
        "A quoted string must end on the line it starts on. Write a newline inside a \
         string as `\\n`.";
    TextBadEscape = "NWF102", Error, "unknown escape in a string",
        "Inside a quoted string the escapes are `\\\\`, `\\\"`, `\\n`, `\\r`, `\\t` and \
         `\\u{HEX}`. Any other backslash sequence is an error (and is kept literally).";
    TextUnexpectedToken = "NWF103", Error, "unexpected token",
        "A token that has no place where it stands, such as an `=` without an attribute \
         before it, a `,` outside a list, or a `]` without `[`.";
    TextUnclosedBlock = "NWF104", Error, "block without closing brace",
        "A `filter` or `bind` block was still open when the file (or the next block) \
         started. Close every block with `}`.";
    TextStrayBrace = "NWF105", Error, "closing brace without a block",
        "A `}` that closes nothing. Remove it, or add the block header it belongs to.";
    TextUnknownKeyword = "NWF106", Error, "unknown keyword",
        "A word that starts no construct where it stands. At the top of a file the \
         constructs are `filter` and `bind`; inside a filter, `uuid`, `ref` and rules \
         (which start with a direction: `in`, `out`, `inout`); inside a binding, `ref`, \
         `owner`, `linkdev` and `backend`. A close misspelling comes with a fix.";
    TextMissing = "NWF107", Error, "something required is missing",
        "A construct lacks a part it needs: a filter its name, a rule its action, an \
         attribute its value, a binding its `ref`.";
    TextUnknownAction = "NWF108", Error, "unknown rule action",
        "A rule's second word is its action: `drop`, `reject`, `accept`, `return` or \
         `continue`.";
    TextUnknownProtocol = "NWF109", Error, "unknown protocol",
        "After the action a rule may name the protocol it matches: one of libvirt's \
         protocol elements (`mac`, `vlan`, `stp`, `arp`, `rarp`, `ip`, `ipv6`, `tcp`, \
         `udp`, `sctp`, `udplite`, `esp`, `ah`, `icmp`, `igmp`, `all` and the `-ipv6` / \
         `icmpv6` forms).";
    TextUnknownAttribute = "NWF110", Error, "unknown attribute for this protocol",
        "Each protocol accepts a fixed set of attributes, named exactly as in libvirt's \
         XML. An attribute of another protocol, or a misspelled one, is reported here; \
         libvirt would silently ignore it.";
    TextBadValue = "NWF111", Error, "value does not fit the attribute",
        "The value is not of the attribute's type (a MAC address, an IPv4 address, a \
         number in range, a state list...) or not of the construct's form (a priority, \
         a chain name, a UUID, a MAC).";
    TextDuplicate = "NWF112", Error, "given twice",
        "An attribute, a header option (`chain`, `priority`), a `uuid` or a binding's \
         `ref` can be given once. The first one is kept.";
    TextMissingOperator = "NWF113", Error, "attribute without `=`",
        "An attribute of a rule, or a parameter of a `ref`, is written `NAME = VALUE` \
         (or `NAME != VALUE` for a rule attribute).";
    TextMisplaced = "NWF114", Error, "construct in the wrong place",
        "A construct that cannot appear where it stands: a rule outside a filter, a \
         block inside a rule, a list as a rule attribute's value, `!=` on a parameter, \
         a nested block.";
    // ---- NWF2xx: workspace analysis -----------------------------------------
    // ---- NWF3xx: instantiation and backend ----------------------------------
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
