//! Message-IDs: the email each sent message's Message-ID was given to.

use domain::{EmailId, UserId};
use sqlx::Row;

use super::{Store, StoreError, Tx};

impl Store {
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
}
