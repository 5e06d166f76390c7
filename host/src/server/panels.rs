//! `/api/{tickets|contacts|accounts}/{id}/panels`: the CRM panels an agent
//! may see beside a ticket, a desk contact or a desk account, section by
//! section, with permissions checked before any plugin is called. The wire
//! shapes below are what the ticket view reads; they are built from the
//! host's contract types, never from generated bindings.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiError, ApiResult, AppState};
use crate::auth::Agent;
use crate::contract::{Activity, ActivityKind, MatchKey, Note, Potential, Profile};
use crate::desk::Kind;
use crate::panels::{display, PanelError, SectionData, Subject};
use crate::permissions::{Section, ShowAs};

/// A panel the agent may open beside a ticket.
#[derive(Serialize, ToSchema)]
pub struct PanelEntry {
    /// The plugin's id.
    plugin: String,
    /// The plugin's display name ("View in Salesforce").
    name: String,
    /// The CRM's word for potentials ("Deals", "Opportunities").
    potentials_label: String,
    /// The sections this agent may see, in display order.
    sections: Vec<Section>,
    show: ShowAs,
    /// The CRM organisation's currency (ISO 4217), for amounts the CRM
    /// reports without one; set by an administrator.
    currency: Option<String>,
    /// What this agent may do from the panel: `link` (search the CRM and
    /// link the requester to a record, or create one), `note`, `call`,
    /// `task` (on a found profile's record).
    actions: Vec<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct PanelList {
    panels: Vec<PanelEntry>,
}

/// A profile field, ready to show.
#[derive(Serialize, ToSchema)]
pub struct ProfileField {
    name: String,
    label: String,
    value: String,
}

/// The requester as the CRM knows them.
#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    /// The CRM module of the record found (contacts, leads, accounts).
    module: &'static str,
    id: String,
    display_name: String,
    /// Which requester key found it: email, secondary email, phone, name or account name.
    match_key: &'static str,
    email: Option<String>,
    secondary_email: Option<String>,
    phone: Option<String>,
    /// The account's name.
    account: Option<String>,
    owner: Option<String>,
    /// "View in CRM" link.
    link: Option<String>,
    fields: Vec<ProfileField>,
}

impl From<&Profile> for ProfileView {
    fn from(p: &Profile) -> Self {
        ProfileView {
            module: p.record.module.as_str(),
            id: p.record.id.clone(),
            display_name: p.display_name.clone(),
            match_key: match p.match_key {
                MatchKey::Email => "email",
                MatchKey::SecondaryEmail => "secondary email",
                MatchKey::Phone => "phone",
                MatchKey::Name => "name",
                MatchKey::AccountName => "account name",
                MatchKey::Linked => "linked",
            },
            email: p.email.clone(),
            secondary_email: p.secondary_email.clone(),
            phone: p.phone.clone(),
            account: p.account.as_ref().map(|a| a.name.clone().unwrap_or_else(|| a.id.clone())),
            owner: p.owner.clone(),
            link: p.link.clone(),
            fields: p
                .fields
                .iter()
                .map(|f| ProfileField {
                    name: f.name.clone(),
                    label: f.label.clone().unwrap_or_else(|| f.name.replace('_', " ")),
                    value: display(&f.value),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PotentialView {
    id: String,
    name: Option<String>,
    stage: Option<String>,
    amount: Option<f64>,
    /// ISO 4217.
    currency: Option<String>,
    /// `YYYY-MM-DD`.
    closing_date: Option<String>,
    owner: Option<String>,
    link: Option<String>,
}

impl From<&Potential> for PotentialView {
    fn from(p: &Potential) -> Self {
        PotentialView {
            id: p.record.id.clone(),
            name: p.record.name.clone(),
            stage: p.stage.clone(),
            amount: p.amount,
            currency: p.currency.clone(),
            closing_date: p.closing_date.clone(),
            owner: p.owner.clone(),
            link: p.link.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    id: String,
    title: Option<String>,
    /// Plain text; render as text, never as markup.
    content: String,
    author: Option<String>,
    /// RFC 3339.
    created_time: Option<String>,
    link: Option<String>,
}

impl From<&Note> for NoteView {
    fn from(n: &Note) -> Self {
        NoteView {
            id: n.record.id.clone(),
            title: n.title.clone(),
            content: n.content.clone(),
            author: n.author.clone(),
            created_time: n.created_time.clone(),
            link: n.link.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActivityView {
    id: String,
    /// call, event, task or chat.
    kind: &'static str,
    subject: String,
    status: Option<String>,
    /// RFC 3339.
    start_time: Option<String>,
    end_time: Option<String>,
    owner: Option<String>,
    description: Option<String>,
    link: Option<String>,
}

impl From<&Activity> for ActivityView {
    fn from(a: &Activity) -> Self {
        ActivityView {
            id: a.record.id.clone(),
            kind: match a.kind {
                ActivityKind::Call => "call",
                ActivityKind::Event => "event",
                ActivityKind::Task => "task",
                ActivityKind::Chat => "chat",
            },
            subject: a.subject.clone(),
            status: a.status.clone(),
            start_time: a.start_time.clone(),
            end_time: a.end_time.clone(),
            owner: a.owner.clone(),
            description: a.description.clone(),
            link: a.link.clone(),
        }
    }
}

/// One section of a panel: exactly one of `profile`, `potentials`, `notes`
/// or `activities` is present, as the path asked.
#[derive(Serialize, ToSchema, Default)]
pub struct SectionView {
    /// The requester's profile; `null` when the CRM has no match.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable)]
    profile: Option<Option<ProfileView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    potentials: Option<Vec<PotentialView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<NoteView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activities: Option<Vec<ActivityView>>,
    /// Served from the desk's cache rather than asked of the CRM just now.
    cached: bool,
    /// The CRM failed just now: this is its last answer, from this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_since: Option<String>,
    /// Why the data is not fresh, for the agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
    /// `notice` as a code and parameters, for pages that translate it.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice_code: Option<crate::panels::AgentMessage>,
    /// The failure's technical cause; only ever sent to administrators.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<String>,
}

impl SectionView {
    /// The answer as `agent` may read it (the cause for administrators only).
    fn new(answer: crate::panels::SectionAnswer, agent: &Agent) -> Self {
        let data = &answer.data;
        let view = SectionView {
            cached: answer.cached,
            stale_since: answer.stale_since.clone(),
            notice: answer.notice.clone(),
            notice_code: answer.notice_code.clone(),
            details: answer.cause.clone().filter(|_| agent.is_admin()),
            ..Default::default()
        };
        match data {
            SectionData::Profile(p) => SectionView { profile: Some(p.as_deref().map(ProfileView::from)), ..view },
            SectionData::Potentials(list) => SectionView { potentials: Some(list.iter().map(PotentialView::from).collect()), ..view },
            SectionData::Notes(list) => SectionView { notes: Some(list.iter().map(NoteView::from).collect()), ..view },
            SectionData::Activities(list) => SectionView { activities: Some(list.iter().map(ActivityView::from).collect()), ..view },
        }
    }
}

const KIND: &str = "What the panels stand beside: tickets (the requester), contacts or accounts";

/// The desk record panels go beside, which must exist.
fn subject<'a>(s: &AppState, kind: &str, id: &'a str) -> ApiResult<Subject<'a>> {
    let kind = Kind::from_plural(kind)
        .and_then(|k| Subject::of(k, id).map(|_| k))
        .ok_or_else(|| ApiError::not_found(format!("CRM panels go beside tickets, contacts and accounts, not `{kind}`")))?;
    if s.desk.get(kind, id).is_none() {
        return Err(ApiError::not_found(format!("no {} with id {id}", kind.singular())));
    }
    Ok(Subject::of(kind, id).expect("checked above"))
}

/// The panels this agent may see beside a ticket, contact or account.
#[utoipa::path(get, path = "/api/{kind}/{id}/panels", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path)),
    responses((status = 200, body = PanelList), (status = 404, description = "No such record")))]
async fn list(State(s): State<AppState>, agent: Agent, Path((kind, id)): Path<(String, String)>) -> ApiResult<Json<PanelList>> {
    let subject = subject(&s, &kind, &id)?;
    let panels = s
        .registry
        .enabled()
        .into_iter()
        .filter_map(|(id, plugin)| {
            let permissions = s.registry.permissions(&id, &agent.profile);
            let sections = permissions.sections();
            let currency = s.registry.installation(&id).ok().and_then(|i| i.default_currency);
            let actions = panel_actions(&permissions);
            (permissions.visible && !sections.is_empty()).then(|| PanelEntry {
                plugin: id,
                name: plugin.manifest().name.clone(),
                potentials_label: plugin.manifest().panel.potentials.clone(),
                sections,
                // An account's page shows the account, whatever the profile's choice.
                show: if matches!(subject, Subject::Account(_)) { ShowAs::Accounts } else { permissions.show },
                currency,
                actions,
            })
        })
        .collect();
    Ok(Json(PanelList { panels }))
}

/// What a profile's permissions let its agents do from a panel.
fn panel_actions(p: &crate::permissions::PanelPermissions) -> Vec<&'static str> {
    use crate::permissions::Access;
    if !p.allows(Section::Profile) {
        return Vec::new();
    }
    [(Access::Full, "link"), (p.notes, "note"), (p.calls, "call"), (p.tasks, "task")]
        .into_iter()
        .filter(|(access, _)| *access == Access::Full)
        .map(|(_, action)| action)
        .collect()
}

#[derive(Deserialize, IntoParams)]
struct SectionQuery {
    /// Any value but `0` or `false` asks the CRM again instead of the cache.
    refresh: Option<String>,
}

/// One section of one plugin's panel beside a ticket, contact or account.
#[utoipa::path(get, path = "/api/{kind}/{id}/panels/{plugin}/{section}", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path), ("section" = Section, Path), SectionQuery),
    responses((status = 200, body = SectionView),
        (status = 403, description = "The agent's profile may not see this section"),
        (status = 404, description = "No such record, plugin or section"),
        (status = 502, description = "The CRM or the plugin failed")))]
async fn section(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id, plugin, section)): Path<(String, String, String, String)>,
    Query(q): Query<SectionQuery>,
) -> ApiResult<Json<SectionView>> {
    let section = Section::parse(&section)
        .ok_or_else(|| ApiError::not_found(format!("`{section}` is not a panel section; use profile, potentials, notes or activities")))?;
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    let refresh = q.refresh.is_some_and(|r| r != "0" && r != "false");
    match s.panels.section(&plugin, subject, &permissions, section, refresh).await {
        Ok(answer) => Ok(Json(SectionView::new(answer, &agent))),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

/// A panel failure as the caller may read it: agents get a sentence and a
/// reference, administrators also the cause.
fn panel_error(s: &AppState, agent: &Agent, plugin: &str, e: PanelError) -> ApiError {
    let plugin = plugin.to_string();
    let refusal = |error: ApiError| match e.code() {
        Some(message) => error.with_code(message),
        None => error,
    };
    match &e {
        PanelError::Hidden | PanelError::Restricted(_) => refusal(ApiError::forbidden(e.to_string())),
        PanelError::NoPlugin(_) | PanelError::NotFound(..) => refusal(ApiError::not_found(e.to_string())),
        PanelError::Known | PanelError::NoRecord => refusal(ApiError::new(StatusCode::CONFLICT, e.to_string())),
        PanelError::Invalid(_) => refusal(ApiError::bad_request(e.to_string())),
        PanelError::Storage(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        PanelError::Plugin(call) => {
            // The agent reads what happened and what to do; the cause
            // (addresses, the requester's details) goes to the log and
            // to administrators only.
            let reference = crate::secrets::random_hex(4);
            tracing::warn!(plugin = %plugin, reference, "panel section failed: {e}");
            let manifest = s.registry.manifest(&plugin);
            let crm = manifest.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| plugin.clone());
            // The desk knows when a connection was never made: when the
            // plugin reports a failure, say so.
            let unconnected = matches!(call.kind, crate::CallErrorKind::Connector(_))
                && manifest.iter().flat_map(|m| m.credentials.keys()).any(|c| !s.registry.is_connected(&plugin, c));
            let message = if unconnected {
                crate::panels::AgentMessage::new("crm.not_connected", &crm, &reference)
            } else {
                crate::panels::agent_message(&crm, call, &reference)
            };
            let error = ApiError::coded(StatusCode::BAD_GATEWAY, message);
            if agent.is_admin() {
                error.with_details(e.to_string())
            } else {
                error
            }
        }
    }
}

/// What an agent creates for a requester the CRM does not know.
#[derive(Deserialize, ToSchema, Clone, Copy)]
enum CreateRequester {
    #[serde(rename = "create-contact")]
    Contact,
    #[serde(rename = "create-lead")]
    Lead,
}

#[derive(Deserialize, ToSchema)]
struct CreateBody {
    kind: CreateRequester,
}

/// The CRM record created.
#[derive(Serialize, ToSchema)]
struct CreatedRecord {
    module: &'static str,
    id: String,
    name: Option<String>,
}

/// Creates the requester in the CRM as a contact or lead, from what the
/// desk knows of them (when the CRM has no matching record).
#[utoipa::path(post, path = "/api/{kind}/{id}/panels/{plugin}/requester", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)), request_body = CreateBody,
    responses((status = 201, body = CreatedRecord), (status = 403), (status = 404),
        (status = 409, description = "The CRM knows the requester already"), (status = 502)))]
async fn create_requester(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id, plugin)): Path<(String, String, String)>,
    Json(body): Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<CreatedRecord>)> {
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    let action = match body.kind {
        CreateRequester::Contact => crate::contract::ActionKind::CreateContact,
        CreateRequester::Lead => crate::contract::ActionKind::CreateLead,
    };
    match s.panels.create_requester(&plugin, subject, &permissions, action, &agent.email).await {
        Ok(r) => Ok((StatusCode::CREATED, Json(CreatedRecord { module: r.module.as_str(), id: r.id, name: r.name }))),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

#[derive(Deserialize, IntoParams)]
struct SearchQuery {
    /// A name, an email address or a phone number, as the agent typed it.
    q: String,
}

/// A CRM record a search found.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    /// contacts or leads.
    module: &'static str,
    id: String,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    /// A contact's account, a lead's company.
    organisation: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// Contacts first, then leads.
    records: Vec<CandidateView>,
}

/// Searches the CRM for an existing record to link the requester to: the
/// contacts, then the leads, whose email, phone or name equals the query.
#[utoipa::path(get, path = "/api/{kind}/{id}/panels/{plugin}/search", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path), SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, description = "No query, or one too long"),
        (status = 403, description = "The agent's profile may not see the contact information"), (status = 404), (status = 502)))]
async fn search(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id, plugin)): Path<(String, String, String)>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    match s.panels.search(&plugin, subject, &permissions, &q.q).await {
        Ok(found) => Ok(Json(SearchResults {
            records: found
                .into_iter()
                .map(|c| CandidateView {
                    module: c.record.module.as_str(),
                    id: c.record.id,
                    name: c.record.name,
                    email: c.email,
                    phone: c.phone,
                    organisation: c.organisation,
                })
                .collect(),
        })),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

/// Which kind of CRM record to link to.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum LinkModule {
    Contacts,
    Leads,
    Accounts,
}

#[derive(Deserialize, ToSchema)]
struct LinkBody {
    module: LinkModule,
    /// The CRM's id of the record.
    id: String,
}

/// The requester's link to a CRM record.
#[derive(Serialize, ToSchema)]
pub struct LinkView {
    profile: ProfileView,
}

/// Links the requester (the ticket's desk contact, the contact, the
/// account) to an existing CRM record; the panels then show its profile.
#[utoipa::path(put, path = "/api/{kind}/{id}/panels/{plugin}/link", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)), request_body = LinkBody,
    responses((status = 200, body = LinkView), (status = 403), (status = 404, description = "No such record, plugin or CRM record"),
        (status = 502)))]
async fn link(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id, plugin)): Path<(String, String, String)>,
    Json(body): Json<LinkBody>,
) -> ApiResult<Json<LinkView>> {
    use crate::contract::{Module, RecordRef};
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    let module = match body.module {
        LinkModule::Contacts => Module::Contacts,
        LinkModule::Leads => Module::Leads,
        LinkModule::Accounts => Module::Accounts,
    };
    if body.id.trim().is_empty() || body.id.len() > 200 {
        return Err(ApiError::bad_request("name the CRM record by its id"));
    }
    let record = RecordRef { module, id: body.id, name: None };
    match s.panels.link(&plugin, subject, &permissions, record, &agent.email).await {
        Ok(profile) => Ok(Json(LinkView { profile: ProfileView::from(&profile) })),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

/// Forgets the requester's link: the panels look them up again.
#[utoipa::path(delete, path = "/api/{kind}/{id}/panels/{plugin}/link", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)),
    responses((status = 204, description = "Unlinked"), (status = 403), (status = 404, description = "No such record, or no link")))]
async fn unlink(
    State(s): State<AppState>,
    agent: Agent,
    Path((kind, id, plugin)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    match s.panels.unlink(&plugin, subject, &permissions) {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::not_found("the requester is not linked to a CRM record")),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

#[derive(Deserialize, ToSchema)]
struct NoteBody {
    title: Option<String>,
    /// The note's text (plain text).
    content: String,
}

#[derive(Deserialize, ToSchema)]
struct CallBody {
    subject: String,
    direction: crate::panels::CallDirection,
    /// How long the call lasted, in seconds.
    duration_seconds: Option<u32>,
    description: Option<String>,
    /// When the call started (RFC 3339); now when absent.
    start_time: Option<String>,
}

#[derive(Deserialize, ToSchema)]
struct TaskBody {
    subject: String,
    description: Option<String>,
    /// `YYYY-MM-DD`.
    due_date: Option<String>,
}

async fn act(
    s: AppState,
    agent: Agent,
    (kind, id, plugin): (String, String, String),
    action: crate::panels::SidebarAction,
) -> ApiResult<(StatusCode, Json<CreatedRecord>)> {
    let subject = subject(&s, &kind, &id)?;
    let permissions = s.registry.permissions(&plugin, &agent.profile);
    match s.panels.act(&plugin, subject, &permissions, action, &agent.email).await {
        Ok(r) => Ok((StatusCode::CREATED, Json(CreatedRecord { module: r.module.as_str(), id: r.id, name: r.name }))),
        Err(e) => Err(panel_error(&s, &agent, &plugin, e)),
    }
}

/// Adds a note to the profile's CRM record, by the agent's CRM user.
#[utoipa::path(post, path = "/api/{kind}/{id}/panels/{plugin}/actions/note", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)), request_body = NoteBody,
    responses((status = 201, body = CreatedRecord), (status = 400, description = "No text"),
        (status = 403, description = "The agent's profile may not see notes"), (status = 404),
        (status = 409, description = "The requester has no CRM record yet"), (status = 502)))]
async fn add_note(
    State(s): State<AppState>,
    agent: Agent,
    Path(path): Path<(String, String, String)>,
    Json(body): Json<NoteBody>,
) -> ApiResult<(StatusCode, Json<CreatedRecord>)> {
    act(s, agent, path, crate::panels::SidebarAction::Note { title: body.title, content: body.content }).await
}

/// Logs a call held with the profile's CRM record, by the agent's CRM user.
#[utoipa::path(post, path = "/api/{kind}/{id}/panels/{plugin}/actions/call", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)), request_body = CallBody,
    responses((status = 201, body = CreatedRecord), (status = 400, description = "No subject, or a malformed time"),
        (status = 403, description = "The agent's profile may not see calls"), (status = 404),
        (status = 409, description = "The requester has no CRM record yet"), (status = 502)))]
async fn log_call(
    State(s): State<AppState>,
    agent: Agent,
    Path(path): Path<(String, String, String)>,
    Json(body): Json<CallBody>,
) -> ApiResult<(StatusCode, Json<CreatedRecord>)> {
    let action = crate::panels::SidebarAction::Call {
        subject: body.subject,
        direction: body.direction,
        duration_seconds: body.duration_seconds,
        description: body.description,
        start_time: body.start_time,
    };
    act(s, agent, path, action).await
}

/// Logs a task on the profile's CRM record, owned by the agent's CRM user.
#[utoipa::path(post, path = "/api/{kind}/{id}/panels/{plugin}/actions/task", tag = "panels",
    params(("kind" = String, Path, description = KIND), ("id" = String, Path), ("plugin" = String, Path)), request_body = TaskBody,
    responses((status = 201, body = CreatedRecord), (status = 400, description = "No subject, or a malformed date"),
        (status = 403, description = "The agent's profile may not see tasks"), (status = 404),
        (status = 409, description = "The requester has no CRM record yet"), (status = 502)))]
async fn log_task(
    State(s): State<AppState>,
    agent: Agent,
    Path(path): Path<(String, String, String)>,
    Json(body): Json<TaskBody>,
) -> ApiResult<(StatusCode, Json<CreatedRecord>)> {
    let action = crate::panels::SidebarAction::Task { subject: body.subject, description: body.description, due_date: body.due_date };
    act(s, agent, path, action).await
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(section))
        .routes(routes!(create_requester))
        .routes(routes!(search))
        .routes(routes!(link, unlink))
        .routes(routes!(add_note))
        .routes(routes!(log_call))
        .routes(routes!(log_task))
}
