//! Engagement events: appended to the email they belong to, and read back per email, oldest first.

use std::collections::HashMap;

use domain::sync::RecordKind;
use domain::{EmailId, EngagementEvent, UserId};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::records::{decode, encode};
use super::{Store, StoreError, Tx, WRITE_CHUNK};

impl Store {
    /// Appends an engagement event and returns its change number.
    pub async fn put_event(tx: &mut Tx, user: UserId, event: &EngagementEvent) -> Result<u64, StoreError> {
        let body = encode(event)?;
        let email = event.email.to_string();
        Self::write(tx, user, RecordKind::Event, &event.id.to_string(), Some(&body), None, None, Some(&email))
            .await
    }

    /// The recorded events of one email, oldest first.
    pub async fn events_of(
        tx: &mut Tx,
        user: UserId,
        email: EmailId,
    ) -> Result<Vec<EngagementEvent>, StoreError> {
        Ok(Self::events_of_many(tx, user, &[email]).await?.remove(&email).unwrap_or_default())
    }

    /// The recorded events of each of `emails` of `user`, oldest first.
    pub async fn events_of_many(
        tx: &mut Tx,
        user: UserId,
        emails: &[EmailId],
    ) -> Result<HashMap<EmailId, Vec<EngagementEvent>>, StoreError> {
        let mut events: HashMap<EmailId, Vec<EngagementEvent>> = HashMap::new();
        for chunk in emails.chunks(WRITE_CHUNK) {
            let mut query = QueryBuilder::<Sqlite>::new("SELECT id, body FROM records WHERE user_id = ");
            query.push_bind(user.0).push(" AND kind = 'event' AND email_id IN ");
            query.push_tuples(chunk, |mut row, id| {
                row.push_bind(id.to_string());
            });
            query.push(" AND body IS NOT NULL ORDER BY seq");
            for row in query.build().fetch_all(&mut *tx.0).await? {
                let event: EngagementEvent =
                    decode(RecordKind::Event, &row.get::<String, _>(0), &row.get::<String, _>(1))?;
                events.entry(event.email).or_default().push(event);
            }
        }
        Ok(events)
    }
}
