//! The conformance kit (`crates/conformance`) against its breakable
//! fixture (`tests/fixtures/sample-crm-broken`): correct, it passes every
//! check; with one defect, exactly that defect's checks fail. A check
//! removed from the kit, or one that stopped catching its defect, fails
//! these tests.

use deskpane_conformance::sample_crm::{Dataset, SampleCrm, ODD_EMAIL};
use deskpane_conformance::{run, Options, Outcome, Report, Target, CHECKS};
use deskpane_tests::{plugin, runtime};

const FIXTURE: &str = "sample-crm-broken";

/// Each defect of the fixture and the checks that must catch it.
const DEFECTS: &[(&str, &[&str])] = &[
    ("lookup-order", &["lookup-order"]),
    ("no-secondary-email", &["lookup-secondary-email"]),
    ("phone-verbatim", &["lookup-phone"]),
    ("no-name", &["lookup-name"]),
    ("no-account", &["lookup-account"]),
    ("miss-error", &["lookup-miss"]),
    ("first-page-only", &["paging-potentials", "paging-notes", "paging-activities"]),
    ("auth-as-permanent", &["error-unauthorized"]),
    ("ignore-retry-after", &["error-rate-limited"]),
    ("server-as-permanent", &["error-server"]),
    ("panic-on-html", &["odd-html"]),
    ("panic-on-empty", &["odd-empty"]),
    ("unwrap-nulls", &["odd-nulls"]),
];

fn with_defect(defect: &str) -> Options {
    Options { config: vec![("defect".into(), defect.into())], ..Default::default() }
}

/// The ids of the checks that did not pass.
fn not_passed(report: &Report) -> Vec<&'static str> {
    report.checks.iter().filter(|c| c.outcome != Outcome::Pass).map(|c| c.id).collect()
}

fn outcome<'a>(report: &'a Report, id: &str) -> &'a Outcome {
    &report.check(id).unwrap_or_else(|| panic!("check `{id}` is missing from the report:\n{}", report.render_text())).outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fixture_without_a_defect_passes_every_check() {
    let report = run(&runtime(), &plugin(FIXTURE), &Options::default()).await;
    let ids: Vec<&str> = report.checks.iter().map(|c| c.id).collect();
    assert_eq!(ids, CHECKS.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "every check, in order");
    assert_eq!((report.passed(), report.failed(), report.skipped()), (CHECKS.len(), 0, 0), "{}", report.render_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_defect_fails_its_checks_and_no_other() {
    let (runtime, package) = (runtime(), plugin(FIXTURE));
    let mut wrong = Vec::new();
    for (defect, expected) in DEFECTS {
        let report = run(&runtime, &package, &with_defect(defect)).await;
        let failed = not_passed(&report);
        let all_fail = failed.iter().all(|id| matches!(outcome(&report, id), Outcome::Fail(_)));
        if failed != *expected || !all_fail {
            wrong.push(format!("defect `{defect}`: expected exactly {expected:?} to fail, got {failed:?}\n{}", report.render_text()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_say_what_was_expected_and_what_came_back() {
    let (runtime, package) = (runtime(), plugin(FIXTURE));
    for (defect, check, words) in [
        ("lookup-order", "lookup-order", &["expected contact `c-1006` matched by email", "got contact `c-1007` matched by phone"][..]),
        ("miss-error", "lookup-miss", &["expected none", "got the error not-found("]),
        ("first-page-only", "paging-notes", &["expected the 45 notes of contact c-1010", "got 20 (20 distinct); missing 25"]),
        ("ignore-retry-after", "error-rate-limited", &["answered the error rate-limited(1), expected the error rate-limited(7)"]),
        ("panic-on-html", "odd-html", &["notes: it panicked", "holds markup"]),
    ] {
        let report = run(&runtime, &package, &with_defect(defect)).await;
        let Outcome::Fail(detail) = outcome(&report, check) else { panic!("{defect}: `{check}` did not fail:\n{}", report.render_text()) };
        for w in words {
            assert!(detail.contains(w), "{defect}: `{check}` should say `{w}`:\n{detail}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_problem_fails_the_manifest_check_alone() {
    let problem = "plugin.toml: [field-mappings.contacts] `shoe_size` is not one of: first_name, last_name, email";
    let options = Options { manifest_problems: vec![problem.into()], ..Default::default() };
    let report = run(&runtime(), &plugin(FIXTURE), &options).await;
    assert_eq!(outcome(&report, "manifest"), &Outcome::Fail(problem.into()));
    assert_eq!(not_passed(&report), ["manifest"], "{}", report.render_text());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_that_cannot_be_set_up_fails_loads_and_skips_the_rest() {
    let options = Options { url_key: Some("crm-address".into()), ..Default::default() };
    let report = run(&runtime(), &plugin(FIXTURE), &options).await;
    let Outcome::Fail(detail) = outcome(&report, "loads") else { panic!("{}", report.render_text()) };
    assert!(detail.contains("`crm-address`") && detail.contains("api-url, defect"), "{detail}");
    assert_eq!((report.passed(), report.failed(), report.skipped()), (1, 1, CHECKS.len() - 2));
    assert_eq!(outcome(&report, "odd-input"), &Outcome::Skip("the plugin did not load".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn against_a_server_the_data_checks_skip_and_the_fault_checks_run() {
    let crm = SampleCrm::start(Dataset::scenarios()).await.expect("the Sample CRM starts");
    let server = |probe: Option<&str>, defect: Option<&str>| Options {
        target: Target::Server { base_url: crm.base_url(), credentials: vec![("sample-crm".into(), crm.api_key().into())] },
        probe: probe.map(str::to_string),
        config: defect.map(|d| vec![("defect".into(), d.into())]).unwrap_or_default(),
        ..Default::default()
    };
    let (runtime, package) = (runtime(), plugin(FIXTURE));

    let report = run(&runtime, &package, &server(Some(ODD_EMAIL), None)).await;
    for (id, _) in CHECKS {
        let expected_skip = id.starts_with("lookup-") || id.starts_with("paging-");
        match outcome(&report, id) {
            Outcome::Skip(why) if expected_skip => assert!(why.contains("scenario data"), "{id}: {why}"),
            Outcome::Pass if !expected_skip => assert_eq!(report.check(id).unwrap().note, None, "{id} read the probe's lists"),
            other => panic!("{id}: {other:?}\n{}", report.render_text()),
        }
    }

    // The fault checks catch their defects through the proxy here too, on
    // the probe's lists as well (the lookup reads no list, so only the lists
    // meet panic-on-empty).
    let report = run(&runtime, &package, &server(Some(ODD_EMAIL), Some("panic-on-empty"))).await;
    let Outcome::Fail(detail) = outcome(&report, "odd-empty") else { panic!("{}", report.render_text()) };
    assert!(detail.contains("potentials: it panicked"), "{detail}");
    let report = run(&runtime, &package, &server(Some(ODD_EMAIL), Some("server-as-permanent"))).await;
    assert!(matches!(outcome(&report, "error-server"), Outcome::Fail(_)), "{}", report.render_text());

    // Without a probe, only the lookup is tried, and the report says so.
    let report = run(&runtime, &package, &server(None, None)).await;
    let unauthorized = report.check("error-unauthorized").unwrap();
    assert_eq!(unauthorized.outcome, Outcome::Pass, "{}", report.render_text());
    assert!(unauthorized.note.as_deref().is_some_and(|n| n.contains("lookup-requester only")), "{unauthorized:?}");
    crm.stop().await;
}
