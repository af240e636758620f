//! Every sample in `samples/` classified, against a table of expectations with one entry per file. A sample
//! without an entry, or an entry without a sample, fails the test, so the corpus and the table stay in step.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use inbound::{Classification, DeliveryAction, Kind, classify};

/// What one bounced recipient must be.
struct Recipient {
    address: &'static str,
    status: &'static str,
    hard: bool,
    reason: &'static str,
    action: DeliveryAction,
    smtp_code: Option<u16>,
}

const fn failed(address: &'static str, status: &'static str, hard: bool, reason: &'static str) -> Recipient {
    Recipient { address, status, hard, reason, action: DeliveryAction::Failed, smtp_code: None }
}

impl Recipient {
    const fn code(self, smtp_code: u16) -> Recipient {
        Recipient { smtp_code: Some(smtp_code), ..self }
    }

    const fn delayed(self) -> Recipient {
        Recipient { action: DeliveryAction::Delayed, ..self }
    }
}

/// What one sample must classify as.
struct Expected {
    file: &'static str,
    kind: Kind,
    recipients: &'static [Recipient],
    verp_email_id: Option<&'static str>,
    original_message_id: Option<&'static str>,
    in_reply_to: &'static [&'static str],
    references: &'static [&'static str],
    feedback_type: Option<&'static str>,
    original_recipient: Option<&'static str>,
    unreadable: bool,
}

const NOTHING: Expected = Expected {
    file: "",
    kind: Kind::Other,
    recipients: &[],
    verp_email_id: None,
    original_message_id: None,
    in_reply_to: &[],
    references: &[],
    feedback_type: None,
    original_recipient: None,
    unreadable: false,
};

const CORPUS: &[Expected] = &[
    // RFC 3464 reports.
    Expected {
        file: "postfix-user-unknown.eml",
        kind: Kind::Bounce,
        recipients: &[failed("bob@example.net", "5.1.1", true, "userunknown").code(550)],
        verp_email_id: Some("0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b"),
        original_message_id: Some("0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "postfix-delayed.eml",
        kind: Kind::Bounce,
        recipients: &[failed("carol@example.org", "4.4.1", false, "systemerror").delayed()],
        verp_email_id: Some("0190b5a4-2d3e-7f40-9bac-1d2e3f4a5b6c"),
        original_message_id: Some("0190b5a4-2d3e-7f40-9bac-1d2e3f4a5b6c@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "postfix-blocked-rbl.eml",
        kind: Kind::Bounce,
        recipients: &[
            failed("erin@example.net", "5.7.1", false, "blocked").code(554),
            failed("frank@example.net", "5.7.1", false, "blocked").code(554),
        ],
        verp_email_id: Some("0190b5a4-8394-75a6-b102-7d8e9fa0b1c2"),
        original_message_id: Some("0190b5a4-8394-75a6-b102-7d8e9fa0b1c2@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "exim-mailbox-full.eml",
        kind: Kind::Bounce,
        // `Status: 5.0.0` gives way to the diagnostic's 5.2.2.
        recipients: &[failed("dave@example.org", "5.2.2", false, "mailboxfull").code(552)],
        verp_email_id: Some("0190b5a4-94a5-76b7-8213-8e9fa0b1c2d3"),
        original_message_id: Some("0190b5a4-94a5-76b7-8213-8e9fa0b1c2d3@mail.example.com"),
        references: &["0190b5a4-94a5-76b7-8213-8e9fa0b1c2d3@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "sendmail.eml",
        kind: Kind::Bounce,
        recipients: &[failed("kate@example.net", "5.1.1", true, "userunknown").code(550)],
        verp_email_id: Some("0190b5a4-a5b6-77c8-9324-9fa0b1c2d3e4"),
        original_message_id: Some("0190b5a4-a5b6-77c8-9324-9fa0b1c2d3e4@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "office365.eml",
        kind: Kind::Bounce,
        recipients: &[failed("liam@example.net", "5.1.10", true, "userunknown").code(550)],
        verp_email_id: Some("0190b5a4-b6c7-78d9-a435-a0b1c2d3e4f5"),
        original_message_id: Some("0190b5a4-b6c7-78d9-a435-a0b1c2d3e4f5@mail.example.com"),
        in_reply_to: &["0190b5a4-b6c7-78d9-a435-a0b1c2d3e4f5@mail.example.com"],
        references: &["0190b5a4-b6c7-78d9-a435-a0b1c2d3e4f5@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "gmail-user-unknown.eml",
        kind: Kind::Bounce,
        recipients: &[failed("noah@example.org", "5.1.1", true, "userunknown").code(550)],
        verp_email_id: Some("0190b5a4-7283-7495-a0f1-6c7d8e9fa0b1"),
        original_message_id: Some("0190b5a4-7283-7495-a0f1-6c7d8e9fa0b1@mail.example.com"),
        in_reply_to: &["0190b5a4-7283-7495-a0f1-6c7d8e9fa0b1@mail.example.com"],
        references: &["0190b5a4-7283-7495-a0f1-6c7d8e9fa0b1@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "gmail-policy-5.7.1.eml",
        kind: Kind::Bounce,
        // A 5.x.x policy rejection is soft.
        recipients: &[failed("olivia@example.org", "5.7.1", false, "policyviolation").code(550)],
        verp_email_id: Some("0190b5a4-c7d8-79ea-b546-b1c2d3e4f5a6"),
        original_message_id: Some("0190b5a4-c7d8-79ea-b546-b1c2d3e4f5a6@mail.example.com"),
        in_reply_to: &["0190b5a4-c7d8-79ea-b546-b1c2d3e4f5a6@mail.example.com"],
        references: &["0190b5a4-c7d8-79ea-b546-b1c2d3e4f5a6@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "amazon-ses.eml",
        kind: Kind::Bounce,
        recipients: &[failed("quinn@example.org", "5.3.4", false, "mesgtoolarge").code(552)],
        verp_email_id: Some("0190b5a4-e9fa-7b0c-9768-d3e4f5a6b7c8"),
        original_message_id: Some("0190b5a4-e9fa-7b0c-9768-d3e4f5a6b7c8@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "dsn-relayed.eml",
        // A report of successful relaying is no bounce.
        kind: Kind::Other,
        verp_email_id: Some("0190b5a4-6071-7384-9fe0-f1a2b3c4d5e6"),
        ..NOTHING
    },
    // Free-text bounces.
    Expected {
        file: "qmail.eml",
        kind: Kind::Bounce,
        recipients: &[
            failed("ivan@example.org", "5.1.1", true, "userunknown"),
            failed("jack@example.net", "5.2.2", false, "mailboxfull").code(552),
        ],
        verp_email_id: Some("0190b5a4-3e4f-7051-8cbd-2e3f4a5b6c7d"),
        original_message_id: Some("0190b5a4-3e4f-7051-8cbd-2e3f4a5b6c7d@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "exim-legacy.eml",
        kind: Kind::Bounce,
        recipients: &[
            failed("grace@example.net", "5.1.1", true, "userunknown").code(550),
            failed("henry@nonexistent.example.org", "", true, "hostunknown"),
        ],
        // Delivered to the sender's own address: only the copy's Return-path names the email.
        verp_email_id: Some("0190b5a4-6172-7384-9fe0-5b6c7d8e9fa0"),
        original_message_id: Some("0190b5a4-6172-7384-9fe0-5b6c7d8e9fa0@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "yahoo.eml",
        kind: Kind::Bounce,
        recipients: &[failed("paul@example.net", "", false, "suspend").code(554)],
        verp_email_id: Some("0190b5a4-d8e9-7afb-8657-c2d3e4f5a6b7"),
        original_message_id: Some("0190b5a4-d8e9-7afb-8657-c2d3e4f5a6b7@mail.example.com"),
        ..NOTHING
    },
    Expected {
        file: "exchange-2003-text.eml",
        kind: Kind::Bounce,
        recipients: &[failed("mia@example.net", "5.1.1", true, "userunknown").code(550)],
        ..NOTHING
    },
    // Damaged reports.
    Expected {
        file: "truncated-dsn.eml",
        kind: Kind::Bounce,
        // Cut off inside the recipient's fields: the server's words come from the human-readable part.
        recipients: &[failed("tom@example.org", "5.1.1", true, "userunknown").code(550)],
        verp_email_id: Some("0190b5a4-5f60-7273-8edf-e0f1a2b3c4d5"),
        ..NOTHING
    },
    Expected {
        file: "mangled-bounce-verp.eml",
        kind: Kind::Bounce,
        // Cut off before any recipient: only VERP ties it to its email.
        verp_email_id: Some("0190b5a4-5061-7273-8edf-4a5b6c7d8e9f"),
        ..NOTHING
    },
    // Complaints.
    Expected {
        file: "arf-yahoo.eml",
        kind: Kind::Complaint,
        verp_email_id: Some("0190b5a4-4f50-7162-9dce-3f4a5b6c7d8e"),
        original_message_id: Some("0190b5a4-4f50-7162-9dce-3f4a5b6c7d8e@mail.example.com"),
        feedback_type: Some("abuse"),
        original_recipient: Some("rachel@example.net"),
        ..NOTHING
    },
    // Replies.
    Expected {
        file: "reply-in-reply-to.eml",
        kind: Kind::Reply,
        in_reply_to: &["0190b5a4-f0a1-7c1d-a879-e4f5a6b7c8d9@mail.example.com"],
        references: &["0190b5a4-f0a1-7c1d-a879-e4f5a6b7c8d9@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "reply-references-only.eml",
        kind: Kind::Reply,
        references: &[
            "0190b5a4-0a1b-7d2e-b98a-f5a6b7c8d9e0@mail.example.com",
            "0190b5a4-1b2c-7e3f-8a9b-a6b7c8d9e0f1@mail.example.com",
        ],
        ..NOTHING
    },
    // Automatic answers: never replies, even with In-Reply-To.
    Expected {
        file: "outlook-automatic-reply.eml",
        kind: Kind::AutoReply,
        in_reply_to: &["0190b5a4-2c3d-7f40-9bac-b7c8d9e0f1a2@mail.example.com"],
        references: &["0190b5a4-2c3d-7f40-9bac-b7c8d9e0f1a2@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "vacation-italian.eml",
        kind: Kind::AutoReply,
        in_reply_to: &["0190b5a4-3d4e-7051-8cbd-c8d9e0f1a2b3@mail.example.com"],
        references: &["0190b5a4-3d4e-7051-8cbd-c8d9e0f1a2b3@mail.example.com"],
        ..NOTHING
    },
    Expected {
        file: "vacation-portuguese.eml",
        kind: Kind::AutoReply,
        // Answered to the envelope sender (RFC 3834), our return path, with the null sender: still no bounce.
        verp_email_id: Some("0190b5a4-4e5f-7162-9dce-d9e0f1a2b3c4"),
        in_reply_to: &["0190b5a4-4e5f-7162-9dce-d9e0f1a2b3c4@mail.example.com"],
        ..NOTHING
    },
    // Everything else.
    Expected { file: "newsletter.eml", kind: Kind::Other, ..NOTHING },
    Expected { file: "malformed-mime.eml", kind: Kind::Other, ..NOTHING },
    Expected { file: "garbage.eml", kind: Kind::Other, unreadable: true, ..NOTHING },
];

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn sample_files() -> BTreeSet<String> {
    let entries = std::fs::read_dir(samples_dir()).expect("the samples folder is readable");
    entries
        .map(|entry| entry.expect("a readable folder entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".eml"))
        .collect()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(samples_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn every_sample_has_an_expectation_and_every_expectation_a_sample() {
    let files = sample_files();
    let expected: BTreeSet<String> = CORPUS.iter().map(|e| e.file.to_string()).collect();
    assert_eq!(expected.len(), CORPUS.len(), "a sample is listed twice");
    let without_expectation: Vec<_> = files.difference(&expected).collect();
    let without_sample: Vec<_> = expected.difference(&files).collect();
    assert!(without_expectation.is_empty(), "samples without an expectation: {without_expectation:?}");
    assert!(without_sample.is_empty(), "expectations without a sample: {without_sample:?}");
}

#[test]
fn every_sample_classifies_as_expected() {
    let mut failures = Vec::new();
    for expected in CORPUS {
        if let Err(why) = check(expected, &classify(&read(expected.file))) {
            failures.push(format!("{}: {why}", expected.file));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn check(expected: &Expected, found: &Classification) -> Result<(), String> {
    fn same<T: PartialEq + std::fmt::Debug>(what: &str, expected: T, found: T) -> Result<(), String> {
        if expected == found {
            Ok(())
        } else {
            Err(format!("{what}: expected {expected:?}, found {found:?}"))
        }
    }
    same("kind", expected.kind, found.kind)?;
    same("number of recipients", expected.recipients.len(), found.recipients.len())?;
    for (want, got) in expected.recipients.iter().zip(&found.recipients) {
        let who = want.address;
        same("address", want.address, got.address.as_str())?;
        same(&format!("{who} status"), want.status, got.status.as_str())?;
        same(&format!("{who} reason"), want.reason, got.reason.name())?;
        same(&format!("{who} hard"), want.hard, got.hard)?;
        same(&format!("{who} hard is the reason's verdict"), got.reason.is_hard(), got.hard)?;
        same(&format!("{who} action"), want.action, got.action)?;
        same(&format!("{who} smtp code"), want.smtp_code, got.smtp_code)?;
    }
    same(
        "verp email id",
        expected.verp_email_id.map(str::to_string),
        found.verp_email_id.map(|id| id.to_string()),
    )?;
    same("original message id", expected.original_message_id, found.original_message_id.as_deref())?;
    same(
        "in-reply-to",
        expected.in_reply_to.to_vec(),
        found.in_reply_to.iter().map(String::as_str).collect(),
    )?;
    same("references", expected.references.to_vec(), found.references.iter().map(String::as_str).collect())?;
    same("feedback type", expected.feedback_type, found.feedback_type.as_deref())?;
    same(
        "original recipient",
        expected.original_recipient,
        found.original_recipient.as_ref().map(|a| a.as_str()),
    )?;
    same("unreadable", expected.unreadable, found.unreadable.is_some())?;
    Ok(())
}

#[test]
fn every_classification_is_the_core_json_shape_and_round_trips() {
    for expected in CORPUS {
        let found = classify(&read(expected.file));
        let json = serde_json::to_value(&found).expect("serialises");
        assert_eq!(json["kind"], expected.kind.name(), "{}", expected.file);
        let recipients = json["recipients"].as_array().expect("recipients is always an array");
        for recipient in recipients {
            for key in ["address", "status", "hard", "reason", "action"] {
                assert!(recipient.get(key).is_some(), "{}: recipient without {key}", expected.file);
            }
        }
        let back: Classification = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, found, "{}", expected.file);
    }
}

#[test]
fn the_delayed_report_is_an_event_and_the_failed_ones_are_bounces() {
    let delayed = classify(&read("postfix-delayed.eml"));
    assert_eq!(delayed.failed().count(), 0);
    let event = delayed.delayed().next().map(|r| r.event().name());
    assert_eq!(event, Some("delayed"));
    let failed = classify(&read("postfix-user-unknown.eml"));
    let event = failed.failed().next().map(|r| r.event().name());
    assert_eq!(event, Some("bounced"));
    assert_eq!(
        failed.referenced_message_ids(),
        ["0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com"],
        "the reported message's id is offered for matching"
    );
}

/// Damaged input never panics: every sample cut short at many points, and with bytes overwritten, still
/// classifies.
#[test]
fn damaged_samples_never_panic() {
    for file in sample_files() {
        let raw = read(&file);
        for end in (0..raw.len()).step_by(11) {
            let _ = classify(&raw[..end]);
        }
        for (round, stride) in [(0u8, 97usize), (1, 211), (2, 389)] {
            let mut damaged = raw.clone();
            for at in (round as usize..damaged.len()).step_by(stride) {
                damaged[at] = [0x00, b'\n', b':', 0xff, b'-', b';'][at % 6];
            }
            let _ = classify(&damaged);
        }
    }
}

/// A sender address over the length limit with a letter of two bytes where the error message cuts it is
/// refused as an address, and the message still classifies.
#[test]
fn a_long_sender_address_with_accents_still_classifies() {
    let local = format!("{}é{}", "a".repeat(39), "b".repeat(260));
    let raw = format!(
        "From: {local}@example.com\r\nTo: rep@seller.example.com\r\nSubject: Re: pricing\r\n\
         Message-ID: <r1@example.com>\r\n\r\nThanks, interested.\r\n"
    );
    let _ = classify(raw.as_bytes());
}
