//! Emails: written with their scheduler columns (status, when due), read by id for one user or any, and
//! the scheduler's reads (due emails, the next due time, those left In progress).

use domain::sync::RecordKind;
use domain::{Email, EmailId, Instant, Status, UserId};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::records::{decode, encode};
use super::{Store, StoreError, Tx, WRITE_CHUNK, millis};

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

impl Store {
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

    /// Reads an email of `user` outside any transaction.
    pub async fn email(&self, user: UserId, id: EmailId) -> Result<Option<Email>, StoreError> {
        let mut tx = Tx(self.pool.begin().await?, None);
        let email = Self::get(&mut tx, user, RecordKind::Email, &id.to_string()).await?;
        tx.commit().await?;
        Ok(email)
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
}
