//! Reading a CRM's JSON without a struct per answer: the field accessors a
//! connector needs, each forgiving of a missing key, `null`, or a value of
//! another type (CRMs send all three), and none of them panics.

use serde_json::Value;

/// `v[key]` as text: a non-empty string, or a number or boolean written out.
/// `None` for a missing key, `null`, an empty string, an object or an array.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `v[key]` as a number: a JSON number, or a string holding one (`"12.5"`).
pub fn number(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `v[key]` as a list; empty when missing or not an array.
pub fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// `v[key]` when it is an object (a nested record such as an account).
pub fn object<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).filter(|o| o.is_object())
}

/// Texts joined by a space, leaving out the missing ones: a display name
/// from first and last name. `None` when all are missing.
pub fn joined(parts: &[Option<String>]) -> Option<String> {
    let words: Vec<&str> = parts.iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors_forgive_missing_null_and_other_types() {
        let v = json!({"s": "x", "e": "", "n": 3, "f": "2.5", "z": null, "o": {"id": 1}, "a": [1, 2]});
        assert_eq!(text(&v, "s").as_deref(), Some("x"));
        assert_eq!(text(&v, "n").as_deref(), Some("3"));
        assert_eq!(text(&v, "e"), None);
        assert_eq!(text(&v, "z"), None);
        assert_eq!(text(&v, "o"), None);
        assert_eq!(text(&v, "missing"), None);
        assert_eq!(number(&v, "f"), Some(2.5));
        assert_eq!(number(&v, "s"), None);
        assert_eq!(items(&v, "a").len(), 2);
        assert!(items(&v, "o").is_empty());
        assert!(object(&v, "o").is_some() && object(&v, "a").is_none());
        assert_eq!(joined(&[Some("Ada".into()), None, Some(" Lovelace".into())]).as_deref(), Some("Ada Lovelace"));
        assert_eq!(joined(&[None, Some("".into())]), None);
        assert_eq!(text(&Value::Null, "k"), None);
    }
}
