//! Why a message bounced, in Sisimai's vocabulary, read from the status code and the server's words.
//!
//! Three tables, tried in order:
//!
//! 1. [`PHRASES`]: words that name the reason plainly (`user unknown`, `mailbox full`, `blocked using`).
//!    The server's words come first because status codes are often generic (`5.0.0`, `5.7.1` for anything
//!    from a spam filter to a DMARC policy) while the text says which.
//! 2. [`STATUS_CODES`]: enhanced status codes (RFC 3463) that are specific on their own (`X.1.1`, `X.2.2`).
//! 3. [`WEAK_PHRASES`]: vaguer words, used only when nothing else decided.
//!
//! Otherwise the reason is `undefined`. Phrases match whole words, case-insensitively, in text whose
//! whitespace is collapsed. Whether a reason is hard is the domain's rule ([`BounceReason::is_hard`]), never
//! the status code's class.

use domain::engagement::BounceReason::{self, *};

use crate::mail;

/// Plain words for each reason, most specific first: the first rule with a matching phrase decides.
///
/// The order matters where phrases overlap: a full mailbox before a too-large message (`mailbox size limit`),
/// a block list before spam (`blocked using zen.spamhaus.org`), spam and policy before a generic `blocked`,
/// an unknown host before an unknown user (`domain does not exist`).
pub(crate) const PHRASES: &[(BounceReason, &[&str])] = &[
    (HasMoved, &["has been replaced by", "mailbox has moved", "user has moved", "address has moved"]),
    (
        MailboxFull,
        &[
            "mailbox full",
            "mailbox is full",
            "mailbox was full",
            "full mailbox",
            "over quota",
            "overquota",
            "quota exceeded",
            "exceeded its quota",
            "exceeds quota",
            "disk quota",
            "mailbox quota",
            "quota full",
            "insufficient storage",
            "exceeded storage allocation",
            "mailbox size limit",
            "out of storage space",
            "not enough storage",
            "mailbox has exceeded",
        ],
    ),
    (
        MesgTooLarge,
        &[
            "message size exceeds",
            "message too large",
            "message too big",
            "message is too large",
            "message is too big",
            "message size limit",
            "exceeds the maximum size",
            "exceeds size limit",
            "size limit exceeded",
            "maximum message size",
            "message length exceeds",
            "message exceeds",
        ],
    ),
    (
        NoRelaying,
        &[
            "relay access denied",
            "relaying denied",
            "relay denied",
            "relay not permitted",
            "relaying not permitted",
            "relaying not allowed",
            "unable to relay",
            "not permitted to relay",
            "we do not relay",
            "no relaying",
            "relaying prohibited",
        ],
    ),
    (
        Suspend,
        &[
            "account disabled",
            "account has been disabled",
            "account is disabled",
            "mailbox disabled",
            "mailbox is disabled",
            "mailbox has been disabled",
            "is disabled",
            "has been disabled",
            "suspended",
            "account is inactive",
            "mailbox is inactive",
            "inactive account",
            "inactive mailbox",
            "deactivated",
            "account has been locked",
            "account is locked",
        ],
    ),
    (
        Expired,
        &[
            "delivery time expired",
            "retry timeout exceeded",
            "retry time not reached for any host",
            "message expired",
            "has been in the queue too long",
            "in the queue too long",
            "could not be delivered within",
            "expired",
        ],
    ),
    (
        Blocked,
        &[
            "blocked using",
            "blacklisted",
            "blacklist",
            "blocklisted",
            "blocklist",
            "block list",
            "denylist",
            "rbl",
            "dnsbl",
            "spamhaus",
            "spamcop",
            "barracuda",
            "reputation",
            "client host rejected",
            "banned sending ip",
            "sending ip",
            "your ip",
            "poor reputation",
        ],
    ),
    (
        SpamDetected,
        &[
            "spam",
            "unsolicited",
            "junk mail",
            "bulk mail",
            "spam-like",
            "considered as spam",
            "content rejected",
            "message content rejected",
            "suspicious content",
            "phishing",
        ],
    ),
    (
        Rejected,
        &[
            "sender address rejected",
            "sender rejected",
            "sender verify failed",
            "sender unknown",
            "bad sender",
            "invalid sender",
            "domain of sender address",
            "sender domain",
            "envelope sender",
        ],
    ),
    (
        Filtered,
        &[
            "recipient's preferences",
            "refuses to accept",
            "refused by recipient",
            "rejected by recipient",
            "has been filtered",
            "filtered",
        ],
    ),
    (
        PolicyViolation,
        &[
            "policy",
            "policies",
            "prohibited",
            "dmarc",
            "spf",
            "dkim",
            "not authorized",
            "unauthenticated",
            "authentication checks",
            "sending quota",
        ],
    ),
    (Blocked, &["blocked", "banned"]),
    (
        HostUnknown,
        &[
            "host or domain name not found",
            "domain name not found",
            "host not found",
            "host unknown",
            "unknown host",
            "domain not found",
            "no such domain",
            "domain does not exist",
            "unrouteable address",
            "unroutable address",
            "name service error",
            "no mx",
            "nxdomain",
            "dns error",
            "non-existent host",
            "could not be resolved",
        ],
    ),
    (
        UserUnknown,
        &[
            "user unknown",
            "unknown user",
            "no such user",
            "no such mailbox",
            "no such recipient",
            "no such person",
            "no mailbox here by that name",
            "mailbox not found",
            "user not found",
            "recipient not found",
            "recipient unknown",
            "unknown recipient",
            "invalid recipient",
            "invalid mailbox",
            "not a valid mailbox",
            "bad destination mailbox",
            "unknown or illegal alias",
            "unknown local part",
            "addressee unknown",
            "address unknown",
            "unknown address",
            "does not exist",
            "doesn't exist",
            "doesn't have a",
            "couldn't be found",
            "wasn't found",
            "recipient address rejected: access denied",
        ],
    ),
    (NotAccept, &["does not accept mail", "not accepting mail", "accepts no mail", "null mx"]),
    (
        SystemError,
        &[
            "system error",
            "internal error",
            "server error",
            "local configuration error",
            "mail loop",
            "loops back to myself",
            "too many hops",
            "routing loop",
            "connection refused",
            "connection timed out",
            "timed out",
            "temporary local problem",
            "lost connection",
        ],
    ),
];

/// Enhanced status codes that name a reason on their own, by subject and detail (the class, 4 or 5, does
/// not change the reason). `X.1.10` is RFC 7505's null MX; Microsoft's `5.1.10 RecipientNotFound` is caught
/// by its words first.
pub(crate) const STATUS_CODES: &[(&str, BounceReason)] = &[
    ("1.1", UserUnknown),
    ("1.2", HostUnknown),
    ("1.3", UserUnknown),
    ("1.6", HasMoved),
    ("1.7", Rejected),
    ("1.8", Rejected),
    ("1.10", NotAccept),
    ("2.1", Suspend),
    ("2.2", MailboxFull),
    ("2.3", MesgTooLarge),
    ("2.4", SystemError),
    ("3.0", SystemError),
    ("3.1", SystemError),
    ("3.2", NotAccept),
    ("3.4", MesgTooLarge),
    ("3.5", SystemError),
    ("4.1", SystemError),
    ("4.2", SystemError),
    ("4.3", SystemError),
    ("4.4", HostUnknown),
    ("4.5", SystemError),
    ("4.6", SystemError),
    ("4.7", Expired),
    ("5.0", SystemError),
    ("5.1", SystemError),
    ("5.2", SystemError),
    ("5.3", SystemError),
    ("5.4", SystemError),
    ("5.5", SystemError),
    ("7.1", PolicyViolation),
    ("7.2", PolicyViolation),
    ("7.13", Suspend),
    ("7.23", PolicyViolation),
    ("7.25", PolicyViolation),
    ("7.26", PolicyViolation),
    ("7.27", Rejected),
    ("7.511", Blocked),
    ("7.606", Blocked),
];

/// Vague words, tried only when no phrase and no specific status code decided.
pub(crate) const WEAK_PHRASES: &[(BounceReason, &[&str])] = &[
    (UserUnknown, &["mailbox unavailable", "invalid address", "no longer available"]),
    (Rejected, &["rejected", "denied", "refused"]),
];

/// The reason for a bounce with enhanced status code `status` (may be empty) and the server's words
/// `diagnostic`, from the tables above; `undefined` when none matches.
pub fn reason_for(status: &str, diagnostic: &str) -> BounceReason {
    let text = mail::normalise(diagnostic);
    let by_phrase = |rules: &[(BounceReason, &[&str])]| {
        rules.iter().find(|(_, phrases)| phrases.iter().any(|p| contains_words(&text, p))).map(|(r, _)| *r)
    };
    by_phrase(PHRASES).or_else(|| by_status(status)).or_else(|| by_phrase(WEAK_PHRASES)).unwrap_or(Undefined)
}

fn by_status(status: &str) -> Option<BounceReason> {
    let (_class, subject_detail) = status.trim().split_once('.')?;
    STATUS_CODES.iter().find(|(code, _)| *code == subject_detail).map(|(_, reason)| *reason)
}

/// `phrase` occurs in `text` with no letter or digit right before or after it.
pub(crate) fn contains_words(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (status, diagnostic, expected reason): real servers' words.
    const CASES: &[(&str, &str, BounceReason)] = &[
        (
            "5.1.1",
            "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table",
            UserUnknown,
        ),
        (
            "5.1.1",
            "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address",
            UserUnknown,
        ),
        (
            "5.1.10",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            UserUnknown,
        ),
        ("", "Sorry, no mailbox here by that name. (#5.1.1)", UserUnknown),
        (
            "5.1.1",
            "192.0.2.25 does not like recipient. Remote host said: 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown Giving up on 192.0.2.25.",
            UserUnknown,
        ),
        ("5.1.1", "550 5.1.1 User unknown; not listed in Domino Directory", UserUnknown),
        ("5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", UserUnknown),
        ("", "554 delivery error: dd This user doesn\u{2019}t have a yahoo.com account", UserUnknown),
        ("5.1.1", "", UserUnknown),
        ("5.2.2", "552 5.2.2 <carol@example.org>: Quota exceeded (mailbox for user is full)", MailboxFull),
        ("5.2.2", "552-5.2.2 The email account that you tried to reach is over quota.", MailboxFull),
        ("", "mailbox is full: retry timeout exceeded", MailboxFull),
        ("5.2.2", "", MailboxFull),
        (
            "5.1.2",
            "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found",
            HostUnknown,
        ),
        ("5.4.4", "", HostUnknown),
        ("", "Unrouteable address", HostUnknown),
        ("5.1.1", "DNS Error: Domain name not found", HostUnknown),
        (
            "5.7.1",
            "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org",
            Blocked,
        ),
        ("5.7.1", "550 5.7.1 Message rejected due to poor sender reputation", Blocked),
        ("5.7.606", "550 5.7.606 Access denied, banned sending IP [203.0.113.7]", Blocked),
        ("5.7.1", "550 5.7.1 Message blocked", Blocked),
        (
            "5.7.1",
            "550-5.7.1 Our system has detected that this message is likely unsolicited mail",
            SpamDetected,
        ),
        ("5.7.1", "554 5.7.1 Message rejected as spam by Content Filtering", SpamDetected),
        (
            "5.7.1",
            "550 5.7.1 The user or domain that you are sending to (or from) has a policy that prohibited the mail that you sent",
            PolicyViolation,
        ),
        (
            "5.7.26",
            "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy",
            PolicyViolation,
        ),
        ("5.7.1", "", PolicyViolation),
        ("4.4.7", "Delivery time expired", Expired),
        ("5.4.7", "", Expired),
        ("", "I'm not going to try again; this message has been in the queue too long.", Expired),
        ("5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size", MesgTooLarge),
        ("5.2.3", "", MesgTooLarge),
        ("5.7.1", "554 5.7.1 <bob@example.net>: Relay access denied", NoRelaying),
        ("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled.", Suspend),
        (
            "",
            "554 delivery error: dd Sorry your message to bob@example.org cannot be delivered. This mailbox is disabled (554.30).",
            Suspend,
        ),
        ("5.1.6", "", HasMoved),
        ("5.1.10", "", NotAccept),
        ("5.3.2", "", NotAccept),
        ("5.1.0", "550 5.1.0 <sales@example.com>: Sender address rejected: Domain not found", Rejected),
        ("4.4.1", "connect to mx.example.net[198.51.100.4]:25: Connection timed out", SystemError),
        ("5.0.0", "550 Requested action not taken: mailbox unavailable", UserUnknown),
        ("5.0.0", "554 Transaction failed", Undefined),
        ("", "", Undefined),
    ];

    #[test]
    fn reasons_come_from_the_words_then_the_status_code() {
        for (status, diagnostic, expected) in CASES {
            assert_eq!(reason_for(status, diagnostic), *expected, "{status} {diagnostic}");
        }
    }

    #[test]
    fn the_verdict_is_the_domains_not_the_class() {
        assert!(reason_for("5.1.1", "User unknown").is_hard());
        assert!(!reason_for("5.7.1", "rejected by policy").is_hard());
        assert!(!reason_for("5.2.2", "mailbox full").is_hard());
        assert!(reason_for("4.1.2", "Recipient address rejected: Domain not found").is_hard());
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(contains_words("blocked using rbl.example", "rbl"));
        assert!(!contains_words("the verbless sentence", "rbl"));
        assert!(!contains_words("blocked by spamhaus", "spam"));
        assert!(contains_words("is it spam?", "spam"));
    }

    #[test]
    fn every_table_entry_is_lower_case_so_it_can_match() {
        let all = PHRASES.iter().chain(WEAK_PHRASES).flat_map(|(_, phrases)| phrases.iter());
        for phrase in all {
            assert_eq!(*phrase, mail::normalise(phrase), "{phrase}");
        }
    }
}
