//! Suppressions: the addresses a user no longer sends to, why, since when and from which email; and the
//! log of those lifted.

use domain::{EmailId, Instant, UserId};
use sqlx::Row;

use super::{Store, StoreError, Tx, millis};

/// One suppressed address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionRow {
    pub address: String,
    pub reason: String,
    pub email: Option<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl Store {
    /// Suppresses `address` for `user` (the first reason stays).
    pub async fn suppress(
        tx: &mut Tx,
        user: UserId,
        address: &str,
        reason: &str,
        email: Option<EmailId>,
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO suppressions (user_id, address, reason, email_id, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (user_id, address) DO NOTHING",
        )
        .bind(user.0)
        .bind(address)
        .bind(reason)
        .bind(email.map(|e| e.to_string()))
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

    /// Every address suppressed for `user`, the newest first.
    pub async fn suppressions(&self, user: UserId) -> Result<Vec<SuppressionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT address, reason, email_id, created_at FROM suppressions WHERE user_id = ? \
             ORDER BY created_at DESC, address",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SuppressionRow {
                address: r.get(0),
                reason: r.get(1),
                email: r.get(2),
                created_at: r.get(3),
            })
            .collect())
    }

    /// Lifts `address`'s suppression for `user`, logging what it was and who lifted it; the suppression
    /// lifted, if there was one.
    pub async fn lift_suppression(
        &self,
        user: UserId,
        address: &str,
        by: &str,
        now: Instant,
    ) -> Result<Option<SuppressionRow>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM suppressions WHERE user_id = ? AND address = ? \
             RETURNING address, reason, email_id, created_at",
        )
        .bind(user.0)
        .bind(address)
        .fetch_optional(&mut *tx.0)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let lifted = SuppressionRow {
            address: row.get(0),
            reason: row.get(1),
            email: row.get(2),
            created_at: row.get(3),
        };
        sqlx::query(
            "INSERT INTO suppressions_lifted (user_id, address, reason, email_id, created_at, lifted_at, lifted_by) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(user.0)
        .bind(&lifted.address)
        .bind(&lifted.reason)
        .bind(&lifted.email)
        .bind(lifted.created_at)
        .bind(millis(now))
        .bind(by)
        .execute(&mut *tx.0)
        .await?;
        tx.commit().await?;
        Ok(Some(lifted))
    }
}
