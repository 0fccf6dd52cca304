//! What the cursor is in the middle of, for completion: decided from the
//! text around the cursor (not the IR), because the line being typed is by
//! definition unfinished and may not parse yet.
//!
//! The text form is line-oriented, so the words of the current line and
//! the blocks enclosing it say everything; in XML the open tag at the
//! cursor and the elements enclosing it do. Neither knows what the words
//! mean beyond their position: the completion items come from the
//! vocabulary tables of nwf-syntax.

use nwf_syntax::ir::{Attr, Direction, Protocol};

/// Where the cursor is, and so what may be typed there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// Text form, top level: `filter`, `bind`.
    TopKeyword,
    /// After `filter NAME`: `chain`, `priority`.
    FilterOption,
    /// After `bind PORTDEV`: `mac`.
    BindOption,
    ChainName,
    /// First word of a line inside a filter: directions, `ref`, `uuid`.
    FilterLine,
    /// First word of a line inside a binding: `ref`, `owner`, ...
    BindLine,
    Action,
    /// After the action: a protocol, or a rule option.
    ProtocolOrRuleOption,
    /// After a rule without protocol: only the rule options.
    RuleOption,
    /// After a protocol (and some matches): its attributes not yet used.
    Attribute {
        protocol: Protocol,
        used: Vec<Attr>,
        /// The text form also takes `priority` and `statematch` here.
        rule_options: bool,
    },
    AttrValue {
        protocol: Protocol,
        attr: Attr,
    },
    Boolean,
    FilterName,
    /// The parameters of a reference to `filter` not yet given.
    ParamName {
        filter: String,
        given: Vec<String>,
    },
    Variable,
    /// XML: an element name inside `parent` (`None`: the root).
    XmlElement {
        parent: Option<String>,
    },
    /// XML: an attribute name of `element`.
    XmlAttrName {
        element: String,
        used: Vec<String>,
    },
    /// XML: the value of `attr` of `element`; `filterref` is the filter
    /// named by the enclosing `<filterref>`, for parameter names.
    XmlAttrValue {
        element: String,
        attr: String,
        filterref: Option<String>,
    },
}

fn is_word_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | ':' | '/' | '@' | '+' | '-' | ',' | '$')
}

/// The start of the word the cursor is in (or `offset` if none).
pub fn word_start(text: &str, offset: usize) -> usize {
    text[..offset]
        .char_indices()
        .rev()
        .take_while(|&(_, ch)| is_word_char(ch))
        .last()
        .map_or(offset, |(idx, _)| idx)
}

/// Splits a line prefix into words, with `=`, `!=`, `[`, `]`, `{`, `}` as
/// words of their own.
fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes = line.as_bytes();
    let mut idx = 0;
    while idx < bytes.len() {
        let byte = bytes[idx];
        let punct_len = if byte == b'!' && bytes.get(idx + 1) == Some(&b'=') {
            2
        } else {
            usize::from(matches!(byte, b'=' | b'[' | b']' | b'{' | b'}'))
        };
        if punct_len > 0 || byte.is_ascii_whitespace() {
            if let Some(begin) = start.take() {
                out.push(&line[begin..idx]);
            }
            if punct_len > 0 {
                out.push(&line[idx..idx + punct_len]);
            }
            idx += punct_len.max(1);
            continue;
        }
        start.get_or_insert(idx);
        idx += 1;
    }
    if let Some(begin) = start {
        out.push(&line[begin..]);
    }
    out
}

/// The heads (first words) of the text-form blocks open at `offset`.
fn open_blocks(text: &str) -> Vec<String> {
    let mut stack = Vec::new();
    let mut head_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((idx, ch)) = chars.next() {
        match ch {
            '#' => {
                while chars.peek().is_some_and(|&(_, next)| next != '\n') {
                    chars.next();
                }
            }
            '"' => {
                while let Some((_, next)) = chars.next() {
                    if next == '\\' {
                        chars.next();
                    } else if next == '"' || next == '\n' {
                        break;
                    }
                }
            }
            '{' => {
                let head = text[head_start..idx]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                stack.push(head.to_owned());
                head_start = idx + 1;
            }
            '}' => {
                stack.pop();
                head_start = idx + 1;
            }
            '\n' => head_start = idx + 1,
            _ => {}
        }
    }
    stack
}

/// The completion context in a `.nwf` text at `offset`.
pub fn text(text: &str, offset: usize) -> Option<Context> {
    let start = word_start(text, offset);
    if text[start..offset].starts_with('$') {
        return Some(Context::Variable);
    }
    let line_start = text[..start].rfind('\n').map_or(0, |idx| idx + 1);
    let line = &text[line_start..start];
    if line.contains('#') || line.matches('"').count() % 2 == 1 {
        return None;
    }
    let all = words(line);
    // Only the words after the last brace on the line count.
    let tokens: Vec<&str> = match all.iter().rposition(|word| matches!(*word, "{" | "}")) {
        Some(brace) => all[brace + 1..].to_vec(),
        None => all,
    };
    let blocks = open_blocks(&text[..line_start + line.rfind(['{', '}']).map_or(0, |idx| idx + 1)]);
    match blocks.last().map(String::as_str) {
        None => top_level(&tokens),
        Some("bind") => bind_line(&tokens),
        Some(_) => filter_line(&tokens),
    }
}

fn top_level(tokens: &[&str]) -> Option<Context> {
    match tokens {
        [] => Some(Context::TopKeyword),
        [.., "chain"] => Some(Context::ChainName),
        ["filter" | "bind"] | [.., "priority" | "mac"] => None,
        ["filter", ..] => Some(Context::FilterOption),
        ["bind", ..] => Some(Context::BindOption),
        _ => None,
    }
}

fn bind_line(tokens: &[&str]) -> Option<Context> {
    match tokens {
        [] => Some(Context::BindLine),
        ["ref", ..] => ref_line(tokens),
        _ => None,
    }
}

fn ref_line(tokens: &[&str]) -> Option<Context> {
    match tokens {
        ["ref"] => Some(Context::FilterName),
        [.., "=" | "[" | ","] => None,
        ["ref", filter, rest @ ..] => {
            let given = rest
                .windows(2)
                .filter(|pair| pair[1] == "=")
                .map(|pair| pair[0].to_owned())
                .collect();
            Some(Context::ParamName {
                filter: (*filter).to_owned(),
                given,
            })
        }
        _ => None,
    }
}

fn filter_line(tokens: &[&str]) -> Option<Context> {
    let Some(first) = tokens.first() else {
        return Some(Context::FilterLine);
    };
    if *first == "ref" {
        return ref_line(tokens);
    }
    Direction::parse(first)?;
    match tokens {
        [_] => return Some(Context::Action),
        [_, _] => return Some(Context::ProtocolOrRuleOption),
        [.., "priority"] => return None,
        [.., "statematch"] => return Some(Context::Boolean),
        _ => {}
    }
    let Some(protocol) = Protocol::parse(tokens[2]) else {
        return Some(Context::RuleOption);
    };
    let rest = &tokens[3..];
    if let [.., attr, "=" | "!="] = rest {
        return Attr::parse(attr).map(|attr| Context::AttrValue { protocol, attr });
    }
    let used = rest
        .windows(2)
        .filter(|pair| matches!(pair[1], "=" | "!="))
        .filter_map(|pair| Attr::parse(pair[0]))
        .collect();
    Some(Context::Attribute {
        protocol,
        used,
        rule_options: true,
    })
}

/// An element open at some point of an XML text: its name and the text of
/// its start tag.
struct OpenElement<'a> {
    name: &'a str,
    tag: &'a str,
}

/// The elements open at the end of `text`, outermost first. Comments,
/// processing instructions and declarations are skipped; the scan is
/// lenient, as the document may be half-typed.
fn open_elements(text: &str) -> Vec<OpenElement<'_>> {
    let mut stack = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find('<') {
        let lt = rest + found;
        let after = &text[lt..];
        let skip_to = |end: &str| after.find(end).map(|idx| lt + idx + end.len());
        let next = if after.starts_with("<!--") {
            skip_to("-->")
        } else if after.starts_with("<?") {
            skip_to("?>")
        } else if after.starts_with("<!") {
            skip_to(">")
        } else if let Some(closing) = after.strip_prefix("</") {
            let name = closing
                .split(|ch: char| ch == '>' || ch.is_whitespace())
                .next()
                .unwrap_or("");
            if let Some(pos) = stack
                .iter()
                .rposition(|open: &OpenElement<'_>| open.name == name)
            {
                stack.truncate(pos);
            }
            skip_to(">")
        } else {
            let end = tag_end(after);
            let tag = &after[1..end.unwrap_or(after.len())];
            let name = tag
                .split(|ch: char| ch.is_whitespace() || ch == '/')
                .next()
                .unwrap_or("");
            if !tag.ends_with('/') && end.is_some() {
                stack.push(OpenElement { name, tag });
            }
            end.map(|end| lt + end + 1)
        };
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    stack
}

/// The index of the `>` that ends the tag starting `tag`, skipping quoted
/// attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (idx, ch) in tag.char_indices() {
        match (quote, ch) {
            (None, '\'' | '"') => quote = Some(ch),
            (Some(open), _) if ch == open => quote = None,
            (None, '>') => return Some(idx),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in a start tag's text.
pub fn attr_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(idx) = rest.find(name) {
        let after = rest[idx + name.len()..].trim_start();
        let before_ok = idx == 0 || rest[..idx].ends_with(char::is_whitespace);
        if let (true, Some(value)) = (before_ok, after.strip_prefix('=')) {
            let value = value.trim_start();
            let quote = value.chars().next()?;
            if quote == '\'' || quote == '"' {
                let body = &value[1..];
                return body.find(quote).map(|end| &body[..end]);
            }
        }
        rest = &rest[idx + name.len()..];
    }
    None
}

/// The completion context in an XML text at `offset`.
pub fn xml(text: &str, offset: usize) -> Option<Context> {
    let before = &text[..offset];
    if let Some(comment) = before.rfind("<!--") {
        // Inside a comment that is still open: nothing to complete.
        before[comment..].find("-->")?;
    }
    let lt = before.rfind('<')?;
    if before.rfind('>').is_some_and(|gt| gt > lt) {
        return None;
    }
    let tag = &before[lt + 1..];
    if tag.starts_with(['!', '?', '/']) {
        return None;
    }
    let open = open_elements(&text[..lt]);
    if !tag.contains(char::is_whitespace) {
        return Some(Context::XmlElement {
            parent: open.last().map(|element| element.name.to_owned()),
        });
    }
    let element = tag.split_whitespace().next().unwrap_or("").to_owned();
    // Inside a quoted value? Find the last unclosed quote.
    let mut quote: Option<(char, usize)> = None;
    for (idx, ch) in tag.char_indices() {
        match quote {
            None if ch == '\'' || ch == '"' => quote = Some((ch, idx)),
            Some((open_quote, _)) if ch == open_quote => quote = None,
            _ => {}
        }
    }
    if let Some((_, quote_idx)) = quote {
        let attr = tag[..quote_idx]
            .trim_end()
            .strip_suffix('=')?
            .trim_end()
            .rsplit(char::is_whitespace)
            .next()?
            .to_owned();
        let filterref = open
            .last()
            .filter(|parent| parent.name == "filterref")
            .and_then(|parent| attr_value(parent.tag, "filter"))
            .map(str::to_owned);
        return Some(Context::XmlAttrValue {
            element,
            attr,
            filterref,
        });
    }
    let used = tag
        .split(|ch: char| ch.is_whitespace())
        .filter_map(|word| word.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    Some(Context::XmlAttrName { element, used })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_caret(source: &str, pick: fn(&str, usize) -> Option<Context>) -> Option<Context> {
        let offset = source.find('‸').expect("caret");
        let text = source.replace('‸', "");
        pick(&text, offset)
    }

    #[test]
    fn text_contexts_follow_the_rule_shape() {
        let t = |source| at_caret(source, text);
        assert_eq!(t("fil‸"), Some(Context::TopKeyword));
        assert_eq!(t("filter a ‸"), Some(Context::FilterOption));
        assert_eq!(t("filter a chain ‸"), Some(Context::ChainName));
        assert_eq!(t("filter a {\n  ‸"), Some(Context::FilterLine));
        assert_eq!(t("filter a {\n  out ‸"), Some(Context::Action));
        assert_eq!(
            t("filter a {\n  out drop t‸"),
            Some(Context::ProtocolOrRuleOption)
        );
        assert_eq!(
            t("filter a {\n  out drop tcp srcipaddr = 1.2.3.4 ‸"),
            Some(Context::Attribute {
                protocol: Protocol::Tcp,
                used: vec![Attr::SrcIpAddr],
                rule_options: true
            })
        );
        assert_eq!(
            t("filter a {\n  out drop arp opcode=‸"),
            Some(Context::AttrValue {
                protocol: Protocol::Arp,
                attr: Attr::Opcode
            })
        );
        assert_eq!(
            t("filter a {\n  out drop ip srcipaddr = $‸"),
            Some(Context::Variable)
        );
        assert_eq!(t("filter a {\n  ref ‸"), Some(Context::FilterName));
        assert_eq!(
            t("filter a {\n  ref b IP = 1 ‸"),
            Some(Context::ParamName {
                filter: "b".into(),
                given: vec!["IP".into()]
            })
        );
        assert_eq!(t("bind vnet0 {\n  ‸"), Some(Context::BindLine));
        assert_eq!(t("filter a {\n}\n‸"), Some(Context::TopKeyword));
        assert_eq!(t("# out drop ‸"), None);
    }

    #[test]
    fn xml_contexts_follow_the_element_tree() {
        let x = |source| at_caret(source, xml);
        assert_eq!(
            x("<filter name='a'>\n  <rule action='drop' direction='out'>\n    <t‸"),
            Some(Context::XmlElement {
                parent: Some("rule".into())
            })
        );
        assert_eq!(
            x(
                "<filter name='a'>\n  <rule action='drop' direction='out'>\n    <tcp srcipaddr='1.2.3.4' ‸"
            ),
            Some(Context::XmlAttrName {
                element: "tcp".into(),
                used: vec!["srcipaddr".into()]
            })
        );
        assert_eq!(
            x("<filter name='a'>\n  <filterref filter='b'>\n    <parameter name='‸"),
            Some(Context::XmlAttrValue {
                element: "parameter".into(),
                attr: "name".into(),
                filterref: Some("b".into())
            })
        );
        assert_eq!(x("<filter name='a'>\n  <!-- <rule ‸"), None);
        assert_eq!(x("<filter name='a'>\n  <rule/>\n  ‸"), None);
    }
}
