//! Suppressions: the addresses a user no longer sends to, and why.

use domain::{Instant, UserId};
use sqlx::Row;

use super::{Store, StoreError, Tx, millis};

impl Store {
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
}
