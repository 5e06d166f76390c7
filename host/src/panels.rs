//! The CRM panels beside a ticket: who the requester is, what each plugin
//! shows of them, permissions enforced before any plugin is called, and a
//! cache with a TTL.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::contract::{
    Activity, ActivityKind, ConnectorError, CrmRecord, Field, MatchKey, Module, Note, Potential, Profile, RecordRef, Requester, Value,
};
use crate::desk::{Desk, DeskError, Kind, Record};
use crate::permissions::{PanelPermissions, Section, ShowAs};
use crate::registry::Registry;
use crate::CallError;

pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum PanelError {
    #[error("your profile does not see this plugin's panel; an administrator can change that under Permissions")]
    Hidden,
    #[error("your profile has restricted access to {}; an administrator can grant it under Permissions", .0.what())]
    Restricted(Restricted),
    #[error("plugin `{0}` is not installed or not enabled")]
    NoPlugin(String),
    #[error("no {0} with id {1}")]
    NotFound(&'static str, String),
    #[error("the CRM knows this requester already; refresh the panel to see the record")]
    Known,
    #[error("the requester has no CRM record yet: search the CRM to link one, or create one")]
    NoRecord,
    #[error("{0}")]
    Invalid(Invalid),
    #[error("the desk could not keep the link: {0}")]
    Storage(String),
    #[error(transparent)]
    Plugin(#[from] CallError),
}

/// What a profile may not see or do, as a refusal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restricted {
    /// The contact and account information (and so acting on the record).
    Profile,
    Potentials,
    Notes,
    Activities,
    Calls,
    Tasks,
}

impl Restricted {
    fn what(self) -> &'static str {
        match self {
            Restricted::Profile => "contact and account information",
            Restricted::Potentials => "potentials",
            Restricted::Notes => "notes",
            Restricted::Activities => "activities",
            Restricted::Calls => "calls",
            Restricted::Tasks => "tasks",
        }
    }
}

/// An agent's input the panel refuses, each with its code
/// (`panel.invalid.<key>`) and, where it names one, the value refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("type a name, an email address or a phone number (at most 200 characters)")]
    SearchQuery,
    #[error("a note needs some text")]
    NoteText,
    #[error("a call needs a subject")]
    CallSubject,
    #[error("`{0}` is not a time such as 2026-11-21T09:30:00Z")]
    CallTime(String),
    #[error("a task needs a subject")]
    TaskSubject,
    #[error("`{0}` is not a date such as 2026-11-21")]
    TaskDate(String),
}

impl PanelError {
    /// The refusal as a stable code and its values, for pages that show it
    /// in the agent's language (`error.<code>` in the web catalogs). CRM
    /// failures have theirs from [`agent_message`]; internal ones none.
    pub fn code(&self) -> Option<AgentMessage> {
        let plain = |code| Some(AgentMessage { code, params: BTreeMap::new() });
        let valued = |code, value: &String| Some(AgentMessage { code, params: BTreeMap::from([("value", value.clone())]) });
        match self {
            PanelError::Hidden => plain("panel.hidden"),
            PanelError::Restricted(r) => plain(match r {
                Restricted::Profile => "panel.restricted.profile",
                Restricted::Potentials => "panel.restricted.potentials",
                Restricted::Notes => "panel.restricted.notes",
                Restricted::Activities => "panel.restricted.activities",
                Restricted::Calls => "panel.restricted.calls",
                Restricted::Tasks => "panel.restricted.tasks",
            }),
            PanelError::NotFound(..) => plain("panel.not_found"),
            PanelError::Known => plain("panel.known"),
            PanelError::NoRecord => plain("panel.no_record"),
            PanelError::Invalid(invalid) => match invalid {
                Invalid::SearchQuery => plain("panel.invalid.search_query"),
                Invalid::NoteText => plain("panel.invalid.note_text"),
                Invalid::CallSubject => plain("panel.invalid.call_subject"),
                Invalid::TaskSubject => plain("panel.invalid.task_subject"),
                Invalid::CallTime(v) => valued("panel.invalid.call_time", v),
                Invalid::TaskDate(v) => valued("panel.invalid.task_date", v),
            },
            PanelError::NoPlugin(_) | PanelError::Storage(_) | PanelError::Plugin(_) => None,
        }
    }
}

/// Text for a contract value, as the panel shows it.
pub fn display(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Boolean(b) => if *b { "Yes" } else { "No" }.to_string(),
        Value::TextList(items) => items.join(", "),
        Value::Reference(r) => r.name.clone().unwrap_or_else(|| r.id.clone()),
    }
}

type CacheKey = (String, String, String);

/// What a panel stands beside: a ticket (its requester), a desk contact, or
/// a desk account (seed 001: "the customer profile within a contact or an
/// account").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    Ticket(&'a str),
    Contact(&'a str),
    Account(&'a str),
}

impl Subject<'_> {
    /// The subject named by a desk kind and an id, when panels go beside it.
    pub fn of(kind: Kind, id: &str) -> Option<Subject<'_>> {
        match kind {
            Kind::Ticket => Some(Subject::Ticket(id)),
            Kind::Contact => Some(Subject::Contact(id)),
            Kind::Account => Some(Subject::Account(id)),
            _ => None,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Subject::Ticket(_) => Kind::Ticket,
            Subject::Contact(_) => Kind::Contact,
            Subject::Account(_) => Kind::Account,
        }
    }

    pub fn id(self) -> String {
        match self {
            Subject::Ticket(id) | Subject::Contact(id) | Subject::Account(id) => id.to_string(),
        }
    }
}

/// What one section of a panel holds, as the plugin answered.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionData {
    /// The requester's profile; `None` when the CRM has no match.
    Profile(Option<Box<Profile>>),
    Potentials(Vec<Potential>),
    Notes(Vec<Note>),
    Activities(Vec<Activity>),
}

/// A section and whether it came from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionAnswer {
    pub data: SectionData,
    pub cached: bool,
    /// The CRM failed just now: this is what it said at this time (RFC 3339).
    pub stale_since: Option<String>,
    /// Why the CRM's answer is not fresh, in words for the agent.
    pub notice: Option<String>,
    /// The same as a code and parameters, for pages that translate it.
    pub notice_code: Option<AgentMessage>,
    /// The failure's technical cause (for administrators only).
    pub cause: Option<String>,
}

impl SectionAnswer {
    fn fresh(data: SectionData, cached: bool) -> SectionAnswer {
        SectionAnswer { data, cached, stale_since: None, notice: None, notice_code: None, cause: None }
    }
}

/// How long, and how many, last-known sections are kept to show while a
/// CRM is down.
const LAST_KNOWN_FOR: Duration = Duration::from_secs(24 * 3600);
const LAST_KNOWN_MAX: usize = 10_000;

/// What an agent reads about a failed CRM call, as a stable code the pages
/// translate (their catalogs' `error.<code>`) and the values it names:
/// `crm`, `reference`, and `seconds` for `crm.rate_limited`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AgentMessage {
    /// `crm.unreachable`, `crm.rate_limited`, `crm.auth_expired`, `crm.record_gone`,
    /// `crm.unsupported`, `crm.failed`, `crm.plugin_failed` or `crm.not_connected`;
    /// or a panel refusal's ([`PanelError::code`]).
    pub code: &'static str,
    pub params: BTreeMap<&'static str, String>,
}

impl AgentMessage {
    /// `code` about `crm`, under `reference` in the log.
    pub fn new(code: &'static str, crm: &str, reference: &str) -> AgentMessage {
        AgentMessage { code, params: BTreeMap::from([("crm", crm.to_string()), ("reference", reference.to_string())]) }
    }

    /// The message in English, as the API's `error` and `notice` say it.
    pub fn sentence(&self) -> String {
        let param = |name: &str| self.params.get(name).map(String::as_str).unwrap_or_default();
        let crm = param("crm");
        let what = match self.code {
            "crm.unreachable" => format!("{crm} is not answering right now. Try Refresh in a minute."),
            "crm.rate_limited" => format!("{crm} asks the desk to slow down. Try again in {} seconds.", param("seconds")),
            "crm.auth_expired" => {
                format!("The connection to {crm} has expired or was revoked. An administrator can reconnect it under Integrations.")
            }
            "crm.record_gone" => format!("{crm} no longer has this record."),
            "crm.unsupported" => format!("{crm} does not offer this."),
            "crm.plugin_failed" => format!("The {crm} integration failed. An administrator can find the cause in its status."),
            "crm.not_connected" => format!("{crm} is not connected yet. An administrator can connect it under Integrations."),
            _ => format!("{crm} could not answer this request."),
        };
        format!("{what} (reference {})", param("reference"))
    }
}

/// What an agent reads when a CRM call failed: what happened and what to
/// do, never an address, a token or the requester's details (those go to
/// the log, under `reference`).
pub fn agent_message(crm: &str, e: &CallError, reference: &str) -> AgentMessage {
    use crate::contract::ConnectorError as C;
    use crate::CallErrorKind as K;
    let code = match &e.kind {
        K::Connector(C::Transient(_)) | K::Timeout(_) | K::Busy(..) => "crm.unreachable",
        K::Connector(C::RateLimited(secs)) => {
            let mut message = AgentMessage::new("crm.rate_limited", crm, reference);
            message.params.insert("seconds", secs.to_string());
            return message;
        }
        K::Connector(C::AuthExpired) => "crm.auth_expired",
        K::Connector(C::NotFound(_)) => "crm.record_gone",
        K::Connector(C::Unsupported(_)) => "crm.unsupported",
        K::Connector(_) => "crm.failed",
        K::CpuDeadline(_) | K::MemoryLimit(_) | K::Panicked(_) | K::Trapped(_) | K::Instantiate(_) => "crm.plugin_failed",
    };
    AgentMessage::new(code, crm, reference)
}

/// A found record as a search result, its fields read through the
/// manifest's mapping of its module.
fn candidate(module: Module, r: &CrmRecord, mapping: &BTreeMap<String, String>) -> Option<Candidate> {
    let value = |concept: &str| {
        let name = mapping.get(concept)?;
        r.fields.iter().find(|f| &f.name == name).map(|f| display(&f.value)).filter(|v| !v.is_empty())
    };
    let name = [value("first_name"), value("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Some(Candidate {
        record: RecordRef { module, id: r.id.clone()?, name: (!name.is_empty()).then_some(name) },
        email: value("email"),
        phone: value("phone").or_else(|| value("mobile")),
        organisation: value("company").or_else(|| value("account_id")),
    })
}

/// [`agent_message`] in English.
pub fn agent_sentence(crm: &str, e: &CallError, reference: &str) -> String {
    agent_message(crm, e, reference).sentence()
}

/// Where a section stands beside a subject, whatever the CRM answered:
/// plugin, subject, section and activity kinds.
type LastKnownKey = (String, String, String);

/// The store notice of a replica that dropped cached panel answers (an
/// agent linked a requester, added a note, ...): `<replica>\n<plugin>\n<kinds>`.
pub const PANELS_CHANGED: &str = "panels";

pub struct Panels {
    registry: Arc<Registry>,
    desk: Desk,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, (Instant, SectionData)>>,
    /// The last answer of each section, to show while the CRM is down.
    last_known: Mutex<HashMap<LastKnownKey, (Instant, String, SectionData)>>,
    /// One lookup at a time per requester: a panel's sections load in
    /// parallel, and all but the first wait for its answer instead of
    /// asking the CRM again.
    inflight: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<()>>>>,
    /// The desk reads of a subject's sections loading together, shared
    /// ([`Panels::ask_about`]): by plugin, subject and what it shows.
    asking: Mutex<HashMap<AskKey, Arc<tokio::sync::OnceCell<Ask>>>>,
    /// The CRM records agents linked requesters to ([`LinkedRecord`]), by
    /// plugin and desk contact ([`Panels::link_key`]).
    links: deskpane_store::Tree,
}

/// A CRM record an agent linked a desk requester to: the panels show its
/// profile instead of looking the requester up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkedRecord {
    pub record: RecordRef,
    /// The agent who linked it (email).
    pub by: String,
    /// RFC 3339.
    pub at: String,
}

/// A CRM record a search found, to link a requester to.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub record: RecordRef,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// A contact's account, a lead's company.
    pub organisation: Option<String>,
}

/// How a logged call went, as the contract's `log-call` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CallDirection {
    Outbound,
    Inbound,
    Missed,
}

/// What an agent records on a found profile's record from the sidebar.
#[derive(Debug, Clone, PartialEq)]
pub enum SidebarAction {
    Note {
        title: Option<String>,
        content: String,
    },
    Call {
        subject: String,
        direction: CallDirection,
        duration_seconds: Option<u32>,
        description: Option<String>,
        start_time: Option<String>,
    },
    Task {
        subject: String,
        description: Option<String>,
        due_date: Option<String>,
    },
}

type AskKey = (String, Kind, String, ShowAs);

/// What a lookup asks the plugin: the requester by the desk's keys, or the
/// record an agent linked them to.
#[derive(Debug, Clone)]
enum Ask {
    Requester(Requester, ShowAs),
    Linked(RecordRef),
}

impl Panels {
    pub fn new(registry: Arc<Registry>, desk: Desk, ttl: Duration) -> Result<Panels, DeskError> {
        let links = desk.store().tree("panels.links")?;
        Ok(Panels {
            registry,
            desk,
            ttl,
            cache: Mutex::default(),
            last_known: Mutex::default(),
            inflight: Mutex::default(),
            asking: Mutex::default(),
            links,
        })
    }

    /// Drops what a plugin's panels cached: after an upgrade, a new
    /// configuration or a removal, its next answers come from the plugin
    /// as it now is. (The last-known data shown while a CRM is down stays:
    /// it is marked with its age.)
    pub fn forget_plugin(&self, plugin: &str) {
        self.cache.lock().expect("panel cache lock").retain(|(id, _, _), _| id != plugin);
    }

    /// What the desk knows of a ticket's requester.
    pub fn requester(&self, ticket: &Record) -> Requester {
        let contact = ticket.text("contact_id").and_then(|id| self.desk.get(Kind::Contact, id));
        let account_id = ticket.text("account_id").map(str::to_string);
        let mut who = self.person(contact.as_ref(), account_id);
        who.email = who.email.or_else(|| ticket.text("email").map(str::to_string));
        who
    }

    /// A desk contact as the CRM is asked about them; `account_id` names
    /// their account when the contact does not.
    fn person(&self, contact: Option<&Record>, account_id: Option<String>) -> Requester {
        let account_id = account_id.or_else(|| contact.and_then(|c| c.text("account_id")).map(str::to_string));
        let account = account_id.and_then(|id| self.desk.get(Kind::Account, &id));
        let c = |field: &str| contact.and_then(|c| c.text(field)).map(str::to_string);
        let name = [c("first_name"), c("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        Requester {
            email: c("email"),
            secondary_email: c("secondary_email"),
            phone: c("phone").or_else(|| c("mobile")),
            name: (!name.is_empty()).then_some(name),
            account_name: account.as_ref().and_then(|a| a.text("account_name")).map(str::to_string),
        }
    }

    /// Whom to look up for a subject, and whether to show the contact or
    /// the account: an account page always shows the account.
    fn who(&self, subject: Subject, record: &Record, show: ShowAs) -> (Requester, ShowAs) {
        match subject {
            Subject::Ticket(_) => (self.requester(record), show),
            Subject::Contact(_) => (self.person(Some(record), None), show),
            Subject::Account(_) => {
                let name = record.text("account_name").map(str::to_string);
                (Requester { email: None, secondary_email: None, phone: None, name: None, account_name: name }, ShowAs::Accounts)
            }
        }
    }

    /// The desk record a panel stands beside.
    fn record_of(&self, subject: Subject) -> Result<Record, PanelError> {
        self.desk.get(subject.kind(), &subject.id()).ok_or_else(|| PanelError::NotFound(subject.kind().singular(), subject.id()))
    }

    fn cached(&self, key: &CacheKey, refresh: bool) -> Option<SectionData> {
        if refresh {
            return None;
        }
        let cache = self.cache.lock().expect("panel cache lock");
        cache.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    /// Keeps an answer `from` a plugin instance, unless that instance was
    /// replaced meanwhile (upgraded, reconfigured, files replaced on disk):
    /// a call that started on the old version must not put its answer back
    /// after [`Panels::forget_plugin`] dropped the old version's. Checked
    /// under the cache lock, which `forget_plugin` also takes after the swap.
    fn store(&self, key: CacheKey, value: SectionData, from: &Arc<crate::Plugin>) {
        let mut cache = self.cache.lock().expect("panel cache lock");
        if !self.registry.plugin(&key.0).is_some_and(|current| Arc::ptr_eq(&current, from)) {
            return;
        }
        cache.retain(|_, (at, _)| at.elapsed() < self.ttl);
        cache.insert(key, (Instant::now(), value));
    }

    /// The profile beside a subject: the record an agent linked the
    /// requester to, else the requester looked up; and whether it came
    /// from the cache.
    async fn profile_for(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        show: ShowAs,
        refresh: bool,
    ) -> Result<(Option<Profile>, bool), PanelError> {
        let ask = self.ask_about(plugin_id, subject, show).await?;
        self.lookup(plugin_id, ask, refresh).await
    }

    /// What to ask the plugin about a subject ([`Self::ask_beside`]). A
    /// panel's sections come at once: the first reads the desk (the record,
    /// its contact and account, a stored link) and the others wait for its
    /// answer instead of reading the same again; the next panel reads anew.
    async fn ask_about(&self, plugin_id: &str, subject: Subject<'_>, show: ShowAs) -> Result<Ask, PanelError> {
        let key = (plugin_id.to_string(), subject.kind(), subject.id(), show);
        let reading = self.asking.lock().expect("asking lock").entry(key.clone()).or_default().clone();
        let ask = reading.get_or_try_init(|| async { self.ask_beside(plugin_id, subject, &self.record_of(subject)?, show) }).await.cloned();
        let mut asking = self.asking.lock().expect("asking lock");
        if asking.get(&key).is_some_and(|current| Arc::ptr_eq(current, &reading)) {
            asking.remove(&key);
        }
        ask
    }

    /// [`Self::profile_for`] with the subject's desk record already read.
    async fn profile_beside(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        record: &Record,
        show: ShowAs,
        refresh: bool,
    ) -> Result<(Option<Profile>, bool), PanelError> {
        let ask = self.ask_beside(plugin_id, subject, record, show)?;
        self.lookup(plugin_id, ask, refresh).await
    }

    /// The record an agent linked the subject's requester to, else the
    /// requester as the desk knows them.
    fn ask_beside(&self, plugin_id: &str, subject: Subject<'_>, record: &Record, show: ShowAs) -> Result<Ask, PanelError> {
        if let Some(link) = self.stored_link(&Self::link_key_of(plugin_id, subject, record))? {
            return Ok(Ask::Linked(link.record));
        }
        let (who, show) = self.who(subject, record, show);
        Ok(Ask::Requester(who, show))
    }

    /// The profile, and whether it came from the cache.
    async fn lookup(&self, plugin_id: &str, ask: Ask, refresh: bool) -> Result<(Option<Profile>, bool), PanelError> {
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let key = (plugin_id.to_string(), "lookup".to_string(), format!("{ask:?}"));
        let asked = Instant::now();
        let gate = self.inflight.lock().expect("in-flight lock").entry(key.clone()).or_default().clone();
        let _turn = gate.lock().await;
        // Answered while this call waited (a sibling section's lookup), or
        // cached: no second CRM call, even for a refresh.
        let fresh_enough = |at: Instant| at >= asked || (!refresh && at.elapsed() < self.ttl);
        let hit = self.cache.lock().expect("panel cache lock").get(&key).filter(|(at, _)| fresh_enough(*at)).map(|(_, v)| v.clone());
        if let Some(SectionData::Profile(hit)) = hit {
            self.release(&key, &gate);
            return Ok((hit.map(|p| *p), true));
        }
        let answer = match ask {
            Ask::Requester(who, show) => self.ask_lookup(&plugin, who, show).await,
            Ask::Linked(record) => {
                plugin.profile_of(&record).await.map(|p| p.map(|p| Profile { match_key: MatchKey::Linked, ..p })).map_err(PanelError::from)
            }
        };
        if let Ok(profile) = &answer {
            self.store(key.clone(), SectionData::Profile(profile.clone().map(Box::new)), &plugin);
        }
        self.release(&key, &gate);
        Ok((answer?, false))
    }

    /// Forgets a lookup's gate once nobody else waits on it.
    fn release(&self, key: &CacheKey, gate: &Arc<tokio::sync::Mutex<()>>) {
        let mut inflight = self.inflight.lock().expect("in-flight lock");
        // This caller's clone and the map's: nobody else is waiting.
        if Arc::strong_count(gate) <= 2 {
            inflight.remove(key);
        }
    }

    async fn ask_lookup(&self, plugin: &crate::Plugin, mut who: Requester, show: ShowAs) -> Result<Option<Profile>, PanelError> {
        let mut profile = plugin.lookup_requester(&who).await?;
        if show == ShowAs::Accounts {
            // Show the account: by the desk's account name, else the
            // account the CRM contact belongs to.
            let account_name =
                who.account_name.clone().or_else(|| profile.as_ref().and_then(|p| p.account.as_ref()).and_then(|a| a.name.clone()));
            profile = match account_name {
                Some(name) => {
                    who = Requester { email: None, secondary_email: None, phone: None, name: None, account_name: Some(name) };
                    plugin.lookup_requester(&who).await?
                }
                None => None,
            };
        }
        Ok(profile)
    }

    /// One section of one plugin's panel beside a ticket, contact or
    /// account. Restricted sections fail before the plugin is called. When
    /// the CRM fails, the section's last answer (of the last day) is given
    /// instead, marked stale, with the reason for the agent.
    pub async fn section(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        section: Section,
        refresh: bool,
    ) -> Result<SectionAnswer, PanelError> {
        if !permissions.visible {
            return Err(PanelError::Hidden);
        }
        if !permissions.allows(section) {
            return Err(PanelError::Restricted(match section {
                Section::Profile => Restricted::Profile,
                Section::Potentials => Restricted::Potentials,
                Section::Notes => Restricted::Notes,
                Section::Activities => Restricted::Activities,
            }));
        }
        let kinds = permissions.activity_kinds();
        let known =
            (plugin_id.to_string(), format!("{}:{}", subject.kind().plural(), subject.id()), format!("{}:{kinds:?}", section.name()));
        // The section's plugin calls queue as work begun now: its later
        // calls (after the lookup) go ahead of newer sections' first ones.
        let fetched = crate::runtime::work_begun(Instant::now(), self.fetch(plugin_id, subject, permissions, section, refresh)).await;
        match fetched {
            Ok(answer) => {
                self.remember(known, &answer.data);
                crate::telemetry::panel_section(plugin_id, section.name(), if answer.cached { "cache" } else { "crm" });
                Ok(answer)
            }
            Err(PanelError::Plugin(e)) => {
                let last = self.last_known.lock().expect("last-known lock").get(&known).cloned();
                match last.filter(|(at, _, _)| at.elapsed() < LAST_KNOWN_FOR) {
                    Some((_, when, data)) => {
                        let crm = self.registry.manifest(plugin_id).map(|m| m.name).unwrap_or_else(|| plugin_id.to_string());
                        let reference = crate::secrets::random_hex(4);
                        tracing::warn!(plugin = plugin_id, reference, "showing last-known data: {e}");
                        let message = agent_message(&crm, &e, &reference);
                        crate::telemetry::panel_section(plugin_id, section.name(), "stale");
                        Ok(SectionAnswer {
                            data,
                            cached: true,
                            stale_since: Some(when),
                            notice: Some(message.sentence()),
                            notice_code: Some(message),
                            cause: Some(e.to_string()),
                        })
                    }
                    None => {
                        crate::telemetry::panel_section(plugin_id, section.name(), "failed");
                        Err(PanelError::Plugin(e))
                    }
                }
            }
            Err(e) => Err(e),
        }
    }

    fn remember(&self, key: LastKnownKey, data: &SectionData) {
        let mut last = self.last_known.lock().expect("last-known lock");
        if last.len() >= LAST_KNOWN_MAX {
            last.retain(|_, (at, _, _)| at.elapsed() < LAST_KNOWN_FOR);
            if last.len() >= LAST_KNOWN_MAX {
                last.clear();
            }
        }
        last.insert(key, (Instant::now(), crate::clock::now(), data.clone()));
    }

    async fn fetch(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        section: Section,
        refresh: bool,
    ) -> Result<SectionAnswer, PanelError> {
        let (profile, cached) = self.profile_for(plugin_id, subject, permissions.show, refresh).await?;
        if section == Section::Profile {
            return Ok(SectionAnswer::fresh(SectionData::Profile(profile.map(Box::new)), cached));
        }
        let Some(profile) = profile else {
            let data = match section {
                Section::Profile => unreachable!("answered above"),
                Section::Potentials => SectionData::Potentials(Vec::new()),
                Section::Notes => SectionData::Notes(Vec::new()),
                Section::Activities => SectionData::Activities(Vec::new()),
            };
            return Ok(SectionAnswer::fresh(data, cached));
        };
        let kinds = permissions.activity_kinds();
        let key = (plugin_id.to_string(), section.name().to_string(), format!("{}:{:?}", profile.record.id, kinds));
        if let Some(data) = self.cached(&key, refresh) {
            return Ok(SectionAnswer::fresh(data, true));
        }
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let of: &RecordRef = &profile.record;
        let data = match section {
            Section::Potentials => SectionData::Potentials(plugin.potentials(of).await?),
            Section::Notes => SectionData::Notes(plugin.notes(of).await?),
            Section::Activities => SectionData::Activities(activities_by_kind(&plugin, of, &kinds).await?),
            Section::Profile => unreachable!("answered above"),
        };
        self.store(key, data.clone(), &plugin);
        Ok(SectionAnswer::fresh(data, false))
    }

    /// Creates the requester in the CRM as a contact or a lead, from what
    /// the desk knows of them (name, email, phone; a lead's company is the
    /// desk account's name), owned by the agent's CRM user. Only for a
    /// requester the CRM does not know yet, by a profile that may read the
    /// contact information. The CRM's field names come from the plugin's
    /// manifest (`[field-mappings.contacts]`, `.leads`).
    pub async fn create_requester(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        kind: crate::contract::ActionKind,
        agent_email: &str,
    ) -> Result<RecordRef, PanelError> {
        use crate::contract::{ActionKind, ActionRequest, Field};
        if !permissions.visible {
            return Err(PanelError::Hidden);
        }
        if !permissions.allows(Section::Profile) {
            return Err(PanelError::Restricted(Restricted::Profile));
        }
        let record = self.record_of(subject)?;
        if self.profile_beside(plugin_id, subject, &record, permissions.show, true).await?.0.is_some() {
            return Err(PanelError::Known);
        }
        let (who, _) = self.who(subject, &record, permissions.show);
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let module = match kind {
            ActionKind::CreateLead => "leads",
            _ => "contacts",
        };
        let (first, last) = match who.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => match name.rsplit_once(' ') {
                Some((first, last)) => (Some(first.to_string()), last.to_string()),
                None => (None, name.to_string()),
            },
            None => (None, who.email.clone().unwrap_or_else(|| "Unknown".into())),
        };
        let mut values = vec![("last_name", Some(last)), ("first_name", first), ("email", who.email.clone()), ("phone", who.phone.clone())];
        if kind == ActionKind::CreateLead {
            values.push(("company", Some(who.account_name.clone().unwrap_or_else(|| "(unknown)".into()))));
        }
        let mapping = plugin.manifest().field_mappings.get(module).cloned().unwrap_or_default();
        let fields = values
            .into_iter()
            .filter_map(|(concept, value)| Some(Field { name: mapping.get(concept)?.clone(), label: None, value: Value::Text(value?) }))
            .collect();
        let request = ActionRequest { kind, fields, related_to: None, owner_email: Some(agent_email.to_string()) };
        let created = plugin.perform(&request).await?;
        // The next look finds the new record.
        self.forget(plugin_id, &["lookup"]);
        Ok(created)
    }

    /// Drops a plugin's cached answers of these kinds (`lookup`, or a
    /// section's name), here and on the other desk replicas on the store.
    fn forget(&self, plugin_id: &str, what: &[&str]) {
        self.forget_here(plugin_id, what);
        let body = format!("{}\n{plugin_id}\n{}", self.registry.replica(), what.join(","));
        if let Err(e) = self.desk.store().notify(PANELS_CHANGED, &body) {
            tracing::warn!(plugin = %plugin_id, "the other desk replicas were not told to drop cached panels: {e}");
        }
    }

    fn forget_here(&self, plugin_id: &str, what: &[&str]) {
        self.cache.lock().expect("panel cache lock").retain(|(plugin, kind, _), _| !(plugin == plugin_id && what.contains(&kind.as_str())));
    }

    /// A store notice from another replica that dropped cached answers
    /// ([`PANELS_CHANGED`]): drop them here too. Others are ignored.
    pub fn follow(&self, notice: &deskpane_store::Notice) {
        if notice.topic != PANELS_CHANGED {
            return;
        }
        let mut parts = notice.body.splitn(3, '\n');
        if let (Some(replica), Some(plugin), Some(what)) = (parts.next(), parts.next(), parts.next()) {
            if replica != self.registry.replica() {
                self.forget_here(plugin, &what.split(',').collect::<Vec<_>>());
            }
        }
    }

    /// Where a subject's link is kept, per plugin: the desk contact the
    /// requester is (a ticket's contact), else the ticket itself; an
    /// account page's account.
    fn link_key(&self, plugin_id: &str, subject: Subject<'_>) -> Result<String, PanelError> {
        Ok(Self::link_key_of(plugin_id, subject, &self.record_of(subject)?))
    }

    /// [`Self::link_key`] of a subject whose record is read.
    fn link_key_of(plugin_id: &str, subject: Subject<'_>, record: &Record) -> String {
        let (kind, id) = match subject {
            Subject::Ticket(id) => match record.text("contact_id") {
                Some(contact) => ("contacts", contact.to_string()),
                None => ("tickets", id.to_string()),
            },
            Subject::Contact(id) => ("contacts", id.to_string()),
            Subject::Account(id) => ("accounts", id.to_string()),
        };
        format!("{plugin_id}\u{0}{kind}/{id}")
    }

    /// The CRM record an agent linked the subject's requester to, if any.
    pub fn linked(&self, plugin_id: &str, subject: Subject<'_>) -> Result<Option<LinkedRecord>, PanelError> {
        self.stored_link(&self.link_key(plugin_id, subject)?)
    }

    fn stored_link(&self, key: &str) -> Result<Option<LinkedRecord>, PanelError> {
        let stored = self.links.get(key.as_bytes()).map_err(|e| PanelError::Storage(e.to_string()))?;
        Ok(stored.and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// Checks what an agent may do to the requester's CRM record: see the
    /// panel and the contact information.
    fn may_act(permissions: &PanelPermissions) -> Result<(), PanelError> {
        if !permissions.visible {
            return Err(PanelError::Hidden);
        }
        if !permissions.allows(Section::Profile) {
            return Err(PanelError::Restricted(Restricted::Profile));
        }
        Ok(())
    }

    /// Searches the CRM for records to link the requester to: contacts,
    /// then leads when the plugin maps them, whose email, phone or name
    /// (as `query` reads: an `@` makes it an email, digits a phone number)
    /// equals the query, through `panels.find`.
    pub async fn search(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        query: &str,
    ) -> Result<Vec<Candidate>, PanelError> {
        Self::may_act(permissions)?;
        self.link_key(plugin_id, subject)?;
        let query = query.trim();
        if query.is_empty() || query.chars().count() > 200 {
            return Err(PanelError::Invalid(Invalid::SearchQuery));
        }
        let digits = query.chars().filter(char::is_ascii_digit).count();
        let keys: Vec<(&str, String)> = if query.contains('@') {
            vec![("email", query.to_string())]
        } else if digits >= 5 && query.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            vec![("phone", query.to_string())]
        } else {
            match query.rsplit_once(' ') {
                Some((first, last)) => vec![("first_name", first.trim().to_string()), ("last_name", last.trim().to_string())],
                None => vec![("last_name", query.to_string())],
            }
        };
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let mut found = Vec::new();
        for module in [Module::Contacts, Module::Leads] {
            let Some(mapping) = plugin.manifest().field_mappings.get(module.as_str()).cloned() else { continue };
            let Some(fields) = keys
                .iter()
                .map(|(concept, value)| {
                    Some(Field { name: mapping.get(*concept)?.clone(), label: None, value: Value::Text(value.clone()) })
                })
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let records = match plugin.find(module, &fields, 10).await {
                Ok(records) => records,
                // Leads are a bonus: a plugin that cannot search them still links contacts.
                Err(e) if module == Module::Leads && matches!(e.kind, crate::CallErrorKind::Connector(ConnectorError::Unsupported(_))) => {
                    continue
                }
                Err(e) => return Err(e.into()),
            };
            found.extend(records.iter().filter_map(|r| candidate(module, r, &mapping)));
        }
        Ok(found)
    }

    /// Links the subject's requester to an existing CRM record, once the
    /// plugin confirmed it exists; the panels then show its profile.
    pub async fn link(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        record: RecordRef,
        agent_email: &str,
    ) -> Result<Profile, PanelError> {
        Self::may_act(permissions)?;
        let key = self.link_key(plugin_id, subject)?;
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let Some(profile) = plugin.profile_of(&record).await? else {
            return Err(PanelError::NotFound("CRM record", record.id));
        };
        let profile = Profile { match_key: MatchKey::Linked, ..profile };
        let link = LinkedRecord { record: profile.record.clone(), by: agent_email.to_string(), at: crate::clock::now() };
        let bytes = serde_json::to_vec(&link).map_err(|e| PanelError::Storage(e.to_string()))?;
        self.links.insert(key.as_bytes(), bytes).map_err(|e| PanelError::Storage(e.to_string()))?;
        self.forget(plugin_id, &["lookup"]);
        Ok(profile)
    }

    /// Forgets the subject's link: the panels look the requester up again.
    /// Whether there was one.
    pub fn unlink(&self, plugin_id: &str, subject: Subject<'_>, permissions: &PanelPermissions) -> Result<bool, PanelError> {
        Self::may_act(permissions)?;
        let key = self.link_key(plugin_id, subject)?;
        let removed = self.links.remove(key.as_bytes()).map_err(|e| PanelError::Storage(e.to_string()))?;
        self.forget(plugin_id, &["lookup"]);
        Ok(removed.is_some())
    }

    /// Adds a note, logs a call or a task on the profile's record beside the
    /// subject, owned by the agent's CRM user, through `actions.perform`.
    /// The profile must allow the contact information and the section the
    /// record shows in (notes; calls or tasks of the activities). The CRM's
    /// field names come from the manifest's `[field-mappings.notes]`,
    /// `.calls`, `.tasks`.
    pub async fn act(
        &self,
        plugin_id: &str,
        subject: Subject<'_>,
        permissions: &PanelPermissions,
        action: SidebarAction,
        agent_email: &str,
    ) -> Result<RecordRef, PanelError> {
        use crate::contract::{ActionKind, ActionRequest};
        use crate::permissions::Access;
        Self::may_act(permissions)?;
        let (allowed, what) = match &action {
            SidebarAction::Note { .. } => (permissions.notes, Restricted::Notes),
            SidebarAction::Call { .. } => (permissions.calls, Restricted::Calls),
            SidebarAction::Task { .. } => (permissions.tasks, Restricted::Tasks),
        };
        if allowed != Access::Full {
            return Err(PanelError::Restricted(what));
        }
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (kind, module, values): (ActionKind, Module, Vec<(&str, Option<Value>)>) = match &action {
            SidebarAction::Note { title, content } => {
                let content = text(content).ok_or(PanelError::Invalid(Invalid::NoteText))?;
                let title = title.as_deref().and_then(text);
                (ActionKind::CreateNote, Module::Notes, vec![("content", Some(Value::Text(content))), ("title", title.map(Value::Text))])
            }
            SidebarAction::Call { subject, direction, duration_seconds, description, start_time } => {
                let subject = text(subject).ok_or(PanelError::Invalid(Invalid::CallSubject))?;
                let start = match start_time.as_deref().and_then(text) {
                    Some(t) => {
                        let parsed =
                            chrono::DateTime::parse_from_rfc3339(&t).map_err(|_| PanelError::Invalid(Invalid::CallTime(t.clone())))?;
                        parsed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    }
                    None => crate::clock::now(),
                };
                let direction = match direction {
                    CallDirection::Outbound => "outbound",
                    CallDirection::Inbound => "inbound",
                    CallDirection::Missed => "missed",
                };
                (
                    ActionKind::LogCall,
                    Module::Calls,
                    vec![
                        ("subject", Some(Value::Text(subject))),
                        ("direction", Some(Value::Text(direction.into()))),
                        ("start_time", Some(Value::Datetime(start))),
                        ("duration", duration_seconds.map(|d| Value::Integer(d.into()))),
                        ("description", description.as_deref().and_then(text).map(Value::Text)),
                    ],
                )
            }
            SidebarAction::Task { subject, description, due_date } => {
                let subject = text(subject).ok_or(PanelError::Invalid(Invalid::TaskSubject))?;
                let due = match due_date.as_deref().and_then(text) {
                    Some(d) => Some(
                        chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                            .map_err(|_| PanelError::Invalid(Invalid::TaskDate(d.clone())))?
                            .to_string(),
                    ),
                    None => None,
                };
                (
                    ActionKind::CreateTask,
                    Module::Tasks,
                    vec![
                        ("subject", Some(Value::Text(subject))),
                        ("description", description.as_deref().and_then(text).map(Value::Text)),
                        ("due_date", due.map(Value::Date)),
                    ],
                )
            }
        };
        let Some(profile) = self.profile_for(plugin_id, subject, permissions.show, false).await?.0 else {
            return Err(PanelError::NoRecord);
        };
        let plugin = self.registry.plugin(plugin_id).ok_or_else(|| PanelError::NoPlugin(plugin_id.into()))?;
        let mapping = plugin.manifest().field_mappings.get(module.as_str()).cloned().unwrap_or_default();
        let mut fields = Vec::new();
        for (concept, value) in values {
            let Some(value) = value else { continue };
            match mapping.get(concept) {
                Some(name) => fields.push(Field { name: name.clone(), label: None, value }),
                // What the agent typed must not vanish: a plugin that cannot
                // say where it goes does not offer the action.
                None if matches!(concept, "content" | "subject") => {
                    return Err(PanelError::Plugin(crate::CallError {
                        plugin: plugin_id.to_string(),
                        function: "perform",
                        kind: crate::CallErrorKind::Connector(ConnectorError::Unsupported(format!(
                            "the manifest maps no {} field for `{concept}`",
                            module.as_str()
                        ))),
                    }))
                }
                None => {}
            }
        }
        let request = ActionRequest { kind, fields, related_to: Some(profile.record.clone()), owner_email: Some(agent_email.to_string()) };
        let created = plugin.perform(&request).await?;
        // The sections show the new record on their next look.
        self.forget(plugin_id, &["notes", "activities"]);
        Ok(created)
    }

    /// The requester's customer type from the CRM (Handshake Mode): the
    /// profile field named by the plugin's `customer-type-field` setting,
    /// from the record an agent linked the requester to, else the lookup.
    pub async fn customer_type(&self, plugin_id: &str, field: &str, ticket: &Record) -> Result<Option<String>, PanelError> {
        let (profile, _) = self.profile_beside(plugin_id, Subject::Ticket(&ticket.id), ticket, ShowAs::Contacts, false).await?;
        let Some(profile) = profile else { return Ok(None) };
        Ok(profile.fields.iter().find(|f| f.name == field).map(|f| display(&f.value)).filter(|s| !s.is_empty()))
    }
}

/// A record's activities of several kinds, one plugin call per kind run at
/// once: a plugin's code runs its CRM requests one after another, so
/// calls, events and tasks asked in one call wait for each other, where a
/// native client would ask for them together. Merged in the order asked.
async fn activities_by_kind(plugin: &crate::Plugin, of: &RecordRef, kinds: &[ActivityKind]) -> Result<Vec<Activity>, CallError> {
    let calls = kinds.iter().map(|kind| plugin.activities(of, std::slice::from_ref(kind)));
    Ok(futures::future::try_join_all(calls).await?.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::schema::{FieldError, Problem};

    /// Every code the server sends for a refusal has its sentence in the
    /// pages' English catalog (the i18n-catalogs browser test then holds
    /// the other languages to it).
    #[test]
    fn every_refusal_code_has_a_sentence_in_the_catalog() {
        let catalog: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(include_str!("../../web/i18n/en.json")).expect("the English catalog parses");
        let restricted =
            [Restricted::Profile, Restricted::Potentials, Restricted::Notes, Restricted::Activities, Restricted::Calls, Restricted::Tasks];
        let invalid = [
            Invalid::SearchQuery,
            Invalid::NoteText,
            Invalid::CallSubject,
            Invalid::CallTime("x".into()),
            Invalid::TaskSubject,
            Invalid::TaskDate("x".into()),
        ];
        let refusals = [PanelError::Hidden, PanelError::NotFound("ticket", "1".into()), PanelError::Known, PanelError::NoRecord]
            .into_iter()
            .chain(restricted.into_iter().map(PanelError::Restricted))
            .chain(invalid.into_iter().map(PanelError::Invalid));
        for refusal in refusals {
            let AgentMessage { code, params } = refusal.code().expect("a refusal has a code");
            let sentence = catalog.get(&format!("error.{code}")).and_then(|v| v.as_str());
            let sentence = sentence.unwrap_or_else(|| panic!("web/i18n/en.json lacks error.{code} ({refusal})"));
            for name in params.keys() {
                assert!(sentence.contains(&format!("{{{name}}}")), "error.{code} does not name {{{name}}}");
            }
        }
        let problems = [
            Problem::Custom,
            Problem::Unknown { kind: "contact", known: "email".into() },
            Problem::Emptied,
            Problem::Required,
            Problem::Text,
            Problem::TooLong(3),
            Problem::Email,
            Problem::Integer,
            Problem::Number,
            Problem::Boolean,
            Problem::Date,
            Problem::DateTime,
            Problem::Choice("a, b".into()),
            Problem::Missing { kind: "account", id: "9".into() },
            Problem::Reference("account"),
        ];
        for problem in problems {
            let e = FieldError::new("f", problem);
            let sentence = catalog.get(&format!("error.field.{}", e.code)).and_then(|v| v.as_str());
            let sentence = sentence.unwrap_or_else(|| panic!("web/i18n/en.json lacks error.field.{} ({})", e.code, e.message));
            for name in e.params.keys() {
                assert!(sentence.contains(&format!("{{{name}}}")), "error.field.{} does not name {{{name}}}", e.code);
            }
        }
    }
}
