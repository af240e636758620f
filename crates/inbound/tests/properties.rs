//! Properties of the inbound reader that hold for any input, checked on generated cases: a transient
//! refusal is never hard, and no input, however damaged, makes classification fail or panic. The fuzz cases
//! are bounded (a fixed number per property) so the test command stays fast; `PROPTEST_CASES` raises them.

use std::path::Path;

use inbound::{BouncedRecipient, DeliveryAction, Kind, classify};
use proptest::prelude::*;

/// Words servers use, so generated answers reach every rule of the reason tables.
const WORDS: &[&str] = &[
    "user unknown",
    "mailbox full",
    "over quota",
    "blocked using",
    "spamhaus",
    "relay access denied",
    "message too large",
    "host not found",
    "account disabled",
    "policy",
    "spam",
    "dmarc",
    "reverse dns",
    "too many connections",
    "timed out",
    "has moved",
    "does not accept mail",
    "virus",
    "rate limited",
    "(in reply to RCPT TO command)",
    "(in reply to end of DATA command)",
    "(in reply to MAIL FROM command)",
    "550",
    "552",
    "451",
    "5.1.1",
    "5.0.0",
    "utilisateur inconnu",
    "Postfach voll",
    "存在しません",
];

fn answer() -> impl Strategy<Value = String> {
    let word = prop::sample::select(WORDS).prop_map(str::to_string);
    let noise = "[ -~]{0,12}";
    prop::collection::vec(prop_oneof![word, noise.prop_map(String::from)], 0..8).prop_map(|w| w.join(" "))
}

fn samples() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .expect("the samples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    found.sort();
    found.iter().map(|p| std::fs::read(p).expect("a readable sample")).collect()
}

proptest! {
    /// RFC 3463's class 4 is transient: whatever the words say, a 4.x.x refusal never suppresses an address.
    #[test]
    fn any_4xx_status_is_soft(subject in 0u8..8, detail in 0u16..30, words in answer(), delayed in any::<bool>()) {
        let status = format!("4.{subject}.{detail}");
        let address = domain::people::EmailAddress::parse("bob@example.net").expect("valid");
        let action = if delayed { DeliveryAction::Delayed } else { DeliveryAction::Failed };
        let found = BouncedRecipient::new(address, action, status.clone(), format!("451 {status} {words}"));
        prop_assert!(!found.hard, "{status} {words} -> {:?}", found.reason);
        prop_assert!(found.status.starts_with('4'), "{status} became {}", found.status);
    }

    /// Hard always means a hard reason and a permanent (or pseudo) code.
    #[test]
    fn hard_means_a_dead_address_reason(status in "[245]\\.[0-7]\\.[0-9]{1,2}", words in answer()) {
        let address = domain::people::EmailAddress::parse("bob@example.net").expect("valid");
        let found = BouncedRecipient::new(address, DeliveryAction::Failed, status, words);
        prop_assert!(!found.hard || (found.reason.is_hard() && found.status.starts_with('5')));
    }

    /// Arbitrary bytes: classified (mostly as unreadable `other`), never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let found = classify(&raw);
        prop_assert!(found.kind != Kind::Other || found.recipients.is_empty());
    }

    /// Something shaped like mail, with generated headers and body.
    #[test]
    fn mail_shaped_input_never_panics(
        headers in prop::collection::vec(("[A-Za-z-]{1,20}", "[ -~]{0,60}"), 0..12),
        body in "(?s).{0,600}",
    ) {
        let mut raw = String::new();
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        raw.push_str(&body);
        let _ = classify(raw.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// The corpus damaged at random (bytes replaced, cut, runs duplicated): never a panic, and a report
    /// still lists at most the recipients it could read.
    #[test]
    fn damaged_samples_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..24),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = samples();
        let mut raw = all[pick.index(all.len())].clone();
        for (at, byte, how) in edits {
            if raw.is_empty() {
                break;
            }
            let at = at.index(raw.len());
            match how {
                0 => raw[at] = byte,
                1 => raw.insert(at, byte),
                _ => {
                    let run: Vec<u8> = raw[at..raw.len().min(at + 64)].to_vec();
                    raw.splice(at..at, run);
                }
            }
        }
        let end = cut.index(raw.len() + 1);
        let found = classify(&raw[..end]);
        prop_assert!(found.recipients.len() <= inbound::MAX_RECIPIENTS);
    }
}
