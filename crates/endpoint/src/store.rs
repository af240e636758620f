//! Storage: the SQLite database in the data folder, opened in WAL mode with its migrations applied.
//!
//! Handlers and the scheduler reach the database only through [`Store`], so a second backend (PostgreSQL)
//! can be put behind the same methods without touching them. Every write that changes a user's records
//! takes the next number of the change sequence in the same transaction, so the change feed never misses
//! or reorders a change.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

use domain::sync::{Change, ChangePage, Cursor, PROTOCOL_VERSION, Record, RecordKind};
use domain::{Email, EmailId, EngagementEvent, Instant, Status, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder: {0}")]
    DataDir(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
}

/// A user as listed by `endpoint user list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub created_at: String,
    pub revoked: bool,
}

/// An inbound message already kept.
pub struct KeptInbound {
    pub id: i64,
    pub email_id: Option<String>,
}

const INSERT_RECORDS: &str = "INSERT INTO records (user_id, kind, id, seq, body, status, due_at, email_id)";
/// A record written again replaces its stored version, with the new change number.
const UPSERT_RECORDS: &str = "ON CONFLICT (user_id, kind, id) DO UPDATE SET \
    seq = excluded.seq, body = excluded.body, status = excluded.status, \
    due_at = excluded.due_at, email_id = excluded.email_id";
const LATEST_SEQ: &str = "SELECT last_seq FROM users WHERE id = ?";

/// How many records one statement of [`Store::put_many`] writes (8 values each, well under SQLite's limit
/// on bound values).
pub const WRITE_CHUNK: usize = 500;

/// One record for [`Store::put_many`].
#[derive(Clone, Debug)]
pub struct Write {
    pub user: UserId,
    pub kind: RecordKind,
    pub id: String,
    pub body: String,
    /// Events: the email they belong to.
    pub email_id: Option<String>,
}

impl Write {
    /// An event of `user`.
    pub fn event(user: UserId, event: &EngagementEvent) -> Result<Write, StoreError> {
        Ok(Write {
            user,
            kind: RecordKind::Event,
            id: event.id.to_string(),
            body: encode(event)?,
            email_id: Some(event.email.to_string()),
        })
    }

    /// Any other record (not an email) of `user`.
    pub fn record<T: Serialize>(
        user: UserId,
        kind: RecordKind,
        id: String,
        value: &T,
    ) -> Result<Write, StoreError> {
        Ok(Write { user, kind, id, body: encode(value)?, email_id: None })
    }
}

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Milliseconds since the Unix epoch, the way instants are kept in index columns.
pub fn millis(at: Instant) -> i64 {
    at.timestamp_millis()
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Draft => "draft",
        Status::Scheduled => "scheduled",
        Status::InProgress => "in_progress",
        Status::Delivered => "delivered",
        Status::Archived => "archived",
        Status::Failed => "failed",
        Status::Bounced => "bounced",
        Status::Spam => "spam",
    }
}

/// When the scheduler should look at an email: its scheduled time while it is Scheduled.
fn due_at(email: &Email) -> Option<i64> {
    match email.status() {
        Status::Scheduled => Some(email.schedule.as_ref().map(|s| millis(s.at)).unwrap_or(0)),
        _ => None,
    }
}

fn decode<T: DeserializeOwned>(kind: RecordKind, id: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    writer: Arc<Mutex<()>>,
}

/// One write transaction. Opaque outside this module: handlers and actions pass it to `Store`'s
/// functions and end it with [`Tx::commit`] or [`Tx::rollback`], and never see the database driver, so a
/// second backend (PostgreSQL) changes this module and nothing above it.
///
/// Write transactions also take the store's writer lock, so writers of this process queue in order
/// instead of polling SQLite's busy handler (which sleeps). The transaction field comes first so it ends
/// before the lock is released.
pub struct Tx(Transaction<'static, Sqlite>, Option<OwnedMutexGuard<()>>);

impl Tx {
    /// Makes every write in the transaction durable at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        let Tx(transaction, _writer) = self;
        Ok(transaction.commit().await?)
    }

    /// Drops every write in the transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        let Tx(transaction, _writer) = self;
        Ok(transaction.rollback().await?)
    }
}

impl Store {
    /// Opens (creating if needed) `commandcenter.sqlite3` in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join("commandcenter.sqlite3");
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, writer: Arc::new(Mutex::new(())) })
    }

    /// Answers when the database can be reached.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The journal mode in force (`wal` once opened).
    pub async fn journal_mode(&self) -> Result<String, StoreError> {
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&self.pool).await?;
        Ok(mode.0)
    }

    /// Starts a write transaction that holds the write lock from its first statement, so a read-then-write
    /// never fails half-way because another writer came in between.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let writer = self.writer.clone().lock_owned().await;
        Ok(Tx(self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(writer)))
    }

    // ----- users -------------------------------------------------------------------------------------

    /// Adds a user with the hash of their token. Fails if the address is taken.
    pub async fn add_user(&self, email: &str, token_hash: &str) -> Result<UserId, StoreError> {
        let row = sqlx::query("INSERT INTO users (email, token_hash) VALUES (?, ?) RETURNING id")
            .bind(email)
            .bind(token_hash)
            .fetch_one(&self.pool)
            .await?;
        Ok(UserId(row.get::<i64, _>(0)))
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let rows = sqlx::query("SELECT id, email, created_at, revoked_at IS NOT NULL FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| UserRow { id: r.get(0), email: r.get(1), created_at: r.get(2), revoked: r.get(3) })
            .collect())
    }

    /// Revokes a user's token; answers whether a user with that address was active.
    pub async fn revoke_user(&self, email: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
             token_version = token_version + 1 WHERE email = ? AND revoked_at IS NULL",
        )
        .bind(email)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces a user's token (and makes a revoked user active again); answers whether the user exists.
    pub async fn renew_token(&self, email: &str, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET token_hash = ?, revoked_at = NULL, token_version = token_version + 1 \
             WHERE email = ?",
        )
        .bind(token_hash)
        .bind(email)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The active user whose token hashes to `token_hash`.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query("SELECT id FROM users WHERE token_hash = ? AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| UserId(r.get(0))))
    }

    /// A number that moves whenever any user's token stops or starts working (by this process or the
    /// `endpoint user` command).
    pub async fn tokens_version(&self) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT COALESCE(SUM(token_version), 0) FROM users").fetch_one(&self.pool).await?;
        Ok(row.get(0))
    }

    /// The address of a user.
    pub async fn user_email(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT email FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    // ----- records -----------------------------------------------------------------------------------

    /// Takes the next change number of `user`'s feed. The user's row stays locked until the transaction
    /// ends, so the numbers of one user are committed in order.
    async fn next_seq(tx: &mut Tx, user: UserId) -> Result<u64, StoreError> {
        Self::take_seqs(tx, user, 1).await
    }

    /// Takes the next `count` change numbers of `user`'s feed; returns the last of them.
    async fn take_seqs(tx: &mut Tx, user: UserId, count: usize) -> Result<u64, StoreError> {
        let row = sqlx::query("UPDATE users SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq")
            .bind(count as i64)
            .bind(user.0)
            .fetch_optional(&mut *tx.0)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no user {}", user.0)))?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// Reads one record of `user`, or `None` when it does not exist (or was deleted).
    pub async fn get<T: DeserializeOwned>(
        tx: &mut Tx,
        user: UserId,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        let row = sqlx::query("SELECT body FROM records WHERE user_id = ? AND kind = ? AND id = ?")
            .bind(user.0)
            .bind(kind.name())
            .bind(id)
            .fetch_optional(&mut *tx.0)
            .await?;
        match row.and_then(|r| r.get::<Option<String>, _>(0)) {
            Some(body) => Ok(Some(decode(kind, id, &body)?)),
            None => Ok(None),
        }
    }

    /// Writes a record (not an email: see [`Store::put_email`]) and returns its change number.
    pub async fn put<T: Serialize>(
        tx: &mut Tx,
        user: UserId,
        kind: RecordKind,
        id: &str,
        value: &T,
    ) -> Result<u64, StoreError> {
        let body = encode(value)?;
        Self::write(tx, user, kind, id, Some(&body), None, None, None).await
    }

    /// Writes an email with its scheduler columns and returns its change number.
    pub async fn put_email(tx: &mut Tx, email: &Email) -> Result<u64, StoreError> {
        let body = encode(email)?;
        let id = email.id.to_string();
        Self::write(
            tx,
            email.owner,
            RecordKind::Email,
            &id,
            Some(&body),
            Some(status_name(email.status())),
            due_at(email),
            None,
        )
        .await
    }

    /// Appends an engagement event and returns its change number.
    pub async fn put_event(tx: &mut Tx, user: UserId, event: &EngagementEvent) -> Result<u64, StoreError> {
        let body = encode(event)?;
        let email = event.email.to_string();
        Self::write(tx, user, RecordKind::Event, &event.id.to_string(), Some(&body), None, None, Some(&email))
            .await
    }

    /// Deletes a record, leaving a tombstone the change feed carries; returns its change number, or `None`
    /// when there was nothing to delete.
    pub async fn delete(
        tx: &mut Tx,
        user: UserId,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<u64>, StoreError> {
        let exists = sqlx::query(
            "SELECT 1 FROM records WHERE user_id = ? AND kind = ? AND id = ? AND body IS NOT NULL",
        )
        .bind(user.0)
        .bind(kind.name())
        .bind(id)
        .fetch_optional(&mut *tx.0)
        .await?
        .is_some();
        if !exists {
            return Ok(None);
        }
        Ok(Some(Self::write(tx, user, kind, id, None, None, None, None).await?))
    }

    #[allow(clippy::too_many_arguments)]
    async fn write(
        tx: &mut Tx,
        user: UserId,
        kind: RecordKind,
        id: &str,
        body: Option<&str>,
        status: Option<&str>,
        due_at: Option<i64>,
        email_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        let seq = Self::next_seq(tx, user).await?;
        sqlx::query(&format!("{INSERT_RECORDS} VALUES (?, ?, ?, ?, ?, ?, ?, ?) {UPSERT_RECORDS}"))
            .bind(user.0)
            .bind(kind.name())
            .bind(id)
            .bind(seq as i64)
            .bind(body)
            .bind(status)
            .bind(due_at)
            .bind(email_id)
            .execute(&mut *tx.0)
            .await?;
        Ok(seq)
    }

    /// Writes many records (not emails) at once, in order, and returns the change number of each. Two
    /// statements for every [`WRITE_CHUNK`] records, whatever their number: the way a burst of tracking hits
    /// is written.
    pub async fn put_many(tx: &mut Tx, writes: &[Write]) -> Result<Vec<u64>, StoreError> {
        let mut seqs = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(WRITE_CHUNK) {
            // Each user's writes in the chunk take a run of that user's numbers, in the chunk's order.
            let mut per_user: Vec<(UserId, usize)> = Vec::new();
            for write in chunk {
                match per_user.iter_mut().find(|(user, _)| *user == write.user) {
                    Some((_, count)) => *count += 1,
                    None => per_user.push((write.user, 1)),
                }
            }
            let mut next: HashMap<UserId, i64> = HashMap::with_capacity(per_user.len());
            for (user, count) in per_user {
                let last = Self::take_seqs(tx, user, count).await? as i64;
                next.insert(user, last - count as i64 + 1);
            }
            let numbers: Vec<i64> = chunk
                .iter()
                .map(|write| {
                    let seq = next.get_mut(&write.user).expect("counted user");
                    *seq += 1;
                    *seq - 1
                })
                .collect();
            let mut records = QueryBuilder::<Sqlite>::new(INSERT_RECORDS);
            records.push(" ");
            records.push_values(chunk.iter().zip(&numbers), |mut row, (write, seq)| {
                row.push_bind(write.user.0)
                    .push_bind(write.kind.name())
                    .push_bind(&write.id)
                    .push_bind(*seq)
                    .push_bind(&write.body)
                    .push_bind(None::<&str>)
                    .push_bind(None::<i64>)
                    .push_bind(&write.email_id);
            });
            records.push(" ").push(UPSERT_RECORDS);
            records.build().execute(&mut *tx.0).await?;
            seqs.extend(numbers.into_iter().map(|n| n as u64));
        }
        Ok(seqs)
    }

    /// The newest change number of `user` (0 when none), as this transaction sees it.
    pub async fn latest_seq_in(tx: &mut Tx, user: UserId) -> Result<u64, StoreError> {
        let row = sqlx::query(LATEST_SEQ).bind(user.0).fetch_one(&mut *tx.0).await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// The emails among `ids` that exist, whoever they belong to.
    pub async fn emails_any_user_many(tx: &mut Tx, ids: &[EmailId]) -> Result<Vec<Email>, StoreError> {
        let mut emails = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(WRITE_CHUNK) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT id, body FROM records WHERE kind = 'email' AND id IN ");
            query.push_tuples(chunk, |mut row, id| {
                row.push_bind(id.to_string());
            });
            query.push(" AND body IS NOT NULL");
            for row in query.build().fetch_all(&mut *tx.0).await? {
                emails.push(decode(RecordKind::Email, &row.get::<String, _>(0), &row.get::<String, _>(1))?);
            }
        }
        Ok(emails)
    }

    /// The recorded events of each of `emails` of `user`, oldest first.
    pub async fn events_of_many(
        tx: &mut Tx,
        user: UserId,
        emails: &[EmailId],
    ) -> Result<HashMap<EmailId, Vec<EngagementEvent>>, StoreError> {
        let mut events: HashMap<EmailId, Vec<EngagementEvent>> = HashMap::new();
        for chunk in emails.chunks(WRITE_CHUNK) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT id, body FROM records WHERE user_id = ");
            query.push_bind(user.0).push(" AND kind = 'event' AND email_id IN ");
            query.push_tuples(chunk, |mut row, id| {
                row.push_bind(id.to_string());
            });
            query.push(" AND body IS NOT NULL ORDER BY seq");
            for row in query.build().fetch_all(&mut *tx.0).await? {
                let event: EngagementEvent =
                    decode(RecordKind::Event, &row.get::<String, _>(0), &row.get::<String, _>(1))?;
                events.entry(event.email).or_default().push(event);
            }
        }
        Ok(events)
    }

    /// The change number of the stored version of a record (0 when it does not exist).
    pub async fn latest_seq_of(
        tx: &mut Tx,
        user: UserId,
        kind: RecordKind,
        id: &str,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT seq FROM records WHERE user_id = ? AND kind = ? AND id = ?")
            .bind(user.0)
            .bind(kind.name())
            .bind(id)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0) as u64).unwrap_or(0))
    }

    /// Reads an email of `user` outside any transaction.
    pub async fn email(&self, user: UserId, id: EmailId) -> Result<Option<Email>, StoreError> {
        let mut tx = Tx(self.pool.begin().await?, None);
        let email = Self::get(&mut tx, user, RecordKind::Email, &id.to_string()).await?;
        tx.commit().await?;
        Ok(email)
    }

    /// Whether a user other than `user` has, or had, an email with this id.
    pub async fn email_id_taken_by_another(
        tx: &mut Tx,
        user: UserId,
        id: EmailId,
    ) -> Result<bool, StoreError> {
        let row =
            sqlx::query("SELECT 1 FROM records WHERE kind = 'email' AND id = ? AND user_id <> ? LIMIT 1")
                .bind(id.to_string())
                .bind(user.0)
                .fetch_optional(&mut *tx.0)
                .await?;
        Ok(row.is_some())
    }

    /// The address of a user, read inside a transaction.
    pub async fn user_address(tx: &mut Tx, user: UserId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT email FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Finds an email by id whatever its owner (for tracking and inbound mail, which carry no user).
    pub async fn email_any_user(&self, id: EmailId) -> Result<Option<Email>, StoreError> {
        let row =
            sqlx::query("SELECT body FROM records WHERE kind = 'email' AND id = ? AND body IS NOT NULL")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(r) => Ok(Some(decode(RecordKind::Email, &id.to_string(), &r.get::<String, _>(0))?)),
            None => Ok(None),
        }
    }

    /// The recorded events of one email, oldest first.
    pub async fn events_of(
        tx: &mut Tx,
        user: UserId,
        email: EmailId,
    ) -> Result<Vec<EngagementEvent>, StoreError> {
        Ok(Self::events_of_many(tx, user, &[email]).await?.remove(&email).unwrap_or_default())
    }

    /// Emails due for sending at `now` (Scheduled with a time not after it): at most `per_user` of each
    /// user, each user's oldest first, so one user's backlog never hides another's due emails.
    pub async fn due_emails(
        &self,
        now: Instant,
        per_user: u32,
    ) -> Result<Vec<(UserId, EmailId)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.user_id, r.id FROM users u JOIN records r ON r.rowid IN ( \
                SELECT rowid FROM records WHERE kind = 'email' AND user_id = u.id \
                AND status = 'scheduled' AND due_at <= ?1 ORDER BY due_at, seq LIMIT ?2) \
             ORDER BY r.due_at, r.seq",
        )
        .bind(millis(now))
        .bind(per_user as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let id: String = r.get(1);
                let email = id.parse().map_err(|_| StoreError::Corrupt(format!("email id {id}")))?;
                Ok((UserId(r.get(0)), email))
            })
            .collect()
    }

    /// The earliest instant (unix ms) at which a scheduled email falls due, if any.
    pub async fn next_due_millis(&self) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT MIN(due_at) FROM records WHERE kind = 'email' AND status = 'scheduled'")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.get::<Option<i64>, _>(0))
    }

    /// Every email left In progress (by a crash), whatever its owner.
    pub async fn emails_in_progress(&self) -> Result<Vec<Email>, StoreError> {
        let rows =
            sqlx::query("SELECT id, body FROM records WHERE kind = 'email' AND status = 'in_progress'")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|r| decode(RecordKind::Email, &r.get::<String, _>(0), &r.get::<String, _>(1)))
            .collect()
    }

    /// One page of `user`'s change feed after `since`.
    pub async fn changes(&self, user: UserId, since: Cursor, limit: u32) -> Result<ChangePage, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, kind, id, body FROM records WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(user.0)
        .bind(since.0 as i64)
        .bind(limit as i64 + 1)
        .fetch_all(&self.pool)
        .await?;
        let has_more = rows.len() > limit as usize;
        let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
        for row in rows.into_iter().take(limit as usize) {
            let seq = row.get::<i64, _>(0) as u64;
            let kind: String = row.get(1);
            let id: String = row.get(2);
            let body: Option<String> = row.get(3);
            let kind = RecordKind::from_name(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown record kind {kind}")))?;
            let Some(body) = body else {
                changes.push(Change { seq, record: Record::deleted(kind, id) });
                continue;
            };
            let b = &body;
            let record = match kind {
                RecordKind::Email => Record::Email { email: Box::new(decode(kind, &id, b)?) },
                RecordKind::Event => Record::Event { event: decode(kind, &id, b)? },
                RecordKind::Person => Record::Person { person: Box::new(decode(kind, &id, b)?) },
                RecordKind::Campaign => Record::Campaign { campaign: decode(kind, &id, b)? },
                RecordKind::Task => Record::Task { task: Box::new(decode(kind, &id, b)?) },
                RecordKind::SavedSearch => Record::SavedSearch { search: Box::new(decode(kind, &id, b)?) },
                RecordKind::Engagement => Record::Engagement {
                    email: id.parse().map_err(|_| StoreError::Corrupt(format!("engagement {id}")))?,
                    engagement: decode(kind, &id, b)?,
                },
            };
            changes.push(Change { seq, record });
        }
        let next = changes.last().map(|c| Cursor(c.seq)).unwrap_or(since);
        Ok(ChangePage { version: PROTOCOL_VERSION, changes, next, has_more })
    }

    /// The newest change number of `user` (0 when none).
    pub async fn latest_seq(&self, user: UserId) -> Result<u64, StoreError> {
        let row = sqlx::query(LATEST_SEQ).bind(user.0).fetch_one(&self.pool).await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    // ----- idempotency -------------------------------------------------------------------------------

    /// The outcome stored for `key`, with the hash of the request that produced it.
    pub async fn idempotent_outcome(
        tx: &mut Tx,
        user: UserId,
        key: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT request_hash, outcome FROM idempotency WHERE user_id = ? AND key = ?")
            .bind(user.0)
            .bind(key)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    pub async fn remember_outcome(
        tx: &mut Tx,
        user: UserId,
        key: &str,
        request_hash: &str,
        outcome: &str,
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO idempotency (user_id, key, request_hash, outcome, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(user.0)
        .bind(key)
        .bind(request_hash)
        .bind(outcome)
        .bind(millis(now))
        .execute(&mut *tx.0)
        .await?;
        Ok(())
    }

    // ----- messages, suppressions, inbound -----------------------------------------------------------

    pub async fn remember_message_id(
        tx: &mut Tx,
        message_id: &str,
        user: UserId,
        email: EmailId,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT OR REPLACE INTO messages (message_id, user_id, email_id) VALUES (?, ?, ?)")
            .bind(message_id)
            .bind(user.0)
            .bind(email.to_string())
            .execute(&mut *tx.0)
            .await?;
        Ok(())
    }

    /// The email a Message-ID (without angle brackets) was given to.
    pub async fn email_by_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<(UserId, EmailId)>, StoreError> {
        let row = sqlx::query("SELECT user_id, email_id FROM messages WHERE message_id = ?")
            .bind(message_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => {
                let id: String = r.get(1);
                let email = id.parse().map_err(|_| StoreError::Corrupt(format!("email id {id}")))?;
                Ok(Some((UserId(r.get(0)), email)))
            }
            None => Ok(None),
        }
    }

    pub async fn suppress(
        tx: &mut Tx,
        user: UserId,
        address: &str,
        reason: &str,
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO suppressions (user_id, address, reason, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (user_id, address) DO NOTHING",
        )
        .bind(user.0)
        .bind(address)
        .bind(reason)
        .bind(millis(now))
        .execute(&mut *tx.0)
        .await?;
        Ok(())
    }

    /// Why `address` is suppressed for `user`, if it is.
    pub async fn suppression(tx: &mut Tx, user: UserId, address: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT reason FROM suppressions WHERE user_id = ? AND address = ?")
            .bind(user.0)
            .bind(address)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Keeps a raw inbound message with what it was read as, and returns its number.
    pub async fn keep_inbound(
        tx: &mut Tx,
        now: Instant,
        kind: &str,
        classification: &str,
        matched: Option<(UserId, EmailId)>,
        message_id: Option<&str>,
        raw: &[u8],
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO inbound (received_at, kind, classification, user_id, email_id, message_id, raw) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(millis(now))
        .bind(kind)
        .bind(classification)
        .bind(matched.map(|(u, _)| u.0))
        .bind(matched.map(|(_, e)| e.to_string()))
        .bind(message_id)
        .bind(raw)
        .fetch_one(&mut *tx.0)
        .await?;
        Ok(row.get(0))
    }

    /// The inbound message kept with this Message-ID, if one was.
    pub async fn inbound_by_message_id(
        tx: &mut Tx,
        message_id: &str,
    ) -> Result<Option<KeptInbound>, StoreError> {
        let row = sqlx::query("SELECT id, email_id FROM inbound WHERE message_id = ?")
            .bind(message_id)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| KeptInbound { id: r.get(0), email_id: r.get(1) }))
    }
}
