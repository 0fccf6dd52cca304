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
