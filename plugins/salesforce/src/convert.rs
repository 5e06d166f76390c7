//! Translation between Salesforce's JSON and the contract's neutral types.

use deskpane_plugin_sdk::prelude::*;
use serde_json::{Map, Value as Json};

use crate::time;

/// Salesforce's object (sObject) name of a contract module.
pub fn sobject(module: Module) -> Result<&'static str, ConnectorError> {
    Ok(match module {
        Module::Contacts => "Contact",
        Module::Accounts => "Account",
        Module::Leads => "Lead",
        Module::Products => "Product2",
        Module::Potentials => "Opportunity",
        Module::Notes => "Note",
        Module::Cases => "Case",
        Module::Events => "Event",
        Module::Tasks => "Task",
        Module::Calls => return Err(unsupported("Salesforce logs calls as tasks; it has no calls object")),
        Module::Chats => return Err(unsupported("Salesforce has no chats object")),
    })
}

/// The contract module of an sObject name.
pub fn module_of(sobject: &str) -> Option<Module> {
    Some(match sobject {
        "Contact" => Module::Contacts,
        "Account" => Module::Accounts,
        "Lead" => Module::Leads,
        "Product2" => Module::Products,
        "Opportunity" => Module::Potentials,
        "Note" => Module::Notes,
        "Case" => Module::Cases,
        "Event" => Module::Events,
        "Task" => Module::Tasks,
        _ => return None,
    })
}

/// Objects whose records have a `Name` worth fetching with a reference.
const NAMED: &[&str] = &["Account", "Contact", "Lead", "Opportunity", "Product2"];

/// Types a SOQL query cannot select field by field (compound or binary).
const UNSELECTABLE: &[&str] = &["address", "location", "base64", "complexvalue"];

/// Record bookkeeping rather than data: read for the record's times, not
/// reported as fields.
const SYSTEM_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
    "LastViewedDate",
    "LastReferencedDate",
];

/// One field of an sObject's describe.
#[derive(Debug, Clone, Default)]
pub struct FieldInfo {
    pub name: String,
    pub label: String,
    pub sf_type: String,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub defaulted_on_create: bool,
    pub calculated: bool,
    pub custom: bool,
    pub length: u32,
    pub picklist: Vec<String>,
    pub reference_to: Vec<String>,
    pub relationship: Option<String>,
}

impl FieldInfo {
    fn parse(f: &Json) -> Option<FieldInfo> {
        let flag = |k: &str| f[k].as_bool().unwrap_or(false);
        let strings =
            |k: &str| f[k].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default();
        let name = f["name"].as_str().filter(|n| crate::soql::is_name(n))?.to_string();
        Some(FieldInfo {
            label: f["label"].as_str().map(str::to_string).unwrap_or_else(|| label_of(&name)),
            sf_type: f["type"].as_str().unwrap_or_default().to_string(),
            nillable: f["nillable"].as_bool().unwrap_or(true),
            createable: flag("createable"),
            updateable: flag("updateable"),
            defaulted_on_create: flag("defaultedOnCreate"),
            calculated: flag("calculated") || flag("autoNumber"),
            custom: flag("custom"),
            length: f["length"].as_u64().and_then(|l| u32::try_from(l).ok()).unwrap_or(0),
            picklist: f["picklistValues"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter(|p| p["active"].as_bool().unwrap_or(true))
                        .filter_map(|p| p["value"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            reference_to: strings("referenceTo"),
            relationship: f["relationshipName"].as_str().filter(|r| crate::soql::is_name(r)).map(str::to_string),
            name,
        })
    }

    pub fn field_type(&self) -> FieldType {
        field_type(&self.sf_type, &self.name, &self.reference_to)
    }

    pub fn read_only(&self) -> bool {
        self.calculated || (!self.createable && !self.updateable)
    }

    pub fn meta(&self) -> FieldMeta {
        let text = matches!(self.sf_type.as_str(), "string" | "textarea" | "email" | "phone" | "url" | "encryptedstring" | "combobox");
        FieldMeta {
            name: self.name.clone(),
            label: self.label.clone(),
            field_type: self.field_type(),
            mandatory: !self.nillable && self.createable && !self.defaulted_on_create,
            max_length: Some(self.length).filter(|l| text && *l > 0),
            read_only: self.read_only(),
            custom: self.custom,
            picklist_values: self.picklist.clone(),
        }
    }

    /// The module a reference field points at, when it is one of the contract's.
    fn target(&self) -> Option<Module> {
        match self.reference_to.as_slice() {
            [one] => module_of(one),
            _ => None,
        }
    }

    /// `Account.Name` for `AccountId`: the name to read with a reference.
    pub fn name_path(&self) -> Option<String> {
        let rel = self.relationship.as_ref()?;
        match self.reference_to.as_slice() {
            [one] if NAMED.contains(&one.as_str()) => Some(format!("{rel}.Name")),
            _ => None,
        }
    }
}

/// An sObject's describe: its fields.
#[derive(Debug, Clone, Default)]
pub struct Describe {
    pub fields: Vec<FieldInfo>,
}

impl Describe {
    pub fn parse(body: &Json) -> Describe {
        Describe { fields: body["fields"].as_array().map(|f| f.iter().filter_map(FieldInfo::parse).collect()).unwrap_or_default() }
    }

    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The API name of the field with this label.
    pub fn by_label(&self, label: &str) -> Option<String> {
        self.fields.iter().find(|f| f.label.eq_ignore_ascii_case(label)).map(|f| f.name.clone())
    }

    /// The first field whose API name a message mentions as a word.
    pub fn field_named_in(&self, message: &str) -> Option<String> {
        let words: Vec<&str> = message.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
        self.fields.iter().find(|f| words.contains(&f.name.as_str())).map(|f| f.name.clone())
    }

    /// What a change-feed query selects: every field a query can take,
    /// the names of the references to contract records, bookkeeping last.
    pub fn select_list(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |name: String| {
            if !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                out.push(name);
            }
        };
        for name in ["Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            push(name.to_string());
        }
        for f in &self.fields {
            if UNSELECTABLE.contains(&f.sf_type.as_str()) {
                continue;
            }
            push(f.name.clone());
            if let Some(path) = f.name_path() {
                push(path);
            }
        }
        out
    }
}

pub fn field_type(sf_type: &str, name: &str, reference_to: &[String]) -> FieldType {
    match sf_type {
        "string" | "encryptedstring" | "combobox" => FieldType::Text,
        "textarea" => FieldType::Textarea,
        "email" => FieldType::Email,
        "phone" => FieldType::Phone,
        "url" => FieldType::Url,
        "int" | "long" => FieldType::Integer,
        "double" => FieldType::Decimal,
        "currency" => FieldType::Currency,
        "percent" => FieldType::Percent,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "picklist" => FieldType::Picklist,
        "multipicklist" => FieldType::MultiPicklist,
        "reference" if name == "OwnerId" || (!reference_to.is_empty() && reference_to.iter().all(|t| t == "User" || t == "Group")) => {
            FieldType::User
        }
        "reference" => FieldType::Lookup,
        _ => FieldType::Other,
    }
}

/// A Salesforce JSON value as a contract value, typed by its describe.
/// `record` is the whole record, for the name of a reference.
pub fn typed_value(json: &Json, info: &FieldInfo, record: &Json) -> Value {
    match (info.sf_type.as_str(), json) {
        (_, Json::Null) => Value::Null,
        ("int" | "long", Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Decimal(n.as_f64().unwrap_or(0.0)),
        },
        ("double" | "currency" | "percent", Json::Number(n)) => Value::Decimal(n.as_f64().unwrap_or(0.0)),
        ("date", Json::String(s)) => Value::Date(s.clone()),
        ("datetime", Json::String(s)) => Value::Datetime(time::to_rfc3339(s)),
        ("multipicklist", Json::String(s)) => Value::TextList(s.split(';').filter(|v| !v.is_empty()).map(str::to_string).collect()),
        ("reference", Json::String(id)) => match info.target() {
            Some(module) => {
                let name = info.relationship.as_ref().and_then(|rel| record[rel]["Name"].as_str()).map(str::to_string);
                Value::Reference(RecordRef { module, id: id.clone(), name })
            }
            None => Value::Text(id.clone()),
        },
        _ => shape_value(json),
    }
}

/// A JSON value as a contract value by its shape alone (no describe):
/// dates and Salesforce datetimes are recognised by their text.
pub fn shape_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Decimal(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) if time::is_date(s) => Value::Date(s.clone()),
        Json::String(s) if s.len() >= 19 && time::parse(s).is_some() => Value::Datetime(time::to_rfc3339(s)),
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(items) => Value::TextList(items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect()),
        Json::Object(_) => Value::Text(json.to_string()),
    }
}

/// A contract value as Salesforce JSON: references by id, multi-select
/// picklists `;`-joined.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        Value::Decimal(d) => serde_json::Number::from_f64(*d).map(Json::Number).unwrap_or(Json::Null),
        Value::Boolean(b) => Json::Bool(*b),
        Value::TextList(items) => Json::String(items.join(";")),
        Value::Reference(r) => Json::String(r.id.clone()),
    }
}

/// A Salesforce record as a contract record, fields typed by `describe`.
pub fn to_record(json: &Json, describe: &Describe) -> CrmRecord {
    CrmRecord {
        id: str_field(json, "Id"),
        fields: describe
            .fields
            .iter()
            .filter(|f| !SYSTEM_FIELDS.contains(&f.name.as_str()) && !UNSELECTABLE.contains(&f.sf_type.as_str()))
            .filter(|f| json.get(&f.name).is_some())
            .map(|f| Field { name: f.name.clone(), label: Some(f.label.clone()), value: typed_value(&json[&f.name], f, json) })
            .collect(),
        created_time: str_field(json, "CreatedDate").map(|t| time::to_rfc3339(&t)),
        modified_time: str_field(json, "LastModifiedDate").map(|t| time::to_rfc3339(&t)),
    }
}

/// The body of a record to write: the fields Salesforce takes on this
/// write (`creating` or updating), never a read-only or computed one.
pub fn write_body(sobject: &str, record: &CrmRecord, describe: Option<&Describe>, creating: bool) -> Json {
    let mut object = Map::new();
    object.insert("attributes".into(), serde_json::json!({ "type": sobject }));
    for field in &record.fields {
        let writable = match describe.and_then(|d| d.field(&field.name)) {
            Some(info) => !info.calculated && if creating { info.createable } else { info.updateable },
            // Unknown to describe: Salesforce says INVALID_FIELD for it.
            None => !SYSTEM_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(&field.name)) && !field.name.eq_ignore_ascii_case("attributes"),
        };
        if writable {
            let name = describe.and_then(|d| d.field(&field.name)).map_or(field.name.clone(), |i| i.name.clone());
            object.insert(name, to_json(&field.value));
        }
    }
    if let Some(id) = &record.id {
        object.insert("Id".into(), Json::String(id.clone()));
    }
    Json::Object(object)
}

pub fn str_field(json: &Json, name: &str) -> Option<String> {
    match &json[name] {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value at a parent path such as `Owner.Name` (relationships come
/// back nested).
pub fn at_path<'a>(json: &'a Json, path: &str) -> &'a Json {
    path.split('.').fold(json, |j, part| &j[part])
}

pub fn path_str(json: &Json, path: &str) -> Option<String> {
    at_path(json, path).as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// A label for an API name: `Support_Tier__c` -> `Support Tier`,
/// `MailingCity` -> `Mailing City`, `Account.Industry` -> `Account Industry`.
pub fn label_of(api_name: &str) -> String {
    let base = api_name.strip_suffix("__c").unwrap_or(api_name);
    let mut out = String::with_capacity(base.len() + 4);
    let mut prev: Option<char> = None;
    for c in base.chars() {
        let c = if c == '_' || c == '.' { ' ' } else { c };
        if c.is_ascii_uppercase() && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
            out.push(' ');
        }
        if !(c == ' ' && (prev == Some(' ') || out.ends_with(' '))) {
            out.push(c);
        }
        prev = Some(c);
    }
    out.trim().to_string()
}

/// The JSON of a ContentVersion carrying `file` and published to the
/// record `parent`: its base64 `VersionData` written straight into the
/// body, so a large file is held twice in the sandbox's memory, not four times.
pub fn content_version(file: &File, parent: &str) -> Vec<u8> {
    use base64::Engine as _;
    let title = match file.name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file.name.as_str(),
    };
    let head = format!(
        "{{\"Title\":{},\"PathOnClient\":{},\"FirstPublishLocationId\":{},\"VersionData\":\"",
        Json::from(title),
        Json::from(file.name.as_str()),
        Json::from(parent)
    );
    let mut out = String::with_capacity(head.len() + file.content.len() / 3 * 4 + 8);
    out.push_str(&head);
    base64::engine::general_purpose::STANDARD.encode_string(&file.content, &mut out);
    out.push_str("\"}");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_file_becomes_a_content_version_published_to_the_record() {
        let file = File { name: "sso \"trace\".log.txt".into(), content_type: "text/plain".into(), content: b"hello\n".to_vec() };
        let body: Json = serde_json::from_slice(&content_version(&file, "500000000000001AAA")).unwrap();
        assert_eq!(
            body,
            json!({"Title": "sso \"trace\".log", "PathOnClient": "sso \"trace\".log.txt", "FirstPublishLocationId": "500000000000001AAA", "VersionData": "aGVsbG8K"})
        );
        let dotfile = File { name: ".env".into(), content_type: String::new(), content: Vec::new() };
        let body: Json = serde_json::from_slice(&content_version(&dotfile, "x")).unwrap();
        assert_eq!((body["Title"].as_str(), body["VersionData"].as_str()), (Some(".env"), Some("")));
    }

    fn describe() -> Describe {
        Describe::parse(&json!({"name": "Contact", "fields": [
            {"name": "Id", "label": "Contact ID", "type": "id", "nillable": false, "createable": false, "updateable": false, "defaultedOnCreate": true},
            {"name": "LastName", "label": "Last Name", "type": "string", "nillable": false, "createable": true, "updateable": true, "length": 80},
            {"name": "Name", "label": "Full Name", "type": "string", "nillable": false, "createable": false, "updateable": false, "length": 121},
            {"name": "AccountId", "label": "Account ID", "type": "reference", "nillable": true, "createable": true, "updateable": true, "referenceTo": ["Account"], "relationshipName": "Account"},
            {"name": "OwnerId", "label": "Owner ID", "type": "reference", "nillable": false, "createable": true, "updateable": true, "defaultedOnCreate": true, "referenceTo": ["User"], "relationshipName": "Owner"},
            {"name": "Support_Tier__c", "label": "Support Tier", "type": "picklist", "nillable": true, "createable": true, "updateable": true, "custom": true,
             "picklistValues": [{"value": "Gold", "label": "Gold", "active": true}, {"value": "Tin", "label": "Tin", "active": false}]},
            {"name": "Langs__c", "label": "Languages", "type": "multipicklist", "nillable": true, "createable": true, "updateable": true, "custom": true},
            {"name": "Employees__c", "label": "Employees", "type": "int", "nillable": true, "createable": true, "updateable": true},
            {"name": "Score__c", "label": "Score", "type": "percent", "nillable": true, "createable": true, "updateable": true},
            {"name": "DoNotCall", "label": "Do Not Call", "type": "boolean", "nillable": false, "createable": true, "updateable": true, "defaultedOnCreate": true},
            {"name": "MailingAddress", "label": "Mailing Address", "type": "address", "nillable": true, "createable": false, "updateable": false},
            {"name": "CreatedDate", "label": "Created Date", "type": "datetime", "nillable": false, "createable": false, "updateable": false, "defaultedOnCreate": true},
            {"name": "Bad name", "type": "string"}
        ]}))
    }

    #[test]
    fn salesforce_types_map_to_field_types() {
        let cases = [
            ("string", FieldType::Text),
            ("textarea", FieldType::Textarea),
            ("email", FieldType::Email),
            ("phone", FieldType::Phone),
            ("url", FieldType::Url),
            ("int", FieldType::Integer),
            ("double", FieldType::Decimal),
            ("currency", FieldType::Currency),
            ("percent", FieldType::Percent),
            ("boolean", FieldType::Boolean),
            ("date", FieldType::Date),
            ("datetime", FieldType::Datetime),
            ("picklist", FieldType::Picklist),
            ("multipicklist", FieldType::MultiPicklist),
            ("id", FieldType::Other),
            ("address", FieldType::Other),
        ];
        for (sf, expected) in cases {
            assert_eq!(format!("{:?}", field_type(sf, "X", &[])), format!("{expected:?}"), "{sf}");
        }
        assert!(matches!(field_type("reference", "AccountId", &["Account".into()]), FieldType::Lookup));
        assert!(matches!(field_type("reference", "OwnerId", &["User".into(), "Group".into()]), FieldType::User));
        assert!(matches!(field_type("reference", "CreatedById", &["User".into()]), FieldType::User));
    }

    #[test]
    fn describe_gives_field_metadata() {
        let d = describe();
        assert!(d.field("Bad name").is_none(), "a name that is not an API name is dropped");
        let meta = |n: &str| d.field(n).unwrap().meta();
        let last = meta("LastName");
        assert!(last.mandatory && !last.read_only && last.max_length == Some(80) && !last.custom);
        assert!(meta("Name").read_only && !meta("Name").mandatory);
        assert!(!meta("OwnerId").mandatory, "defaulted on create");
        assert!(!meta("DoNotCall").mandatory && meta("DoNotCall").max_length.is_none());
        let tier = meta("Support_Tier__c");
        assert!(tier.custom && tier.picklist_values == ["Gold"]);
        assert_eq!(d.by_label("last name").as_deref(), Some("LastName"));
        let select = d.select_list();
        assert!(select.contains(&"Account.Name".to_string()) && !select.contains(&"Owner.Name".to_string()));
        assert!(!select.contains(&"MailingAddress".to_string()));
        assert_eq!(select.iter().filter(|s| *s == "CreatedDate").count(), 1);
    }

    #[test]
    fn records_are_typed_by_describe() {
        let d = describe();
        let json = json!({
            "attributes": {"type": "Contact", "url": "/services/data/v62.0/sobjects/Contact/003000000000001AAA"},
            "Id": "003000000000001AAA", "LastName": "Lovelace", "Name": "Ada Lovelace",
            "AccountId": "001000000000001AAA", "Account": {"attributes": {"type": "Account"}, "Name": "Analytical Engines"},
            "OwnerId": "005000000000001AAA", "Support_Tier__c": "Gold", "Langs__c": "en;fr", "Employees__c": 12,
            "Score__c": 12.5, "DoNotCall": false, "CreatedDate": "2026-11-20T08:00:00.000+0000",
            "LastModifiedDate": "2026-11-21T09:30:00.000+0000"
        });
        let r = to_record(&json, &d);
        assert_eq!(r.id.as_deref(), Some("003000000000001AAA"));
        assert_eq!(r.created_time.as_deref(), Some("2026-11-20T08:00:00Z"));
        assert_eq!(r.modified_time.as_deref(), Some("2026-11-21T09:30:00Z"));
        let v = |n: &str| format!("{:?}", r.fields.iter().find(|f| f.name == n).map(|f| &f.value));
        assert!(v("AccountId").contains("Accounts") && v("AccountId").contains("Analytical Engines"));
        assert_eq!(v("OwnerId"), format!("{:?}", Some(&Value::Text("005000000000001AAA".into()))));
        assert_eq!(v("Langs__c"), format!("{:?}", Some(&Value::TextList(vec!["en".into(), "fr".into()]))));
        assert_eq!(v("Employees__c"), format!("{:?}", Some(&Value::Integer(12))));
        assert_eq!(v("Score__c"), format!("{:?}", Some(&Value::Decimal(12.5))));
        assert_eq!(v("DoNotCall"), format!("{:?}", Some(&Value::Boolean(false))));
        assert_eq!(v("CreatedDate"), "None", "bookkeeping is not a field");
        assert!(r.fields.iter().all(|f| f.label.is_some()));
    }

    #[test]
    fn writes_leave_out_read_only_fields() {
        let d = describe();
        let record = CrmRecord {
            id: None,
            fields: vec![
                Field { name: "LastName".into(), label: None, value: Value::Text("Lovelace".into()) },
                Field { name: "Name".into(), label: None, value: Value::Text("Ada Lovelace".into()) },
                Field { name: "CreatedDate".into(), label: None, value: Value::Datetime("2026-11-21T09:30:00Z".into()) },
                Field {
                    name: "accountid".into(),
                    label: None,
                    value: Value::Reference(RecordRef { module: Module::Accounts, id: "001000000000001AAA".into(), name: None }),
                },
                Field { name: "Langs__c".into(), label: None, value: Value::TextList(vec!["en".into(), "fr".into()]) },
                Field { name: "Unknown__c".into(), label: None, value: Value::Null },
            ],
            created_time: None,
            modified_time: None,
        };
        let body = write_body("Contact", &record, Some(&d), true);
        assert_eq!(
            body,
            json!({"attributes": {"type": "Contact"}, "LastName": "Lovelace", "AccountId": "001000000000001AAA", "Langs__c": "en;fr", "Unknown__c": null})
        );
        let update = CrmRecord { id: Some("003000000000001AAA".into()), ..record };
        assert_eq!(write_body("Contact", &update, None, false)["Id"], "003000000000001AAA");
        assert!(write_body("Contact", &update, None, false).get("CreatedDate").is_none());
    }

    #[test]
    fn shapes_and_labels() {
        assert!(matches!(shape_value(&json!("2026-11-21")), Value::Date(_)));
        assert!(matches!(shape_value(&json!("2026-11-21T09:30:00.000+0000")), Value::Datetime(t) if t == "2026-11-21T09:30:00Z"));
        assert!(matches!(shape_value(&json!("Gold")), Value::Text(_)));
        assert_eq!(label_of("Support_Tier__c"), "Support Tier");
        assert_eq!(label_of("MailingCity"), "Mailing City");
        assert_eq!(label_of("Account.Industry"), "Account Industry");
        assert_eq!(label_of("NumberOfEmployees"), "Number Of Employees");
        assert_eq!(at_path(&json!({"Owner": {"Name": "Grace"}}), "Owner.Name"), "Grace");
        assert!(at_path(&json!({"Owner": null}), "Owner.Name").is_null());
    }
}
