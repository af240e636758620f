//! Every sample in `samples/` classified, against the expectation written beside it: `NAME.eml` is the
//! message, `NAME.json` what it must classify as (see `samples/README.md`). A sample without an expectation,
//! or an expectation without a sample, fails the test, so the corpus and its labels stay in step.
//!
//! Besides the strict check, the test prints the corpus's agreement per field (kind, recipients, status code,
//! reason, hard/soft), the figures the bounce classifier is measured by.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use inbound::{Classification, DeliveryAction, Kind, classify};
use serde::Deserialize;

/// What one bounced recipient must be.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recipient {
    address: String,
    status: String,
    reason: String,
    hard: bool,
    #[serde(default = "failed")]
    action: DeliveryAction,
    #[serde(default)]
    smtp_code: Option<u16>,
}

fn failed() -> DeliveryAction {
    DeliveryAction::Failed
}

/// What one sample must classify as. A field left out means "none" (or empty), and is checked too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    /// The mail system whose shape the sample has (`Postfix`, `Gmail`, …), or what else it is.
    system: String,
    kind: Kind,
    #[serde(default)]
    recipients: Vec<Recipient>,
    #[serde(default)]
    verp_email_id: Option<String>,
    #[serde(default)]
    original_message_id: Option<String>,
    #[serde(default)]
    in_reply_to: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    feedback_type: Option<String>,
    #[serde(default)]
    original_recipient: Option<String>,
    #[serde(default)]
    unreadable: bool,
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn names_with(extension: &str) -> BTreeSet<String> {
    let entries = std::fs::read_dir(samples_dir()).expect("the samples folder is readable");
    entries
        .map(|entry| entry.expect("a readable folder entry").file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(extension).map(str::to_string))
        .collect()
}

fn sample_files() -> BTreeSet<String> {
    names_with(".eml").into_iter().map(|name| format!("{name}.eml")).collect()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(samples_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Every sample with its expectation, in name order.
fn corpus() -> Vec<(String, Expected)> {
    names_with(".json")
        .into_iter()
        .map(|name| {
            let text = String::from_utf8(read(&format!("{name}.json"))).expect("an expectation is UTF-8");
            let expected = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}.json: {e}"));
            (name, expected)
        })
        .collect()
}

#[test]
fn every_sample_has_an_expectation_and_every_expectation_a_sample() {
    let messages = names_with(".eml");
    let expectations = names_with(".json");
    let without_expectation: Vec<_> = messages.difference(&expectations).collect();
    let without_sample: Vec<_> = expectations.difference(&messages).collect();
    assert!(without_expectation.is_empty(), "samples without an expectation: {without_expectation:?}");
    assert!(without_sample.is_empty(), "expectations without a sample: {without_sample:?}");
}

/// How many samples agree on each field, out of how many the field applies to.
#[derive(Default)]
struct Agreement {
    fields: BTreeMap<&'static str, (usize, usize)>,
}

impl Agreement {
    fn count(&mut self, field: &'static str, agrees: bool) {
        let entry = self.fields.entry(field).or_default();
        entry.0 += usize::from(agrees);
        entry.1 += 1;
    }

    fn report(&self) -> String {
        let rows = self.fields.iter().map(|(field, (agree, of))| {
            format!(
                "  {field:<12} {agree:>4} / {of:<4} {:>6.1} %",
                100.0 * *agree as f64 / (*of).max(1) as f64
            )
        });
        rows.collect::<Vec<_>>().join("\n")
    }
}

#[test]
fn every_sample_classifies_as_expected() {
    let corpus = corpus();
    let mut failures = Vec::new();
    let mut agreement = Agreement::default();
    for (name, expected) in &corpus {
        let found = classify(&read(&format!("{name}.eml")));
        measure(&mut agreement, expected, &found);
        if let Err(why) = check(expected, &found) {
            failures.push(format!("{name}: {why}"));
        }
    }
    let systems: BTreeSet<&str> =
        corpus.iter().map(|(_, e)| e.system.as_str()).filter(|s| !s.starts_with('(')).collect();
    println!(
        "{} samples from {} mail systems; agreement per field:\n{}",
        corpus.len(),
        systems.len(),
        agreement.report()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Counts, per field, whether the classification agrees: the kind for every sample, and for each expected
/// bounced recipient its address, status code, reason and hard/soft verdict.
fn measure(agreement: &mut Agreement, expected: &Expected, found: &Classification) {
    agreement.count("kind", expected.kind == found.kind);
    for want in &expected.recipients {
        let got = found.recipients.iter().find(|r| r.address.as_str() == want.address);
        agreement.count("recipient", got.is_some());
        agreement.count("status", got.is_some_and(|r| r.status == want.status));
        agreement.count("reason", got.is_some_and(|r| r.reason.name() == want.reason));
        agreement.count("hard/soft", got.is_some_and(|r| r.hard == want.hard));
    }
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
        let who = &want.address;
        same("address", want.address.as_str(), got.address.as_str())?;
        same(&format!("{who} status"), want.status.as_str(), got.status.as_str())?;
        same(&format!("{who} reason"), want.reason.as_str(), got.reason.name())?;
        same(&format!("{who} hard"), want.hard, got.hard)?;
        same(&format!("{who} action"), want.action, got.action)?;
        same(&format!("{who} smtp code"), want.smtp_code, got.smtp_code)?;
    }
    same("verp email id", expected.verp_email_id.clone(), found.verp_email_id.map(|id| id.to_string()))?;
    same(
        "original message id",
        expected.original_message_id.as_deref(),
        found.original_message_id.as_deref(),
    )?;
    same("in-reply-to", &expected.in_reply_to, &found.in_reply_to)?;
    same("references", &expected.references, &found.references)?;
    same("feedback type", expected.feedback_type.as_deref(), found.feedback_type.as_deref())?;
    same(
        "original recipient",
        expected.original_recipient.as_deref(),
        found.original_recipient.as_ref().map(|a| a.as_str()),
    )?;
    same("unreadable", expected.unreadable, found.unreadable.is_some())?;
    Ok(())
}

/// The corpus covers Sisimai's whole vocabulary: every reason on some bounced recipient, except the three
/// that are kinds of message of their own (a delivery report, a complaint, an automatic reply).
#[test]
fn every_reason_and_every_kind_has_a_sample() {
    use domain::engagement::BounceReason;
    let corpus = corpus();
    let reasons: BTreeSet<&str> =
        corpus.iter().flat_map(|(_, e)| e.recipients.iter().map(|r| r.reason.as_str())).collect();
    let by_kind = [BounceReason::Delivered, BounceReason::Feedback, BounceReason::Vacation];
    let missing: Vec<&str> = BounceReason::ALL
        .iter()
        .filter(|r| !by_kind.contains(r))
        .map(|r| r.name())
        .filter(|n| !reasons.contains(n))
        .collect();
    assert!(missing.is_empty(), "reasons no sample shows: {missing:?}");
    let kinds: BTreeSet<&str> = corpus.iter().map(|(_, e)| e.kind.name()).collect();
    assert_eq!(kinds.len(), 5, "every kind has samples: {kinds:?}");
    let systems: BTreeSet<&str> =
        corpus.iter().map(|(_, e)| e.system.as_str()).filter(|s| !s.starts_with('(')).collect();
    assert!(
        corpus.len() >= 150 && systems.len() >= 30,
        "{} samples, {} systems",
        corpus.len(),
        systems.len()
    );
}

#[test]
fn every_classification_is_the_core_json_shape_and_round_trips() {
    for (name, expected) in corpus() {
        let found = classify(&read(&format!("{name}.eml")));
        let json = serde_json::to_value(&found).expect("serialises");
        assert_eq!(json["kind"], expected.kind.name(), "{name}");
        let recipients = json["recipients"].as_array().expect("recipients is always an array");
        for recipient in recipients {
            for key in ["address", "status", "hard", "reason", "action"] {
                assert!(recipient.get(key).is_some(), "{name}: recipient without {key}");
            }
        }
        let back: Classification = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, found, "{name}");
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
        for end in (0..raw.len()).step_by(37) {
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
