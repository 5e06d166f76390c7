//! What a run found: one outcome per check, for people and for `--json`.

use serde::Serialize;

/// Every check, in the order they run and are reported: stable ids (the
/// CLI's `--json`, the tests and the README name them) and titles.
pub const CHECKS: &[(&str, &str)] = &[
    ("manifest", "the manifest names a contract this host runs, without problems"),
    ("loads", "the plugin loads in the sandbox with the kit's settings"),
    ("lookup-email", "lookup finds the requester by email"),
    ("lookup-secondary-email", "lookup falls through to the secondary email"),
    ("lookup-phone", "lookup finds the requester by the phone's digits, however formatted"),
    ("lookup-name", "lookup falls through to the name"),
    ("lookup-account", "lookup falls through to the account name"),
    ("lookup-order", "email wins when email and phone find different contacts"),
    ("lookup-miss", "a requester nobody matches is `none`, not an error"),
    ("paging-potentials", "potentials: every page followed, no duplicates"),
    ("paging-notes", "notes: every page followed, no duplicates"),
    ("paging-activities", "activities: every page followed, no duplicates"),
    ("error-unauthorized", "HTTP 401 becomes auth-expired"),
    ("error-rate-limited", "HTTP 429 with Retry-After: 7 becomes rate-limited(7)"),
    ("error-server", "HTTP 503 becomes transient"),
    ("odd-unicode", "emoji, right-to-left text and combining marks in every string do not crash it"),
    ("odd-html", "HTML and script tags in every string do not crash it"),
    ("odd-huge", "a 200,000-character string in every string does not crash it"),
    ("odd-empty", "every list empty does not crash it"),
    ("odd-nulls", "every value but ids null does not crash it"),
    ("odd-input", "a requester of unicode, 10,000-character or empty strings does not crash it"),
];

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    /// What was expected and what came back.
    Fail(String),
    /// Why the check was not run.
    Skip(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub title: &'static str,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What a passing check left untried, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The outcome of every check of [`CHECKS`], in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The plugin's id and version.
    pub plugin: String,
    pub version: String,
    /// What the plugin was run against, in words.
    pub target: String,
    pub checks: Vec<CheckResult>,
}

impl Report {
    pub(crate) fn new(plugin: &str, version: &str, target: String) -> Report {
        Report { plugin: plugin.to_string(), version: version.to_string(), target, checks: Vec::new() }
    }

    /// Records `id`'s outcome; `id` must be one of [`CHECKS`].
    pub(crate) fn push(&mut self, id: &'static str, outcome: Outcome, note: Option<String>) {
        let title = CHECKS.iter().find(|(known, _)| *known == id).map(|(_, t)| *t);
        debug_assert!(title.is_some(), "check `{id}` is not in CHECKS");
        self.checks.push(CheckResult { id, title: title.unwrap_or(""), outcome, note });
    }

    /// Skips every check of [`CHECKS`] not reported yet.
    pub(crate) fn skip_rest(&mut self, reason: &str) {
        for (id, _) in CHECKS {
            if self.check(id).is_none() {
                self.push(id, Outcome::Skip(reason.to_string()), None);
            }
        }
    }

    /// The result of check `id`, if it was reported.
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.checks.iter().filter(|c| f(&c.outcome)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Pass))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Fail(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skip(_)))
    }

    /// One line per check (`PASS`/`FAIL`/`SKIP`, id, title), the detail or
    /// note indented below, and the counts last.
    pub fn render_text(&self) -> String {
        let width = self.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
        let mut out = format!("Conformance of {} {} against {}\n", self.plugin, self.version, self.target);
        for c in &self.checks {
            let (word, detail) = match &c.outcome {
                Outcome::Pass => ("PASS", None),
                Outcome::Fail(d) => ("FAIL", Some(d)),
                Outcome::Skip(d) => ("SKIP", Some(d)),
            };
            out.push_str(&format!("{word}  {:width$}  {}\n", c.id, c.title));
            for text in detail.into_iter().chain(&c.note) {
                for line in text.lines() {
                    out.push_str(&format!("      {line}\n"));
                }
            }
        }
        out.push_str(&format!("{} passed, {} failed, {} skipped\n", self.passed(), self.failed(), self.skipped()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_serialises() {
        let mut report = Report::new("crm", "1.0.0", "the Sample CRM".into());
        report.push("manifest", Outcome::Pass, None);
        report.push("loads", Outcome::Fail("it broke\nbadly".into()), None);
        report.skip_rest("the plugin did not load");
        assert_eq!((report.passed(), report.failed(), report.skipped()), (1, 1, CHECKS.len() - 2));
        let text = report.render_text();
        assert!(text.contains("FAIL  loads  ") && text.contains("\n      it broke\n      badly\n"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["checks"][0], serde_json::json!({"id": "manifest", "title": CHECKS[0].1, "outcome": "pass"}));
        assert_eq!(json["checks"][1]["detail"], "it broke\nbadly");
    }
}
