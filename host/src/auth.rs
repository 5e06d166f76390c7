//! Agents, profiles, sign-in sessions and API tokens.
//!
//! Passwords are hashed with Argon2id. Session and API tokens are random
//! 256-bit values; only their SHA-256 is stored, so a copy of the store
//! does not let anyone sign in.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ADMINISTRATOR: &str = "Administrator";
pub const AGENT: &str = "Agent";
pub const LIGHT_AGENT: &str = "Light Agent";
pub const BUILTIN_PROFILES: [&str; 3] = [ADMINISTRATOR, AGENT, LIGHT_AGENT];

/// How long a sign-in lasts.
const SESSION_SECS: i64 = 12 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub profile: String,
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

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the email or password is not right")]
    BadCredentials,
    #[error("an agent with email {0} already exists")]
    DuplicateEmail(String),
    #[error("there is no profile named `{0}`; create it first")]
    UnknownProfile(String),
    #[error("a profile named `{0}` already exists")]
    DuplicateProfile(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the sign-in store failed: {0}")]
    Storage(String),
}

impl From<sled::Error> for AuthError {
    fn from(e: sled::Error) -> Self {
        AuthError::Storage(e.to_string())
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random token, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS provides randomness");
    hex::encode(bytes)
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
    PasswordHash::new(hash)
        .map(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

#[derive(Clone)]
pub struct Auth {
    db: sled::Db,
    agents: sled::Tree,
    profiles: sled::Tree,
    sessions: sled::Tree,
    tokens: sled::Tree,
}

impl Auth {
    pub fn open(db: &sled::Db) -> Result<Auth, AuthError> {
        let auth = Auth {
            db: db.clone(),
            agents: db.open_tree("auth.agents")?,
            profiles: db.open_tree("auth.profiles")?,
            sessions: db.open_tree("auth.sessions")?,
            tokens: db.open_tree("auth.tokens")?,
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

    /// Checks the password and opens a session; returns its token.
    pub fn login(&self, email: &str, password: &str) -> Result<(Agent, String), AuthError> {
        let agent = self.agent_by_email(email.trim()).ok_or(AuthError::BadCredentials)?;
        if !verify_password(password, &agent.password_hash) {
            return Err(AuthError::BadCredentials);
        }
        let token = random_token();
        let session = Session { agent_id: agent.id.clone(), expires_at: chrono::Utc::now().timestamp() + SESSION_SECS };
        self.sessions.insert(digest(&token), serde_json::to_vec(&session).expect("sessions serialise"))?;
        Ok((agent, token))
    }

    /// The agent signed in with this session token, if it is live.
    pub fn session(&self, token: &str) -> Option<Agent> {
        let session: Session = self.sessions.get(digest(token)).ok().flatten().and_then(|v| serde_json::from_slice(&v).ok())?;
        if session.expires_at < chrono::Utc::now().timestamp() {
            let _ = self.sessions.remove(digest(token));
            return None;
        }
        self.agent(&session.agent_id)
    }

    pub fn logout(&self, token: &str) {
        let _ = self.sessions.remove(digest(token));
    }

    /// A new API token acting as `agent_id`. Shown once; only its hash is kept.
    pub fn create_api_token(&self, agent_id: &str) -> Result<String, AuthError> {
        if self.agent(agent_id).is_none() {
            return Err(AuthError::Invalid(format!("there is no agent with id {agent_id}")));
        }
        let token = format!("dpt_{}", random_token());
        self.tokens.insert(digest(&token), agent_id.as_bytes())?;
        Ok(token)
    }

    pub fn api_token(&self, token: &str) -> Option<Agent> {
        let id = self.tokens.get(digest(token)).ok().flatten()?;
        self.agent(&String::from_utf8_lossy(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::open(&sled::Config::new().temporary(true).open().unwrap()).unwrap()
    }

    #[test]
    fn agents_sign_in_with_the_right_password_only() {
        let a = auth();
        let agent = a.create_agent("Ann", "Ann@Desk.example", "correct horse", AGENT).unwrap();
        assert!(matches!(a.login("ann@desk.example", "wrong pass"), Err(AuthError::BadCredentials)));
        let (who, token) = a.login("ann@desk.example", "correct horse").unwrap();
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
        let token = a.create_api_token(&agent.id).unwrap();
        assert_eq!(a.api_token(&token).unwrap().id, agent.id);
        assert!(a.api_token("dpt_guess").is_none());
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
