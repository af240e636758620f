//! Linked mailboxes: where each rep's mailbox is, its sealed password, the read cursor (UIDVALIDITY and
//! last UID) and the state Settings shows.

use domain::{Instant, UserId};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Store, StoreError, millis};

/// One linked mailbox as stored. The sealed secret never leaves the endpoint.
#[derive(Clone)]
pub struct MailboxRow {
    pub user: UserId,
    pub address: String,
    pub folder: String,
    pub secret: Vec<u8>,
    pub linked_at: i64,
    pub uid_validity: Option<u32>,
    pub last_uid: u32,
    pub checked_at: Option<i64>,
    pub messages_read: i64,
    pub messages_found: i64,
    pub state: String,
    pub last_error: Option<String>,
    pub error_at: Option<i64>,
}

/// What one reading pass moved the cursor to.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Cursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

const COLUMNS: &str = "user_id, address, folder, secret, linked_at, uid_validity, last_uid, checked_at, \
     messages_read, messages_found, state, last_error, error_at";

fn row(r: SqliteRow) -> MailboxRow {
    MailboxRow {
        user: UserId(r.get(0)),
        address: r.get(1),
        folder: r.get(2),
        secret: r.get(3),
        linked_at: r.get(4),
        uid_validity: r.get::<Option<i64>, _>(5).map(|v| v as u32),
        last_uid: r.get::<i64, _>(6) as u32,
        checked_at: r.get(7),
        messages_read: r.get(8),
        messages_found: r.get(9),
        state: r.get(10),
        last_error: r.get(11),
        error_at: r.get(12),
    }
}

impl Store {
    /// Links `user`'s mailbox (or changes the link). A new address or folder starts reading afresh (and
    /// counting from zero); a new password alone keeps the cursor.
    pub async fn link_mailbox(
        &self,
        user: UserId,
        address: &str,
        folder: &str,
        secret: &[u8],
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO mailboxes (user_id, address, folder, secret, linked_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, state = 'connecting', \
               last_error = NULL, error_at = NULL, \
               uid_validity = CASE WHEN address = excluded.address AND folder = excluded.folder \
                 THEN uid_validity END, \
               last_uid = CASE WHEN address = excluded.address AND folder = excluded.folder \
                 THEN last_uid ELSE 0 END, \
               linked_at = CASE WHEN address = excluded.address AND folder = excluded.folder \
                 THEN linked_at ELSE excluded.linked_at END, \
               messages_read = CASE WHEN address = excluded.address AND folder = excluded.folder \
                 THEN messages_read ELSE 0 END, \
               messages_found = CASE WHEN address = excluded.address AND folder = excluded.folder \
                 THEN messages_found ELSE 0 END, \
               address = excluded.address, folder = excluded.folder",
        )
        .bind(user.0)
        .bind(address)
        .bind(folder)
        .bind(secret)
        .bind(millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets `user`'s mailbox and its password; answers whether one was linked.
    pub async fn unlink_mailbox(&self, user: UserId) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM mailboxes WHERE user_id = ?").bind(user.0).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn mailbox(&self, user: UserId) -> Result<Option<MailboxRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes WHERE user_id = ?");
        Ok(sqlx::query(&sql).bind(user.0).fetch_optional(&self.pool).await?.map(row))
    }

    pub async fn mailboxes(&self) -> Result<Vec<MailboxRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM mailboxes ORDER BY user_id");
        Ok(sqlx::query(&sql).fetch_all(&self.pool).await?.into_iter().map(row).collect())
    }

    /// Moves the read cursor after a batch of messages was taken, with what it held.
    pub async fn mailbox_read(
        &self,
        user: UserId,
        cursor: Cursor,
        read: i64,
        found: i64,
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mailboxes SET uid_validity = ?, last_uid = ?, messages_read = messages_read + ?, \
             messages_found = messages_found + ?, checked_at = ? WHERE user_id = ?",
        )
        .bind(i64::from(cursor.uid_validity))
        .bind(i64::from(cursor.last_uid))
        .bind(read)
        .bind(found)
        .bind(millis(now))
        .bind(user.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the link's state (`connecting`, `reading`, `watching`, `polling`, `wrong_password`,
    /// `failing`) and, for the failing ones, the error in words.
    pub async fn mailbox_state(
        &self,
        user: UserId,
        state: &str,
        error: Option<&str>,
        now: Instant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mailboxes SET state = ?, \
             last_error = COALESCE(?, last_error), error_at = CASE WHEN ? IS NULL THEN error_at ELSE ? END, \
             checked_at = CASE WHEN ? IS NULL THEN ? ELSE checked_at END WHERE user_id = ?",
        )
        .bind(state)
        .bind(error)
        .bind(error)
        .bind(millis(now))
        .bind(error)
        .bind(millis(now))
        .bind(user.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
