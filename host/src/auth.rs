//! Agents, profiles, sign-in sessions and API tokens.
//!
//! Passwords are hashed with Argon2id, on a small blocking pool so sign-ins
//! cannot starve the server. Session and API tokens are random 256-bit
//! values; only their SHA-256 is stored, so a copy of the store does not
//! let anyone sign in. API tokens expire and can be revoked; a deactivated
//! or deleted agent's sessions and tokens stop working at once.
//!
//! Failed sign-ins are throttled per account and per client address
//! (`policy::throttle`), and a sign-in for an unknown account does the same
//! work as one for a known account, so timing does not tell which exist.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::policy::throttle::{Throttle, ThrottleRule};
use crate::secrets::random_token;

pub const ADMINISTRATOR: &str = "Administrator";
pub const AGENT: &str = "Agent";
pub const LIGHT_AGENT: &str = "Light Agent";
pub const BUILTIN_PROFILES: [&str; 3] = [ADMINISTRATOR, AGENT, LIGHT_AGENT];

/// How long a sign-in lasts.
const SESSION_SECS: i64 = 12 * 3600;

/// API token lifetimes, in days.
pub const TOKEN_DAYS_DEFAULT: u32 = 90;
pub const TOKEN_DAYS_MAX: u32 = 365;

/// Password hashes computed at once; each takes ~19 MiB for a moment.
const HASHING_SLOTS: usize = 2;

/// Failed sign-ins an account may have before it waits, and a client address.
const ACCOUNT_RULE: ThrottleRule =
    ThrottleRule { free: 5, max_wait: Duration::from_secs(15 * 60), forget_after: Duration::from_secs(30 * 60), capacity: 10_000 };
const ADDRESS_RULE: ThrottleRule =
    ThrottleRule { free: 20, max_wait: Duration::from_secs(15 * 60), forget_after: Duration::from_secs(30 * 60), capacity: 10_000 };

/// The languages the pages ship in (an agent's `language`); without one,
/// the pages follow the browser's.
pub const LANGUAGES: [&str; 3] = ["en", "pt-BR", "zh-CN"];

/// A language the pages ship in, spelled as [`LANGUAGES`] spells it
/// (`pt-br` -> `pt-BR`); empty means none (the browser's).
pub fn language(value: Option<String>) -> Result<Option<String>, AuthError> {
    let Some(value) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(&value)).map(|l| Some(l.to_string())).ok_or_else(|| {
        AuthError::Invalid(format!(
            "`{value}` is not a language the pages ship in; use {} (or null for the browser's)",
            LANGUAGES.join(", ")
        ))
    })
}

/// Compares two secrets in time that depends on their length only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile: String,
    /// A deactivated agent cannot sign in; their sessions and tokens end.
    #[serde(default = "yes")]
    pub active: bool,
    /// The pages' language for this agent (one of [`LANGUAGES`]); none: the browser's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    password_hash: String,
}

impl Agent {
    pub fn is_admin(&self) -> bool {
        self.profile == ADMINISTRATOR
    }

    /// The agent without secrets, for API answers.
    pub fn public(&self) -> Agent {
        Agent { password_hash: String::new(), ..self.clone() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    agent_id: String,
    expires_at: i64,
}

/// An API token as the console lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Names the token for revocation; not a secret.
    pub id: String,
    pub agent_id: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What an admin changes about an agent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub profile: Option<String>,
    pub active: Option<bool>,
    /// The pages' language: `en`, `pt-BR` or `zh-CN`; null or "" for the
    /// browser's; absent leaves it as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub language: Option<Option<String>>,
}

/// A field that may be null: present (even as null) is `Some`, absent
/// (`#[serde(default)]`) is `None`.
pub fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the email or password is not right")]
    BadCredentials,
    #[error("too many failed sign-ins; try again in {} seconds", .0.as_secs().max(1))]
    Throttled(Duration),
    #[error("this account is deactivated; ask an administrator")]
    Deactivated,
    #[error("there is no {0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(String),
    #[error("an agent with email {0} already exists")]
    DuplicateEmail(String),
    #[error("there is no profile named `{0}`; create it first")]
    UnknownProfile(String),
    #[error("a profile named `{0}` already exists")]
    DuplicateProfile(String),
    #[error("{0}")]
    Invalid(String),
    /// The details go to the log, not to the person who asked.
    #[error("the sign-in store failed; the server log has the details")]
    Storage(#[from] deskpane_store::StoreError),
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn hash_password(password: &str) -> Result<String, AuthError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the OS provides randomness");
    let salt = SaltString::encode_b64(&bytes).map_err(|e| AuthError::Invalid(format!("cannot make a salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Invalid(format!("cannot hash the password: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).map(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

#[derive(Clone)]
pub struct Auth {
    db: deskpane_store::Store,
    agents: deskpane_store::Tree,
    profiles: deskpane_store::Tree,
    sessions: deskpane_store::Tree,
    tokens: deskpane_store::Tree,
    accounts: Arc<Mutex<Throttle>>,
    addresses: Arc<Mutex<Throttle>>,
    hashing: Arc<Semaphore>,
    /// Checked against when the account does not exist (equal work).
    decoy: Arc<OnceLock<String>>,
}

impl Auth {
    pub fn open(db: &deskpane_store::Store) -> Result<Auth, AuthError> {
        let auth = Auth {
            db: db.clone(),
            agents: db.tree("auth.agents")?,
            profiles: db.tree("auth.profiles")?,
            sessions: db.tree("auth.sessions")?,
            tokens: db.tree("auth.tokens")?,
            accounts: Arc::new(Mutex::new(Throttle::new(ACCOUNT_RULE))),
            addresses: Arc::new(Mutex::new(Throttle::new(ADDRESS_RULE))),
            hashing: Arc::new(Semaphore::new(HASHING_SLOTS)),
            decoy: Arc::default(),
        };
        for name in BUILTIN_PROFILES {
            auth.profiles.insert(name, b"builtin")?;
        }
        Ok(auth)
    }

    pub fn profiles(&self) -> Vec<String> {
        self.profiles.iter().keys().filter_map(Result::ok).map(|k| String::from_utf8_lossy(&k).into_owned()).collect()
    }

    pub fn create_profile(&self, name: &str) -> Result<(), AuthError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 60 {
            return Err(AuthError::Invalid("a profile name has 1 to 60 characters".into()));
        }
        if self.profiles.contains_key(name)? {
            return Err(AuthError::DuplicateProfile(name.into()));
        }
        self.profiles.insert(name, b"custom")?;
        Ok(())
    }

    pub fn create_agent(&self, name: &str, email: &str, password: &str, profile: &str) -> Result<Agent, AuthError> {
        if name.trim().is_empty() {
            return Err(AuthError::Invalid("an agent needs a name".into()));
        }
        if !email.contains('@') {
            return Err(AuthError::Invalid(format!("`{email}` is not an email address")));
        }
        if password.chars().count() < 8 {
            return Err(AuthError::Invalid("a password has at least 8 characters".into()));
        }
        if !self.profiles.contains_key(profile)? {
            return Err(AuthError::UnknownProfile(profile.into()));
        }
        let email = email.trim().to_ascii_lowercase();
        if self.agent_by_email(&email).is_some() {
            return Err(AuthError::DuplicateEmail(email));
        }
        let agent = Agent {
            id: (self.db.generate_id()? + 1).to_string(),
            name: name.trim().into(),
            email,
            profile: profile.into(),
            active: true,
            language: None,
            password_hash: hash_password(password)?,
        };
        self.agents.insert(agent.id.as_bytes(), serde_json::to_vec(&agent).expect("agents serialise"))?;
        Ok(agent)
    }

    pub fn agents(&self) -> Vec<Agent> {
        self.agents.iter().values().filter_map(Result::ok).filter_map(|v| serde_json::from_slice(&v).ok()).collect()
    }

    pub fn agent(&self, id: &str) -> Option<Agent> {
        self.agents.get(id).ok().flatten().and_then(|v| serde_json::from_slice(&v).ok())
    }

    fn agent_by_email(&self, email: &str) -> Option<Agent> {
        self.agents().into_iter().find(|a| a.email.eq_ignore_ascii_case(email))
    }

    /// Checks the password and opens a session; returns its token. Throttled
    /// per account and per client address; equal work whether or not the
    /// account exists.
    pub async fn login(&self, email: &str, password: &str, client: Option<IpAddr>) -> Result<(Agent, String), AuthError> {
        let email = email.trim().to_ascii_lowercase();
        let address = client.map(|a| a.to_string());
        let now = Instant::now();
        let account_wait = self.accounts.lock().expect("throttle lock").check(&email, now).err();
        let address_wait = address.as_ref().and_then(|a| self.addresses.lock().expect("throttle lock").check(a, now).err());
        if let Some(wait) = account_wait.max(address_wait) {
            return Err(AuthError::Throttled(wait));
        }
        let agent = self.agent_by_email(&email);
        let hash = match &agent {
            Some(a) => a.password_hash.clone(),
            None => self.decoy.get_or_init(|| hash_password("no such account").unwrap_or_default()).clone(),
        };
        let verified = self.verify(password, hash).await;
        let agent = match agent {
            Some(agent) if verified => agent,
            _ => {
                self.accounts.lock().expect("throttle lock").fail(&email, now);
                if let Some(a) = &address {
                    self.addresses.lock().expect("throttle lock").fail(a, now);
                }
                return Err(AuthError::BadCredentials);
            }
        };
        // A right password clears the account, not the address: one known
        // password must not buy an attacker fresh guesses at others.
        self.accounts.lock().expect("throttle lock").succeed(&email);
        if !agent.active {
            return Err(AuthError::Deactivated);
        }
        let token = random_token();
        let session = Session { agent_id: agent.id.clone(), expires_at: chrono::Utc::now().timestamp() + SESSION_SECS };
        self.sessions.insert(digest(&token), serde_json::to_vec(&session).expect("sessions serialise"))?;
        Ok((agent, token))
    }

    /// Verifies on the bounded blocking pool: Argon2 is slow on purpose and
    /// must neither block the async workers nor run unbounded in parallel.
    async fn verify(&self, password: &str, hash: String) -> bool {
        let Ok(_slot) = self.hashing.acquire().await else { return false };
        let password = password.to_string();
        tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
    }

    /// The active agent signed in with this session token, if it is live.
    pub fn session(&self, token: &str) -> Option<Agent> {
        let session: Session = self.sessions.get(digest(token)).ok().flatten().and_then(|v| serde_json::from_slice(&v).ok())?;
        if session.expires_at < chrono::Utc::now().timestamp() {
            let _ = self.sessions.remove(digest(token));
            return None;
        }
        self.agent(&session.agent_id).filter(|a| a.active)
    }

    pub fn logout(&self, token: &str) {
        let _ = self.sessions.remove(digest(token));
    }

    /// A new API token acting as `agent_id` for `days` days. Shown once;
    /// only its hash is kept.
    pub fn create_api_token(&self, agent_id: &str, label: &str, days: Option<u32>) -> Result<(String, ApiToken), AuthError> {
        if !self.agent(agent_id).is_some_and(|a| a.active) {
            return Err(AuthError::Invalid(format!("there is no active agent with id {agent_id}")));
        }
        let days = days.unwrap_or(TOKEN_DAYS_DEFAULT);
        if !(1..=TOKEN_DAYS_MAX).contains(&days) {
            return Err(AuthError::Invalid(format!("a token lasts 1 to {TOKEN_DAYS_MAX} days")));
        }
        let label = label.trim();
        if label.chars().count() > 80 || label.contains(char::is_control) {
            return Err(AuthError::Invalid("a token's label is one line of at most 80 characters".into()));
        }
        let token = format!("dpt_{}", random_token());
        let key = digest(&token);
        let now = chrono::Utc::now().timestamp();
        let record = ApiToken {
            id: hex::encode(&key[..6]),
            agent_id: agent_id.to_string(),
            label: label.to_string(),
            created_at: now,
            expires_at: now + i64::from(days) * 86_400,
        };
        self.tokens.insert(key, serde_json::to_vec(&record).expect("tokens serialise"))?;
        Ok((token, record))
    }

    /// The active agent an unexpired, unrevoked API token acts as.
    pub fn api_token(&self, token: &str) -> Option<Agent> {
        let bytes = self.tokens.get(digest(token)).ok().flatten()?;
        // Tokens stored before expiry existed hold a bare id: no longer valid.
        let record: ApiToken = serde_json::from_slice(&bytes).ok()?;
        if record.expires_at < chrono::Utc::now().timestamp() {
            return None;
        }
        self.agent(&record.agent_id).filter(|a| a.active)
    }

    pub fn api_tokens(&self) -> Vec<ApiToken> {
        self.tokens.iter().values().filter_map(Result::ok).filter_map(|v| serde_json::from_slice(&v).ok()).collect()
    }

    pub fn revoke_api_token(&self, id: &str) -> Result<(), AuthError> {
        let key = self
            .tokens
            .iter()
            .filter_map(Result::ok)
            .find(|(_, v)| serde_json::from_slice::<ApiToken>(v).is_ok_and(|t| t.id == id))
            .map(|(k, _)| k)
            .ok_or_else(|| AuthError::NotFound(format!("API token {id}")))?;
        self.tokens.remove(key)?;
        Ok(())
    }

    /// Ends every session and token of an agent.
    fn revoke_access(&self, agent_id: &str) -> Result<(), AuthError> {
        for entry in self.sessions.iter() {
            let (k, v) = entry?;
            if serde_json::from_slice::<Session>(&v).is_ok_and(|s| s.agent_id == agent_id) {
                self.sessions.remove(k)?;
            }
        }
        for entry in self.tokens.iter() {
            let (k, v) = entry?;
            if serde_json::from_slice::<ApiToken>(&v).is_ok_and(|t| t.agent_id == agent_id) {
                self.tokens.remove(k)?;
            }
        }
        Ok(())
    }

    /// Whether an active Administrator other than `id` exists.
    fn another_admin_remains(&self, id: &str) -> bool {
        self.agents().iter().any(|a| a.id != id && a.active && a.is_admin())
    }

    /// Renames, moves to another profile, deactivates or reactivates an
    /// agent. An admin cannot lock themselves out, and the desk always
    /// keeps one active Administrator.
    pub fn update_agent(&self, id: &str, patch: AgentPatch, by: &Agent) -> Result<Agent, AuthError> {
        let mut agent = self.agent(id).ok_or_else(|| AuthError::NotFound(format!("agent with id {id}")))?;
        if let Some(name) = patch.name {
            if name.trim().is_empty() {
                return Err(AuthError::Invalid("an agent needs a name".into()));
            }
            agent.name = name.trim().to_string();
        }
        if let Some(profile) = patch.profile {
            if !self.profiles.contains_key(&profile)? {
                return Err(AuthError::UnknownProfile(profile));
            }
            agent.profile = profile;
        }
        if let Some(active) = patch.active {
            agent.active = active;
        }
        if let Some(value) = patch.language {
            agent.language = language(value)?;
        }
        let loses_admin = !agent.active || !agent.is_admin();
        if loses_admin && id == by.id {
            return Err(AuthError::Refused("you cannot deactivate yourself or take away your own Administrator profile".into()));
        }
        if loses_admin && self.agent(id).is_some_and(|a| a.is_admin() && a.active) && !self.another_admin_remains(id) {
            return Err(AuthError::Refused("the desk needs at least one active Administrator".into()));
        }
        self.agents.insert(agent.id.as_bytes(), serde_json::to_vec(&agent).expect("agents serialise"))?;
        if !agent.active {
            self.revoke_access(id)?;
        }
        Ok(agent)
    }

    /// Sets an agent's own language (one of [`LANGUAGES`], or none: the browser's).
    pub fn set_language(&self, id: &str, value: Option<String>) -> Result<Agent, AuthError> {
        let mut agent = self.agent(id).ok_or_else(|| AuthError::NotFound(format!("agent with id {id}")))?;
        agent.language = language(value)?;
        self.agents.insert(agent.id.as_bytes(), serde_json::to_vec(&agent).expect("agents serialise"))?;
        Ok(agent)
    }

    /// Deletes an agent and ends their sessions and tokens.
    pub fn delete_agent(&self, id: &str, by: &Agent) -> Result<(), AuthError> {
        let agent = self.agent(id).ok_or_else(|| AuthError::NotFound(format!("agent with id {id}")))?;
        if id == by.id {
            return Err(AuthError::Refused("you cannot delete yourself".into()));
        }
        if agent.is_admin() && agent.active && !self.another_admin_remains(id) {
            return Err(AuthError::Refused("the desk needs at least one active Administrator".into()));
        }
        self.revoke_access(id)?;
        self.agents.remove(id.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::open(&deskpane_store::Store::temporary().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn agents_sign_in_with_the_right_password_only() {
        let a = auth();
        let agent = a.create_agent("Ann", "Ann@Desk.example", "correct horse", AGENT).unwrap();
        assert!(matches!(a.login("ann@desk.example", "wrong pass", None).await, Err(AuthError::BadCredentials)));
        let (who, token) = a.login("ann@desk.example", "correct horse", None).await.unwrap();
        assert_eq!(who.id, agent.id);
        assert_eq!(a.session(&token).unwrap().id, agent.id);
        a.logout(&token);
        assert!(a.session(&token).is_none());
        assert!(a.session("forged").is_none());
    }

    #[test]
    fn passwords_are_stored_hashed() {
        let a = auth();
        a.create_agent("Ann", "ann@desk.example", "correct horse", AGENT).unwrap();
        let raw = a.agents.iter().values().next().unwrap().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("correct horse"));
        assert!(text.contains("$argon2id$"));
    }

    #[test]
    fn api_tokens_act_as_their_agent() {
        let a = auth();
        let agent = a.create_agent("Bot", "bot@desk.example", "long enough", ADMINISTRATOR).unwrap();
        let (token, record) = a.create_api_token(&agent.id, "CI", None).unwrap();
        assert_eq!(a.api_token(&token).unwrap().id, agent.id);
        assert!(a.api_token("dpt_guess").is_none());
        assert_eq!(record.expires_at - record.created_at, i64::from(TOKEN_DAYS_DEFAULT) * 86_400);
        a.revoke_api_token(&record.id).unwrap();
        assert!(a.api_token(&token).is_none(), "a revoked token stops working");
        assert!(a.create_api_token(&agent.id, "", Some(0)).is_err());
    }

    #[test]
    fn an_expired_token_no_longer_signs_in() {
        let a = auth();
        let agent = a.create_agent("Bot", "bot@desk.example", "long enough", AGENT).unwrap();
        let (token, mut record) = a.create_api_token(&agent.id, "", Some(1)).unwrap();
        record.expires_at = chrono::Utc::now().timestamp() - 1;
        a.tokens.insert(digest(&token), serde_json::to_vec(&record).unwrap()).unwrap();
        assert!(a.api_token(&token).is_none());
    }

    #[tokio::test]
    async fn a_deactivated_agent_loses_sessions_and_tokens_and_the_last_admin_stays() {
        let a = auth();
        let admin = a.create_agent("Ada", "ada@d.example", "long enough", ADMINISTRATOR).unwrap();
        let other = a.create_agent("Bea", "bea@d.example", "long enough", ADMINISTRATOR).unwrap();
        let (_, session) = a.login("bea@d.example", "long enough", None).await.unwrap();
        let (token, _) = a.create_api_token(&other.id, "", None).unwrap();
        a.update_agent(&other.id, AgentPatch { active: Some(false), ..Default::default() }, &admin).unwrap();
        assert!(a.session(&session).is_none());
        assert!(a.api_token(&token).is_none());
        assert!(matches!(a.login("bea@d.example", "long enough", None).await, Err(AuthError::Deactivated)));
        assert!(matches!(
            a.update_agent(&admin.id, AgentPatch { active: Some(false), ..Default::default() }, &admin),
            Err(AuthError::Refused(_))
        ));
        assert!(matches!(a.delete_agent(&admin.id, &other), Err(AuthError::Refused(_))), "the last active admin stays");
    }

    #[test]
    fn an_agent_has_one_of_the_pages_languages_or_none() {
        let a = auth();
        let admin = a.create_agent("Ada", "ada@d.example", "long enough", ADMINISTRATOR).unwrap();
        let bea = a.create_agent("Bea", "bea@d.example", "long enough", AGENT).unwrap();
        assert_eq!(bea.language, None, "a new agent follows the browser");
        let set = |v: Option<Option<&str>>| AgentPatch { language: v.map(|v| v.map(String::from)), ..Default::default() };
        assert_eq!(a.update_agent(&bea.id, set(Some(Some("pt-br"))), &admin).unwrap().language.as_deref(), Some("pt-BR"));
        assert_eq!(a.update_agent(&bea.id, set(None), &admin).unwrap().language.as_deref(), Some("pt-BR"), "absent: unchanged");
        assert!(matches!(a.update_agent(&bea.id, set(Some(Some("fr"))), &admin), Err(AuthError::Invalid(_))));
        assert_eq!(a.agent(&bea.id).unwrap().language.as_deref(), Some("pt-BR"), "a refused language changes nothing");
        assert_eq!(a.set_language(&bea.id, Some("zh-CN".into())).unwrap().language.as_deref(), Some("zh-CN"));
        assert_eq!(a.update_agent(&bea.id, set(Some(None)), &admin).unwrap().language, None, "null: the browser's");
        // A record stored before agents had a language still loads.
        let old = serde_json::json!({"id": "9", "name": "Old", "email": "old@d.example", "profile": AGENT, "password_hash": "x"});
        assert_eq!(serde_json::from_value::<Agent>(old).unwrap().language, None);
        let patch: AgentPatch = serde_json::from_str(r#"{"language": null}"#).unwrap();
        assert_eq!(patch.language, Some(None));
        let patch: AgentPatch = serde_json::from_str(r#"{"name": "X"}"#).unwrap();
        assert_eq!(patch.language, None);
    }

    #[test]
    fn profiles_are_builtin_or_created_and_agents_need_one() {
        let a = auth();
        assert!(matches!(a.create_agent("X", "x@d.example", "long enough", "Nope"), Err(AuthError::UnknownProfile(_))));
        a.create_profile("Billing Agent").unwrap();
        assert!(a.profiles().contains(&"Billing Agent".to_string()));
        a.create_agent("X", "x@d.example", "long enough", "Billing Agent").unwrap();
        assert!(matches!(a.create_agent("Y", "X@d.example", "long enough", AGENT), Err(AuthError::DuplicateEmail(_))));
    }
}
