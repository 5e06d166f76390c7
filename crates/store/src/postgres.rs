//! The PostgreSQL backend: a tree is the rows of `deskpane_kv` that carry its
//! name, ids come from the `deskpane_ids` sequence (see `migrations/`).
//!
//! The API is synchronous (it mirrors sled) and the host calls it from inside
//! its async handlers, sometimes on a current_thread runtime, where
//! `block_on` panics. So the store owns a small runtime: every operation is
//! spawned onto it and the caller waits for the answer on a std channel.
//!
//! A transaction holds one pooled connection in a task of its own that
//! executes the closure's reads as they come; its writes stay with the
//! caller (read back by its own reads) and go to the server at the commit,
//! two statements for all of them, so a write costs no round trip. When the
//! caller lets go of the task (commit, abort, error or a panic in the
//! closure) it rolls back whatever is still open before the connection goes
//! back to the pool.
//!
//! Notices and locks need connections of their own, outside the pool: a
//! notice is heard on one LISTEN connection per store, and a lock is a
//! session-level advisory lock that lives exactly as long as the connection
//! that took it (so a killed replica lets go when its socket closes).

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::ops::Bound;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, TimeoutType};
use sha2::{Digest, Sha256};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{broadcast, watch};
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::types::ToSql;
use tokio_postgres::{AsyncMessage, Client, Connection, Socket};

use crate::signals::{Lock, Notice, BACKLOG, RESYNC};
use crate::tls::{self, MakeRustlsConnect, TlsError};
use crate::{Abort, FaultInner, Result, StoreError, TxError, TxFault, TxTree, Value};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Connections per store (each desk replica).
const POOL_SIZE: usize = 16;
/// Rows fetched per page while iterating. The first page is small: many
/// scans only look at their first entry (`is_empty`, "the latest one").
const PAGE: usize = 256;
const FIRST_PAGE: usize = 16;
/// Attempts of a transaction that keeps conflicting before it fails.
const MAX_ATTEMPTS: u32 = 100;
/// Unless the URL says otherwise (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an operation waits for a free pooled connection: long enough
/// for any burst, short enough that a closure which uses the store outside
/// its transaction while all connections are taken fails instead of hanging.
const POOL_WAIT: Duration = Duration::from_secs(60);
/// The advisory lock that serialises the migration of replicas starting at
/// once ("deskpane" in ASCII).
const MIGRATION_LOCK: i64 = 0x6465_736b_7061_6e65;
/// refinery's history table; not its default, so a database shared with
/// another refinery user keeps two histories apart.
const HISTORY_TABLE: &str = "deskpane_schema_history";
/// The channel every notice travels on; its payload is topic, `\n`, body.
const CHANNEL: &str = "deskpane";
/// PostgreSQL refuses a NOTIFY payload of this many bytes or more (with its
/// default 8 kB pages).
const NOTIFY_LIMIT: usize = 8000;
/// Reconnecting the LISTEN connection: first wait, and the longest.
const RELISTEN_FIRST: Duration = Duration::from_millis(100);
const RELISTEN_MAX: Duration = Duration::from_secs(5);
/// TCP keepalives of the dedicated connections (listener, locks), so that a
/// silent network failure (a replica's host powered off, a cut link) ends
/// them instead of leaving them up for the OS default of two hours. This
/// end gives up after ~5 + 3 × 2 = 11 s; the server's end (set per session,
/// see `SERVER_KEEPALIVES`) after ~10 + 3 × 5 = 25 s, later: a holder cut off
/// learns it lost its lock before the server hands the lock to another.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(5);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(2);
const KEEPALIVE_RETRIES: u32 = 3;
const SERVER_KEEPALIVES: &str = "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3";
/// tokio-postgres's default keepalive idle time: one the URL did not change.
const LIBRARY_KEEPALIVE_IDLE: Duration = Duration::from_secs(2 * 60 * 60);

/// What went wrong, before it becomes a `StoreError` sentence.
#[derive(Debug, thiserror::Error)]
enum PgError {
    #[error("the PostgreSQL URL `{url}` is not valid: {detail}")]
    Url { url: String, detail: String },
    #[error("could not start the store's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("could not connect to PostgreSQL at {target}: {detail}. Check that the server is running and reachable from here, that the user, password and database in the URL are right, and that its certificate is what the URL's sslmode and sslrootcert expect")]
    Connect { target: String, detail: String },
    #[error("the TLS settings of {url} cannot be used: {source}")]
    Tls { url: String, source: TlsError },
    #[error("all {POOL_SIZE} connections to {target} stayed busy for {}s", POOL_WAIT.as_secs())]
    PoolBusy { target: String },
    #[error("could not bring the schema of {target} up to date: {detail}")]
    Migrate { target: String, detail: String },
    #[error("{target} has migration {migration}, which this deskpane does not know")]
    TooNew { target: String, migration: String },
    #[error("on {target}: {fault}")]
    Statement { target: String, fault: Fault },
    #[error("a transaction on {target} still conflicted after {MAX_ATTEMPTS} attempts: {fault}")]
    Conflicts { target: String, fault: Fault },
    #[error("a transaction on {target} failed: {detail}")]
    Transaction { target: String, detail: String },
    #[error("the store's runtime stopped before answering (the store is closing, or one of its tasks panicked)")]
    Stopped,
    #[error("a notice's topic cannot hold a newline (it ends the topic in the payload): {topic:?}")]
    TopicNewline { topic: String },
    #[error("a notice of {len} bytes (topic, newline and body) is too long: PostgreSQL carries fewer than {NOTIFY_LIMIT}; send a key to re-read instead of the data")]
    NoticeTooLong { len: usize },
}

impl From<PgError> for StoreError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::TooNew { .. } => StoreError::SchemaTooNew(e.to_string()),
            e => StoreError::Postgres(e.to_string()),
        }
    }
}

/// A statement that failed, with its SQLSTATE so that a transaction can tell
/// a conflict (run it again) from the rest.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Fault {
    code: Option<SqlState>,
    message: String,
}

impl Fault {
    fn pg(e: &tokio_postgres::Error) -> Fault {
        Fault { code: e.code().cloned(), message: describe(e) }
    }

    fn other(message: impl Into<String>) -> Fault {
        Fault { code: None, message: message.into() }
    }

    fn stopped() -> Fault {
        Fault::other(PgError::Stopped.to_string())
    }

    /// serialization_failure or deadlock_detected: the transaction lost a
    /// race and may simply run again.
    fn is_conflict(&self) -> bool {
        self.code.as_ref().is_some_and(|c| *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
    }
}

/// An error and its sources on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = source.source();
    }
    out.replace('\n', "; ")
}

/// The server's own words when it answered (tokio-postgres's Display is
/// only "db error"), else the error and its sources.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{db} (SQLSTATE {})", db.code().code()).replace('\n', "; "),
        None => chain(e),
    }
}

fn pool_error(target: &str, e: PoolError) -> PgError {
    match e {
        PoolError::Backend(e) => PgError::Connect { target: target.into(), detail: describe(&e) },
        PoolError::Timeout(TimeoutType::Wait) => PgError::PoolBusy { target: target.into() },
        e => PgError::Connect { target: target.into(), detail: e.to_string() },
    }
}

/// `url` with its password (in the user info or a `password` parameter)
/// replaced by `***`. Finds the user info as tokio-postgres does: up to the
/// first `@`.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        // A key=value connection string: keep what precedes the password.
        return match url.find("password") {
            Some(i) => format!("{}password=***", &url[..i]),
            None => url.to_string(),
        };
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let (creds, rest) = match rest.find('@') {
        Some(at) => {
            let creds = &rest[..at];
            let creds = match creds.find(':') {
                Some(colon) => format!("{}:***@", &creds[..colon]),
                None => format!("{creds}@"),
            };
            (creds, &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    let rest = match rest.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if percent_decode(k).eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => rest.to_string(),
    };
    format!("{scheme}{creds}{rest}")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) struct Pg {
    shared: Arc<Shared>,
}

/// What the store, its trees and iterators share. Futures spawned on the
/// runtime never hold it, so its last holder (and the runtime's shutdown) is
/// always a caller's thread.
struct Shared {
    runtime: Option<Runtime>,
    handle: Handle,
    pool: Pool,
    /// For the connections outside the pool (listener, locks): the URL's,
    /// with keepalives.
    dedicated: Dial,
    /// Where the listener sends the notices it hears; started by the first
    /// `subscribe`.
    notices: Mutex<Option<broadcast::Sender<Notice>>>,
    /// The URL without its password, for messages.
    target: String,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside an async context
        // (the host drops stores in its handlers and tests).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Shared {
    /// Runs `fut` on the store's runtime; this thread waits for the answer.
    fn wait<T: Send + 'static>(&self, fut: impl Future<Output = T> + Send + 'static) -> Result<T, PgError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        answer(&rx).map_err(|_| PgError::Stopped)
    }

    /// Runs `op` on a pooled connection.
    fn with_conn<T, F, Fut>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, tokio_postgres::Error>> + Send,
    {
        let pool = self.pool.clone();
        let outcome = self.wait(async move {
            let conn = pool.get().await.map_err(OpError::Pool)?;
            op(conn).await.map_err(OpError::Pg)
        })?;
        outcome.map_err(|e| self.op_error(e).into())
    }

    fn op_error(&self, e: OpError) -> PgError {
        match e {
            OpError::Pool(e) => pool_error(&self.target, e),
            OpError::Pg(e) => PgError::Statement { target: self.target.clone(), fault: Fault::pg(&e) },
        }
    }
}

/// The TLS stream of every connection (plain ones included: tokio-postgres
/// keeps the type whether or not the session negotiated TLS).
type TlsStream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;

/// How to open a connection: the URL's settings and its TLS.
#[derive(Clone)]
struct Dial {
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
}

impl Dial {
    fn from_url(url: &str) -> Result<Dial, PgError> {
        let target = redact(url);
        let tls = tls::from_url(url).map_err(|source| PgError::Tls { url: target.clone(), source })?;
        let mut config: tokio_postgres::Config =
            tls.url.parse().map_err(|e: tokio_postgres::Error| PgError::Url { url: target, detail: chain(&e) })?;
        config.ssl_mode(tls.mode);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        Ok(Dial { config, tls: tls.connector })
    }

    async fn connect(&self) -> Result<(Client, Connection<Socket, TlsStream>), tokio_postgres::Error> {
        self.config.connect(self.tls.clone()).await
    }
}

enum OpError {
    Pool(PoolError),
    Pg(tokio_postgres::Error),
}

impl Pg {
    pub(crate) fn connect(url: &str) -> Result<Pg> {
        let target = redact(url);
        let Dial { mut config, tls } = Dial::from_url(url)?;
        if config.get_application_name().is_none() {
            config.application_name("deskpane");
        }
        let manager = Manager::from_config(config.clone(), tls.clone(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| PgError::Connect { target: target.clone(), detail: e.to_string() })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("deskpane-store")
            .enable_all()
            .build()
            .map_err(PgError::Runtime)?;
        let mut dedicated = Dial { config: config.clone(), tls };
        // On whatever the URL says: a lock whose connection could outlive a
        // dead peer for hours would block failover as long.
        let keep = &mut dedicated.config;
        keep.keepalives(true);
        if keep.get_keepalives_idle() == LIBRARY_KEEPALIVE_IDLE {
            keep.keepalives_idle(KEEPALIVE_IDLE);
        }
        if keep.get_keepalives_interval().is_none() {
            keep.keepalives_interval(KEEPALIVE_INTERVAL);
        }
        if keep.get_keepalives_retries().is_none() {
            keep.keepalives_retries(KEEPALIVE_RETRIES);
        }
        // From here on an early return drops `shared`, which shuts the
        // runtime down without blocking.
        let shared =
            Shared { handle: runtime.handle().clone(), runtime: Some(runtime), pool, dedicated, notices: Mutex::new(None), target };
        let applied = shared.wait(migrate(Dial { config, tls: shared.dedicated.tls.clone() }, shared.target.clone()))??;
        tracing::info!(url = %shared.target, applied = ?applied, "PostgreSQL store ready");
        Ok(Pg { shared: Arc::new(shared) })
    }

    pub(crate) fn tree(&self, name: &str) -> PgTree {
        PgTree { shared: self.shared.clone(), name: name.into() }
    }

    pub(crate) fn tree_names(&self) -> Result<Vec<String>> {
        // A loose index scan: one probe of the primary key per tree, not a
        // pass over every row.
        const SQL: &str = "WITH RECURSIVE t(tree) AS ( \
                SELECT min(tree) FROM deskpane_kv \
                UNION ALL \
                SELECT (SELECT min(k.tree) FROM deskpane_kv k WHERE k.tree > t.tree) FROM t WHERE t.tree IS NOT NULL \
            ) SELECT tree FROM t WHERE tree IS NOT NULL";
        self.shared.with_conn(|c| async move {
            let st = c.prepare_cached(SQL).await?;
            Ok(c.query(&st, &[]).await?.iter().map(|r| r.get(0)).collect())
        })
    }

    pub(crate) fn generate_id(&self) -> Result<u64> {
        self.shared.with_conn(|c| async move {
            let st = c.prepare_cached(NEXT_ID).await?;
            Ok(c.query_one(&st, &[]).await?.get::<_, i64>(0) as u64)
        })
    }

    /// `pg_notify` on a pooled connection, outside any transaction: sent as
    /// soon as it returns, after everything this process committed before.
    pub(crate) fn notify(&self, topic: &str, body: &str) -> Result<()> {
        if topic.contains('\n') {
            return Err(PgError::TopicNewline { topic: topic.into() }.into());
        }
        let payload = format!("{topic}\n{body}");
        if payload.len() >= NOTIFY_LIMIT {
            return Err(PgError::NoticeTooLong { len: payload.len() }.into());
        }
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached("SELECT pg_notify($1, $2)").await?;
            c.execute(&st, &[&CHANNEL, &payload]).await.map(drop)
        })
    }

    /// The first call starts the store's listener and waits for its LISTEN,
    /// so that whatever is sent once this returns is heard. If that fails
    /// the listener keeps trying, and says RESYNC when it gets there.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Notice> {
        let mut notices = self.shared.notices.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = &*notices {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(BACKLOG);
        let (config, target) = (self.shared.dedicated.clone(), self.shared.target.clone());
        let first = {
            let (config, target, sender) = (config.clone(), target.clone(), sender.clone());
            self.shared.wait(async move { listen(&config, &target, &sender).await }).and_then(|listened| listened)
        };
        let first = first.map_err(|e| tracing::warn!(error = %e, "not listening for notices yet; retrying")).ok();
        // The task holds no `Shared`: the runtime's shutdown ends it.
        self.shared.handle.spawn(serve_notices(first, config, target, sender.clone()));
        *notices = Some(sender);
        receiver
    }

    /// A session-level advisory lock on a connection of its own, held while
    /// a task drives that connection.
    pub(crate) fn try_lock(&self, name: &str) -> Result<Option<Lock>> {
        let key = lock_key(name);
        // Held elsewhere (replicas standing by ask every few seconds): say
        // so from a pooled connection rather than open (and handshake) one.
        if self.lock_held(key)? {
            return Ok(None);
        }
        let (config, target, lock_name) = (self.shared.dedicated.clone(), self.shared.target.clone(), name.to_string());
        let taken = self.shared.wait(async move {
            let (client, connection) =
                config.connect().await.map_err(|e| PgError::Connect { target: target.clone(), detail: describe(&e) })?;
            let (held, watched) = watch::channel(true);
            tokio::spawn(hold(connection, Held(held), lock_name, target.clone()));
            let statement = |e: tokio_postgres::Error| PgError::Statement { target: target.clone(), fault: Fault::pg(&e) };
            let got: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).await.map_err(statement)?.get(0);
            if !got {
                // Dropping the client closes the connection.
                return Ok(None);
            }
            // Best effort: without it the server keeps the lock of a holder
            // lost off the network for as long as the OS keeps its socket.
            if let Err(e) = client.batch_execute(SERVER_KEEPALIVES).await {
                tracing::debug!(error = %describe(&e), "could not set the server's keepalives for a lock");
            }
            Ok::<_, PgError>(Some((client, watched)))
        })??;
        Ok(taken.map(|(client, watched)| {
            let release = Release { client: Some(client), key, shared: self.shared.clone() };
            Lock::new(name, watched, Box::new(release))
        }))
    }

    /// Whether some session of this database holds the advisory lock `key`
    /// (PostgreSQL lists a bigint key as its high and low halves).
    fn lock_held(&self, key: i64) -> Result<bool> {
        let (high, low) = ((key as u64 >> 32) as u32, key as u64 as u32);
        self.shared.with_conn(move |c| async move {
            let st = c
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                     AND classid = $1 AND objid = $2 AND objsubid = 1)",
                )
                .await?;
            Ok(c.query_one(&st, &[&high, &low]).await?.get(0))
        })
    }

    /// Moves the id sequence so the next id is above `id` (never back).
    pub(crate) fn ids_above(&self, id: u64) -> Result<()> {
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached("SELECT setval('deskpane_ids', GREATEST($1, (SELECT last_value FROM deskpane_ids)))").await?;
            c.query_one(&st, &[&(id as i64)]).await?;
            Ok(())
        })
    }

    /// Serializable, on one connection, retried on conflict. Unlike sled, a
    /// closure that writes through a plain `Tree` (another connection) a row
    /// its own transaction has written waits for itself forever: use the
    /// `TxTree`s inside.
    pub(crate) fn transaction<R, E>(&self, trees: &[&PgTree], f: &TxBody<'_, R, E>) -> Result<R, TxError<E>> {
        let shared = &self.shared;
        let target = || shared.target.clone();
        let storage = |e: PgError| TxError::Storage(e.into());
        let pool = shared.pool.clone();
        let conn = shared.wait(async move { pool.get().await }).map_err(storage)?.map_err(|e| storage(pool_error(&shared.target, e)))?;
        let (cmds, rx) = tokio::sync::mpsc::unbounded_channel();
        shared.handle.spawn(serve_transaction(conn, rx));
        // Dropped on every way out of here, panics included: the task then
        // rolls back what is open and returns the connection.
        let conn = TxConn { cmds, writes: Mutex::default() };
        let mut attempt = 0;
        loop {
            attempt += 1;
            conn.begin().map_err(|fault| storage(PgError::Statement { target: target(), fault }))?;
            let txs: Vec<TxTree<'_>> = trees.iter().map(|t| TxTree::Postgres(PgTxTree { conn: &conn, tree: t.name.clone() })).collect();
            let outcome = f(&txs);
            drop(txs);
            let fault = match outcome {
                Ok(r) => match conn.commit() {
                    Ok(()) => return Ok(r),
                    Err(fault) => fault,
                },
                Err(Abort::Abort(e)) => {
                    // Nothing was committed whether this works or not (a
                    // connection that fails it is dropped, not pooled).
                    let _ = conn.call(Cmd::Rollback);
                    return Err(TxError::Abort(e));
                }
                Err(Abort::Fault(TxFault(FaultInner::Postgres(fault)))) => {
                    let _ = conn.call(Cmd::Rollback);
                    fault
                }
                Err(Abort::Fault(TxFault(other))) => {
                    let _ = conn.call(Cmd::Rollback);
                    return Err(storage(PgError::Transaction { target: target(), detail: format!("{other:?}") }));
                }
            };
            if !fault.is_conflict() {
                return Err(storage(PgError::Statement { target: target(), fault }));
            }
            if attempt >= MAX_ATTEMPTS {
                return Err(storage(PgError::Conflicts { target: target(), fault }));
            }
            backoff(attempt);
        }
    }
}

/// The advisory lock key of `name`: 64 bits of a hash, prefixed so that the
/// desk's keys do not meet another application's numbering.
fn lock_key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("deskpane-lock:{name}").as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// What a `Lock` keeps. The store stays up while a lock is held: its
/// runtime drives the connection.
struct Release {
    client: Option<Client>,
    key: i64,
    shared: Arc<Shared>,
}

/// How long dropping a lock waits for the server to confirm the unlock.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

impl Drop for Release {
    /// Unlocks, and waits (briefly) for the server to say so: closing the
    /// connection alone frees the lock only once the server notices, and
    /// this process's next `try_lock` of the same name (the next sync run)
    /// would find it still taken and skip its work.
    fn drop(&mut self) {
        let Some(client) = self.client.take() else { return };
        let key = self.key;
        let (done, confirmed) = mpsc::sync_channel(1);
        self.shared.handle.spawn(async move {
            let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&key]).await;
            // Dropping the client closes the connection either way.
            drop(client);
            let _ = done.send(());
        });
        let _ = confirmed.recv_timeout(RELEASE_WAIT);
    }
}

/// The lock's "held" flag, false once the task driving its connection ends,
/// whichever way: the connection broke, the lock was released, or the
/// runtime shut down.
struct Held(watch::Sender<bool>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.send_replace(false);
    }
}

/// Drives a lock's connection until it ends.
async fn hold(connection: Connection<Socket, TlsStream>, held: Held, name: String, target: String) {
    let ended = connection.await;
    // No `Lock` watches any more (released, or never taken): expected.
    if !held.0.is_closed() {
        let error = ended.err().map(|e| describe(&e)).unwrap_or_else(|| "closed by the server".into());
        tracing::warn!(lock = %name, url = %target, %error, "lost a lock: its connection to PostgreSQL ended");
    }
}

/// A connection that LISTENs, and its client (dropping that closes it).
struct Listening {
    client: Client,
    connection: Connection<Socket, TlsStream>,
}

/// Connects and LISTENs; notifications that come meanwhile are forwarded.
async fn listen(config: &Dial, target: &str, notices: &broadcast::Sender<Notice>) -> Result<Listening, PgError> {
    let (client, mut connection) = config.connect().await.map_err(|e| PgError::Connect { target: target.into(), detail: describe(&e) })?;
    let sql = format!("LISTEN {CHANNEL}");
    let setup = async {
        // Best effort, as for locks: a listener lost off the network would
        // otherwise hold the server's notice queue back until TCP gives up.
        let _ = client.batch_execute(SERVER_KEEPALIVES).await;
        // On its own: `pg_stat_activity.query` then names the listener.
        client.batch_execute(&sql).await
    };
    let listened = tokio::select! {
        listened = setup => listened.map_err(|e| Fault::pg(&e)),
        ended = forward(&mut connection, notices) => Err(ended.err().map_or_else(|| Fault::other("the connection closed"), |e| Fault::pg(&e))),
    };
    listened.map_err(|fault| PgError::Statement { target: target.into(), fault })?;
    Ok(Listening { client, connection })
}

/// Drives a LISTEN connection, forwarding its notifications, until it ends.
/// Cancel-safe: a message is forwarded in the poll that receives it.
async fn forward(connection: &mut Connection<Socket, TlsStream>, notices: &broadcast::Sender<Notice>) -> Result<(), tokio_postgres::Error> {
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(n))) if n.channel() == CHANNEL => {
                let (topic, body) = n.payload().split_once('\n').unwrap_or((n.payload(), ""));
                // Nobody subscribed is not an error.
                let _ = notices.send(Notice { topic: topic.into(), body: body.into() });
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Ok(()),
        }
    }
}

/// The store's listener: forwards notices, and when its connection breaks
/// reconnects (backing off) and sends RESYNC once it LISTENs again, since
/// what was sent meanwhile is lost. Runs until the runtime shuts down.
async fn serve_notices(mut current: Option<Listening>, config: Dial, target: String, notices: broadcast::Sender<Notice>) {
    let mut delay = RELISTEN_FIRST;
    loop {
        if let Some(Listening { client, mut connection }) = current.take() {
            let since = Instant::now();
            let ended = forward(&mut connection, &notices).await;
            drop(client);
            let error = ended.err().map(|e| describe(&e)).unwrap_or_else(|| "closed by the server".into());
            tracing::warn!(url = %target, %error, "the connection listening for notices ended; reconnecting");
            // A connection that keeps breaking at once is not retried faster.
            if since.elapsed() >= RELISTEN_MAX {
                delay = RELISTEN_FIRST;
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RELISTEN_MAX);
        match listen(&config, &target, &notices).await {
            Ok(listening) => {
                tracing::info!(url = %target, "listening for notices again");
                let _ = notices.send(Notice { topic: RESYNC.into(), body: String::new() });
                current = Some(listening);
            }
            Err(e) => tracing::warn!(error = %e, retry_in = ?delay, "could not listen for notices"),
        }
    }
}

/// A transaction's closure, as `Store::transaction` passes it.
type TxBody<'f, R, E> = dyn Fn(&[TxTree<'_>]) -> Result<R, Abort<E>> + 'f;

const GET: &str = "SELECT value FROM deskpane_kv WHERE tree = $1 AND key = $2";
const GET_MANY: &str = "SELECT key, value FROM deskpane_kv WHERE tree = $1 AND key = ANY($2)";
const INSERT: &str =
    "INSERT INTO deskpane_kv (tree, key, value) VALUES ($1, $2, $3) ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value";
const REMOVE: &str = "DELETE FROM deskpane_kv WHERE tree = $1 AND key = $2 RETURNING value";
/// A transaction's writes, sent at its commit: one statement for every
/// row written, one for every row removed.
const WRITE_ALL: &str = "INSERT INTO deskpane_kv (tree, key, value) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) \
     ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value";
const REMOVE_ALL: &str =
    "DELETE FROM deskpane_kv d USING unnest($1::text[], $2::bytea[]) AS x(tree, key) WHERE d.tree = x.tree AND d.key = x.key";
const NEXT_ID: &str = "SELECT nextval('deskpane_ids')";

/// Sleeps a random while, growing with the attempts, so that conflicting
/// transactions stop meeting in step.
fn backoff(attempt: u32) {
    use std::hash::{BuildHasher, Hasher};
    let cap_micros = 1000u64 << attempt.min(6);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    std::thread::sleep(Duration::from_micros(h.finish() % cap_micros));
}

/// Brings the schema up to date on a connection of its own, holding an
/// advisory lock so that replicas starting together migrate one at a time.
/// The names of the migrations it applied.
async fn migrate(config: Dial, target: String) -> Result<Vec<String>, PgError> {
    let connect = |e: tokio_postgres::Error| PgError::Connect { target: target.clone(), detail: describe(&e) };
    let (mut client, connection) = config.connect().await.map_err(connect)?;
    tokio::spawn(connection);
    let failed = |e: tokio_postgres::Error| PgError::Migrate { target: target.clone(), detail: describe(&e) };
    // Session-level: released when this connection closes, whatever happens.
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(failed)?;
    let mut runner = embedded::migrations::runner().set_abort_missing(true).set_abort_divergent(true);
    runner.set_migration_table_name(HISTORY_TABLE);
    let known: Vec<i64> = runner.get_migrations().iter().map(|m| m.version().into()).collect();
    let report = runner.run_async(&mut client).await.map_err(|e| {
        use refinery::error::Kind;
        match e.kind() {
            // An applied migration this binary lacks. refinery reports a
            // local migration older than the last applied one and never
            // applied with the same kind: that one is not "too new".
            Kind::MissingVersion(m) if !known.contains(&m.version().into()) => {
                PgError::TooNew { target: target.clone(), migration: m.to_string() }
            }
            Kind::DivergentVersion(applied, ours) => PgError::Migrate {
                target: target.clone(),
                detail: format!("its migration {applied} differs from this deskpane's {ours} (an edited migration, or another build)"),
            },
            _ => PgError::Migrate { target: target.clone(), detail: chain(&e) },
        }
    })?;
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    Ok(report.applied_migrations().iter().map(|m| m.to_string()).collect())
}

/// One named tree.
#[derive(Clone)]
pub(crate) struct PgTree {
    shared: Arc<Shared>,
    name: Arc<str>,
}

impl PgTree {
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Value>> {
        let (tree, key) = (self.name.clone(), key.to_vec());
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached(GET).await?;
            Ok(c.query_opt(&st, &[&&*tree, &key]).await?.map(|r| r.get(0)))
        })
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let (tree, key, value) = (self.name.clone(), key.to_vec(), value.to_vec());
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached(INSERT).await?;
            c.execute(&st, &[&&*tree, &key, &value]).await.map(drop)
        })
    }

    pub(crate) fn remove(&self, key: &[u8]) -> Result<Option<Value>> {
        let (tree, key) = (self.name.clone(), key.to_vec());
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached(REMOVE).await?;
            Ok(c.query_opt(&st, &[&&*tree, &key]).await?.map(|r| r.get(0)))
        })
    }

    /// The entries between the bounds, in key order, a page at a time. Each
    /// page is read on its own, so (as with sled) the iteration is not a
    /// snapshot: writes made meanwhile may or may not show.
    pub(crate) fn scan(&self, lower: Bound<Vec<u8>>, upper: Bound<Vec<u8>>) -> PgIter {
        PgIter { tree: self.clone(), lower, upper, page: FIRST_PAGE, buffered: VecDeque::new(), done: false }
    }

    pub(crate) fn len(&self) -> Result<usize> {
        let tree = self.name.clone();
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached("SELECT count(*) FROM deskpane_kv WHERE tree = $1").await?;
            Ok(c.query_one(&st, &[&&*tree]).await?.get::<_, i64>(0) as usize)
        })
    }

    pub(crate) fn clear(&self) -> Result<()> {
        let tree = self.name.clone();
        self.shared.with_conn(move |c| async move {
            let st = c.prepare_cached("DELETE FROM deskpane_kv WHERE tree = $1").await?;
            c.execute(&st, &[&&*tree]).await.map(drop)
        })
    }

    fn page(&self, lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>, limit: usize) -> Result<Vec<(Value, Value)>> {
        let mut sql = String::from("SELECT key, value FROM deskpane_kv WHERE tree = $1");
        let mut n = 1;
        for (bound, included, excluded) in [(lower, ">=", ">"), (upper, "<=", "<")] {
            let op = match bound {
                Bound::Included(_) => included,
                Bound::Excluded(_) => excluded,
                Bound::Unbounded => continue,
            };
            n += 1;
            sql.push_str(&format!(" AND key {op} ${n}"));
        }
        // The limit is part of the text (a handful of cached statements) so
        // that no generic plan guesses at it.
        sql.push_str(&format!(" ORDER BY key LIMIT {limit}"));
        let (tree, lower, upper) = (self.name.clone(), lower.clone(), upper.clone());
        self.shared.with_conn(move |c| async move {
            let tree: &str = &tree;
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&tree];
            for bound in [&lower, &upper] {
                if let Bound::Included(k) | Bound::Excluded(k) = bound {
                    params.push(k);
                }
            }
            let st = c.prepare_cached(&sql).await?;
            Ok(c.query(&st, &params).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }
}

/// Entries of a tree in key order, fetched a page at a time as they are
/// consumed; the next page starts after the last key seen.
pub(crate) struct PgIter {
    tree: PgTree,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    page: usize,
    buffered: VecDeque<(Value, Value)>,
    done: bool,
}

impl Iterator for PgIter {
    type Item = Result<(Value, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.buffered.pop_front() {
            return Some(Ok(entry));
        }
        if self.done {
            return None;
        }
        match self.tree.page(&self.lower, &self.upper, self.page) {
            Err(e) => {
                // One error, then the end: a loop that skips errors must
                // not spin on a dead server.
                self.done = true;
                Some(Err(e))
            }
            Ok(rows) => {
                self.done = rows.len() < self.page;
                if let Some((last, _)) = rows.last() {
                    self.lower = Bound::Excluded(last.clone());
                }
                self.page = PAGE;
                self.buffered.extend(rows);
                self.buffered.pop_front().map(Ok)
            }
        }
    }
}

type Reply<T> = mpsc::SyncSender<Result<T, Fault>>;

/// What a transaction's task is asked to do.
enum Cmd {
    /// Not answered: a failure to begin is the answer to what follows.
    Begin,
    Get(Arc<str>, Vec<u8>, Reply<Option<Value>>),
    GetMany(Arc<str>, Vec<Vec<u8>>, Reply<Vec<(Value, Value)>>),
    NextId(Reply<u64>),
    Commit(Writes, Reply<()>),
    Rollback(Reply<()>),
}

/// A transaction's writes, kept by the caller until its commit: the row's
/// new value, or None when removed. In key order, so that transactions
/// writing the same rows lock them in the same order.
type Writes = BTreeMap<(Arc<str>, Vec<u8>), Option<Vec<u8>>>;

/// The caller's end of a transaction's task.
struct TxConn {
    cmds: tokio::sync::mpsc::UnboundedSender<Cmd>,
    /// This attempt's writes: read back by its own reads, sent at commit,
    /// so that a write costs no round trip.
    writes: Mutex<Writes>,
}

impl TxConn {
    /// Opens a transaction, forgetting the last attempt's writes.
    fn begin(&self) -> Result<(), Fault> {
        self.writes().clear();
        self.cmds.send(Cmd::Begin).map_err(|_| Fault::stopped())
    }

    fn commit(&self) -> Result<(), Fault> {
        let writes = std::mem::take(&mut *self.writes());
        self.call(|r| Cmd::Commit(writes, r))
    }

    fn writes(&self) -> std::sync::MutexGuard<'_, Writes> {
        self.writes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call<T>(&self, cmd: impl FnOnce(Reply<T>) -> Cmd) -> Result<T, Fault> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.cmds.send(cmd(tx)).map_err(|_| Fault::stopped())?;
        answer(&rx).map_err(|_| Fault::stopped())?
    }
}

/// Waits for the store's runtime to answer. On a worker of a multi-thread
/// tokio runtime (the desk's handlers) the worker hands its other tasks to
/// another thread meanwhile: a round trip to the server would otherwise
/// hold up every request queued behind it on that worker.
fn answer<T>(rx: &mpsc::Receiver<T>) -> Result<T, mpsc::RecvError> {
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| rx.recv()),
        _ => rx.recv(),
    }
}

/// Executes one transaction's statements on `conn`, in the order they come.
/// After a statement fails PostgreSQL refuses the rest of the transaction, so
/// that first failure is the answer to everything until the rollback, and
/// the commit of a closure that swallowed it reports it (instead of
/// PostgreSQL's silent rollback).
async fn serve_transaction(conn: Object, mut cmds: tokio::sync::mpsc::UnboundedReceiver<Cmd>) {
    let mut open = false;
    let mut failed: Option<Fault> = None;

    async fn step<T>(
        open: bool,
        failed: &mut Option<Fault>,
        fut: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Fault> {
        if !open {
            return Err(Fault::other("no transaction is open"));
        }
        if let Some(fault) = failed {
            return Err(fault.clone());
        }
        fut.await.map_err(|e| {
            let fault = Fault::pg(&e);
            *failed = Some(fault.clone());
            fault
        })
    }

    while let Some(cmd) = cmds.recv().await {
        match cmd {
            Cmd::Begin => {
                let outcome = conn.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE").await;
                open = true;
                failed = outcome.err().map(|e| Fault::pg(&e));
            }
            Cmd::Get(tree, key, reply) => {
                let fut = async {
                    let st = conn.prepare_cached(GET).await?;
                    Ok(conn.query_opt(&st, &[&&*tree, &key]).await?.map(|r| r.get(0)))
                };
                let _ = reply.send(step(open, &mut failed, fut).await);
            }
            Cmd::GetMany(tree, keys, reply) => {
                let fut = async {
                    let st = conn.prepare_cached(GET_MANY).await?;
                    Ok(conn.query(&st, &[&&*tree, &keys]).await?.into_iter().map(|r| (r.get(0), r.get(1))).collect())
                };
                let _ = reply.send(step(open, &mut failed, fut).await);
            }
            Cmd::NextId(reply) => {
                let fut = async {
                    let st = conn.prepare_cached(NEXT_ID).await?;
                    Ok(conn.query_one(&st, &[]).await?.get::<_, i64>(0) as u64)
                };
                let _ = reply.send(step(open, &mut failed, fut).await);
            }
            Cmd::Commit(writes, reply) => {
                // A failure is kept in `failed`, and becomes the answer.
                let _ = step(open, &mut failed, write_all(&conn, writes)).await;
                let outcome = match failed.take() {
                    Some(fault) => {
                        open = conn.batch_execute("ROLLBACK").await.is_err();
                        Err(fault)
                    }
                    None => {
                        let committed = conn.batch_execute("COMMIT").await;
                        // The server's refusal ends the transaction too (it
                        // rolls back); a broken connection leaves it unknown.
                        open = committed.as_ref().is_err_and(|e| e.as_db_error().is_none());
                        committed.map_err(|e| Fault::pg(&e))
                    }
                };
                let _ = reply.send(outcome);
            }
            Cmd::Rollback(reply) => {
                let outcome = conn.batch_execute("ROLLBACK").await.map_err(|e| Fault::pg(&e));
                open = outcome.is_err();
                failed = None;
                let _ = reply.send(outcome);
            }
        }
    }
    // The caller is gone (done, or unwinding from a panic in its closure).
    // A connection must not go back to the pool inside a transaction.
    if open && conn.batch_execute("ROLLBACK").await.is_err() {
        drop(Object::take(conn));
    }
}

/// Sends a transaction's writes: two statements whatever their number.
async fn write_all(conn: &Object, writes: Writes) -> Result<(), tokio_postgres::Error> {
    let (mut put, mut gone) = ((Vec::new(), Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for ((tree, key), value) in writes {
        match value {
            Some(value) => {
                put.0.push(tree.to_string());
                put.1.push(key);
                put.2.push(value);
            }
            None => {
                gone.0.push(tree.to_string());
                gone.1.push(key);
            }
        }
    }
    if !put.0.is_empty() {
        let st = conn.prepare_cached(WRITE_ALL).await?;
        conn.execute(&st, &[&put.0, &put.1, &put.2]).await?;
    }
    if !gone.0.is_empty() {
        let st = conn.prepare_cached(REMOVE_ALL).await?;
        conn.execute(&st, &[&gone.0, &gone.1]).await?;
    }
    Ok(())
}

/// A tree inside a transaction.
pub struct PgTxTree<'a> {
    conn: &'a TxConn,
    tree: Arc<str>,
}

fn fault(f: Fault) -> TxFault {
    TxFault(FaultInner::Postgres(f))
}

impl PgTxTree<'_> {
    /// What this transaction wrote, else what the database holds.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        let written = self.writes().get(&(self.tree.clone(), key.to_vec())).cloned();
        match written {
            Some(value) => Ok(value),
            None => self.conn.call(|r| Cmd::Get(self.tree.clone(), key.to_vec(), r)).map_err(fault),
        }
    }

    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), TxFault> {
        self.writes().insert((self.tree.clone(), key.to_vec()), Some(value.to_vec()));
        Ok(())
    }

    pub(crate) fn remove(&self, key: &[u8]) -> Result<Option<Value>, TxFault> {
        let old = self.get(key)?;
        self.writes().insert((self.tree.clone(), key.to_vec()), None);
        Ok(old)
    }

    fn writes(&self) -> std::sync::MutexGuard<'_, Writes> {
        self.conn.writes()
    }

    /// The first of these keys whose value in the database differs from
    /// the one given (None: absent), all read in one statement. For a
    /// stage's check, before the transaction writes anything.
    pub(crate) fn changed(&self, expected: &BTreeMap<Value, Option<Value>>) -> Result<Option<Value>, TxFault> {
        if expected.is_empty() {
            return Ok(None);
        }
        let keys: Vec<Vec<u8>> = expected.keys().cloned().collect();
        let now: BTreeMap<Value, Value> =
            self.conn.call(|r| Cmd::GetMany(self.tree.clone(), keys, r)).map_err(fault)?.into_iter().collect();
        Ok(expected.iter().find(|(key, value)| now.get(*key) != value.as_ref()).map(|(key, _)| key.clone()))
    }

    /// From the sequence, which no rollback undoes (as sled's).
    pub(crate) fn generate_id(&self) -> Result<u64, TxFault> {
        self.conn.call(Cmd::NextId).map_err(fault)
    }
}

/// Runs `fut` on a runtime of its own on a thread of its own: callable from
/// anywhere, inside another runtime too.
fn on_own_thread<T: Send + 'static>(fut: impl Future<Output = T> + Send + 'static) -> Result<T> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(PgError::Runtime)?;
        Ok(runtime.block_on(fut))
    })
    .join()
    .map_err(|_| StoreError::from(PgError::Stopped))?
}

/// Scratch databases are named this, and only these are dropped.
const SCRATCH_PREFIX: &str = "deskpane_test_";

async fn admin_client(admin_url: &str) -> Result<tokio_postgres::Client, PgError> {
    let target = redact(admin_url);
    let (client, connection) = Dial::from_url(admin_url)?.connect().await.map_err(|e| PgError::Connect { target, detail: describe(&e) })?;
    tokio::spawn(connection);
    Ok(client)
}

pub(crate) fn scratch_database(admin_url: &str) -> Result<String> {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.write_u32(std::process::id());
    let name = format!("{SCRATCH_PREFIX}{:016x}", h.finish());
    let url = with_database(admin_url, &name);
    let admin_url = admin_url.to_string();
    on_own_thread(async move {
        let client = admin_client(&admin_url).await?;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .map_err(|e| PgError::Statement { target: redact(&admin_url), fault: Fault::pg(&e) })?;
        Ok::<_, PgError>(())
    })??;
    Ok(url)
}

pub(crate) fn drop_database(admin_url: &str, url: &str) {
    let name = match url.parse::<tokio_postgres::Config>().ok().and_then(|c| c.get_dbname().map(str::to_string)) {
        Some(name) if name.starts_with(SCRATCH_PREFIX) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => name,
        _ => {
            tracing::warn!(url = %redact(url), "not dropping a database that scratch_database did not make");
            return;
        }
    };
    let admin_url = admin_url.to_string();
    let dropped = on_own_thread(async move {
        let client = admin_client(&admin_url).await?;
        let statement = |e: tokio_postgres::Error| PgError::Statement { target: redact(&admin_url), fault: Fault::pg(&e) };
        // FORCE (PostgreSQL 13+) closes the sessions a store left open.
        if client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.is_err() {
            client
                .execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", &[&name])
                .await
                .map_err(statement)?;
            client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await.map_err(statement)?;
        }
        Ok::<_, PgError>(())
    });
    if let Err(e) = dropped.and_then(|r| r.map_err(Into::into)) {
        tracing::warn!(error = %e, "could not drop a scratch database");
    }
}

/// `url` naming database `name` instead (path and any `dbname` parameter).
fn with_database(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    // The host starts after the user info, which tokio-postgres ends at the
    // first `@`.
    let host_start = url[scheme_end..].find('@').map_or(scheme_end, |at| scheme_end + at + 1);
    let after_host = url[host_start..].find(['/', '?']).map_or(url.len(), |i| host_start + i);
    let head = &url[..after_host];
    let rest = &url[after_host..];
    let query = match rest.find('?') {
        Some(q) => {
            let kept: Vec<&str> = rest[q + 1..].split('&').filter(|p| !p.starts_with("dbname=") && !p.is_empty()).collect();
            if kept.is_empty() {
                String::new()
            } else {
                format!("?{}", kept.join("&"))
            }
        }
        None => String::new(),
    };
    format!("{head}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("postgresql://u:p%40ss@h/db?sslmode=disable&password=x"), "postgresql://u:***@h/db?sslmode=disable&password=***");
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("host=h password=secret user=u"), "host=h password=***");
    }

    #[test]
    fn a_scratch_url_names_its_database() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(with_database("postgres://u:p@h", "x"), "postgres://u:p@h/x");
        assert_eq!(with_database("postgres://h/db?dbname=y&sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u:p/q@h:1/db", "x"), "postgres://u:p/q@h:1/x");
    }
}
