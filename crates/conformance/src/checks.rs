//! The checks `deskpane plugin test` runs: the plugin is loaded in the real
//! sandbox, pointed at the kit's proxy (in front of the Sample CRM or the
//! author's server), and its panel functions are called scenario by
//! scenario and fault by fault. The judging is pure (`judge_*`); the
//! [`Session`] only makes the calls.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use deskpane_runtime::contract::{ActivityKind, ConnectorError, MatchKey, Module, Profile, RecordRef, Requester};
use deskpane_runtime::credentials::{Secret, StaticCredentials};
use deskpane_runtime::manifest::{served_contract, ConfigType, Manifest, CONTRACT_VERSIONS};
use deskpane_runtime::package::PluginPackage;
use deskpane_runtime::{CallError, LoadError, Plugin, PluginSettings, Runtime};

use crate::proxy::{Fault, FaultProxy, ProxyError, RETRY_AFTER_SECS, UNICODE_TEXT};
pub use crate::report::{CheckResult, Outcome, Report, CHECKS};
use crate::sample_crm::{self, Dataset, Lookup, SampleCrm, DEFAULT_PER_PAGE, ODD_CONTACT, ODD_EMAIL, PAGING_CONTACT};

/// What the plugin runs against.
#[derive(Clone, Default)]
pub enum Target {
    /// The kit starts its own Sample CRM with the scenario data.
    #[default]
    SampleCrm,
    /// The author's own server: the checks that need the scenario data are
    /// skipped. `credentials`: (credential name, token) for the plugin's
    /// manifest credentials.
    Server { base_url: String, credentials: Vec<(String, String)> },
}

impl std::fmt::Debug for Target {
    // Tokens stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::SampleCrm => f.write_str("SampleCrm"),
            Target::Server { base_url, credentials } => f
                .debug_struct("Server")
                .field("base_url", base_url)
                .field("credentials", &credentials.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl Target {
    fn describe(&self) -> String {
        match self {
            Target::SampleCrm => "the Sample CRM (the kit's scenario data)".into(),
            Target::Server { base_url, .. } => format!("{base_url} (the author's server: no scenario data)"),
        }
    }
}

/// How to run the checks.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub target: Target,
    /// The config key that gets the CRM's address (the proxy's URL). By
    /// default `api-url` if the manifest declares it, else its first key of
    /// type `url` (in alphabetical order).
    pub url_key: Option<String>,
    /// Further config values for the plugin; the URL key's is the kit's.
    pub config: Vec<(String, String)>,
    /// With [`Target::Server`]: the email of a requester the server knows,
    /// whose record the error and odd-data checks read potentials, notes
    /// and activities of. Without it they try `lookup-requester` only.
    pub probe: Option<String>,
    /// Problems the caller found in the manifest (the host's mapping-key
    /// check), reported under `manifest`.
    pub manifest_problems: Vec<String>,
}

/// Why the plugin could not be set up for the checks; reported under `loads`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "the manifest declares no config key for the CRM's address (`api-url`, or a key of type `url`), so the kit cannot point the plugin at its proxy; declare one, or name the key to use"
    )]
    NoUrlKey,
    #[error("config key `{key}`, named as the one for the CRM's address, is not declared in the manifest; declared keys: {declared}")]
    UnknownUrlKey { key: String, declared: String },
    #[error("credential `{name}` is not declared in the manifest; declared credentials: {declared}")]
    UnknownCredential { name: String, declared: String },
    #[error("cannot start the Sample CRM: {0}")]
    SampleCrm(std::io::Error),
    #[error("cannot start the kit's proxy in front of the CRM: {0}")]
    Proxy(#[from] ProxyError),
    #[error(transparent)]
    Load(#[from] LoadError),
}

fn listed<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let keys: Vec<&str> = keys.map(String::as_str).collect();
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}

/// The config key the proxy's URL goes into (see [`Options::url_key`]).
pub fn url_key(manifest: &Manifest, given: Option<&str>) -> Result<String, SetupError> {
    if let Some(key) = given {
        return match manifest.config.contains_key(key) {
            true => Ok(key.to_string()),
            false => Err(SetupError::UnknownUrlKey { key: key.to_string(), declared: listed(manifest.config.keys()) }),
        };
    }
    if manifest.config.contains_key("api-url") {
        return Ok("api-url".into());
    }
    manifest.config.iter().find(|(_, field)| field.kind == ConfigType::Url).map(|(key, _)| key.clone()).ok_or(SetupError::NoUrlKey)
}

const NOT_LOADED: &str = "the plugin did not load";
const NEEDS_DATA: &str = "needs the Sample CRM's scenario data; run without --base-url";
const ALL_KINDS: [ActivityKind; 4] = [ActivityKind::Call, ActivityKind::Event, ActivityKind::Task, ActivityKind::Chat];
const PAGING: [(&str, &str); 3] = [("paging-potentials", "potentials"), ("paging-notes", "notes"), ("paging-activities", "activities")];
const ERRORS: [(&str, Fault); 3] =
    [("error-unauthorized", Fault::Unauthorized), ("error-rate-limited", Fault::RateLimited), ("error-server", Fault::Unavailable)];
const ODD_DATA: [(&str, Fault); 5] = [
    ("odd-unicode", Fault::Unicode),
    ("odd-html", Fault::Html),
    ("odd-huge", Fault::Huge),
    ("odd-empty", Fault::EmptyArrays),
    ("odd-nulls", Fault::Nulls),
];

/// Runs every check of [`CHECKS`] on `package` and reports each.
pub async fn run(runtime: &Runtime, package: &PluginPackage, options: &Options) -> Report {
    let manifest = &package.manifest;
    let mut report = Report::new(&manifest.id, &manifest.version.to_string(), options.target.describe());
    report.push("manifest", judge_manifest(manifest, &options.manifest_problems), None);
    let session = match Session::start(runtime, package, options).await {
        Ok(session) => session,
        Err(e) => {
            report.push("loads", Outcome::Fail(e.to_string()), None);
            report.skip_rest(NOT_LOADED);
            return report;
        }
    };
    report.push("loads", Outcome::Pass, None);
    session.lookups(&mut report).await;
    session.paging(&mut report).await;
    session.errors(&mut report).await;
    session.odd_data(&mut report).await;
    session.odd_input(&mut report).await;
    session.stop().await;
    report
}

/// The loaded plugin behind the proxy, and what the checks call it with.
struct Session {
    plugin: Plugin,
    proxy: FaultProxy,
    crm: Option<SampleCrm>,
    /// The Sample CRM's data; `None` against the author's server.
    data: Option<Dataset>,
    /// Whom the error and odd-data checks look up.
    requester: Requester,
    /// The record whose lists they read, or why there is none.
    record: Result<RecordRef, String>,
}

fn contact_ref(id: &str, name: &str) -> RecordRef {
    RecordRef { module: Module::Contacts, id: id.to_string(), name: Some(name.to_string()) }
}

/// The ids of the paging contact's items in one of the dataset's lists.
fn ids_of<T>(lists: &BTreeMap<String, Vec<T>>, id: impl Fn(&T) -> &String) -> Vec<String> {
    lists.get(PAGING_CONTACT).map(|items| items.iter().map(|item| id(item).clone()).collect()).unwrap_or_default()
}

fn by_email(email: &str) -> Requester {
    Requester { email: Some(email.to_string()), secondary_email: None, phone: None, name: None, account_name: None }
}

impl Session {
    async fn start(runtime: &Runtime, package: &PluginPackage, options: &Options) -> Result<Session, SetupError> {
        let manifest = &package.manifest;
        let key = url_key(manifest, options.url_key.as_deref())?;
        let (crm, data, upstream, tokens) = match &options.target {
            Target::SampleCrm => {
                let data = Dataset::scenarios();
                let crm = SampleCrm::start(data.clone()).await.map_err(SetupError::SampleCrm)?;
                let tokens: Vec<(String, String)> =
                    manifest.credentials.keys().map(|name| (name.clone(), crm.api_key().to_string())).collect();
                let upstream = crm.base_url();
                (Some(crm), Some(data), upstream, tokens)
            }
            Target::Server { base_url, credentials } => {
                if let Some((name, _)) = credentials.iter().find(|(name, _)| !manifest.credentials.contains_key(name)) {
                    return Err(SetupError::UnknownCredential { name: name.clone(), declared: listed(manifest.credentials.keys()) });
                }
                (None, None, base_url.clone(), credentials.clone())
            }
        };
        let proxy = FaultProxy::start(&upstream).await?;

        let secrets = StaticCredentials::new();
        for (name, token) in tokens {
            secrets.insert(&manifest.id, &name, Secret { value: token, api_base: Some(proxy.url()) });
        }
        let mut config: BTreeMap<String, String> = options.config.iter().cloned().collect();
        config.insert(key, proxy.url());
        let settings = PluginSettings {
            config,
            // As `deskpane plugin call --allow-host` grants an emulator.
            extra_hosts: vec![proxy.origin()],
            // Whoever runs the kit operates the host: the manifest's limits stand.
            approved_limits: manifest.limits.clone(),
            concurrency: None,
        };
        let plugin = runtime.load(package, &settings, Arc::new(secrets))?;

        let (requester, record) = match &options.target {
            Target::SampleCrm => (by_email(ODD_EMAIL), Ok(contact_ref(ODD_CONTACT, "Zoë Ñúñez-O'Brien 🚀"))),
            Target::Server { .. } => probe(&plugin, options.probe.as_deref()).await,
        };
        Ok(Session { plugin, proxy, crm, data, requester, record })
    }

    async fn stop(self) {
        self.proxy.stop().await;
        if let Some(crm) = self.crm {
            crm.stop().await;
        }
    }

    async fn lookups(&self, report: &mut Report) {
        self.proxy.set_fault(Fault::PassThrough);
        for lookup in sample_crm::lookups() {
            let outcome = match self.data {
                None => Outcome::Skip(NEEDS_DATA.into()),
                Some(_) => judge_lookup(&lookup, &self.plugin.lookup_requester(&lookup.requester).await),
            };
            report.push(lookup.check, outcome, None);
        }
    }

    async fn paging(&self, report: &mut Report) {
        self.proxy.set_fault(Fault::PassThrough);
        let of = contact_ref(PAGING_CONTACT, "Paige Pages");
        for (check, what) in PAGING {
            let Some(data) = &self.data else {
                report.push(check, Outcome::Skip(NEEDS_DATA.into()), None);
                continue;
            };
            let (expected, got) = match what {
                "potentials" => (
                    ids_of(&data.deals, |d| &d.id),
                    self.plugin.potentials(&of).await.map(|l| l.into_iter().map(|p| p.record.id).collect()),
                ),
                "notes" => {
                    (ids_of(&data.notes, |n| &n.id), self.plugin.notes(&of).await.map(|l| l.into_iter().map(|n| n.record.id).collect()))
                }
                _ => (
                    ids_of(&data.activities, |a| &a.id),
                    self.plugin.activities(&of, &ALL_KINDS).await.map(|l| l.into_iter().map(|a| a.record.id).collect()),
                ),
            };
            report.push(check, judge_list(what, PAGING_CONTACT, &expected, got), None);
        }
    }

    /// Each panel function once under the proxy's current fault: the
    /// lookup, and the record's lists when there is a record.
    async fn call_each(&self) -> Vec<(&'static str, Result<(), CallError>)> {
        let mut out = vec![("lookup-requester", self.plugin.lookup_requester(&self.requester).await.map(drop))];
        if let Ok(record) = &self.record {
            out.push(("potentials", self.plugin.potentials(record).await.map(drop)));
            out.push(("notes", self.plugin.notes(record).await.map(drop)));
            out.push(("activities", self.plugin.activities(record, &ALL_KINDS).await.map(drop)));
        }
        out
    }

    /// What a check run through [`Session::call_each`] left untried.
    fn untried(&self) -> Option<String> {
        self.record.as_ref().err().map(|why| format!("tried on lookup-requester only, not on potentials, notes and activities: {why}"))
    }

    async fn under(&self, fault: Fault) -> Vec<(&'static str, Result<(), CallError>)> {
        self.proxy.set_fault(fault);
        let results = self.call_each().await;
        self.proxy.set_fault(Fault::PassThrough);
        results
    }

    async fn errors(&self, report: &mut Report) {
        for (check, fault) in ERRORS {
            let results = self.under(fault).await;
            let problems: Vec<String> = results.iter().filter_map(|(function, result)| judge_error(fault, function, result)).collect();
            report.push(check, all_of(fault, problems), self.untried());
        }
    }

    async fn odd_data(&self, report: &mut Report) {
        for (check, fault) in ODD_DATA {
            let results = self.under(fault).await;
            let problems: Vec<String> = results.iter().filter_map(|(function, result)| judge_survives(function, result)).collect();
            report.push(check, all_of(fault, problems), self.untried());
        }
    }

    async fn odd_input(&self, report: &mut Report) {
        self.proxy.set_fault(Fault::PassThrough);
        let same = |s: &str| Requester {
            email: Some(s.to_string()),
            secondary_email: Some(s.to_string()),
            phone: Some(s.to_string()),
            name: Some(s.to_string()),
            account_name: Some(s.to_string()),
        };
        let long: String = "long-input ".chars().cycle().take(10_000).collect();
        let mut problems = Vec::new();
        for (which, requester) in [("unicode", same(UNICODE_TEXT)), ("10,000-character", same(&long)), ("empty-string", same(""))] {
            let result = self.plugin.lookup_requester(&requester).await.map(drop);
            problems.extend(judge_survives(&format!("lookup-requester with the {which} requester"), &result));
        }
        let outcome = if problems.is_empty() { Outcome::Pass } else { Outcome::Fail(problems.join("\n")) };
        report.push("odd-input", outcome, None);
    }
}

/// Looks the probe requester up (the proxy passing through) for the record
/// the error and odd-data checks read.
async fn probe(plugin: &Plugin, email: Option<&str>) -> (Requester, Result<RecordRef, String>) {
    let Some(email) = email else {
        return (by_email("deskpane-conformance@example.invalid"), Err("no probe requester was given".into()));
    };
    let record = match plugin.lookup_requester(&by_email(email)).await {
        Ok(Some(profile)) => Ok(profile.record),
        Ok(None) => Err(format!("the probe requester {email} was not found")),
        Err(e) => Err(format!("looking the probe requester {email} up failed: {}", describe_error(&e))),
    };
    (by_email(email), record)
}

fn all_of(fault: Fault, problems: Vec<String>) -> Outcome {
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("with {}:\n{}", fault.describe(), problems.join("\n")))
    }
}

/// At most 160 characters of `s`: a plugin's error may quote a 200,000-character value.
fn clip(s: &str) -> String {
    const MAX: usize = 160;
    let count = s.chars().count();
    if count <= MAX {
        s.to_string()
    } else {
        format!("{}… ({count} characters)", s.chars().take(MAX).collect::<String>())
    }
}

fn key_name(key: MatchKey) -> &'static str {
    match key {
        MatchKey::Email => "email",
        MatchKey::SecondaryEmail => "secondary-email",
        MatchKey::Phone => "phone",
        MatchKey::Name => "name",
        MatchKey::AccountName => "account-name",
        MatchKey::Linked => "linked",
    }
}

/// A contract error as the WIT spells it, with its message clipped.
fn error_name(e: &ConnectorError) -> String {
    match e {
        ConnectorError::Duplicate(d) => format!("duplicate({})", d.field),
        ConnectorError::MandatoryMissing(fields) => format!("mandatory-missing({})", fields.join(", ")),
        ConnectorError::TypeMismatch(t) => format!("type-mismatch({})", t.field),
        ConnectorError::AlreadyMapped(m) => format!("already-mapped({:?})", clip(m)),
        ConnectorError::NotFound(m) => format!("not-found({:?})", clip(m)),
        ConnectorError::RateLimited(secs) => format!("rate-limited({secs})"),
        ConnectorError::AuthExpired => "auth-expired".into(),
        ConnectorError::Transient(m) => format!("transient({:?})", clip(m)),
        ConnectorError::Permanent(m) => format!("permanent({:?})", clip(m)),
        ConnectorError::Unsupported(m) => format!("unsupported({:?})", clip(m)),
    }
}

fn describe_error(e: &CallError) -> String {
    match e.connector_error() {
        Some(error) => format!("the error {}", error_name(error)),
        None => format!("a crash: {}", clip(&e.kind.to_string())),
    }
}

fn describe_requester(r: &Requester) -> String {
    let fields = [
        ("email", &r.email),
        ("secondary-email", &r.secondary_email),
        ("phone", &r.phone),
        ("name", &r.name),
        ("account-name", &r.account_name),
    ];
    let set: Vec<String> = fields.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {:?}", clip(v)))).collect();
    format!("the requester {{{}}}", set.join(", "))
}

fn describe_lookup(got: &Result<Option<Profile>, CallError>) -> String {
    match got {
        Ok(None) => "none".into(),
        Ok(Some(p)) => {
            let module = p.record.module.as_str();
            format!("{} `{}` matched by {}", module.strip_suffix('s').unwrap_or(module), p.record.id, key_name(p.match_key))
        }
        Err(e) => describe_error(e),
    }
}

fn judge_manifest(manifest: &Manifest, problems: &[String]) -> Outcome {
    let mut found = Vec::new();
    if served_contract(&manifest.contract).is_none() {
        found.push(format!(
            "plugin.toml names contract {}, which this host does not run (it runs {})",
            manifest.contract,
            CONTRACT_VERSIONS.join(", ")
        ));
    }
    found.extend(problems.iter().cloned());
    if found.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(found.join("\n"))
    }
}

fn judge_lookup(lookup: &Lookup, got: &Result<Option<Profile>, CallError>) -> Outcome {
    let right = match (&lookup.expect, got) {
        (Some((id, key)), Ok(Some(p))) => p.record.id == *id && p.match_key == *key,
        (None, Ok(None)) => true,
        _ => false,
    };
    if right {
        return Outcome::Pass;
    }
    let expected = match &lookup.expect {
        Some((id, key)) => format!("contact `{id}` matched by {}", key_name(*key)),
        None => "none (nobody matches: not an error)".into(),
    };
    Outcome::Fail(format!("for {}: expected {expected}, got {}", describe_requester(&lookup.requester), describe_lookup(got)))
}

/// All of `expected` (the CRM's ids of one list), each once.
fn judge_list(what: &str, of: &str, expected: &[String], got: Result<Vec<String>, CallError>) -> Outcome {
    let pages = expected.len().div_ceil(DEFAULT_PER_PAGE);
    let wanted = format!("the {} {what} of contact {of} ({pages} pages of {DEFAULT_PER_PAGE})", expected.len());
    let got = match got {
        Ok(ids) => ids,
        Err(e) => return Outcome::Fail(format!("expected {wanted}, got {}", describe_error(&e))),
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &got {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let expected_set: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    let missing: Vec<&str> = expected.iter().map(String::as_str).filter(|id| !counts.contains_key(id)).collect();
    let duplicated: Vec<&str> = counts.iter().filter(|(_, n)| **n > 1).map(|(id, _)| *id).collect();
    let unknown: Vec<&str> = counts.keys().copied().filter(|id| !expected_set.contains(id)).collect();
    if missing.is_empty() && duplicated.is_empty() && unknown.is_empty() {
        return Outcome::Pass;
    }
    let some = |ids: &[&str]| {
        let shown: Vec<&str> = ids.iter().take(5).copied().collect();
        format!("{} ({})", ids.len(), shown.join(", ") + if ids.len() > 5 { ", ..." } else { "" })
    };
    let mut detail = format!("expected {wanted}, got {} ({} distinct)", got.len(), counts.len());
    if !missing.is_empty() {
        detail.push_str(&format!("; missing {}", some(&missing)));
    }
    if !duplicated.is_empty() {
        detail.push_str(&format!("; more than once {}", some(&duplicated)));
    }
    if !unknown.is_empty() {
        detail.push_str(&format!("; not the contact's {}", some(&unknown)));
    }
    Outcome::Fail(detail)
}

/// Whether `function`'s answer under a status fault is the contract's
/// error for it; `Some(sentence)` when not.
fn judge_error(fault: Fault, function: &str, result: &Result<(), CallError>) -> Option<String> {
    let (expected, right): (&str, fn(&ConnectorError) -> bool) = match fault {
        Fault::Unauthorized => ("auth-expired", |e| matches!(e, ConnectorError::AuthExpired)),
        Fault::RateLimited => ("rate-limited(7)", |e| matches!(e, ConnectorError::RateLimited(RETRY_AFTER_SECS))),
        Fault::Unavailable => ("transient", |e| matches!(e, ConnectorError::Transient(_))),
        _ => return None,
    };
    match result {
        Err(e) if e.connector_error().is_some_and(right) => None,
        Ok(()) => Some(format!("{function} answered a success, expected the error {expected}")),
        Err(e) => Some(format!("{function} answered {}, expected the error {expected}", describe_error(e))),
    }
}

/// Any answer or contract error is fine; a trap, panic or limit is not.
fn judge_survives(function: &str, result: &Result<(), CallError>) -> Option<String> {
    match result {
        Err(e) if e.connector_error().is_none() => Some(format!("{function}: {}", clip(&e.kind.to_string()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskpane_runtime::CallErrorKind;

    fn failure(kind: CallErrorKind) -> CallError {
        CallError { plugin: "p".into(), function: "notes", kind }
    }

    #[test]
    fn lists_must_be_whole_and_once() {
        let expected: Vec<String> = (1..=45).map(|n| format!("d-{n}")).collect();
        assert_eq!(judge_list("potentials", "c-1", &expected, Ok(expected.iter().rev().cloned().collect())), Outcome::Pass);
        let Outcome::Fail(detail) = judge_list("potentials", "c-1", &expected, Ok(expected[..20].to_vec())) else { panic!() };
        assert!(detail.contains("got 20 (20 distinct); missing 25 (d-21,"), "{detail}");
        let mut twice = expected.clone();
        twice.push("d-1".into());
        assert!(matches!(judge_list("potentials", "c-1", &expected, Ok(twice)), Outcome::Fail(d) if d.contains("more than once 1 (d-1)")));
    }

    #[test]
    fn errors_must_be_the_contracts() {
        let answered = |e| Err(failure(CallErrorKind::Connector(e)));
        assert_eq!(judge_error(Fault::RateLimited, "notes", &answered(ConnectorError::RateLimited(7))), None);
        let wrong = judge_error(Fault::RateLimited, "notes", &answered(ConnectorError::RateLimited(1))).unwrap();
        assert_eq!(wrong, "notes answered the error rate-limited(1), expected the error rate-limited(7)");
        assert!(judge_error(Fault::Unauthorized, "notes", &Ok(())).is_some());
        assert_eq!(judge_survives("notes", &answered(ConnectorError::Permanent("x".repeat(300_000)))), None);
        let crash = judge_survives("notes", &Err(failure(CallErrorKind::Panicked("y".repeat(300_000))))).unwrap();
        assert!(crash.starts_with("notes: it panicked: yyy") && crash.ends_with("(300013 characters)"), "{}", clip(&crash));
    }
}
