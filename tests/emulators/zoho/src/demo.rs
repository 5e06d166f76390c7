//! Demo data: a small, realistic CRM with the awkward parts a connector
//! must handle (unicode names, HTML in text, secondary emails, formatted
//! phone numbers, activities on several contacts). Times are relative to
//! now so incremental sync in the demo looks natural.

use serde_json::{json, Value};

use crate::modules::{module, Module};
use crate::store::Store;
use crate::util::{format_ts, now_ts};

/// `Created_Time` / `Modified_Time` some days and hours ago.
fn ago(days: i64, hours: i64) -> String {
    format_ts(now_ts() - days * 86_400 - hours * 3_600)
}

fn seed(store: &mut Store, name: &str, mut record: Value, created_days_ago: i64, modified_days_ago: i64) -> String {
    let m: &'static Module = module(name).expect("demo module exists");
    record["Created_Time"] = json!(ago(created_days_ago, 3));
    record["Modified_Time"] = json!(ago(modified_days_ago, 1));
    store.seed(m, record)
}

pub fn seed_demo(store: &mut Store) {
    let sam = store.users()[1].id.clone();

    let zylker = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Zylker Corp", "Phone": "+1 415 555 0100", "Website": "https://zylker.example",
            "Industry": "Technology", "Employees": 1200, "Annual_Revenue": 48_000_000.0, "Account_Type": "Customer",
            "Billing_City": "San Francisco", "Billing_Country": "United States", "Customer_Type": "Enterprise",
            "Description": "Flagship customer since 2019.",
        }),
        400,
        12,
    );
    let northwind = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Northwind Traders", "Phone": "+1 212 555 0140", "Website": "https://northwind.example",
            "Industry": "Retail", "Employees": 85, "Annual_Revenue": 6_500_000.0, "Account_Type": "Customer",
            "Billing_City": "New York", "Billing_Country": "United States", "Customer_Type": "SMB",
        }),
        300,
        40,
    );
    let globex = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Globex Industries", "Phone": "+34 91 555 0123", "Industry": "Manufacturing",
            "Employees": 5400, "Account_Type": "Partner", "Billing_City": "Madrid", "Billing_Country": "Spain",
            "Customer_Type": "Partner",
        }),
        250,
        20,
    );
    let initech = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Initech", "Industry": "Financial Services", "Employees": 310, "Account_Type": "Prospect",
            "Billing_City": "Dublin", "Billing_Country": "Ireland", "Customer_Type": "Prospect",
        }),
        90,
        9,
    );
    let umbrella = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Umbrella Health", "Website": "https://umbrella-health.example", "Industry": "Healthcare",
            "Employees": 2300, "Annual_Revenue": 120_000_000.0, "Account_Type": "Customer",
            "Billing_City": "Bengaluru", "Billing_Country": "India", "Customer_Type": "Enterprise",
            "Owner": {"id": sam},
        }),
        180,
        5,
    );
    let angstrom = seed(
        store,
        "Accounts",
        json!({
            "Account_Name": "Ångström Analytics AB", "Phone": "+46 8 555 012 00", "Industry": "Consulting",
            "Employees": 42, "Account_Type": "Reseller", "Billing_City": "Stockholm", "Billing_Country": "Sweden",
            "Customer_Type": "Partner",
        }),
        120,
        30,
    );

    let contact = |store: &mut Store, record: Value, created, modified| seed(store, "Contacts", record, created, modified);
    let ada = contact(
        store,
        json!({
            "First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@zylker.example",
            "Secondary_Email": "ada.lovelace@protonmail.example", "Phone": "+1 (415) 555-0101", "Mobile": "415.555.0199",
            "Title": "CTO", "Department": "Engineering", "Account_Name": {"id": zylker}, "Mailing_City": "San Francisco",
            "Mailing_Country": "United States", "Lead_Source": "Trade Show", "Customer_Type": "Enterprise",
            "Support_Tier": "Gold", "Tickets_Raised": 4, "Description": "Champion for the rollout; prefers short calls.",
        }),
        380,
        2,
    );
    let grace = contact(
        store,
        json!({
            "First_Name": "Grace", "Last_Name": "Hopper", "Email": "grace.hopper@northwind.example",
            "Phone": "+1 212 555 0142", "Title": "Head of Operations", "Department": "Operations",
            "Account_Name": {"id": northwind}, "Mailing_City": "New York", "Mailing_Country": "United States",
            "Lead_Source": "Web Download", "Customer_Type": "SMB", "Support_Tier": "Silver", "Tickets_Raised": 9,
        }),
        290,
        15,
    );
    let zoe = contact(
        store,
        json!({
            "First_Name": "Zoë", "Last_Name": "Ångström", "Email": "zoe.angstrom@angstrom-analytics.example",
            "Secondary_Email": "zoe@angstrom.example", "Phone": "+46 8 555 012 34", "Mobile": "+46 70-555 12 34",
            "Title": "Managing Director", "Account_Name": {"id": angstrom}, "Mailing_City": "Stockholm",
            "Mailing_Country": "Sweden", "Lead_Source": "Partner", "Customer_Type": "Partner", "Support_Tier": "Silver",
            "Tickets_Raised": 1,
        }),
        110,
        3,
    );
    let jose = contact(
        store,
        json!({
            "First_Name": "José", "Last_Name": "Álvarez", "Email": "jose.alvarez@globex.example",
            "Phone": "+34 91 555 0177", "Title": "Procurement Lead", "Department": "Purchasing",
            "Account_Name": {"id": globex}, "Mailing_City": "Madrid", "Mailing_Country": "Spain",
            "Customer_Type": "Partner", "Support_Tier": "Bronze", "Tickets_Raised": 2,
        }),
        240,
        60,
    );
    let mei = contact(
        store,
        json!({
            "First_Name": "Mei", "Last_Name": "Chen", "Email": "mei.chen@zylker.example", "Phone": "+1 415 555 0123",
            "Title": "Support Manager", "Department": "Customer Success", "Account_Name": {"id": zylker},
            "Mailing_City": "Oakland", "Mailing_Country": "United States", "Customer_Type": "Enterprise",
            "Support_Tier": "Gold", "Tickets_Raised": 17,
            "Description": "<p>Prefers <b>email</b> over phone.<br>Escalations go through the \
                <a href=\"https://zylker.example/support\">support portal</a> &amp; Slack.</p>\
                <script>alert('not for rendering')</script>",
        }),
        200,
        1,
    );
    let liam = contact(
        store,
        json!({
            "First_Name": "Liam", "Last_Name": "O'Connor", "Email": "liam.oconnor@initech.example",
            "Phone": "+353 1 555 0102", "Title": "VP Finance", "Account_Name": {"id": initech}, "Mailing_City": "Dublin",
            "Mailing_Country": "Ireland", "Lead_Source": "Cold Call", "Customer_Type": "Prospect",
        }),
        85,
        8,
    );
    let priya = contact(
        store,
        json!({
            "First_Name": "Priya", "Last_Name": "Natarajan", "Email": "priya@umbrella-health.example",
            "Mobile": "+91 98450 12345", "Title": "IT Director", "Account_Name": {"id": umbrella},
            "Mailing_City": "Bengaluru", "Mailing_Country": "India", "Customer_Type": "Enterprise",
            "Support_Tier": "Gold", "Tickets_Raised": 6, "Owner": {"id": sam},
        }),
        170,
        4,
    );
    let kwame = contact(
        store,
        json!({
            "First_Name": "Kwame", "Last_Name": "Mensah", "Email": "kwame.mensah@globex.example",
            "Phone": "+34 91 555 0188", "Title": "Plant Manager", "Account_Name": {"id": globex},
            "Mailing_City": "Valencia", "Mailing_Country": "Spain", "Support_Tier": "Bronze", "Tickets_Raised": 0,
        }),
        230,
        100,
    );
    let sofia = contact(
        store,
        json!({
            "First_Name": "Sofia", "Last_Name": "Rossi", "Email": "sofia.rossi@northwind.example",
            "Secondary_Email": "sofia.rossi@gmail.example", "Phone": "(212) 555-0166", "Title": "Buyer",
            "Account_Name": {"id": northwind}, "Mailing_City": "Jersey City", "Mailing_Country": "United States",
            "Customer_Type": "SMB", "Support_Tier": "Silver", "Tickets_Raised": 3,
        }),
        150,
        22,
    );
    contact(
        store,
        json!({
            "First_Name": "Hiroshi", "Last_Name": "Tanaka", "Email": "h.tanaka@zylker.example", "Mobile": "+81 90-5555-0123",
            "Title": "Solutions Architect", "Account_Name": {"id": zylker}, "Mailing_City": "Tokyo", "Mailing_Country": "Japan",
            "Customer_Type": "Enterprise",
        }),
        60,
        60,
    );
    contact(
        store,
        json!({
            "First_Name": "Fatima Zahra", "Last_Name": "El Amrani", "Email": "fatima@umbrella-health.example",
            "Title": "Compliance Officer", "Account_Name": {"id": umbrella}, "Mailing_City": "Casablanca",
            "Mailing_Country": "Morocco", "Support_Tier": "Gold", "Tickets_Raised": 2,
        }),
        45,
        10,
    );
    contact(
        store,
        json!({
            "First_Name": "Noah", "Last_Name": "Williams", "Phone": "+1 646 555 0190", "Title": "Intern",
            "Mailing_City": "Boston", "Mailing_Country": "United States", "Lead_Source": "Chat",
        }),
        7,
        7,
    );

    let deal = |store: &mut Store, name: &str, stage: &str, amount: f64, closing: &str, contact: &str, account: &str, probability: i64| {
        seed(
            store,
            "Deals",
            json!({
                "Deal_Name": name, "Stage": stage, "Amount": amount, "Closing_Date": closing,
                "Contact_Name": {"id": contact}, "Account_Name": {"id": account}, "Probability": probability,
            }),
            60,
            5,
        )
    };
    deal(store, "Zylker platform renewal", "Negotiation/Review", 240_000.0, "2026-12-15", &ada, &zylker, 75);
    deal(store, "Zylker support upgrade", "Closed Won", 36_000.0, "2026-09-30", &mei, &zylker, 100);
    deal(store, "Northwind POS rollout", "Value Proposition", 58_000.0, "2027-01-31", &grace, &northwind, 50);
    deal(store, "Globex plant analytics", "Needs Analysis", 120_000.0, "2027-03-01", &jose, &globex, 25);
    deal(store, "Initech pilot", "Qualification", 15_000.0, "2027-02-15", &liam, &initech, 10);
    deal(store, "Umbrella compliance suite", "Closed Lost", 90_000.0, "2026-10-20", &priya, &umbrella, 0);
    deal(store, "Ångström reseller agreement", "Closed Won", 22_500.0, "2026-08-01", &zoe, &angstrom, 100);

    let note = |store: &mut Store, title: &str, content: &str, parent: &str, parent_module: &str, days: i64| {
        seed(
            store,
            "Notes",
            json!({
                "Note_Title": title, "Note_Content": content, "Parent_Id": {"id": parent}, "$se_module": parent_module,
            }),
            days,
            days,
        )
    };
    note(store, "Renewal call", "Ada wants the renewal signed before the December freeze.", &ada, "Contacts", 6);
    note(store, "Budget", "Q1 budget approved; procurement needs a security questionnaire.", &ada, "Contacts", 2);
    note(store, "Intro", "Met Zoë at the Stockholm partner day — très intéressée by the API.", &zoe, "Contacts", 30);
    note(store, "Escalation", "<b>Escalated</b> ticket #4411 to engineering.", &mei, "Contacts", 1);
    note(store, "Account plan", "Expand from support into the analytics suite.", &zylker, "Accounts", 14);

    let call = |store: &mut Store, subject: &str, kind: &str, start_days: i64, duration: &str, who: &str, account: &str| {
        seed(
            store,
            "Calls",
            json!({
                "Subject": subject, "Call_Type": kind, "Call_Start_Time": ago(start_days, 0), "Call_Duration": duration,
                "Who_Id": {"id": who}, "What_Id": {"id": account}, "$se_module": "Accounts",
            }),
            start_days,
            start_days,
        )
    };
    call(store, "Renewal pricing", "Outbound", 5, "23:10", &ada, &zylker);
    call(store, "Support escalation", "Inbound", 1, "12:45", &mei, &zylker);
    call(store, "Discovery call", "Outbound", 12, "41:05", &jose, &globex);
    call(store, "Missed follow-up", "Missed", 3, "00:00", &grace, &northwind);

    let event = |store: &mut Store, title: &str, in_days: i64, venue: &str, who: &str, account: &str| {
        let start = format_ts(now_ts() + in_days * 86_400);
        let end = format_ts(now_ts() + in_days * 86_400 + 3_600);
        seed(
            store,
            "Events",
            json!({
                "Event_Title": title, "Start_DateTime": start, "End_DateTime": end, "Venue": venue,
                "Who_Id": {"id": who}, "What_Id": {"id": account}, "$se_module": "Accounts",
            }),
            10,
            2,
        )
    };
    event(store, "Quarterly business review", 7, "Zylker HQ, San Francisco", &ada, &zylker);
    event(store, "Partner onboarding", -20, "Online", &zoe, &angstrom);
    event(store, "Plant visit", 21, "Valencia plant", &kwame, &globex);

    let task = |store: &mut Store, subject: &str, due: &str, status: &str, priority: &str, who: &str| {
        seed(
            store,
            "Tasks",
            json!({
                "Subject": subject, "Due_Date": due, "Status": status, "Priority": priority, "Who_Id": {"id": who},
            }),
            9,
            1,
        )
    };
    task(store, "Send security questionnaire", "2026-12-01", "In Progress", "High", &ada);
    task(store, "Share POS case study", "2026-12-05", "Not Started", "Normal", &grace);
    task(store, "Confirm reseller price list", "2026-11-10", "Completed", "Low", &zoe);
    task(store, "Follow up on ticket #4411", "2026-11-25", "Not Started", "High", &mei);
    task(store, "Renew NDA", "2027-01-15", "Deferred", "Low", &sofia);

    let case = |store: &mut Store, subject: &str, status: &str, origin: &str, priority: &str, who: &str, account: &str| {
        seed(
            store,
            "Cases",
            json!({
                "Subject": subject, "Status": status, "Case_Origin": origin, "Priority": priority,
                "Related_To": {"id": who}, "Account_Name": {"id": account},
            }),
            20,
            2,
        )
    };
    case(store, "Export to CSV times out", "Escalated", "Email", "High", &mei, &zylker);
    case(store, "SSO login loop", "New", "Web", "Medium", &priya, &umbrella);
    case(store, "Invoice address wrong", "Closed", "Phone", "Low", &sofia, &northwind);

    for (name, code, price, category, department) in [
        ("Deskpane Cloud — Team", "DP-TEAM", 49.0, "Software", "Sales"),
        ("Deskpane Cloud — Enterprise", "DP-ENT", 129.0, "Software", "Enterprise Sales"),
        ("Onboarding workshop", "SVC-ONB", 2_500.0, "Services", "Professional Services"),
        ("Priority support", "SUP-PRIO", 990.0, "Support", "Customer Success"),
    ] {
        seed(
            store,
            "Products",
            json!({
                "Product_Name": name, "Product_Code": code, "Unit_Price": price, "Product_Active": true,
                "Product_Category": category, "Department": department,
            }),
            500,
            50,
        );
    }

    seed(
        store,
        "Leads",
        json!({
            "First_Name": "Olivia", "Last_Name": "Brown", "Company": "Acme Logistics", "Email": "olivia.brown@acme.example",
            "Phone": "+44 20 5555 0101", "Lead_Source": "Web Research", "Lead_Status": "Not Contacted",
        }),
        4,
        4,
    );
    seed(
        store,
        "Leads",
        json!({
            "First_Name": "Mateus", "Last_Name": "Silva", "Company": "Brisa Energia", "Email": "mateus@brisa.example",
            "Lead_Source": "Seminar Partner", "Lead_Status": "Contacted",
        }),
        16,
        3,
    );
}
