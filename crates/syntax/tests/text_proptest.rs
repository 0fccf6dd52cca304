//! Properties of the text form, with proptest:
//!
//! - any canonical IR (what either front end produces once libvirt's
//!   fixups are applied: attributes in table order with libvirt's negation,
//!   parameters grouped by name and sorted, defaults absent) printed as
//!   text and read back is the same IR, with no diagnostic;
//! - printing is idempotent;
//! - the parser is total: any input, however broken, gives a result without
//!   panicking, with spans inside the text, and the IR it recovers prints as
//!   text that reads back clean.

#[path = "support/round_trip.rs"]
#[allow(dead_code)]
mod round_trip;

use std::collections::BTreeMap;

use proptest::prelude::*;

use nwf_syntax::ir::{
    Action, AttrMatch, Binding, BindingSource, Chain, ChainKind, Comment, Direction, Document,
    Entry, Filter, FilterRef, Item, MacAddr, Owner, Param, Protocol, ProtocolMatch, Rule,
    ValueKind,
};
use nwf_syntax::text::{parse_text, print_text};
use nwf_syntax::values::{names, parse_value};
use nwf_syntax::xml::effective_attrs;
use nwf_syntax::{FileId, Span, Spanned};

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::synthetic(value)
}

// ---- strategies -------------------------------------------------------------

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_.-]{0,10}"
}

/// Names: mostly words, sometimes text that needs quotes.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        1 => "[ -~]{0,12}",
        1 => "\\PC{0,6}",
    ]
}

fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
}

fn comment_text() -> impl Strategy<Value = String> {
    prop::collection::vec("[^\n\r\u{0}-\u{1f}\u{7f}]{0,30}", 1..4)
        .prop_map(|lines| lines.join("\n"))
}

fn comment() -> impl Strategy<Value = Comment> {
    comment_text().prop_map(|text| Comment {
        text,
        span: Span::default(),
    })
}

fn number_text(max: u64, decimal_only: bool) -> impl Strategy<Value = String> {
    (0..=max, any::<bool>()).prop_map(move |(value, hex)| {
        if hex && !decimal_only {
            format!("0x{value:x}")
        } else {
            value.to_string()
        }
    })
}

fn var_text() -> impl Strategy<Value = String> {
    ("[A-Z_][A-Z0-9_]{0,6}", 0..3u8, 0..4u32).prop_map(|(name, access, n)| match access {
        0 => format!("${name}"),
        1 => format!("${name}[{n}]"),
        _ => format!("${name}[@{n}]"),
    })
}

fn pick(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(words).prop_map(str::to_owned)
}

fn flag_list(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::subsequence(words, 1..=words.len()).prop_map(|chosen| chosen.join(","))
}

/// A spelling of a value of `kind` (parsed with the shared value parser,
/// so the IR value is exactly what a front end makes of it).
fn value_text(kind: ValueKind) -> BoxedStrategy<String> {
    let literal: BoxedStrategy<String> = match kind {
        ValueKind::MacAddr | ValueKind::MacMask => any::<[u8; 6]>()
            .prop_map(|bytes| MacAddr(bytes).to_string())
            .boxed(),
        ValueKind::Ipv4Addr => any::<[u8; 4]>()
            .prop_map(|bytes| std::net::Ipv4Addr::from(bytes).to_string())
            .boxed(),
        ValueKind::Ipv6Addr => any::<[u16; 8]>()
            .prop_map(|parts| std::net::Ipv6Addr::from(parts).to_string())
            .boxed(),
        ValueKind::Ipv4Mask => (0..=32u8).prop_map(|n| n.to_string()).boxed(),
        ValueKind::Ipv6Mask => (0..=128u8).prop_map(|n| n.to_string()).boxed(),
        ValueKind::Uint8 => number_text(0xff, false).boxed(),
        ValueKind::Uint16 => number_text(0xffff, false).boxed(),
        ValueKind::Uint32 => number_text(u64::from(u32::MAX), false).boxed(),
        ValueKind::Uint16Dec => number_text(0xffff, true).boxed(),
        ValueKind::Dscp => number_text(63, false).boxed(),
        ValueKind::VlanId => number_text(4095, false).boxed(),
        ValueKind::MacProtocolId
        | ValueKind::VlanEncapProtocol
        | ValueKind::IpProtocol
        | ValueKind::ArpOpcode => {
            prop_oneof![pick(names(kind)), number_text(0xffff, false)].boxed()
        }
        ValueKind::Boolean => pick(&["true", "false"]).boxed(),
        ValueKind::State => prop_oneof![
            flag_list(&["NEW", "ESTABLISHED", "RELATED", "INVALID"]),
            Just("NONE".to_owned())
        ]
        .boxed(),
        ValueKind::TcpFlags => {
            const FLAGS: &[&str] = &["SYN", "ACK", "URG", "PSH", "FIN", "RST"];
            let set = prop_oneof![
                flag_list(FLAGS),
                Just("ALL".to_owned()),
                Just("NONE".to_owned())
            ];
            (set.clone(), set)
                .prop_map(|(mask, set)| format!("{mask}/{set}"))
                .boxed()
        }
        ValueKind::IpsetName => "[a-zA-Z0-9_.:+-][a-zA-Z0-9_.:+ -]{0,20}".boxed(),
        ValueKind::IpsetFlags => prop::collection::vec(pick(&["src", "dst"]), 1..=6)
            .prop_map(|flags| flags.join(","))
            .boxed(),
        ValueKind::Comment => "\\PC{0,40}".boxed(),
    };
    prop_oneof![4 => literal, 1 => var_text()].boxed()
}

fn protocol_match() -> impl Strategy<Value = ProtocolMatch> {
    prop::sample::select(Protocol::ALL).prop_flat_map(|protocol| {
        let specs = protocol.attrs();
        prop::sample::subsequence(specs, 0..=specs.len().min(6))
            .prop_flat_map(move |chosen| {
                chosen
                    .into_iter()
                    .map(|spec| (Just(spec), value_text(spec.kind), any::<bool>()))
                    .collect::<Vec<_>>()
            })
            .prop_map(move |attrs| {
                let attrs = attrs
                    .into_iter()
                    .filter_map(|(spec, text, negated)| {
                        let value = parse_value(spec.kind, &text).ok()?;
                        Some(AttrMatch {
                            attr: spanned(spec.attr),
                            value: spanned(value),
                            negated,
                        })
                    })
                    .collect();
                let raw = ProtocolMatch {
                    protocol: spanned(protocol),
                    attrs,
                };
                // What a front end holds after libvirt's fixups.
                ProtocolMatch {
                    attrs: effective_attrs(&raw),
                    protocol: raw.protocol,
                }
            })
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::sample::select(&Direction::ALL[..]),
        prop::sample::select(&Action::ALL[..]),
        prop::option::of((-1000..=1000i16).prop_filter("not the default", |p| *p != 500)),
        any::<bool>(),
        prop::option::of(protocol_match()),
    )
        .prop_map(
            |(direction, action, priority, statematch_off, protocol)| Rule {
                action: spanned(action),
                direction: spanned(direction),
                priority: priority.map(spanned),
                statematch: statematch_off.then(|| spanned(false)),
                protocol,
                span: Span::default(),
            },
        )
}

fn param_value() -> impl Strategy<Value = String> {
    // libvirt (and both front ends) keep only values of these characters.
    "[A-Za-z0-9_.:]{1,12}"
}

fn filter_ref() -> impl Strategy<Value = FilterRef> {
    (
        name(),
        prop::collection::btree_map(
            "[A-Za-z_][A-Za-z0-9_]{0,6}",
            prop::collection::vec(param_value(), 1..4),
            0..4,
        ),
    )
        .prop_map(
            |(filter, groups): (String, BTreeMap<String, Vec<String>>)| FilterRef {
                filter: spanned(filter),
                params: groups
                    .into_iter()
                    .flat_map(|(name, values)| {
                        values.into_iter().map(move |value| Param {
                            name: spanned(name.clone()),
                            value: spanned(value),
                        })
                    })
                    .collect(),
                span: Span::default(),
            },
        )
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        4 => rule().prop_map(Entry::Rule),
        1 => filter_ref().prop_map(Entry::Ref),
        1 => comment().prop_map(Entry::Comment),
    ]
}

fn chain_and_priority() -> impl Strategy<Value = (Option<Chain>, Option<i16>)> {
    let kind = prop::sample::select(&ChainKind::ALL[..]);
    (
        kind,
        "[a-z0-9_.:-]{0,8}",
        prop::option::of(-1000..=1000i16),
        any::<bool>(),
    )
        .prop_map(|(kind, suffix, priority, with_chain)| {
            if !with_chain {
                return (None, None);
            }
            let chain = if kind == ChainKind::Root {
                Chain::root()
            } else {
                let suffix = if suffix.is_empty() {
                    suffix
                } else {
                    format!(
                        "-{}",
                        &suffix[..suffix.len().min(kind.max_suffix_len() - 1)]
                    )
                };
                Chain { kind, suffix }
            };
            // Canonical: a priority only when it is not the chain's default,
            // and `root` spelled out only when a priority needs it.
            let priority = priority.filter(|priority| *priority != chain.default_priority());
            if chain == Chain::root() && priority.is_none() {
                (None, None)
            } else {
                (Some(chain), priority)
            }
        })
}

fn filter() -> impl Strategy<Value = Filter> {
    (
        name(),
        chain_and_priority(),
        prop::option::of(uuid()),
        prop::collection::vec(entry(), 0..8),
    )
        .prop_map(|(name, (chain, priority), uuid, entries)| Filter {
            name: spanned(name),
            chain: chain.map(spanned),
            priority: priority.map(spanned),
            uuid: uuid.map(spanned),
            entries,
            span: Span::default(),
        })
}

fn binding() -> impl Strategy<Value = Binding> {
    (
        name(),
        prop::option::of(name()),
        prop::option::of(any::<[u8; 6]>()),
        prop::option::of((name(), uuid())),
        filter_ref(),
        prop::option::of(word()),
    )
        .prop_map(
            |(portdev, linkdev, mac, owner, filterref, backend)| Binding {
                portdev: spanned(portdev),
                linkdev: linkdev.map(spanned),
                mac: mac.map(|bytes| spanned(MacAddr(bytes))),
                owner: owner.map(|(name, uuid)| Owner {
                    name: spanned(name),
                    uuid: spanned(uuid),
                }),
                filterref,
                backend: backend.map(spanned),
                source: BindingSource::Text,
                span: Span::default(),
            },
        )
}

fn document() -> impl Strategy<Value = Document> {
    prop::collection::vec(
        prop_oneof![
            3 => filter().prop_map(Item::Filter),
            1 => binding().prop_map(Item::Binding),
            1 => comment().prop_map(Item::Comment),
        ],
        0..5,
    )
    .prop_map(|items| Document { items })
}

/// Clears the plain `span` fields (unlike `Spanned`, they take part in
/// equality) so that a read-back document compares with a built one.
fn without_spans(mut document: Document) -> Document {
    let nowhere = Span::default();
    for item in &mut document.items {
        match item {
            Item::Comment(comment) => comment.span = nowhere,
            Item::Binding(binding) => {
                binding.span = nowhere;
                binding.filterref.span = nowhere;
            }
            Item::Filter(filter) => {
                filter.span = nowhere;
                for entry in &mut filter.entries {
                    match entry {
                        Entry::Rule(rule) => rule.span = nowhere,
                        Entry::Ref(filter_ref) => filter_ref.span = nowhere,
                        Entry::Comment(comment) => comment.span = nowhere,
                    }
                }
            }
        }
    }
    document
}

/// Text that looks like the language: its words, punctuation and noise.
fn noisy_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        pick(&[
            "filter",
            "bind",
            "ref",
            "uuid",
            "in",
            "out",
            "inout",
            "accept",
            "drop",
            "tcp",
            "mac",
            "arp",
            "priority",
            "statematch",
            "chain",
            "owner",
            "linkdev",
            "backend",
            "srcipaddr",
            "dstportstart",
            "comment",
            "$IP",
            "$X[@1]",
            "10.0.0.1",
            "52:54:00:00:00:01",
            "-500",
        ]),
        pick(&[
            "{", "}", "[", "]", ",", "=", "!=", "\n", "\n", " ", "#", "\"", "\\", "$", "¤"
        ]),
        "\\PC{0,3}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ir_to_text_to_ir_is_identity(document in document()) {
        let text = print_text(&document);
        round_trip::check_text_to_xml(&text);
        let (back, diagnostics) = parse_text(FileId(0), &text);
        prop_assert!(diagnostics.is_empty(), "{diagnostics:#?}\n{text}");
        prop_assert_eq!(without_spans(back.clone()), without_spans(document), "{}", text);
        prop_assert_eq!(print_text(&back), text);
    }

    #[test]
    fn the_parser_is_total(text in noisy_text()) {
        let (document, diagnostics) = parse_text(FileId(0), &text);
        for diagnostic in &diagnostics {
            let span = diagnostic.span();
            prop_assert!(span.end() <= text.len() && text.is_char_boundary(span.start()) && text.is_char_boundary(span.end()));
        }
        let printed = print_text(&document);
        let (again, rest) = parse_text(FileId(0), &printed);
        prop_assert!(rest.is_empty(), "{rest:#?}\n--- printed\n{printed}--- from\n{text}");
        prop_assert_eq!(print_text(&again), printed);
        round_trip::check_text_to_xml(&text);
    }

    /// Comments holding carriage returns anywhere (lone, doubled, before a
    /// line feed): the canonical text must print to itself and hold no
    /// carriage return (a lone CR is a line break to some editors).
    #[test]
    fn comments_with_carriage_returns_print_stably(
        pieces in prop::collection::vec(prop::sample::select(vec!["#", "# ", "\r", "\n", "\r\n", "a", " ", "in drop"]), 0..24)
    ) {
        let text = pieces.concat();
        let (document, _) = parse_text(FileId(0), &text);
        let printed = print_text(&document);
        prop_assert!(!printed.contains('\r'), "{printed:?} from {text:?}");
        let (again, diagnostics) = parse_text(FileId(1), &printed);
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:#?}");
        prop_assert_eq!(print_text(&again), printed, "from {:?}", text);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,200}") {
        let _ = parse_text(FileId(0), &text);
    }
}

/// Nesting is bounded before the recursive parser sees it: hostile depths
/// give one diagnostic, not a stack overflow.
#[test]
fn deep_nesting_never_overflows_the_stack() {
    for depth in [17, 1_000, 100_000] {
        for open in ["filter x {", "{", "["] {
            let text = format!("{}{}", open.repeat(depth), "}".repeat(depth));
            let (_, diagnostics) = parse_text(FileId(0), &text);
            assert!(!diagnostics.is_empty(), "depth {depth} of {open:?}");
        }
    }
}
