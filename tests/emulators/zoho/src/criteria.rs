//! Zoho's search criteria: `(Field:operator:value)` conditions, joined by
//! `and` / `or` and nested with parentheses. Parsing knows nothing of
//! modules; `search.rs` checks fields and evaluates conditions, so custom
//! views can be parsed once and run against any record.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Criteria {
    Condition(Condition),
    All(Vec<Criteria>),
    Any(Vec<Criteria>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The field's API name, possibly with `.id` / `.name` for lookups.
    pub field: String,
    pub operator: Operator,
    /// The value split at unescaped commas, each trimmed and unescaped.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEqual,
    StartsWith,
    In,
    GreaterThan,
    LessThan,
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        Some(match name.to_ascii_lowercase().as_str() {
            "equals" => Operator::Equals,
            "not_equal" => Operator::NotEqual,
            "starts_with" => Operator::StartsWith,
            "in" => Operator::In,
            "greater_than" => Operator::GreaterThan,
            "less_than" => Operator::LessThan,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaError {
    pub reason: String,
}

impl fmt::Display for CriteriaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for CriteriaError {}

fn error<T>(reason: impl Into<String>) -> Result<T, CriteriaError> {
    Err(CriteriaError { reason: reason.into() })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joiner {
    And,
    Or,
}

impl Criteria {
    pub fn parse(text: &str) -> Result<Criteria, CriteriaError> {
        let mut parser = Parser { chars: text.chars().collect(), pos: 0 };
        let criteria = parser.expr()?;
        parser.skip_ws();
        if parser.pos != parser.chars.len() {
            return error(format!("unexpected text at position {}", parser.pos));
        }
        Ok(criteria)
    }

    /// Every condition, for checking fields and values before evaluating.
    pub fn conditions(&self) -> Vec<&Condition> {
        match self {
            Criteria::Condition(c) => vec![c],
            Criteria::All(items) | Criteria::Any(items) => items.iter().flat_map(Criteria::conditions).collect(),
        }
    }

    pub fn matches(&self, test: &dyn Fn(&Condition) -> bool) -> bool {
        match self {
            Criteria::Condition(c) => test(c),
            Criteria::All(items) => items.iter().all(|c| c.matches(test)),
            Criteria::Any(items) => items.iter().any(|c| c.matches(test)),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), CriteriaError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            error(format!("expected `{c}` at position {}", self.pos))
        }
    }

    /// `term (joiner term)*`, one joiner per level: mixing `and` and `or`
    /// without parentheses is refused rather than given a precedence.
    fn expr(&mut self) -> Result<Criteria, CriteriaError> {
        let mut items = vec![self.term()?];
        let mut joiner = None;
        while let Some(next) = self.joiner() {
            if joiner.is_some_and(|j| j != next) {
                return error("`and` and `or` are mixed without parentheses");
            }
            joiner = Some(next);
            items.push(self.term()?);
        }
        Ok(match joiner {
            None => items.pop().expect("one term"),
            Some(Joiner::And) => Criteria::All(items),
            Some(Joiner::Or) => Criteria::Any(items),
        })
    }

    fn joiner(&mut self) -> Option<Joiner> {
        self.skip_ws();
        for (word, joiner) in [("and", Joiner::And), ("or", Joiner::Or)] {
            let end = self.pos + word.len();
            let matches = self.chars.len() >= end && self.chars[self.pos..end].iter().collect::<String>().eq_ignore_ascii_case(word);
            let separated = matches!(self.chars.get(end), Some('(') | Some(' ') | Some('\t'));
            if matches && separated {
                self.pos = end;
                return Some(joiner);
            }
        }
        None
    }

    /// `( expr )` or `( condition )`.
    fn term(&mut self) -> Result<Criteria, CriteriaError> {
        self.expect('(')?;
        self.skip_ws();
        let inner = if self.peek() == Some('(') { self.expr()? } else { Criteria::Condition(self.condition()?) };
        self.expect(')')?;
        Ok(inner)
    }

    fn condition(&mut self) -> Result<Condition, CriteriaError> {
        let field = self.name_until_colon("field")?;
        if !field.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.')) {
            return error(format!("`{field}` is not a field name"));
        }
        let operator_name = self.name_until_colon("operator")?;
        let operator =
            Operator::parse(&operator_name).ok_or_else(|| CriteriaError { reason: format!("unknown operator `{operator_name}`") })?;
        let values = self.values()?;
        if values.iter().any(String::is_empty) {
            return error(format!("empty value for `{field}`"));
        }
        if matches!(operator, Operator::GreaterThan | Operator::LessThan) && values.len() != 1 {
            return error(format!("`{operator_name}` takes one value"));
        }
        Ok(Condition { field, operator, values })
    }

    fn name_until_colon(&mut self, what: &str) -> Result<String, CriteriaError> {
        let start = self.pos;
        loop {
            match self.peek() {
                Some(':') => break,
                Some('(' | ')') | None => return error(format!("{what} not followed by `:` at position {start}")),
                Some(_) => self.pos += 1,
            }
        }
        let name: String = self.chars[start..self.pos].iter().collect::<String>().trim().to_string();
        self.pos += 1;
        if name.is_empty() {
            return error(format!("missing {what} at position {start}"));
        }
        Ok(name)
    }

    /// The value up to the unescaped `)`, split at unescaped commas.
    fn values(&mut self) -> Result<Vec<String>, CriteriaError> {
        let mut values = Vec::new();
        let mut current = String::new();
        loop {
            match self.peek() {
                None => return error("condition not closed with `)`"),
                Some(')') => break,
                Some('(') => return error(format!("unescaped `(` in a value at position {}", self.pos)),
                Some(',') => values.push(std::mem::take(&mut current).trim().to_string()),
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ ('(' | ')' | ',' | '\\')) => current.push(c),
                        _ => return error(format!("unknown escape at position {}", self.pos - 1)),
                    }
                }
                Some(c) => current.push(c),
            }
            self.pos += 1;
        }
        values.push(current.trim().to_string());
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: &str, operator: Operator, values: &[&str]) -> Criteria {
        Criteria::Condition(Condition { field: field.into(), operator, values: values.iter().map(|v| v.to_string()).collect() })
    }

    #[test]
    fn parses_a_single_condition() {
        assert_eq!(Criteria::parse("(Last_Name:equals:Lovelace)").unwrap(), cond("Last_Name", Operator::Equals, &["Lovelace"]));
    }

    #[test]
    fn parses_nested_groups_and_joiners() {
        let parsed = Criteria::parse("((Last_Name:equals:Lovelace)and(Email:starts_with:ada))").unwrap();
        assert_eq!(
            parsed,
            Criteria::All(vec![cond("Last_Name", Operator::Equals, &["Lovelace"]), cond("Email", Operator::StartsWith, &["ada"]),])
        );
        let parsed = Criteria::parse("((A:equals:1) OR ((B:in:x,y)and(C:greater_than:3)))").unwrap();
        assert_eq!(
            parsed,
            Criteria::Any(vec![
                cond("A", Operator::Equals, &["1"]),
                Criteria::All(vec![cond("B", Operator::In, &["x", "y"]), cond("C", Operator::GreaterThan, &["3"])]),
            ])
        );
    }

    #[test]
    fn values_keep_colons_and_spaces() {
        assert_eq!(
            Criteria::parse("(Modified_Time:greater_than:2026-11-21T09:30:00+00:00)").unwrap(),
            cond("Modified_Time", Operator::GreaterThan, &["2026-11-21T09:30:00+00:00"])
        );
        assert_eq!(Criteria::parse("(Last_Name:equals:Van Dyke)").unwrap(), cond("Last_Name", Operator::Equals, &["Van Dyke"]));
    }

    #[test]
    fn escapes_stand_for_the_character() {
        assert_eq!(
            Criteria::parse(r"(Account_Name:equals:Smith \(UK\)\, Ltd \\ Co)").unwrap(),
            cond("Account_Name", Operator::Equals, &[r"Smith (UK), Ltd \ Co"])
        );
        assert_eq!(Criteria::parse(r"(Last_Name:in:Burns\,B,Smith)").unwrap(), cond("Last_Name", Operator::In, &["Burns,B", "Smith"]));
    }

    #[test]
    fn operators_are_case_insensitive() {
        assert_eq!(Criteria::parse("(Stage:NOT_EQUAL:Closed Won)").unwrap(), cond("Stage", Operator::NotEqual, &["Closed Won"]));
    }

    #[test]
    fn malformed_criteria_are_refused() {
        for bad in [
            "",
            "Last_Name:equals:Lovelace",
            "(Last_Name:equals:Lovelace",
            "(Last_Name:equals)",
            "(Last_Name:resembles:Lovelace)",
            "(Last_Name:equals:)",
            "(Last_Name:equals:Smith (UK))",
            r"(Last_Name:equals:a\b)",
            "(A:equals:1)and",
            "(A:equals:1)and(B:equals:2)or(C:equals:3)",
            "(A:equals:1)(B:equals:2)",
            "(A:greater_than:1,2)",
            "(Bad Name:equals:1)",
            "((A:equals:1)",
        ] {
            assert!(Criteria::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn evaluates_with_the_given_test() {
        let c = Criteria::parse("((A:equals:1)or((B:equals:2)and(C:equals:3)))").unwrap();
        let truth = |set: &'static [&'static str]| move |cond: &Condition| set.contains(&cond.field.as_str());
        assert!(c.matches(&truth(&["A"])));
        assert!(c.matches(&truth(&["B", "C"])));
        assert!(!c.matches(&truth(&["B"])));
        assert_eq!(c.conditions().len(), 3);
    }
}
