//! Salesforce Files: creating a ContentVersion (`VersionData` in base64)
//! creates its ContentDocument and links the document to the owner and to
//! the record it is first published to (`FirstPublishLocationId`). The
//! bytes are kept beside the records and served at the version's
//! `VersionData` URL.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{Mode, Record, Store};
use crate::error::RecordError;
use crate::schema::{object_named, SObject, FILE_LOCATIONS};
use crate::util::normalize_id;

/// Standard base64, padded or not (line breaks and spaces are dropped first).
const BASE64: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

fn object(name: &str) -> &'static SObject {
    object_named(name).unwrap_or_else(|| panic!("{name} is emulated"))
}

/// Where a version's bytes are served.
pub fn version_data_url(version: &str, id: &str) -> String {
    format!("/services/data/{version}/sobjects/ContentVersion/{id}/VersionData")
}

/// The JSON token a value starts with, as Salesforce's parser names it.
fn token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// `VersionData`'s bytes; None when it is absent, null or empty.
fn version_data(value: Option<&Value>) -> Result<Option<Vec<u8>>, RecordError> {
    let refused = |value: &Value, shown: &str| {
        RecordError::JsonParser(format!(
            "Cannot deserialize instance of base64 from {} value {shown} or request may be missing a required field",
            token(value)
        ))
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(value @ Value::String(text)) => {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            BASE64.decode(&compact).map(Some).map_err(|_| {
                let shown: String = text.chars().take(24).collect();
                refused(value, &if shown.len() < text.len() { format!("{shown}...") } else { shown })
            })
        }
        Some(other) => Err(refused(other, &other.to_string())),
    }
}

/// The file name of a client path (`C:\docs\a.pdf`, `/tmp/a.pdf`, `a.pdf`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// `FileExtension`: after the last dot of the file name, lower case.
fn extension(name: &str) -> Option<String> {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext.to_ascii_lowercase()),
        _ => None,
    }
}

/// `FileType`, as Salesforce derives it from the extension.
fn file_type(extension: Option<&str>) -> &'static str {
    match extension.unwrap_or_default() {
        "pdf" => "PDF",
        "txt" => "TEXT",
        "csv" => "CSV",
        "rtf" => "RTF",
        "xml" => "XML",
        "htm" | "html" => "HTML",
        "jpg" | "jpeg" => "JPG",
        "png" => "PNG",
        "gif" => "GIF",
        "bmp" => "BMP",
        "zip" => "ZIP",
        "doc" => "WORD",
        "docx" => "WORD_X",
        "xls" => "EXCEL",
        "xlsx" => "EXCEL_X",
        "ppt" => "POWER_POINT",
        "pptx" => "POWER_POINT_X",
        "mp3" => "MP3",
        "mp4" => "MP4",
        _ => "UNKNOWN",
    }
}

impl Store {
    /// `POST /sobjects/ContentVersion`: checks the version as the API
    /// would, then writes the document, the version (its bytes kept) and
    /// the document's links to the owner and to `FirstPublishLocationId`.
    /// Runs inside the caller's transaction.
    pub(super) fn create_version(&mut self, input: &Map<String, Value>, user: &str) -> Result<String, RecordError> {
        let key = |name: &str| input.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned();
        let mut given = input.clone();
        let data = version_data(key("VersionData").and_then(|k| given.remove(&k)).as_ref())?;
        let location = key("FirstPublishLocationId").and_then(|k| given.remove(&k)).filter(|v| !v.is_null() && v != "");
        let version_object = object("ContentVersion");
        // Unknown fields, fields the API may not write, values of the wrong type.
        let mut fields = self.checked(version_object, &given, Mode::Api, true)?;
        if let Some(Value::String(value)) = fields.get("ContentLocation") {
            // Only files stored in Salesforce are emulated.
            if value != "S" {
                let value = value.clone();
                return Err(RecordError::RestrictedPicklist { field: "ContentLocation".into(), label: "Content Location".into(), value });
            }
        }
        let path = fields.get("PathOnClient").and_then(Value::as_str).map(str::to_string);
        let missing: Vec<String> = [("PathOnClient", path.is_none()), ("VersionData", data.is_none())]
            .iter()
            .filter(|(_, missing)| *missing)
            .map(|(name, _)| name.to_string())
            .collect();
        let (Some(path), Some(bytes)) = (path, data) else { return Err(RecordError::RequiredMissing(missing)) };

        // Published to a live record a file can be shared with, or to the
        // writer's own library (their user id, the default).
        let location = match location {
            None => None,
            Some(value) => {
                let raw = match &value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let target = normalize_id(&raw).and_then(|id| self.records.get(&id)).filter(|r| {
                    r.deleted.is_none() && FILE_LOCATIONS.contains(&r.object.name) && (r.object.name != "User" || r.id == user)
                });
                match target {
                    Some(record) if record.object.name == "User" => None,
                    Some(record) => Some(record.id.clone()),
                    None => {
                        return Err(RecordError::FieldIntegrity {
                            field: "FirstPublishLocationId".into(),
                            message: format!("First Publish Location ID: id value of incorrect type: {raw}"),
                        })
                    }
                }
            }
        };

        let name = file_name(&path).to_string();
        let extension = extension(&name);
        let title = match fields.get("Title").and_then(Value::as_str) {
            Some(title) => title.to_string(),
            None => match name.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                _ => name.clone(),
            },
        };
        let derived = json!({
            "FileType": file_type(extension.as_deref()),
            "FileExtension": extension,
            "ContentSize": bytes.len(),
            "SharingOption": fields.get("SharingOption").filter(|v| !v.is_null()).cloned().unwrap_or(json!("A")),
            "SharingPrivacy": fields.get("SharingPrivacy").filter(|v| !v.is_null()).cloned().unwrap_or(json!("N")),
        });
        let derived = derived.as_object().expect("an object");

        let mut document: Map<String, Value> = derived.clone();
        document.insert("Title".into(), json!(title));
        document.insert("Description".into(), fields.get("Description").cloned().unwrap_or(Value::Null));
        document.insert("PublishStatus".into(), json!(if location.is_some() { "P" } else { "R" }));
        document.insert("IsArchived".into(), json!(false));
        let document_id = self.insert(object("ContentDocument"), &document, user.to_string(), Mode::Seed)?;

        fields.extend(derived.clone());
        fields.insert("Title".into(), json!(title));
        fields.insert("ContentDocumentId".into(), json!(document_id));
        fields.insert("IsLatest".into(), json!(true));
        fields.insert("VersionNumber".into(), json!("1"));
        fields.insert("ContentLocation".into(), json!("S"));
        if fields.get("Origin").is_none_or(Value::is_null) {
            fields.insert("Origin".into(), json!("C"));
        }
        fields.insert("FirstPublishLocationId".into(), json!(location.clone().unwrap_or_else(|| user.to_string())));
        // A placeholder: the URL needs the version's id.
        fields.insert("VersionData".into(), json!(""));
        let version_id = self.insert(version_object, &fields, user.to_string(), Mode::Seed)?;

        let created = self.records[&version_id].get("CreatedDate").clone();
        if let Some(version) = self.records.get_mut(&version_id) {
            version.values.insert("VersionData".into(), json!(version_data_url("v62.0", &version_id)));
            version.values.insert("ContentModifiedDate".into(), created.clone());
        }
        if let Some(document) = self.records.get_mut(&document_id) {
            document.values.insert("LatestPublishedVersionId".into(), json!(version_id));
            document.values.insert("ContentModifiedDate".into(), created);
        }

        let link_object = object("ContentDocumentLink");
        let link = |store: &mut Store, entity: &str, share_type: &str| {
            let link =
                json!({"ContentDocumentId": document_id, "LinkedEntityId": entity, "ShareType": share_type, "Visibility": "AllUsers"});
            store.insert(link_object, link.as_object().expect("an object"), user.to_string(), Mode::Seed)
        };
        // The owner's link is inferred; the record's lets its viewers view the file.
        link(self, user, "I")?;
        if let Some(record) = &location {
            link(self, record, "V")?;
        }
        self.blobs.insert(version_id.clone(), bytes);
        Ok(version_id)
    }

    /// The bytes of a ContentVersion.
    pub fn blob(&self, version_id: &str) -> Option<&[u8]> {
        self.blobs.get(version_id).map(Vec::as_slice)
    }

    /// The latest version of every live file linked to the record, in the
    /// order the links were made, with its bytes.
    pub fn files_of(&self, record_id: &str) -> Vec<(&Record, &[u8])> {
        let Some(id) = normalize_id(record_id) else { return Vec::new() };
        self.table(object("ContentDocumentLink"))
            .filter(|link| link.deleted.is_none() && link.text("LinkedEntityId") == Some(id.as_str()))
            .filter_map(|link| {
                let document = self.records.get(link.text("ContentDocumentId")?).filter(|d| d.deleted.is_none())?;
                let version = self.records.get(document.text("LatestPublishedVersionId")?)?;
                Some((version, self.blob(&version.id)?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_come_from_the_client_path() {
        assert_eq!(file_name("C:\\Users\\ada\\report.PDF"), "report.PDF");
        assert_eq!(file_name("/tmp/trace.log"), "trace.log");
        assert_eq!(extension("report.PDF").as_deref(), Some("pdf"));
        assert_eq!(extension(".bashrc"), None);
        assert_eq!(extension("README"), None);
        assert_eq!(file_type(Some("pdf")), "PDF");
        assert_eq!(file_type(Some("docx")), "WORD_X");
        assert_eq!(file_type(Some("log")), "UNKNOWN");
        assert_eq!(file_type(None), "UNKNOWN");
    }

    #[test]
    fn version_data_is_base64_with_or_without_padding_and_line_breaks() {
        assert_eq!(version_data(Some(&json!("aGVsbG8K"))).unwrap(), Some(b"hello\n".to_vec()));
        assert_eq!(version_data(Some(&json!("aGVs\r\nbG8"))).unwrap(), Some(b"hello".to_vec()));
        assert_eq!(version_data(Some(&json!(""))).unwrap(), None);
        assert_eq!(version_data(None).unwrap(), None);
        let bad = version_data(Some(&json!("not base64!"))).unwrap_err();
        assert_eq!(bad.code(), "JSON_PARSER_ERROR");
        assert!(
            bad.message().starts_with("Cannot deserialize instance of base64 from VALUE_STRING value not base64!"),
            "{}",
            bad.message()
        );
        assert!(version_data(Some(&json!(5))).unwrap_err().message().contains("VALUE_NUMBER_INT"));
    }
}
