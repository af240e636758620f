//! Kept inbound messages: each raw message with what it was read as, found again by its Message-ID.

use domain::{EmailId, Instant, UserId};
use sqlx::Row;

use super::{Store, StoreError, Tx, millis};

/// An inbound message already kept.
pub struct KeptInbound {
    pub id: i64,
    pub email_id: Option<String>,
}

impl Store {
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
