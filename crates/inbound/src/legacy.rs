//! Bounces that are not RFC 3464 reports: free text written by qmail ("Hi. This is the qmail-send
//! program…"), older Exim ("This message was created automatically by mail delivery software…"), Yahoo
//! ("Sorry, we were unable to deliver your message…"), older Exchange ("Your message did not reach some or
//! all of the intended recipients."), non-MIME Sendmail and Postfix, and others.
//!
//! Whether a message is such a bounce is read from its headers (a sender like `MAILER-DAEMON` or
//! `postmaster`, an empty `Return-Path`, `X-Failed-Recipients`, a subject like "Undelivered Mail Returned to
//! Sender") together with the report's opening words. The recipients are read from the text's structure:
//! every format puts each failed address at the start of a line (`<bob@example.net>:`, `  bob@example.net`,
//! `'bob@example.net' on …`) and the server's answer on the lines after it, up to an empty line. The copy of
//! our message that follows ("--- Below this line is a copy of the message.") is not read for recipients.

use domain::people::EmailAddress;
use mail_parser::{Header, HeaderValue, Message};

use crate::mail::{self, ReturnedCopy};
use crate::{BounceReport, BouncedRecipient, DeliveryAction, codes, reasons, verp};

/// Opening words of the known formats, and what to call them.
const INTRODUCTIONS: &[(&str, &str)] = &[
    ("this is the qmail-send program", "qmail bounce"),
    ("i'm afraid i wasn't able to deliver your message", "qmail bounce"),
    ("this message was created automatically by mail delivery software", "Exim bounce"),
    ("sorry, we were unable to deliver your message", "Yahoo bounce"),
    ("your message did not reach some or all of the intended recipients", "Exchange bounce"),
    ("delivery has failed to these recipients or groups", "Exchange bounce"),
    ("the following addresses had permanent fatal errors", "Sendmail bounce"),
    ("the original message was received at", "Sendmail bounce"),
    ("this is the mail system at host", "Postfix bounce"),
    ("your message could not be delivered to one or more recipients", "Postfix bounce"),
    ("delivery to the following recipient failed permanently", "Gmail bounce"),
    ("delivery to the following recipients failed", "Gmail bounce"),
    ("an error occurred while trying to deliver the mail to the following recipients", "Amazon SES bounce"),
    ("could not be delivered to one or more of its recipients", "bounce"),
    ("the following recipient(s) cannot be reached", "Exchange bounce"),
];

/// Subjects of bounce reports, in the languages they are met in.
const SUBJECTS: &[&str] = &[
    "undelivered mail returned to sender",
    "undeliverable",
    "undelivered",
    "delivery status notification",
    "mail delivery failed",
    "mail delivery failure",
    "failure notice",
    "returned mail",
    "delivery failure",
    "delivery has failed",
    "could not be delivered",
    "delivery problem",
    "nondeliverable",
    "non-deliverable",
    "delivery notification",
    "delayed mail",
    "delivery delayed",
    "warning: message",
    "mail system error",
    "returned to sender",
    "non remis",
    "unzustellbar",
    "non recapitabile",
    "não entregue",
    "no se pudo entregar",
];

/// Senders of bounce reports (local parts and display names).
const DAEMONS: &[&str] = &[
    "mailer-daemon",
    "mailer daemon",
    "mailerdaemon",
    "mail-daemon",
    "postmaster",
    "mail delivery",
    "mdaemon",
];

/// Lines after which a report quotes our message.
const COPY_MARKERS: &[&str] = &[
    "below this line is a copy of the message",
    "this is a copy of the message",
    "original message follows",
    "original message headers",
    "----- original message -----",
    "message headers follow",
    "header of the original message",
    "copy of the original message",
];

/// Words that say delivery is only delayed and still being tried.
const DELAY_WORDS: &[&str] = &[
    "has not yet been delivered",
    "not yet been delivered",
    "will keep trying",
    "still trying",
    "will be retried",
    "delivery is delayed",
    "delivery delayed",
    "delayed mail",
];

/// The report, when the message is a free-text bounce.
pub(crate) fn read(message: &Message<'_>) -> Option<BounceReport> {
    let headers = mail::root_headers(message);
    // A report needs one of these in its headers (see `evidence`): most mail has none, and its text is
    // not read at all.
    if !Signals::of(headers).any() {
        return None;
    }
    let text = mail::human_text(message);
    let (report, copy_text) = split_at_copy(&text);
    let evidence = evidence(headers, report)?;

    let subject = mail::text(headers, "subject").map(|s| mail::normalise(&s)).unwrap_or_default();
    let opening = mail::normalise(opening_of(report));
    let delayed = DELAY_WORDS.iter().any(|w| subject.contains(w) || opening.contains(w));
    let mut recipients = recipients(headers, report, delayed);

    let failed_list: Vec<EmailAddress> =
        mail::texts(headers, "x-failed-recipients").flat_map(|list| mail::addresses_in(&list)).collect();
    if !failed_list.is_empty() {
        recipients.retain(|r| failed_list.contains(&r.address));
        for address in failed_list {
            if !recipients.iter().any(|r| r.address == address) {
                let action = if delayed { DeliveryAction::Delayed } else { DeliveryAction::Failed };
                recipients.push(BouncedRecipient::new(address, action, String::new(), String::new()));
            }
        }
    }

    let copy = mail::returned_copy(message).or_else(|| copy_text.and_then(ReturnedCopy::from_text));
    Some(BounceReport {
        left_out: 0,
        recipients,
        verp_email_id: copy.as_ref().and_then(|c| verp::email_id_among(&c.return_path)),
        original_message_id: copy.and_then(|c| c.message_id),
        evidence,
    })
}

/// The recipients named in the human-readable text of a report whose machine-readable part is missing.
pub(crate) fn recipients_in_text(message: &Message<'_>) -> Vec<BouncedRecipient> {
    let text = mail::human_text(message);
    let (report, _) = split_at_copy(&text);
    recipients(mail::root_headers(message), report, false)
}

/// Why the message is a free-text bounce, or `None` when it is not one.
/// What a report's headers can say of it.
struct Signals {
    failed_recipients: bool,
    bounce_subject: bool,
    from_daemon: bool,
    null_sender: bool,
    auto_submitted: bool,
}

impl Signals {
    fn of(headers: &[Header<'_>]) -> Signals {
        let subject = mail::text(headers, "subject").map(|s| mail::normalise(&s)).unwrap_or_default();
        Signals {
            failed_recipients: mail::has(headers, "x-failed-recipients"),
            bounce_subject: SUBJECTS.iter().any(|s| reasons::contains_words(&subject, s)),
            from_daemon: mail::sender_words(headers).iter().any(|w| DAEMONS.iter().any(|d| w.contains(d))),
            null_sender: has_null_return_path(headers),
            auto_submitted: mail::text(headers, "auto-submitted")
                .is_some_and(|v| !v.eq_ignore_ascii_case("no")),
        }
    }

    fn any(&self) -> bool {
        self.failed_recipients
            || self.bounce_subject
            || self.from_daemon
            || self.null_sender
            || self.auto_submitted
    }
}

fn evidence(headers: &[Header<'_>], report: &str) -> Option<String> {
    let opening = mail::normalise(opening_of(report));
    let introduction = INTRODUCTIONS.iter().find(|(words, _)| opening.contains(words)).map(|(_, name)| *name);
    let Signals { failed_recipients, bounce_subject, from_daemon, null_sender, auto_submitted } =
        Signals::of(headers);

    if failed_recipients {
        return Some(format!("{} (X-Failed-Recipients)", introduction.unwrap_or("bounce")));
    }
    if let Some(name) = introduction
        && (from_daemon || null_sender || bounce_subject || auto_submitted)
    {
        return Some(name.to_string());
    }
    if (from_daemon || null_sender) && bounce_subject {
        return Some("bounce (sender and subject of a delivery report)".to_string());
    }
    None
}

/// The first few kilobytes of a report, where the formats say what they are (a long message that only
/// quotes such words further down is not a report).
fn opening_of(report: &str) -> &str {
    const OPENING: usize = 4096;
    let mut end = report.len().min(OPENING);
    while !report.is_char_boundary(end) {
        end -= 1;
    }
    report.get(..end).unwrap_or(report)
}

/// `Return-Path: <>`: the message was sent with the null sender, as every bounce is.
fn has_null_return_path(headers: &[Header<'_>]) -> bool {
    headers.iter().filter(|h| h.name().eq_ignore_ascii_case("return-path")).any(|h| match h.value() {
        HeaderValue::Empty => true,
        HeaderValue::Text(text) => text.trim().trim_matches(['<', '>']).trim().is_empty(),
        _ => false,
    })
}

/// The report's text, and the quoted copy of our message after it when there is one.
fn split_at_copy(text: &str) -> (&str, Option<&str>) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let lowered = mail::normalise(line);
        if COPY_MARKERS.iter().any(|marker| lowered.contains(marker)) {
            let report = text.get(..offset).unwrap_or(text);
            return (report, text.get(offset + line.len()..));
        }
        offset += line.len();
    }
    (text, None)
}

/// Each failed address at the start of a line, with the lines after it (more indented, up to an empty
/// line) as the server's answer. Addresses of the report's own envelope (our return path, the sender) are
/// not recipients.
fn recipients(headers: &[Header<'_>], report: &str, delayed: bool) -> Vec<BouncedRecipient> {
    let ours: Vec<EmailAddress> =
        ["from", "to", "delivered-to", "x-original-to", "envelope-to", "return-path"]
            .iter()
            .flat_map(|name| mail::addresses(headers, name))
            .collect();

    // (address, indentation of its line, the answer's lines)
    let mut blocks: Vec<(EmailAddress, usize, Vec<String>)> = Vec::new();
    let mut open = false;
    for line in report.lines() {
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let continues = open && blocks.last().is_some_and(|(_, opened_at, _)| indent > *opened_at);
        match leading_address(line) {
            Some((address, rest)) if !continues => {
                blocks.push((address, indent, vec![rest]));
                open = true;
            }
            _ if open => {
                if let Some((_, _, lines)) = blocks.last_mut() {
                    lines.push(line.trim().to_string());
                }
            }
            _ => {}
        }
    }

    let mut found: Vec<BouncedRecipient> = Vec::new();
    for (address, _, lines) in blocks {
        if ours.contains(&address) || verp::email_id(&address).is_some() {
            continue;
        }
        let diagnostic = mail::unfold(&lines.join(" "));
        let status = codes::find_status(&diagnostic).unwrap_or_default();
        let temporary = status.starts_with('4')
            || (status.is_empty() && codes::find_smtp_code(&diagnostic).is_some_and(|c| c < 500));
        let action = if temporary || (delayed && !status.starts_with('5')) {
            DeliveryAction::Delayed
        } else {
            DeliveryAction::Failed
        };
        match found.iter_mut().find(|r| r.address == address) {
            Some(known) if known.diagnostic.is_empty() => {
                *known = BouncedRecipient::new(address, action, status, diagnostic)
            }
            Some(_) => {}
            None => found.push(BouncedRecipient::new(address, action, status, diagnostic)),
        }
    }
    found
}

/// The address a line starts with (after indentation and an opening `<`, `"` or `'`), and the rest of the
/// line after it.
fn leading_address(line: &str) -> Option<(EmailAddress, String)> {
    let body = line.trim_start().trim_start_matches(['<', '"', '\'']);
    let end = body.find(mail::is_address_delimiter).unwrap_or(body.len());
    let address = mail::address_token(body.get(..end)?)?;
    let rest = body.get(end..).unwrap_or_default();
    let rest =
        rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '>' | '"' | '\'' | ':' | ','));
    // Exchange: `'bob@example.net' on 7/11/2024 11:16 AM` says when, not why.
    let when = rest.strip_prefix("on ").is_some_and(|date| date.starts_with(|c: char| c.is_ascii_digit()));
    Some((address, if when { String::new() } else { rest.trim_end().to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(report: &str) -> Vec<(String, String, String)> {
        recipients(&[], report, false)
            .into_iter()
            .map(|r| (r.address.to_string(), r.status, r.reason.name().to_string()))
            .collect()
    }

    #[test]
    fn lines_that_start_with_an_address_open_a_recipient() {
        let report = "Hi. This is the qmail-send program at mail.example.net.\n\n\
                      <bob@example.net>:\n192.0.2.25 does not like recipient.\n\
                      Remote host said: 550 5.1.1 <bob@example.net>: User unknown\nGiving up on 192.0.2.25.\n\n\
                      <carol@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n";
        assert_eq!(
            found(report),
            [
                ("bob@example.net".into(), "5.1.1".into(), "userunknown".into()),
                ("carol@example.net".into(), "5.1.1".into(), "userunknown".into())
            ]
        );
    }

    #[test]
    fn a_wrapped_answer_that_repeats_the_address_stays_with_its_recipient() {
        let report = "<bob@example.net>: host mx.example.net[192.0.2.25] said: 550 5.2.2\n    \
                      <bob@example.net>: Mailbox full (in reply to RCPT TO command)\n";
        assert_eq!(found(report), [("bob@example.net".into(), "5.2.2".into(), "mailboxfull".into())]);
    }

    #[test]
    fn sentences_that_mention_an_address_are_not_recipients() {
        assert!(found("Your message to bob@example.net could not be delivered.\n").is_empty());
        assert!(found("To: bob@example.net\nFrom: sales@example.com\n").is_empty());
    }

    #[test]
    fn the_copy_of_our_message_is_split_off() {
        let (report, copy) = split_at_copy("intro\n--- Below this line is a copy of the message.\n\nTo: x\n");
        assert_eq!(report, "intro\n");
        assert_eq!(copy, Some("\nTo: x\n"));
        assert_eq!(split_at_copy("no copy"), ("no copy", None));
    }
}
