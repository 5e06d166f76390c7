//! Plugins built for an older contract keep working: components built for
//! `deskpane:connector@0.1.0`, `@0.2.0` and `@0.3.0` before their successors
//! existed (binaries kept in tests/fixtures/prebuilt) load and answer
//! through today's host, beside plugins built for 0.4.0, each served by its
//! own bindings; a function an old contract lacks answers `unsupported`,
//! and so does an action kind it has no case for.

use std::path::Path;
use std::sync::Arc;

use deskpane::contract::{
    ActionKind, ActionRequest, ActivityKind, ConnectorError, Field, File, MatchKey, Module, RecordRef, Requester, Value,
};
use deskpane::credentials::StaticCredentials;
use deskpane::package::PluginPackage;
use deskpane::{CallErrorKind, LoadError, PluginSettings};
use deskpane_tests::{plugin, runtime};

fn prebuilt(version: &str) -> PluginPackage {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/prebuilt/v{version}-example"));
    PluginPackage::open(&dir).unwrap_or_else(|e| panic!("the {version} example is in the repository: {e}"))
}

fn legacy() -> PluginPackage {
    prebuilt("0.1.0")
}

fn ada() -> Requester {
    Requester { email: Some("ada@analytical.example".into()), secondary_email: None, phone: None, name: None, account_name: None }
}

#[tokio::test]
async fn plugins_built_for_0_1_0_0_2_0_and_0_3_0_load_and_answer_beside_a_0_4_0_one() {
    let rt = runtime();
    let load = |package: &PluginPackage| rt.load(package, &PluginSettings::default(), Arc::new(StaticCredentials::new()));
    let old = load(&legacy()).expect("0.1.0 plugin loads");
    let middle = load(&prebuilt("0.2.0")).expect("0.2.0 plugin loads");
    let previous = load(&prebuilt("0.3.0")).expect("0.3.0 plugin loads");
    let new = load(&plugin("example")).expect("0.4.0 plugin loads");
    assert_eq!(
        [old.contract_version(), middle.contract_version(), previous.contract_version(), new.contract_version()],
        ["0.1.0", "0.2.0", "0.3.0", "0.4.0"]
    );
    for p in [&old, &middle, &previous, &new] {
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

#[tokio::test]
async fn find_is_served_from_0_3_0_and_unsupported_before_without_running_the_plugin() {
    let rt = runtime();
    let load = |package: &PluginPackage| rt.load(package, &PluginSettings::default(), Arc::new(StaticCredentials::new()));
    let by_email = [Field { name: "Email".into(), label: None, value: Value::Text("ADA@analytical.example".into()) }];
    for new in [load(&prebuilt("0.3.0")).unwrap(), load(&plugin("example")).unwrap()] {
        let found = new.find(Module::Contacts, &by_email, 5).await.unwrap();
        assert_eq!(found.iter().map(|r| r.id.as_deref()).collect::<Vec<_>>(), [Some("c-1001")], "found without regard to case");
    }
    for old in [load(&legacy()).unwrap(), load(&prebuilt("0.2.0")).unwrap()] {
        let err = old.find(Module::Contacts, &by_email, 5).await.unwrap_err();
        assert!(matches!(&err.kind, CallErrorKind::Connector(ConnectorError::Unsupported(_))), "{}: {err}", old.contract_version());
        assert_eq!(old.calls(), 0, "{}: the plugin never ran", old.contract_version());
    }
}

#[tokio::test]
async fn files_are_attached_and_downloaded_from_0_3_0_on_and_unsupported_before_without_running_the_plugin() {
    let rt = runtime();
    let load = |package: &PluginPackage| rt.load(package, &PluginSettings::default(), Arc::new(StaticCredentials::new()));
    let to = RecordRef { module: Module::Cases, id: "5001".into(), name: None };
    let file = File { name: "a.txt".into(), content_type: "text/plain".into(), content: b"a".to_vec() };
    let unsupported = |e: &deskpane::CallError| matches!(&e.kind, CallErrorKind::Connector(ConnectorError::Unsupported(_)));
    // The 0.3.0 and 0.4.0 examples offer no files: they run and say so themselves.
    for new in [load(&prebuilt("0.3.0")).unwrap(), load(&plugin("example")).unwrap()] {
        assert!(unsupported(&new.attach(&to, &file).await.unwrap_err()));
        assert!(unsupported(&new.download("att_1").await.unwrap_err()));
        assert_eq!(new.calls(), 2, "the {} plugin ran", new.contract_version());
    }
    for old in [load(&legacy()).unwrap(), load(&prebuilt("0.2.0")).unwrap()] {
        let attached = old.attach(&to, &file).await.unwrap_err();
        let downloaded = old.download("att_1").await.unwrap_err();
        assert!(unsupported(&attached) && unsupported(&downloaded), "{}: {attached} / {downloaded}", old.contract_version());
        assert!(attached.to_string().contains("`attach` came with contract 0.3.0"), "{attached}");
        assert_eq!(old.calls(), 0, "{}: the plugin never ran", old.contract_version());
    }
}

/// `panels.profile-of` and the action kinds `create-note` and `log-call`
/// came with 0.4.0: a plugin built for an older contract answers
/// `unsupported` to each without running (its `action-kind` has no such
/// case to convert into), and the older action kinds still reach it.
#[tokio::test]
async fn profiles_of_linked_records_notes_and_calls_are_served_from_0_4_0_and_unsupported_before_without_running_the_plugin() {
    let rt = runtime();
    let load = |package: &PluginPackage| rt.load(package, &PluginSettings::default(), Arc::new(StaticCredentials::new()));
    let unsupported = |e: &deskpane::CallError| matches!(&e.kind, CallErrorKind::Connector(ConnectorError::Unsupported(_)));
    let ada = RecordRef { module: Module::Contacts, id: "c-1001".into(), name: None };
    let new = load(&plugin("example")).unwrap();
    let profile = new.profile_of(&ada).await.unwrap().expect("the 0.4.0 example knows c-1001");
    assert_eq!((profile.display_name.as_str(), profile.match_key), ("Ada Lovelace", MatchKey::Linked));
    let gone = RecordRef { module: Module::Contacts, id: "c-9999".into(), name: None };
    assert_eq!(new.profile_of(&gone).await.unwrap(), None, "a record the CRM does not have");

    let note = |kind| ActionRequest {
        kind,
        fields: vec![Field { name: "Note_Content".into(), label: None, value: Value::Text("Called back".into()) }],
        related_to: Some(ada.clone()),
        owner_email: None,
    };
    for old in [load(&legacy()).unwrap(), load(&prebuilt("0.2.0")).unwrap(), load(&prebuilt("0.3.0")).unwrap()] {
        let version = old.contract_version();
        let err = old.profile_of(&ada).await.unwrap_err();
        assert!(unsupported(&err) && err.to_string().contains("`profile-of` came with contract 0.4.0"), "{version}: {err}");
        for kind in [ActionKind::CreateNote, ActionKind::LogCall] {
            let err = old.perform(&note(kind)).await.unwrap_err();
            assert!(unsupported(&err) && err.to_string().contains("came with contract 0.4.0"), "{version}: {err}");
        }
        assert_eq!(old.calls(), 0, "{version}: the plugin never ran");
        // An action kind the old contract has still reaches the plugin.
        let _ = old.perform(&note(ActionKind::CreateTask)).await;
        assert_eq!(old.calls(), 1, "{version}: create-task ran");
    }
}

/// The host binds a 0.4.0 plugin's exports unchecked once one of its
/// instances has passed the type check of all of them. A component naming
/// the contract's interfaces and functions with other types loads (the
/// names are all there), and then is refused at every call: the check never
/// passed, so no call skips it.
#[tokio::test]
async fn a_component_whose_exports_have_other_types_is_refused_at_every_call() {
    let mut impostor = plugin("example");
    let functions = |names: &[&str]| names.iter().map(|n| format!(r#"(export "{n}" (func $f))"#)).collect::<Vec<_>>().join(" ");
    let wat = format!(
        r#"(component
            (core module $m (func (export "f") (param i32) (result i32) i32.const 0))
            (core instance $i (instantiate $m))
            (func $f (param "x" u32) (result u32) (canon lift (core func $i "f")))
            (instance $panels {})
            (instance $sync {})
            (instance $actions {})
            (export "deskpane:connector/panels@0.4.0" (instance $panels))
            (export "deskpane:connector/sync@0.4.0" (instance $sync))
            (export "deskpane:connector/actions@0.4.0" (instance $actions)))"#,
        functions(&["lookup-requester", "potentials", "notes", "activities", "find", "profile-of"]),
        functions(&["describe-module", "list-views", "changes", "upsert", "delete", "watch", "parse-notification"]),
        functions(&["perform", "attach", "download"]),
    );
    impostor.component = wat::parse_str(&wat).expect("the impostor component assembles");
    assert_eq!(impostor.manifest.contract, semver::Version::new(0, 4, 0));
    let loaded = runtime().load(&impostor, &PluginSettings::default(), Arc::new(StaticCredentials::new())).expect("its names link");
    for attempt in 1..=3 {
        let err = loaded.lookup_requester(&ada()).await.expect_err("a call with the wrong types is refused");
        assert!(matches!(err.kind, CallErrorKind::Instantiate(_)), "call {attempt}: {err}");
        assert!(err.to_string().contains("type"), "call {attempt}: {err}");
    }
}
