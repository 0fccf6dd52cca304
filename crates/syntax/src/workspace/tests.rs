//! Unit tests of the workspace on IR built in code; the data-driven cases
//! (source files and snapshots) live in `tests/analysis.rs`.

use crate::diagnostic::Code;
use crate::ir::{
    Action, Attr, AttrMatch, Binding, BindingSource, Direction, Document, Entry, Filter, FilterRef,
    Item, Param, Protocol, ProtocolMatch, Rule, Value, VarAccess, VarRef,
};
use crate::span::{Span, Spanned};

use super::Workspace;

/// Hands out distinct spans so that labels can be told apart.
#[derive(Default)]
struct Spans(usize);

impl Spans {
    fn next(&mut self) -> Span {
        self.0 += 2;
        Span::new(self.0, self.0 + 1)
    }

    fn spanned<T>(&mut self, value: T) -> Spanned<T> {
        Spanned::new(value, self.next())
    }

    /// Where the next span starts, to open a node that contains others.
    fn mark(&self) -> usize {
        self.0 + 1
    }

    /// A span from `mark` over everything handed out since.
    fn since(&mut self, mark: usize) -> Span {
        self.0 += 2;
        Span::new(mark, self.0 + 1)
    }
}

fn rule(spans: &mut Spans, protocol: Protocol, attrs: &[(Attr, Value)]) -> Entry {
    let start = spans.mark();
    Entry::Rule(Rule {
        action: spans.spanned(Action::Accept),
        direction: spans.spanned(Direction::In),
        priority: None,
        statematch: None,
        protocol: Some(ProtocolMatch {
            protocol: spans.spanned(protocol),
            attrs: attrs
                .iter()
                .map(|(attr, value)| AttrMatch {
                    attr: spans.spanned(*attr),
                    value: spans.spanned(value.clone()),
                    negated: false,
                })
                .collect(),
        }),
        span: spans.since(start),
    })
}

fn var(name: &str) -> Value {
    Value::Var(VarRef::plain(name))
}

fn filter_ref(spans: &mut Spans, target: &str, params: &[(&str, &str)]) -> FilterRef {
    let start = spans.mark();
    FilterRef {
        filter: spans.spanned(target.to_string()),
        params: params
            .iter()
            .map(|(name, value)| Param {
                name: spans.spanned((*name).to_string()),
                value: spans.spanned((*value).to_string()),
            })
            .collect(),
        span: spans.since(start),
    }
}

/// A filter; its span covers only its name's end (tests that look things
/// up by position widen it over the entries).
fn filter(spans: &mut Spans, name: &str, entries: Vec<Entry>) -> Item {
    Item::Filter(Filter {
        name: spans.spanned(name.to_string()),
        chain: None,
        priority: None,
        uuid: None,
        entries,
        span: spans.next(),
    })
}

fn binding(spans: &mut Spans, target: &str, params: &[(&str, &str)]) -> Item {
    Item::Binding(Binding {
        portdev: spans.spanned("vnet0".to_string()),
        linkdev: None,
        mac: None,
        owner: None,
        filterref: filter_ref(spans, target, params),
        backend: None,
        source: BindingSource::Text,
        span: spans.next(),
    })
}

fn set(workspace: &mut Workspace, path: &str, items: Vec<Item>) {
    let text = " ".repeat(4096);
    workspace.set_document(path, text, Document { items }, Vec::new(), false);
}

fn codes(workspace: &Workspace) -> Vec<Code> {
    workspace.diagnostics().iter().map(|d| d.code).collect()
}

#[test]
fn a_cycle_is_reported_once_with_its_whole_path() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    for (name, next) in [("a", "b"), ("b", "c"), ("c", "a")] {
        let entry = Entry::Ref(filter_ref(&mut spans, next, &[]));
        let item = filter(&mut spans, name, vec![entry]);
        set(&mut workspace, &format!("{name}.xml"), vec![item]);
    }
    let diagnostics = workspace.diagnostics();
    assert_eq!(codes(&workspace), vec![Code::ReferenceCycle]);
    assert_eq!(
        diagnostics[0].message,
        "filter reference cycle: a → b → c → a"
    );
    assert_eq!(diagnostics[0].related.len(), 2);
}

#[test]
fn reference_parameters_satisfy_the_needs_below() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let uses = rule(
        &mut spans,
        Protocol::Tcp,
        &[
            (Attr::SrcIpAddr, var("IP")),
            (Attr::DstPortStart, var("PORT")),
        ],
    );
    let child = filter(&mut spans, "child", vec![uses]);
    let entry = Entry::Ref(filter_ref(&mut spans, "child", &[("PORT", "80")]));
    let parent = filter(&mut spans, "parent", vec![entry]);
    set(&mut workspace, "f.xml", vec![child, parent]);
    let needs = workspace.required_variables("parent");
    assert_eq!(needs.keys().collect::<Vec<_>>(), vec!["IP"]);
    assert_eq!(workspace.required_variables("child").len(), 2);
    assert!(workspace.diagnostics().is_empty());
}

#[test]
fn bindings_must_give_what_is_needed_except_mac_and_learned_ip() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let uses = rule(
        &mut spans,
        Protocol::Ip,
        &[
            (Attr::SrcMacAddr, var("MAC")),
            (Attr::SrcIpAddr, var("IP")),
            (Attr::DstIpAddr, var("GATEWAY")),
        ],
    );
    let target = filter(&mut spans, "target", vec![uses]);
    let learning = binding(&mut spans, "target", &[]);
    set(&mut workspace, "f.xml", vec![target, learning]);
    assert_eq!(codes(&workspace), vec![Code::MissingVariable]);
    assert!(workspace.diagnostics()[0].message.contains("GATEWAY"));

    let not_learning = binding(
        &mut spans,
        "target",
        &[("CTRL_IP_LEARNING", "none"), ("GATEWAY", "10.0.0.1")],
    );
    set(&mut workspace, "b.xml", vec![not_learning]);
    let messages: Vec<String> = workspace
        .diagnostics()
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("variable `IP`")),
        "{messages:?}"
    );
}

#[test]
fn changing_one_file_updates_the_index() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let entry = Entry::Ref(filter_ref(&mut spans, "lib", &[]));
    let user = filter(&mut spans, "user", vec![entry]);
    set(&mut workspace, "user.xml", vec![user]);
    assert_eq!(codes(&workspace), vec![Code::UnknownFilter]);

    let lib = filter(&mut spans, "lib", Vec::new());
    set(&mut workspace, "lib.xml", vec![lib]);
    assert!(codes(&workspace).is_empty());
    assert_eq!(workspace.references("lib").len(), 1);
    let (file, _) = workspace.definition("lib").expect("defined");
    assert_eq!(workspace.file(file).path().to_str(), Some("lib.xml"));

    let renamed = filter(&mut spans, "libb", Vec::new());
    set(&mut workspace, "lib.xml", vec![renamed]);
    let diagnostics = workspace.diagnostics();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].fixes[0].replacement, "libb");
}

#[test]
fn indexes_and_iterators_are_checked_against_the_lists_given() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let indexed = Value::Var(VarRef {
        name: "PORTS".into(),
        access: VarAccess::Index(2),
    });
    let walk = |name: &str| {
        Value::Var(VarRef {
            name: name.into(),
            access: VarAccess::Iterator(1),
        })
    };
    let first = rule(&mut spans, Protocol::Tcp, &[(Attr::DstPortStart, indexed)]);
    let second = rule(
        &mut spans,
        Protocol::Tcp,
        &[(Attr::SrcIpAddr, walk("A")), (Attr::DstIpAddr, walk("B"))],
    );
    let child = filter(&mut spans, "child", vec![first, second]);
    let entry = Entry::Ref(filter_ref(
        &mut spans,
        "child",
        &[
            ("PORTS", "1"),
            ("PORTS", "2"),
            ("A", "10.0.0.1"),
            ("B", "10.0.0.2"),
            ("B", "10.0.0.3"),
        ],
    ));
    let parent = filter(&mut spans, "parent", vec![entry]);
    set(&mut workspace, "f.xml", vec![child, parent]);
    let mut found = codes(&workspace);
    found.sort();
    assert_eq!(
        found,
        vec![Code::IndexBeyondList, Code::IteratorLengthMismatch]
    );
}

#[test]
fn a_change_below_reaches_the_unchanged_files_above() {
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let uses = rule(
        &mut spans,
        Protocol::Tcp,
        &[(Attr::DstPortStart, var("PORT"))],
    );
    let child = filter(&mut spans, "child", vec![uses]);
    set(&mut workspace, "child.xml", vec![child]);
    let entry = Entry::Ref(filter_ref(&mut spans, "child", &[("PORT", "80")]));
    let middle = filter(&mut spans, "middle", vec![entry]);
    set(&mut workspace, "middle.xml", vec![middle]);
    let entry = Entry::Ref(filter_ref(&mut spans, "middle", &[]));
    let top = filter(&mut spans, "top", vec![entry]);
    set(&mut workspace, "top.xml", vec![top]);
    let bound = binding(&mut spans, "top", &[]);
    set(&mut workspace, "binding.xml", vec![bound]);
    assert!(codes(&workspace).is_empty());

    // The child now reads another variable: the parameter in middle.xml
    // becomes unused and the binding misses the new one.
    let uses = rule(
        &mut spans,
        Protocol::Tcp,
        &[(Attr::DstPortStart, var("DPORT"))],
    );
    let child = filter(&mut spans, "child", vec![uses]);
    set(&mut workspace, "child.xml", vec![child]);
    let mut found = codes(&workspace);
    found.sort();
    assert_eq!(found, vec![Code::UnusedParameter, Code::MissingVariable]);
    assert_eq!(
        workspace
            .required_variables("top")
            .keys()
            .collect::<Vec<_>>(),
        vec!["DPORT"]
    );

    // And back.
    let uses = rule(
        &mut spans,
        Protocol::Tcp,
        &[(Attr::DstPortStart, var("PORT"))],
    );
    let child = filter(&mut spans, "child", vec![uses]);
    set(&mut workspace, "child.xml", vec![child]);
    assert!(codes(&workspace).is_empty());
}

#[test]
fn the_graph_marks_unknown_filters_and_cycles() {
    use super::graph::{TreeNodeKind, render_dot, render_text};
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let to_b = Entry::Ref(filter_ref(&mut spans, "b", &[("X", "1"), ("X", "2")]));
    let to_missing = Entry::Ref(filter_ref(&mut spans, "missing", &[]));
    let a = filter(&mut spans, "a", vec![to_b, to_missing]);
    let back = Entry::Ref(filter_ref(&mut spans, "a", &[]));
    let b = filter(&mut spans, "b", vec![back]);
    set(&mut workspace, "f.xml", vec![a, b]);
    let tree = workspace.filter_tree("a").expect("defined");
    let kinds: Vec<&TreeNodeKind> = tree.root.children.iter().map(|child| &child.kind).collect();
    assert!(matches!(
        kinds[..],
        [TreeNodeKind::Filter { .. }, TreeNodeKind::Unknown]
    ));
    assert_eq!(tree.root.children[0].children[0].kind, TreeNodeKind::Cycle);
    let text = render_text(&tree);
    assert!(text.contains("b (X=[1, 2])"), "{text}");
    assert!(text.contains("missing  [unknown filter]"), "{text}");
    assert!(text.contains("a  [cycle: already on this path]"), "{text}");
    let dot = render_dot(&tree);
    assert!(
        dot.contains("\"a\" -> \"b\" [label=\"X=[1, 2]\"];"),
        "{dot}"
    );
    assert!(dot.contains("\"b\" -> \"a\";"), "{dot}");
    assert!(workspace.filter_tree("missing").is_none());
}

#[test]
fn symbols_are_found_under_the_cursor() {
    use super::Symbol;
    let mut spans = Spans::default();
    let mut workspace = Workspace::default();
    let start = spans.mark();
    let uses = rule(&mut spans, Protocol::Ip, &[(Attr::SrcIpAddr, var("IP"))]);
    let entry = Entry::Ref(filter_ref(&mut spans, "other", &[("PORT", "80")]));
    let mut item = filter(&mut spans, "f", vec![uses, entry]);
    if let Item::Filter(filter_ir) = &mut item {
        filter_ir.span = spans.since(start);
    }
    let Item::Filter(filter_ir) = &item else {
        unreachable!("built as a filter")
    };
    let name_span = filter_ir.name.span;
    let Some(Entry::Rule(rule_ir)) = filter_ir.entries.first() else {
        unreachable!("built with a rule first")
    };
    let value_span = rule_ir.protocol.as_ref().expect("a protocol").attrs[0]
        .value
        .span;
    let Some(Entry::Ref(ref_ir)) = filter_ir.entries.get(1) else {
        unreachable!("built with a reference second")
    };
    let target_span = ref_ir.filter.span;
    let param_span = ref_ir.params[0].name.span;
    set(&mut workspace, "f.xml", vec![item]);
    let file = workspace
        .file_id(std::path::Path::new("f.xml"))
        .expect("set");
    let at = |span: Span| workspace.symbol_at(file, span.start());
    assert_eq!(
        at(name_span),
        Some(Symbol::FilterDefinition {
            name: "f".into(),
            span: name_span
        })
    );
    assert_eq!(
        at(value_span),
        Some(Symbol::Variable {
            name: "IP".into(),
            span: value_span
        })
    );
    assert_eq!(
        at(target_span),
        Some(Symbol::FilterReference {
            name: "other".into(),
            span: target_span
        })
    );
    assert_eq!(
        at(param_span),
        Some(Symbol::Parameter {
            name: "PORT".into(),
            span: param_span
        })
    );
}
