//! SOQL's tokens: identifiers (keywords are identifiers the parser
//! recognises, case-insensitively), quoted strings with backslash escapes,
//! numbers, date and date-time literals, and punctuation. Each token keeps
//! its byte offset so errors can point at it as Salesforce does.

use chrono::NaiveDate;

use super::SoqlError;
use crate::util::{parse_date, parse_datetime};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Date(NaiveDate),
    DateTime(i64),
    Comma,
    Dot,
    LParen,
    RParen,
    Colon,
    /// `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
    Eof,
}

impl Tok {
    /// How an error message names the token.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Num(n) => n.to_string(),
            Tok::Date(d) => d.to_string(),
            Tok::DateTime(ms) => crate::util::format_ms(*ms),
            Tok::Comma => ",".into(),
            Tok::Dot => ".".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Colon => ":".into(),
            Tok::Op(op) => (*op).into(),
            Tok::Eof => "<EOF>".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

pub fn lex(text: &str) -> Result<Vec<Token>, SoqlError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let malformed = |message: String| SoqlError::Malformed { pos: start, message };
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b',' => single(&mut i, Tok::Comma),
            b'.' => single(&mut i, Tok::Dot),
            b'(' => single(&mut i, Tok::LParen),
            b')' => single(&mut i, Tok::RParen),
            b':' => single(&mut i, Tok::Colon),
            b'=' => single(&mut i, Tok::Op("=")),
            b'!' | b'<' | b'>' => {
                let two = text.get(i..i + 2).unwrap_or("");
                let op = match two {
                    "!=" => "!=",
                    "<>" => "<>",
                    "<=" => "<=",
                    ">=" => ">=",
                    _ if c == b'<' => "<",
                    _ if c == b'>' => ">",
                    _ => return Err(malformed("unexpected token: '!'".into())),
                };
                i += op.len();
                Tok::Op(op)
            }
            b'\'' => {
                let (value, end) = string(text, i).ok_or_else(|| malformed("line 1:0 no viable alternative at character '''".into()))?;
                i = end;
                Tok::Str(value)
            }
            b'0'..=b'9' | b'-' | b'+' => {
                let end = text[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '-' | '+' | ':' | '.')))
                    .map_or(text.len(), |n| i + n);
                // A trailing `.` or `:` is punctuation, not part of the literal.
                let word = &text[i..end];
                i = end;
                literal(word).ok_or_else(|| malformed(format!("unexpected token: '{word}'")))?
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = text[i..].find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).map_or(text.len(), |n| i + n);
                let word = text[i..end].to_string();
                i = end;
                Tok::Ident(word)
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                return Err(malformed(format!("line 1:{i} no viable alternative at character '{ch}'")));
            }
        };
        tokens.push(Token { tok, pos: start });
    }
    tokens.push(Token { tok: Tok::Eof, pos: text.len() });
    Ok(tokens)
}

fn single(i: &mut usize, tok: Tok) -> Tok {
    *i += 1;
    tok
}

/// A quoted string from `start` (the opening quote): its value and the
/// offset after the closing quote. `\%` and `\_` stay escaped for LIKE.
fn string(text: &str, start: usize) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((n, ch)) = chars.next() {
        match ch {
            '\'' => return Some((value, start + 1 + n + 1)),
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    '"' | '\'' | '\\' => value.push(escaped),
                    '%' | '_' => {
                        value.push('\\');
                        value.push(escaped);
                    }
                    _ => return None,
                }
            }
            _ => value.push(ch),
        }
    }
    None
}

/// A number, date or date-time literal.
fn literal(word: &str) -> Option<Tok> {
    let unsigned = word.trim_start_matches(['-', '+']);
    if unsigned.len() >= 10 && unsigned.as_bytes().get(4) == Some(&b'-') && unsigned.len() == word.len() {
        if word.len() == 10 {
            return parse_date(word).map(Tok::Date);
        }
        return parse_datetime(word).map(Tok::DateTime);
    }
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.') || unsigned.starts_with('.') {
        return None;
    }
    word.parse::<f64>().ok().map(Tok::Num)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_a_query() {
        assert_eq!(
            toks("SELECT Account.Name FROM Contact WHERE Amount >= -1.5 AND Name != 'O\\'Brien'"),
            vec![
                Tok::Ident("SELECT".into()),
                Tok::Ident("Account".into()),
                Tok::Dot,
                Tok::Ident("Name".into()),
                Tok::Ident("FROM".into()),
                Tok::Ident("Contact".into()),
                Tok::Ident("WHERE".into()),
                Tok::Ident("Amount".into()),
                Tok::Op(">="),
                Tok::Num(-1.5),
                Tok::Ident("AND".into()),
                Tok::Ident("Name".into()),
                Tok::Op("!="),
                Tok::Str("O'Brien".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn lexes_dates_and_date_times_in_every_form() {
        let ms = 1_795_253_400_000;
        assert_eq!(toks("2026-11-21")[0], Tok::Date(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()));
        for text in ["2026-11-21T09:30:00Z", "2026-11-21T09:30:00.000+0000", "2026-11-21T10:30:00+01:00"] {
            assert_eq!(toks(text)[0], Tok::DateTime(ms), "{text}");
        }
        assert_eq!(toks("LAST_N_DAYS:7"), vec![Tok::Ident("LAST_N_DAYS".into()), Tok::Colon, Tok::Num(7.0), Tok::Eof]);
    }

    #[test]
    fn escapes_and_positions() {
        let tokens = lex("x = 'a\\nb\\%'").unwrap();
        assert_eq!(tokens[2], Token { tok: Tok::Str("a\nb\\%".into()), pos: 4 });
        assert!(matches!(lex("x = 'open"), Err(SoqlError::Malformed { pos: 4, .. })));
        assert!(matches!(lex("x = 'bad \\q'"), Err(SoqlError::Malformed { .. })));
        assert!(matches!(lex("x = 2026-13-45"), Err(SoqlError::Malformed { .. })));
        assert!(matches!(lex("x # y"), Err(SoqlError::Malformed { pos: 2, .. })));
    }
}
