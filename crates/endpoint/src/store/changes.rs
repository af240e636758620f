//! The change sequence: each user's change numbers, taken in the writing transaction, and the change feed
//! read a page at a time.

use domain::UserId;
use domain::sync::{Change, ChangePage, Cursor, PROTOCOL_VERSION, Record, RecordKind};
use sqlx::Row;

use super::records::decode;
use super::{Store, StoreError, Tx};

const LATEST_SEQ: &str = "SELECT last_seq FROM users WHERE id = ?";

impl Store {
    /// Takes the next change number of `user`'s feed. The user's row stays locked until the transaction
    /// ends, so the numbers of one user are committed in order.
    pub(super) async fn next_seq(tx: &mut Tx, user: UserId) -> Result<u64, StoreError> {
        Self::take_seqs(tx, user, 1).await
    }

    /// Takes the next `count` change numbers of `user`'s feed; returns the last of them.
    pub(super) async fn take_seqs(tx: &mut Tx, user: UserId, count: usize) -> Result<u64, StoreError> {
        let row = sqlx::query("UPDATE users SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq")
            .bind(count as i64)
            .bind(user.0)
            .fetch_optional(&mut *tx.0)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("no user {}", user.0)))?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// The newest change number of `user` (0 when none), as this transaction sees it.
    pub async fn latest_seq_in(tx: &mut Tx, user: UserId) -> Result<u64, StoreError> {
        let row = sqlx::query(LATEST_SEQ).bind(user.0).fetch_one(&mut *tx.0).await?;
        Ok(row.get::<i64, _>(0) as u64)
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

    /// The newest change number of `user` (0 when none).
    pub async fn latest_seq(&self, user: UserId) -> Result<u64, StoreError> {
        let row = sqlx::query(LATEST_SEQ).bind(user.0).fetch_one(&self.pool).await?;
        Ok(row.get::<i64, _>(0) as u64)
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
}
