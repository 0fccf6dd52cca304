//! Which warnings mark a rule that matches more than its text says.
//!
//! libvirt accepts some mistakes silently: an element or attribute it does
//! not know is skipped, a second protocol element is ignored, a negation is
//! overridden. The rule it then installs matches more packets (or other
//! packets) than the text reads. nwf warns about each (the file is valid
//! libvirt), and its commands that load rules into the kernel refuse them
//! unless asked for libvirt's lenient reading. This module is the one list
//! of those codes; it does not decide what a command does with them.
//!
//! Warnings left out make a rule match *less* than it seems to (a rule that
//! never runs, an empty range, a reject that becomes a drop) or concern no
//! match at all (an unused parameter, a filter name that is not an XML
//! name). Errors are not listed: every error is refused anyway.

use super::Code;

impl Code {
    /// Whether a diagnostic with this code means that the rule libvirt would
    /// install matches more than the text says (or something else than it
    /// says), so that applying it would let through what the author meant
    /// to stop.
    pub fn widens_rule(self) -> bool {
        // Every code is listed, so that a new code cannot be forgotten here.
        match self {
            // The element is skipped: a misspelt protocol element leaves a
            // rule without a protocol (matching everything), a misspelt
            // <rule> drops the rule.
            Code::XmlUnknownElement
            // The attribute is skipped, and with it its match.
            | Code::XmlUnknownAttribute
            | Code::XmlAttributeNotForProtocol
            // Only the first protocol element counts; the others' matches
            // are dropped.
            | Code::XmlMixedProtocols
            // Later attributes override earlier ones: a match is lost.
            | Code::XmlRepeatedProtocol
            // A priority, a parameter, `statematch`, a `match` or a boolean
            // value that libvirt reads otherwise than written.
            | Code::XmlIgnoredByLibvirt
            // A negation overridden by another attribute's.
            | Code::XmlNegationDropped
            // Text has no meaning in a filter; whatever it was meant to
            // say, libvirt does not do it.
            | Code::XmlUnexpectedText
            | Code::TextNegationCopied
            | Code::TextIgnoredByLibvirt
            // With `statematch='false'` the explicit `state` is not matched.
            | Code::StateWithoutStatematch => true,
            // Warnings that do not widen a rule.
            Code::XmlBadFilterName
            | Code::UnusedParameter
            | Code::ProtocolOutsideChain
            | Code::ShadowedRule
            | Code::DuplicateRule
            | Code::EmptyRange
            | Code::RejectBecomesDrop
            | Code::OverridesStockFilter
            // libvirt's evaluation order, reproduced by the backend: the
            // rule matches what libvirt matches, the warning says the author
            // may not have meant it.
            | Code::SubChainFallOff
            | Code::Layer3RootFirst
            // A priority nwf applies as written (libvirt's stored form loses
            // it; the warning says so), markup without meaning for a filter,
            // a carriage return in a comment, and conversion findings: none
            // drops a match.
            | Code::XmlPriorityZeroLost
            | Code::TextPriorityZeroLost
            | Code::XmlIgnoredMarkup
            | Code::TextCarriageReturnInComment
            | Code::RewriteForeign
            | Code::XmlCannotHold
            // Errors: refused whatever this says.
            | Code::XmlMalformed
            | Code::XmlWrongRoot
            | Code::XmlMissingAttribute
            | Code::XmlInvalidValue
            | Code::XmlNonContiguousMask
            | Code::XmlBadVariable
            | Code::XmlInvalidChain
            | Code::XmlInvalidPriority
            | Code::XmlPortsNeedProtocol
            | Code::TextUnexpectedChar
            | Code::TextUnterminatedString
            | Code::TextBadEscape
            | Code::TextUnexpectedToken
            | Code::TextUnclosedBlock
            | Code::TextStrayBrace
            | Code::TextUnknownKeyword
            | Code::TextMissing
            | Code::TextUnknownAction
            | Code::TextUnknownProtocol
            | Code::TextUnknownAttribute
            | Code::TextBadValue
            | Code::TextDuplicate
            | Code::TextMissingOperator
            | Code::TextMisplaced
            | Code::DuplicateFilter
            | Code::UnknownFilter
            | Code::ReferenceCycle
            | Code::MissingVariable
            | Code::IndexBeyondList
            | Code::IteratorLengthMismatch
            | Code::ReservedVariableValue
            | Code::ParameterValueKind
            | Code::FilterNotFound
            | Code::VariableUndefined
            | Code::FilterCycle
            | Code::ListLengthMismatch
            | Code::IndexOutOfRange
            | Code::VariableValueInvalid
            | Code::NotExpressible
            | Code::InterfaceNameInvalid
            | Code::StpSourceMacInout
            | Code::NftRefused
            | Code::InterfaceBoundTwice
            | Code::RewriteLoses
            | Code::Io => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Severity};

    /// A code that widens a rule is a warning: errors are refused anyway,
    /// and a hint never describes a rule that matches more.
    #[test]
    fn only_warnings_widen() {
        for code in Code::ALL {
            if code.widens_rule() {
                assert_eq!(code.default_severity(), Severity::Warning, "{code}");
            }
        }
        assert!(Code::ALL.iter().any(|code| code.widens_rule()));
    }
}
