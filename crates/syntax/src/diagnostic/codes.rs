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
         <filterbinding> (a port bound to a filter), <domain> (a libvirt domain, whose \
         <interface> elements with a <filterref> are read as bindings) or <interface> (one \
         such device, as `virsh attach-device` takes it). Anything else is not something \
         nwf can read.";
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
    XmlBadFilterName = "NWF018", Warning, "filter name is not an XML name",
        "libvirt's schema requires a filter name to be an XML name (a letter or `_`, then \
         letters, digits, `_`, `-`, `.`); libvirt also stores each filter in a file named \
         after it. Names with blanks, slashes or quotes may be accepted by the parser but \
         break validation, file storage and references.";
    XmlPriorityZeroLost = "NWF019", Warning, "chain priority 0 does not survive libvirt",
        "libvirt writes a filter's `priority` only when it is not 0, and reads a missing \
         priority as the chain's default (mac -800, vlan -750, ipv4 -700, ipv6 -600, arp -500, \
         rarp -400). So `chain='arp' priority='0'` is accepted by `nwfilter-define`, but the \
         file libvirt stores says `chain='arp'` alone, and the next time libvirtd reads it the \
         chain runs at -500. nwf writes libvirt's canonical form too, so converting such a \
         filter to XML loses the priority (`nwf convert` refuses without `--lossy`). Write \
         another priority, such as 1 or -1, which libvirt keeps.";
    XmlIgnoredMarkup = "NWF020", Warning, "processing instruction or DOCTYPE ignored",
        "A processing instruction (`<?name ...?>`) or a document type declaration \
         (`<!DOCTYPE ...>`) has no meaning to libvirt and no place in nwf's IR, so a rewrite \
         (`nwf convert`, `nwf fmt`, formatting in an editor) would drop it. The XML \
         declaration `<?xml version='1.0'?>` is not affected: libvirt never writes one, and \
         nwf's output is UTF-8 XML 1.0, which is what a missing declaration means.";
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
    TextNegationCopied = "NWF115", Warning, "negation follows another attribute",
        "libvirt copies the negation of some attributes onto related ones: a mask takes its \
         address's, a range end its start's, an ICMP code its type's, and for tcp, udp and \
         sctp both destination ports take `srcportstart`'s. A `!=` (or `=`) that disagrees \
         with its source is overridden; nwf keeps libvirt's meaning and prints it. Negate \
         the source together with the attribute, or split the rule.";
    TextIgnoredByLibvirt = "NWF116", Warning, "ignored by libvirt",
        "Something libvirt accepts but ignores: a filter `priority` without a `chain`, or \
         `ipsetflags` without `ipset`. nwf drops it, as libvirt does.";
    TextCarriageReturnInComment = "NWF117", Warning, "carriage return inside a comment",
        "A line of the text form ends at a line feed (a CR LF pair counts as one line end). \
         A carriage return elsewhere in a comment is a line break to many editors, which then \
         show what follows it as a line of its own, while nwf reads it as the rest of the \
         comment. nwf treats such a carriage return as a line break inside the comment (the \
         formatter writes one `#` line per piece), so nothing after it is code. Remove the \
         carriage return, or end the line with a line feed if what follows is meant as code.";
    TextPriorityZeroLost = "NWF118", Warning, "chain priority 0 does not survive libvirt",
        "libvirt writes a filter's `priority` only when it is not 0, and reads a missing \
         priority as the chain's default (mac -800, vlan -750, ipv4 -700, ipv6 -600, arp -500, \
         rarp -400). So `chain arp priority 0` becomes `chain arp`, priority -500, once the \
         filter has been through libvirt, and `nwf convert --to xml` refuses it without \
         `--lossy`. Write another priority, such as 1 or -1, which libvirt keeps. (NWF019 is \
         the same warning for XML.)";
    // ---- NWF2xx: workspace analysis -----------------------------------------
    DuplicateFilter = "NWF200", Error, "two files define the same filter name",
        "Filter names are global: libvirt keeps one filter per name, so when two files of \
         the workspace define the same name, one silently replaces the other and every \
         `<filterref>` to that name gets whichever was defined last. nwf reports every \
         definition after the first (files are ordered by path) and points at the first. \
         Rename one of the filters, or delete the copy you do not want.";
    OverridesStockFilter = "NWF201", Hint, "a user filter replaces a stock filter",
        "libvirt ships 24 predefined filters (clean-traffic, no-ip-spoofing, allow-dhcp...). \
         A file of the workspace that defines a filter with one of these names replaces the \
         stock filter for every reference to it, including the references inside the other \
         stock filters (clean-traffic refers to no-mac-spoofing, no-ip-spoofing and others). \
         That can be intended; this hint only makes it visible. Give the filter another \
         name if you meant to add a filter rather than replace one.";
    UnknownFilter = "NWF202", Error, "reference to an unknown filter",
        "A `<filterref filter='NAME'>` (text form: `ref NAME`) names a filter that neither \
         the workspace nor the stock library defines. libvirt accepts the definition, but a \
         VM whose filter tree contains the reference does not start, and hot-plugging the \
         interface fails (\"referenced filter is missing\"). nwf suggests the closest \
         defined name when there is one.";
    ReferenceCycle = "NWF203", Error, "filters reference each other in a cycle",
        "Filter references must form a tree (more precisely a directed acyclic graph): \
         libvirt refuses to define a filter whose references lead back to itself. The \
         message shows the whole path, e.g. `a → b → c → a`, and each reference on the \
         path is labelled. Remove one of the references to break the cycle.";
    UnusedParameter = "NWF204", Warning, "a filter reference passes a parameter nobody uses",
        "The parameter is given at a `<filterref>` (or a binding), but no rule in the \
         referenced filter or in any filter below it uses `$NAME`. The value is silently \
         ignored. This is usually a typo in the parameter name (`IPADDR` for `IP`) or a \
         leftover after the filter changed. The check is skipped when part of the tree \
         cannot be resolved (an unknown filter or a cycle), since the missing part might \
         use it.";
    MissingVariable = "NWF205", Error, "a binding leaves a needed variable unset",
        "Every variable used in a filter's reference tree must get a value at the binding \
         (the interface's `<filterref>`), or at a `<filterref>` on the way down. libvirt \
         refuses to instantiate the filter otherwise and the VM does not start. Two \
         variables are exempt: `MAC`, which libvirt fills in from the interface, and `IP`, \
         which libvirt learns from the guest's traffic unless `CTRL_IP_LEARNING` is `none`. \
         `IPV6` is not learned by libvirt and must be given. The related labels show where \
         the variable is used.";
    IndexBeyondList = "NWF206", Error, "a variable index is beyond the list given",
        "`$X[N]` selects element N (0-based) of the list `X`. Where the list is given (a \
         binding or a `<filterref>` with repeated `<parameter name='X'>`) it has fewer than \
         N+1 values, so libvirt cannot instantiate the rule. Give more values or use a \
         smaller index.";
    IteratorLengthMismatch = "NWF207", Error, "lists on one iterator have different lengths",
        "Variables accessed with the same iterator (`$X[@1]` and `$Y[@1]`, or `$X` and `$Y`, \
         which both use iterator 0) are walked in lock-step: the rule is instantiated once \
         for the first elements, once for the second, and so on. libvirt requires such lists \
         to have the same number of elements. Give both lists the same length, or use \
         different iterators (`$X[@1]`, `$Y[@2]`) to get every combination.";
    ProtocolOutsideChain = "NWF208", Warning, "a rule's protocol never reaches the filter's chain",
        "A filter with `chain='arp'` (or `ipv4`, `ipv6`, `rarp`, `vlan`, `stp`, with any \
         suffix) is entered only by frames of that protocol: libvirt jumps to the chain with \
         a match on the Ethernet type (or, for stp, on the bridge group address). A layer-2 \
         rule for another protocol in that chain, such as an `arp` rule in an `ipv4` chain \
         or a `mac` rule whose `protocolid` names another type, can never match. libvirt \
         accepts it without complaint. Move the rule to a filter in the right chain, or to \
         the `root` or `mac` chain, which see every frame.";
    ShadowedRule = "NWF209", Warning, "a rule comes after a catch-all rule and never runs",
        "Rules of a chain run in priority order (lower first; equal priorities in document \
         order). An earlier rule with a final action (`drop`, `reject`, `accept` or `return`) \
         that matches every frame of the chain in the same direction (no protocol element, \
         or a protocol element without attributes) decides every packet, so a later rule of \
         the same direction in the same filter never sees one. Lower the later rule's \
         priority, or narrow the catch-all rule.";
    DuplicateRule = "NWF210", Warning, "the same rule appears twice in a filter",
        "Two rules of one filter have the same action, direction, priority, state matching \
         and protocol match. The second one has no effect. Delete it, or change what you \
         meant to change.";
    EmptyRange = "NWF211", Warning, "a range ends before it starts",
        "A range attribute pair (`srcportstart`/`srcportend`, `dstportstart`/`dstportend`, \
         `srcipfrom`/`srcipto`, `type`/`typeend`, stp's `port`/`port-hi`...) has an end \
         below its start. libvirt passes the range to the firewall as written and the rule \
         matches nothing. Swap the two values.";
    StateWithoutStatematch = "NWF212", Warning, "`state` on a rule with `statematch='false'`",
        "`statematch='false'` tells libvirt not to match on connection state for this rule, \
         yet the rule asks for particular states with `state=`. The two contradict each \
         other; the rule will not do what one of them says. Remove `statematch='false'` or \
         remove `state`.";
    ReservedVariableValue = "NWF213", Error, "a reserved variable gets a value of the wrong kind",
        "Some variable names mean something to libvirt itself: `MAC` (a MAC address), `IP` \
         (IPv4 addresses), `IPV6` and `DHCPSERVERV6` (IPv6 addresses), `DHCPSERVER` (IPv4 \
         or IPv6 addresses: the stock allow-dhcpv6-server uses it for IPv6) and \
         `CTRL_IP_LEARNING` (`any`, `dhcp` or `none`). A parameter with one of these names \
         whose value is not of that kind makes instantiation fail (or, for \
         `CTRL_IP_LEARNING`, is rejected when the interface starts). Fix the value.";
    ParameterValueKind = "NWF214", Error, "a parameter value does not fit where the variable is used",
        "A variable takes the type of the attribute it is used in: `$PORT` in \
         `dstportstart='$PORT'` must be a number from 0 to 65535, `$GW` in `srcipaddr` an \
         IPv4 address. A value given at a binding or a `<filterref>` that cannot be read as \
         that type makes libvirt fail when it instantiates the rule, and the VM does not \
         start. The related label shows the use that fixes the type.";
    SubChainFallOff = "NWF215", Warning, "frames that fall off a layer-2 sub-chain are accepted before a later root rule",
        "libvirt creates every layer-2 sub-chain (`mac`, `arp`, `ipv4`, ...) with the policy \
         ACCEPT: a frame that no rule of the sub-chain decides is accepted at the sub-chain's \
         end, it does not go back to the `root` chain. A sub-chain whose rules `return` some \
         frames but has no final rule for a direction lets every other frame of its protocol \
         through, so a later `root` rule that drops them (for example \
         `no-other-l2-traffic`) never sees them. End the sub-chain with an explicit rule for \
         that direction: a final `return` hands the remaining frames back to the `root` \
         chain, a final `drop` drops them.";
    Layer3RootFirst = "NWF216", Warning, "a layer-3 rule's priority says before a root rule, but libvirt runs it after",
        "libvirt puts all layer-3/4 rules (`tcp`, `udp`, `icmp`, `all`, ...) of a binding into \
         one chain per direction: first the rules of filters whose chain is `root`, then all \
         the others, each group by rule priority. Chain priorities play no part. A rule of a \
         non-root filter whose priority is lower than an overlapping `root` rule's therefore \
         still runs after it, and the `root` rule decides. Put the rule into a filter whose \
         chain is `root` to have it run first, or narrow the `root` rule.";
    // ---- NWF3xx: instantiation and backend ----------------------------------
    FilterNotFound = "NWF300", Error, "referenced filter does not exist",
        "A binding or a `filterref` names a filter that is neither a stock filter nor \
         defined in the files given. libvirt refuses to start the interface; nwf refuses \
         to emit a ruleset for it.";
    VariableUndefined = "NWF301", Error, "variable has no value",
        "A rule uses `$NAME` but neither the binding nor any filter reference on the path \
         to the rule gives `NAME` a value. `$MAC` comes from the binding's MAC address. \
         `$IP`, when the binding gives none, is learned from the guest's traffic as libvirt \
         learns it (`CTRL_IP_LEARNING` `any`, the default, or `dhcp`; `nwf agent` does the \
         learning); with `CTRL_IP_LEARNING='none'` it must be given.";
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
    NftRefused = "NWF310", Error, "the kernel refused a rule",
        "`nft` refused the transaction because of this rule (the message says why, e.g. a \
         feature this kernel lacks). Nothing was changed: nftables applies a transaction \
         completely or not at all.";
    InterfaceBoundTwice = "NWF311", Error, "two bindings for one interface",
        "Two bindings name the same interface (`portdev`). An interface has exactly one \
         filter; merge the two filters into one that references both.";
    // ---- NWF9xx: I/O and tooling --------------------------------------------
    Io = "NWF900", Error, "file cannot be read",
        "nwf could not read a file it was given (missing, unreadable, or not UTF-8).";
    RewriteLoses = "NWF903", Error, "rewriting would lose content",
        "`nwf convert` and `nwf fmt` (and an editor's formatting) print the document from \
         nwf's IR in a canonical form. Some content of this document has no place in the IR \
         or in the target form: an unknown element or attribute, an attribute libvirt ignores, \
         stray text, a merged or ignored protocol element, anything with an error, a chain \
         priority 0 that libvirt's XML cannot keep, or a libvirt <domain> or <interface> of \
         which only the filter bindings are read. The related labels point at each place. Fix \
         the document, or pass `--lossy` to get the rewrite anyway (the losses are then \
         reported as warnings). Comments that move (out of a rule, before a binding) are not \
         a loss.";
    RewriteForeign = "NWF904", Warning, "only the filter bindings of this document are read",
        "nwf reads a libvirt <domain> (or a lone <interface> device) only for the network \
         filter bindings of its interfaces: the <filterref>, <target dev> and <mac> of each. \
         Converting such a document writes those bindings (as <filterbinding> XML or `bind` \
         blocks) and drops everything else, so `nwf convert` refuses it unless `--lossy` is \
         given, and then says so with this warning. `nwf check` and `nwf apply` read these \
         documents without complaint.";
    XmlCannotHold = "NWF905", Warning, "XML cannot hold this text",
        "The text form can spell anything inside a string or a comment, XML cannot: control \
         characters other than tab, line feed and carriage return are not XML characters \
         (libvirt's writer drops them, and so does nwf's), a tab or line break inside an \
         attribute value reads back as a space, an owner's name loses its surrounding blanks, \
         a comment cannot hold `--` (nwf writes `- -`), and libvirt reads `dstipto` of the \
         IPv6 protocols as an IPv4 address, so a literal IPv6 address there is lost. \
         `nwf convert --to xml` refuses such a document unless `--lossy` is given. Change \
         the text so that XML can hold it (pass an IPv6 `dstipto` through a variable).";
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
