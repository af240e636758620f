//! Inbound mail: what one raw RFC 5322 message that arrives for Command Center is.
//!
//! The mail server pipes every message addressed to us (bounce reports to the VERP return path, complaint
//! reports from mailbox providers, answers from prospects) to the endpoint as raw bytes. This crate reads
//! such a message and says what it is:
//!
//! - a **bounce**: a delivery status notification (RFC 3464, status codes from RFC 3463), or one of the older
//!   free-text reports (qmail, Exim, Yahoo, Exchange, …), with one [`BouncedRecipient`] per address that
//!   failed for good (`action: failed`) or is only delayed (`action: delayed`), the reason in Sisimai's
//!   vocabulary ([`domain::BounceReason`]) and the hard/soft verdict that reason implies;
//! - a **complaint**: an ARF feedback report (RFC 5965);
//! - an **auto-reply**: an automatic answer (RFC 3834 `Auto-Submitted`, vacation and out-of-office notices),
//!   which is never a reply;
//! - a **reply**: a message whose `In-Reply-To` / `References` name Message-IDs;
//! - **other**: anything else, including a message that cannot be read at all.
//!
//! It also reads what ties the message to one of our emails: the email id in our VERP return path
//! (`bounce+<email id>@<domain>`, see [`verp`]), the Message-IDs the message answers or reports on.
//!
//! What it owns: reading inbound mail. What it must not do: IO (it is given bytes), storage, or any
//! decision about an email's status. Whether a bounce moves an email to Bounced, puts an address on the
//! suppression list or only records an event is the domain's rule, applied by the endpoint.
//!
//! [`classify`] never fails and never panics: a message that cannot be read (empty, binary, no header
//! section) is [`Kind::Other`] with [`Classification::unreadable`] saying why. [`try_classify`] returns the
//! same reason as a typed [`Unreadable`] error for callers that want to refuse such input instead.

mod arf;
mod autoreply;
mod codes;
mod dsn;
mod fields;
mod legacy;
mod mail;
mod reasons;
pub mod reply_text;
mod ses;
pub mod verp;

use domain::engagement::{Bounce, BounceReason, EventKind};
use domain::ids::EmailId;
use domain::people::EmailAddress;
use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use reasons::{Judged, Stage, judge, reason_for};

/// The first failure status code (RFC 3463, class 4 or 5) standing in a server's answer: `5.1.1` in
/// `550 5.1.1 <bob@example.net>: User unknown`. For the answers the endpoint gets while sending; with
/// [`reason_for`] they give the same reasons as bounce reports do.
pub fn enhanced_status(text: &str) -> Option<String> {
    codes::find_status(text)
}

/// What an inbound message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A report that delivery failed or is delayed (RFC 3464 or an older free-text format).
    Bounce,
    /// A complaint: the recipient marked our email as spam (ARF, RFC 5965).
    Complaint,
    /// An automatic answer (RFC 3834, vacation notice): recorded, never a reply.
    AutoReply,
    /// A person answered: `In-Reply-To` / `References` name Message-IDs.
    Reply,
    /// Anything else. The endpoint keeps it.
    Other,
}

impl Kind {
    /// The kind's name as it appears in JSON, e.g. `auto_reply`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bounce => "bounce",
            Kind::Complaint => "complaint",
            Kind::AutoReply => "auto_reply",
            Kind::Reply => "reply",
            Kind::Other => "other",
        }
    }
}

/// What the reporting server did with the message for one recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryAction {
    /// Delivery failed for good (`Action: failed`): the email moves to Bounced.
    Failed,
    /// Delivery is only delayed (`Action: delayed`, usually 4.x.x): an event, not a move to Bounced.
    Delayed,
}

/// One recipient a bounce report is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BouncedRecipient {
    /// The address we sent to (`Original-Recipient` when the report gives it, else `Final-Recipient`).
    pub address: EmailAddress,
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`; empty when the report gave none.
    pub status: String,
    /// Hard: the address itself is dead and goes on the suppression list. The domain's verdict
    /// ([`Bounce::is_hard`]): a hard reason with a permanent (or no) code.
    pub hard: bool,
    /// Why, in Sisimai's vocabulary.
    pub reason: BounceReason,
    /// Failed for good, or only delayed.
    pub action: DeliveryAction,
    /// The SMTP reply code, e.g. 550, when the report gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_code: Option<u16>,
    /// The receiving server's own words (the `Diagnostic-Code` without its type, or the report's text).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub diagnostic: String,
    /// The server that answered (`Remote-MTA`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_mta: Option<String>,
    /// Where delivery was last tried (`Final-Recipient`), when it differs from `address` (an alias or a
    /// forward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_recipient: Option<EmailAddress>,
    /// The SMTP command the refusal answered, when the report says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
}

impl BouncedRecipient {
    /// A recipient whose status code and reason are settled by [`judge`] from the report's `Status` field
    /// (may be empty) and the server's words, and whose hard/soft verdict is the domain's.
    /// The diagnostic is tidied: whitespace collapsed, and the reply code a multi-line SMTP answer repeats
    /// on every line (`550-5.1.1 … 550-5.1.1 … 550 5.1.1 …`) kept once.
    pub fn new(address: EmailAddress, action: DeliveryAction, status: String, diagnostic: String) -> Self {
        Self::at_stage(address, action, status, diagnostic, None)
    }

    /// Like [`BouncedRecipient::new`], with the SMTP stage the report names elsewhere than in the server's
    /// words (the words win when they name one).
    pub fn at_stage(
        address: EmailAddress,
        action: DeliveryAction,
        status: String,
        diagnostic: String,
        stage: Option<Stage>,
    ) -> Self {
        let diagnostic = codes::tidy_diagnostic(&diagnostic);
        let judged = judge(&status, &diagnostic, stage, action == DeliveryAction::Delayed);
        let mut recipient = BouncedRecipient {
            address,
            hard: false,
            smtp_code: codes::find_smtp_code(&diagnostic),
            status: judged.status,
            reason: judged.reason,
            action,
            diagnostic,
            remote_mta: None,
            final_recipient: None,
            stage: judged.stage,
        };
        recipient.hard = recipient.bounce().is_hard();
        recipient
    }

    /// Gives the recipient `reason` where something beyond its words says it (a report's own sub-type, or its
    /// own words over a report's general answer): a pseudo status code follows the reason (`temporary`
    /// picks class 4), and the hard/soft verdict follows both.
    pub(crate) fn settle(&mut self, reason: BounceReason, temporary: bool) {
        self.reason = reason;
        if reasons::is_pseudo(&self.status) {
            self.status = reasons::pseudo_code(reason, temporary);
        }
        self.hard = self.bounce().is_hard();
    }

    /// The bounce as the domain records it.
    pub fn bounce(&self) -> Bounce {
        Bounce {
            status: self.status.clone(),
            smtp_code: self.smtp_code,
            reason: self.reason,
            diagnostic: self.diagnostic.clone(),
        }
    }

    /// What the report says of this recipient, in the domain's words.
    pub fn reported(&self) -> domain::reaction::ReportedRecipient {
        domain::reaction::ReportedRecipient {
            address: self.address.clone(),
            failed: self.action == DeliveryAction::Failed,
            bounce: self.bounce(),
        }
    }

    /// The engagement event this recipient's report is: `Bounced` when delivery failed for good,
    /// `Delayed` when it is only delayed.
    pub fn event(&self) -> EventKind {
        match self.action {
            DeliveryAction::Failed => EventKind::Bounced(self.bounce()),
            DeliveryAction::Delayed => EventKind::Delayed(self.bounce()),
        }
    }
}

/// The most recipients read from one bounce report (the rest are counted, not read), so a crafted report
/// costs a bounded time. An email goes to at most 1 + `domain::email::MAX_CC` addresses: a genuine report
/// is far below it, and whoever applies a report reads only the addresses its email went to.
pub const MAX_RECIPIENTS: usize = 10_000;
const _: () = assert!(MAX_RECIPIENTS > domain::email::MAX_CC, "a genuine report always fits");

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What one inbound message is, and what ties it to our emails.
///
/// Serialised, the core is always `{"kind": …, "recipients": […]}`; the other fields appear only when they
/// have a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub kind: Kind,
    /// For a bounce: one entry per failed or delayed recipient (possibly none when the report is mangled),
    /// at most [`MAX_RECIPIENTS`]. Empty for every other kind.
    #[serde(default)]
    pub recipients: Vec<BouncedRecipient>,
    /// For a bounce: how many more recipients the report listed beyond [`MAX_RECIPIENTS`] (not read).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recipients_left_out: usize,
    /// The email this message is about, read from our VERP return path (`bounce+<email id>@<domain>`) in
    /// the envelope headers (`Delivered-To`, `X-Original-To`, `Envelope-To`, `To`) or, for a report, in the
    /// returned copy of our message. Ties a bounce to its email even when the report itself is mangled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verp_email_id: Option<EmailId>,
    /// The Message-IDs named by `In-Reply-To`, without angle brackets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_reply_to: Vec<String>,
    /// The Message-IDs named by `References`, without angle brackets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// For a bounce or a complaint: the Message-ID of the message reported on (from the returned copy),
    /// without angle brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_message_id: Option<String>,
    /// For a complaint: the ARF `Feedback-Type` (`abuse`, `fraud`, `virus`, `other`, …), lower-case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_type: Option<String>,
    /// For a complaint: who complained (`Original-Rcpt-To`, else the `To` of the returned copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_recipient: Option<EmailAddress>,
    /// Who sent this message (`From`), when it is a valid address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<EmailAddress>,
    /// This message's own Message-ID, without angle brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// What decided the kind, for an operator reading the output (e.g. `Auto-Submitted: auto-replied`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// For a reply: what the person wrote, the quoted history folded away (plain text, at most
    /// [`reply_text::MAX_REPLY_CHARS`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_text: Option<String>,
    /// Why the message could not be read at all (then `kind` is `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl Classification {
    fn new(kind: Kind) -> Self {
        Classification {
            kind,
            recipients: Vec::new(),
            recipients_left_out: 0,
            verp_email_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            original_message_id: None,
            feedback_type: None,
            original_recipient: None,
            from: None,
            message_id: None,
            evidence: None,
            reply_text: None,
            unreadable: None,
        }
    }

    /// A message that could not be read: kept as `other`, with the reason.
    pub fn unreadable(why: &Unreadable) -> Self {
        Classification { unreadable: Some(why.to_string()), ..Classification::new(Kind::Other) }
    }

    /// Every Message-ID this message names that may be one of ours, without angle brackets and without
    /// repeats: `In-Reply-To` first, then `References` (newest last), then the reported message's id.
    pub fn referenced_message_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        let all = self.in_reply_to.iter().chain(&self.references).chain(&self.original_message_id);
        for id in all {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        ids
    }

    /// The recipients whose delivery failed for good.
    pub fn failed(&self) -> impl Iterator<Item = &BouncedRecipient> {
        self.recipients.iter().filter(|r| r.action == DeliveryAction::Failed)
    }

    /// The recipients whose delivery is only delayed.
    pub fn delayed(&self) -> impl Iterator<Item = &BouncedRecipient> {
        self.recipients.iter().filter(|r| r.action == DeliveryAction::Delayed)
    }
}

/// Why a message cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Unreadable {
    #[error("the message is empty")]
    Empty,
    #[error("the message's header section contains binary data (control bytes such as NUL)")]
    Binary,
    #[error("the message has no header section (expected \"Name: value\" lines before the first blank line)")]
    NoHeaders,
}

/// Reads one raw RFC 5322 message and says what it is. Never fails: a message that cannot be read is
/// [`Kind::Other`] with [`Classification::unreadable`] set.
pub fn classify(raw: &[u8]) -> Classification {
    try_classify(raw).unwrap_or_else(|why| Classification::unreadable(&why))
}

/// Like [`classify`], but a message that cannot be read at all is an error saying what is wrong.
///
/// A message that can be read but is damaged (a truncated MIME structure, a report missing its parts) is not
/// an error: it is classified from what can be read.
pub fn try_classify(raw: &[u8]) -> Result<Classification, Unreadable> {
    // An Amazon SES notification posted as it is (JSON, not mail).
    if raw.trim_ascii_start().starts_with(b"{")
        && let Some(found) = std::str::from_utf8(raw).ok().and_then(ses::read)
    {
        return Ok(found);
    }
    mail::check_readable(raw)?;
    let message = MessageParser::new().parse(raw).ok_or(Unreadable::NoHeaders)?;
    let headers = mail::root_headers(&message);
    if !headers.iter().any(|h| mail::is_field_name(h.name())) {
        return Err(Unreadable::NoHeaders);
    }

    let mut found = Classification::new(Kind::Other);
    found.from = mail::from_address(headers);
    found.message_id = mail::message_ids(headers, "message-id").into_iter().next();
    found.in_reply_to = mail::message_ids(headers, "in-reply-to");
    found.references = mail::message_ids(headers, "references");
    found.verp_email_id = verp::email_id_in_headers(headers);

    // An SES notification delivered by email: its body is the JSON.
    if let Some(body) = message.body_text(0).filter(|b| b.trim_start().starts_with('{'))
        && let Some(notification) = ses::read(&body)
    {
        return Ok(Classification {
            from: found.from,
            message_id: found.message_id,
            in_reply_to: found.in_reply_to,
            references: found.references,
            verp_email_id: notification.verp_email_id.or(found.verp_email_id),
            ..notification
        });
    }
    if let Some(complaint) = arf::read(&message).or_else(|| arf::read_jmrp(&message)) {
        found.kind = Kind::Complaint;
        found.feedback_type = Some(complaint.feedback_type);
        found.original_recipient = complaint.original_recipient;
        found.original_message_id = complaint.original_message_id;
        found.verp_email_id = found.verp_email_id.or(complaint.verp_email_id);
        found.evidence = Some(complaint.evidence);
        return Ok(found);
    }
    let bounce = match dsn::read(&message) {
        dsn::Dsn::Bounce(report) => Some(report),
        dsn::Dsn::OnlySuccesses => {
            found.evidence = Some("delivery status notification of successful delivery only".to_string());
            return Ok(found);
        }
        dsn::Dsn::NotOne => legacy::read(&message),
    };
    if let Some(mut report) = bounce {
        found.kind = Kind::Bounce;
        found.recipients_left_out = report.left_out + report.recipients.len().saturating_sub(MAX_RECIPIENTS);
        report.recipients.truncate(MAX_RECIPIENTS);
        found.recipients = report.recipients;
        found.original_message_id = report.original_message_id;
        found.verp_email_id = found.verp_email_id.or(report.verp_email_id);
        found.evidence = Some(report.evidence);
    } else if let Some(signal) = autoreply::detect(headers) {
        found.kind = Kind::AutoReply;
        found.evidence = Some(signal);
    } else if !found.in_reply_to.is_empty() || !found.references.is_empty() {
        found.kind = Kind::Reply;
        let header = if found.in_reply_to.is_empty() { "References" } else { "In-Reply-To" };
        found.evidence = Some(format!("{header} names a Message-ID"));
        found.reply_text = Some(reply_text::new_text(&mail::human_text(&message))).filter(|t| !t.is_empty());
    }
    Ok(found)
}

/// What a bounce report (standard or not) says.
pub(crate) struct BounceReport {
    pub recipients: Vec<BouncedRecipient>,
    /// Recipients beyond [`MAX_RECIPIENTS`], not read.
    pub left_out: usize,
    pub original_message_id: Option<String>,
    pub verp_email_id: Option<EmailId>,
    pub evidence: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_input_is_other_with_the_reason_and_never_panics() {
        assert_eq!(try_classify(b""), Err(Unreadable::Empty));
        assert_eq!(try_classify(b"  \r\n\r\n"), Err(Unreadable::Empty));
        assert_eq!(try_classify(&[0, 159, 146, 150, 1, 2, 3, 255, 10, 13, 58]), Err(Unreadable::Binary));
        assert_eq!(try_classify(b"hello world, no headers here\n"), Err(Unreadable::NoHeaders));
        let other = classify(b"");
        assert_eq!(other.kind, Kind::Other);
        assert_eq!(other.unreadable.as_deref(), Some("the message is empty"));
    }

    #[test]
    fn the_core_json_shape_is_kind_and_recipients() {
        let json = serde_json::to_value(classify(b"From: ana@example.com\nSubject: hi\n\nhello\n"))
            .unwrap_or_default();
        assert_eq!(json["kind"], "other");
        assert_eq!(json["recipients"], serde_json::json!([]));
        assert_eq!(json["from"], "ana@example.com");
        assert!(json.get("verp_email_id").is_none());
    }

    #[test]
    fn an_answer_at_send_time_reads_like_a_report() {
        let answer = "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown";
        let status = enhanced_status(answer).unwrap_or_default();
        assert_eq!(status, "5.1.1");
        assert_eq!(reason_for(&status, answer), BounceReason::UserUnknown);
        assert_eq!(enhanced_status("250 OK"), None);
    }

    #[test]
    fn a_recipient_is_hard_exactly_when_its_reason_is() {
        let address = EmailAddress::parse("bob@example.net").expect("valid");
        let dead = BouncedRecipient::new(
            address.clone(),
            DeliveryAction::Failed,
            "5.1.1".into(),
            "550 5.1.1 User unknown".into(),
        );
        assert!(dead.hard);
        assert_eq!(dead.smtp_code, Some(550));
        assert!(matches!(dead.event(), EventKind::Bounced(_)));
        let policy = BouncedRecipient::new(
            address,
            DeliveryAction::Delayed,
            "5.7.1".into(),
            "550 5.7.1 rejected by policy".into(),
        );
        assert!(!policy.hard);
        assert_eq!(policy.reason, BounceReason::PolicyViolation);
        assert!(matches!(policy.event(), EventKind::Delayed(_)));
    }
}
