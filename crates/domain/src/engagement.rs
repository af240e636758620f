//! Engagement: the raw events recorded for each email and recipient (views, clicks, replies, bounces,
//! complaints), and the bounce vocabulary with its hard/soft verdict.
//!
//! Owns what an event is and what a bounce means. Human/machine classification lives in
//! [`crate::classify`], per-email totals in [`crate::aggregate`].

use serde::{Deserialize, Serialize};

use crate::classify::Verdict;
use crate::ids::{EmailId, EventId, Instant};
use crate::people::EmailAddress;
use crate::wire::{WireError, required};

/// One raw engagement event, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngagementEvent {
    pub id: EventId,
    pub email: EmailId,
    pub recipient: EmailAddress,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Instant,
    pub kind: EventKind,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Human or machine, for views and clicks, as the endpoint's classifier judged it (and re-judged it when
    /// a later event changed the picture).
    #[serde(default)]
    pub verdict: Option<Verdict>,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "EventKindFields")]
pub enum EventKind {
    /// The open-tracking pixel was fetched.
    Viewed,
    /// A tracked link was followed.
    Clicked { url: String },
    /// A reply naming one of our Message-IDs arrived; `text` is what the person wrote (plain text, the
    /// quoted history folded away), when it was read from the message.
    Replied {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// An automatic answer (RFC 3834, vacation notice) arrived: recorded, but not a reply.
    AutoReplied,
    /// Delivery failed for good (SMTP 5xx at send time, or a DSN with `Action: failed`).
    Bounced(Bounce),
    /// Delivery is only delayed (`Action: delayed`, 4.x.x): an event, not a move to Bounced.
    Delayed(Bounce),
    /// The recipient marked the email as spam (an ARF feedback report).
    Complained { feedback_type: String },
}

impl EventKind {
    /// A short name for the kind, as used in the text of searches and in the UI's keys.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Viewed => "viewed",
            EventKind::Clicked { .. } => "clicked",
            EventKind::Replied { .. } => "replied",
            EventKind::AutoReplied => "auto_replied",
            EventKind::Bounced(_) => "bounced",
            EventKind::Delayed(_) => "delayed",
            EventKind::Complained { .. } => "complained",
        }
    }
}

/// Every field of every [`EventKind`], a bounce's included, read in one pass (see [`crate::wire`]).
#[derive(Deserialize)]
struct EventKindFields {
    #[serde(rename = "type")]
    name: EventKindName,
    url: Option<String>,
    feedback_type: Option<String>,
    status: Option<String>,
    smtp_code: Option<u16>,
    reason: Option<BounceReason>,
    diagnostic: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventKindName {
    Viewed,
    Clicked,
    Replied,
    AutoReplied,
    Bounced,
    Delayed,
    Complained,
}

impl TryFrom<EventKindFields> for EventKind {
    type Error = WireError;

    fn try_from(f: EventKindFields) -> Result<EventKind, WireError> {
        let bounce = |f: EventKindFields| -> Result<Bounce, WireError> {
            Ok(Bounce {
                status: required(f.status, "status")?,
                smtp_code: f.smtp_code,
                reason: required(f.reason, "reason")?,
                diagnostic: f.diagnostic.unwrap_or_default(),
            })
        };
        Ok(match f.name {
            EventKindName::Viewed => EventKind::Viewed,
            EventKindName::Clicked => EventKind::Clicked { url: required(f.url, "url")? },
            EventKindName::Replied => EventKind::Replied { text: f.text },
            EventKindName::AutoReplied => EventKind::AutoReplied,
            EventKindName::Bounced => EventKind::Bounced(bounce(f)?),
            EventKindName::Delayed => EventKind::Delayed(bounce(f)?),
            EventKindName::Complained => {
                EventKind::Complained { feedback_type: required(f.feedback_type, "feedback_type")? }
            }
        })
    }
}

/// What a receiving server said when it refused or delayed a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bounce {
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`; empty when the server gave none.
    pub status: String,
    /// The SMTP reply code, e.g. 550, when known.
    #[serde(default)]
    pub smtp_code: Option<u16>,
    pub reason: BounceReason,
    /// The server's own words.
    #[serde(default)]
    pub diagnostic: String,
}

impl Bounce {
    /// Hard means the address itself is dead: it goes on the suppression list. A hard reason with a
    /// transient code (4.x.x, or a 4xx reply) is soft: the server itself says to try again.
    pub fn is_hard(&self) -> bool {
        self.reason.is_hard() && !self.is_transient()
    }

    /// Why the address goes on the suppression list: the reason's name and the status code
    /// (`userunknown 5.1.1`), or the name alone when the server gave no code.
    pub fn suppression_reason(&self) -> String {
        match self.status.trim() {
            "" => self.reason.name().to_string(),
            status => format!("{} {status}", self.reason.name()),
        }
    }

    /// RFC 3463's class 4 (`4.x.x`), or a 4xx SMTP reply when there is no status code.
    pub fn is_transient(&self) -> bool {
        self.status.starts_with('4')
            || (self.status.is_empty() && self.smtp_code.is_some_and(|c| (400..500).contains(&c)))
    }

    /// RFC 3463's class: `5.x.x` is permanent, `4.x.x` transient. Recorded, but not the hard/soft verdict.
    pub fn is_permanent(&self) -> bool {
        self.status.starts_with('5') || self.smtp_code.is_some_and(|c| (500..600).contains(&c))
    }
}

/// Why a message bounced, in Sisimai's vocabulary (the reference open-source bounce classifier), so that
/// verdicts read the same as the tools deliverability engineers already use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BounceReason {
    /// The recipient's address does not exist (the local part).
    UserUnknown,
    /// The recipient's domain does not exist or has no mail server.
    HostUnknown,
    /// The recipient has moved and left a new address.
    HasMoved,
    /// The domain accepts no mail at all (null MX); hard only when the refusal is permanent.
    NotAccept,
    /// The recipient's mailbox is full.
    MailboxFull,
    /// The recipient's server filtered the message (a rule of the recipient, or "user unknown" after DATA).
    Filtered,
    /// The sender's address was refused (at MAIL FROM, or the sender's domain does not exist).
    Rejected,
    /// The sending server's IP address is refused (a block list, at connect, no reverse DNS).
    Blocked,
    /// Delivery kept failing until the message expired in the queue.
    Expired,
    /// The message was taken for spam.
    SpamDetected,
    /// The recipient's mailbox is suspended or disabled for now.
    Suspend,
    /// The receiving server refused to relay the message.
    NoRelaying,
    /// An error on the recipient's server.
    SystemError,
    /// The recipient's server is out of storage.
    SystemFull,
    /// The message is larger than the recipient's server takes.
    #[serde(alias = "mesgtoolarge")]
    MesgTooBig,
    /// The recipient's mailbox or domain has passed a limit other than its size (messages per day, recipients).
    ExceedLimit,
    /// Refused by the recipient's policy (a rule not about spam or authentication).
    PolicyViolation,
    /// SPF, DKIM or DMARC failed.
    AuthFailure,
    /// The sending server has no valid reverse DNS (PTR) record.
    RequirePtr,
    /// The sending IP address or domain has a poor reputation.
    BadReputation,
    /// The sender sends too fast (a rate limit on the sending side).
    Speeding,
    /// Too many connections from the sending server.
    TooManyConn,
    /// A network problem between the servers (a connection lost, DNS timing out, a loop).
    NetworkError,
    /// A TLS or certificate problem between the servers.
    SecurityError,
    /// STARTTLS was required and failed.
    FailedStartTls,
    /// The message does not comply with the RFCs (header fields, line length, encoding).
    NotCompliantRfc,
    /// The message's content was refused (a banned attachment, a bad header).
    ContentError,
    /// A virus was found in the message.
    VirusDetected,
    /// The SMTP conversation itself went wrong (a command out of order or malformed).
    SyntaxError,
    /// A local mailer program (procmail, a pipe) failed.
    MailerError,
    /// The address is on the sending service's own suppression list.
    Suppressed,
    /// Not decided: the report is waiting for more information.
    OnHold,
    /// The report says the message was delivered.
    Delivered,
    /// A complaint report.
    Feedback,
    /// An automatic reply (vacation).
    Vacation,
    /// No reason could be found.
    Undefined,
}

impl BounceReason {
    pub const ALL: [BounceReason; 36] = [
        BounceReason::UserUnknown,
        BounceReason::HostUnknown,
        BounceReason::HasMoved,
        BounceReason::NotAccept,
        BounceReason::MailboxFull,
        BounceReason::Filtered,
        BounceReason::Rejected,
        BounceReason::Blocked,
        BounceReason::Expired,
        BounceReason::SpamDetected,
        BounceReason::Suspend,
        BounceReason::NoRelaying,
        BounceReason::SystemError,
        BounceReason::SystemFull,
        BounceReason::MesgTooBig,
        BounceReason::ExceedLimit,
        BounceReason::PolicyViolation,
        BounceReason::AuthFailure,
        BounceReason::RequirePtr,
        BounceReason::BadReputation,
        BounceReason::Speeding,
        BounceReason::TooManyConn,
        BounceReason::NetworkError,
        BounceReason::SecurityError,
        BounceReason::FailedStartTls,
        BounceReason::NotCompliantRfc,
        BounceReason::ContentError,
        BounceReason::VirusDetected,
        BounceReason::SyntaxError,
        BounceReason::MailerError,
        BounceReason::Suppressed,
        BounceReason::OnHold,
        BounceReason::Delivered,
        BounceReason::Feedback,
        BounceReason::Vacation,
        BounceReason::Undefined,
    ];

    /// The reason's name, e.g. `userunknown`.
    pub fn name(self) -> &'static str {
        match self {
            BounceReason::UserUnknown => "userunknown",
            BounceReason::HostUnknown => "hostunknown",
            BounceReason::HasMoved => "hasmoved",
            BounceReason::NotAccept => "notaccept",
            BounceReason::MailboxFull => "mailboxfull",
            BounceReason::Filtered => "filtered",
            BounceReason::Rejected => "rejected",
            BounceReason::Blocked => "blocked",
            BounceReason::Expired => "expired",
            BounceReason::SpamDetected => "spamdetected",
            BounceReason::Suspend => "suspend",
            BounceReason::NoRelaying => "norelaying",
            BounceReason::SystemError => "systemerror",
            BounceReason::SystemFull => "systemfull",
            BounceReason::MesgTooBig => "mesgtoobig",
            BounceReason::ExceedLimit => "exceedlimit",
            BounceReason::PolicyViolation => "policyviolation",
            BounceReason::AuthFailure => "authfailure",
            BounceReason::RequirePtr => "requireptr",
            BounceReason::BadReputation => "badreputation",
            BounceReason::Speeding => "speeding",
            BounceReason::TooManyConn => "toomanyconn",
            BounceReason::NetworkError => "networkerror",
            BounceReason::SecurityError => "securityerror",
            BounceReason::FailedStartTls => "failedstarttls",
            BounceReason::NotCompliantRfc => "notcompliantrfc",
            BounceReason::ContentError => "contenterror",
            BounceReason::VirusDetected => "virusdetected",
            BounceReason::SyntaxError => "syntaxerror",
            BounceReason::MailerError => "mailererror",
            BounceReason::Suppressed => "suppressed",
            BounceReason::OnHold => "onhold",
            BounceReason::Delivered => "delivered",
            BounceReason::Feedback => "feedback",
            BounceReason::Vacation => "vacation",
            BounceReason::Undefined => "undefined",
        }
    }

    /// The reason named `name`; the former name `mesgtoolarge` still reads.
    pub fn from_name(name: &str) -> Option<BounceReason> {
        match name {
            "mesgtoolarge" => Some(BounceReason::MesgTooBig),
            _ => BounceReason::ALL.into_iter().find(|r| r.name() == name),
        }
    }

    /// Hard: the address itself is dead (no such user, no such domain, moved, a domain that takes no mail).
    /// Everything else is soft, even with a 5.x.x code; and a transient refusal (4.x.x) is never hard,
    /// whatever its reason ([`Bounce::is_hard`]).
    pub fn is_hard(self) -> bool {
        matches!(
            self,
            BounceReason::UserUnknown
                | BounceReason::HostUnknown
                | BounceReason::HasMoved
                | BounceReason::NotAccept
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounce(status: &str, reason: BounceReason) -> Bounce {
        Bounce { status: status.into(), smtp_code: None, reason, diagnostic: String::new() }
    }

    #[test]
    fn a_dead_address_is_hard_and_a_policy_rejection_is_soft_even_with_5xx() {
        assert!(bounce("5.1.1", BounceReason::UserUnknown).is_hard());
        assert!(bounce("5.1.2", BounceReason::HostUnknown).is_hard());
        let policy = bounce("5.7.1", BounceReason::PolicyViolation);
        assert!(!policy.is_hard());
        assert!(policy.is_permanent(), "the RFC 3463 class is still recorded");
        assert!(!bounce("5.2.2", BounceReason::MailboxFull).is_hard());
        assert!(!bounce("4.1.1", BounceReason::UserUnknown).is_hard(), "a transient code is never hard");
        let reply_only =
            Bounce { status: String::new(), smtp_code: Some(450), ..bounce("", BounceReason::HostUnknown) };
        assert!(!reply_only.is_hard());
        assert!(!bounce("4.4.7", BounceReason::Expired).is_permanent());
    }

    #[test]
    fn reason_names_round_trip() {
        for reason in BounceReason::ALL {
            assert_eq!(BounceReason::from_name(reason.name()), Some(reason));
            let json = serde_json::to_string(&reason).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", reason.name()));
        }
        assert_eq!(BounceReason::from_name("mesgtoolarge"), Some(BounceReason::MesgTooBig));
        let former: Result<BounceReason, _> = serde_json::from_str("\"mesgtoolarge\"");
        assert_eq!(former.ok(), Some(BounceReason::MesgTooBig), "a record kept under the former name reads");
    }
}
