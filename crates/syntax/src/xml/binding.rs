//! Lowering `<filterbinding>` documents and the filtered `<interface>`s of
//! a libvirt `<domain>` into [`Binding`]s.
//!
//! For a domain, only `<devices><interface>` elements with a `<filterref>`
//! become bindings (portdev from `<target dev>`, MAC from `<mac address>`,
//! owner from the domain's `<name>` and `<uuid>`); the rest of the domain is
//! not checked, since it is not nwfilter's business. An `<interface>` on its
//! own (a device XML for `virsh attach-device`) is read the same way.

use super::context::Context;
use super::filter::{canonical_uuid, lower_filterref};
use super::tree::{Element, Node};
use crate::diagnostic::{Code, Diagnostic};
use crate::ir::{Binding, BindingSource, Comment, MacAddr, Owner};
use crate::span::{Span, Spanned};

/// Lowers a `<filterbinding>`. Comments anywhere inside it are returned to
/// be placed before the binding (the IR has no place for them inside).
pub(crate) fn lower_filterbinding(
    cx: &mut Context,
    element: &Element,
) -> (Option<Binding>, Vec<Comment>) {
    cx.check_attrs(element, &[]);
    cx.check_no_text(element);
    let mut comments = comments_in(element);
    let known = ["owner", "portdev", "linkdev", "mac", "filterref", "backend"];
    let mut seen: Vec<&str> = Vec::new();
    for child in element.elements() {
        if !known.contains(&child.name.as_str()) {
            cx.unknown_element(child, "filterbinding", &known);
            continue;
        }
        if seen.contains(&child.name.as_str()) {
            second_ignored(cx, child);
            continue;
        }
        seen.push(&child.name);
        if child.name != "filterref" && child.name != "owner" {
            comments.extend(cx.leaf(child, false));
        }
    }
    let owner = if let Some(owner) = element.child("owner") {
        cx.check_attrs(owner, &[]);
        cx.check_no_text(owner);
        comments.extend(comments_in(owner));
        let mut seen: Vec<&str> = Vec::new();
        for child in owner.elements() {
            if !["name", "uuid"].contains(&child.name.as_str()) {
                cx.unknown_element(child, "owner", &["name", "uuid"]);
            } else if seen.contains(&child.name.as_str()) {
                second_ignored(cx, child);
            } else {
                seen.push(&child.name);
                cx.check_attrs(child, &[]);
                comments.extend(cx.leaf(child, true));
            }
        }
        lower_owner(cx, owner, owner.child("name"), owner.child("uuid"))
    } else {
        missing_child(cx, element, "owner");
        None
    };
    let portdev = named_child(cx, element, "portdev", "name", true);
    let linkdev = named_child(cx, element, "linkdev", "name", false);
    let backend = named_child(cx, element, "backend", "name", false);
    let mac = if let Some(mac) = element.child("mac") {
        cx.check_attrs(mac, &["address"]);
        lower_mac(cx, mac)
    } else {
        missing_child(cx, element, "mac");
        None
    };
    let filterref = if let Some(child) = element.child("filterref") {
        let (filterref, inside) = lower_filterref(cx, child);
        comments.extend(inside);
        filterref
    } else {
        missing_child(cx, element, "filterref");
        None
    };
    let binding = (|| {
        Some(Binding {
            portdev: portdev?,
            linkdev,
            mac,
            owner,
            filterref: filterref?,
            backend,
            source: BindingSource::FilterBinding,
            span: element.span,
        })
    })();
    (binding, comments)
}

/// Lowers the filtered `<devices><interface>`s of a `<domain>`. A domain
/// without `<uuid>` is valid (libvirt generates one when it defines the
/// domain); its bindings then have no owner.
pub(crate) fn lower_domain(cx: &mut Context, element: &Element) -> Vec<Binding> {
    let owner = if let Some(uuid) = element.child("uuid") {
        lower_owner(cx, element, element.child("name"), Some(uuid))
    } else {
        if element.child("name").is_none() {
            missing_child(cx, element, "name");
        }
        None
    };
    let Some(devices) = element.child("devices") else {
        return Vec::new();
    };
    devices
        .elements()
        .filter(|child| child.name == "interface")
        .filter_map(|interface| {
            lower_interface(cx, interface, owner.clone(), BindingSource::DomainInterface)
        })
        .collect()
}

/// Lowers an `<interface>` (of a domain, or on its own as `virsh
/// attach-device` takes it) into a binding when it has a `<filterref>`:
/// portdev from `<target dev>`, MAC from `<mac address>`. The rest of the
/// interface is libvirt's domain business and not checked.
pub(crate) fn lower_interface(
    cx: &mut Context,
    interface: &Element,
    owner: Option<Owner>,
    source: BindingSource,
) -> Option<Binding> {
    let filterref = lower_filterref(cx, interface.child("filterref")?).0?;
    let target_dev = interface
        .child("target")
        .and_then(|target| target.attr("dev"));
    let portdev = if let Some(dev) = target_dev {
        Spanned::new(dev.value.clone(), dev.value_span)
    } else {
        cx.push(
            Diagnostic::new(
                Code::XmlMissingAttribute,
                cx.file,
                interface.name_span,
                "this filtered interface has no <target dev=...>; a binding needs the name of its port device",
            )
            .with_severity(crate::diagnostic::Severity::Warning)
            .with_label("no port device")
            .with_help("libvirt names the device (vnetN) when the interface starts; give <target dev='vnetN'/> to bind it here"),
        );
        Spanned::new(String::new(), interface.name_span)
    };
    let mac = interface.child("mac").and_then(|mac| lower_mac(cx, mac));
    Some(Binding {
        portdev,
        linkdev: None,
        mac,
        owner,
        filterref,
        backend: None,
        source,
        span: interface.span,
    })
}

/// Reports an element of which libvirt reads only the first (an `XPath` query takes
/// the first match), so this one has no effect.
fn second_ignored(cx: &mut Context, element: &Element) {
    cx.report(
        Code::XmlIgnoredByLibvirt,
        element.name_span,
        format!(
            "a second <{}> is ignored; libvirt reads the first",
            element.name
        ),
    );
}

/// The comments directly inside `element`.
fn comments_in(element: &Element) -> Vec<Comment> {
    element
        .children
        .iter()
        .filter_map(|node| match node {
            Node::Comment { text, span } => Some(Comment {
                text: text.clone(),
                span: *span,
            }),
            _ => None,
        })
        .collect()
}

fn missing_child(cx: &mut Context, element: &Element, child: &str) {
    cx.push(
        Diagnostic::new(
            Code::XmlMissingAttribute,
            cx.file,
            element.name_span,
            format!("<{}> requires a <{child}> element", element.name),
        )
        .with_label(format!("<{child}> missing")),
    );
}

fn named_child(
    cx: &mut Context,
    element: &Element,
    child: &str,
    attr: &str,
    required: bool,
) -> Option<Spanned<String>> {
    let Some(node) = element.child(child) else {
        if required {
            missing_child(cx, element, child);
        }
        return None;
    };
    cx.check_attrs(node, &[attr]);
    if let Some(value) = node.attr(attr) {
        Some(Spanned::new(value.value.clone(), value.value_span))
    } else {
        cx.missing_attr(node, attr);
        None
    }
}

fn lower_mac(cx: &mut Context, element: &Element) -> Option<Spanned<MacAddr>> {
    let Some(attr) = element.attr("address") else {
        cx.missing_attr(element, "address");
        return None;
    };
    if let Some(mac) = MacAddr::parse(&attr.value) {
        Some(Spanned::new(mac, attr.value_span))
    } else {
        cx.push(
            Diagnostic::new(
                Code::XmlInvalidValue,
                cx.file,
                attr.value_span,
                format!("`{}` is not a MAC address", attr.value),
            )
            .with_label("expected xx:xx:xx:xx:xx:xx"),
        );
        None
    }
}

fn lower_owner(
    cx: &mut Context,
    parent: &Element,
    name: Option<&Element>,
    uuid: Option<&Element>,
) -> Option<Owner> {
    let text_of = |element: &Element| {
        let (text, span) = element.text();
        (text.trim().to_owned(), span)
    };
    let name = name.map(text_of);
    let uuid = uuid.map(text_of);
    if name.is_none() {
        missing_child(cx, parent, "name");
    }
    let (uuid_text, uuid_span): (String, Span) = if let Some(pair) = uuid {
        pair
    } else {
        missing_child(cx, parent, "uuid");
        return None;
    };
    let Some(canonical) = canonical_uuid(&uuid_text) else {
        cx.push(
            Diagnostic::new(
                Code::XmlInvalidValue,
                cx.file,
                uuid_span,
                format!("`{uuid_text}` is not a UUID"),
            )
            .with_label("expected 32 hex digits"),
        );
        return None;
    };
    let (name, name_span) = name?;
    Some(Owner {
        name: Spanned::new(name, name_span),
        uuid: Spanned::new(canonical, uuid_span),
    })
}
