//! Why a message bounced, in Sisimai's vocabulary, read from the status code, the SMTP stage and the
//! server's words, the way deliverability engineers' reference classifier reads them.
//!
//! [`judge`] settles one recipient in four steps:
//!
//! 1. **The status code.** The report's `Status` field, unless the server's words carry a more specific code
//!    (`Status: 5.0.0` with `550 5.7.1 …` in the text is 5.7.1; see [`prefer`]).
//! 2. **Explicit evidence**, in a fixed order ([`explicit`]): what the status code names on its own, the
//!    server's words, and the SMTP stage where the refusal came. The stage matters: "user unknown" refused
//!    at `RCPT TO` is a dead address, the same words after `DATA` are a filter's verdict; a refusal at
//!    `MAIL FROM` is about the sender.
//! 3. **Vaguer evidence** ([`another`]): what the code means when it is generic, then weaker words.
//! 4. **Fallbacks**: the code's class and subject, the reply code, a delay, or `onhold` when the server said
//!    something nobody can place and `undefined` when it said nothing.
//!
//! When no status code can be found anywhere, the recipient gets the reason's own code (`5.0.911` for an
//! unknown user, `4.0.947` for an expiry that is temporary: Sisimai's pseudo codes, which never collide with
//! RFC 3463's), so every bounce has a code to group by.
//!
//! Whether a reason is hard is the domain's rule ([`domain::engagement::Bounce::is_hard`]), never the
//! status code's class alone.

use domain::engagement::BounceReason::{self, *};

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

use crate::{codes, mail};

/// The SMTP command a refusal answered: where in the conversation the receiving server said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// At connection (the greeting) or at `HELO`/`EHLO`: the sending server itself was refused.
    Connect,
    /// At `MAIL FROM`: the sender was refused.
    MailFrom,
    /// At `RCPT TO`: the recipient was refused.
    RcptTo,
    /// After `DATA`: the message was refused once read.
    Data,
}

impl Stage {
    /// Before the message was sent, the receiving server knew only the envelope.
    fn before_data(self) -> bool {
        self != Stage::Data
    }
}

/// Words that say at which command a server refused, and the stage; the last one named in the text wins
/// (a transcript lists the commands in order, and the refusal answers the last).
const STAGES: &[(&str, Stage)] = &[
    ("rcpt to command", Stage::RcptTo),
    ("after rcpt to", Stage::RcptTo),
    ("rcpt to:<", Stage::RcptTo),
    ("rcpt to: <", Stage::RcptTo),
    ("rcpt command", Stage::RcptTo),
    ("mail from command", Stage::MailFrom),
    ("after mail from", Stage::MailFrom),
    ("after pipelined mail from", Stage::MailFrom),
    ("mail from:<", Stage::MailFrom),
    ("mail from: <", Stage::MailFrom),
    ("mail command", Stage::MailFrom),
    ("end of data", Stage::Data),
    ("data command", Stage::Data),
    ("after data", Stage::Data),
    (">>> data", Stage::Data),
    ("message body", Stage::Data),
    ("initial greeting", Stage::Connect),
    ("initial connection", Stage::Connect),
    ("smtp greeting", Stage::Connect),
    ("helo command", Stage::Connect),
    ("ehlo command", Stage::Connect),
    ("after helo", Stage::Connect),
    ("after ehlo", Stage::Connect),
    ("while connecting", Stage::Connect),
];

/// The stage a server's words name, when they name one.
pub(crate) fn stage_in(text: &str) -> Option<Stage> {
    let text = mail::normalise(text);
    STAGES
        .iter()
        .filter_map(|(words, stage)| text.rfind(words).map(|at| (at, *stage)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, stage)| stage)
}

/// Phrases of each reason (lower case, whitespace collapsed). A phrase matches whole words; `…` inside a
/// phrase stands for any words between its pieces, which must come in that order.
mod words {
    pub const MAILBOX_FULL: &[&str] = &[
        "mailbox full",
        "mailbox is full",
        "mailbox was full",
        "mailbox … is full",
        "full mailbox",
        "over quota",
        "overquota",
        "over the quota",
        "over its quota",
        "quota exceeded",
        "quota … exceeded",
        "exceeded … quota",
        "exceeds … quota",
        "disk quota",
        "mailbox quota",
        "quota full",
        "out of storage space",
        "not enough storage",
        "insufficient storage for the recipient",
        "mailbox size limit",
        "mailbox has exceeded",
        "storage limit",
        "too much mail data",
        "no space left in the mailbox",
        // French, German, Portuguese, Italian, Spanish, Japanese
        "boîte pleine",
        "boite pleine",
        "boîte … pleine",
        "boite … pleine",
        "quota dépassé",
        "postfach voll",
        "postfach ist voll",
        "mailbox voll",
        "speicherplatz",
        "caixa postal cheia",
        "caixa de correio cheia",
        "caixa … está cheia",
        "cota excedida",
        "casella piena",
        "casella … piena",
        "quota superata",
        "buzón lleno",
        "buzón … lleno",
        "容量",
        "満杯",
    ];
    pub const MESG_TOO_BIG: &[&str] = &[
        "message too big",
        "message too large",
        "message is too big",
        "message is too large",
        "message size exceeds",
        "message size … exceeds",
        "message exceeds … size",
        "size limit exceeded",
        "exceeds size limit",
        "exceeds the maximum size",
        "exceeds the maximum message size",
        "maximum message size",
        "message length exceeds",
        "message file too big",
        "mail size",
        "line limit exceeded",
        "taille limite",
        "message trop volumineux",
        "nachricht zu groß",
        "mensagem muito grande",
        "messaggio troppo grande",
    ];
    pub const EXCEED_LIMIT: &[&str] = &[
        "message header size exceeds",
        "header size exceeds",
        "too many messages for this recipient",
        "recipient … has exceeded … limit",
        "has exceeded … message limit",
        "exceeded the rate limit for this recipient",
        "receiving too much mail",
        "daily message limit",
        "daily receiving limit",
    ];
    pub const SUSPEND: &[&str] = &[
        "account disabled",
        "account is disabled",
        "account has been disabled",
        "mailbox disabled",
        "mailbox is disabled",
        "mailbox has been disabled",
        "account … is disabled",
        "has been suspended",
        "is suspended",
        "account suspended",
        "mailbox suspended",
        "account is inactive",
        "mailbox is inactive",
        "inactive account",
        "inactive mailbox",
        "account has been locked",
        "account is locked",
        "mailbox is frozen",
        "account is frozen",
        "account deactivated",
        "has been deactivated",
        "user is terminated",
        "account expired",
        "mailbox unavailable: account",
        "compte désactivé",
        "compte suspendu",
        "boîte archivée",
        "boite du destinataire archivee",
        "konto gesperrt",
        "postfach gesperrt",
        "conta desativada",
        "conta suspensa",
        "conta bloqueada",
        "account sospeso",
        "casella disattivata",
        "cuenta desactivada",
        "cuenta suspendida",
    ];
    pub const HAS_MOVED: &[&str] =
        &["has been replaced by", "user has moved", "mailbox has moved", "address has moved", "has moved to"];
    pub const NO_RELAYING: &[&str] = &[
        "relay access denied",
        "relaying denied",
        "relay denied",
        "relay not permitted",
        "relaying not permitted",
        "relaying not allowed",
        "relaying prohibited",
        "unable to relay",
        "not permitted to relay",
        "we do not relay",
        "we don't relay",
        "we do not handle mail for",
        "as a relay",
        "not configured to let you",
        "we don't handle mail for",
        "no relaying",
        "is not a gateway",
        "relay not allowed",
    ];
    pub const AUTH_FAILURE: &[&str] = &[
        "dmarc",
        "spf check failed",
        "spf fail",
        "spf softfail",
        "spf validation",
        "spf record",
        "spf policy",
        "failed spf",
        "fails spf",
        "dkim check failed",
        "dkim signature",
        "dkim verification",
        "failed dkim",
        "fails to pass authentication checks",
        "did not pass authentication",
        "authentication checks",
        "unauthenticated email",
        "is not authenticated",
        "sender is not authorized by",
        "not authorized to send mail on behalf of",
        "not designated as permitted sender",
    ];
    pub const USER_UNKNOWN: &[&str] = &[
        "user unknown",
        "unknown user",
        "no such user",
        "no such mailbox",
        "no such recipient",
        "no such person",
        "no such account",
        "no mailbox here by that name",
        "no mailbox by that name",
        "mailbox not found",
        "mailbox does not exist",
        "mailbox … does not exist",
        "mailbox unavailable",
        "mailbox is unavailable",
        "mailbox not present",
        "user not found",
        "user does not exist",
        "user … does not exist",
        "user doesn't exist",
        "recipient not found",
        "recipient unknown",
        "recipient does not exist",
        "recipient … does not exist",
        "unknown recipient",
        "invalid recipient",
        "invalid mailbox",
        "not a valid mailbox",
        "not a valid recipient",
        "not a valid user",
        "not a known user",
        "bad destination mailbox",
        "bad recipient",
        "unknown or illegal alias",
        "unknown local part",
        "addressee unknown",
        "address unknown",
        "unknown address",
        "address does not exist",
        "address … does not exist",
        "account does not exist",
        "account … does not exist",
        "email account that you tried to reach does not exist",
        "address couldn't be found",
        "address could not be found",
        "doesn't have a … account",
        "does not have a … account",
        "recipnotfound",
        "recipientnotfound",
        "recipient address rejected: access denied",
        "recipient address rejected: user",
        "recipient address rejected: unknown user",
        "recipient address rejected: invalid user",
        "undeliverable address",
        "no longer accepts mail",
        "this address no longer",
        "is not a local address",
        "user missing home directory",
        "not listed in domino directory",
        "not listed in the directory",
        "not listed in public name",
        // French, German, Portuguese, Italian, Spanish, Japanese
        "utilisateur inconnu",
        "destinataire inconnu",
        "adresse inconnue",
        "adresse invalide",
        "destinataire invalide",
        "adresse d'au moins un destinataire invalide",
        "n'existe pas",
        "benutzer unbekannt",
        "empfänger unbekannt",
        "unbekannter empfänger",
        "existiert nicht",
        "adresse ist ungültig",
        "usuário desconhecido",
        "usuario desconhecido",
        "usuário inexistente",
        "destinatário desconhecido",
        "conta não existe",
        "não existe",
        "utente sconosciuto",
        "utente inesistente",
        "destinatario sconosciuto",
        "indirizzo inesistente",
        "non esiste",
        "usuario desconocido",
        "no existe",
        "存在しない",
        "存在しません",
        "宛先不明",
        "アドレスは存在",
    ];
    pub const FILTERED: &[&str] = &[
        "recipient's preferences",
        "refuses to accept",
        "refused by recipient",
        "rejected by recipient",
        "rejected by the recipient",
        "blocked by the recipient",
        "blocked by recipient",
        "has been filtered",
        "message filtered",
        "filtered by",
        "user reject",
        "user rejects",
        "only accepts mail from",
        "accepts mail only from",
        "not authorized to send to",
        "resolver.rst.notauthorized",
        "restricted to",
        "受信拒否",
        "指定拒否",
    ];
    pub const REQUIRE_PTR: &[&str] = &[
        "reverse dns",
        "reverse lookup",
        "no ptr",
        "ptr record",
        "without ptr",
        "cannot find your hostname",
        "can't find your hostname",
        "cannot resolve your hostname",
        "ip name lookup failed",
        "client host name",
        "does not resolve to",
        "mismatches client ip",
        "rdns",
    ];
    pub const NOT_COMPLIANT_RFC: &[&str] = &[
        "not rfc 5322 compliant",
        "not rfc5322 compliant",
        "rfc 5322",
        "rfc5322",
        "rfc 2822",
        "rfc822 compliant",
        "rfcmessagenoncompliant",
        "duplicate header",
        "multiple … headers",
        "more than one",
        "missing … header",
        "malformed header",
        "message is not compliant",
        "bare lf",
        "bare linefeed",
    ];
    pub const BAD_REPUTATION: &[&str] =
        &["reputation", "deferred due to unexpected volume", "user complaints", "sender score"];
    pub const CONTENT_ERROR: &[&str] = &[
        "banned attachment",
        "attachment … not allowed",
        "prohibited attachment",
        "attachment type",
        "file type",
        "forbidden attachment",
        "header is too large",
        "headers too large",
        "header too long",
        "8-bit data in header",
        "8bit data in header",
        "mime error",
        "invalid mime",
        "mime structure",
        "too many received",
        "invalid base64",
        "content rejected: banned",
        "banned:",
        "message contains a banned",
        "banned content",
        "banned file",
    ];
    pub const REJECTED: &[&str] = &[
        "sender address rejected",
        "sender rejected",
        "sender verify failed",
        "sender verification failed",
        "sender unknown",
        "unknown sender",
        "bad sender",
        "invalid sender",
        "sender denied",
        "sender … blacklisted",
        "sender … blocklisted",
        "domain of sender address",
        "sender domain",
        "envelope sender",
        "null sender",
        "empty envelope sender",
        "batv",
        "sender was rejected",
        "remetente rejeitado",
        "expéditeur refusé",
        "absender abgelehnt",
        "mittente rifiutato",
    ];
    /// Words that say the refusal is about the recipient, so the rejected-sender words never read them.
    pub const NOT_SENDER: &[&str] =
        &["recipient address rejected", "sender ip address rejected", "5.1.0 address rejected"];
    pub const HOST_UNKNOWN: &[&str] = &[
        "host or domain name not found",
        "domain name not found",
        "host not found",
        "host unknown",
        "unknown host",
        "domain not found",
        "domain unknown",
        "unknown domain",
        "no such domain",
        "domain does not exist",
        "domain … does not exist",
        "unrouteable address",
        "unroutable address",
        "name service error",
        "name or service not known",
        "nxdomain",
        "non-existent host",
        "non-existent domain",
        "nonexistent domain",
        "point to non-existent hosts",
        "could not be resolved",
        "domain must exist",
        "domaine inexistant",
        "domínio inexistente",
        "dominio inesistente",
    ];
    pub const SPAM: &[&str] = &[
        "spam",
        "unsolicited",
        "junk mail",
        "bulk mail",
        "spam-like",
        "content rejected",
        "content denied",
        "message content rejected",
        "suspicious content",
        "phishing",
        "spamassassin",
        "uribl",
        "surbl",
        "dbl.spamhaus",
        "looks like spam",
        "considered as spam",
        "classified as spam",
        "identified as spam",
        "greylist",
        "greylisted",
        "indésirable",
        "迷惑メール",
    ];
    pub const SPEEDING: &[&str] = &[
        "try again slower",
        "receiving mail at a rate",
        "sending too fast",
        "too fast",
        "too quickly",
        "rate limit",
        "rate limited",
        "ratelimit",
        "sending rate",
        "unusual rate",
        "excessive volume",
        "too many messages",
        "throttled",
        "throttling",
    ];
    pub const TOO_MANY_CONN: &[&str] = &[
        "too many connections",
        "too many concurrent",
        "too many sessions",
        "too many recipients",
        "too many simultaneous",
        "connection rate limit",
        "connection limit",
        "max emails per hour",
        "trop de connexions",
        "zu viele verbindungen",
    ];
    pub const BLOCKED: &[&str] = &[
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
        "sorbs",
        "abuseat",
        "client host rejected",
        "client host blocked",
        "banned sending ip",
        "sending ip",
        "your ip",
        "your network",
        "ip address … blocked",
        "ip … is blocked",
        "connection refused",
        "connection rejected",
        "access denied",
        "dynamic ip",
        "residential",
        "dial-up",
        "dialup",
        "open proxy",
        "helo command rejected",
        "go away",
        "not accepting connections",
        "service unavailable; client host",
        "blocked",
        "banned",
    ];
    pub const VIRUS: &[&str] = &[
        "virus",
        "malware",
        "infected",
        "trojan",
        "worm",
        "executable attachment",
        "potentially executable",
    ];
    pub const POLICY: &[&str] = &[
        "policy",
        "policies",
        "prohibited",
        "not allowed by",
        "local policy",
        "organization's settings",
        "organizational settings",
        "members only",
        "closed list",
        "protocol violation",
        "mass mailer",
    ];
    pub const SYSTEM_ERROR: &[&str] = &[
        "system error",
        "internal error",
        "server error",
        "local error",
        "configuration error",
        "local configuration",
        "temporary local problem",
        "queue file write error",
        "timeout waiting for input",
        "transaction failed",
        "temporary failure",
        "temporarily unavailable",
        "try again later",
        "server busy",
        "service unavailable",
        "problem on the remote",
    ];
    pub const NETWORK_ERROR: &[&str] = &[
        "host is unreachable",
        "network is unreachable",
        "no route to host",
        "mail loop",
        "loops back to myself",
        "mail forwarding loop",
        "routing loop",
        "too many hops",
        "hop count exceeded",
        "dns lookup",
        "dns error",
        "dns failure",
        "lookup failed",
        "malformed or unexpected name server reply",
        "lost connection",
        "connection reset",
        "connection closed",
    ];
    pub const SYSTEM_FULL: &[&str] = &[
        "mail system full",
        "system full",
        "insufficient system storage",
        "insufficient storage",
        "exceeded storage allocation",
        "out of disk space",
        "disk full",
        "no space left on device",
    ];
    pub const NOT_ACCEPT: &[&str] = &[
        "does not accept mail",
        "doesn't accept mail",
        "not accepting mail",
        "accepts no mail",
        "null mx",
        "nullmx",
        "no mx record",
        "mail receiving disabled",
        "host does not accept",
    ];
    pub const EXPIRED: &[&str] = &[
        "delivery time expired",
        "retry time exceeded",
        "retry timeout exceeded",
        "retry time not reached",
        "message expired",
        "expired",
        "has been in the queue too long",
        "in the queue too long",
        "in queue too long",
        "could not be delivered within",
        "could not be delivered for",
        "cannot send message for",
        "giving up",
        "retried for",
        "has been abandoned",
        "without success",
        "gave up",
        "connection timed out",
        "timed out",
        "timeout",
        "no answer from host",
        "délai",
        "zeitüberschreitung",
        "tempo esgotado",
        "tempo limite",
        "scaduto",
    ];
    pub const FAILED_STARTTLS: &[&str] = &[
        "starttls is required",
        "starttls required",
        "must issue a starttls",
        "tls required",
        "requires tls",
        "requiretls",
        "tls is required",
        "encryption required",
    ];
    pub const SECURITY: &[&str] = &[
        "authentication required",
        "authentication failure",
        "authentication failed",
        "authentication is required",
        "not authorized to perform",
        "insecure",
        "certificate",
        "tls handshake",
        "ssl",
        "tls negotiation",
    ];
    pub const MAILER_ERROR: &[&str] = &[
        "x-unix",
        "procmail",
        "maildrop",
        "command died with status",
        "command failed",
        "mailer error",
        "pipe to |",
        "local delivery failed",
        "returned status",
        "exit status",
        "unknown mailer error",
    ];
    /// Every table, for the index of their pieces ([`super::Index`]).
    pub const ALL: &[&[&str]] = &[
        MAILBOX_FULL,
        MESG_TOO_BIG,
        EXCEED_LIMIT,
        SUSPEND,
        HAS_MOVED,
        NO_RELAYING,
        AUTH_FAILURE,
        USER_UNKNOWN,
        FILTERED,
        REQUIRE_PTR,
        NOT_COMPLIANT_RFC,
        BAD_REPUTATION,
        CONTENT_ERROR,
        REJECTED,
        NOT_SENDER,
        HOST_UNKNOWN,
        SPAM,
        SPEEDING,
        TOO_MANY_CONN,
        BLOCKED,
        VIRUS,
        POLICY,
        SYSTEM_ERROR,
        NETWORK_ERROR,
        SYSTEM_FULL,
        NOT_ACCEPT,
        EXPIRED,
        FAILED_STARTTLS,
        SECURITY,
        MAILER_ERROR,
        VACATION,
    ];
    pub const VACATION: &[&str] =
        &["i am away", "i am out of the office", "i'm out of the office", "out of office", "on vacation"];
}

/// Messages particular mailbox providers and services give, that name the reason in their own terms
/// (Google's, Microsoft's, Yahoo's, Orange's and La Poste's, Tencent's …): tried before the general rules,
/// as a deliverability engineer reads them.
const PROVIDERS: &[(&str, BounceReason)] = &[
    ("receiving mail at a rate that prevents additional messages", Speeding),
    ("receiving mail too quickly", Speeding),
    ("unusual rate of unsolicited mail", Blocked),
    ("potential security issue", PolicyViolation),
    ("very low reputation", BadReputation),
    ("low reputation of the sending domain", BadReputation),
    ("requested action not taken: mailbox unavailable", UserUnknown),
    ("recipient address rejected: access denied", UserUnknown),
    ("resolver.adr.recipnotfound", UserUnknown),
    ("resolver.adr.recipientnotfound", UserUnknown),
    ("traffic not accepted from this ip", Speeding),
    ("sending from unregistered domains", Rejected),
    ("tenant has exceeded threshold", Speeding),
    ("is no longer valid", Suspend),
    ("account is blocked", Suspend),
    ("compte du destinataire est bloqu", Suspend),
    ("deferred due to unexpected volume or user complaints", BadReputation),
    ("mail content denied", SpamDetected),
    ("may not have permission to post", Rejected),
    ("is not authorized to send email directly to our servers", Blocked),
    ("sender is unauthenticated", AuthFailure),
    ("missing a valid address in from: header", NotCompliantRfc),
    ("having no from: header", NotCompliantRfc),
    ("will be permanently deferred", Rejected),
    ("resolver.rst.sendernotauthenticatedforgroup", Filtered),
    ("resolver.rst.restrictedtorecipientspermission", Filtered),
    ("resolver.rst.notauthorized", Filtered),
    ("rate limited due to ip reputation", BadReputation),
    ("insufficient system resources", SystemFull),
];

/// Every piece of every phrase of the tables (the parts of a phrase between its `…`), in one automaton, so
/// that a server's words are read once whatever the number of phrases: the cost of judging a recipient is
/// the length of its words, not the length of its words times the phrases.
struct Index {
    automaton: AhoCorasick,
    pieces: Vec<&'static str>,
    /// Each phrase's pieces, by their number in `pieces`.
    phrases: HashMap<&'static str, Vec<usize>>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let all = words::ALL.iter().flat_map(|t| t.iter().copied()).chain(PROVIDERS.iter().map(|(p, _)| *p));
    let mut pieces: Vec<&'static str> = Vec::new();
    let mut phrases = HashMap::new();
    for phrase in all {
        let ids = phrase
            .split('…')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|piece| match pieces.iter().position(|p| *p == piece) {
                Some(id) => id,
                None => {
                    pieces.push(piece);
                    pieces.len() - 1
                }
            })
            .collect();
        phrases.insert(phrase, ids);
    }
    let automaton = AhoCorasick::new(&pieces).expect("the phrase tables build an automaton");
    Index { automaton, pieces, phrases }
});

/// Where each piece of the tables stands as whole words in one text, read in one pass.
struct Found {
    /// Per piece, its occurrences (start, end), in order.
    spans: Vec<Vec<(usize, usize)>>,
}

impl Found {
    fn of(text: &str) -> Found {
        let index = &*INDEX;
        let mut spans = vec![Vec::new(); index.pieces.len()];
        for found in index.automaton.find_overlapping_iter(text) {
            let id = found.pattern().as_usize();
            let (start, end) = (found.start(), found.end());
            if is_whole(text, index.pieces[id], start, end) {
                spans[id].push((start, end));
            }
        }
        for list in &mut spans {
            list.sort_unstable();
        }
        Found { spans }
    }

    /// `phrase` (one of the tables') stands in the text: its pieces in order, each as whole words.
    fn has(&self, phrase: &str) -> bool {
        let Some(ids) = INDEX.phrases.get(phrase) else {
            return false;
        };
        let mut from = 0;
        for id in ids {
            match self.spans[*id].iter().find(|(start, _)| *start >= from) {
                Some((_, end)) => from = *end,
                None => return false,
            }
        }
        true
    }

    fn any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|phrase| self.has(phrase))
    }
}

/// Whether `phrase` found at `start..end` of `text` stands as whole words there (see [`find_words`]).
fn is_whole(text: &str, phrase: &str, start: usize, end: usize) -> bool {
    let needs_edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let before = text.get(..start).and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    (!needs_edge(phrase.chars().next()) || !before.is_some_and(char::is_alphanumeric))
        && (!needs_edge(phrase.chars().next_back()) || !after.is_some_and(char::is_alphanumeric))
}

/// `phrase` in `text`, its pieces (split at `…`) in order, each as whole words (what [`Found::has`] tells
/// of the tables' phrases, for any phrase).
#[cfg(test)]
fn matches_phrase(text: &str, phrase: &str) -> bool {
    let mut rest = text;
    for piece in phrase.split('…').map(str::trim).filter(|p| !p.is_empty()) {
        match find_words(rest, piece) {
            Some(end) => rest = rest.get(end..).unwrap_or_default(),
            None => return false,
        }
    }
    true
}

/// Where the first whole-word occurrence of `phrase` in `text` ends. The edges of a phrase are whole words
/// only where they are ASCII letters or digits (Japanese runs on without spaces).
fn find_words(text: &str, phrase: &str) -> Option<usize> {
    text.match_indices(phrase).find_map(|(at, _)| {
        let end = at + phrase.len();
        is_whole(text, phrase, at, end).then_some(end)
    })
}

/// `phrase` occurs in `text` as whole words.
pub(crate) fn contains_words(text: &str, phrase: &str) -> bool {
    find_words(text, phrase).is_some()
}

/// What an enhanced status code names on its own (RFC 3463 and its registry), by class, subject and detail.
const STATUS_CODES: &[(&str, BounceReason)] = &[
    ("2.1.5", Delivered),
    ("4.1.6", HasMoved),
    ("4.1.7", Rejected),
    ("4.1.8", Rejected),
    ("4.1.9", SystemError),
    ("4.2.1", Blocked),
    ("4.2.2", MailboxFull),
    ("4.2.3", ExceedLimit),
    ("4.2.4", Filtered),
    ("4.3.1", SystemFull),
    ("4.3.2", NotAccept),
    ("4.3.3", SystemError),
    ("4.3.5", SystemError),
    ("4.4.1", Expired),
    ("4.4.2", NetworkError),
    ("4.4.3", SystemError),
    ("4.4.4", NetworkError),
    ("4.4.5", SystemFull),
    ("4.4.6", NetworkError),
    ("4.4.7", Expired),
    ("4.4.8", NetworkError),
    ("4.5.3", SystemError),
    ("4.5.5", SystemError),
    ("4.6.0", ContentError),
    ("4.6.2", ContentError),
    ("4.6.5", ContentError),
    ("4.7.1", Blocked),
    ("4.7.2", Blocked),
    ("4.7.5", SecurityError),
    ("4.7.6", SecurityError),
    ("4.7.7", SecurityError),
    ("4.7.12", SecurityError),
    ("4.7.15", SecurityError),
    ("4.7.16", MesgTooBig),
    ("4.7.24", AuthFailure),
    ("4.7.25", RequirePtr),
    ("4.7.26", AuthFailure),
    ("5.1.0", UserUnknown),
    ("5.1.1", UserUnknown),
    ("5.1.2", HostUnknown),
    ("5.1.3", UserUnknown),
    ("5.1.4", Filtered),
    ("5.1.6", HasMoved),
    ("5.1.7", Rejected),
    ("5.1.8", Rejected),
    ("5.1.9", SystemError),
    ("5.1.10", NotAccept),
    ("5.2.0", Filtered),
    ("5.2.1", Filtered),
    ("5.2.2", MailboxFull),
    ("5.2.3", ExceedLimit),
    ("5.2.4", Filtered),
    ("5.3.0", SystemError),
    ("5.3.1", SystemFull),
    ("5.3.2", NotAccept),
    ("5.3.3", SystemError),
    ("5.3.4", MesgTooBig),
    ("5.3.5", SystemError),
    ("5.4.0", NetworkError),
    ("5.4.3", SystemError),
    ("5.4.4", HostUnknown),
    ("5.5.2", SyntaxError),
    ("5.5.3", TooManyConn),
    ("5.5.4", SystemError),
    ("5.5.5", SystemError),
    ("5.5.6", SyntaxError),
    ("5.6.0", ContentError),
    ("5.6.1", ContentError),
    ("5.6.2", ContentError),
    ("5.6.3", ContentError),
    ("5.6.5", ContentError),
    ("5.6.6", ContentError),
    ("5.6.7", ContentError),
    ("5.6.8", ContentError),
    ("5.6.9", ContentError),
    ("5.7.0", SecurityError),
    ("5.7.1", SecurityError),
    ("5.7.2", SecurityError),
    ("5.7.3", SecurityError),
    ("5.7.4", SecurityError),
    ("5.7.5", SecurityError),
    ("5.7.6", SecurityError),
    ("5.7.7", SecurityError),
    ("5.7.8", SecurityError),
    ("5.7.9", SecurityError),
    ("5.7.10", SecurityError),
    ("5.7.11", SecurityError),
    ("5.7.13", Suspend),
    ("5.7.14", SecurityError),
    ("5.7.15", SecurityError),
    ("5.7.16", MesgTooBig),
    ("5.7.17", HasMoved),
    ("5.7.18", HasMoved),
    ("5.7.19", SecurityError),
    ("5.7.20", AuthFailure),
    ("5.7.21", AuthFailure),
    ("5.7.22", AuthFailure),
    ("5.7.23", AuthFailure),
    ("5.7.24", AuthFailure),
    ("5.7.25", RequirePtr),
    ("5.7.26", AuthFailure),
    ("5.7.27", NotAccept),
    ("5.7.28", SpamDetected),
    ("5.7.29", AuthFailure),
    ("5.7.30", FailedStartTls),
];

/// What `status` names on its own, if anything.
fn by_code(status: &str) -> Option<BounceReason> {
    STATUS_CODES.iter().find(|(code, _)| *code == status).map(|(_, reason)| *reason)
}

/// Reasons a status code names only loosely: words may say better.
fn is_vague(reason: BounceReason) -> bool {
    matches!(
        reason,
        Undefined | OnHold | SystemError | SecurityError | Expired | NetworkError | HostUnknown | UserUnknown
    )
}

/// The pseudo code of a reason when the report gave no status code at all (`X.0.9nn`, never a real code).
pub(crate) fn pseudo_code(reason: BounceReason, temporary: bool) -> String {
    let detail = match reason {
        Undefined => 900,
        OnHold => 901,
        SyntaxError => 902,
        Suppressed => 903,
        NoRelaying => 909,
        Filtered => 910,
        UserUnknown => 911,
        HostUnknown => 912,
        HasMoved => 916,
        Rejected => 918,
        Suspend => 921,
        MailboxFull => 922,
        ExceedLimit => 923,
        AuthFailure => 926,
        SystemError => 930,
        SystemFull => 931,
        NotAccept => 932,
        MesgTooBig => 934,
        MailerError => 939,
        NetworkError => 944,
        TooManyConn => 945,
        Speeding => 946,
        Expired => 947,
        ContentError => 960,
        SecurityError => 970,
        Blocked => 971,
        PolicyViolation => 972,
        RequirePtr => 973,
        NotCompliantRfc => 974,
        BadReputation => 975,
        FailedStartTls => 976,
        SpamDetected => 980,
        VirusDetected => 981,
        Delivered => return "2.0.0".to_string(),
        Feedback | Vacation => return String::new(),
    };
    let permanent_only = matches!(reason, UserUnknown | HostUnknown | HasMoved);
    let class = if temporary && !permanent_only { 4 } else { 5 };
    format!("{class}.0.{detail}")
}

/// Whether `status` is a pseudo code ([`pseudo_code`]) rather than one a server gave.
pub(crate) fn is_pseudo(status: &str) -> bool {
    let mut parts = status.split('.');
    let (_, subject, detail) = (parts.next(), parts.next(), parts.next());
    subject == Some("0") && detail.is_some_and(|d| d.len() == 3 && d.starts_with('9'))
}

/// Whether the server's answer says the failure is temporary.
fn says_temporary(text: &str, reply: Option<u16>) -> bool {
    reply.is_some_and(|c| (400..500).contains(&c))
        || contains_words(text, "temporary")
        || contains_words(text, "temporarily")
        || contains_words(text, "persistent")
}

/// The status code to keep when the report's `Status` field and the server's words disagree: a generic code
/// gives way to a specific one, and the reply code's class settles a conflict of classes.
pub(crate) fn prefer(field: Option<&str>, in_text: Option<&str>, reply: Option<u16>) -> Option<String> {
    let (field, in_text) = match (field, in_text) {
        (None, in_text) => return in_text.map(str::to_string),
        (Some(field), None) => return Some(field.to_string()),
        (Some(field), Some(in_text)) if field == in_text => return Some(field.to_string()),
        (Some(field), Some(in_text)) => (field, in_text),
    };
    let class_of = |code: &str| code.chars().next();
    if let Some(reply_class) = reply.and_then(|r| r.to_string().chars().next()) {
        match (class_of(field) == Some(reply_class), class_of(in_text) == Some(reply_class)) {
            (true, false) => return Some(field.to_string()),
            (false, true) => return Some(in_text.to_string()),
            _ => {}
        }
    }
    let generic = |code: &str| code.ends_with(".0.0");
    let zero_part = |code: &str| code.split('.').skip(1).any(|part| part == "0");
    let text_wins = (generic(field) && !generic(in_text))
        || (zero_part(field) && !zero_part(in_text))
        || matches!(field, "4.4.7" | "4.7.0")
        || field.starts_with("5.3.")
        || [".5.1", ".5.2", ".5.4", ".5.5"].iter().any(|s| field.ends_with(s) && field.len() == 5)
        || (field == "5.1.3" && in_text.starts_with("5.7."));
    Some(if text_wins && !generic(in_text) { in_text } else { field }.to_string())
}

/// What one recipient's refusal is: its status code and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judged {
    /// The enhanced status code kept, or the reason's pseudo code when there was none.
    pub status: String,
    pub reason: BounceReason,
    /// The SMTP stage of the refusal, when known.
    pub stage: Option<Stage>,
}

/// Settles one recipient's status code and reason from the report's `Status` field (may be empty), the
/// server's words, the stage (when the report names it outside the words) and whether the report only
/// says delivery is delayed.
pub fn judge(status_field: &str, diagnostic: &str, stage: Option<Stage>, delayed: bool) -> Judged {
    let text = mail::normalise(diagnostic);
    let reply = codes::find_smtp_code(diagnostic);
    let field = codes::parse_status(status_field.split_whitespace().next().unwrap_or_default());
    let status =
        prefer(field.as_deref(), codes::find_status(diagnostic).as_deref(), reply).unwrap_or_default();
    let stage = stage_in(&text).or(stage);
    let found = Found::of(&text);
    let evidence =
        Evidence { text: &text, found, status: &status, code: by_code(&status), stage, reply, delayed };
    let reason = evidence.reason();
    let status =
        if status.is_empty() { pseudo_code(reason, delayed || says_temporary(&text, reply)) } else { status };
    Judged { status, reason, stage }
}

/// What one recipient's refusal gives to read.
struct Evidence<'a> {
    text: &'a str,
    found: Found,
    status: &'a str,
    code: Option<BounceReason>,
    stage: Option<Stage>,
    reply: Option<u16>,
    delayed: bool,
}

impl Evidence<'_> {
    fn says(&self, phrases: &[&str]) -> bool {
        self.found.any(phrases)
    }

    fn coded(&self, reason: BounceReason) -> bool {
        self.code == Some(reason)
    }

    fn before_data(&self) -> bool {
        self.stage.is_some_and(Stage::before_data)
    }

    fn reason(&self) -> BounceReason {
        if self.status.starts_with('2') {
            return Delivered;
        }
        if self.text.starts_with("x-unix") {
            return MailerError;
        }
        if let Some((_, reason)) = PROVIDERS.iter().find(|(phrase, _)| self.found.has(phrase)) {
            return *reason;
        }
        let found = self.explicit().or_else(|| self.another()).or_else(|| self.fallback());
        let found = match found {
            Some(reason) => reason,
            None if self.delayed => Expired,
            None if self.says(words::VACATION) => Vacation,
            None if !self.text.is_empty() => OnHold,
            None => Undefined,
        };
        match found {
            OnHold | Undefined => self.by_reply().unwrap_or(found),
            _ => found,
        }
    }

    /// Evidence that names a reason outright, most specific first.
    fn explicit(&self) -> Option<BounceReason> {
        use words::*;
        let has_status = !self.status.is_empty();
        let checks: [(BounceReason, bool); 19] = [
            (MailboxFull, has_status && (self.coded(MailboxFull) || self.says(MAILBOX_FULL))),
            (MesgTooBig, self.coded(MesgTooBig) || (!self.coded(ExceedLimit) && self.says(MESG_TOO_BIG))),
            (ExceedLimit, has_status && (self.coded(ExceedLimit) || self.says(EXCEED_LIMIT))),
            (Suspend, self.coded(Suspend) || self.says(SUSPEND)),
            (HasMoved, self.coded(HasMoved) || self.says(HAS_MOVED)),
            (NoRelaying, self.stage != Some(Stage::Connect) && self.says(NO_RELAYING)),
            (AuthFailure, has_status && (self.coded(AuthFailure) || self.says(AUTH_FAILURE))),
            (UserUnknown, self.user_unknown()),
            (Filtered, self.filtered()),
            (RequirePtr, self.coded(RequirePtr) || self.says(REQUIRE_PTR)),
            (NotCompliantRfc, self.says(NOT_COMPLIANT_RFC)),
            (BadReputation, self.says(BAD_REPUTATION)),
            (ContentError, !self.spam() && (self.coded(ContentError) || self.says(CONTENT_ERROR))),
            (Rejected, self.rejected()),
            (HostUnknown, self.host_unknown()),
            (SpamDetected, self.spam()),
            (Speeding, self.says(SPEEDING)),
            (TooManyConn, self.coded(TooManyConn) || self.says(TOO_MANY_CONN)),
            (Blocked, self.coded(Blocked) || self.says(BLOCKED)),
        ];
        checks.into_iter().find(|(_, yes)| *yes).map(|(reason, _)| reason)
    }

    /// A dead address: a code that says so (unless the words say it is something else), or the words at
    /// `RCPT TO` (or with no code and no stage at all, as plain-text notices give them).
    fn user_unknown(&self) -> bool {
        use words::*;
        if self.coded(Suspend) || self.coded(Rejected) {
            return false;
        }
        if self.coded(UserUnknown) {
            let other = [NO_RELAYING, BLOCKED, MAILBOX_FULL, HAS_MOVED, NOT_ACCEPT];
            return !other.iter().any(|phrases| self.says(phrases)) && !self.sender_refused();
        }
        // With no stage named, a refusal about the address (no code, or an X.1.x addressing code) is taken as
        // answered at RCPT TO, as plain-text notices and mailbox providers give them.
        let addressing = self.status.is_empty() || self.status.get(1..3) == Some(".1");
        let at_rcpt = self.stage == Some(Stage::RcptTo) || (self.stage.is_none() && addressing);
        at_rcpt && self.says(USER_UNKNOWN) && !self.sender_refused()
    }

    /// Refused by the recipient's side once it read the message, or "user unknown" where the code or the
    /// stage says it is not about the address.
    fn filtered(&self) -> bool {
        use words::*;
        if self.coded(Suspend) || self.coded(Rejected) || self.sender_refused() {
            return false;
        }
        if self.coded(Filtered) {
            return self.says(FILTERED) || self.says(USER_UNKNOWN);
        }
        !self.before_data() && (self.says(FILTERED) || self.says(USER_UNKNOWN))
    }

    fn sender_refused(&self) -> bool {
        self.says(words::REJECTED) && !self.says(words::NOT_SENDER)
    }

    /// The sender refused: a code that says so, or the words at `MAIL FROM` (or after `DATA`, or where the
    /// code says nothing better).
    fn rejected(&self) -> bool {
        if self.coded(Rejected) {
            return true;
        }
        let fitting_stage = match self.stage {
            Some(Stage::MailFrom) => true,
            Some(Stage::Data) => !self.coded(UserUnknown),
            _ => self.code.is_none_or(|c| matches!(c, SecurityError | SystemError)),
        };
        fitting_stage && self.sender_refused()
    }

    fn host_unknown(&self) -> bool {
        if self.coded(HostUnknown) {
            return !self.says(words::NETWORK_ERROR);
        }
        self.says(words::HOST_UNKNOWN)
    }

    fn spam(&self) -> bool {
        !self.status.is_empty()
            && (self.coded(SpamDetected) || (!self.before_data() && self.says(words::SPAM)))
    }

    /// What a code means where it is specific, then weaker words, then a vague code.
    fn another(&self) -> Option<BounceReason> {
        use words::*;
        if let Some(code) = self.code.filter(|c| !is_vague(*c)) {
            return Some(code);
        }
        let weaker: [(BounceReason, &[&str]); 19] = [
            (MailboxFull, MAILBOX_FULL),
            (AuthFailure, AUTH_FAILURE),
            (BadReputation, BAD_REPUTATION),
            (Speeding, SPEEDING),
            (SpamDetected, SPAM),
            (VirusDetected, if self.before_data() { &[] } else { VIRUS }),
            (PolicyViolation, POLICY),
            (NoRelaying, NO_RELAYING),
            (SystemError, SYSTEM_ERROR),
            (NetworkError, NETWORK_ERROR),
            (Suspend, SUSPEND),
            (ContentError, CONTENT_ERROR),
            (SystemFull, SYSTEM_FULL),
            (NotAccept, NOT_ACCEPT),
            (Expired, EXPIRED),
            (FailedStartTls, FAILED_STARTTLS),
            (SecurityError, SECURITY),
            (MailerError, MAILER_ERROR),
            (UserUnknown, USER_UNKNOWN),
        ];
        weaker.iter().find(|(_, phrases)| self.says(phrases)).map(|(reason, _)| *reason).or(self.code)
    }

    /// The class and subject of a code nothing else placed.
    fn fallback(&self) -> Option<BounceReason> {
        let subject = self.status.get(1..4).unwrap_or_default();
        match subject {
            ".6." => Some(ContentError),
            ".7." => Some(SecurityError),
            _ if self.reply.is_some_and(|r| (401..=407).contains(&r) || (501..=507).contains(&r)) => {
                Some(SyntaxError)
            }
            _ if self.delayed => Some(Expired),
            _ if self.stage == Some(Stage::Connect) => Some(Blocked),
            _ => None,
        }
    }

    /// What the SMTP reply code alone says, for a refusal nothing else placed.
    fn by_reply(&self) -> Option<BounceReason> {
        Some(match self.reply? {
            422 | 432 | 523..=525 | 534 | 535 | 538 => SecurityError,
            451 => SystemError,
            452 => SystemFull,
            552 => MailboxFull,
            500..=504 => SyntaxError,
            521 | 556 => NotAccept,
            _ => return None,
        })
    }
}

/// The reason for a refusal with enhanced status code `status` (may be empty) and the server's words
/// `diagnostic`, as [`judge`] reads it with no other context.
pub fn reason_for(status: &str, diagnostic: &str) -> BounceReason {
    judge(status, diagnostic, None, false).reason
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (status, diagnostic, expected reason): servers' words of each kind.
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
        ("", "Sorry, no mailbox here by that name. (#5.1.1)", UserUnknown),
        ("5.1.1", "", UserUnknown),
        ("5.2.2", "552 5.2.2 <carol@example.org>: Quota exceeded (mailbox for user is full)", MailboxFull),
        ("5.2.2", "", MailboxFull),
        (
            "5.1.2",
            "Host or domain name not found. Name service error for name=example.invalid type=A",
            HostUnknown,
        ),
        ("5.4.4", "", HostUnknown),
        ("", "Unrouteable address", HostUnknown),
        (
            "5.7.1",
            "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org",
            Blocked,
        ),
        ("5.7.606", "550 5.7.606 Access denied, banned sending IP [203.0.113.7]", Blocked),
        (
            "5.7.1",
            "550 5.7.1 Message rejected as spam by Content Filtering (in reply to end of DATA command)",
            SpamDetected,
        ),
        (
            "5.7.26",
            "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy",
            AuthFailure,
        ),
        (
            "5.7.25",
            "550 5.7.25 The IP address sending this message does not have a PTR record setup",
            RequirePtr,
        ),
        ("5.7.1", "", SecurityError),
        ("4.4.7", "Delivery time expired", Expired),
        ("", "I'm not going to try again; this message has been in the queue too long.", Expired),
        ("5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size", MesgTooBig),
        ("5.2.3", "", ExceedLimit),
        ("5.7.1", "554 5.7.1 <bob@example.net>: Relay access denied", NoRelaying),
        ("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled.", Suspend),
        ("5.1.6", "", HasMoved),
        ("5.1.10", "", NotAccept),
        (
            "5.1.0",
            "550 5.1.0 <sales@example.com>: Sender address rejected: Domain not found (in reply to MAIL FROM command)",
            Rejected,
        ),
        ("4.4.1", "connect to mx.example.net[198.51.100.4]:25: Connection timed out", Expired),
        ("5.0.0", "554 Transaction failed", SystemError),
        ("5.0.0", "550 5.0.0 something nobody can place", OnHold),
        ("", "", Undefined),
        ("", "552 sorry", MailboxFull),
        ("5.4.6", "554 5.4.6 Hop count exceeded - possible mail loop", NetworkError),
        ("4.3.1", "452 4.3.1 Insufficient system storage", SystemFull),
        ("5.5.1", "503 5.5.1 Error: need RCPT command", SyntaxError),
        (
            "5.7.0",
            "554 5.7.0 Virus found in message: Eicar-Test-Signature (in reply to end of DATA command)",
            VirusDetected,
        ),
        ("5.7.30", "", FailedStartTls),
        ("2.0.0", "250 2.0.0 OK", Delivered),
        (
            "5.7.1",
            "550-5.7.1 [192.0.2.9] The IP you're using to send mail is not authorized to send email directly to our servers.",
            Blocked,
        ),
        ("5.7.9", "550 5.7.9 This mail has been blocked because the sender is unauthenticated.", AuthFailure),
        (
            "5.7.2",
            "553 5.7.2 [TSS09] All messages from 192.0.2.9 will be permanently deferred; Retrying will NOT succeed.",
            Rejected,
        ),
        (
            "5.7.133",
            "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required",
            Filtered,
        ),
        (
            "4.7.650",
            "451 4.7.650 The mail server [192.0.2.9] has been temporarily rate limited due to IP reputation.",
            BadReputation,
        ),
        ("5.7.9", "554 5.7.9 Message not accepted for policy reasons.", PolicyViolation),
    ];

    #[test]
    fn reasons_come_from_the_words_the_code_and_the_stage() {
        for (status, diagnostic, expected) in CASES {
            assert_eq!(reason_for(status, diagnostic), *expected, "{status} {diagnostic}");
        }
    }

    #[test]
    fn the_stage_turns_user_unknown_into_a_filter_after_data() {
        let at_rcpt = "550 5.0.0 User unknown (in reply to RCPT TO command)";
        assert_eq!(reason_for("5.0.0", at_rcpt), UserUnknown);
        let after_data = "550 5.0.0 User unknown (in reply to end of DATA command)";
        assert_eq!(reason_for("5.0.0", after_data), Filtered);
        assert_eq!(reason_for("5.7.1", "550 5.7.1 user unknown"), Filtered, "a non-X.1.x code is a filter");
        let sender = "550 5.7.1 Sender address rejected: not owned by user (in reply to MAIL FROM command)";
        assert_eq!(reason_for("5.7.1", sender), Rejected);
    }

    #[test]
    fn a_specific_code_in_the_words_beats_a_generic_status_field() {
        let judged = judge("5.0.0", "550 5.1.1 <bob@example.net>: User unknown", None, false);
        assert_eq!((judged.status.as_str(), judged.reason), ("5.1.1", UserUnknown));
        assert_eq!(prefer(Some("5.1.1"), Some("4.2.2"), Some(452)).as_deref(), Some("4.2.2"));
        assert_eq!(prefer(Some("5.2.2"), Some("5.0.0"), Some(552)).as_deref(), Some("5.2.2"));
        assert_eq!(prefer(None, None, Some(550)), None);
    }

    #[test]
    fn without_any_code_the_reason_gives_its_pseudo_code() {
        let judged = judge("", "Sorry, this user doesn't have a example.net account", None, false);
        assert_eq!((judged.status.as_str(), judged.reason), ("5.0.911", UserUnknown));
        let full = judge("", "mailbox is full, will retry: temporary failure", None, true);
        assert_eq!((full.status.as_str(), full.reason), ("4.0.922", MailboxFull));
    }

    #[test]
    fn phrases_match_whole_words_and_pieces_in_order() {
        assert!(contains_words("blocked using rbl.example", "rbl"));
        assert!(!contains_words("the verbless sentence", "rbl"));
        assert!(!contains_words("blocked by spamhaus", "spam"));
        assert!(contains_words("is it spam?", "spam"));
        assert!(matches_phrase("the mailbox of bob is full", "mailbox … is full"));
        assert!(!matches_phrase("is full, the mailbox", "mailbox … is full"));
        assert!(matches_phrase("宛先のアドレスは存在しません", "存在しません"));
    }

    #[test]
    fn every_phrase_is_lower_case_so_it_can_match() {
        let tables = words::ALL;
        for phrase in tables.iter().flat_map(|t| t.iter()) {
            assert_eq!(*phrase, mail::normalise(phrase), "{phrase}");
        }
    }

    proptest::proptest! {
        /// The one-pass reading finds exactly the phrases a plain search for each finds.
        #[test]
        fn one_pass_finds_what_a_search_for_each_phrase_finds(
            picks in proptest::collection::vec((0usize..2000, "[ a-z.,:;'()-]{0,6}"), 0..12),
        ) {
            let all: Vec<&str> = words::ALL.iter().flat_map(|t| t.iter().copied()).collect();
            let text: String = picks
                .iter()
                .map(|(n, noise)| format!("{}{noise}", all[n % all.len()].replace('…', "x")))
                .collect::<Vec<_>>()
                .join(" ");
            let text = mail::normalise(&text);
            let found = Found::of(&text);
            for phrase in &all {
                proptest::prop_assert_eq!(found.has(phrase), matches_phrase(&text, phrase), "{} in {}", phrase, text);
            }
        }
    }

    #[test]
    fn every_status_code_in_the_table_is_a_code() {
        for (code, _) in STATUS_CODES {
            assert_eq!(codes::parse_status(code).as_deref(), Some(*code));
        }
    }
}
