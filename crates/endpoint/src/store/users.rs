//! Users and their tokens: adding, listing, revoking and renewing; the user a token hash belongs to.

use domain::UserId;
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError, Tx};

/// A user as listed by `endpoint user list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub created_at: String,
    pub revoked: bool,
}

impl Store {
    /// The user with this address, active or not.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query("SELECT id FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| UserId(r.get(0))))
    }

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

    /// The name a user's mail is sent under, if they have one.
    pub async fn user_name(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT name FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)).filter(|n| !n.is_empty()))
    }

    /// Sets (or, empty, clears) the name a user's mail is sent under; answers whether the user exists.
    pub async fn set_user_name(&self, email: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET name = ? WHERE email = ?")
            .bind(Some(name).filter(|n| !n.is_empty()))
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The address of a user, read inside a transaction.
    pub async fn user_address(tx: &mut Tx, user: UserId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT email FROM users WHERE id = ?")
            .bind(user.0)
            .fetch_optional(&mut *tx.0)
            .await?;
        Ok(row.map(|r| r.get(0)))
    }
}
