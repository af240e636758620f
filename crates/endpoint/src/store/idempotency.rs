//! Idempotency: the outcome remembered for each key a user applied a mutation under.

use domain::{Instant, UserId};
use sqlx::Row;

use super::{Store, StoreError, Tx, millis};

impl Store {
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
}
