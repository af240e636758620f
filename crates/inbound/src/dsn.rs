//! Delivery status notifications (RFC 3464): a `multipart/report; report-type=delivery-status` whose
//! `message/delivery-status` part (or `message/global-delivery-status`, RFC 6533) has per-message fields and
//! one block of per-recipient fields each:
//!
//! ```text
//! Final-Recipient: rfc822; bob@example.net
//! Action: failed
//! Status: 5.1.1
//! Remote-MTA: dns; mx.example.net
//! Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown
//! ```
//!
//! Postfix, Sendmail, modern Exim, Exchange / Office 365, Gmail and Amazon SES all send this format.

use domain::people::EmailAddress;
use mail_parser::Message;

use crate::fields::{self, Fields};
use crate::{BounceReport, BouncedRecipient, DeliveryAction, codes, legacy, mail, reasons, verp};

const STATUS_PARTS: &[(&str, &str)] =
    &[("message", "delivery-status"), ("message", "global-delivery-status")];

/// What a message is as a delivery status notification.
pub(crate) enum Dsn {
    /// Not a DSN.
    NotOne,
    /// A DSN that only reports successful deliveries (`Action: delivered`, `relayed`, `expanded`).
    OnlySuccesses,
    /// A DSN about failed or delayed recipients; also one whose status part is missing or unreadable (then
    /// the recipients come from its human-readable part, or there are none and only VERP ties it to an
    /// email).
    Bounce(BounceReport),
}

/// Reads the message as a delivery status notification.
pub(crate) fn read(message: &Message<'_>) -> Dsn {
    let status_parts: Vec<_> = mail::parts_of_type(message, STATUS_PARTS).collect();
    if status_parts.is_empty() && !mail::is_report(message, "delivery-status") {
        return Dsn::NotOne;
    }
    let mut recipients: Vec<BouncedRecipient> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut left_out = 0;
    let mut successes = 0;
    // The human-readable part often says at which command the server refused, where the status part does
    // not (Postfix's "(in reply to RCPT TO command)").
    let told = legacy::recipients_in_text(message);
    for part in &status_parts {
        let blocks = fields::blocks(&mail::part_text(part));
        let per_recipient =
            blocks.into_iter().filter(|b| b.has("final-recipient") || b.has("original-recipient"));
        for block in per_recipient {
            match recipient(&block, &told) {
                Entry::Reported(_) if recipients.len() >= crate::MAX_RECIPIENTS => left_out += 1,
                Entry::Reported(found) => {
                    if seen.insert((found.address.clone(), found.action)) {
                        recipients.push(*found);
                    }
                }
                Entry::Delivered => successes += 1,
                Entry::Unreadable => {}
            }
        }
    }
    if recipients.is_empty() && successes > 0 {
        return Dsn::OnlySuccesses;
    }

    let mut evidence = "delivery status notification (RFC 3464)".to_string();
    if recipients.iter().any(|r| r.diagnostic.is_empty()) {
        // Some servers leave out Diagnostic-Code, and a truncated report loses it: the human-readable part
        // may still give the server's words.
        fill_in_from_text(&mut recipients, &told);
    }
    if recipients.is_empty() {
        // A mangled report: the human-readable part may still name the recipients.
        recipients = told;
        evidence = "delivery status notification (RFC 3464) without readable recipient fields".to_string();
    }
    let copy = mail::returned_copy(message);
    let verp_email_id = copy.as_ref().and_then(|c| verp::email_id_among(&c.return_path));
    Dsn::Bounce(BounceReport {
        recipients,
        left_out,
        original_message_id: copy.and_then(|c| c.message_id),
        verp_email_id,
        evidence,
    })
}

/// Recipients without the server's words take them (and the status code, when they have none) from the
/// report's human-readable part.
fn fill_in_from_text(recipients: &mut [BouncedRecipient], from_text: &[BouncedRecipient]) {
    let only_one = from_text.len() == 1 && recipients.len() == 1;
    for recipient in recipients.iter_mut().filter(|r| r.diagnostic.is_empty()) {
        // By address; or, for a report about one recipient, the one the text names (an alias expanded to
        // another address).
        let by_address = from_text.iter().find(|t| t.address == recipient.address);
        let Some(told) = by_address.or(from_text.first().filter(|_| only_one)) else {
            continue;
        };
        let mut filled = BouncedRecipient::at_stage(
            recipient.address.clone(),
            recipient.action,
            if reasons::is_pseudo(&recipient.status) { String::new() } else { recipient.status.clone() },
            told.diagnostic.clone(),
            told.stage,
        );
        filled.remote_mta = recipient.remote_mta.take();
        filled.final_recipient = recipient.final_recipient.take();
        *recipient = filled;
    }
}

enum Entry {
    Reported(Box<BouncedRecipient>),
    Delivered,
    Unreadable,
}

/// One per-recipient block; `told` are the recipients the human-readable part names.
fn recipient(block: &Fields, told: &[BouncedRecipient]) -> Entry {
    let address_of = |name: &str| {
        block.get(name).and_then(|v| mail::addresses_in(fields::without_type(v)).into_iter().next())
    };
    let original = address_of("original-recipient");
    let final_recipient = address_of("final-recipient");
    let Some(address) = original.clone().or_else(|| final_recipient.clone()) else {
        return Entry::Unreadable;
    };

    // The type is dropped (`smtp; 550 …` reads as `550 …`), except `X-Unix`: a local program's exit says
    // a mailer failed.
    let diagnostic = match block.get("diagnostic-code") {
        Some(code) if code.trim_start().to_ascii_lowercase().starts_with("x-unix") => code.trim().to_string(),
        Some(code) => fields::without_type(code).to_string(),
        None => String::new(),
    };
    let status =
        block.get("status").and_then(|f| f.split_whitespace().next()).unwrap_or_default().to_string();
    let action = match block.get("action").map(|a| a.trim().to_ascii_lowercase()).as_deref() {
        Some("failed") => DeliveryAction::Failed,
        Some("delayed") => DeliveryAction::Delayed,
        Some("delivered" | "relayed" | "expanded") => return Entry::Delivered,
        // No or an unknown action: the class of the code says.
        _ if status.starts_with('4') => DeliveryAction::Delayed,
        _ if status.starts_with('2') => return Entry::Delivered,
        _ => DeliveryAction::Failed,
    };

    let told = told.iter().find(|t| t.address == address);
    let stage = told.and_then(|t| t.stage);
    // Some servers put the SMTP answer only in the human-readable part (Exchange's "Remote Server returned
    // '550 5.1.1 …'", Sendmail's transcript): it is read with the status part's words.
    let diagnostic = match told {
        Some(t)
            if codes::find_smtp_code(&diagnostic).is_none()
                && codes::find_smtp_code(&t.diagnostic).is_some() =>
        {
            format!("{} {diagnostic}", t.diagnostic)
        }
        _ => diagnostic,
    };
    let mut found = BouncedRecipient::at_stage(address.clone(), action, status, diagnostic, stage);
    found.remote_mta = block.get("remote-mta").map(|v| fields::without_type(v).to_string());
    found.final_recipient = final_recipient.filter(|f: &EmailAddress| *f != address);
    Entry::Reported(Box::new(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Fields {
        fields::blocks(text).pop().unwrap_or_default()
    }

    fn reported(text: &str) -> BouncedRecipient {
        match recipient(&block(text), &[]) {
            Entry::Reported(found) => *found,
            _ => panic!("expected a reported recipient in {text}"),
        }
    }

    #[test]
    fn a_generic_status_gives_way_to_the_diagnostics_code() {
        let status = |field: &str, diagnostic: &str| {
            let text = format!(
                "Final-Recipient: rfc822; bob@example.net\nAction: failed\n{field}Diagnostic-Code: smtp; {diagnostic}\n"
            );
            reported(&text).status
        };
        assert_eq!(status("Status: 5.0.0\n", "550 5.1.1 user unknown"), "5.1.1");
        assert_eq!(status("Status: 5.2.2 (mailbox full)\n", "552 quota"), "5.2.2");
        assert_eq!(status("", "550-5.7.1 policy"), "5.7.1");
        assert_eq!(
            status("Status: bogus\n", "550 no code"),
            "5.0.901",
            "nothing placed: on hold, with its pseudo code"
        );
    }

    #[test]
    fn the_original_recipient_is_the_address_and_a_different_final_one_is_kept() {
        let found = reported(
            "Original-Recipient: rfc822;bob@example.net\nFinal-Recipient: rfc822; robert@mail.example.net\n\
             Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\n",
        );
        assert_eq!(found.address.as_str(), "bob@example.net");
        assert_eq!(found.final_recipient.map(|a| a.to_string()).as_deref(), Some("robert@mail.example.net"));
        assert_eq!(found.diagnostic, "552 5.2.2 Mailbox full");
        assert_eq!(found.smtp_code, Some(552));
        assert!(!found.hard);
    }

    #[test]
    fn a_missing_action_follows_the_class_and_successes_are_not_bounces() {
        let delayed = reported("Final-Recipient: rfc822; bob@example.net\nStatus: 4.4.1\n");
        assert_eq!(delayed.action, DeliveryAction::Delayed);
        let relayed = block("Final-Recipient: rfc822; bob@example.net\nAction: relayed\nStatus: 2.0.0\n");
        assert!(matches!(recipient(&relayed, &[]), Entry::Delivered));
        let nobody = block("Final-Recipient: rfc822; not an address\nAction: failed\n");
        assert!(matches!(recipient(&nobody, &[]), Entry::Unreadable));
    }
}
