//! The kit's scenario data: contacts that make each step of the lookup
//! decidable, one contact with three pages of everything, and one with odd
//! (but valid) values for the odd-data checks.
//!
//! Every value of the scenario data is set: nulls come from the proxy
//! (`odd-nulls`), so a plugin that cannot take them fails that check alone.
//!
//! Each lookup requester fills the keys before the one under test with
//! values nobody matches and leaves the later keys out: a plugin that skips
//! the step finds nobody, one that stops at the first key it was given
//! finds nobody either.

use std::collections::BTreeMap;

use deskpane_runtime::contract::{MatchKey, Requester};

use super::{Account, ActivityRecord, Contact, Dataset, Deal, NoteRecord, ACTIVITY_KINDS};

/// The contact with [`PAGED_ITEMS`] deals, notes and activities.
pub const PAGING_CONTACT: &str = "c-1010";
/// Three pages of the default 20.
pub const PAGED_ITEMS: usize = 45;
/// The contact whose values are odd: unicode, HTML, empty strings, zero.
pub const ODD_CONTACT: &str = "c-1900";
pub const ODD_EMAIL: &str = "odd@oddities.example";

const NOBODY_EMAIL: &str = "nobody@nowhere.example";
const NOBODY_SECONDARY: &str = "nobody.else@nowhere.example";
const NOBODY_PHONE: &str = "+1 555 999 9999";
const NOBODY_NAME: &str = "Nobody Atall";
const NOBODY_ACCOUNT: &str = "No Such Company";

/// One lookup scenario: the check it decides, the requester, and the
/// contact id and match key a correct plugin answers (`None`: nobody).
#[derive(Debug, Clone)]
pub struct Lookup {
    pub check: &'static str,
    pub requester: Requester,
    pub expect: Option<(&'static str, MatchKey)>,
}

fn requester(email: Option<&str>, secondary: Option<&str>, phone: Option<&str>, name: Option<&str>, account: Option<&str>) -> Requester {
    Requester {
        email: email.map(str::to_string),
        secondary_email: secondary.map(str::to_string),
        phone: phone.map(str::to_string),
        name: name.map(str::to_string),
        account_name: account.map(str::to_string),
    }
}

/// The lookup scenarios over [`Dataset::scenarios`], one per lookup check.
pub fn lookups() -> Vec<Lookup> {
    let (e, s, p, n) = (Some(NOBODY_EMAIL), Some(NOBODY_SECONDARY), Some(NOBODY_PHONE), Some(NOBODY_NAME));
    vec![
        // Case differs from the CRM's: the CRM ignores it, so must the plugin.
        Lookup {
            check: "lookup-email",
            requester: requester(Some("Jose.Alvarez@Example.com"), None, None, None, None),
            expect: Some(("c-1001", MatchKey::Email)),
        },
        Lookup {
            check: "lookup-secondary-email",
            requester: requester(e, Some("sam.second@home.example"), None, None, None),
            expect: Some(("c-1002", MatchKey::SecondaryEmail)),
        },
        // The CRM holds `+1 (555) 010-0003`: same digits, other punctuation.
        Lookup {
            check: "lookup-phone",
            requester: requester(e, s, Some("+1 555.010.0003"), None, None),
            expect: Some(("c-1003", MatchKey::Phone)),
        },
        Lookup { check: "lookup-name", requester: requester(e, s, p, Some("nina NAME"), None), expect: Some(("c-1004", MatchKey::Name)) },
        Lookup {
            check: "lookup-account",
            requester: requester(e, s, p, n, Some("globex industries")),
            expect: Some(("c-1005", MatchKey::AccountName)),
        },
        // The email is Olivia's (c-1006), the phone Brian's (c-1007).
        Lookup {
            check: "lookup-order",
            requester: requester(Some("olivia@order.example"), None, Some("+1 555 010 0007"), None, None),
            expect: Some(("c-1006", MatchKey::Email)),
        },
        Lookup { check: "lookup-miss", requester: requester(e, s, p, n, Some(NOBODY_ACCOUNT)), expect: None },
    ]
}

fn text(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn contact(id: &str, first: &str, last: &str, email: &str, secondary: &str, phone: &str, account: (&str, &str)) -> Contact {
    Contact {
        id: id.into(),
        first_name: text(first),
        last_name: text(last),
        email: text(email),
        secondary_email: text(secondary),
        phone: text(phone),
        title: text("Head of IT"),
        customer_type: text("Gold"),
        owner: text("Ana Owner"),
        account: Some(Account { id: account.0.into(), name: text(account.1) }),
        updated_at: text("2026-11-20T10:00:00Z"),
    }
}

/// A date of 2026 that varies with `n`.
fn day(n: usize) -> String {
    format!("2026-{:02}-{:02}", 1 + n % 12, 1 + n % 28)
}

impl Dataset {
    /// The data every `Target::SampleCrm` run serves.
    pub fn scenarios() -> Dataset {
        let acme = ("a-2001", "Acme Corp");
        let contacts = vec![
            contact("c-1001", "Jose", "Alvarez", "jose.alvarez@example.com", "jose@home.example", "+1 555 010 0001", acme),
            contact("c-1002", "Sam", "Second", "sam@work.example", "sam.second@home.example", "+1 555 010 0002", acme),
            contact("c-1003", "Pat", "Phone", "pat@phone.example", "pat@home.example", "+1 (555) 010-0003", acme),
            contact("c-1004", "Nina", "Name", "nina@name.example", "nina@home.example", "+1 555 010 0004", acme),
            contact(
                "c-1005",
                "Alex",
                "Account",
                "alex@globex.example",
                "alex@home.example",
                "+1 555 010 0005",
                ("a-2005", "Globex Industries"),
            ),
            contact("c-1006", "Olivia", "Order", "olivia@order.example", "olivia@home.example", "+1 555 010 0006", acme),
            contact("c-1007", "Brian", "Order", "brian@order.example", "brian@home.example", "+1 555 010 0007", acme),
            contact("c-1010", "Paige", "Pages", "paige@pages.example", "paige@home.example", "+1 555 010 0010", ("a-2010", "Initech")),
            Contact {
                id: ODD_CONTACT.into(),
                first_name: text("Zoë"),
                last_name: text("Ñúñez-O'Brien 🚀"),
                email: text(ODD_EMAIL),
                secondary_email: text(""),
                phone: text(""),
                title: text("<b>Chief</b> & \"Head\""),
                customer_type: text(""),
                owner: text("أحمد"),
                account: Some(Account { id: "a-2900".into(), name: text("Ünïcode GmbH ✓") }),
                updated_at: text("2026-11-20T10:00:00Z"),
            },
        ];

        let owner = text("Ana Owner");
        let deals = (1..=PAGED_ITEMS)
            .map(|n| Deal {
                id: format!("d-{}", 3000 + n),
                name: Some(format!("Initech renewal {n}")),
                stage: text(["Qualification", "Proposal", "Negotiation", "Closed Won"][n % 4]),
                amount: Some(1000.0 + 250.0 * n as f64),
                currency: text("USD"),
                close_date: Some(day(n)),
                owner: owner.clone(),
            })
            .collect();
        let notes = (1..=PAGED_ITEMS)
            .map(|n| NoteRecord {
                id: format!("n-{}", 4000 + n),
                title: Some(format!("Call summary {n}")),
                body: Some(format!("Spoke with Paige about renewal {n}.")),
                author: owner.clone(),
                created_at: Some(format!("{}T09:00:00Z", day(n))),
            })
            .collect();
        let activities = (1..=PAGED_ITEMS)
            .map(|n| {
                let kind = ACTIVITY_KINDS[n % ACTIVITY_KINDS.len()];
                ActivityRecord {
                    id: format!("act-{}", 5000 + n),
                    kind: kind.into(),
                    subject: Some(format!("Renewal {kind} {n}")),
                    status: text(if n % 2 == 0 { "Completed" } else { "Open" }),
                    starts_at: Some(format!("{}T10:00:00Z", day(n))),
                    ends_at: Some(format!("{}T10:30:00Z", day(n))),
                    owner: owner.clone(),
                    description: Some(format!("About renewal {n}.")),
                }
            })
            .collect();

        let odd_deal = Deal {
            id: "d-3901".into(),
            name: text("Zoë’s 🚀 upgrade"),
            stage: text(""),
            amount: Some(0.0),
            currency: text("EUR"),
            close_date: text("2026-12-31"),
            owner: text("أحمد"),
        };
        let odd_note = NoteRecord {
            id: "n-4901".into(),
            title: text(""),
            body: text("<p>Called &amp; left a <b>message</b></p><script>alert('x')</script>"),
            author: text("Zoë"),
            created_at: text("2026-11-20T10:00:00Z"),
        };
        let odd_activity = ActivityRecord {
            id: "act-5901".into(),
            kind: "chat".into(),
            subject: text("💬"),
            status: text(""),
            starts_at: text("2026-11-20T10:00:00Z"),
            ends_at: text("2026-11-20T10:05:00Z"),
            owner: text("أحمد"),
            description: text("line one\nline two\ttabbed \u{202e}reversed"),
        };

        Dataset {
            contacts,
            deals: BTreeMap::from([(PAGING_CONTACT.into(), deals), (ODD_CONTACT.into(), vec![odd_deal])]),
            notes: BTreeMap::from([(PAGING_CONTACT.into(), notes), (ODD_CONTACT.into(), vec![odd_note])]),
            activities: BTreeMap::from([(PAGING_CONTACT.into(), activities), (ODD_CONTACT.into(), vec![odd_activity])]),
        }
    }
}
