//! Plugins built for an older contract keep working: a component built for
//! `deskpane:connector@0.1.0` before 0.2.0 existed (a binary kept in
//! tests/fixtures/prebuilt) loads and answers through today's host, beside
//! plugins built for 0.2.0, and each is served by its own bindings.

use std::path::Path;
use std::sync::Arc;

use deskpane::contract::{ActivityKind, Requester};
use deskpane::credentials::StaticCredentials;
use deskpane::package::PluginPackage;
use deskpane::{CallErrorKind, LoadError, PluginSettings};
use deskpane_tests::{plugin, runtime};

fn legacy() -> PluginPackage {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/prebuilt/v0.1.0-example");
    PluginPackage::open(&dir).expect("the 0.1.0 example is in the repository")
}

fn ada() -> Requester {
    Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None }
}

#[tokio::test]
async fn a_plugin_built_for_0_1_0_loads_and_answers_beside_a_0_2_0_one() {
    let rt = runtime();
    let old = rt.load(&legacy(), &PluginSettings::default(), Arc::new(StaticCredentials::new())).expect("0.1.0 plugin loads");
    let new = rt.load(&plugin("example"), &PluginSettings::default(), Arc::new(StaticCredentials::new())).expect("0.2.0 plugin loads");
    assert_eq!((old.contract_version(), new.contract_version()), ("0.1.0", "0.2.0"));
    for p in [&old, &new] {
        let profile = p.lookup_requester(&ada()).await.unwrap().expect("Ada is found");
        assert_eq!((profile.display_name.as_str(), profile.record.id.as_str()), ("Ada Lovelace", "c-1001"), "{}", p.contract_version());
        let activities = p.activities(&profile.record, &[ActivityKind::Call, ActivityKind::Task]).await.unwrap();
        assert!(!activities.is_empty() && activities.iter().all(|a| matches!(a.kind, ActivityKind::Call | ActivityKind::Task)));
        let potentials = p.potentials(&profile.record).await.unwrap();
        assert!(!potentials.is_empty());
    }
    // Errors cross the version boundary as the host's own type.
    let err = old.describe_module(deskpane::contract::Module::Products).await.unwrap_err();
    assert!(matches!(err.kind, CallErrorKind::Connector(_)), "{err}");
}

#[tokio::test]
async fn a_component_must_implement_the_version_its_manifest_names() {
    let rt = runtime();
    let mut mislabelled = legacy();
    mislabelled.manifest.contract = semver::Version::new(0, 2, 0);
    let err = rt.load(&mislabelled, &PluginSettings::default(), Arc::new(StaticCredentials::new())).err().expect("refused");
    assert!(matches!(err, LoadError::Contract { .. }), "{err}");
    assert!(err.to_string().contains("does not implement deskpane:connector@0.2.0"), "{err}");
}
