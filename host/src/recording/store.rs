//! What recording remembers, in the desk's store: each contact-centre installation's
//! settings; the queue of conversation events not yet applied (written
//! before the webhook is acknowledged); the delivery ids already taken, so
//! a replayed webhook adds nothing; and, per conversation, what it
//! produced in the CRM and the desk (so nothing is created twice, even
//! across a crash between two writes).

use serde::{Deserialize, Serialize};

use super::rules::RecordingSettings;
use crate::contract::{CrmRecord, RecordRef};
use crate::desk::DeskError;

/// A conversation event waiting to be applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// The contact centre's delivery id, when the event came by webhook.
    pub delivery: Option<String>,
    /// The conversation as the plugin read it.
    pub conversation: CrmRecord,
}

/// How a CRM record came to be linked to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    Created,
    /// Found by the identification rules and left as it was.
    Found,
    /// Found, and updated by the update policy.
    Updated,
}

/// A CRM record a conversation produced or was linked to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Linked {
    #[schema(value_type = Object)]
    pub record: RecordRef,
    pub how: How,
}

/// A conversation's attachment, as recorded on its task or case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttachedFile {
    /// The contact centre's id of the attachment.
    pub source_id: String,
    pub name: String,
    /// The CRM's id of the attachment; absent when it was not attached.
    pub crm_id: Option<String>,
    /// Why it was not attached (too large), in words for the admin.
    pub skipped: Option<String>,
}

/// What one conversation produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    pub conversation_id: String,
    /// The CRM plugin written to.
    pub crm: Option<String>,
    /// The lead or contact.
    pub person: Option<Linked>,
    /// The task or case.
    pub activity: Option<Linked>,
    /// The conversation's attachments, as attached to the task or case.
    #[serde(default)]
    pub files: Vec<AttachedFile>,
    /// The desk ticket of the conversation.
    pub ticket: Option<String>,
    /// Why the last attempt failed, in words for the admin; cleared on success.
    pub failure: Option<String>,
    pub updated_at: String,
    /// The conversation as last seen, for Try Again and manual creation.
    #[schema(value_type = Object)]
    pub conversation: CrmRecord,
}

#[derive(Clone)]
pub struct RecordingStore {
    db: deskpane_store::Store,
    tree: deskpane_store::Tree,
}

fn storage(e: deskpane_store::StoreError) -> DeskError {
    DeskError::Storage(e)
}

impl RecordingStore {
    pub fn open(db: &deskpane_store::Store) -> Result<RecordingStore, DeskError> {
        Ok(RecordingStore { db: db.clone(), tree: db.tree("recording").map_err(storage)? })
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        self.tree.get(key).ok().flatten().and_then(|v| serde_json::from_slice(&v).ok())
    }

    fn put<T: Serialize>(&self, key: &str, value: &T) -> Result<(), DeskError> {
        self.tree.insert(key, serde_json::to_vec(value).expect("recording state serialises")).map_err(storage)?;
        Ok(())
    }

    /// Makes what was written durable (before a webhook is acknowledged,
    /// and between two CRM writes).
    pub fn flush(&self) -> Result<(), DeskError> {
        self.tree.flush().map(|_| ()).map_err(storage)
    }

    pub fn settings(&self, plugin: &str) -> Option<RecordingSettings> {
        self.get(&format!("settings/{plugin}"))
    }

    pub fn set_settings(&self, plugin: &str, settings: &RecordingSettings) -> Result<(), DeskError> {
        self.put(&format!("settings/{plugin}"), settings)?;
        self.flush()
    }

    /// Where polling the contact centre's feed stands: the plugin's cursor,
    /// or the time recording was switched on (nothing older is recorded).
    pub fn feed_position(&self, plugin: &str) -> (Option<String>, Option<String>) {
        (self.get(&format!("cursor/{plugin}")), self.get(&format!("since/{plugin}")))
    }

    pub fn set_feed_cursor(&self, plugin: &str, cursor: &str) -> Result<(), DeskError> {
        self.put(&format!("cursor/{plugin}"), &cursor)
    }

    /// Marks when recording was switched on, once.
    pub fn start_feed(&self, plugin: &str, since: &str) -> Result<(), DeskError> {
        let key = format!("since/{plugin}");
        if !self.tree.contains_key(&key).map_err(storage)? {
            self.put(&key, &since)?;
        }
        Ok(())
    }

    /// Queues an event unless its delivery was taken before; answers
    /// whether it was queued. Durable when it returns.
    pub fn enqueue(&self, plugin: &str, event: &Queued) -> Result<bool, DeskError> {
        if let Some(delivery) = &event.delivery {
            let seen = format!("seen/{plugin}/{delivery}");
            if self.tree.contains_key(&seen).map_err(storage)? {
                return Ok(false);
            }
            self.put(&seen, &crate::clock::now())?;
        }
        let seq = self.db.generate_id().map_err(storage)?;
        self.put(&format!("queue/{plugin}/{seq:020}"), event)?;
        self.flush()?;
        Ok(true)
    }

    /// The oldest queued event of any plugin: (queue key, plugin, event).
    pub fn next_queued(&self) -> Option<(String, String, Queued)> {
        self.tree.scan_prefix("queue/").filter_map(Result::ok).find_map(|(k, v)| {
            let key = String::from_utf8(k.to_vec()).ok()?;
            let plugin = key.strip_prefix("queue/")?.rsplit_once('/')?.0.to_string();
            Some((key, plugin, serde_json::from_slice(&v).ok()?))
        })
    }

    pub fn dequeue(&self, key: &str) -> Result<(), DeskError> {
        self.tree.remove(key).map_err(storage)?;
        self.flush()
    }

    pub fn queued(&self, plugin: &str) -> usize {
        self.tree.scan_prefix(format!("queue/{plugin}/")).count()
    }

    pub fn entry(&self, plugin: &str, conversation: &str) -> Option<Entry> {
        self.get(&format!("entry/{plugin}/{conversation}"))
    }

    /// Saves an entry durably, with the ticket index.
    pub fn save_entry(&self, plugin: &str, entry: &Entry) -> Result<(), DeskError> {
        self.put(&format!("entry/{plugin}/{}", entry.conversation_id), entry)?;
        if let Some(ticket) = &entry.ticket {
            self.put(&format!("ticket/{ticket}"), &(plugin, &entry.conversation_id))?;
        }
        self.flush()
    }

    /// Every entry of a plugin, newest first.
    pub fn entries(&self, plugin: &str) -> Vec<Entry> {
        let mut out: Vec<Entry> = self
            .tree
            .scan_prefix(format!("entry/{plugin}/"))
            .filter_map(Result::ok)
            .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
            .collect();
        out.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
        out
    }

    /// The contact-centre plugin and conversation a desk ticket came from.
    pub fn ticket_conversation(&self, ticket: &str) -> Option<(String, String)> {
        self.get(&format!("ticket/{ticket}"))
    }

    /// Forgets a deleted installation's recording state.
    pub fn forget(&self, plugin: &str) -> Result<(), DeskError> {
        // Exact key and `{plugin}/` prefixes: forgetting `cx` leaves `cx-eu`.
        self.tree.remove(format!("settings/{plugin}")).map_err(storage)?;
        for key in [format!("cursor/{plugin}"), format!("since/{plugin}")] {
            self.tree.remove(key).map_err(storage)?;
        }
        for prefix in ["queue", "seen", "entry"] {
            let keys: Vec<_> = self.tree.scan_prefix(format!("{prefix}/{plugin}/")).filter_map(Result::ok).map(|(k, _)| k).collect();
            for k in keys {
                self.tree.remove(k).map_err(storage)?;
            }
        }
        self.flush()
    }
}
