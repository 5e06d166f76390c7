//! Demo data: a small, realistic org with the awkward parts a connector
//! must handle (unicode and apostrophes in names, contacts without email,
//! polymorphic activities, opportunities reached only through contact
//! roles). Times are relative to now so incremental sync looks natural.
//! The people differ from the Zoho emulator's demo.

use serde_json::{json, Value};

use crate::util::{format_ms, now_ms};
use crate::SalesforceEmulator;

/// `CreatedDate` / `LastModifiedDate` so many days ago.
fn aged(mut record: Value, created_days: i64, modified_days: i64) -> Value {
    let ago = |days: i64| format_ms(now_ms() - days * 86_400_000 - 3_600_000);
    record["CreatedDate"] = json!(ago(created_days));
    record["LastModifiedDate"] = json!(ago(modified_days));
    record
}

fn date_in(days: i64) -> String {
    chrono::Utc::now().date_naive().checked_add_signed(chrono::Duration::days(days)).unwrap_or_default().to_string()
}

pub fn seed_demo(sf: &SalesforceEmulator) {
    let elena = sf.api_user_id();
    let user = |first: &str, last: &str, email: &str| {
        sf.seed("User", json!({"FirstName": first, "LastName": last, "Email": email, "Username": email}))
    };
    let aisha = user("Aisha", "Bello", "aisha.bello@deskpane-demo.example");
    let ken = user("Ken", "Watanabe", "ken.watanabe@deskpane-demo.example");

    let account = |name: &str, industry: &str, kind: &str, city: &str, country: &str, owner: &str, extra: Value| {
        let mut record = json!({
            "Name": name, "Industry": industry, "Type": kind, "BillingCity": city, "BillingCountry": country, "OwnerId": owner,
        });
        if let (Some(r), Value::Object(e)) = (record.as_object_mut(), extra) {
            r.extend(e);
        }
        sf.seed("Account", aged(record, 200, 10))
    };
    let northwind = account(
        "Northwind Traders",
        "Retail",
        "Customer",
        "Seattle",
        "United States",
        &elena,
        json!({
            "Phone": "+1 206 555 0110", "Website": "https://northwind-traders.example", "NumberOfEmployees": 240,
            "AnnualRevenue": 18_500_000.0, "Customer_Type__c": "Enterprise",
            "Description": "Wholesale distributor. Renewal every March.",
        }),
    );
    let contoso = account(
        "Contoso Pharmaceuticals",
        "Healthcare",
        "Customer",
        "Basel",
        "Switzerland",
        &aisha,
        json!({
            "Phone": "+41 61 555 01 20", "Website": "https://contoso-pharma.example", "NumberOfEmployees": 5200,
            "AnnualRevenue": 910_000_000.0, "Customer_Type__c": "Enterprise",
        }),
    );
    let fabrikam = account(
        "Fabrikam Logistics",
        "Transportation",
        "Customer",
        "Rotterdam",
        "Netherlands",
        &elena,
        json!({
            "Phone": "+31 10 555 0130", "NumberOfEmployees": 780, "Customer_Type__c": "SMB",
        }),
    );
    let tailspin = account(
        "Tailspin Aviation",
        "Transportation",
        "Prospect",
        "Toulouse",
        "France",
        &ken,
        json!({
            "Website": "https://tailspin-aviation.example", "Customer_Type__c": "Prospect",
        }),
    );
    let woodgrove = account(
        "Woodgrove Bank",
        "Banking",
        "Customer",
        "Toronto",
        "Canada",
        &aisha,
        json!({
            "Phone": "+1 416 555 0150", "NumberOfEmployees": 12_000, "AnnualRevenue": 2_400_000_000.0, "Customer_Type__c": "Enterprise",
        }),
    );
    let alpine = account(
        "Alpine Ski House",
        "Hospitality",
        "Customer",
        "Innsbruck",
        "Austria",
        &elena,
        json!({
            "Phone": "+43 512 555 016", "NumberOfEmployees": 45, "Customer_Type__c": "SMB",
        }),
    );
    let fourth = account(
        "Fourth Coffee",
        "Retail",
        "Partner",
        "Melbourne",
        "Australia",
        &ken,
        json!({
            "Website": "https://fourthcoffee.example", "Customer_Type__c": "Partner",
        }),
    );
    let litware = account(
        "Litware Inc.",
        "Technology",
        "Reseller",
        "Austin",
        "United States",
        &elena,
        json!({
            "Phone": "(512) 555-0180", "Customer_Type__c": "Partner",
        }),
    );
    let proseware = account(
        "Proseware Health",
        "Healthcare",
        "Prospect",
        "Nairobi",
        "Kenya",
        &aisha,
        json!({
            "Customer_Type__c": "Prospect",
        }),
    );
    let blue_yonder = account(
        "Blue Yonder Airlines",
        "Transportation",
        "Customer",
        "Oslo",
        "Norway",
        &elena,
        json!({
            "Phone": "+47 21 55 50 19", "NumberOfEmployees": 3100, "Customer_Type__c": "Enterprise",
        }),
    );

    let contact = |first: &str, last: &str, email: Option<&str>, account: &str, owner: &str, extra: Value, days: (i64, i64)| {
        let mut record = json!({"FirstName": first, "LastName": last, "Email": email, "AccountId": account, "OwnerId": owner});
        if let (Some(r), Value::Object(e)) = (record.as_object_mut(), extra) {
            r.extend(e);
        }
        sf.seed("Contact", aged(record, days.0, days.1))
    };
    let priya = contact(
        "Priya",
        "Raman",
        Some("priya.raman@northwind-traders.example"),
        &northwind,
        &elena,
        json!({
            "Title": "Head of Operations", "Department": "Operations", "Phone": "+1 206 555 0111", "MobilePhone": "+1 206 555 0199",
            "MailingCity": "Seattle", "MailingCountry": "United States", "LeadSource": "Partner Referral",
            "Customer_Type__c": "Enterprise", "Support_Tier__c": "Gold",
            "Description": "Main contact for the renewal. Prefers email; escalations via her mobile.",
        }),
        (180, 2),
    );
    let jonas = contact(
        "Jonas",
        "Weber",
        Some("jonas.weber@northwind-traders.example"),
        &northwind,
        &elena,
        json!({
            "Title": "IT Manager", "Phone": "+1 206 555 0112", "Support_Tier__c": "Gold",
        }),
        (170, 20),
    );
    contact(
        "Camille",
        "Dubois",
        Some("camille.dubois@contoso-pharma.example"),
        &contoso,
        &aisha,
        json!({
            "Title": "Procurement Lead", "MailingCity": "Basel", "MailingCountry": "Switzerland", "Support_Tier__c": "Silver",
        }),
        (150, 12),
    );
    let oluwaseun = contact(
        "Oluwaseun",
        "Adeyemi",
        Some("oluwaseun.adeyemi@contoso-pharma.example"),
        &contoso,
        &aisha,
        json!({
            "Title": "Clinical Systems Director", "Phone": "+41 61 555 01 23", "Support_Tier__c": "Gold", "Customer_Type__c": "Enterprise",
        }),
        (140, 5),
    );
    let mateo = contact(
        "Mateo",
        "García",
        Some("mateo.garcia@fabrikam-logistics.example"),
        &fabrikam,
        &elena,
        json!({
            "Title": "Fleet Coordinator", "MobilePhone": "+31 6 5555 0131", "MailingCity": "Rotterdam", "Support_Tier__c": "Bronze",
        }),
        (130, 30),
    );
    contact(
        "Ingrid",
        "Solberg",
        None,
        &blue_yonder,
        &elena,
        json!({
            "Title": "Station Manager", "Phone": "+47 21 55 50 20", "MailingCity": "Oslo", "MailingCountry": "Norway",
        }),
        (120, 40),
    );
    contact(
        "Rahul",
        "Mehta",
        Some("rahul.mehta@woodgrove-bank.example"),
        &woodgrove,
        &aisha,
        json!({
            "Title": "VP Digital Channels", "Support_Tier__c": "Gold", "Customer_Type__c": "Enterprise",
        }),
        (110, 3),
    );
    contact(
        "Chloé",
        "Martin",
        Some("chloe.martin@tailspin-aviation.example"),
        &tailspin,
        &ken,
        json!({
            "Title": "Head of Customer Care", "MailingCity": "Toulouse", "MailingCountry": "France",
        }),
        (100, 15),
    );
    contact(
        "Daniel",
        "Kim",
        Some("daniel.kim@litware.example"),
        &litware,
        &elena,
        json!({
            "Title": "Channel Partner Manager", "Phone": "(512) 555-0181",
        }),
        (95, 25),
    );
    contact(
        "Aoife",
        "O'Sullivan",
        Some("aoife.osullivan@alpineskihouse.example"),
        &alpine,
        &elena,
        json!({
            "Title": "Owner", "MailingCity": "Innsbruck", "MailingCountry": "Austria", "Support_Tier__c": "Bronze",
        }),
        (90, 9),
    );
    contact(
        "Sipho",
        "Dlamini",
        None,
        &proseware,
        &aisha,
        json!({"Title": "Operations Analyst", "MobilePhone": "+254 700 555 010"}),
        (85, 50),
    );
    contact("Yuki", "Sato", Some("yuki.sato@fourthcoffee.example"), &fourth, &ken, json!({"Title": "Franchise Director"}), (80, 6));
    contact(
        "Lars",
        "Eriksen",
        Some("lars.eriksen@blueyonder-airlines.example"),
        &blue_yonder,
        &elena,
        json!({
            "Title": "CIO", "Support_Tier__c": "Gold", "Customer_Type__c": "Enterprise",
        }),
        (75, 1),
    );
    contact(
        "Beatriz",
        "Costa",
        Some("beatriz.costa@fabrikam-logistics.example"),
        &fabrikam,
        &elena,
        json!({"Title": "Finance Controller"}),
        (70, 22),
    );
    contact("Tomasz", "Nowak", None, &woodgrove, &aisha, json!({"Title": "Branch Operations", "Phone": "+1 416 555 0152"}), (65, 33));
    contact(
        "Hannah",
        "Schmidt",
        Some("hannah.schmidt@contoso-pharma.example"),
        &contoso,
        &aisha,
        json!({
            "Title": "Regulatory Affairs", "Description": "<p>Only reachable <b>Tue–Thu</b>.</p>",
        }),
        (60, 11),
    );
    contact("Omar", "Haddad", Some("omar.haddad@litware.example"), &litware, &ken, json!({"Title": "Solutions Engineer"}), (55, 4));
    contact(
        "Laura",
        "Bianchi",
        Some("laura.bianchi@alpineskihouse.example"),
        &alpine,
        &elena,
        json!({"Title": "Front Desk Lead"}),
        (50, 8),
    );
    contact("Ethan", "Clarke", None, &tailspin, &ken, json!({"Title": "Maintenance Planner"}), (45, 14));
    contact(
        "Nadia",
        "Petrova",
        Some("nadia.petrova@northwind-traders.example"),
        &northwind,
        &elena,
        json!({
            "Title": "Buyer", "Phone": "+1 206 555 0113", "Support_Tier__c": "Silver",
        }),
        (40, 2),
    );

    let opportunity = |name: &str, stage: &str, amount: f64, close_in: i64, account: &str, owner: &str| {
        sf.seed("Opportunity", aged(json!({
            "Name": name, "StageName": stage, "Amount": amount, "CloseDate": date_in(close_in), "AccountId": account, "OwnerId": owner,
        }), 60, 3))
    };
    let renewal = opportunity("Northwind Traders – 2027 Renewal", "Negotiation/Review", 84_000.0, 30, &northwind, &elena);
    let expansion = opportunity("Northwind Traders – Warehouse Expansion", "Proposal/Price Quote", 36_500.0, 60, &northwind, &elena);
    let pilot = opportunity("Contoso – Clinical Support Pilot", "Qualification", 22_000.0, 75, &contoso, &aisha);
    let fleet = opportunity("Fabrikam – Fleet Desk", "Closed Won", 18_000.0, -20, &fabrikam, &elena);
    opportunity("Blue Yonder – Airport Kiosks", "Prospecting", 140_000.0, 120, &blue_yonder, &elena);
    let role = |opportunity: &str, contact: &str, role: &str, primary: bool| {
        sf.seed("OpportunityContactRole", json!({"OpportunityId": opportunity, "ContactId": contact, "Role": role, "IsPrimary": primary}))
    };
    role(&renewal, &priya, "Decision Maker", true);
    role(&renewal, &jonas, "Technical Buyer", false);
    role(&expansion, &priya, "Economic Buyer", true);
    role(&pilot, &oluwaseun, "Executive Sponsor", true);
    role(&fleet, &mateo, "Business User", true);

    let note = |parent: &str, title: &str, body: &str, days: i64| {
        sf.seed("Note", aged(json!({"ParentId": parent, "Title": title, "Body": body}), days, days))
    };
    note(&priya, "Renewal call", "Priya wants the 2027 renewal signed before March. Needs a quote for 40 more seats.", 6);
    note(&priya, "Support escalation", "Dock scanners offline at the Tacoma warehouse; fixed by replacing the gateway.", 21);
    note(&northwind, "Account plan", "Expand into the warehouse team next quarter.", 30);
    note(&oluwaseun, "Pilot scope", "Pilot covers two clinical sites, 60 agents.", 12);

    let task = |who: &str, what: &str, subject: &str, status: &str, priority: &str, due_in: i64| {
        sf.seed("Task", aged(json!({
            "WhoId": who, "WhatId": what, "Subject": subject, "Status": status, "Priority": priority, "ActivityDate": date_in(due_in),
        }), 10, 1))
    };
    task(&priya, &renewal, "Send renewal quote", "In Progress", "High", 3);
    task(&priya, &northwind, "Follow up on scanner outage", "Completed", "Normal", -14);
    task(&mateo, &fabrikam, "Kick-off call for fleet desk", "Not Started", "Normal", 7);

    let event = |who: &str, what: &str, subject: &str, in_days: i64, location: &str| {
        let start = now_ms() + in_days * 86_400_000;
        sf.seed(
            "Event",
            aged(
                json!({
                    "WhoId": who, "WhatId": what, "Subject": subject, "StartDateTime": format_ms(start),
                    "EndDateTime": format_ms(start + 3_600_000), "ActivityDate": date_in(in_days), "Location": location,
                }),
                5,
                1,
            ),
        )
    };
    event(&priya, &renewal, "Renewal review with Priya", 4, "Zoom");
    event(&oluwaseun, &pilot, "Pilot demo", 9, "Basel office");

    let case = |contact: &str, account: &str, subject: &str, status: &str, priority: &str, origin: &str| {
        sf.seed("Case", aged(json!({
            "ContactId": contact, "AccountId": account, "Subject": subject, "Status": status, "Priority": priority, "Origin": origin,
        }), 8, 2))
    };
    case(&priya, &northwind, "Invoices missing PO numbers", "Working", "Medium", "Email");
    case(&jonas, &northwind, "SSO login loop", "Escalated", "High", "Web");

    for (name, code, family) in [
        ("Deskpane Agent Seat", "DP-SEAT", "Software"),
        ("Deskpane Premium Support", "DP-SUP-P", "Services"),
        ("Barcode Gateway G2", "HW-GW2", "Hardware"),
        ("Onboarding Package", "SVC-ONB", "Services"),
    ] {
        sf.seed("Product2", json!({"Name": name, "ProductCode": code, "Family": family, "IsActive": true}));
    }

    sf.seed(
        "Lead",
        aged(
            json!({
                "FirstName": "Marco", "LastName": "Bellini", "Company": "Brightwave Energy", "Email": "marco.bellini@brightwave.example",
                "Phone": "+39 02 5555 0140", "Title": "Operations Director", "Status": "Working - Contacted", "LeadSource": "Web",
            }),
            7,
            2,
        ),
    );
    sf.seed(
        "Lead",
        aged(
            json!({
                "FirstName": "Freya", "LastName": "Lindgren", "Company": "Nordlys Retail", "Email": "freya@nordlys-retail.example",
                "LeadSource": "Phone Inquiry",
            }),
            3,
            3,
        ),
    );

    sf.add_list_view("Contact", "All Contacts", "");
    sf.add_list_view("Contact", "My Contacts", &format!("OwnerId = '{elena}'"));
    sf.add_list_view("Contact", "Gold Support Contacts", "Support_Tier__c = 'Gold'");
    sf.add_list_view("Account", "All Accounts", "");
    sf.add_list_view("Lead", "Open Leads", "Status != 'Closed - Converted'");
}
