//! Binding and evaluation: names in the syntax tree are checked against
//! the schema (with Salesforce's INVALID_FIELD texts), literals against the
//! types of the fields they meet, and the bound query then runs over the
//! store: filter, sort, offset, limit, and rows with parent relationships
//! nested as Salesforce returns them.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::parser::{Cond, DateRange, Lit, Op, Path, Query};
use super::SoqlError;
use crate::schema::{object_named, Field, FieldType, SObject, NAME_OBJECT_FIELDS};
use crate::store::{attributes, Record, Store};
use crate::util::{date_ms, normalize_id, parse_date, parse_datetime, today};

const MS_PER_DAY: i64 = 86_400_000;

/// A reference followed on the way to a field.
#[derive(Debug, Clone)]
struct Hop {
    field: &'static Field,
    relationship: &'static str,
}

#[derive(Debug, Clone)]
enum Leaf {
    Field(&'static Field),
    /// A field of the `Name` pseudo-object, behind a polymorphic reference.
    Name(&'static str),
}

#[derive(Debug, Clone)]
pub struct BoundPath {
    hops: Vec<Hop>,
    leaf: Leaf,
}

impl BoundPath {
    fn ftype(&self) -> FieldType {
        match self.leaf {
            Leaf::Field(f) => f.ftype,
            Leaf::Name("Id") => FieldType::Id,
            Leaf::Name("IsActive") => FieldType::Boolean,
            Leaf::Name(_) => FieldType::String,
        }
    }

    fn leaf_name(&self) -> &'static str {
        match self.leaf {
            Leaf::Field(f) => f.name,
            Leaf::Name(n) => n,
        }
    }

    fn polymorphic_end(&self) -> bool {
        self.hops.last().is_some_and(|h| h.field.polymorphic())
    }

    /// The value at the end of the path, null when a reference is empty.
    fn value<'s>(&self, store: &'s Store, record: &'s Record) -> Value {
        let mut current = record;
        for hop in &self.hops {
            match current.get(hop.field.name).as_str().and_then(|id| store.get(id)) {
                Some(next) => current = next,
                None => return Value::Null,
            }
        }
        match self.leaf {
            Leaf::Name("Type") => json!(current.object.name),
            Leaf::Field(f) => current.get(f.name).clone(),
            Leaf::Name(name) => current.get(name).clone(),
        }
    }
}

/// A literal made comparable with the field it meets.
#[derive(Debug, Clone)]
enum Operand {
    Null,
    /// Lower-cased, except ids.
    Text(String),
    Num(f64),
    Bool(bool),
    /// [start, end) in days (date fields) or ms (date-time fields).
    Span(i64, i64),
}

#[derive(Debug, Clone)]
enum Bound {
    And(Vec<Bound>),
    Or(Vec<Bound>),
    Not(Box<Bound>),
    Cmp { path: BoundPath, op: Op, operand: Operand },
    In { path: BoundPath, negated: bool, operands: Vec<Operand> },
}

pub struct Plan {
    pub object: &'static SObject,
    select: Vec<BoundPath>,
    count: bool,
    condition: Option<Bound>,
    order: Vec<(BoundPath, bool, bool)>,
    limit: Option<usize>,
    offset: usize,
}

/// What a query found: every row (after OFFSET and LIMIT), or only the count.
pub struct Found {
    pub total: usize,
    pub rows: Vec<Value>,
}

/// Checks the query's names and literals against the schema.
pub fn bind(query: &Query) -> Result<Plan, SoqlError> {
    let object = object_named(&query.from.text).ok_or_else(|| SoqlError::InvalidType(query.from.text.clone()))?;
    let select = query.select.iter().map(|p| bind_path(object, p)).collect::<Result<Vec<_>, _>>()?;
    let condition = query.condition.as_ref().map(|c| bind_cond(object, c)).transpose()?;
    let order =
        query.order.iter().map(|o| Ok((bind_path(object, &o.path)?, o.descending, o.nulls_first))).collect::<Result<Vec<_>, _>>()?;
    let offset = match query.offset {
        Some((n, _)) if n > 2000 => return Err(SoqlError::OffsetTooLarge),
        Some((n, _)) => n,
        None => 0,
    };
    if object.name == "ContentDocumentLink" && !condition.as_ref().is_some_and(filters_links) {
        return Err(SoqlError::Restriction(
            "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or \
             LinkedEntityId using the equals operator or multiple Id's using the IN operator."
                .into(),
        ));
    }
    Ok(Plan { object, select, count: query.count, condition, order, limit: query.limit, offset })
}

/// Whether a condition on ContentDocumentLink names the documents or the
/// records it wants: `ContentDocumentId` or `LinkedEntityId` `=` an id or
/// `IN` ids, alone or as a part of a top-level `AND`.
fn filters_links(cond: &Bound) -> bool {
    let by_id = |path: &BoundPath| {
        path.hops.is_empty() && matches!(path.leaf, Leaf::Field(f) if matches!(f.name, "ContentDocumentId" | "LinkedEntityId"))
    };
    match cond {
        Bound::And(parts) => parts.iter().any(filters_links),
        Bound::Cmp { path, op: Op::Eq, operand: Operand::Text(_) } => by_id(path),
        Bound::In { path, negated: false, operands } => by_id(path) && operands.iter().all(|o| matches!(o, Operand::Text(_))),
        _ => false,
    }
}

/// Binds a condition alone against an object (list view filters).
pub fn check_condition(object: &'static SObject, cond: &Cond) -> Result<(), SoqlError> {
    bind_cond(object, cond).map(|_| ())
}

fn no_such_column(name: &str, entity: &str, pos: usize) -> SoqlError {
    SoqlError::InvalidField {
        pos,
        message: format!(
            "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the \
             '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
        ),
    }
}

fn bind_path(object: &'static SObject, path: &Path) -> Result<BoundPath, SoqlError> {
    let (leaf_name, relationships) = path.parts.split_last().expect("a path has a part");
    let mut current = Some(object);
    let mut hops = Vec::new();
    for name in relationships {
        let field = current.and_then(|o| o.relationship(name)).ok_or_else(|| SoqlError::InvalidField {
            pos: path.pos,
            message: format!(
                "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be sure \
                 to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the \
                 appropriate names."
            ),
        })?;
        hops.push(Hop { field, relationship: field.relationship.unwrap_or_default() });
        current = if field.polymorphic() { None } else { field.reference_to.first().and_then(|t| object_named(t)) };
    }
    let leaf = match current {
        Some(o) => Leaf::Field(o.field(leaf_name).ok_or_else(|| no_such_column(leaf_name, o.name, path.pos))?),
        None => Leaf::Name(
            NAME_OBJECT_FIELDS
                .iter()
                .find(|n| n.eq_ignore_ascii_case(leaf_name))
                .ok_or_else(|| no_such_column(leaf_name, "Name", path.pos))?,
        ),
    };
    Ok(BoundPath { hops, leaf })
}

fn bind_cond(object: &'static SObject, cond: &Cond) -> Result<Bound, SoqlError> {
    Ok(match cond {
        Cond::And(parts) => Bound::And(parts.iter().map(|c| bind_cond(object, c)).collect::<Result<_, _>>()?),
        Cond::Or(parts) => Bound::Or(parts.iter().map(|c| bind_cond(object, c)).collect::<Result<_, _>>()?),
        Cond::Not(inner) => Bound::Not(Box::new(bind_cond(object, inner)?)),
        Cond::Cmp { path, op, value } => {
            let bound = bind_path(object, path)?;
            if *op == Op::Like && !(bound.ftype().is_text() && matches!(value.lit, Lit::Str(_))) {
                return Err(SoqlError::InvalidField {
                    pos: path.pos,
                    message: format!("invalid operator on {} field: LIKE", bound.ftype().api_name()),
                });
            }
            let operand = operand(&bound, path, &value.lit, value.pos)?;
            Bound::Cmp { path: bound, op: *op, operand }
        }
        Cond::In { path, negated, values } => {
            let bound = bind_path(object, path)?;
            let operands = values.iter().map(|v| operand(&bound, path, &v.lit, v.pos)).collect::<Result<_, _>>()?;
            Bound::In { path: bound, negated: *negated, operands }
        }
    })
}

fn operand(path: &BoundPath, written: &Path, lit: &Lit, pos: usize) -> Result<Operand, SoqlError> {
    let ftype = path.ftype();
    let mismatch = |expected: &str, quoted: bool| SoqlError::InvalidField {
        pos,
        message: format!(
            "value of filter criterion for field '{}' must be of type {expected} and should {}be enclosed in quotes",
            written.text(),
            if quoted { "" } else { "not " }
        ),
    };
    Ok(match (ftype, lit) {
        (_, Lit::Null) => Operand::Null,
        (t, Lit::Str(s)) if t.is_id() => Operand::Text(normalize_id(s).unwrap_or_else(|| s.clone())),
        (t, Lit::Str(s)) if t.is_text() => Operand::Text(s.to_lowercase()),
        (t, _) if t.is_text() => return Err(mismatch("string", true)),
        (t, Lit::Num(n)) if t.is_number() => Operand::Num(*n),
        (FieldType::Int, _) => return Err(mismatch("integer", false)),
        (t, _) if t.is_number() => return Err(mismatch("double", false)),
        (FieldType::Boolean, Lit::Bool(b)) => Operand::Bool(*b),
        (FieldType::Boolean, _) => return Err(mismatch("boolean", false)),
        (FieldType::Date, Lit::Date(d)) => {
            let day = date_ms(*d) / MS_PER_DAY;
            Operand::Span(day, day + 1)
        }
        (FieldType::Date, Lit::Range(r)) => {
            let (start, end) = days(*r);
            Operand::Span(start, end)
        }
        (FieldType::Date, _) => return Err(mismatch("date", false)),
        (FieldType::Datetime, Lit::DateTime(ms)) => Operand::Span(*ms, ms + 1),
        (FieldType::Datetime, Lit::Range(r)) => {
            let (start, end) = days(*r);
            Operand::Span(start * MS_PER_DAY, end * MS_PER_DAY)
        }
        (FieldType::Datetime, _) => return Err(mismatch("dateTime", false)),
        _ => return Err(mismatch(ftype.api_name(), false)),
    })
}

/// A date literal's days, [start, end), counted from the epoch, in UTC.
fn days(range: DateRange) -> (i64, i64) {
    let today = date_ms(today()) / MS_PER_DAY;
    match range {
        DateRange::Today => (today, today + 1),
        DateRange::Yesterday => (today - 1, today),
        DateRange::Tomorrow => (today + 1, today + 2),
        DateRange::LastNDays(n) => (today - i64::from(n), today + 1),
        DateRange::NextNDays(n) => (today + 1, today + 1 + i64::from(n)),
    }
}

/// A stored value as comparable as the operands.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Text(String),
    Num(f64),
    Bool(bool),
    /// Days (dates) or ms (date-times).
    Ord(i64),
}

fn scalar(ftype: FieldType, value: &Value) -> Scalar {
    match (ftype, value) {
        (_, Value::Null) => Scalar::Null,
        (FieldType::Date, Value::String(s)) => parse_date(s).map_or(Scalar::Null, |d| Scalar::Ord(date_ms(d) / MS_PER_DAY)),
        (FieldType::Datetime, Value::String(s)) => parse_datetime(s).map_or(Scalar::Null, Scalar::Ord),
        (t, Value::String(s)) if t.is_id() => Scalar::Text(s.clone()),
        (_, Value::String(s)) => Scalar::Text(s.to_lowercase()),
        (_, Value::Number(n)) => Scalar::Num(n.as_f64().unwrap_or_default()),
        (_, Value::Bool(b)) => Scalar::Bool(*b),
        _ => Scalar::Null,
    }
}

fn compare(value: &Scalar, op: Op, operand: &Operand) -> bool {
    let ordered = |ord: Option<Ordering>| match (op, ord) {
        (_, None) => false,
        (Op::Eq, Some(o)) => o == Ordering::Equal,
        (Op::Ne, Some(o)) => o != Ordering::Equal,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        (Op::Like, _) => false,
    };
    match (value, operand) {
        (Scalar::Null, Operand::Null) => op == Op::Eq,
        (Scalar::Null, _) | (_, Operand::Null) => op == Op::Ne,
        (Scalar::Text(v), Operand::Text(pattern)) if op == Op::Like => like(v, pattern),
        (Scalar::Text(v), Operand::Text(t)) => ordered(Some(v.as_str().cmp(t.as_str()))),
        (Scalar::Num(v), Operand::Num(n)) => ordered(v.partial_cmp(n)),
        (Scalar::Bool(v), Operand::Bool(b)) if matches!(op, Op::Eq | Op::Ne) => (v == b) == (op == Op::Eq),
        (Scalar::Ord(v), Operand::Span(start, end)) => match op {
            Op::Eq => start <= v && v < end,
            Op::Ne => !(start <= v && v < end),
            Op::Lt => v < start,
            Op::Le => v < end,
            Op::Gt => v >= end,
            Op::Ge => v >= start,
            Op::Like => false,
        },
        _ => false,
    }
}

/// SOQL LIKE on lower-cased text: `%` any run, `_` one character, `\%` and `\_` themselves.
fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => P::Char(chars.next().unwrap_or('\\')),
            c => P::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard matching with one backtrack point.
    let (mut t, mut p, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        match parts.get(p) {
            Some(P::Char(c)) if *c == text[t] => (t, p) = (t + 1, p + 1),
            Some(P::One) => (t, p) = (t + 1, p + 1),
            Some(P::Any) => {
                star = Some(p);
                mark = t;
                p += 1;
            }
            _ => match star {
                Some(s) => {
                    p = s + 1;
                    mark += 1;
                    t = mark;
                }
                None => return false,
            },
        }
    }
    parts[p..].iter().all(|x| *x == P::Any)
}

fn matches(store: &Store, record: &Record, cond: &Bound) -> bool {
    match cond {
        Bound::And(parts) => parts.iter().all(|c| matches(store, record, c)),
        Bound::Or(parts) => parts.iter().any(|c| matches(store, record, c)),
        Bound::Not(inner) => !matches(store, record, inner),
        Bound::Cmp { path, op, operand } => compare(&scalar(path.ftype(), &path.value(store, record)), *op, operand),
        Bound::In { path, negated, operands } => {
            let value = scalar(path.ftype(), &path.value(store, record));
            if value == Scalar::Null {
                return *negated;
            }
            operands.iter().any(|o| compare(&value, Op::Eq, o)) != *negated
        }
    }
}

fn order_scalars(a: &Scalar, b: &Scalar, nulls_first: bool) -> Ordering {
    match (a, b) {
        (Scalar::Null, Scalar::Null) => Ordering::Equal,
        (Scalar::Null, _) => {
            if nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (_, Scalar::Null) => {
            if nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Scalar::Text(x), Scalar::Text(y)) => x.cmp(y),
        (Scalar::Num(x), Scalar::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(y),
        (Scalar::Ord(x), Scalar::Ord(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl Plan {
    /// Runs the query; `all` includes the recycle bin (`queryAll`).
    pub fn run(&self, store: &Store, all: bool, version: &str) -> Found {
        let mut hits: Vec<&Record> = store
            .table(self.object)
            .filter(|r| all || r.deleted.is_none())
            .filter(|r| self.condition.as_ref().is_none_or(|c| matches(store, r, c)))
            .collect();
        if !self.order.is_empty() {
            let keyed: Vec<(Vec<Scalar>, &Record)> =
                hits.into_iter().map(|r| (self.order.iter().map(|(p, _, _)| scalar(p.ftype(), &p.value(store, r))).collect(), r)).collect();
            let mut keyed = keyed;
            keyed.sort_by(|(a, _), (b, _)| {
                self.order
                    .iter()
                    .zip(a.iter().zip(b))
                    .map(|((_, descending, nulls_first), (x, y))| {
                        let null_involved = *x == Scalar::Null || *y == Scalar::Null;
                        let ord = order_scalars(x, y, *nulls_first);
                        if *descending && !null_involved {
                            ord.reverse()
                        } else {
                            ord
                        }
                    })
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            });
            hits = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let hits: Vec<&Record> = hits.into_iter().skip(self.offset).take(self.limit.unwrap_or(usize::MAX)).collect();
        if self.count {
            return Found { total: hits.len(), rows: Vec::new() };
        }
        let rows: Vec<Value> = hits.iter().map(|r| self.row(store, r, version)).collect();
        Found { total: rows.len(), rows }
    }

    fn row(&self, store: &Store, record: &Record, version: &str) -> Value {
        let mut out = Map::new();
        out.insert("attributes".into(), attributes(record.object.name, &record.id, version));
        for path in &self.select {
            place(&mut out, store, record, path, 0, version);
        }
        Value::Object(out)
    }
}

/// Puts the path's value into the row, nesting parent objects as
/// `"Account":{"attributes":{...},"Name":"..."}` (or null).
fn place(out: &mut Map<String, Value>, store: &Store, record: &Record, path: &BoundPath, depth: usize, version: &str) {
    let Some(hop) = path.hops.get(depth) else {
        let leaf = BoundPath { hops: Vec::new(), leaf: path.leaf.clone() };
        out.insert(path.leaf_name().into(), leaf.value(store, record));
        return;
    };
    let Some(parent) = record.get(hop.field.name).as_str().and_then(|id| store.get(id)) else {
        out.entry(hop.relationship).or_insert(Value::Null);
        return;
    };
    let polymorphic = depth + 1 == path.hops.len() && path.polymorphic_end();
    let entry = out.entry(hop.relationship).or_insert(Value::Null);
    if entry.is_null() {
        let mut attrs = attributes(parent.object.name, &parent.id, version);
        if polymorphic {
            attrs["type"] = json!("Name");
        }
        *entry = json!({"attributes": attrs});
    }
    if let Value::Object(nested) = entry {
        place(nested, store, parent, path, depth + 1, version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_wildcards_and_escapes() {
        assert!(like("priya.raman@x", "priya%"));
        assert!(like("priya", "pr_ya"));
        assert!(like("abc", "%"));
        assert!(like("50%", "50\\%"));
        assert!(!like("500", "50\\%"));
        assert!(like("a_b", "a\\_b"));
        assert!(!like("axb", "a\\_b"));
        assert!(like("xxabyyab", "%ab"));
        assert!(!like("abc", "ab"));
    }

    #[test]
    fn spans_compare_as_ranges() {
        let day = Scalar::Ord(10);
        let span = Operand::Span(10, 11);
        assert!(compare(&day, Op::Eq, &span) && compare(&day, Op::Le, &span) && compare(&day, Op::Ge, &span));
        assert!(!compare(&day, Op::Lt, &span) && !compare(&day, Op::Gt, &span));
        assert!(compare(&Scalar::Ord(11), Op::Gt, &span));
        assert!(compare(&Scalar::Null, Op::Ne, &Operand::Text("x".into())));
        assert!(compare(&Scalar::Null, Op::Eq, &Operand::Null));
        assert!(!compare(&Scalar::Num(1.0), Op::Gt, &Operand::Null));
    }
}
