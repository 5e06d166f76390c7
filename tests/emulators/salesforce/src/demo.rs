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

    let account = |record: Value| sf.seed("Account", aged(record, 200, 10));
    let northwind = account(json!({
        "Name": "Northwind Traders", "Industry": "Retail", "Type": "Customer", "BillingCity": "Seattle",
        "BillingCountry": "United States", "OwnerId": elena, "Phone": "+1 206 555 0110",
        "Website": "https://northwind-traders.example", "NumberOfEmployees": 240, "AnnualRevenue": 18_500_000.0,
        "Customer_Type__c": "Enterprise", "Description": "Wholesale distributor. Renewal every March.",
    }));
    let contoso = account(json!({
        "Name": "Contoso Pharmaceuticals", "Industry": "Healthcare", "Type": "Customer", "BillingCity": "Basel",
        "BillingCountry": "Switzerland", "OwnerId": aisha, "Phone": "+41 61 555 01 20",
        "Website": "https://contoso-pharma.example", "NumberOfEmployees": 5200, "AnnualRevenue": 910_000_000.0,
        "Customer_Type__c": "Enterprise",
    }));
    let fabrikam = account(json!({
        "Name": "Fabrikam Logistics", "Industry": "Transportation", "Type": "Customer", "BillingCity": "Rotterdam",
        "BillingCountry": "Netherlands", "OwnerId": elena, "Phone": "+31 10 555 0130", "NumberOfEmployees": 780,
        "Customer_Type__c": "SMB",
    }));
    let tailspin = account(json!({
        "Name": "Tailspin Aviation", "Industry": "Transportation", "Type": "Prospect", "BillingCity": "Toulouse",
        "BillingCountry": "France", "OwnerId": ken, "Website": "https://tailspin-aviation.example", "Customer_Type__c": "Prospect",
    }));
    let woodgrove = account(json!({
        "Name": "Woodgrove Bank", "Industry": "Banking", "Type": "Customer", "BillingCity": "Toronto", "BillingCountry": "Canada",
        "OwnerId": aisha, "Phone": "+1 416 555 0150", "NumberOfEmployees": 12_000, "AnnualRevenue": 2_400_000_000.0,
        "Customer_Type__c": "Enterprise",
    }));
    let alpine = account(json!({
        "Name": "Alpine Ski House", "Industry": "Hospitality", "Type": "Customer", "BillingCity": "Innsbruck",
        "BillingCountry": "Austria", "OwnerId": elena, "Phone": "+43 512 555 016", "NumberOfEmployees": 45, "Customer_Type__c": "SMB",
    }));
    let fourth = account(json!({
        "Name": "Fourth Coffee", "Industry": "Retail", "Type": "Partner", "BillingCity": "Melbourne", "BillingCountry": "Australia",
        "OwnerId": ken, "Website": "https://fourthcoffee.example", "Customer_Type__c": "Partner",
    }));
    let litware = account(json!({
        "Name": "Litware Inc.", "Industry": "Technology", "Type": "Reseller", "BillingCity": "Austin",
        "BillingCountry": "United States", "OwnerId": elena, "Phone": "(512) 555-0180", "Customer_Type__c": "Partner",
    }));
    let proseware = account(json!({
        "Name": "Proseware Health", "Industry": "Healthcare", "Type": "Prospect", "BillingCity": "Nairobi", "BillingCountry": "Kenya",
        "OwnerId": aisha, "Customer_Type__c": "Prospect",
    }));
    let blue_yonder = account(json!({
        "Name": "Blue Yonder Airlines", "Industry": "Transportation", "Type": "Customer", "BillingCity": "Oslo",
        "BillingCountry": "Norway", "OwnerId": elena, "Phone": "+47 21 55 50 19", "NumberOfEmployees": 3100,
        "Customer_Type__c": "Enterprise",
    }));

    let contact = |record: Value, days: (i64, i64)| sf.seed("Contact", aged(record, days.0, days.1));
    let priya = contact(
        json!({
            "FirstName": "Priya", "LastName": "Raman", "Email": "priya.raman@northwind-traders.example", "AccountId": northwind,
            "OwnerId": elena, "Title": "Head of Operations", "Department": "Operations", "Phone": "+1 206 555 0111",
            "MobilePhone": "+1 206 555 0199", "MailingCity": "Seattle", "MailingCountry": "United States",
            "LeadSource": "Partner Referral", "Customer_Type__c": "Enterprise", "Support_Tier__c": "Gold",
            "Description": "Main contact for the renewal. Prefers email; escalations via her mobile.",
        }),
        (180, 2),
    );
    let jonas = contact(
        json!({
            "FirstName": "Jonas", "LastName": "Weber", "Email": "jonas.weber@northwind-traders.example", "AccountId": northwind,
            "OwnerId": elena, "Title": "IT Manager", "Phone": "+1 206 555 0112", "Support_Tier__c": "Gold",
        }),
        (170, 20),
    );
    let oluwaseun = contact(
        json!({
            "FirstName": "Oluwaseun", "LastName": "Adeyemi", "Email": "oluwaseun.adeyemi@contoso-pharma.example", "AccountId": contoso,
            "OwnerId": aisha, "Title": "Clinical Systems Director", "Phone": "+41 61 555 01 23", "Support_Tier__c": "Gold",
            "Customer_Type__c": "Enterprise",
        }),
        (140, 5),
    );
    let mateo = contact(
        json!({
            "FirstName": "Mateo", "LastName": "García", "Email": "mateo.garcia@fabrikam-logistics.example", "AccountId": fabrikam,
            "OwnerId": elena, "Title": "Fleet Coordinator", "MobilePhone": "+31 6 5555 0131", "MailingCity": "Rotterdam",
            "Support_Tier__c": "Bronze",
        }),
        (130, 30),
    );
    // The rest: (first, last, email, account, owner, other fields).
    let others = [
        (
            "Camille",
            "Dubois",
            Some("camille.dubois@contoso-pharma.example"),
            &contoso,
            &aisha,
            json!({"Title": "Procurement Lead", "MailingCity": "Basel", "MailingCountry": "Switzerland", "Support_Tier__c": "Silver"}),
        ),
        (
            "Ingrid",
            "Solberg",
            None,
            &blue_yonder,
            &elena,
            json!({"Title": "Station Manager", "Phone": "+47 21 55 50 20", "MailingCity": "Oslo", "MailingCountry": "Norway"}),
        ),
        (
            "Rahul",
            "Mehta",
            Some("rahul.mehta@woodgrove-bank.example"),
            &woodgrove,
            &aisha,
            json!({"Title": "VP Digital Channels", "Support_Tier__c": "Gold", "Customer_Type__c": "Enterprise"}),
        ),
        (
            "Chloé",
            "Martin",
            Some("chloe.martin@tailspin-aviation.example"),
            &tailspin,
            &ken,
            json!({"Title": "Head of Customer Care", "MailingCity": "Toulouse", "MailingCountry": "France"}),
        ),
        (
            "Daniel",
            "Kim",
            Some("daniel.kim@litware.example"),
            &litware,
            &elena,
            json!({"Title": "Channel Partner Manager", "Phone": "(512) 555-0181"}),
        ),
        (
            "Aoife",
            "O'Sullivan",
            Some("aoife.osullivan@alpineskihouse.example"),
            &alpine,
            &elena,
            json!({"Title": "Owner", "MailingCity": "Innsbruck", "MailingCountry": "Austria", "Support_Tier__c": "Bronze"}),
        ),
        ("Sipho", "Dlamini", None, &proseware, &aisha, json!({"Title": "Operations Analyst", "MobilePhone": "+254 700 555 010"})),
        ("Yuki", "Sato", Some("yuki.sato@fourthcoffee.example"), &fourth, &ken, json!({"Title": "Franchise Director"})),
        (
            "Lars",
            "Eriksen",
            Some("lars.eriksen@blueyonder-airlines.example"),
            &blue_yonder,
            &elena,
            json!({"Title": "CIO", "Support_Tier__c": "Gold", "Customer_Type__c": "Enterprise"}),
        ),
        ("Beatriz", "Costa", Some("beatriz.costa@fabrikam-logistics.example"), &fabrikam, &elena, json!({"Title": "Finance Controller"})),
        ("Tomasz", "Nowak", None, &woodgrove, &aisha, json!({"Title": "Branch Operations", "Phone": "+1 416 555 0152"})),
        (
            "Hannah",
            "Schmidt",
            Some("hannah.schmidt@contoso-pharma.example"),
            &contoso,
            &aisha,
            json!({"Title": "Regulatory Affairs", "Description": "<p>Only reachable <b>Tue–Thu</b>.</p>"}),
        ),
        ("Omar", "Haddad", Some("omar.haddad@litware.example"), &litware, &ken, json!({"Title": "Solutions Engineer"})),
        ("Laura", "Bianchi", Some("laura.bianchi@alpineskihouse.example"), &alpine, &elena, json!({"Title": "Front Desk Lead"})),
        ("Ethan", "Clarke", None, &tailspin, &ken, json!({"Title": "Maintenance Planner"})),
        (
            "Nadia",
            "Petrova",
            Some("nadia.petrova@northwind-traders.example"),
            &northwind,
            &elena,
            json!({"Title": "Buyer", "Phone": "+1 206 555 0113", "Support_Tier__c": "Silver"}),
        ),
    ];
    for (n, (first, last, email, account, owner, mut record)) in (0i64..).zip(others) {
        record["FirstName"] = json!(first);
        record["LastName"] = json!(last);
        record["Email"] = json!(email);
        record["AccountId"] = json!(account);
        record["OwnerId"] = json!(owner);
        contact(record, (120 - 5 * n, 1 + n * 3 % 40));
    }

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
