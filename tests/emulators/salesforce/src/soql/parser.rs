//! A recursive-descent parser from tokens to the query's syntax tree.
//! Names are not checked here (that is binding, in `eval`); the grammar is:
//!
//! ```text
//! query   := SELECT (COUNT '(' ')' | path (',' path)*) FROM ident
//!            [WHERE cond] [ORDER BY order (',' order)*] [LIMIT n] [OFFSET n]
//! cond    := unary (AND unary)* | unary (OR unary)*     -- mixing needs parentheses, as in SOQL
//! unary   := NOT unary | '(' cond ')' | path op value | path [NOT] IN '(' value (',' value)* ')'
//! order   := path [ASC | DESC] [NULLS (FIRST | LAST)]
//! value   := string | number | date | datetime | TRUE | FALSE | NULL | date literal [':' n]
//! ```

use chrono::NaiveDate;

use super::lexer::{Tok, Token};
use super::SoqlError;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<Path>,
    pub count: bool,
    pub from: Name,
    pub condition: Option<Cond>,
    pub order: Vec<Order>,
    pub limit: Option<usize>,
    pub offset: Option<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub pos: usize,
}

/// `Account.Owner.Name`: relationship names, then a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub parts: Vec<String>,
    pub pos: usize,
}

impl Path {
    pub fn text(&self) -> String {
        self.parts.join(".")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRange {
    Today,
    Yesterday,
    Tomorrow,
    LastNDays(u32),
    NextNDays(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Str(String),
    Num(f64),
    Date(NaiveDate),
    DateTime(i64),
    Range(DateRange),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub lit: Lit,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp { path: Path, op: Op, value: Value },
    In { path: Path, negated: bool, values: Vec<Value> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub path: Path,
    pub descending: bool,
    pub nulls_first: bool,
}

pub fn parse(tokens: &[Token]) -> Result<Query, SoqlError> {
    let mut parser = Parser { tokens, at: 0 };
    let query = parser.query()?;
    parser.expect_end()?;
    Ok(query)
}

/// A condition alone (a list view's filter).
pub fn parse_condition(tokens: &[Token]) -> Result<Cond, SoqlError> {
    let mut parser = Parser { tokens, at: 0 };
    let cond = parser.cond()?;
    parser.expect_end()?;
    Ok(cond)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::Eof {
            self.at += 1;
        }
        token
    }

    fn unexpected(&self) -> SoqlError {
        let token = self.peek();
        SoqlError::Malformed { pos: token.pos, message: format!("unexpected token: {}", token.tok.describe()) }
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(word) if word.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.at += 1;
        }
        found
    }

    fn keyword(&mut self, keyword: &str) -> Result<(), SoqlError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn punct(&mut self, tok: Tok) -> Result<(), SoqlError> {
        if self.peek().tok == tok {
            self.at += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_end(&self) -> Result<(), SoqlError> {
        match self.peek().tok {
            Tok::Eof => Ok(()),
            _ => Err(self.unexpected()),
        }
    }

    fn ident(&mut self) -> Result<Name, SoqlError> {
        match self.peek().tok.clone() {
            Tok::Ident(text) => {
                let pos = self.next().pos;
                Ok(Name { text, pos })
            }
            _ => Err(self.unexpected()),
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.keyword("SELECT")?;
        let mut select = Vec::new();
        let mut count = false;
        if self.at_keyword("COUNT") && self.tokens.get(self.at + 1).is_some_and(|t| t.tok == Tok::LParen) {
            self.at += 2;
            self.punct(Tok::RParen)?;
            count = true;
        } else {
            loop {
                select.push(self.path()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.at += 1;
            }
        }
        self.keyword("FROM")?;
        let from = self.ident()?;
        let condition = if self.eat_keyword("WHERE") { Some(self.cond()?) } else { None };
        let mut order = Vec::new();
        if self.eat_keyword("ORDER") {
            self.keyword("BY")?;
            loop {
                order.push(self.order()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.at += 1;
            }
        }
        let limit = if self.eat_keyword("LIMIT") { Some(self.count()?.0) } else { None };
        let offset = if self.eat_keyword("OFFSET") { Some(self.count()?) } else { None };
        Ok(Query { select, count, from, condition, order, limit, offset })
    }

    /// A non-negative integer and its position.
    fn count(&mut self) -> Result<(usize, usize), SoqlError> {
        match self.peek().tok {
            Tok::Num(n) if n >= 0.0 && n.fract() == 0.0 => {
                let pos = self.next().pos;
                Ok((n as usize, pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let first = self.ident()?;
        let mut parts = vec![first.text];
        while self.peek().tok == Tok::Dot {
            self.at += 1;
            parts.push(self.ident()?.text);
        }
        Ok(Path { parts, pos: first.pos })
    }

    fn order(&mut self) -> Result<Order, SoqlError> {
        let path = self.path()?;
        let descending = if self.eat_keyword("DESC") {
            true
        } else {
            self.eat_keyword("ASC");
            false
        };
        // Salesforce's defaults: nulls first ascending, last descending.
        let mut nulls_first = !descending;
        if self.eat_keyword("NULLS") {
            nulls_first = if self.eat_keyword("FIRST") {
                true
            } else {
                self.keyword("LAST")?;
                false
            };
        }
        Ok(Order { path, descending, nulls_first })
    }

    fn cond(&mut self) -> Result<Cond, SoqlError> {
        let first = self.unary()?;
        let conjunction = if self.at_keyword("AND") {
            "AND"
        } else if self.at_keyword("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut parts = vec![first];
        while self.eat_keyword(conjunction) {
            parts.push(self.unary()?);
        }
        // `a AND b OR c` is malformed in SOQL: the other conjunction is unexpected here.
        if self.at_keyword("AND") || self.at_keyword("OR") {
            return Err(self.unexpected());
        }
        Ok(if conjunction == "AND" { Cond::And(parts) } else { Cond::Or(parts) })
    }

    fn unary(&mut self) -> Result<Cond, SoqlError> {
        if self.eat_keyword("NOT") {
            return Ok(Cond::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.at += 1;
            let cond = self.cond()?;
            self.punct(Tok::RParen)?;
            return Ok(cond);
        }
        let path = self.path()?;
        let negated_in = self.at_keyword("NOT")
            && matches!(&self.tokens.get(self.at + 1).map(|t| &t.tok), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("IN"));
        if negated_in || self.at_keyword("IN") {
            self.at += if negated_in { 2 } else { 1 };
            self.punct(Tok::LParen)?;
            let mut values = vec![self.value()?];
            while self.peek().tok == Tok::Comma {
                self.at += 1;
                values.push(self.value()?);
            }
            self.punct(Tok::RParen)?;
            return Ok(Cond::In { path, negated: negated_in, values });
        }
        let op = match self.peek().tok.clone() {
            Tok::Op("=") => Op::Eq,
            Tok::Op("!=" | "<>") => Op::Ne,
            Tok::Op("<") => Op::Lt,
            Tok::Op("<=") => Op::Le,
            Tok::Op(">") => Op::Gt,
            Tok::Op(">=") => Op::Ge,
            Tok::Ident(w) if w.eq_ignore_ascii_case("LIKE") => Op::Like,
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        let value = self.value()?;
        Ok(Cond::Cmp { path, op, value })
    }

    fn value(&mut self) -> Result<Value, SoqlError> {
        let token = self.peek().clone();
        let lit = match token.tok {
            Tok::Str(s) => Lit::Str(s),
            Tok::Num(n) => Lit::Num(n),
            Tok::Date(d) => Lit::Date(d),
            Tok::DateTime(ms) => Lit::DateTime(ms),
            Tok::Ident(word) => match word.to_ascii_uppercase().as_str() {
                "NULL" => Lit::Null,
                "TRUE" => Lit::Bool(true),
                "FALSE" => Lit::Bool(false),
                "TODAY" => Lit::Range(DateRange::Today),
                "YESTERDAY" => Lit::Range(DateRange::Yesterday),
                "TOMORROW" => Lit::Range(DateRange::Tomorrow),
                "LAST_N_DAYS" | "NEXT_N_DAYS" => {
                    self.at += 1;
                    self.punct(Tok::Colon)?;
                    let (n, _) = self.count()?;
                    let n = n as u32;
                    let range = if word.eq_ignore_ascii_case("LAST_N_DAYS") { DateRange::LastNDays(n) } else { DateRange::NextNDays(n) };
                    return Ok(Value { lit: Lit::Range(range), pos: token.pos });
                }
                _ => return Err(self.unexpected()),
            },
            _ => return Err(self.unexpected()),
        };
        self.at += 1;
        Ok(Value { lit, pos: token.pos })
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn query(text: &str) -> Result<Query, SoqlError> {
        parse(&lex(text)?)
    }

    fn path(parts: &[&str], pos: usize) -> Path {
        Path { parts: parts.iter().map(|p| p.to_string()).collect(), pos }
    }

    #[test]
    fn parses_every_clause() {
        let q = query(
            "select Id, Account.Name from Contact where (Email != null or Phone like '5%') and not LastName in ('a','b') \
             order by Account.Name desc nulls first, Id limit 10 offset 5",
        )
        .unwrap();
        assert_eq!(q.select, vec![path(&["Id"], 7), path(&["Account", "Name"], 11)]);
        assert_eq!(q.from.text, "Contact");
        let Some(Cond::And(parts)) = &q.condition else { panic!("{:?}", q.condition) };
        assert!(matches!(&parts[0], Cond::Or(or) if or.len() == 2));
        assert!(
            matches!(&parts[1], Cond::Not(inner) if matches!(**inner, Cond::In { negated: false, ref values, .. } if values.len() == 2))
        );
        assert_eq!(q.order[0], Order { path: path(&["Account", "Name"], 117), descending: true, nulls_first: true });
        assert_eq!(q.order[1], Order { path: path(&["Id"], 148), descending: false, nulls_first: true });
        assert_eq!((q.limit, q.offset.map(|o| o.0)), (Some(10), Some(5)));
    }

    #[test]
    fn parses_count_not_in_and_date_literals() {
        let q =
            query("SELECT COUNT() FROM Task WHERE WhoId NOT IN ('x') AND CreatedDate = LAST_N_DAYS:30 AND ActivityDate < TODAY").unwrap();
        assert!(q.count && q.select.is_empty());
        let Some(Cond::And(parts)) = q.condition else { panic!() };
        assert!(matches!(parts[0], Cond::In { negated: true, .. }));
        assert!(matches!(parts[1], Cond::Cmp { op: Op::Eq, value: Value { lit: Lit::Range(DateRange::LastNDays(30)), .. }, .. }));
        assert!(matches!(parts[2], Cond::Cmp { op: Op::Lt, value: Value { lit: Lit::Range(DateRange::Today), .. }, .. }));
    }

    #[test]
    fn malformed_queries_point_at_the_token() {
        let cases = [
            ("SELECT Id FORM Contact", 10, "unexpected token: FORM"),
            ("SELECT Id FROM Contact WHERE", 28, "unexpected token: <EOF>"),
            ("SELECT Id FROM Contact WHERE a = 1 AND b = 2 OR c = 3", 45, "unexpected token: OR"),
            ("SELECT Id FROM Contact WHERE a = BOGUS", 33, "unexpected token: BOGUS"),
            ("SELECT Id FROM Contact LIMIT x", 29, "unexpected token: x"),
            ("SELECT Id, FROM Contact", 16, "unexpected token: Contact"),
        ];
        for (text, at, message) in cases {
            match query(text) {
                Err(SoqlError::Malformed { pos, message: m }) => assert_eq!((pos, m.as_str()), (at, message), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
