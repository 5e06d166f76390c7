// The JSON the Deskpane server answers, as the pages read it (only the
// fields the pages use). Ambient: JSDoc refers to these as Api.Plugin etc.

declare namespace Api {
  /** A refused field of a form (ApiError.fields). */
  interface FieldError {
    field?: string;
    message?: string;
    /** The problem as a stable code: the catalogs' `error.field.<code>`. */
    code?: string;
    params?: Record<string, string>;
  }

  /** The signed-in agent (GET /api/me, POST /api/login). */
  interface Agent {
    id: string;
    name: string;
    email: string;
    profile: string;
    /** The pages' language (en, pt-BR, zh-CN); null: the browser's. */
    language?: string | null;
  }

  // ------------------------------------------------------------ desk

  /** A row of GET /api/ticket-list. */
  interface TicketSummary {
    id: string;
    subject?: string;
    requester?: string;
    email?: string;
    status?: string;
    priority?: string;
    customer_type?: string | null;
    created_at?: string;
  }

  interface TicketFields {
    subject?: string;
    description?: string;
    status?: string;
    priority?: string;
    department?: string;
    channel?: string;
    email?: string;
    contact_id?: string;
    account_id?: string;
  }

  /** GET /api/tickets/{id}. */
  interface Ticket {
    id: string;
    fields?: TicketFields;
    created_at?: string;
    updated_at?: string;
  }

  /** A desk record (GET /api/contacts/{id}, /api/accounts/{id}). */
  interface Record {
    id?: string;
    fields?: { [name: string]: any };
  }

  // ------------------------------------------------------------ panels

  /** An entry of GET /api/tickets/{id}/panels. */
  interface PanelInfo {
    plugin: string;
    name?: string;
    /** The CRM's word for potentials ("Deals", "Opportunities"). */
    potentials_label?: string;
    show?: string;
    sections?: string[];
    /** The CRM organisation's currency (ISO 4217), for amounts the CRM reports without one. */
    currency?: string | null;
    /** What the agent may do from the panel: link, note, call, task. */
    actions?: string[];
  }

  /** A CRM record a search found, to link the requester to. */
  interface Candidate {
    module: string;
    id: string;
    name?: string | null;
    email?: string | null;
    phone?: string | null;
    /** A contact's account, a lead's company. */
    organisation?: string | null;
  }

  interface Profile {
    display_name?: string;
    module?: string;
    match_key?: string;
    email?: string;
    secondary_email?: string;
    phone?: string;
    account?: string;
    owner?: string;
    link?: string;
    fields?: { name: string; label?: string; value?: unknown }[];
  }

  interface Potential {
    name?: string;
    stage?: string;
    amount?: number | string | null;
    currency?: string | null;
    closing_date?: string;
    owner?: string;
    link?: string;
  }

  interface Note {
    title?: string;
    content?: string;
    author?: string;
    created_time?: string;
    link?: string;
  }

  interface Activity {
    kind?: string;
    subject?: string;
    status?: string;
    start_time?: string;
    end_time?: string;
    owner?: string;
    description?: string;
    link?: string;
  }

  /** A section of a panel (GET /api/tickets/{id}/panels/{plugin}/{section}). */
  interface SectionData {
    cached?: boolean;
    /** The CRM failed just now: its last answer, from this time. */
    stale_since?: string;
    /** Why the data is not fresh, for the agent. */
    notice?: string;
    /** `notice` as a code and its values, which the pages translate (error.<code>). */
    notice_code?: { code: string, params: Record<string, string> };
    /** The technical cause of the failure (administrators only). */
    details?: string;
    profile?: Profile | null;
    potentials?: Potential[];
    notes?: Note[];
    activities?: Activity[];
  }

  // ------------------------------------------------------------ admin: plugins

  interface Credential {
    kind?: string;
    connected?: boolean;
    connected_at?: string;
    oauth_configured?: boolean;
  }

  interface Sandbox {
    allowed_hosts?: string[];
    extra_hosts?: string[];
    limits?: { [key: string]: number | null | undefined } | null;
    requests_above_defaults?: string[];
    above_defaults_approved?: boolean;
    concurrency_set?: number | null;
    concurrency_ceiling?: number;
  }

  /** A setting in the manifest's config schema. */
  interface ConfigSpec {
    type?: string;
    label?: string;
    description?: string;
    required?: boolean;
    default?: unknown;
    options?: unknown[];
    choices?: unknown[];
    values?: unknown[];
  }

  interface AccessRequest {
    id: string;
    email: string;
    status: string;
    sent_count: number;
    created_at?: string;
    approve_url?: string;
  }

  /** An entry of GET /api/admin/plugins. */
  interface Plugin {
    id: string;
    name: string;
    version?: string;
    publisher?: string;
    description?: string;
    status: string;
    enabled: boolean;
    credentials?: { [name: string]: Credential };
    sandbox?: Sandbox | null;
    config_schema?: { [key: string]: ConfigSpec };
    config?: { [key: string]: unknown };
    secrets_set?: string[];
    customer_type_field?: string | null;
    /** The CRM organisation's currency (ISO 4217). */
    default_currency?: string | null;
    extra_hosts?: string[];
    oauth?: { [credential: string]: { client_id?: string; authorize_url?: string; token_url?: string } };
    access_requests?: AccessRequest[];
    /** The permission items the CRM's panel has. */
    panel?: { potentials: string; activities: string[] } | null;
    /** false: deletions never cross between desk and CRM. */
    propagate_deletes?: boolean | null;
    /** How its calls have gone since it loaded; absent when it did not load. */
    health?: Health | null;
    /** Who signed the installed version; null: installed unsigned. */
    signature?: Signature | null;
  }

  /** PluginView.signature */
  interface Signature {
    /** The trusted publisher's name when it was installed. */
    publisher: string;
    fingerprint: string;
    /** The key is still among the trusted publishers. */
    trusted: boolean;
  }

  /** An entry of GET /api/admin/publishers. */
  interface Publisher {
    name: string;
    /** ed25519:<base64> */
    public_key: string;
    fingerprint: string;
    added_at?: string;
    /** Installed plugins this key signed. */
    plugins?: string[];
  }

  /** GET/PUT /api/admin/plugin-policy */
  interface PluginPolicy {
    allow_unsigned: boolean;
  }

  /** An integration's health (PluginView.health). */
  interface Health {
    /** healthy, failing or untested */
    state: string;
    last_success_at?: string | null;
    last_failure_at?: string | null;
    last_failure?: string | null;
  }

  /** POST /api/admin/plugins/{id}/test */
  interface ConnectionTest {
    ok: boolean;
    error?: string | null;
    health: Health;
  }

  /** A profile's permissions on a plugin's panel. */
  interface Permissions {
    visible: boolean;
    show: string;
    [part: string]: string | boolean;
  }

  // ------------------------------------------------------------ admin: agents, tokens, outbox

  interface AdminAgent {
    id: string;
    name: string;
    email: string;
    profile: string;
    active?: boolean;
    /** The pages' language (en, pt-BR, zh-CN); null: the browser's. */
    language?: string | null;
  }

  interface Token {
    id: string;
    label?: string | null;
    agent_email?: string | null;
    created_at?: string;
    expires_at?: string | null;
  }

  /** POST /api/admin/tokens: the token itself, shown once. */
  interface NewToken extends Token {
    token: string;
    agent_id?: string;
  }

  interface Email {
    to: string;
    subject: string;
    body: string;
    sent_at?: string;
  }

  // ------------------------------------------------------------ admin: sync

  interface FieldPair {
    desk: string;
    crm: string;
  }

  /** One module's sync settings. */
  interface SyncModule {
    enabled: boolean;
    direction?: string;
    fields?: FieldPair[];
    secondary_email?: boolean;
    list_views?: string[];
    departments?: string[];
    on_crm_delete?: string;
    on_desk_delete?: string;
  }

  interface SyncSettings {
    paused?: boolean;
    modules: { [module: string]: SyncModule };
  }

  interface SyncProgress {
    running?: boolean;
    phase?: string;
    module?: string;
    done?: number;
    first_sync?: boolean;
    last_error?: string | null;
    /** The last failure's technical cause, when it was the CRM's or the plugin's. */
    last_error_details?: string | null;
  }

  /** GET /api/admin/plugins/{id}/sync. */
  interface SyncOverview {
    settings: SyncSettings;
    progress?: SyncProgress | null;
    modules?: { [module: string]: { mapped?: number; first_sync_done?: boolean } };
    failures?: unknown;
  }

  interface SyncHistoryEntry {
    at: string;
    direction: string;
    module: string;
    added: number;
    updated: number;
    failed: number;
  }

  interface SyncFailure {
    id: string;
    at: string;
    module: string;
    direction: string;
    record: string;
    reason: string;
    desk_id?: string | null;
    crm_id?: string | null;
  }

  interface CrmField {
    name: string;
    label?: string;
    type: string;
    mandatory?: boolean;
    read_only?: boolean;
  }

  interface DeskField {
    name: string;
    type?: string;
    required?: boolean;
  }

  /** GET .../sync/fields/{module}. */
  interface SyncFields {
    crm?: CrmField[];
    desk?: DeskField[];
  }

  /** An entry of GET .../sync/list-views/{module}. */
  interface ListView {
    id: string | number;
    name?: string;
  }

  /** GET .../sync/list-views/{module}. */
  interface ListViewsAnswer {
    list_views: ListView[];
    /** The CRM did not answer: these are the views it last listed, at this time. */
    stale_since?: string;
    /** Why the list is not fresh, as a sentence. */
    notice?: string;
    /** The technical cause. */
    details?: string;
  }

  // ------------------------------------------------------------ recording (contact centres)

  /** A visitor's detail that identifies a CRM record. */
  type RecordingKey = 'email' | 'phone' | 'name' | 'company';

  /** One contact centre's recording configuration (seed 004). */
  interface RecordingSettings {
    /** Off: conversations are neither recorded nor turned into tickets. */
    enabled: boolean;
    mode: 'automatically' | 'manually';
    /** Sales: visitors as leads, conversations as tasks; Support: contacts and cases. */
    web_chat: 'sales' | 'support';
    inbox: 'sales' | 'support';
    /** When a matching contact is found. */
    update: 'do-not-update' | 'overwrite' | 'add-new-only';
    /** Each list tried in order until one finds a record. */
    identification: { account: RecordingKey[]; contact: RecordingKey[]; lead: RecordingKey[] };
    /** The CRM plugin records go to; null: the first connected CRM. */
    crm: string | null;
  }

  /** GET/PUT /api/admin/plugins/{id}/recording. */
  interface RecordingView {
    settings: RecordingSettings;
    /** The enabled CRM plugins records can go to. */
    crms: string[];
    /** Events received and not yet applied. */
    queued: number;
  }

  /** A CRM record (module as the contract names it: "Leads", "Cases", ...). */
  interface RecordRef {
    module: string;
    id: string;
    name?: string | null;
  }

  /** A CRM record a conversation produced or was linked to. */
  interface LinkedRecord {
    record: RecordRef;
    how: 'created' | 'found' | 'updated';
  }

  /** A contract value: {"Text": "..."}, {"Datetime": "..."}, "Null", ... */
  type ContractValue = string | { [variant: string]: unknown };

  /** The conversation as a CRM record of the contact centre's plugin. */
  interface ConversationRecord {
    id?: string | null;
    fields?: { name: string; label?: string; value: ContractValue }[];
  }

  /** What one conversation recorded (GET .../recording/log, newest first). */
  interface AttachedFile {
    /** The contact centre's id of the attachment. */
    source_id: string;
    name: string;
    /** The CRM's id of the attachment; null when it was not attached. */
    crm_id?: string | null;
    /** Why it was not attached (too large, say). */
    skipped?: string | null;
  }

  interface RecordingEntry {
    conversation_id: string;
    crm?: string | null;
    /** The lead or contact. */
    person?: LinkedRecord | null;
    /** The task or case. */
    activity?: LinkedRecord | null;
    /** The conversation's attachments, as attached to the task or case. */
    files?: AttachedFile[];
    /** The desk ticket of the conversation. */
    ticket?: string | null;
    /** Why the last attempt failed; null once it succeeded. */
    failure?: string | null;
    updated_at: string;
    conversation?: ConversationRecord;
  }

  /** GET /api/tickets/{id}/record. */
  interface TicketRecording {
    /** The contact-centre plugin the ticket came from. */
    plugin: string;
    entry: RecordingEntry;
    /** Agents create records from the ticket (manual mode). */
    manual: boolean;
  }
}
