//! The static schema: the emulated modules, their fields and the metadata
//! `GET /crm/v8/settings/fields` reports. Everything else (validation,
//! search, rendering) reads field types from here, so the README's field
//! list lives in exactly one place.

use std::sync::LazyLock;

use serde_json::{json, Value};

// Double and MultiSelectPicklist are in the README's data_type list and
// handled everywhere, though no emulated field uses them yet.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    Text,
    Textarea,
    Email,
    Phone,
    Website,
    Integer,
    Currency,
    Double,
    Boolean,
    Date,
    Datetime,
    Picklist,
    MultiSelectPicklist,
    Lookup,
    OwnerLookup,
}

impl DataType {
    /// The `data_type` Zoho reports, also used as `expected_data_type`.
    pub fn api_name(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Textarea => "textarea",
            DataType::Email => "email",
            DataType::Phone => "phone",
            DataType::Website => "website",
            DataType::Integer => "integer",
            DataType::Currency => "currency",
            DataType::Double => "double",
            DataType::Boolean => "boolean",
            DataType::Date => "date",
            DataType::Datetime => "datetime",
            DataType::Picklist => "picklist",
            DataType::MultiSelectPicklist => "multiselectpicklist",
            DataType::Lookup => "lookup",
            DataType::OwnerLookup => "ownerlookup",
        }
    }

    /// Zoho's default maximum length for the type.
    fn default_length(self) -> u32 {
        match self {
            DataType::Text | DataType::Website => 255,
            DataType::Textarea => 32000,
            DataType::Email => 100,
            DataType::Phone => 30,
            DataType::Integer => 9,
            DataType::Currency | DataType::Double => 16,
            DataType::Boolean => 5,
            DataType::Date | DataType::Datetime => 20,
            DataType::Picklist | DataType::MultiSelectPicklist | DataType::Lookup | DataType::OwnerLookup => 120,
        }
    }

    /// Values held as plain strings: compared case-insensitively, searched by `word`.
    pub fn is_textual(self) -> bool {
        matches!(self, DataType::Text | DataType::Textarea | DataType::Email | DataType::Phone | DataType::Website | DataType::Picklist)
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, DataType::Integer | DataType::Currency | DataType::Double)
    }
}

/// Where a lookup points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupTarget {
    Module(&'static str),
    /// Polymorphic (`Parent_Id`, `What_Id`): the record's `$se_module` names the module.
    SeModule,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub api_name: &'static str,
    pub label: &'static str,
    pub data_type: DataType,
    pub mandatory: bool,
    pub length: u32,
    pub read_only: bool,
    pub custom: bool,
    pub picklist: &'static [&'static str],
    pub lookup: Option<LookupTarget>,
}

impl Field {
    fn new(api_name: &'static str, label: &'static str, data_type: DataType) -> Field {
        Field {
            api_name,
            label,
            data_type,
            mandatory: false,
            length: data_type.default_length(),
            read_only: false,
            custom: false,
            picklist: &[],
            lookup: None,
        }
    }
    fn mandatory(mut self) -> Field {
        self.mandatory = true;
        self
    }
    fn len(mut self, length: u32) -> Field {
        self.length = length;
        self
    }
    fn custom(mut self) -> Field {
        self.custom = true;
        self
    }
    fn read_only(mut self) -> Field {
        self.read_only = true;
        self
    }
    fn picks(mut self, values: &'static [&'static str]) -> Field {
        self.picklist = values;
        self
    }
    fn to(mut self, module: &'static str) -> Field {
        self.lookup = Some(LookupTarget::Module(module));
        self
    }
    fn polymorphic(mut self) -> Field {
        self.lookup = Some(LookupTarget::SeModule);
        self
    }

    /// The entry of `GET /crm/v8/settings/fields`.
    pub fn metadata(&self) -> Value {
        let lookup = match self.lookup {
            Some(LookupTarget::Module(m)) => json!({"module": {"api_name": m}}),
            _ => json!({}),
        };
        let (json_type, ui_type) = match self.data_type {
            DataType::Text => ("string", 1),
            DataType::Textarea => ("string", 3),
            DataType::Email => ("string", 25),
            DataType::Phone => ("string", 33),
            DataType::Website => ("string", 21),
            DataType::Integer => ("integer", 32),
            DataType::Currency => ("double", 36),
            DataType::Double => ("double", 38),
            DataType::Boolean => ("boolean", 301),
            DataType::Date => ("string", 24),
            DataType::Datetime => ("string", 333),
            DataType::Picklist => ("string", 2),
            DataType::MultiSelectPicklist => ("jsonarray", 100),
            DataType::Lookup => ("jsonobject", 133),
            DataType::OwnerLookup => ("jsonobject", 8),
        };
        json!({
            "id": numeric_id(self.api_name),
            "api_name": self.api_name,
            "field_label": self.label,
            "display_label": self.label,
            "data_type": self.data_type.api_name(),
            "json_type": json_type,
            "ui_type": ui_type,
            "visible": true,
            "system_mandatory": self.mandatory,
            "length": self.length,
            "read_only": self.read_only,
            "field_read_only": self.read_only,
            "custom_field": self.custom,
            "pick_list_values": self.picklist.iter().enumerate()
                .map(|(i, v)| json!({
                    "id": numeric_id(&format!("{}:{v}", self.api_name)),
                    "display_value": v,
                    "actual_value": v,
                    "sequence_number": i + 1,
                    "type": "used",
                }))
                .collect::<Vec<_>>(),
            "lookup": lookup,
        })
    }
}

/// A stable, Zoho-shaped numeric id (a 19-digit string) for a name.
pub fn numeric_id(name: &str) -> String {
    let hash = emulator_support::fnv1a(name.as_bytes());
    format!("4150868{:012}", hash % 1_000_000_000_000)
}

pub struct Module {
    pub name: &'static str,
    /// Zoho's module id, reported as `resource_id` by watch.
    pub id: &'static str,
    pub fields: Vec<Field>,
    /// Fields whose values collide on insert (DUPLICATE_DATA).
    pub unique: &'static [&'static str],
    /// Upsert's `duplicate_check_fields` when the body gives none.
    pub default_duplicate_check: &'static [&'static str],
    /// Related lists served under `/{module}/{id}/{related}`.
    pub related: &'static [&'static str],
}

impl Module {
    pub fn field(&self, api_name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }

    pub fn resource_uri(&self, base_url: &str) -> String {
        format!("{base_url}/crm/v8/{}", self.name)
    }

    /// The fields in `related`'s module that point at a record of this module.
    pub fn relation(&self, related: &str) -> Option<&'static [&'static str]> {
        if !self.related.contains(&related) {
            return None;
        }
        Some(match (self.name, related) {
            ("Contacts", "Deals") => &["Contact_Name"],
            ("Contacts", "Calls" | "Events" | "Tasks") => &["Who_Id"],
            ("Contacts", "Cases") => &["Related_To"],
            ("Accounts" | "Leads", "Calls" | "Events" | "Tasks") => &["What_Id"],
            ("Accounts", "Deals" | "Cases" | "Contacts") => &["Account_Name"],
            (_, "Notes") => &["Parent_Id"],
            _ => return None,
        })
    }

    /// How a record of this module is named in lookups and the recycle bin.
    pub fn display_name(&self, data: &serde_json::Map<String, Value>) -> Option<String> {
        let text = |k: &str| data.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        match self.name {
            "Contacts" | "Leads" => {
                let full = [text("First_Name"), text("Last_Name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
                (!full.is_empty()).then_some(full)
            }
            "Accounts" => text("Account_Name").map(str::to_string),
            "Products" => text("Product_Name").map(str::to_string),
            "Deals" => text("Deal_Name").map(str::to_string),
            "Events" => text("Event_Title").map(str::to_string),
            "Notes" => text("Note_Title").or(text("Note_Content")).map(str::to_string),
            _ => text("Subject").map(str::to_string),
        }
    }
}

const CUSTOMER_TYPES: &[&str] = &["Enterprise", "SMB", "Partner", "Prospect"];
const LEAD_SOURCES: &[&str] = &[
    "Advertisement",
    "Cold Call",
    "Employee Referral",
    "External Referral",
    "Online Store",
    "Partner",
    "Public Relations",
    "Seminar Partner",
    "Trade Show",
    "Web Download",
    "Web Research",
    "Chat",
];
const PRIORITIES: &[&str] = &["High", "Medium", "Low"];

pub static MODULES: LazyLock<Vec<Module>> = LazyLock::new(build_modules);

/// The module of that API name; Zoho accepts module names in any case.
pub fn module(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// Fields every record has, listed after each module's own fields.
fn system_fields() -> Vec<Field> {
    use DataType::*;
    vec![
        Field::new("Owner", "Owner", OwnerLookup),
        Field::new("Created_By", "Created By", OwnerLookup).read_only(),
        Field::new("Modified_By", "Modified By", OwnerLookup).read_only(),
        Field::new("Created_Time", "Created Time", Datetime).read_only(),
        Field::new("Modified_Time", "Modified Time", Datetime).read_only(),
    ]
}

fn activity_links() -> Vec<Field> {
    use DataType::*;
    vec![
        Field::new("Description", "Description", Textarea),
        Field::new("Who_Id", "Contact Name", Lookup).to("Contacts"),
        Field::new("What_Id", "Related To", Lookup).polymorphic(),
        Field::new("$se_module", "Parent Module", Text),
    ]
}

fn build_modules() -> Vec<Module> {
    use DataType::*;
    let module = |name, id, mut fields: Vec<Field>, unique, dup, related| {
        fields.extend(system_fields());
        Module { name, id, fields, unique, default_duplicate_check: dup, related }
    };
    vec![
        module(
            "Contacts",
            "6421000000000002175",
            vec![
                Field::new("First_Name", "First Name", Text).len(40),
                Field::new("Last_Name", "Last Name", Text).mandatory().len(80),
                Field::new("Email", "Email", Email),
                Field::new("Secondary_Email", "Secondary Email", Email),
                Field::new("Phone", "Phone", Phone),
                Field::new("Mobile", "Mobile", Phone),
                Field::new("Title", "Title", Text).len(100),
                Field::new("Department", "Department", Text).len(100),
                Field::new("Account_Name", "Account Name", Lookup).to("Accounts"),
                Field::new("Mailing_City", "Mailing City", Text).len(100),
                Field::new("Mailing_Country", "Mailing Country", Text).len(100),
                Field::new("Lead_Source", "Lead Source", Picklist).picks(LEAD_SOURCES),
                Field::new("Description", "Description", Textarea),
                Field::new("Customer_Type", "Customer Type", Picklist).custom().picks(CUSTOMER_TYPES),
                Field::new("Support_Tier", "Support Tier", Picklist).custom().picks(&["Gold", "Silver", "Bronze"]),
                Field::new("Tickets_Raised", "Tickets Raised", Integer).custom(),
            ],
            &["Email"],
            &["Email"],
            &["Deals", "Notes", "Calls", "Events", "Tasks", "Cases"],
        ),
        module(
            "Accounts",
            "6421000000000002177",
            vec![
                Field::new("Account_Name", "Account Name", Text).mandatory().len(200),
                Field::new("Phone", "Phone", Phone),
                Field::new("Website", "Website", Website),
                Field::new("Industry", "Industry", Picklist).picks(&[
                    "Communications",
                    "Consulting",
                    "Education",
                    "Financial Services",
                    "Government",
                    "Healthcare",
                    "Manufacturing",
                    "Retail",
                    "Technology",
                    "Transportation",
                ]),
                Field::new("Employees", "Employees", Integer),
                Field::new("Annual_Revenue", "Annual Revenue", Currency),
                Field::new("Account_Type", "Account Type", Picklist).picks(&["Customer", "Partner", "Prospect", "Reseller", "Vendor"]),
                Field::new("Billing_City", "Billing City", Text).len(100),
                Field::new("Billing_Country", "Billing Country", Text).len(100),
                Field::new("Description", "Description", Textarea),
                Field::new("Customer_Type", "Customer Type", Picklist).custom().picks(CUSTOMER_TYPES),
            ],
            &["Account_Name"],
            &["Account_Name"],
            &["Contacts", "Deals", "Notes", "Calls", "Events", "Tasks", "Cases"],
        ),
        module(
            "Products",
            "6421000000000002181",
            vec![
                Field::new("Product_Name", "Product Name", Text).mandatory().len(120),
                Field::new("Product_Code", "Product Code", Text).len(40),
                Field::new("Unit_Price", "Unit Price", Currency),
                Field::new("Product_Active", "Product Active", Boolean),
                Field::new("Product_Category", "Product Category", Picklist).picks(&["Hardware", "Software", "Services", "Support"]),
                Field::new("Department", "Department", Text).custom().len(100),
                Field::new("Description", "Description", Textarea),
            ],
            &["Product_Name"],
            &["Product_Name"],
            &[],
        ),
        module(
            "Deals",
            "6421000000000002179",
            vec![
                Field::new("Deal_Name", "Deal Name", Text).mandatory().len(120),
                Field::new("Stage", "Stage", Picklist).mandatory().picks(&[
                    "Qualification",
                    "Needs Analysis",
                    "Value Proposition",
                    "Negotiation/Review",
                    "Closed Won",
                    "Closed Lost",
                ]),
                Field::new("Amount", "Amount", Currency),
                Field::new("Closing_Date", "Closing Date", Date).mandatory(),
                Field::new("Contact_Name", "Contact Name", Lookup).to("Contacts"),
                Field::new("Account_Name", "Account Name", Lookup).to("Accounts"),
                Field::new("Probability", "Probability (%)", Integer).len(3),
            ],
            &[],
            &[],
            &[],
        ),
        module(
            "Leads",
            "6421000000000002173",
            vec![
                Field::new("Last_Name", "Last Name", Text).mandatory().len(80),
                Field::new("First_Name", "First Name", Text).len(40),
                Field::new("Company", "Company", Text).len(200),
                Field::new("Email", "Email", Email),
                Field::new("Phone", "Phone", Phone),
                Field::new("Lead_Source", "Lead Source", Picklist).picks(LEAD_SOURCES),
                Field::new("Lead_Status", "Lead Status", Picklist).picks(&[
                    "Attempted to Contact",
                    "Contact in Future",
                    "Contacted",
                    "Junk Lead",
                    "Lost Lead",
                    "Not Contacted",
                    "Pre-Qualified",
                    "Not Qualified",
                ]),
                Field::new("Description", "Description", Textarea),
            ],
            &[],
            &["Email"],
            &["Notes", "Calls", "Events", "Tasks"],
        ),
        module(
            "Cases",
            "6421000000000002185",
            vec![
                Field::new("Subject", "Subject", Text).mandatory(),
                Field::new("Status", "Status", Picklist).picks(&["New", "Escalated", "On Hold", "Closed"]),
                Field::new("Case_Origin", "Case Origin", Picklist).picks(&["Email", "Phone", "Web", "Chat"]),
                Field::new("Priority", "Priority", Picklist).picks(PRIORITIES),
                Field::new("Description", "Description", Textarea),
                Field::new("Related_To", "Related To", Lookup).to("Contacts"),
                Field::new("Account_Name", "Account Name", Lookup).to("Accounts"),
            ],
            &[],
            &[],
            &[],
        ),
        module(
            "Notes",
            "6421000000000002187",
            vec![
                Field::new("Note_Title", "Note Title", Text),
                Field::new("Note_Content", "Note Content", Textarea).mandatory(),
                Field::new("Parent_Id", "Parent Id", Lookup).mandatory().polymorphic(),
                Field::new("$se_module", "Parent Module", Text).mandatory(),
            ],
            &[],
            &[],
            &[],
        ),
        module(
            "Calls",
            "6421000000000002189",
            [
                vec![
                    Field::new("Subject", "Subject", Text).mandatory(),
                    Field::new("Call_Type", "Call Type", Picklist).picks(&["Outbound", "Inbound", "Missed"]).mandatory(),
                    Field::new("Call_Start_Time", "Call Start Time", Datetime).mandatory(),
                    Field::new("Call_Duration", "Call Duration", Text).len(10),
                ],
                activity_links(),
            ]
            .concat(),
            &[],
            &[],
            &[],
        ),
        module(
            "Events",
            "6421000000000002191",
            [
                vec![
                    Field::new("Event_Title", "Title", Text).mandatory(),
                    Field::new("Start_DateTime", "From", Datetime).mandatory(),
                    Field::new("End_DateTime", "To", Datetime).mandatory(),
                    Field::new("Venue", "Venue", Text),
                ],
                activity_links(),
            ]
            .concat(),
            &[],
            &[],
            &[],
        ),
        module(
            "Tasks",
            "6421000000000002193",
            [
                vec![
                    Field::new("Subject", "Subject", Text).mandatory(),
                    Field::new("Due_Date", "Due Date", Date),
                    Field::new("Status", "Status", Picklist).picks(&["Not Started", "In Progress", "Completed", "Deferred"]),
                    Field::new("Priority", "Priority", Picklist).picks(&["High", "Normal", "Low"]),
                ],
                activity_links(),
            ]
            .concat(),
            &[],
            &[],
            &[],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lookup_points_at_a_known_module() {
        for m in MODULES.iter() {
            for f in &m.fields {
                if let Some(LookupTarget::Module(target)) = f.lookup {
                    assert!(module(target).is_some(), "{}.{} -> {target}", m.name, f.api_name);
                }
                assert_eq!(f.lookup.is_some(), f.data_type == DataType::Lookup, "{}.{}", m.name, f.api_name);
            }
            for r in m.related {
                assert!(m.relation(r).is_some(), "{} -> {r}", m.name);
            }
        }
    }

    #[test]
    fn module_names_are_case_insensitive() {
        assert_eq!(module("contacts").map(|m| m.name), Some("Contacts"));
        assert!(module("Widgets").is_none());
    }
}
