//! Building SOQL safely: quoted literals, checked names and ids, and the
//! WHERE condition of a list view's query.

use deskpane_plugin_sdk::prelude::*;

use crate::time;

/// A SOQL string literal: quoted, with backslash, quotes and control
/// characters escaped as SOQL wants them.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `(a, b, c)` of quoted literals, for `IN`.
pub fn in_list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    format!("({})", values.into_iter().map(quote).collect::<Vec<_>>().join(", "))
}

/// Whether `name` is a field name or parent path SOQL can take as it is
/// (`Email`, `Support_Tier__c`, `Account.Name`): nothing to inject.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Whether `id` looks like a Salesforce record id (15 or 18 letters and digits).
pub fn is_id(id: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A record id checked before it goes into a query or a path.
pub fn checked_id(id: &str) -> Result<&str, ConnectorError> {
    if is_id(id) {
        Ok(id)
    } else {
        Err(ConnectorError::NotFound(format!("`{}` is not a Salesforce record id", id.escape_debug())))
    }
}

/// The names of a comma-separated config list that are safe to query;
/// the others are logged and left out.
pub fn names(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if !is_name(name) {
            log::warn(&format!("ignoring `{}` in the plugin settings: not a Salesforce field name", name.escape_debug()));
        } else if !out.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    }
    out
}

/// A contract value as a SOQL literal for an equality filter.
pub fn literal(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null => "null".into(),
        Value::Text(s) => quote(s),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) if d.is_finite() => d.to_string(),
        Value::Decimal(_) => return None,
        Value::Boolean(b) => b.to_string(),
        Value::Date(d) if time::is_date(d) => d.clone(),
        Value::Date(_) => return None,
        Value::Datetime(t) => time::soql(time::parse(t)?),
        Value::TextList(items) => quote(&items.join(";")),
        Value::Reference(r) => quote(&r.id),
    })
}

/// What a list view selects: its WHERE condition and its scope
/// (`USING SCOPE mine`), either absent when the view has none.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ViewFilter {
    pub condition: Option<String>,
    pub scope: Option<String>,
}

/// Takes the WHERE condition and the scope out of a list view's query,
/// `SELECT ... FROM Contact [USING SCOPE s] [WHERE c] ORDER BY ...`.
/// Keywords count only outside string literals and parentheses.
pub fn view_filter(query: &str) -> Result<ViewFilter, String> {
    let words = top_level_words(query)?;
    let upper: Vec<String> = words.iter().map(|&(s, e)| query[s..e].to_ascii_uppercase()).collect();
    let at = |i: usize, word: &str| upper.get(i).is_some_and(|w| w == word);
    let mut filter = ViewFilter::default();
    let Some(from) = (0..upper.len()).find(|&i| at(i, "FROM")) else {
        return Err("it has no FROM".into());
    };
    if let Some(using) = (from..upper.len()).find(|&i| at(i, "USING") && at(i + 1, "SCOPE")) {
        let scope = words.get(using + 2).map(|&(s, e)| &query[s..e]).filter(|s| is_name(s));
        filter.scope = Some(scope.ok_or("its USING SCOPE names no scope")?.to_string());
    }
    if let Some(w) = (from..upper.len()).find(|&i| at(i, "WHERE")) {
        let start = words[w].1;
        let end = (w + 1..upper.len())
            .find(|&i| {
                (at(i, "ORDER") || at(i, "GROUP")) && at(i + 1, "BY") || at(i, "LIMIT") || at(i, "OFFSET") || at(i, "WITH") || at(i, "FOR")
            })
            .map_or(query.len(), |i| words[i].0);
        let condition = query[start..end].trim();
        if condition.is_empty() {
            return Err("its WHERE has no condition".into());
        }
        filter.condition = Some(condition.to_string());
    }
    Ok(filter)
}

/// Byte ranges of the words outside string literals and parentheses.
fn top_level_words(query: &str) -> Result<Vec<(usize, usize)>, String> {
    let mut words = Vec::new();
    let mut depth = 0usize;
    let mut chars = query.char_indices().peekable();
    let mut word_start: Option<usize> = None;
    while let Some((i, c)) = chars.next() {
        let in_word = c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':');
        if in_word {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(s) = word_start.take() {
            if depth == 0 {
                words.push((s, i));
            }
        }
        match c {
            '\'' => loop {
                match chars.next() {
                    Some((_, '\\')) => {
                        chars.next();
                    }
                    Some((_, '\'')) => break,
                    Some(_) => {}
                    None => return Err("a string literal is not closed".into()),
                }
            },
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or("its parentheses do not match")?,
            _ => {}
        }
    }
    if let Some(s) = word_start {
        if depth == 0 {
            words.push((s, query.len()));
        }
    }
    if depth != 0 {
        return Err("its parentheses do not match".into());
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_backslash_quotes_and_controls() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote(r"a\b"), r"'a\\b'");
        assert_eq!(quote("x' OR Name != '"), r"'x\' OR Name != \''");
        assert_eq!(quote("line\nnext\t\"q\""), r#"'line\nnext\t\"q\"'"#);
        assert_eq!(quote("bell\u{7}"), "'bell'");
        assert_eq!(quote("ada+test@example.com"), "'ada+test@example.com'");
        assert_eq!(in_list(["a", "b'c"]), r"('a', 'b\'c')");
    }

    #[test]
    fn names_and_ids_are_checked() {
        assert!(is_name("Email") && is_name("Support_Tier__c") && is_name("Account.Owner.Name"));
        assert!(!is_name("Email, (SELECT Id FROM Users)") && !is_name("1Email") && !is_name("Account..Name") && !is_name(""));
        assert!(is_id("003000000000001AAA") && is_id("003000000000001"));
        assert!(!is_id("003000000000001AA'") && !is_id("003"));
        assert!(matches!(checked_id("x' OR Id != '"), Err(ConnectorError::NotFound(_))));
    }

    #[test]
    fn filter_literals_follow_the_value_type() {
        assert_eq!(literal(&Value::Text("it's".into())).unwrap(), r"'it\'s'");
        assert_eq!(literal(&Value::Integer(5)).unwrap(), "5");
        assert_eq!(literal(&Value::Boolean(true)).unwrap(), "true");
        assert_eq!(literal(&Value::Null).unwrap(), "null");
        assert_eq!(literal(&Value::Date("2026-11-21".into())).unwrap(), "2026-11-21");
        assert_eq!(literal(&Value::Date("2026-11-21' OR '".into())), None);
        assert_eq!(literal(&Value::Datetime("2026-11-21T10:30:00+01:00".into())).unwrap(), "2026-11-21T09:30:00.000+0000");
        assert_eq!(literal(&Value::Decimal(f64::NAN)), None);
    }

    #[test]
    fn a_list_view_query_gives_its_condition_and_scope() {
        let q = "SELECT Name, Id FROM Contact WHERE Customer_Type__c = 'Enterprise' AND (MailingCity = 'Order By' OR Title LIKE '%WHERE%') ORDER BY Name ASC NULLS FIRST, Id ASC NULLS FIRST";
        let f = view_filter(q).unwrap();
        assert_eq!(f.condition.as_deref(), Some("Customer_Type__c = 'Enterprise' AND (MailingCity = 'Order By' OR Title LIKE '%WHERE%')"));
        assert_eq!(f.scope, None);
        let all = view_filter("SELECT Name FROM Contact ORDER BY Name ASC NULLS FIRST, Id ASC NULLS FIRST").unwrap();
        assert_eq!(all, ViewFilter::default());
        let mine = view_filter("SELECT Id FROM Contact USING SCOPE mine WHERE CreatedDate = LAST_N_DAYS:30 LIMIT 10").unwrap();
        assert_eq!(mine.condition.as_deref(), Some("CreatedDate = LAST_N_DAYS:30"));
        assert_eq!(mine.scope.as_deref(), Some("mine"));
        let escaped = view_filter(r"SELECT Id FROM Account WHERE Name = 'it\'s ORDER BY x'").unwrap();
        assert_eq!(escaped.condition.as_deref(), Some(r"Name = 'it\'s ORDER BY x'"));
        let sub = view_filter("SELECT Id, (SELECT Id FROM Contacts WHERE Email != null) FROM Account WHERE Type = 'Customer'").unwrap();
        assert_eq!(sub.condition.as_deref(), Some("Type = 'Customer'"));
        assert!(view_filter("SELECT Id FROM Contact WHERE Name = 'open").is_err());
        assert!(view_filter("SELECT Id FROM Contact WHERE (Name = 'x'").is_err());
        assert!(view_filter("SELECT Id FROM Contact WHERE ORDER BY Name").is_err());
    }
}
