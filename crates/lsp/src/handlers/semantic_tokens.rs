//! Semantic tokens for the text form: what each word *is* according to the
//! IR (a filter name, a protocol, an attribute, a variable, a value), which
//! a `TextMate` grammar can only guess from position. Words the IR does not
//! cover (keywords such as `filter`, `chain`, `ref`, operators) are
//! classified by a plain scan of the remaining text. XML is left to the
//! editor's own XML highlighting.

use nwf_syntax::Span;
use nwf_syntax::ir::{Entry, FilterRef, Item, Value};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
    SemanticTokensParams, SemanticTokensResult,
};

use crate::convert::TextRef;
use crate::documents::SourceKind;
use crate::world::{Origin, World};

/// Token types, in legend order.
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::PARAMETER,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum Kind {
    Keyword,
    Type,
    Property,
    Variable,
    Number,
    String,
    Comment,
    Operator,
    Namespace,
    EnumMember,
    Parameter,
}

const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::DEFAULT_LIBRARY,
        ],
    }
}

const KEYWORDS: &[&str] = &[
    "filter",
    "bind",
    "chain",
    "priority",
    "uuid",
    "ref",
    "statematch",
    "mac",
    "owner",
    "linkdev",
    "backend",
    "in",
    "out",
    "inout",
    "drop",
    "reject",
    "accept",
    "return",
    "continue",
];

pub fn full(world: &World, params: SemanticTokensParams) -> Option<SemanticTokensResult> {
    let file = world.file_by_uri(&params.text_document.uri)?;
    if file.kind != SourceKind::Text {
        return None;
    }
    let mut tokens: Vec<(Span, Kind, u32)> = Vec::new();
    let stock = if file.origin == Origin::Stock {
        DEFAULT_LIBRARY
    } else {
        0
    };
    for item in &file.ir().items {
        match item {
            Item::Filter(filter) => {
                tokens.push((filter.name.span, Kind::Namespace, DECLARATION | stock));
                if let Some(chain) = &filter.chain {
                    tokens.push((chain.span, Kind::EnumMember, 0));
                }
                if let Some(priority) = &filter.priority {
                    tokens.push((priority.span, Kind::Number, 0));
                }
                if let Some(uuid) = &filter.uuid {
                    tokens.push((uuid.span, Kind::String, 0));
                }
                for entry in &filter.entries {
                    match entry {
                        Entry::Rule(rule) => {
                            tokens.push((rule.direction.span, Kind::Keyword, 0));
                            tokens.push((rule.action.span, Kind::Keyword, 0));
                            if let Some(priority) = &rule.priority {
                                tokens.push((priority.span, Kind::Number, 0));
                            }
                            if let Some(statematch) = &rule.statematch {
                                tokens.push((statematch.span, Kind::EnumMember, 0));
                            }
                            if let Some(protocol) = &rule.protocol {
                                tokens.push((protocol.protocol.span, Kind::Type, 0));
                                for attr in &protocol.attrs {
                                    tokens.push((attr.attr.span, Kind::Property, 0));
                                    tokens.push((
                                        attr.value.span,
                                        value_kind(&attr.value.value),
                                        0,
                                    ));
                                }
                            }
                        }
                        Entry::Ref(filter_ref) => push_ref(&mut tokens, filter_ref),
                        Entry::Comment(comment) => tokens.push((comment.span, Kind::Comment, 0)),
                    }
                }
            }
            Item::Binding(binding) => {
                tokens.push((binding.portdev.span, Kind::Namespace, DECLARATION));
                if let Some(mac) = &binding.mac {
                    tokens.push((mac.span, Kind::Number, 0));
                }
                push_ref(&mut tokens, &binding.filterref);
            }
            Item::Comment(comment) => tokens.push((comment.span, Kind::Comment, 0)),
        }
    }
    tokens.retain(|(span, _, _)| !span.is_empty() && span.end() <= file.text().len());
    tokens.sort_by_key(|(span, _, _)| (span.start, span.end));
    tokens.dedup_by(|later, earlier| later.0.start < earlier.0.end);
    let mut all = scan_rest(file.text(), &tokens);
    all.extend(tokens);
    all.sort_by_key(|(span, _, _)| span.start);
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: encode(file.text_ref(), &all),
    }))
}

fn push_ref(tokens: &mut Vec<(Span, Kind, u32)>, filter_ref: &FilterRef) {
    tokens.push((filter_ref.filter.span, Kind::Namespace, 0));
    for param in &filter_ref.params {
        tokens.push((param.name.span, Kind::Parameter, 0));
        tokens.push((param.value.span, Kind::String, 0));
    }
}

fn value_kind(value: &Value) -> Kind {
    match value {
        Value::Var(_) => Kind::Variable,
        Value::Text(_) => Kind::String,
        Value::Name(_)
        | Value::Bool(_)
        | Value::State(_)
        | Value::TcpFlags(_)
        | Value::IpsetFlags(_) => Kind::EnumMember,
        Value::Mac(_) | Value::Ipv4(_) | Value::Ipv6(_) | Value::Prefix(_) | Value::Number(_) => {
            Kind::Number
        }
    }
}

/// Keywords, operators and comments in the gaps between the IR's tokens.
fn scan_rest(text: &str, covered: &[(Span, Kind, u32)]) -> Vec<(Span, Kind, u32)> {
    let mut found = Vec::new();
    let mut gap_start = 0;
    for (span, _, _) in covered.iter().chain(std::iter::once(&(
        Span::empty(text.len()),
        Kind::Keyword,
        0,
    ))) {
        let gap_end = span.start().max(gap_start);
        scan_gap(text, gap_start, gap_end, &mut found);
        gap_start = gap_start.max(span.end());
    }
    found
}

fn scan_gap(text: &str, start: usize, end: usize, found: &mut Vec<(Span, Kind, u32)>) {
    let Some(gap) = text.get(start..end) else {
        return;
    };
    let mut chars = gap.char_indices().peekable();
    while let Some((idx, ch)) = chars.next() {
        let at = start + idx;
        if ch == '#' {
            let len = gap[idx..].find('\n').unwrap_or(gap.len() - idx);
            found.push((Span::new(at, at + len), Kind::Comment, 0));
            while chars.peek().is_some_and(|&(next, _)| next < idx + len) {
                chars.next();
            }
        } else if ch == '=' || (ch == '!' && gap[idx..].starts_with("!=")) {
            let len = if ch == '!' { 2 } else { 1 };
            found.push((Span::new(at, at + len), Kind::Operator, 0));
            if len == 2 {
                chars.next();
            }
        } else if ch.is_ascii_alphabetic() {
            let len = gap[idx..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(gap.len() - idx);
            if KEYWORDS.contains(&&gap[idx..idx + len]) {
                found.push((Span::new(at, at + len), Kind::Keyword, 0));
            }
            while chars.peek().is_some_and(|&(next, _)| next < idx + len) {
                chars.next();
            }
        }
    }
}

/// LSP's relative encoding; tokens spanning lines are cut at line ends.
fn encode(text: TextRef<'_>, tokens: &[(Span, Kind, u32)]) -> Vec<SemanticToken> {
    let mut data = Vec::with_capacity(tokens.len());
    let (mut last_line, mut last_col) = (0, 0);
    for &(span, kind, modifiers) in tokens {
        let start = text.position(span.start());
        let end = text.position(span.end());
        let length = if end.line == start.line {
            end.character - start.character
        } else {
            let line_end = text.text[span.start()..]
                .find('\n')
                .map_or(span.end(), |n| span.start() + n);
            text.position(line_end).character - start.character
        };
        if length == 0 {
            continue;
        }
        let delta_line = start.line - last_line;
        let delta_start = if delta_line == 0 {
            start.character - last_col
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind as u32,
            token_modifiers_bitset: modifiers,
        });
        last_line = start.line;
        last_col = start.character;
    }
    data
}
