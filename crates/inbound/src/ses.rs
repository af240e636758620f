//! Amazon SES notifications: the JSON SES publishes for each bounce, complaint and delivery, whether it
//! arrives as the body of an email (an SNS email subscription, from `no-reply@sns.amazonaws.com`), wrapped
//! in SNS's own envelope (`{"Type": "Notification", "Message": "<the notification as a string>"}`), or as the
//! raw JSON itself.
//!
//! ```text
//! {"notificationType": "Bounce",
//!  "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
//!             "bouncedRecipients": [{"emailAddress": "bob@example.net", "action": "failed",
//!                                    "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
//!  "mail": {"source": "bounce+<email id>@mail.example.com", "commonHeaders": {"messageId": "<…>"}}}
//! ```
//!
//! A bounce's reason is read like any other report's, from its status and diagnostic, except where SES's
//! own sub-type says more: `Suppressed` / `OnAccountSuppressionList` (the address is on SES's suppression
//! list), `MailboxFull`, `MessageTooLarge`. `bounceType: Transient` makes a pseudo status code temporary.

use domain::engagement::BounceReason;
use domain::people::EmailAddress;
use serde::Deserialize;

use crate::{BouncedRecipient, Classification, DeliveryAction, Kind, mail, verp};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    #[serde(default, alias = "eventType")]
    notification_type: String,
    #[serde(default)]
    bounce: Option<Bounce>,
    #[serde(default)]
    complaint: Option<Complaint>,
    #[serde(default)]
    mail: Option<Mail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    #[serde(default)]
    bounce_type: String,
    #[serde(default)]
    bounce_sub_type: String,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: String,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    diagnostic_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
    #[serde(default)]
    complaint_feedback_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    common_headers: Option<CommonHeaders>,
    #[serde(default)]
    headers: Vec<NamedHeader>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommonHeaders {
    #[serde(default)]
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct NamedHeader {
    name: String,
    value: String,
}

/// SNS's envelope around a notification.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Message")]
    message: String,
}

/// The first JSON value in `text`, whatever follows it (SNS's email adds an unsubscribe footer after it).
fn first_value<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::Deserializer::from_str(text).into_iter::<T>().next()?.ok()
}

/// The notification in `text` (the JSON itself, or SNS's envelope around it), when it is one.
fn notification(text: &str) -> Option<Notification> {
    let text = text.trim();
    if !text.starts_with('{') {
        return None;
    }
    if let Some(envelope) = first_value::<Envelope>(text)
        && let Some(inner) = first_value::<Notification>(&envelope.message)
    {
        return Some(inner);
    }
    first_value::<Notification>(text).filter(|n| !n.notification_type.is_empty())
}

/// The classification of an SES notification in `text`, or `None` when `text` is not one.
pub(crate) fn read(text: &str) -> Option<Classification> {
    let notification = notification(text)?;
    let mut found = Classification::new(Kind::Other);
    if let Some(mail) = &notification.mail {
        let source = mail.source.as_deref().map(mail::addresses_in).unwrap_or_default();
        found.verp_email_id = verp::email_id_among(&source);
        let from_headers =
            mail.headers.iter().find(|h| h.name.eq_ignore_ascii_case("message-id")).map(|h| h.value.clone());
        let message_id = mail.common_headers.as_ref().and_then(|c| c.message_id.clone()).or(from_headers);
        found.original_message_id =
            message_id.map(|id| id.trim().trim_start_matches('<').trim_end_matches('>').to_string());
    }
    match notification.notification_type.to_ascii_lowercase().as_str() {
        "bounce" => {
            let bounce = notification.bounce?;
            found.kind = Kind::Bounce;
            found.evidence = Some(format!(
                "Amazon SES bounce notification ({} / {})",
                bounce.bounce_type, bounce.bounce_sub_type
            ));
            let transient = bounce.bounce_type.eq_ignore_ascii_case("transient");
            let preset = preset_reason(&bounce.bounce_sub_type);
            let all = bounce.bounced_recipients.len();
            found.recipients = bounce
                .bounced_recipients
                .into_iter()
                .take(crate::MAX_RECIPIENTS)
                .filter_map(|r| recipient(r, transient, preset))
                .collect();
            found.recipients_left_out = all.saturating_sub(crate::MAX_RECIPIENTS);
        }
        "complaint" => {
            let complaint = notification.complaint?;
            found.kind = Kind::Complaint;
            let feedback_type = complaint.complaint_feedback_type.unwrap_or_else(|| "abuse".to_string());
            found.feedback_type = Some(feedback_type.to_ascii_lowercase());
            found.original_recipient = complaint
                .complained_recipients
                .iter()
                .find_map(|r| EmailAddress::parse(r.email_address.trim()).ok());
            found.evidence = Some("Amazon SES complaint notification".to_string());
        }
        "delivery" => {
            found.evidence = Some("Amazon SES delivery notification (delivered)".to_string());
        }
        _ => return None,
    }
    Some(found)
}

/// What SES's sub-type says beyond the status code.
fn preset_reason(sub_type: &str) -> Option<BounceReason> {
    Some(match sub_type.to_ascii_lowercase().as_str() {
        "suppressed" | "onaccountsuppressionlist" => BounceReason::Suppressed,
        "mailboxfull" => BounceReason::MailboxFull,
        "messagetoolarge" => BounceReason::MesgTooBig,
        _ => return None,
    })
}

fn recipient(r: Recipient, transient: bool, preset: Option<BounceReason>) -> Option<BouncedRecipient> {
    let address = EmailAddress::parse(r.email_address.trim()).ok()?;
    let diagnostic = r.diagnostic_code.unwrap_or_default();
    let diagnostic = diagnostic
        .split_once(';')
        .filter(|(kind, _)| !kind.contains(' '))
        .map_or(diagnostic.as_str(), |(_, rest)| rest.trim());
    let delayed = r.action.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("delayed"));
    let action = if delayed { DeliveryAction::Delayed } else { DeliveryAction::Failed };
    let mut found =
        BouncedRecipient::new(address, action, r.status.unwrap_or_default(), diagnostic.to_string());
    found.settle(preset.unwrap_or(found.reason), transient || delayed);
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permanent_bounce_reads_its_recipient_and_our_email() {
        let json = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
            "bouncedRecipients":[{"emailAddress":"bob@example.net","action":"failed","status":"5.1.1",
            "diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},
            "mail":{"source":"bounce+0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com",
            "commonHeaders":{"messageId":"<0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com>"}}}"#;
        let found = read(json).expect("a notification");
        assert_eq!(found.kind, Kind::Bounce);
        let bob = &found.recipients[0];
        assert_eq!((bob.status.as_str(), bob.reason, bob.hard), ("5.1.1", BounceReason::UserUnknown, true));
        assert_eq!(bob.diagnostic, "550 5.1.1 user unknown");
        assert_eq!(
            found.verp_email_id.map(|id| id.to_string()).as_deref(),
            Some("0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b")
        );
        assert_eq!(
            found.original_message_id.as_deref(),
            Some("0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com")
        );
    }

    #[test]
    fn the_sns_envelope_is_opened_and_the_sub_type_says_suppressed() {
        let inner = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"Suppressed","bouncedRecipients":[{"emailAddress":"carol@example.org"}]}}"#;
        let envelope = serde_json::json!({"Type": "Notification", "Message": inner}).to_string();
        let found = read(&envelope).expect("a notification");
        let carol = &found.recipients[0];
        assert_eq!(
            (carol.status.as_str(), carol.reason, carol.hard),
            ("5.0.903", BounceReason::Suppressed, false)
        );
    }

    #[test]
    fn complaints_and_deliveries_and_other_json() {
        let complaint = r#"{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"dana@example.org"}],"complaintFeedbackType":"abuse"}}"#;
        let found = read(complaint).expect("a notification");
        assert_eq!((found.kind, found.feedback_type.as_deref()), (Kind::Complaint, Some("abuse")));
        assert_eq!(found.original_recipient.map(|a| a.to_string()).as_deref(), Some("dana@example.org"));
        let delivery = read(r#"{"notificationType":"Delivery","delivery":{}}"#).expect("a notification");
        assert_eq!(delivery.kind, Kind::Other);
        assert!(read(r#"{"hello": "world"}"#).is_none());
        assert!(read("{ not json").is_none());
    }
}
