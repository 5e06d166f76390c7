//! The static schema: the emulated sObjects and their fields. Describe,
//! validation, SOQL and rendering all read it, so the README's object list
//! lives in exactly this one place.

use std::sync::LazyLock;

use serde_json::{json, Value};

// Double and Multipicklist are types describe may report and every check
// handles, though no emulated field uses them yet.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Int,
    Double,
    Currency,
    Percent,
    Boolean,
    Date,
    Datetime,
    Picklist,
    Multipicklist,
    Reference,
    /// Binary data (`VersionData`): written as base64, read as a URL.
    Base64,
}

impl FieldType {
    /// The `type` describe reports.
    pub fn api_name(self) -> &'static str {
        use FieldType::*;
        match self {
            Id => "id",
            String => "string",
            Textarea => "textarea",
            Email => "email",
            Phone => "phone",
            Url => "url",
            Int => "int",
            Double => "double",
            Currency => "currency",
            Percent => "percent",
            Boolean => "boolean",
            Date => "date",
            Datetime => "datetime",
            Picklist => "picklist",
            Multipicklist => "multipicklist",
            Reference => "reference",
            Base64 => "base64",
        }
    }

    fn soap_type(self) -> &'static str {
        use FieldType::*;
        match self {
            Id | Reference => "tns:ID",
            Int => "xsd:int",
            Double | Currency | Percent => "xsd:double",
            Boolean => "xsd:boolean",
            Date => "xsd:date",
            Datetime => "xsd:dateTime",
            Base64 => "xsd:base64Binary",
            _ => "xsd:string",
        }
    }

    fn default_length(self) -> u32 {
        use FieldType::*;
        match self {
            Id | Reference => 18,
            String | Url | Picklist => 255,
            Textarea => 32000,
            Email => 80,
            Phone => 40,
            Multipicklist => 4099,
            _ => 0,
        }
    }

    /// Values held as strings (compared case-insensitively in SOQL).
    pub fn is_text(self) -> bool {
        use FieldType::*;
        matches!(self, Id | String | Textarea | Email | Phone | Url | Picklist | Multipicklist | Reference)
    }

    pub fn is_number(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent)
    }

    /// Ids: compared exactly, and 15-character forms are widened.
    pub fn is_id(self) -> bool {
        matches!(self, FieldType::Id | FieldType::Reference)
    }
}

/// How a field gets its value when a create leaves it out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    None,
    Text(&'static str),
    Bool(bool),
    /// The acting user (`OwnerId`).
    CurrentUser,
    /// The record's own id (a custom object's text `Name`).
    OwnId,
    /// The next number of a sequence (`CaseNumber`).
    AutoNumber,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub ftype: FieldType,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub default: Default,
    pub reference_to: &'static [&'static str],
    pub relationship: Option<&'static str>,
    pub picklist: &'static [&'static str],
    /// A restricted picklist: a value it does not list is refused
    /// (`INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`).
    pub restricted: bool,
    pub external_id: bool,
    pub unique: bool,
}

impl Field {
    fn new(name: &'static str, label: &'static str, ftype: FieldType) -> Field {
        Field {
            name,
            label,
            ftype,
            length: ftype.default_length(),
            nillable: ftype != FieldType::Boolean,
            createable: true,
            updateable: true,
            default: if ftype == FieldType::Boolean { Default::Bool(false) } else { Default::None },
            reference_to: &[],
            relationship: None,
            picklist: &[],
            restricted: false,
            external_id: false,
            unique: false,
        }
    }
    fn required(mut self) -> Field {
        self.nillable = false;
        self
    }
    fn len(mut self, length: u32) -> Field {
        self.length = length;
        self
    }
    fn read_only(mut self) -> Field {
        self.createable = false;
        self.updateable = false;
        self
    }
    fn create_only(mut self) -> Field {
        self.updateable = false;
        self
    }
    fn refs(mut self, to: &'static [&'static str], relationship: &'static str) -> Field {
        self.reference_to = to;
        self.relationship = Some(relationship);
        self
    }
    fn picks(mut self, values: &'static [&'static str]) -> Field {
        self.picklist = values;
        self
    }
    /// Only the listed values are taken (exactly as listed).
    fn restricted(mut self) -> Field {
        self.restricted = true;
        self
    }
    fn default(mut self, default: Default) -> Field {
        self.default = default;
        self
    }
    fn unique(mut self) -> Field {
        self.unique = true;
        self
    }
    fn external_id(mut self) -> Field {
        self.external_id = true;
        self
    }

    pub fn custom(&self) -> bool {
        self.name.ends_with("__c")
    }

    /// A create must give it: not nillable, writable and not defaulted.
    pub fn required_on_create(&self) -> bool {
        !self.nillable && self.createable && self.default == Default::None
    }

    /// Points at more than one object: relationship paths through it reach
    /// Salesforce's `Name` pseudo-object.
    pub fn polymorphic(&self) -> bool {
        self.reference_to.len() > 1
    }

    /// One entry of describe's `fields`.
    pub fn describe(&self) -> Value {
        let picklist: Vec<Value> = self
            .picklist
            .iter()
            .map(|v| json!({"value": v, "label": v, "active": true, "defaultValue": false, "validFor": null}))
            .collect();
        let (precision, scale) = match self.ftype {
            FieldType::Currency | FieldType::Double => (18, 2),
            FieldType::Percent => (3, 0),
            _ => (0, 0),
        };
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.ftype.api_name(),
            "soapType": self.ftype.soap_type(),
            "length": self.length,
            "precision": precision,
            "scale": scale,
            "digits": if self.ftype == FieldType::Int { 9 } else { 0 },
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "custom": self.custom(),
            "defaultedOnCreate": self.default != Default::None,
            "calculated": false,
            "autoNumber": self.default == Default::AutoNumber,
            "filterable": !matches!(self.ftype, FieldType::Textarea | FieldType::Base64),
            "sortable": !matches!(self.ftype, FieldType::Textarea | FieldType::Base64),
            "groupable": !matches!(self.ftype, FieldType::Textarea | FieldType::Base64),
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship,
            "polymorphicForeignKey": self.polymorphic(),
            "picklistValues": picklist,
            "restrictedPicklist": self.restricted,
            "externalId": self.external_id,
            "unique": self.unique,
            "idLookup": self.ftype == FieldType::Id || self.external_id,
            "caseSensitive": false,
            "nameField": self.name == "Name",
            "htmlFormatted": false,
        })
    }
}

#[derive(Debug)]
pub struct SObject {
    pub name: &'static str,
    pub label: &'static str,
    pub plural: &'static str,
    pub prefix: &'static str,
    pub fields: Vec<Field>,
    /// `Name` is computed from `FirstName` and `LastName`.
    pub person_name: bool,
}

impl SObject {
    /// A field by name, case-insensitively (as Salesforce matches them).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The reference field behind a relationship name (`Account` -> `AccountId`).
    pub fn relationship(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.relationship.is_some_and(|r| r.eq_ignore_ascii_case(name)))
    }

    pub fn custom(&self) -> bool {
        self.name.ends_with("__c")
    }

    pub fn url(&self, version: &str) -> String {
        format!("/services/data/{version}/sobjects/{}", self.name)
    }

    /// The answer of `GET /sobjects/{Type}/describe`.
    pub fn describe(&self, version: &str) -> Value {
        let mut body = self.summary(version);
        body["fields"] = Value::Array(self.fields.iter().map(Field::describe).collect());
        body["childRelationships"] = json!([]);
        body["recordTypeInfos"] = json!([]);
        body
    }

    /// The entry of the global describe (`GET /sobjects`).
    pub fn summary(&self, version: &str) -> Value {
        let url = self.url(version);
        json!({
            "name": self.name,
            "label": self.label,
            "labelPlural": self.plural,
            "keyPrefix": self.prefix,
            "custom": self.custom(),
            "createable": true,
            "updateable": true,
            "deletable": true,
            "undeletable": true,
            "queryable": true,
            "retrieveable": true,
            "searchable": true,
            "replicateable": true,
            "layoutable": true,
            "urls": {
                "sobject": url,
                "describe": format!("{url}/describe"),
                "rowTemplate": format!("{url}/{{ID}}"),
                "listviews": format!("{url}/listviews"),
            },
        })
    }
}

/// The `Name` pseudo-object's fields: what a path through a polymorphic
/// relationship (`Who.Name`, `What.Name`, `Parent.Name`) may name.
pub const NAME_OBJECT_FIELDS: &[&str] = &["Id", "Name", "Type", "FirstName", "LastName", "Email", "Phone", "Title", "Username", "IsActive"];

const LEAD_SOURCE: &[&str] = &["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
const CUSTOMER_TYPE: &[&str] = &["Enterprise", "SMB", "Partner", "Prospect"];
const PRIORITY: &[&str] = &["High", "Normal", "Low"];
/// Task's standard subtypes (API names).
const TASK_SUBTYPES: &[&str] = &["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"];
const OWNERS: &[&str] = &["User"];
const QUEUE_OR_USER: &[&str] = &["Group", "User"];
/// What a file (ContentDocument) can be shared with and published to.
pub const FILE_LOCATIONS: &[&str] =
    &["Account", "Case", "Contact", "Deskpane_Subscription__c", "Event", "Lead", "Opportunity", "Product2", "Task", "User"];

use FieldType as T;

fn text(name: &'static str, label: &'static str) -> Field {
    Field::new(name, label, T::String)
}

fn object(
    name: &'static str,
    label: &'static str,
    plural: &'static str,
    prefix: &'static str,
    owner: Option<&'static [&'static str]>,
    mut fields: Vec<Field>,
) -> SObject {
    let person_name = fields.iter().any(|f| f.name == "FirstName");
    let mut all = vec![Field::new("Id", "Record ID", T::Id).required().read_only()];
    if let Some(to) = owner {
        all.push(Field::new("OwnerId", "Owner ID", T::Reference).required().refs(to, "Owner").default(Default::CurrentUser));
    }
    all.append(&mut fields);
    all.extend([
        Field::new("IsDeleted", "Deleted", T::Boolean).read_only(),
        Field::new("CreatedDate", "Created Date", T::Datetime).required().read_only(),
        Field::new("CreatedById", "Created By ID", T::Reference).required().read_only().refs(OWNERS, "CreatedBy"),
        Field::new("LastModifiedDate", "Last Modified Date", T::Datetime).required().read_only(),
        Field::new("LastModifiedById", "Last Modified By ID", T::Reference).required().read_only().refs(OWNERS, "LastModifiedBy"),
        Field::new("SystemModstamp", "System Modstamp", T::Datetime).required().read_only(),
    ]);
    SObject { name, label, plural, prefix, fields: all, person_name }
}

pub static OBJECTS: LazyLock<Vec<SObject>> = LazyLock::new(|| {
    let person = |last_len: u32| {
        vec![
            Field::new("Name", "Full Name", T::String).len(121).read_only(),
            text("FirstName", "First Name").len(40),
            text("LastName", "Last Name").len(last_len).required(),
        ]
    };
    let activity = || {
        vec![
            Field::new("WhoId", "Name ID", T::Reference).refs(&["Contact", "Lead"], "Who"),
            Field::new("WhatId", "Related To ID", T::Reference).refs(&["Account", "Opportunity", "Case", "Product2"], "What"),
            text("Subject", "Subject"),
            Field::new("ActivityDate", "Due Date Only", T::Date),
            Field::new("Description", "Description", T::Textarea),
        ]
    };
    vec![
        object("User", "User", "Users", "005", None, {
            let mut f = person(80);
            f.extend([
                Field::new("Email", "Email", T::Email).len(128).required(),
                text("Username", "Username").len(80).required().unique(),
                Field::new("IsActive", "Active", T::Boolean).default(Default::Bool(true)),
            ]);
            f
        }),
        object(
            "Account",
            "Account",
            "Accounts",
            "001",
            Some(OWNERS),
            vec![
                text("Name", "Account Name").required(),
                Field::new("Phone", "Account Phone", T::Phone),
                Field::new("Website", "Website", T::Url),
                Field::new("Industry", "Industry", T::Picklist).picks(&[
                    "Agriculture",
                    "Banking",
                    "Consulting",
                    "Education",
                    "Energy",
                    "Healthcare",
                    "Hospitality",
                    "Manufacturing",
                    "Media",
                    "Retail",
                    "Technology",
                    "Transportation",
                    "Other",
                ]),
                Field::new("NumberOfEmployees", "Employees", T::Int),
                Field::new("AnnualRevenue", "Annual Revenue", T::Currency),
                Field::new("Type", "Account Type", T::Picklist).picks(&["Customer", "Partner", "Prospect", "Reseller", "Other"]),
                text("BillingCity", "Billing City").len(40),
                text("BillingCountry", "Billing Country").len(80),
                Field::new("Description", "Account Description", T::Textarea),
                Field::new("Customer_Type__c", "Customer Type", T::Picklist).picks(CUSTOMER_TYPE),
                text("External_Id__c", "External ID").external_id(),
            ],
        ),
        object("Contact", "Contact", "Contacts", "003", Some(OWNERS), {
            let mut f = person(80);
            f.extend([
                Field::new("Email", "Email", T::Email),
                Field::new("Phone", "Business Phone", T::Phone),
                Field::new("MobilePhone", "Mobile Phone", T::Phone),
                text("Title", "Title").len(128),
                text("Department", "Department").len(80),
                Field::new("AccountId", "Account ID", T::Reference).refs(&["Account"], "Account"),
                Field::new("Description", "Contact Description", T::Textarea),
                text("MailingCity", "Mailing City").len(40),
                text("MailingCountry", "Mailing Country").len(80),
                Field::new("LeadSource", "Lead Source", T::Picklist).picks(LEAD_SOURCE),
                Field::new("Customer_Type__c", "Customer Type", T::Picklist).picks(CUSTOMER_TYPE),
                Field::new("Support_Tier__c", "Support Tier", T::Picklist).picks(&["Gold", "Silver", "Bronze"]),
                text("External_Id__c", "External ID").external_id(),
                // A unique custom field, as orgs define them: a second
                // contact with the same value is DUPLICATE_VALUE.
                text("Badge_Number__c", "Badge Number").len(20).unique(),
            ]);
            f
        }),
        object("Lead", "Lead", "Leads", "00Q", Some(QUEUE_OR_USER), {
            let mut f = person(80);
            f.extend([
                text("Company", "Company").required(),
                Field::new("Email", "Email", T::Email),
                Field::new("Phone", "Phone", T::Phone),
                text("Title", "Title").len(128),
                Field::new("Status", "Lead Status", T::Picklist)
                    .picks(&["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"])
                    .required()
                    .default(Default::Text("Open - Not Contacted")),
                Field::new("LeadSource", "Lead Source", T::Picklist).picks(LEAD_SOURCE),
            ]);
            f
        }),
        object(
            "Opportunity",
            "Opportunity",
            "Opportunities",
            "006",
            Some(OWNERS),
            vec![
                text("Name", "Name").len(120).required(),
                Field::new("StageName", "Stage", T::Picklist).required().picks(&[
                    "Prospecting",
                    "Qualification",
                    "Needs Analysis",
                    "Value Proposition",
                    "Id. Decision Makers",
                    "Perception Analysis",
                    "Proposal/Price Quote",
                    "Negotiation/Review",
                    "Closed Won",
                    "Closed Lost",
                ]),
                Field::new("Amount", "Amount", T::Currency),
                Field::new("CloseDate", "Close Date", T::Date).required(),
                Field::new("AccountId", "Account ID", T::Reference).refs(&["Account"], "Account"),
                Field::new("Probability", "Probability (%)", T::Percent),
            ],
        ),
        object(
            "OpportunityContactRole",
            "Contact Role",
            "Contact Roles",
            "00K",
            None,
            vec![
                Field::new("OpportunityId", "Opportunity ID", T::Reference).required().refs(&["Opportunity"], "Opportunity"),
                Field::new("ContactId", "Contact ID", T::Reference).required().refs(&["Contact"], "Contact"),
                Field::new("Role", "Role", T::Picklist).picks(&[
                    "Business User",
                    "Decision Maker",
                    "Economic Buyer",
                    "Economic Decision Maker",
                    "Evaluator",
                    "Executive Sponsor",
                    "Influencer",
                    "Technical Buyer",
                    "Other",
                ]),
                Field::new("IsPrimary", "Primary", T::Boolean),
            ],
        ),
        object(
            "Note",
            "Note",
            "Notes",
            "002",
            Some(OWNERS),
            vec![
                Field::new("ParentId", "Parent ID", T::Reference)
                    .required()
                    .refs(&["Account", "Contact", "Lead", "Opportunity", "Case"], "Parent"),
                text("Title", "Title").len(80).required(),
                Field::new("Body", "Body", T::Textarea),
                Field::new("IsPrivate", "Private", T::Boolean),
            ],
        ),
        object("Task", "Task", "Tasks", "00T", Some(QUEUE_OR_USER), {
            let mut f = activity();
            f.extend([
                Field::new("Status", "Status", T::Picklist)
                    .picks(&["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"])
                    .required()
                    .default(Default::Text("Not Started")),
                Field::new("Priority", "Priority", T::Picklist).picks(PRIORITY).required().default(Default::Text("Normal")),
                // A logged call is a Task of subtype Call with the call
                // fields (Salesforce has no calls object). The subtype is
                // set on create only, as in Salesforce.
                Field::new("TaskSubtype", "Task Subtype", T::Picklist)
                    .len(40)
                    .picks(TASK_SUBTYPES)
                    .restricted()
                    .create_only()
                    .default(Default::Text("Task")),
                Field::new("CallType", "Call Type", T::Picklist).len(40).picks(&["Internal", "Inbound", "Outbound"]).restricted(),
                Field::new("CallDurationInSeconds", "Call Duration", T::Int),
                text("CallDisposition", "Call Result"),
                text("CallObject", "Call Object Identifier"),
            ]);
            f
        }),
        object("Event", "Event", "Events", "00U", Some(QUEUE_OR_USER), {
            let mut f = activity();
            f.extend([
                Field::new("StartDateTime", "Start Date Time", T::Datetime).required(),
                Field::new("EndDateTime", "End Date Time", T::Datetime).required(),
                text("Location", "Location"),
            ]);
            f
        }),
        object(
            "Case",
            "Case",
            "Cases",
            "500",
            Some(QUEUE_OR_USER),
            vec![
                text("CaseNumber", "Case Number").len(30).read_only().default(Default::AutoNumber),
                Field::new("ContactId", "Contact ID", T::Reference).refs(&["Contact"], "Contact"),
                Field::new("AccountId", "Account ID", T::Reference).refs(&["Account"], "Account"),
                text("Subject", "Subject"),
                Field::new("Status", "Status", T::Picklist)
                    .picks(&["New", "Working", "Escalated", "Closed"])
                    .required()
                    .default(Default::Text("New")),
                Field::new("Priority", "Priority", T::Picklist).picks(&["High", "Medium", "Low"]),
                Field::new("Origin", "Case Origin", T::Picklist).picks(&["Phone", "Email", "Web"]),
                Field::new("Description", "Description", T::Textarea),
            ],
        ),
        object(
            "Product2",
            "Product",
            "Products",
            "01t",
            None,
            vec![
                text("Name", "Product Name").required(),
                text("ProductCode", "Product Code"),
                Field::new("Description", "Product Description", T::Textarea).len(4000),
                Field::new("Family", "Product Family", T::Picklist).picks(&["Hardware", "Software", "Services"]),
                Field::new("IsActive", "Active", T::Boolean),
            ],
        ),
        // Salesforce Files: a ContentVersion (one version of the file,
        // holding its bytes) of a ContentDocument (the file), shared with
        // records and users through ContentDocumentLinks.
        object(
            "ContentDocument",
            "Content Document",
            "Content Documents",
            "069",
            Some(OWNERS),
            vec![
                text("Title", "Title").required(),
                Field::new("Description", "Description", T::Textarea),
                text("FileType", "File Type").len(20).read_only(),
                text("FileExtension", "File Extension").len(40).read_only(),
                Field::new("ContentSize", "Size", T::Int).read_only(),
                Field::new("LatestPublishedVersionId", "Latest Published Version ID", T::Reference)
                    .read_only()
                    .refs(&["ContentVersion"], "LatestPublishedVersion"),
                Field::new("PublishStatus", "Publish Status", T::Picklist).picks(&["U", "P", "R"]).read_only(),
                Field::new("SharingOption", "File Sharing Option", T::Picklist).picks(&["A", "R"]).read_only(),
                Field::new("SharingPrivacy", "File Privacy on Records", T::Picklist).picks(&["N", "P"]).read_only(),
                Field::new("IsArchived", "Is Archived", T::Boolean).read_only(),
                Field::new("ContentModifiedDate", "Content Modified Date", T::Datetime).read_only(),
            ],
        ),
        object(
            "ContentVersion",
            "Content Version",
            "Content Versions",
            "068",
            Some(OWNERS),
            vec![
                // A new version of an existing document is not emulated: the
                // document is always created with its first version.
                Field::new("ContentDocumentId", "Content Document ID", T::Reference)
                    .read_only()
                    .refs(&["ContentDocument"], "ContentDocument"),
                Field::new("IsLatest", "Is Latest", T::Boolean).read_only(),
                Field::new("ContentUrl", "Content URL", T::Url).len(1300).read_only(),
                text("VersionNumber", "Version Number").len(20).read_only(),
                text("Title", "Title").required(),
                Field::new("Description", "Description", T::Textarea),
                text("PathOnClient", "Path On Client").len(500).create_only(),
                Field::new("ContentLocation", "Content Location", T::Picklist).picks(&["S", "E", "L"]).create_only(),
                Field::new("Origin", "Content Origin", T::Picklist).picks(&["C", "H"]).create_only(),
                Field::new("SharingOption", "File Sharing Option", T::Picklist).picks(&["A", "R"]),
                Field::new("SharingPrivacy", "File Privacy on Records", T::Picklist).picks(&["N", "P"]),
                Field::new("FirstPublishLocationId", "First Publish Location ID", T::Reference)
                    .create_only()
                    .refs(FILE_LOCATIONS, "FirstPublishLocation"),
                Field::new("VersionData", "Version Data", T::Base64).create_only(),
                text("FileType", "File Type").len(20).read_only(),
                text("FileExtension", "File Extension").len(40).read_only(),
                Field::new("ContentSize", "Size", T::Int).read_only(),
                Field::new("ContentModifiedDate", "Content Modified Date", T::Datetime).read_only(),
            ],
        ),
        object(
            "ContentDocumentLink",
            "Content Document Link",
            "Content Document Links",
            "06A",
            None,
            vec![
                Field::new("ContentDocumentId", "Content Document ID", T::Reference)
                    .required()
                    .create_only()
                    .refs(&["ContentDocument"], "ContentDocument"),
                Field::new("LinkedEntityId", "Linked Entity ID", T::Reference)
                    .required()
                    .create_only()
                    .refs(FILE_LOCATIONS, "LinkedEntity"),
                Field::new("ShareType", "Share Type", T::Picklist).picks(&["V", "C", "I"]).required().default(Default::Text("V")),
                Field::new("Visibility", "Visibility", T::Picklist)
                    .picks(&["AllUsers", "InternalUsers", "SharedUsers"])
                    .required()
                    .default(Default::Text("AllUsers")),
            ],
        ),
        object(
            "Deskpane_Subscription__c",
            "Deskpane Subscription",
            "Deskpane Subscriptions",
            "a0D",
            Some(OWNERS),
            vec![
                text("Name", "Deskpane Subscription Name").len(80).required().default(Default::OwnId),
                Field::new("Callback_Url__c", "Callback URL", T::Url).unique(),
                text("Token__c", "Token"),
                text("Objects__c", "Objects"),
            ],
        ),
    ]
});

/// An object by API name, case-insensitively.
pub fn object_named(name: &str) -> Option<&'static SObject> {
    OBJECTS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The object an id belongs to, by its key prefix.
pub fn object_of_id(id: &str) -> Option<&'static SObject> {
    OBJECTS.iter().find(|o| id.starts_with(o.prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_has_system_fields_and_a_unique_prefix() {
        for object in OBJECTS.iter() {
            for name in ["Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "SystemModstamp"] {
                assert!(object.field(name).is_some(), "{}.{name}", object.name);
            }
            assert_eq!(OBJECTS.iter().filter(|o| o.prefix == object.prefix).count(), 1);
        }
        let contact = object_named("contact").unwrap();
        assert_eq!(contact.relationship("account").unwrap().name, "AccountId");
        assert!(contact.field("LastName").unwrap().required_on_create());
        assert!(!contact.field("OwnerId").unwrap().required_on_create());
        assert!(object_named("Task").unwrap().relationship("Who").unwrap().polymorphic());
        let subtype = object_named("Task").unwrap().field("tasksubtype").unwrap();
        assert!(subtype.restricted && subtype.createable && !subtype.updateable && !subtype.required_on_create());
        assert!(object_named("Event").unwrap().field("CallType").is_none(), "call fields are Task's");
        assert_eq!(object_of_id("00Q5g0000000001AAA").unwrap().name, "Lead");
    }
}
