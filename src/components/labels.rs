//! The words the UI gives to the domain's tabs, folders, statuses, actions and events, in the rep's
//! language. Called inside a reactive closure, each follows a change of language.

use domain::classify::{Reason, Verdict};
use domain::sync::{ErrorBody, ErrorCode};
use domain::task::{Priority, Snooze, TaskError, TaskType};
use domain::{
    AddressError, BounceReason, EmailEngagement, EmailError, EventKind, Folder, MainTab, QuickAction,
};
use leptos_i18n::I18nContext;

use crate::i18n::*;

type I18n = I18nContext<Locale>;

pub fn main_tab(i18n: I18n, tab: MainTab) -> String {
    match tab {
        MainTab::Sent => t_string!(i18n, tabs.sent),
        MainTab::Pending => t_string!(i18n, tabs.pending),
        MainTab::Undelivered => t_string!(i18n, tabs.undelivered),
    }
    .to_string()
}

pub fn folder(i18n: I18n, folder: Folder) -> String {
    match folder {
        Folder::Delivered => t_string!(i18n, folders.delivered),
        Folder::Archived => t_string!(i18n, folders.archived),
        Folder::Scheduled => t_string!(i18n, folders.scheduled),
        Folder::Draft => t_string!(i18n, folders.draft),
        Folder::InProgress => t_string!(i18n, folders.in_progress),
        Folder::Failed => t_string!(i18n, folders.failed),
        Folder::Bounced => t_string!(i18n, folders.bounced),
        Folder::Spam => t_string!(i18n, folders.spam),
    }
    .to_string()
}

/// An email's engagement in words: views and clicks by people, and replies ("1 view", "2 clicks").
pub fn human_counts(i18n: I18n, e: &EmailEngagement) -> [String; 3] {
    [
        t_string!(i18n, list.views, count = e.views_human).to_string(),
        t_string!(i18n, list.clicks, count = e.clicks_human).to_string(),
        t_string!(i18n, list.replies, count = e.replies).to_string(),
    ]
}

/// Every recorded view and click, machines' too, with how many of them were people's.
pub fn raw_counts(i18n: I18n, e: &EmailEngagement) -> String {
    let views = t_string!(i18n, list.raw_views, count = e.views_raw, human = e.views_human).to_string();
    let clicks = t_string!(i18n, list.raw_clicks, count = e.clicks_raw, human = e.clicks_human).to_string();
    t_string!(i18n, list.raw_counts, views = views, clicks = clicks).to_string()
}

/// The column heading of the date a folder lists its emails by.
pub fn folder_date(i18n: I18n, folder: Folder) -> String {
    match folder {
        Folder::Delivered => t_string!(i18n, list.delivered_at),
        Folder::Archived => t_string!(i18n, list.archived_at),
        Folder::Scheduled => t_string!(i18n, list.scheduled_for),
        Folder::Draft => t_string!(i18n, list.edited_at),
        Folder::InProgress => t_string!(i18n, list.sending_since),
        Folder::Failed | Folder::Bounced | Folder::Spam => t_string!(i18n, list.failed_at),
    }
    .to_string()
}

pub fn action(i18n: I18n, action: QuickAction) -> String {
    match action {
        QuickAction::Archive => t_string!(i18n, actions.archive),
        QuickAction::MarkSuccess => t_string!(i18n, actions.mark_success),
        QuickAction::Unarchive => t_string!(i18n, actions.unarchive),
        QuickAction::Edit => t_string!(i18n, actions.edit),
        QuickAction::Delete => t_string!(i18n, actions.delete),
        QuickAction::SendNow => t_string!(i18n, actions.send_now),
        QuickAction::Unschedule => t_string!(i18n, actions.unschedule),
        QuickAction::StopSending => t_string!(i18n, actions.stop_sending),
        QuickAction::Retry => t_string!(i18n, actions.retry),
        QuickAction::FollowUp => t_string!(i18n, actions.follow_up),
        QuickAction::CreateTask => t_string!(i18n, actions.create_task),
    }
    .to_string()
}

/// What the notice says once an action is done, for `n` emails.
pub fn action_done(i18n: I18n, action: QuickAction, n: usize) -> String {
    let count = n as u32;
    match action {
        QuickAction::Archive => t_string!(i18n, done.archived, count),
        QuickAction::MarkSuccess => t_string!(i18n, done.marked_success, count),
        QuickAction::Unarchive => t_string!(i18n, done.unarchived, count),
        QuickAction::Delete => t_string!(i18n, done.deleted, count),
        QuickAction::SendNow => t_string!(i18n, done.sending, count),
        QuickAction::Unschedule | QuickAction::StopSending => t_string!(i18n, done.unscheduled, count),
        QuickAction::Retry => t_string!(i18n, done.retrying, count),
        QuickAction::Edit | QuickAction::FollowUp | QuickAction::CreateTask => {
            t_string!(i18n, done.saved, count)
        }
    }
    .to_string()
}

/// What an event is, for the timeline and the live feed.
pub fn event(i18n: I18n, kind: &EventKind) -> String {
    match kind {
        EventKind::Viewed => t_string!(i18n, events.viewed).to_string(),
        EventKind::Clicked { url } => t_string!(i18n, events.clicked, url = url.clone()).to_string(),
        EventKind::Replied { .. } => t_string!(i18n, events.replied).to_string(),
        EventKind::AutoReplied => t_string!(i18n, events.auto_replied).to_string(),
        EventKind::Bounced(bounce) => {
            t_string!(i18n, events.bounced, reason = bounce_reason(i18n, bounce.reason)).to_string()
        }
        EventKind::Delayed(bounce) => {
            t_string!(i18n, events.delayed, reason = bounce_reason(i18n, bounce.reason)).to_string()
        }
        EventKind::Complained { .. } => t_string!(i18n, events.complained).to_string(),
    }
}

/// Why an address is suppressed, in words: a hard bounce's reason, a complaint or an unsubscribe.
pub fn suppression_reason(i18n: I18n, suppression: &domain::sync::Suppression) -> String {
    match (suppression.bounce_reason(), suppression.reason.as_str()) {
        (Some(reason), _) => {
            let why = t_string!(i18n, suppressions.bounced, why = bounce_reason(i18n, reason)).to_string();
            match suppression.status() {
                Some(status) => format!("{why} ({status})"),
                None => why,
            }
        }
        (None, "unsubscribed") => t_string!(i18n, suppressions.unsubscribed).to_string(),
        (None, _) => t_string!(i18n, suppressions.complaint).to_string(),
    }
}

/// Why a message came back, in words (the report's own code, `userunknown`, stays on the email's page in
/// the server's diagnostic).
pub fn bounce_reason(i18n: I18n, reason: BounceReason) -> String {
    match reason {
        BounceReason::UserUnknown => t_string!(i18n, bounce_reasons.user_unknown),
        BounceReason::HostUnknown => t_string!(i18n, bounce_reasons.host_unknown),
        BounceReason::HasMoved => t_string!(i18n, bounce_reasons.has_moved),
        BounceReason::NotAccept => t_string!(i18n, bounce_reasons.not_accept),
        BounceReason::MailboxFull => t_string!(i18n, bounce_reasons.mailbox_full),
        BounceReason::Filtered => t_string!(i18n, bounce_reasons.filtered),
        BounceReason::Rejected => t_string!(i18n, bounce_reasons.rejected),
        BounceReason::Blocked => t_string!(i18n, bounce_reasons.blocked),
        BounceReason::Expired => t_string!(i18n, bounce_reasons.expired),
        BounceReason::SpamDetected => t_string!(i18n, bounce_reasons.spam_detected),
        BounceReason::Suspend => t_string!(i18n, bounce_reasons.suspend),
        BounceReason::NoRelaying => t_string!(i18n, bounce_reasons.no_relaying),
        BounceReason::SystemError => t_string!(i18n, bounce_reasons.system_error),
        BounceReason::MesgTooBig => t_string!(i18n, bounce_reasons.mesg_too_big),
        BounceReason::PolicyViolation => t_string!(i18n, bounce_reasons.policy_violation),
        BounceReason::SystemFull => t_string!(i18n, bounce_reasons.system_full),
        BounceReason::ExceedLimit => t_string!(i18n, bounce_reasons.exceed_limit),
        BounceReason::AuthFailure => t_string!(i18n, bounce_reasons.auth_failure),
        BounceReason::RequirePtr => t_string!(i18n, bounce_reasons.require_ptr),
        BounceReason::BadReputation => t_string!(i18n, bounce_reasons.bad_reputation),
        BounceReason::Speeding => t_string!(i18n, bounce_reasons.speeding),
        BounceReason::TooManyConn => t_string!(i18n, bounce_reasons.too_many_conn),
        BounceReason::NetworkError => t_string!(i18n, bounce_reasons.network_error),
        BounceReason::SecurityError => t_string!(i18n, bounce_reasons.security_error),
        BounceReason::FailedStartTls => t_string!(i18n, bounce_reasons.failed_starttls),
        BounceReason::NotCompliantRfc => t_string!(i18n, bounce_reasons.not_compliant_rfc),
        BounceReason::ContentError => t_string!(i18n, bounce_reasons.content_error),
        BounceReason::VirusDetected => t_string!(i18n, bounce_reasons.virus_detected),
        BounceReason::SyntaxError => t_string!(i18n, bounce_reasons.syntax_error),
        BounceReason::MailerError => t_string!(i18n, bounce_reasons.mailer_error),
        BounceReason::Suppressed => t_string!(i18n, bounce_reasons.suppressed),
        BounceReason::OnHold => t_string!(i18n, bounce_reasons.on_hold),
        BounceReason::Delivered => t_string!(i18n, bounce_reasons.delivered),
        BounceReason::Feedback => t_string!(i18n, bounce_reasons.feedback),
        BounceReason::Vacation => t_string!(i18n, bounce_reasons.vacation),
        BounceReason::Undefined => t_string!(i18n, bounce_reasons.undefined),
    }
    .to_string()
}

/// Human or machine, as a short mark.
pub fn verdict(i18n: I18n, verdict: &Verdict) -> String {
    if verdict.human { t_string!(i18n, events.human) } else { t_string!(i18n, events.machine) }.to_string()
}

/// A timeline's mark for a verdict: who, and why ("machine · a mail provider's image proxy").
pub fn verdict_mark(i18n: I18n, verdict: &Verdict) -> String {
    format!("{} · {}", self::verdict(i18n, verdict), verdict_reason(i18n, verdict.reason))
}

/// An address the rep typed that is not one, said in their language.
pub fn address_error(i18n: I18n, error: &AddressError) -> String {
    match error {
        AddressError::Empty => t_string!(i18n, errors.address_empty).to_string(),
        AddressError::ControlCharacter(a) => {
            t_string!(i18n, errors.address_control, address = a.clone()).to_string()
        }
        AddressError::Syntax(a) => t_string!(i18n, errors.address_syntax, address = a.clone()).to_string(),
        AddressError::NoPublicDomain(a) => {
            t_string!(i18n, errors.address_domain, address = a.clone()).to_string()
        }
        AddressError::TooLong(a) => t_string!(i18n, errors.address_long, address = a.clone()).to_string(),
    }
}

/// An email whose content cannot be accepted, said in the rep's language.
pub fn email_error(i18n: I18n, error: &EmailError) -> String {
    match error {
        EmailError::SubjectControlCharacter => t_string!(i18n, errors.subject_control).to_string(),
        EmailError::SubjectTooLong => t_string!(i18n, errors.subject_long).to_string(),
        EmailError::BodyTooLarge(_) => t_string!(i18n, errors.body_large).to_string(),
        EmailError::TooManyCc => t_string!(i18n, errors.too_many_cc).to_string(),
        EmailError::ScheduledWithoutTime => t_string!(i18n, errors.schedule_missing).to_string(),
        EmailError::UnknownTimeZone(zone) => {
            t_string!(i18n, errors.time_zone, zone = zone.clone()).to_string()
        }
    }
}

/// A refusal (by the domain, locally, or by the endpoint): a summary in the rep's language, with the
/// reason's own words after it.
pub fn refusal(i18n: I18n, error: &ErrorBody) -> String {
    let summary = match error.code {
        ErrorCode::TransitionRefused | ErrorCode::Conflict => t_string!(i18n, errors.refused),
        ErrorCode::NotFound => t_string!(i18n, errors.not_found),
        ErrorCode::InvalidAddress | ErrorCode::HeaderInjection | ErrorCode::InvalidInput => {
            t_string!(i18n, errors.invalid)
        }
        ErrorCode::TooLarge => t_string!(i18n, errors.too_large),
        ErrorCode::Unauthorized => t_string!(i18n, errors.unauthorized),
        ErrorCode::RateLimited => t_string!(i18n, errors.rate_limited),
        ErrorCode::IdempotencyKeyReused | ErrorCode::UnsupportedVersion | ErrorCode::Internal => {
            t_string!(i18n, errors.endpoint)
        }
    };
    format!("{summary} ({})", error.message)
}

/// Why a view or click was judged human or machine.
pub fn verdict_reason(i18n: I18n, reason: Reason) -> String {
    match reason {
        Reason::PrivacyProxy => t_string!(i18n, reasons.privacy_proxy),
        Reason::ImageProxy => t_string!(i18n, reasons.image_proxy),
        Reason::SecurityScanner => t_string!(i18n, reasons.security_scanner),
        Reason::AutomatedClient => t_string!(i18n, reasons.automated_client),
        Reason::SoonAfterDelivery => t_string!(i18n, reasons.soon_after_delivery),
        Reason::ClickBurst => t_string!(i18n, reasons.click_burst),
        Reason::ClickWithoutView => t_string!(i18n, reasons.click_without_view),
        Reason::NoMachineSign => t_string!(i18n, reasons.no_machine_sign),
    }
    .to_string()
}

pub fn task_type(i18n: I18n, task_type: TaskType) -> String {
    match task_type {
        TaskType::Email => t_string!(i18n, tasks.type_email),
        TaskType::Call => t_string!(i18n, tasks.type_call),
        TaskType::LinkedIn => t_string!(i18n, tasks.type_linkedin),
        TaskType::Custom => t_string!(i18n, tasks.type_custom),
    }
    .to_string()
}

pub fn priority(i18n: I18n, priority: Priority) -> String {
    match priority {
        Priority::Low => t_string!(i18n, tasks.priority_low),
        Priority::Normal => t_string!(i18n, tasks.priority_normal),
        Priority::High => t_string!(i18n, tasks.priority_high),
        Priority::Urgent => t_string!(i18n, tasks.priority_urgent),
    }
    .to_string()
}

pub fn snooze(i18n: I18n, choice: Snooze) -> String {
    match choice {
        Snooze::LaterToday => t_string!(i18n, tasks.later_today),
        Snooze::Tomorrow => t_string!(i18n, tasks.tomorrow),
        Snooze::NextWeek => t_string!(i18n, tasks.next_week),
        Snooze::Pick { .. } => t_string!(i18n, tasks.pick_date),
    }
    .to_string()
}

/// Why a task cannot be saved or moved, in the rep's language.
pub fn task_error(i18n: I18n, error: &TaskError) -> String {
    match error {
        TaskError::EmptyTitle => t_string!(i18n, tasks.error_title).to_string(),
        TaskError::TitleTooLong { max, .. } => {
            t_string!(i18n, tasks.error_title_long, max = *max).to_string()
        }
        TaskError::TitleNotOneLine => t_string!(i18n, tasks.error_title_line).to_string(),
        TaskError::NotesTooLong { max, .. } => {
            t_string!(i18n, tasks.error_notes_long, max = *max).to_string()
        }
        TaskError::MoveIntoOverdue => t_string!(i18n, tasks.error_overdue).to_string(),
        other => other.to_string(),
    }
}
