//! The intermediate representation of libvirt network filters and bindings.
//!
//! Both front ends (libvirt XML in [`crate::xml`], the `.nwf` text language)
//! lower into these types, and every consumer (printers, workspace analysis,
//! the nftables backend, the language server) reads only these types.
//!
//! The IR records what the source *said*, normalised the way libvirt
//! normalises it (MACs as bytes, masks as prefix lengths, `$X[@0]` as `$X`),
//! but it does not fill in defaults: an absent `priority` stays `None`, so
//! that printers can decide whether to spell defaults out (the XML writer
//! does, as libvirt does; the text printer does not). Spans are provenance
//! only: [`Spanned`] compares by value, so IRs read from the two forms of the
//! same filter compare equal.

pub mod protocol;
pub mod value;

pub use protocol::{Attr, AttrSpec, Protocol, ValueKind};
pub use value::{IpsetFlag, MacAddr, Number, StateFlags, TcpFlags, Value, VarAccess, VarRef};

use crate::span::{Span, Spanned};

/// Equality that ignores provenance: the plain `span` fields (like the
/// spans inside [`Spanned`]) take no part, so the IRs of one filter read
/// from XML and from the text form compare equal.
macro_rules! eq_ignoring_span {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        }
        impl Eq for $ty {}
    };
}

eq_ignoring_span!(Comment { text });
eq_ignoring_span!(Filter {
    name,
    chain,
    priority,
    uuid,
    entries
});
eq_ignoring_span!(Rule {
    action,
    direction,
    priority,
    statematch,
    protocol
});
eq_ignoring_span!(FilterRef { filter, params });
eq_ignoring_span!(Binding {
    portdev,
    linkdev,
    mac,
    owner,
    filterref,
    backend,
    source
});

/// Everything one source file holds, in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub items: Vec<Item>,
}

impl Document {
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.items.iter().filter_map(|item| match item {
            Item::Filter(filter) => Some(filter),
            _ => None,
        })
    }

    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        self.items.iter().filter_map(|item| match item {
            Item::Binding(binding) => Some(binding),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Filter(Filter),
    Binding(Binding),
    /// A comment outside any filter or binding (before an XML root element,
    /// or between text-form items).
    Comment(Comment),
}

/// A source comment: `<!-- text -->` in XML, `# text` in the text form.
/// `text` is the comment's content without its delimiters, trimmed of the
/// single space that conventionally follows `<!--`/`#`.
#[derive(Clone, Debug)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// `<filter name= chain= priority=>`.
#[derive(Clone, Debug)]
pub struct Filter {
    pub name: Spanned<String>,
    pub chain: Option<Spanned<Chain>>,
    /// The chain's priority (-1000..=1000); `None` means the default for the
    /// chain's protocol (see [`Chain::default_priority`]).
    pub priority: Option<Spanned<i16>>,
    /// The UUID as written (lower-cased), e.g. `f88f1932-debf-4aa1-9fbe-f10d3aa4bc95`.
    pub uuid: Option<Spanned<String>>,
    pub entries: Vec<Entry>,
    /// The whole filter element or block.
    pub span: Span,
}

impl Filter {
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Rule(rule) => Some(rule),
            _ => None,
        })
    }

    pub fn refs(&self) -> impl Iterator<Item = &FilterRef> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Ref(filter_ref) => Some(filter_ref),
            _ => None,
        })
    }

    /// The filter's priority when it is 0 on a chain whose default is not 0:
    /// libvirt's formatter leaves a 0 priority out and its parser reads a
    /// missing one as the chain's default, so this priority does not survive
    /// a trip through libvirt (or through nwf's canonical XML, which is
    /// libvirt's). NWF019 / NWF118 warn about it.
    pub fn priority_lost_in_xml(&self) -> Option<&Spanned<i16>> {
        let chain = self.chain.as_ref()?;
        self.priority
            .as_ref()
            .filter(|priority| priority.value == 0 && chain.value.default_priority() != 0)
    }

    /// The chain this filter lives in; `root` when not given.
    pub fn chain_or_root(&self) -> Chain {
        self.chain
            .as_ref()
            .map_or(Chain::root(), |chain| chain.value.clone())
    }
}

/// One member of a filter, in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Rule(Rule),
    Ref(FilterRef),
    Comment(Comment),
}

/// A chain name: a protocol word optionally followed by a suffix
/// (`arp`, `arp-xyz`, `ipv4-ip`), or `root`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chain {
    pub kind: ChainKind,
    /// Everything after the protocol word, including the separator
    /// (`-xyz` in `arp-xyz`); empty for a plain chain.
    pub suffix: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChainKind {
    Root,
    Mac,
    Stp,
    Vlan,
    Arp,
    Rarp,
    Ipv4,
    Ipv6,
}

impl ChainKind {
    pub const ALL: [ChainKind; 8] = [
        ChainKind::Root,
        ChainKind::Mac,
        ChainKind::Stp,
        ChainKind::Vlan,
        ChainKind::Arp,
        ChainKind::Rarp,
        ChainKind::Ipv4,
        ChainKind::Ipv6,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChainKind::Root => "root",
            ChainKind::Mac => "mac",
            ChainKind::Stp => "stp",
            ChainKind::Vlan => "vlan",
            ChainKind::Arp => "arp",
            ChainKind::Rarp => "rarp",
            ChainKind::Ipv4 => "ipv4",
            ChainKind::Ipv6 => "ipv6",
        }
    }

    /// libvirt's default chain priority for this protocol (lower runs
    /// first); from formatnwfilter.rst's table of chain priorities, except
    /// `stp`: the documentation says -810, but libvirt's parser
    /// (`nwfilter_conf.c`) has no `stp` entry in its priority map and gives
    /// such chains the middle priority, 0, which is what it instantiates.
    pub fn default_priority(self) -> i16 {
        match self {
            ChainKind::Root | ChainKind::Stp => 0,
            ChainKind::Mac => -800,
            ChainKind::Vlan => -750,
            ChainKind::Ipv4 => -700,
            ChainKind::Ipv6 => -600,
            ChainKind::Arp => -500,
            ChainKind::Rarp => -400,
        }
    }

    /// How many characters libvirt allows after the protocol word.
    pub fn max_suffix_len(self) -> usize {
        match self {
            ChainKind::Root => 0,
            ChainKind::Mac | ChainKind::Stp | ChainKind::Arp => 9,
            ChainKind::Vlan | ChainKind::Rarp | ChainKind::Ipv4 | ChainKind::Ipv6 => 8,
        }
    }
}

impl Chain {
    pub fn root() -> Chain {
        Chain {
            kind: ChainKind::Root,
            suffix: String::new(),
        }
    }

    pub fn default_priority(&self) -> i16 {
        self.kind.default_priority()
    }
}

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.kind.as_str(), self.suffix)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Drop,
    Reject,
    Accept,
    Return,
    Continue,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Drop,
        Action::Reject,
        Action::Accept,
        Action::Return,
        Action::Continue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Drop => "drop",
            Action::Reject => "reject",
            Action::Accept => "accept",
            Action::Return => "return",
            Action::Continue => "continue",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    In,
    Out,
    InOut,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::In, Direction::Out, Direction::InOut];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::InOut => "inout",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        Direction::ALL
            .into_iter()
            .find(|direction| direction.as_str() == text)
    }
}

/// The default rule priority libvirt gives a rule without one.
pub const DEFAULT_RULE_PRIORITY: i16 = 500;

/// `<rule action= direction= priority= statematch=>` and its protocol match.
#[derive(Clone, Debug)]
pub struct Rule {
    pub action: Spanned<Action>,
    pub direction: Spanned<Direction>,
    /// -1000..=1000; `None` means [`DEFAULT_RULE_PRIORITY`].
    pub priority: Option<Spanned<i16>>,
    /// `Some(false)` switches connection-state matching off; libvirt only
    /// ever writes `statematch='false'`, so `Some(true)` is kept only to
    /// remember that the source said it.
    pub statematch: Option<Spanned<bool>>,
    /// `None`: the rule has no protocol element and matches all traffic
    /// that reaches its chain.
    pub protocol: Option<ProtocolMatch>,
    pub span: Span,
}

impl Rule {
    pub fn priority_or_default(&self) -> i16 {
        self.priority
            .as_ref()
            .map_or(DEFAULT_RULE_PRIORITY, |priority| priority.value)
    }

    pub fn statematch_enabled(&self) -> bool {
        self.statematch
            .as_ref()
            .is_none_or(|statematch| statematch.value)
    }
}

/// The protocol element(s) of a rule: libvirt merges several elements of the
/// same protocol in one rule into one match, so the IR holds one protocol
/// and one list of attributes, each with its own negation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolMatch {
    pub protocol: Spanned<Protocol>,
    /// At most one entry per attribute, in source order.
    pub attrs: Vec<AttrMatch>,
}

impl ProtocolMatch {
    pub fn get(&self, attr: Attr) -> Option<&AttrMatch> {
        self.attrs.iter().find(|entry| entry.attr.value == attr)
    }
}

/// `ATTR='VALUE'` inside a protocol element. `negated` is the attribute's
/// negation as libvirt applies it: the element's `match='no'`, then
/// libvirt's copying between related attributes (a mask takes its
/// address's negation, a range end its start's; see
/// [`crate::xml::effective_negation`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrMatch {
    /// The attribute, spanned over its name.
    pub attr: Spanned<Attr>,
    /// The value, spanned over the value text (inside the quotes).
    pub value: Spanned<Value>,
    pub negated: bool,
}

/// `<filterref filter='NAME'>` with its `<parameter>`s (text: `ref NAME ...`).
#[derive(Clone, Debug)]
pub struct FilterRef {
    pub filter: Spanned<String>,
    /// In source order; a name given several times forms a list.
    pub params: Vec<Param>,
    pub span: Span,
}

impl FilterRef {
    /// The values given for `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Spanned<String>> + 'a {
        self.params
            .iter()
            .filter(move |param| param.name.value == name)
            .map(|param| &param.value)
    }
}

/// `<parameter name= value=/>`: values are untyped strings until a filter
/// uses them; the analysis and the backend type them where they are used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

/// An interface bound to a filter: libvirt's `<filterbinding>`, one
/// `<interface>` of a domain XML, or the text form's `bind`.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The host-side interface (`<portdev name=>`, `<target dev=>`).
    pub portdev: Spanned<String>,
    /// `<linkdev name=>` (macvtap's parent device), when given.
    pub linkdev: Option<Spanned<String>>,
    /// The guest's MAC, the value of `$MAC`.
    pub mac: Option<Spanned<MacAddr>>,
    /// The VM that owns the port (`<owner>` of a binding, `<name>`/`<uuid>`
    /// of a domain).
    pub owner: Option<Owner>,
    pub filterref: FilterRef,
    /// `<backend name=>` of a filter binding (which firewall instantiated it).
    pub backend: Option<Spanned<String>>,
    pub source: BindingSource,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub name: Spanned<String>,
    pub uuid: Spanned<String>,
}

/// Which document shape a binding came from, so that printers can write it
/// back in the same shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingSource {
    /// libvirt `<filterbinding>` XML.
    FilterBinding,
    /// An `<interface>` of a libvirt `<domain>` XML.
    DomainInterface,
    /// A libvirt `<interface>` device XML on its own (what `virsh
    /// attach-device` takes).
    Interface,
    /// The text form's `bind` block.
    Text,
}
