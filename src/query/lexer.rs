//! The lexer: query text → tokens with byte spans (logos).
//!
//! Architecture invariant: lexing never fails as a whole; every byte of the
//! input ends up in a token, a skipped blank, or an error token with its span,
//! so highlighting ([`super::classify`]) and error reporting see the same thing.

use std::ops::Range;

use logos::Logos;

use super::TokenClass;
use crate::diag::Diagnostic;

/// What can go wrong inside one token.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum LexError {
    /// A character no token starts with.
    #[default]
    Unexpected,
    /// A `"` without its closing quote.
    UnclosedString,
    /// A `\` escape that is not one of `\" \\ \n \t`.
    BadEscape,
}

/// Raw token kinds as logos sees them.
#[derive(Clone, Debug, Logos, PartialEq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Raw {
    /// A bare word: name, relation or keyword.
    #[regex(r"[\p{L}_][\p{L}\p{N}_'.\-]*")]
    Word,
    /// `?name`.
    #[regex(r"\?[\p{L}_][\p{L}\p{N}_]*")]
    Var,
    /// A `?` not followed by a name.
    #[token("?")]
    QMark,
    /// `"..."` with escapes; the value is the unescaped text.
    #[token("\"", lex_string)]
    Str(String),
    /// An integer or decimal.
    #[regex(r"-?[0-9]+(\.[0-9]+)?")]
    Number,
    /// `2023-03-02` or `2023-03`.
    #[regex(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?")]
    Date,
    /// `#4`: the id of a fact or an entity, as results show it.
    #[regex(r"#[0-9]+")]
    Id,
    /// `-- ...` to the end of the line.
    #[regex(r"--[^\n]*", allow_greedy = true)]
    Comment,
    /// `;`
    #[token(";")]
    Semi,
    /// `,`
    #[token(",")]
    Comma,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `:`
    #[token(":")]
    Colon,
    /// `*`
    #[token("*")]
    Star,
    /// `=`
    #[token("=")]
    Eq,
    /// `!=`
    #[token("!=")]
    Ne,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `~`
    #[token("~")]
    Tilde,
    /// `=~`
    #[token("=~")]
    EqTilde,
}

/// Scans the rest of a string after its opening quote; unclosed strings eat the rest.
fn lex_string(lex: &mut logos::Lexer<Raw>) -> Result<String, LexError> {
    let rest = lex.remainder();
    let mut out = String::new();
    let mut chars = rest.char_indices();
    let mut bad_escape = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                lex.bump(i + 1);
                return if bad_escape {
                    Err(LexError::BadEscape)
                } else {
                    Ok(out)
                };
            }
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, other)) => {
                    bad_escape = true;
                    out.push(other);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnclosedString)
}

/// A token of the parser's input: comments are dropped, keywords recognised.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A keyword, lowercased (one of [`super::KEYWORDS`]).
    Keyword(&'static str),
    /// A bare name, as written.
    Name(String),
    /// A quoted string, unescaped.
    Str(String),
    /// A variable name without the `?`.
    Var(String),
    /// A number.
    Number(f64),
    /// An ISO date or month.
    Date(String),
    /// `#4`: an id as results show it.
    Id(u64),
    /// Punctuation or an operator, as written.
    Punct(&'static str),
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Keyword(k) => format!("keyword `{k}`"),
            Tok::Name(n) => format!("name `{n}`"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Var(v) => format!("variable `?{v}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Date(d) => format!("date `{d}`"),
            Tok::Id(n) => format!("id `#{n}`"),
            Tok::Punct(p) => format!("`{p}`"),
        }
    }
}

/// A token with its byte span in the query text.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Byte range in the text.
    pub span: Range<usize>,
}

/// The keyword `word` stands for, if any (case-insensitive).
pub fn keyword(word: &str) -> Option<&'static str> {
    super::KEYWORDS
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(word))
}

fn punct(raw: &Raw) -> Option<&'static str> {
    Some(match raw {
        Raw::Semi => ";",
        Raw::Comma => ",",
        Raw::LBrace => "{",
        Raw::RBrace => "}",
        Raw::LParen => "(",
        Raw::RParen => ")",
        Raw::Colon => ":",
        Raw::Star => "*",
        Raw::Eq => "=",
        Raw::Ne => "!=",
        Raw::Lt => "<",
        Raw::Le => "<=",
        Raw::Gt => ">",
        Raw::Ge => ">=",
        Raw::Tilde => "~",
        Raw::EqTilde => "=~",
        _ => return None,
    })
}

/// Turns `text` into tokens, or the first lexical error as a diagnostic.
pub fn tokenize(text: &str) -> Result<Vec<Token>, Diagnostic> {
    let mut out = Vec::new();
    let mut lex = Raw::lexer(text);
    while let Some(item) = lex.next() {
        let span = lex.span();
        let slice = lex.slice();
        let tok = match item {
            Err(e) => return Err(lex_error(e, slice, span)),
            Ok(Raw::Comment) => continue,
            Ok(Raw::Word) => match keyword(slice) {
                Some(k) => Tok::Keyword(k),
                None => Tok::Name(slice.to_string()),
            },
            Ok(Raw::Var) => Tok::Var(slice[1..].to_string()),
            Ok(Raw::QMark) => {
                return Err(
                    Diagnostic::new("`?` must be followed by a variable name", span)
                        .with_help("write a variable like `?who`"),
                );
            }
            Ok(Raw::Str(s)) => Tok::Str(s),
            Ok(Raw::Number) => match slice.parse::<f64>() {
                Ok(n) if n.is_finite() => Tok::Number(n),
                _ => return Err(Diagnostic::new("number out of range", span)),
            },
            Ok(Raw::Date) => Tok::Date(slice.to_string()),
            Ok(Raw::Id) => match slice[1..].parse::<u64>() {
                Ok(n) => Tok::Id(n),
                Err(_) => return Err(Diagnostic::new("id out of range", span)),
            },
            Ok(other) => match punct(&other) {
                Some(p) => Tok::Punct(p),
                None => return Err(Diagnostic::new("unexpected token", span)),
            },
        };
        out.push(Token { tok, span });
    }
    Ok(out)
}

fn lex_error(e: LexError, slice: &str, span: Range<usize>) -> Diagnostic {
    match e {
        LexError::UnclosedString => {
            // Point at the opening quote only: the rest of the text is the string.
            let start = span.start;
            Diagnostic::new("unclosed string", start..start + 1)
                .with_help("add a closing `\"` at the end of the name")
        }
        LexError::BadEscape => Diagnostic::new("unknown escape in string", span)
            .with_help(r#"inside quotes write \" for a quote and \\ for a backslash"#),
        LexError::Unexpected => {
            let ch = slice.chars().next().unwrap_or(' ');
            let help = match ch {
                '\'' | '‘' | '’' | '“' | '”' => {
                    "quote names with straight double quotes: \"Paul Whelan\""
                }
                '!' => "write `!=` for \"not equal\", or `not` before a clause",
                '-' => "write `--` to start a comment, or a number like -3",
                _ => "names are words or \"quoted strings\"; variables start with `?`",
            };
            Diagnostic::new(format!("unexpected character `{ch}`"), span).with_help(help)
        }
    }
}

/// Token classes for highlighting; lexical errors become [`TokenClass::Error`].
pub fn classify(text: &str) -> Vec<(Range<usize>, TokenClass)> {
    let mut out = Vec::new();
    let mut lex = Raw::lexer(text);
    while let Some(item) = lex.next() {
        let class = match item {
            Err(_) | Ok(Raw::QMark) => TokenClass::Error,
            Ok(Raw::Word) if keyword(lex.slice()).is_some() => TokenClass::Keyword,
            Ok(Raw::Word) => TokenClass::Name,
            Ok(Raw::Var) => TokenClass::Variable,
            Ok(Raw::Str(_)) => TokenClass::String,
            Ok(Raw::Number | Raw::Date | Raw::Id) => TokenClass::Number,
            Ok(Raw::Comment) => TokenClass::Comment,
            Ok(_) => TokenClass::Punct,
        };
        out.push((lex.span(), class));
    }
    out
}

/// Where the statement at the start of `text` ends, as the parser's own
/// lexer sees it: `Ok(n)` when a `;` ends it at byte `n` (just past the
/// `;`), `Err(true)` when the text ends inside a string, `Err(false)` when
/// it ends without a `;`. The shell and the script splitter cut statements
/// with this, so they never disagree with the parser about where a string,
/// a `--` comment or a statement ends.
pub fn statement_end(text: &str) -> Result<usize, bool> {
    let mut lex = Raw::lexer(text);
    while let Some(item) = lex.next() {
        match item {
            Ok(Raw::Semi) => return Ok(lex.span().end),
            Err(LexError::UnclosedString) => return Err(true),
            _ => {}
        }
    }
    Err(false)
}

/// True when the text ends a statement: the last token is a `;` and no string is open.
pub fn is_complete(text: &str) -> bool {
    let mut last_semi = false;
    for item in Raw::lexer(text) {
        match item {
            Err(LexError::UnclosedString) => return false,
            Ok(Raw::Comment) => {}
            Ok(Raw::Semi) => last_semi = true,
            _ => last_semi = false,
        }
    }
    last_semi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_names_strings_variables_numbers_dates_and_comments() {
        assert_eq!(
            toks(
                r#"Blinken met ?who -- comment
            "Paul \"W\" Whelan" 3.5 2023-03-02 U.S. G-20 DESCRIBE;"#
            ),
            vec![
                Tok::Name("Blinken".into()),
                Tok::Name("met".into()),
                Tok::Var("who".into()),
                Tok::Str("Paul \"W\" Whelan".into()),
                Tok::Number(3.5),
                Tok::Date("2023-03-02".into()),
                Tok::Name("U.S.".into()),
                Tok::Name("G-20".into()),
                Tok::Keyword("describe"),
                Tok::Punct(";"),
            ]
        );
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "?a  met \"B c\";";
        let t = tokenize(text).unwrap();
        assert_eq!(&text[t[0].span.clone()], "?a");
        assert_eq!(&text[t[2].span.clone()], "\"B c\"");
        assert_eq!(&text[t[3].span.clone()], ";");
    }

    #[test]
    fn unclosed_string_points_at_the_opening_quote() {
        let e = tokenize("Blinken met \"Lavrov;").unwrap_err();
        assert_eq!(e.span, 12..13);
        assert!(e.message.contains("unclosed"));
        assert!(e.help.unwrap().contains("closing"));
    }

    #[test]
    fn completeness_ignores_semicolons_in_strings_and_comments() {
        assert!(is_complete("Blinken met ?x;"));
        assert!(is_complete("Blinken met ?x; -- done"));
        assert!(!is_complete("Blinken met \"a;"));
        assert!(!is_complete("Blinken met ?x -- ;"));
        assert!(!is_complete("Blinken met \"a;\""));
        assert!(!is_complete(""));
    }

    #[test]
    fn classify_marks_every_kind() {
        let c = classify("find ?x where \"a\" b 3 -- c\n@");
        let classes: Vec<TokenClass> = c.iter().map(|x| x.1).collect();
        assert_eq!(
            classes,
            vec![
                TokenClass::Keyword,
                TokenClass::Variable,
                TokenClass::Keyword,
                TokenClass::String,
                TokenClass::Name,
                TokenClass::Number,
                TokenClass::Comment,
                TokenClass::Error,
            ]
        );
    }
}
