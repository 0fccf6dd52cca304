//! The `.nwf` lexer: source text to a flat list of spanned tokens.
//!
//! The lexer never fails. Characters it cannot place become
//! [`Token::Error`] tokens (one per run of bad characters) with an NWF100
//! diagnostic, and a string without its closing quote becomes a
//! [`Token::Str`] of what is there with an NWF101 diagnostic, so the parser
//! always sees a complete token stream. It does not know keywords: `filter`,
//! `in`, `tcp` are all [`Token::Word`]s, recognised by position later, so a
//! misspelled keyword is an ordinary word the lowering can suggest a fix for.

use logos::Logos;

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{FileId, Span};
use crate::text::escape;

/// One token. Horizontal whitespace is skipped; newlines are tokens because
/// a statement ends at the end of its line.
#[derive(Logos, Clone, Debug, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\f]+")]
pub enum Token<'src> {
    #[token("\n")]
    Newline,
    /// `# ...` up to the end of the line, without the newline.
    #[regex(r"#[^\n]*", allow_greedy = true)]
    Comment(&'src str),
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token("=")]
    Eq,
    #[token("!=")]
    Ne,
    /// A quoted string, already unescaped.
    #[regex(r#""([^"\\\n]|\\[^\n])*"?"#, |lex| lex.slice().to_owned(), allow_greedy = true)]
    Str(String),
    /// A variable reference as written: `$IP`, `$IP[1]`, `$IP[ @2 ]`.
    #[regex(r"\$[A-Za-z0-9_]+(\[[ \t]*@?[ \t]*[0-9]+[ \t]*\])?")]
    Var(&'src str),
    /// Names, keywords, numbers, addresses, flag lists: any run of the
    /// characters below, with single commas allowed between runs
    /// (`NEW,ESTABLISHED`, `SYN,ACK/SYN`) but not at the end, so that
    /// `[a, b]` still splits at its commas.
    #[regex(r"[A-Za-z0-9_.:/@+\-]+(,[A-Za-z0-9_.:/@+\-]+)*")]
    Word(&'src str),
    /// Characters that start no token.
    Error,
}

impl Token<'_> {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Newline => "end of line".to_owned(),
            Token::Comment(_) => "a comment".to_owned(),
            Token::LBrace => "`{`".to_owned(),
            Token::RBrace => "`}`".to_owned(),
            Token::LBracket => "`[`".to_owned(),
            Token::RBracket => "`]`".to_owned(),
            Token::Comma => "`,`".to_owned(),
            Token::Eq => "`=`".to_owned(),
            Token::Ne => "`!=`".to_owned(),
            Token::Str(_) => "a quoted string".to_owned(),
            Token::Var(var) => format!("`{var}`"),
            Token::Word(word) => format!("`{word}`"),
            Token::Error => "an unexpected character".to_owned(),
        }
    }
}

/// Splits `text` into tokens. Diagnostics for bad characters, unterminated
/// strings and bad escapes go to `diagnostics`.
pub fn lex<'src>(
    file: FileId,
    text: &'src str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Token<'src>, Span)> {
    let mut tokens: Vec<(Token<'src>, Span)> = Vec::new();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let span = Span::new(range.start, range.end);
        match result {
            Ok(Token::Str(raw)) => {
                let value = unquote(file, &raw, span, diagnostics);
                tokens.push((Token::Str(value), span));
            }
            Ok(Token::Comment(comment)) => {
                carriage_returns(file, comment, span, diagnostics);
                tokens.push((Token::Comment(comment), span));
            }
            Ok(token) => tokens.push((token, span)),
            Err(()) => {
                // Merge a run of bad characters into one token and one
                // diagnostic.
                if let Some((Token::Error, last)) = tokens.last_mut() {
                    if last.end == span.start {
                        *last = last.cover(span);
                        continue;
                    }
                }
                tokens.push((Token::Error, span));
            }
        }
    }
    for (token, span) in &tokens {
        if *token == Token::Error {
            let found = text.get(span.range()).unwrap_or_default();
            let mut diagnostic = Diagnostic::new(
                Code::TextUnexpectedChar,
                file,
                *span,
                format!(
                    "unexpected character{} `{}`",
                    plural(found),
                    found.escape_debug()
                ),
            )
            .with_label("not part of any token");
            diagnostic = if found.starts_with('$') {
                diagnostic.with_help(
                    "a variable is `$NAME`, `$NAME[INDEX]` or `$NAME[@ITERATOR]` with NAME made of letters, digits and `_`",
                )
            } else {
                diagnostic
                    .with_help("write values with other characters as a quoted string: \"...\"")
            };
            diagnostics.push(diagnostic);
        }
    }
    tokens
}

/// Warns about each carriage return inside a comment that is not the CR of
/// a CR LF line end (NWF117): editors show a line break there.
fn carriage_returns(file: FileId, comment: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) {
    let body = comment.strip_suffix('\r').unwrap_or(comment);
    for (offset, _) in body.match_indices('\r') {
        let at = span.start() + offset;
        diagnostics.push(
            Diagnostic::new(
                Code::TextCarriageReturnInComment,
                file,
                Span::new(at, at + 1),
                "carriage return inside a comment",
            )
            .with_label("editors may show a line break here; nwf keeps the rest as comment")
            .with_help(
                "remove the carriage return, or end the line with a line feed if what follows is code",
            ),
        );
    }
}

/// How deeply `{}` blocks may nest before the lexer stops treating braces
/// as braces. Valid files nest one level; the limit keeps the recursive
/// parser's stack bounded on hostile input.
pub const MAX_NESTING: usize = 16;

/// Turns braces nested deeper than [`MAX_NESTING`] (and the braces that
/// close them) into [`Token::Error`], with one diagnostic.
pub fn limit_nesting(
    file: FileId,
    tokens: &mut [(Token<'_>, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut depth = 0usize;
    let mut too_deep = 0usize;
    let mut reported = false;
    for (token, span) in tokens.iter_mut() {
        match token {
            Token::LBrace if depth >= MAX_NESTING => {
                *token = Token::Error;
                too_deep += 1;
                if !reported {
                    reported = true;
                    diagnostics.push(
                        Diagnostic::new(
                            Code::TextMisplaced,
                            file,
                            *span,
                            "blocks nested too deeply",
                        )
                        .with_label(format!("more than {MAX_NESTING} levels of `{{`"))
                        .with_help(
                            "filters and bindings do not nest; close each block before the next",
                        ),
                    );
                }
            }
            Token::LBrace => depth += 1,
            Token::RBrace if too_deep > 0 => {
                *token = Token::Error;
                too_deep -= 1;
            }
            Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
}

fn plural(found: &str) -> &'static str {
    if found.chars().count() > 1 { "s" } else { "" }
}

/// Turns the raw `"..."` slice into its value, reporting a missing closing
/// quote and bad escapes.
fn unquote(file: FileId, raw: &str, span: Span, diagnostics: &mut Vec<Diagnostic>) -> String {
    let closed =
        raw.len() >= 2 && raw.ends_with('"') && !escape::ends_in_escape(&raw[1..raw.len() - 1]);
    let body = if closed {
        &raw[1..raw.len() - 1]
    } else {
        &raw[1..]
    };
    if !closed {
        diagnostics.push(
            Diagnostic::new(
                Code::TextUnterminatedString,
                file,
                span,
                "string has no closing quote",
            )
            .with_label("this string runs to the end of the line")
            .with_help("close it with `\"`; write a newline inside a string as `\\n`")
            .with_fix("close the string", Span::empty(span.end()), "\""),
        );
    }
    let body_start = span.start() + 1;
    let (value, errors) = escape::unescape(body);
    for error in errors {
        let start = body_start + error.offset;
        diagnostics.push(
            Diagnostic::new(
                Code::TextBadEscape,
                file,
                Span::new(start, start + error.len),
                format!(
                    "unknown escape `{}`",
                    &body[error.offset..error.offset + error.len]
                ),
            )
            .with_label("not an escape")
            .with_help("the escapes are `\\\\`, `\\\"`, `\\n`, `\\r`, `\\t` and `\\u{HEX}`"),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token<'_>> {
        let mut diagnostics = Vec::new();
        lex(FileId(0), text, &mut diagnostics)
            .into_iter()
            .map(|(token, _)| token)
            .collect()
    }

    #[test]
    fn values_lex_as_single_words() {
        for word in [
            "52:54:00:11:22:33",
            "::ffff:10.1.2.3",
            "10.0.0.0",
            "SYN,ACK/SYN",
            "NEW,ESTABLISHED",
            "-500",
            "0x835",
            "tcp-ipv6",
            "f88f1932-debf-4aa1-9fbe-f10d3aa4bc95",
        ] {
            assert_eq!(kinds(word), vec![Token::Word(word)], "{word}");
        }
    }

    #[test]
    fn list_commas_split_words() {
        assert_eq!(
            kinds("[a, b]"),
            vec![
                Token::LBracket,
                Token::Word("a"),
                Token::Comma,
                Token::Word("b"),
                Token::RBracket
            ]
        );
    }

    #[test]
    fn variables_and_strings() {
        assert_eq!(kinds("$IP[ @1 ]"), vec![Token::Var("$IP[ @1 ]")]);
        assert_eq!(kinds(r#""a \"b\"""#), vec![Token::Str("a \"b\"".into())]);
    }

    #[test]
    fn bad_input_becomes_error_tokens_with_diagnostics() {
        let mut diagnostics = Vec::new();
        let tokens = lex(FileId(0), "a ¤¤ b \"open\n", &mut diagnostics);
        assert_eq!(tokens.len(), 5);
        assert_eq!(diagnostics.len(), 2);
    }
}
