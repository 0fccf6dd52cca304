//! Whether a document can be rewritten without losing content: the one
//! answer every rewriting front end (`nwf convert`, `nwf fmt`, the language
//! server's formatter) asks before it replaces what the user wrote with the
//! canonical form printed from the IR.
//!
//! ```
//! use nwf_syntax::FileId;
//! use nwf_syntax::lossless::{Form, Source, losses, refusal};
//!
//! let text = "<filter name='f' chain='ipv4'><rule action='drop' direction='in' prority='5'/></filter>";
//! let (document, diagnostics) = nwf_syntax::xml::parse_xml(FileId(0), text);
//! let source = Source { file: FileId(0), text, form: Form::Xml, document: &document, diagnostics: &diagnostics };
//! let lost = losses(&source, Form::Text);
//! assert_eq!(lost.len(), 1); // the misspelt `prority` is not in the IR
//! let refused = refusal(&lost).expect("something is lost");
//! assert_eq!(refused.code.as_str(), "NWF903");
//! ```
//!
//! A rewrite loses content in three ways ([`LossKind`]):
//!
//! - the reader kept it out of the IR: every error, and the warnings that
//!   mean "this source text has no effect and no place in the IR" (unknown
//!   element or attribute, an attribute of another protocol, stray text, a
//!   second protocol in a rule, a repeated protocol element, something
//!   libvirt ignores, a negation libvirt overrides, a processing
//!   instruction); the reader's diagnostic already says so;
//! - the target form cannot hold what the IR holds: libvirt's canonical XML
//!   leaves out a chain priority of 0 (which libvirt then reads as the
//!   chain's default), and XML cannot carry control characters, a tab or
//!   line break inside an attribute value (XML reads them back as spaces),
//!   blanks around an owner's name, or `--` inside a comment;
//! - the document is not nwf's: of a libvirt `<domain>` or `<interface>`
//!   only the filter bindings are read, so any rewrite drops the rest.
//!
//! Not losses: the XML declaration (libvirt never writes one; the output is
//! UTF-8 XML 1.0, which is what no declaration means), layout, attribute
//! order and quoting, value spellings libvirt normalises (`0x800` ->
//! `ipv4`), explicit defaults, and comments that move (out of a `<rule>`,
//! a protocol element or a `<filterref>` to just before it, out of a binding
//! to just before it): a change of position, not of content.
//!
//! This module decides; it does not print. Callers render the refusal
//! ([`refusal`]) or, when the user asked for the lossy result, the losses
//! no diagnostic reported yet ([`unreported_warnings`]).

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::ir::{Attr, Binding, Chain, Document, Entry, Filter, Item, Value};
use crate::span::{FileId, Span};

/// The two forms a document can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// libvirt XML (nwf writes libvirt's canonical form).
    Xml,
    /// The `.nwf` text language (nwf writes what `nwf fmt` prints).
    Text,
}

/// A document as a front end read it: what [`losses`] looks at.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub file: FileId,
    /// The source text (for XML, its root element tells whether the document
    /// is nwf's to rewrite).
    pub text: &'a str,
    pub form: Form,
    pub document: &'a Document,
    /// The front end's diagnostics for `text`.
    pub diagnostics: &'a [Diagnostic],
}

/// How a rewrite loses something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LossKind {
    /// The reader kept it out of the IR.
    NotRead,
    /// The IR holds it, but the target form's writer cannot keep it.
    NotWritten,
    /// The document is not nwf's: only its filter bindings are read.
    NotOwned,
}

/// One place of the source whose content a rewrite would lose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    pub kind: LossKind,
    /// The code that explains the loss (`nwf explain`).
    pub code: Code,
    pub file: FileId,
    pub span: Span,
    /// What is lost, as one sentence.
    pub message: String,
    /// Whether one of the reader's diagnostics already reports it (so a
    /// caller printing the reader's diagnostics need not repeat it).
    pub reported: bool,
}

/// Everything rewriting `source` in the canonical `target` form would lose,
/// in source order. Empty means the rewrite keeps all content (comments may
/// move).
pub fn losses(source: &Source<'_>, target: Form) -> Vec<Loss> {
    let mut lost: Vec<Loss> = source
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error() || drops_content(diagnostic.code))
        .map(|diagnostic| Loss {
            kind: LossKind::NotRead,
            code: diagnostic.code,
            file: diagnostic.file(),
            span: diagnostic.span(),
            message: diagnostic.message.clone(),
            reported: true,
        })
        .collect();
    if source.form == Form::Xml {
        if let Some((root, span)) = crate::xml::foreign_root(source.text) {
            lost.push(Loss {
                kind: LossKind::NotOwned,
                code: Code::RewriteForeign,
                file: source.file,
                span,
                message: format!(
                    "only the filter bindings of this <{root}> are read; everything else in it would be dropped"
                ),
                reported: false,
            });
        }
    }
    if target == Form::Xml {
        let mut writer = XmlLosses {
            file: source.file,
            form: source.form,
            lost: &mut lost,
        };
        writer.document(source.document);
    }
    lost.sort_by_key(|loss| (loss.span.start(), loss.span.end()));
    lost.dedup();
    lost
}

/// The error that refuses a rewrite: NWF903 at the first loss, with a
/// related label at every loss. `None` when nothing is lost.
pub fn refusal(losses: &[Loss]) -> Option<Diagnostic> {
    let first = losses.first()?;
    let mut diagnostic = Diagnostic::new(
        Code::RewriteLoses,
        first.file,
        first.span,
        format!(
            "rewriting this document would lose content ({} place{})",
            losses.len(),
            if losses.len() == 1 { "" } else { "s" }
        ),
    )
    .with_label(first.message.clone())
    .with_help("fix the places listed, or pass --lossy to rewrite anyway");
    for loss in &losses[1..] {
        diagnostic = diagnostic.with_related(
            loss.file,
            loss.span,
            format!("{} ({})", loss.message, loss.code),
        );
    }
    Some(diagnostic)
}

/// The losses no reader diagnostic reports, as warnings: what a caller
/// prints besides the reader's diagnostics when the user asked for the
/// lossy result.
pub fn unreported_warnings(losses: &[Loss]) -> Vec<Diagnostic> {
    losses
        .iter()
        .filter(|loss| !loss.reported)
        .map(|loss| {
            Diagnostic::new(loss.code, loss.file, loss.span, loss.message.clone())
                .with_severity(Severity::Warning)
                .with_label("not in the result")
        })
        .collect()
}

/// The warning both front ends give a chain priority of 0 on a chain whose
/// default is not 0 (NWF019 in XML, NWF118 in the text form): libvirt's
/// canonical XML leaves it out, and reads it back as the default.
pub fn priority_zero_warning(code: Code, file: FileId, span: Span, chain: &Chain) -> Diagnostic {
    let default = chain.default_priority();
    Diagnostic::new(
        code,
        file,
        span,
        format!(
            "libvirt does not keep priority 0 on chain `{chain}`: it writes no priority, and reads that back as the chain's default, {default}"
        ),
    )
    .with_label("lost when libvirt stores the filter")
    .with_help("write another priority, e.g. 1 or -1, which libvirt keeps")
    .with_fix("use priority -1", span, "-1")
    .with_fix("use priority 1", span, "1")
}

/// Whether a reader warning means "source content that is not in the IR".
/// Every code is listed, so that a new one must be decided here.
fn drops_content(code: Code) -> bool {
    match code {
        Code::XmlUnknownElement
        | Code::XmlUnknownAttribute
        | Code::XmlAttributeNotForProtocol
        | Code::XmlMixedProtocols
        | Code::XmlRepeatedProtocol
        | Code::XmlIgnoredByLibvirt
        | Code::XmlNegationDropped
        | Code::XmlUnexpectedText
        | Code::XmlIgnoredMarkup
        | Code::TextNegationCopied
        | Code::TextIgnoredByLibvirt => true,
        // Errors count whatever their code (see `losses`); these warnings
        // and hints keep the content: a filter name that is not an XML name
        // is kept as written, a carriage return in a comment becomes a line
        // break of the comment, a lost priority 0 is a writer loss and is
        // decided by the target form, an interface without a target device
        // is read all the same.
        Code::XmlMalformed
        | Code::XmlWrongRoot
        | Code::XmlMissingAttribute
        | Code::XmlInvalidValue
        | Code::XmlNonContiguousMask
        | Code::XmlBadVariable
        | Code::XmlInvalidChain
        | Code::XmlInvalidPriority
        | Code::XmlPortsNeedProtocol
        | Code::XmlBadFilterName
        | Code::XmlPriorityZeroLost
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
        | Code::TextCarriageReturnInComment
        | Code::TextPriorityZeroLost
        | Code::DuplicateFilter
        | Code::OverridesStockFilter
        | Code::UnknownFilter
        | Code::ReferenceCycle
        | Code::UnusedParameter
        | Code::MissingVariable
        | Code::IndexBeyondList
        | Code::IteratorLengthMismatch
        | Code::ProtocolOutsideChain
        | Code::ShadowedRule
        | Code::SubChainFallOff
        | Code::Layer3RootFirst
        | Code::DuplicateRule
        | Code::EmptyRange
        | Code::StateWithoutStatematch
        | Code::ReservedVariableValue
        | Code::ParameterValueKind
        | Code::FilterNotFound
        | Code::VariableUndefined
        | Code::FilterCycle
        | Code::ListLengthMismatch
        | Code::IndexOutOfRange
        | Code::VariableValueInvalid
        | Code::NotExpressible
        | Code::RejectBecomesDrop
        | Code::InterfaceNameInvalid
        | Code::StpSourceMacInout
        | Code::NftRefused
        | Code::InterfaceBoundTwice
        | Code::Io
        | Code::RewriteLoses
        | Code::RewriteForeign
        | Code::XmlCannotHold => false,
    }
}

/// What libvirt's canonical XML cannot keep of an IR.
struct XmlLosses<'a> {
    file: FileId,
    form: Form,
    lost: &'a mut Vec<Loss>,
}

impl XmlLosses<'_> {
    fn document(&mut self, document: &Document) {
        for item in &document.items {
            match item {
                Item::Filter(filter) => self.filter(filter),
                Item::Binding(binding) => self.binding(binding),
                Item::Comment(comment) => self.comment(&comment.text, comment.span),
            }
        }
    }

    fn filter(&mut self, filter: &Filter) {
        self.attribute("the filter name", &filter.name.value, filter.name.span);
        if let Some(lost) = filter.priority_lost_in_xml() {
            let code = match self.form {
                Form::Xml => Code::XmlPriorityZeroLost,
                Form::Text => Code::TextPriorityZeroLost,
            };
            self.lost.push(Loss {
                kind: LossKind::NotWritten,
                code,
                file: self.file,
                span: lost.span,
                message: format!(
                    "libvirt's XML leaves out priority 0, which reads back as chain `{}`'s default, {}",
                    filter.chain_or_root(),
                    filter.chain_or_root().default_priority()
                ),
                reported: true,
            });
        }
        for entry in &filter.entries {
            match entry {
                Entry::Comment(comment) => self.comment(&comment.text, comment.span),
                Entry::Ref(filter_ref) => self.attribute(
                    "the referenced filter's name",
                    &filter_ref.filter.value,
                    filter_ref.filter.span,
                ),
                Entry::Rule(rule) => {
                    let Some(protocol) = &rule.protocol else {
                        continue;
                    };
                    for attr in &protocol.attrs {
                        if attr.attr.value == Attr::DstIpTo
                            && protocol.protocol.value.is_ipv6()
                            && !matches!(attr.value.value, Value::Var(_))
                        {
                            // libvirt declares this attribute of the IPv6
                            // protocols as an IPv4 address (see xml::rule).
                            self.push_cannot_hold(
                                attr.value.span,
                                &format!(
                                    "a literal `dstipto` on {}: libvirt reads it as an IPv4 address",
                                    protocol.protocol.value
                                ),
                            );
                        }
                        if let Value::Text(text) = &attr.value.value {
                            self.attribute(
                                &format!("`{}`", attr.attr.value),
                                text,
                                attr.value.span,
                            );
                        }
                    }
                }
            }
        }
    }

    fn binding(&mut self, binding: &Binding) {
        // Bindings read from a domain or interface are checked too: besides
        // the document's NotOwned loss, their own text must survive.
        self.attribute(
            "the port device",
            &binding.portdev.value,
            binding.portdev.span,
        );
        for (what, value) in [
            ("the link device", &binding.linkdev),
            ("the backend", &binding.backend),
        ] {
            if let Some(value) = value {
                self.attribute(what, &value.value, value.span);
            }
        }
        self.attribute(
            "the referenced filter's name",
            &binding.filterref.filter.value,
            binding.filterref.filter.span,
        );
        if let Some(owner) = &binding.owner {
            let name = &owner.name.value;
            if name.trim() != name {
                self.push_cannot_hold(
                    owner.name.span,
                    "blanks around the owner's name (XML reads them away)",
                );
            }
            if let Some(bad) = name.chars().find(|&c| is_dropped_char(c)) {
                self.push_cannot_hold(owner.name.span, &dropped_message("the owner's name", bad));
            } else if name.contains('\r') {
                self.push_cannot_hold(
                    owner.name.span,
                    "a carriage return in the owner's name (XML reads it back as a line feed)",
                );
            }
        }
    }

    fn comment(&mut self, text: &str, span: Span) {
        if let Some(bad) = text.chars().find(|&c| is_dropped_char(c)) {
            self.push_cannot_hold(span, &dropped_message("the comment", bad));
        } else if text.contains('\r') {
            self.push_cannot_hold(
                span,
                "a carriage return in a comment (XML reads it back as a line feed)",
            );
        }
        if text.contains("--") {
            self.push_cannot_hold(
                span,
                "`--` inside a comment (XML forbids it; nwf writes `- -`)",
            );
        }
    }

    /// Text the writer puts in an attribute value.
    fn attribute(&mut self, what: &str, value: &str, span: Span) {
        if let Some(bad) = value.chars().find(|&c| is_dropped_char(c)) {
            self.push_cannot_hold(span, &dropped_message(what, bad));
        } else if value.contains(['\t', '\n', '\r']) {
            self.push_cannot_hold(
                span,
                &format!("a tab or line break in {what} (XML reads it back as a space)"),
            );
        }
    }

    fn push_cannot_hold(&mut self, span: Span, what: &str) {
        self.lost.push(Loss {
            kind: LossKind::NotWritten,
            code: Code::XmlCannotHold,
            file: self.file,
            span,
            message: format!("XML cannot hold {what}"),
            reported: false,
        });
    }
}

fn dropped_message(what: &str, bad: char) -> String {
    format!("the character {} in {what}", bad.escape_unicode())
}

/// Characters libvirt's escaping (and nwf's XML writer) drops.
fn is_dropped_char(c: char) -> bool {
    !crate::xml::is_xml_char(c)
}
