//! Complaint reports in the Abuse Reporting Format (RFC 5965), as mailbox providers (Yahoo, AOL, Outlook.com
//! through JMRP's ARF option, Fastmail, …) send them when a recipient marks a message as spam:
//! `multipart/report; report-type=feedback-report` with a human part, a `message/feedback-report` part
//!
//! ```text
//! Feedback-Type: abuse
//! User-Agent: Yahoo!-Mail-Feedback/2.0
//! Version: 1
//! Original-Mail-From: <bounce+0190b5a4-…@mail.example.com>
//! Original-Rcpt-To: <dana@example.org>
//! ```
//!
//! and the reported message (or its headers) as the third part.

use domain::ids::EmailId;
use domain::people::EmailAddress;
use mail_parser::Message;

use crate::fields::{self, Fields};
use crate::{mail, verp};

const FEEDBACK_PARTS: &[(&str, &str)] = &[("message", "feedback-report")];

/// What a complaint report says.
pub(crate) struct Complaint {
    /// Lower-case; `abuse` when the report does not say.
    pub feedback_type: String,
    pub original_recipient: Option<EmailAddress>,
    pub original_message_id: Option<String>,
    pub verp_email_id: Option<EmailId>,
    pub evidence: String,
}

/// The complaint, when the message is an ARF report.
pub(crate) fn read(message: &Message<'_>) -> Option<Complaint> {
    let report_parts: Vec<_> = mail::parts_of_type(message, FEEDBACK_PARTS).collect();
    if report_parts.is_empty() && !mail::is_report(message, "feedback-report") {
        return None;
    }
    let report = report_parts
        .iter()
        .flat_map(|part| fields::blocks(&mail::part_text(part)))
        .fold(Fields::default(), Fields::merged);
    let copy = mail::returned_copy(message);

    let feedback_type = report
        .get("feedback-type")
        .and_then(|t| t.split_whitespace().next())
        .map(|t| t.trim_end_matches(';').to_ascii_lowercase())
        .unwrap_or_else(|| "abuse".to_string());
    let original_recipient = report
        .get("original-rcpt-to")
        .and_then(|v| mail::addresses_in(v).into_iter().next())
        .or_else(|| copy.as_ref().and_then(|c| c.to.first().cloned()));
    let mail_from = report.get("original-mail-from").map(mail::addresses_in).unwrap_or_default();
    let verp_email_id = verp::email_id_among(&mail_from)
        .or_else(|| copy.as_ref().and_then(|c| verp::email_id_among(&c.return_path)));
    let evidence = if report_parts.is_empty() {
        "feedback report (RFC 5965) without a feedback-report part".to_string()
    } else {
        format!("feedback report (RFC 5965), Feedback-Type: {feedback_type}")
    };

    Some(Complaint {
        feedback_type,
        original_recipient,
        original_message_id: copy.and_then(|c| c.message_id),
        verp_email_id,
        evidence,
    })
}

/// A Microsoft JMRP complaint (Outlook.com, Hotmail) in its own format, or an SES complaint sent by email:
/// no feedback-report part, a subject "complaint about message from <IP>", and the reported message
/// attached. Who complained is the attached copy's `X-HmXmrOriginalRecipient`, else its `To`.
pub(crate) fn read_jmrp(message: &Message<'_>) -> Option<Complaint> {
    let headers = mail::root_headers(message);
    let subject = mail::text(headers, "subject").map(|s| mail::normalise(&s)).unwrap_or_default();
    if !subject.contains("complaint about message from") {
        return None;
    }
    let copy = mail::returned_copy(message)?;
    Some(Complaint {
        feedback_type: "abuse".to_string(),
        original_recipient: copy.complainant.first().or(copy.to.first()).cloned(),
        verp_email_id: verp::email_id_among(&copy.return_path),
        original_message_id: copy.message_id,
        evidence: "complaint report in Microsoft's JMRP format".to_string(),
    })
}
