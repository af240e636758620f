//! The follow-up task an engagement event suggests: a call for a click, an answer for a reply, an email for
//! a view, nothing for a bounce or a complaint.

use serde::{Deserialize, Serialize};

use super::model::{Due, Origin, Priority, Task, TaskType};
use super::validate::{MAX_NOTES_CHARS, MAX_TITLE_CHARS, TaskError};
use super::zone::{Zone, local_today};
use crate::engagement::{EngagementEvent, EventKind};
use crate::ids::{EmailId, EventId, Instant, PersonId, TaskId};

/// Why an engagement event suggests a follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowUpReason {
    Viewed,
    Clicked,
    Replied,
}

/// The follow-up task an engagement event suggests, as data: the UI phrases it in the rep's language
/// ("Call Ana: clicked the pricing link") and creates it with [`FollowUpSuggestion::into_task`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpSuggestion {
    pub task_type: TaskType,
    pub priority: Priority,
    pub reason: FollowUpReason,
    /// The link that was followed, for a click.
    pub url: Option<String>,
    pub person: Option<PersonId>,
    pub email: EmailId,
    pub event: EventId,
    /// When the event happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
}

impl FollowUpSuggestion {
    /// The follow-up for `event`, whose email went to `person`. A click asks for a call (high priority), a
    /// reply for an answer (high), a view for an email (normal). Bounces, delays, automatic replies and
    /// complaints suggest nothing: there is no one to follow up with. Pass human events only (see
    /// [`crate::classify`]); a proxy's view is not interest.
    pub fn from_event(event: &EngagementEvent, person: Option<PersonId>) -> Option<FollowUpSuggestion> {
        let (task_type, priority, reason, url) = match &event.kind {
            EventKind::Clicked { url } => {
                (TaskType::Call, Priority::High, FollowUpReason::Clicked, Some(url.clone()))
            }
            EventKind::Replied { .. } => (TaskType::Email, Priority::High, FollowUpReason::Replied, None),
            EventKind::Viewed => (TaskType::Email, Priority::Normal, FollowUpReason::Viewed, None),
            EventKind::AutoReplied
            | EventKind::Bounced(_)
            | EventKind::Delayed(_)
            | EventKind::Complained { .. } => return None,
        };
        Some(FollowUpSuggestion {
            task_type,
            priority,
            reason,
            url,
            person,
            email: event.email,
            event: event.id,
            at: event.at,
        })
    }

    /// A plain English title, for places without the app's translations (the endpoint, tests):
    /// `Call Ana: clicked acme.com/pricing`. Cut to fit [`MAX_TITLE_CHARS`].
    pub fn default_title(&self, name: &str) -> String {
        let verb = match self.task_type {
            TaskType::Email => "Email",
            TaskType::Call => "Call",
            TaskType::LinkedIn => "Message",
            TaskType::Custom => "Follow up with",
        };
        let reason = match (self.reason, &self.url) {
            (FollowUpReason::Clicked, Some(url)) => format!("clicked {}", short_url(url)),
            (FollowUpReason::Clicked, None) => "clicked a link".to_string(),
            (FollowUpReason::Replied, _) => "replied".to_string(),
            (FollowUpReason::Viewed, _) => "viewed the email".to_string(),
        };
        let name = name.split(char::is_control).next().unwrap_or("").trim();
        let title =
            if name.is_empty() { format!("{verb}: {reason}") } else { format!("{verb} {name}: {reason}") };
        title.chars().take(MAX_TITLE_CHARS).collect::<String>().trim_end().to_string()
    }

    /// The task, linked to the email, the person and the event, due today (no time) in the rep's zone.
    pub fn into_task<Z: Zone>(
        self,
        id: TaskId,
        title: &str,
        now: Instant,
        zone: Z,
    ) -> Result<Task, TaskError> {
        let mut task = Task::new(
            id,
            self.task_type,
            title,
            Due::on(local_today(now, zone)),
            Origin::FromEvent(self.event),
            now,
        )?;
        task.priority = self.priority;
        task.person = self.person;
        task.email = Some(self.email);
        if let Some(url) = self.url {
            task.notes = url.chars().take(MAX_NOTES_CHARS).collect();
        }
        Ok(task)
    }
}

/// A link as a person reads it: no scheme, no query, no fragment, no trailing slash.
fn short_url(url: &str) -> &str {
    let url = url.trim();
    let url = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    let url = url.split(['?', '#']).next().unwrap_or(url);
    url.strip_suffix('/').unwrap_or(url)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Column;
    use crate::task::fixtures::{date, utc, zone};

    fn event(kind: EventKind) -> EngagementEvent {
        EngagementEvent {
            id: EventId::from_u128(70),
            email: EmailId::from_u128(80),
            recipient: crate::people::EmailAddress::parse("ana@acme.com").unwrap(),
            at: utc(2026, 6, 10, 13, 0),
            kind,
            ip: None,
            user_agent: None,
            verdict: None,
        }
    }

    #[test]
    fn a_click_suggests_calling_the_person() {
        let ana = PersonId::from_u128(3);
        let clicked = event(EventKind::Clicked { url: "https://acme.com/pricing/?utm_source=x".into() });
        let s = FollowUpSuggestion::from_event(&clicked, Some(ana)).unwrap();
        assert_eq!(
            (s.task_type, s.priority, s.reason),
            (TaskType::Call, Priority::High, FollowUpReason::Clicked)
        );
        assert_eq!(s.default_title("Ana"), "Call Ana: clicked acme.com/pricing");
        assert_eq!(s.default_title(""), "Call: clicked acme.com/pricing");
        let sp = zone("America/Sao_Paulo");
        // 00:30 UTC on June 11 is still June 10 in São Paulo.
        let t = s.into_task(TaskId::from_u128(1), "Ligar para Ana", utc(2026, 6, 11, 0, 30), sp).unwrap();
        assert_eq!(t.due, Due::on(date(2026, 6, 10)));
        assert_eq!(t.origin, Origin::FromEvent(EventId::from_u128(70)));
        assert_eq!(
            (t.person, t.email, t.priority),
            (Some(ana), Some(EmailId::from_u128(80)), Priority::High)
        );
        assert_eq!(Column::of(&t, utc(2026, 6, 11, 0, 30), sp), Column::Today);
    }

    #[test]
    fn views_and_replies_suggest_an_email_and_bounces_nothing() {
        let viewed = FollowUpSuggestion::from_event(&event(EventKind::Viewed), None).unwrap();
        assert_eq!((viewed.task_type, viewed.priority), (TaskType::Email, Priority::Normal));
        assert_eq!(viewed.default_title("Bo Li"), "Email Bo Li: viewed the email");
        let replied =
            FollowUpSuggestion::from_event(&event(EventKind::Replied { text: None }), None).unwrap();
        assert_eq!((replied.reason, replied.priority), (FollowUpReason::Replied, Priority::High));
        assert_eq!(FollowUpSuggestion::from_event(&event(EventKind::AutoReplied), None), None);
        let complaint = EventKind::Complained { feedback_type: "abuse".into() };
        assert_eq!(FollowUpSuggestion::from_event(&event(complaint), None), None);
        let long = FollowUpSuggestion::from_event(&event(EventKind::Viewed), None).unwrap();
        assert_eq!(long.default_title(&"A".repeat(500)).chars().count(), MAX_TITLE_CHARS);
    }
}
