//! Example connector: a tiny CRM built into the plugin itself.
//!
//! It needs no network and no credential, which makes it the template for
//! plugin authors and the well-behaved control in the host's sandbox tests.
//! Real connectors (see `plugins/zoho-crm`) fetch the same shapes over
//! `http::send`.

use deskpane_plugin_sdk::prelude::*;

struct Example;

struct Contact {
    id: &'static str,
    name: &'static str,
    email: &'static str,
    secondary_email: Option<&'static str>,
    phone: &'static str,
    account: (&'static str, &'static str),
    customer_type: &'static str,
}

const CONTACTS: &[Contact] = &[
    Contact {
        id: "c-1001",
        name: "Ada Lovelace",
        email: "ada@analytical.example",
        secondary_email: Some("ada.l@home.example"),
        phone: "+44 20 7946 0001",
        account: ("a-1", "Analytical Engines Ltd"),
        customer_type: "Enterprise",
    },
    Contact {
        id: "c-1002",
        name: "Grace Hopper",
        email: "grace@cobol.example",
        secondary_email: None,
        phone: "+1 202 555 0102",
        account: ("a-2", "Compiler Works Inc"),
        customer_type: "Partner",
    },
];

fn contact_ref(c: &Contact) -> RecordRef {
    RecordRef { module: Module::Contacts, id: c.id.into(), name: Some(c.name.into()) }
}

fn link(module: &str, id: &str) -> Option<String> {
    let base = config::get("crm-url").unwrap_or_else(|| "https://crm.example".into());
    Some(format!("{base}/{module}/{id}"))
}

fn contact_of(of: &RecordRef) -> Result<&'static Contact, ConnectorError> {
    CONTACTS.iter().find(|c| c.id == of.id).ok_or_else(|| ConnectorError::NotFound(format!("contact {}", of.id)))
}

fn profile(c: &Contact, match_key: MatchKey) -> Profile {
    Profile {
        record: contact_ref(c),
        match_key,
        display_name: c.name.into(),
        email: Some(c.email.into()),
        secondary_email: c.secondary_email.map(Into::into),
        phone: Some(c.phone.into()),
        account: Some(RecordRef { module: Module::Accounts, id: c.account.0.into(), name: Some(c.account.1.into()) }),
        owner: Some("Example Owner".into()),
        fields: vec![Field {
            name: "Customer_Type".into(),
            label: Some("Customer type".into()),
            value: Value::Text(c.customer_type.into()),
        }],
        link: link("contacts", c.id),
    }
}

impl Panels for Example {
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
        let eq = |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(b));
        let found = CONTACTS.iter().find_map(|c| {
            if eq(&who.email, c.email) {
                Some((c, MatchKey::Email))
            } else if c.secondary_email.is_some_and(|s| eq(&who.secondary_email, s) || eq(&who.email, s)) {
                Some((c, MatchKey::SecondaryEmail))
            } else if who.phone.as_deref() == Some(c.phone) {
                Some((c, MatchKey::Phone))
            } else {
                None
            }
        });
        Ok(found.map(|(c, match_key)| profile(c, match_key)))
    }

    /// A contact's profile by id; `None` for an id it does not have.
    fn profile_of(of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
        if of.module != Module::Contacts {
            return Err(unsupported("profiles of anything but contacts"));
        }
        Ok(CONTACTS.iter().find(|c| c.id == of.id).map(|c| profile(c, MatchKey::Linked)))
    }

    fn potentials(of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        let c = contact_of(&of)?;
        Ok(vec![Potential {
            record: RecordRef { module: Module::Potentials, id: format!("p-{}", c.id), name: Some(format!("{} renewal", c.account.1)) },
            stage: Some("Negotiation/Review".into()),
            amount: Some(12500.0),
            currency: Some("USD".into()),
            closing_date: Some("2026-12-31".into()),
            owner: Some("Example Owner".into()),
            link: link("potentials", &format!("p-{}", c.id)),
        }])
    }

    fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        let c = contact_of(&of)?;
        Ok(vec![Note {
            record: RecordRef { module: Module::Notes, id: format!("n-{}", c.id), name: None },
            title: Some("Onboarding".into()),
            content: format!("{} prefers email. <b>Not markup</b> & stays text.", c.name),
            author: Some("Example Owner".into()),
            created_time: Some("2026-10-01T09:00:00Z".into()),
            link: link("notes", &format!("n-{}", c.id)),
        }])
    }

    /// Contacts whose `Email`, `Phone` or `Name` equal the given values.
    fn find(module: Module, matching: Vec<Field>, limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
        if module != Module::Contacts {
            return Err(unsupported("searching anything but contacts"));
        }
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let fits = |c: &Contact, f: &Field| match (f.name.as_str(), &f.value) {
            ("Email", Value::Text(v)) => c.email.eq_ignore_ascii_case(v),
            ("Phone", Value::Text(v)) => digits(c.phone) == digits(v),
            ("Name", Value::Text(v)) => c.name.eq_ignore_ascii_case(v),
            _ => false,
        };
        let text = |name: &str, value: &str| Field { name: name.into(), label: None, value: Value::Text(value.into()) };
        Ok(CONTACTS
            .iter()
            .filter(|c| !matching.is_empty() && matching.iter().all(|f| fits(c, f)))
            .take(limit as usize)
            .map(|c| CrmRecord {
                id: Some(c.id.into()),
                fields: vec![text("Name", c.name), text("Email", c.email), text("Phone", c.phone)],
                created_time: None,
                modified_time: None,
            })
            .collect())
    }

    fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        let c = contact_of(&of)?;
        let all = [
            (ActivityKind::Call, "Quarterly check-in call"),
            (ActivityKind::Event, "On-site workshop"),
            (ActivityKind::Task, "Send renewal quote"),
        ];
        Ok(all
            .into_iter()
            .filter(|(k, _)| kinds.is_empty() || kinds.contains(k))
            .enumerate()
            .map(|(i, (kind, subject))| Activity {
                record: RecordRef { module: Module::Tasks, id: format!("act-{}-{i}", c.id), name: None },
                kind,
                subject: subject.into(),
                status: Some("Open".into()),
                start_time: Some("2026-11-25T15:00:00Z".into()),
                end_time: None,
                owner: Some("Example Owner".into()),
                description: None,
                link: None,
            })
            .collect())
    }
}

impl Sync for Example {
    fn describe_module(module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
        if module != Module::Contacts {
            return Err(unsupported("only contacts are described by the example CRM"));
        }
        let meta = |name: &str, label: &str, field_type, mandatory| FieldMeta {
            name: name.into(),
            label: label.into(),
            field_type,
            mandatory,
            max_length: Some(100),
            read_only: false,
            custom: false,
            picklist_values: Vec::new(),
        };
        Ok(vec![
            meta("Last_Name", "Last Name", FieldType::Text, true),
            meta("Email", "Email", FieldType::Email, false),
            meta("Phone", "Phone", FieldType::Phone, false),
        ])
    }

    fn list_views(_module: Module) -> Result<Vec<ListView>, ConnectorError> {
        Ok(vec![ListView { id: "all".into(), name: "All records".into() }])
    }

    fn changes(_module: Module, _query: FeedQuery, _cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
        Err(unsupported("the example CRM has no change feed"))
    }

    fn upsert(
        _module: Module,
        _records: Vec<CrmRecord>,
        _duplicate_check_fields: Vec<String>,
    ) -> Result<Vec<Result<Written, ConnectorError>>, ConnectorError> {
        Err(unsupported("the example CRM is read-only"))
    }

    fn delete(_module: Module, _ids: Vec<String>) -> Result<Vec<Result<(), ConnectorError>>, ConnectorError> {
        Err(unsupported("the example CRM is read-only"))
    }

    fn watch(_modules: Vec<Module>, _url: String, _token: String) -> Result<(), ConnectorError> {
        Err(unsupported("the example CRM sends no notifications"))
    }

    fn parse_notification(_n: Notification) -> Result<Notified, ConnectorError> {
        Err(unsupported("the example CRM sends no notifications"))
    }
}

deskpane_plugin_sdk::impl_actions_unsupported!(Example);

deskpane_plugin_sdk::export!(Example);
