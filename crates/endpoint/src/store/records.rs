//! The records table: one user's record of any kind read, written, deleted (a tombstone) or written many
//! at once, each write with the next change number; how a record's body is kept (JSON).

use std::collections::HashMap;

use domain::sync::RecordKind;
use domain::{EngagementEvent, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, StoreError, Tx};

const INSERT_RECORDS: &str = "INSERT INTO records (user_id, kind, id, seq, body, status, due_at, email_id)";
/// A record written again replaces its stored version, with the new change number.
const UPSERT_RECORDS: &str = "ON CONFLICT (user_id, kind, id) DO UPDATE SET \
    seq = excluded.seq, body = excluded.body, status = excluded.status, \
    due_at = excluded.due_at, email_id = excluded.email_id";

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

pub(super) fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn decode<T: DeserializeOwned>(kind: RecordKind, id: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))
}

impl Store {
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
    pub(super) async fn write(
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
}
