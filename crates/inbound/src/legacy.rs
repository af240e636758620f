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
    ("message could not be delivered", "bounce"),
    ("could not be delivered to", "bounce"),
    ("error delivering to", "bounce"),
    ("delivery to the following", "bounce"),
    ("the following address failed", "bounce"),
    ("the following addresses failed", "bounce"),
    ("permanent error", "bounce"),
    ("your message was returned", "bounce"),
    ("message was returned", "bounce"),
    ("was not delivered to", "bounce"),
    ("fatal delivery errors", "bounce"),
    ("forwarding of your message failed", "bounce"),
    ("failed to deliver", "bounce"),
    ("unable to deliver", "bounce"),
    ("n'a pas pu être remis", "bounce (French)"),
    ("n'a pas pu etre remis", "bounce (French)"),
    ("impossible de remettre", "bounce (French)"),
    ("konnte nicht zugestellt werden", "bounce (German)"),
    ("nicht zugestellt werden", "bounce (German)"),
    ("não pôde ser entregue", "bounce (Portuguese)"),
    ("não foi possível entregar", "bounce (Portuguese)"),
    ("não foi entregue", "bounce (Portuguese)"),
    ("non è stato possibile recapitare", "bounce (Italian)"),
    ("non può essere recapitato", "bounce (Italian)"),
    ("non è stato recapitato", "bounce (Italian)"),
    ("no se pudo entregar", "bounce (Spanish)"),
    ("no ha podido ser entregado", "bounce (Spanish)"),
    ("配信できません", "bounce (Japanese)"),
    ("送信できません", "bounce (Japanese)"),
    ("届きませんでした", "bounce (Japanese)"),
    ("配送できませんでした", "bounce (Japanese)"),
    ("не может быть доставлено", "bounce (Russian)"),
    ("не удалось доставить", "bounce (Russian)"),
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
    "mail failed",
    "returning to sender",
    "not delivered",
    "delivery error",
    "failed delivery",
    "permanent delivery failure",
    "returned mail",
    "non remis",
    "echec de remise",
    "échec de remise",
    "échec de la remise",
    "non distribuable",
    "unzustellbar",
    "nicht zustellbar",
    "zustellung fehlgeschlagen",
    "non recapitabile",
    "mancato recapito",
    "non recapitato",
    "não entregue",
    "falha na entrega",
    "mensagem devolvida",
    "não foi possível entregar",
    "no se pudo entregar",
    "error de entrega",
    "no entregado",
    "配信不能",
    "配信できません",
    "退信",
    "配信エラー",
    "返送",
    "不達",
    "не доставлено",
    "недоставленное",
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
    "header follows",
    "headers follow",
    "header of the original message",
    "copy of the original message",
    "/ original message",
    "original message ---",
    "原始邮件",
    "original message is following",
    "message d'origine",
    "message original",
    "ursprüngliche nachricht",
    "originalnachricht",
    "mensagem original",
    "messaggio originale",
    "mensaje original",
    "元のメッセージ",
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
    let attached_original = mail::returned_copy(message).is_some();
    let evidence = evidence(headers, report, attached_original)?;

    let subject = mail::text(headers, "subject").map(|s| mail::normalise(&s)).unwrap_or_default();
    let opening = mail::normalise(opening_of(report));
    let delayed = DELAY_WORDS.iter().any(|w| subject.contains(w) || opening.contains(w));
    let mut recipients = recipients(headers, report, delayed);

    if recipients.is_empty() {
        recipients = named_in_sentences(headers, report, delayed);
    }
    // Recipients whose own words give no code take the answer the report gives apart (the report's opening
    // words only when it names one recipient: they may be about another). A reason the recipient's own
    // words gave stands.
    if recipients.iter().any(|r| !has_code(&r.diagnostic) || is_unplaced(r))
        && let Some((answer, from_opening)) = server_answer(report)
        && (!from_opening || recipients.len() == 1)
    {
        for recipient in recipients.iter_mut().filter(|r| !has_code(&r.diagnostic) || is_unplaced(r)) {
            let diagnostic = format!("{} {answer}", recipient.diagnostic);
            let mut told =
                BouncedRecipient::new(recipient.address.clone(), recipient.action, String::new(), diagnostic);
            if !is_unplaced(recipient) && told.reason != recipient.reason {
                told.settle(recipient.reason, recipient.status.starts_with('4'));
            }
            *recipient = told;
        }
    }

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

/// Words that open the server's answer where a report gives it apart from the addresses (Gmail's "The
/// error that the other server returned was:", Exchange's "Remote Server returned", …).
const ANSWER_MARKERS: &[&str] = &[
    "the error that the other server returned was",
    "the other server returned",
    "the response from the remote server was",
    "the response was",
    "remote server returned",
    "remote host said",
    "the server responded",
    "server replied",
    "technical details of permanent failure",
    "technical details of temporary failure",
    "diagnostic information for administrators",
    "error details",
    "because:",
    "(reason):",
    "(reason) :",
    "(reason)",
    "reason:",
    "raison :",
    "raison:",
    "grund:",
    "motivo:",
    "razão:",
    "理由",
    "原因",
    "error:",
];

/// The server's answer a report gives apart from its list of addresses: the text after one of
/// [`ANSWER_MARKERS`] up to the next empty line; else the last answer in a session transcript (`<-- 550 …`,
/// `<<< 550 …`); else the report's own opening words, which say why in many plain notices.
fn server_answer(report: &str) -> Option<(String, bool)> {
    let lowered = report.to_lowercase();
    // Lower-casing keeps byte offsets for almost all text; where it does not, the lowered text is read.
    let source = if lowered.len() == report.len() { report } else { lowered.as_str() };
    let marked = ANSWER_MARKERS.iter().find_map(|m| lowered.find(m).map(|at| at + m.len()));
    if let Some(start) = marked {
        let after = source.get(start..).unwrap_or_default();
        let after = after.trim_start_matches([':', ' ', '\t', '\r', '\'']).trim_start_matches('\n');
        let mut answer = Vec::new();
        for line in after.lines() {
            if line.trim().is_empty() {
                if answer.is_empty() {
                    continue;
                }
                break;
            }
            answer.push(line.trim());
            if answer.len() >= 12 {
                break;
            }
        }
        let answer = mail::unfold(&answer.join(" "));
        if !answer.is_empty() {
            return Some((answer, false));
        }
    }
    let transcript = report.lines().rev().find_map(|line| {
        let (_, answer) = line
            .split_once("<-- ")
            .or_else(|| line.split_once("<<< "))
            .or_else(|| line.split_once(">>> "))?;
        has_code(answer).then(|| answer.trim().to_string())
    });
    if let Some(answer) = transcript {
        return Some((answer, false));
    }
    Some((mail::unfold(opening_of_size(report, 2048)), true)).filter(|(t, _)| !t.is_empty())
}

/// A recipient whose own words gave no reason.
fn is_unplaced(recipient: &BouncedRecipient) -> bool {
    use domain::engagement::BounceReason::{OnHold, Undefined};
    matches!(recipient.reason, OnHold | Undefined)
}

fn has_code(text: &str) -> bool {
    codes::find_status(text).is_some() || codes::find_smtp_code(text).is_some()
}

/// Words before an address in a sentence that names who the message failed for.
const NAMING_WORDS: &[&str] = &[
    "delivering to",
    "delivery to",
    "deliver to",
    "delivered to",
    "message to",
    "addressed to",
    "recipient",
    "rcpt to",
    "address:",
    "destinataire",
    "destinatário",
    "destinatario",
    "empfänger",
    "宛先",
    "收件人",
    "받는 사람",
    "получател",
];

/// Recipients a report names only inside sentences ("There was an error delivering to bob@example.net"),
/// for a report whose lines name none. Addresses of the report's own envelope are not recipients.
fn named_in_sentences(headers: &[Header<'_>], report: &str, delayed: bool) -> Vec<BouncedRecipient> {
    let ours = envelope_addresses(headers);
    let action = if delayed { DeliveryAction::Delayed } else { DeliveryAction::Failed };
    let mut found: Vec<BouncedRecipient> = Vec::new();
    for line in report.lines() {
        let lowered = line.to_lowercase();
        if !NAMING_WORDS.iter().any(|w| lowered.contains(w)) {
            continue;
        }
        for address in mail::addresses_in(line) {
            if ours.contains(&address)
                || verp::email_id(&address).is_some()
                || found.iter().any(|r| r.address == address)
            {
                continue;
            }
            let said = mail::unfold(&line.replace(address.as_str(), " "));
            found.push(BouncedRecipient::new(address, action, String::new(), said));
        }
    }
    found
}

fn envelope_addresses(headers: &[Header<'_>]) -> Vec<EmailAddress> {
    ["from", "to", "delivered-to", "x-original-to", "envelope-to", "return-path"]
        .iter()
        .flat_map(|name| mail::addresses(headers, name))
        .collect()
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

fn evidence(headers: &[Header<'_>], report: &str, attached_original: bool) -> Option<String> {
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
    // A mail daemon returning our message is a bounce whatever its words (and beats Auto-Submitted).
    if from_daemon && attached_original {
        return Some("bounce (a mail daemon returned the original message)".to_string());
    }
    None
}

/// The first few kilobytes of a report, where the formats say what they are (a long message that only
/// quotes such words further down is not a report).
fn opening_of(report: &str) -> &str {
    opening_of_size(report, 4096)
}

/// The first `size` bytes of `report`, cut at a character boundary.
fn opening_of_size(report: &str, size: usize) -> &str {
    let mut end = report.len().min(size);
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
    // No marker: the copy's headers start at the first line that is one of them.
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let lowered = line.to_ascii_lowercase();
        if offset > 0 && COPY_STARTS.iter().any(|start| lowered.starts_with(start)) {
            return (text.get(..offset).unwrap_or(text), text.get(offset..));
        }
        offset += line.len();
    }
    (text, None)
}

/// Header lines that open a returned copy of our message when no marker line announces it.
const COPY_STARTS: &[&str] = &["return-path:", "received: from", "message-id:", "dkim-signature:"];

/// Each failed address at the start of a line, with the lines after it (more indented, up to an empty
/// line) as the server's answer. Addresses of the report's own envelope (our return path, the sender) are
/// not recipients.
fn recipients(headers: &[Header<'_>], report: &str, delayed: bool) -> Vec<BouncedRecipient> {
    let ours = envelope_addresses(headers);

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
        // A report is a delay only when it says so ("will keep trying"): a 4.x.x answer in a report that gave
        // up ("in the queue too long") is a failure.
        let action = if delayed && !status.starts_with('5') {
            DeliveryAction::Delayed
        } else {
            DeliveryAction::Failed
        };
        match found.iter_mut().find(|r| r.address == address) {
            Some(known) if known.diagnostic.is_empty() => {
                *known = BouncedRecipient::new(address, action, status, diagnostic)
            }
            // Named again with the code the first mention lacked (Exchange's "Diagnostic information for
            // administrators"): both are the server's words.
            Some(known) if !has_code(&known.diagnostic) && has_code(&diagnostic) => {
                let both = format!("{} {diagnostic}", known.diagnostic);
                *known = BouncedRecipient::new(address, action, status, both)
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
