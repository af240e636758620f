//! The one inbound pipeline: a raw message (posted by the mail server to `/api/v1/inbound`, or read from a
//! rep's mailbox over IMAP) is read by the `inbound` crate, tied to the email it is about, and what it does
//! to that email is the domain's reaction (`domain::reaction`): a bounce report, a complaint, a reply or an
//! automatic one. A message is applied once, whichever path brought it: its Message-ID is unique among
//! kept messages.

use axum::body::Bytes;
use chrono::Utc;
use domain::reaction::ReportedRecipient;
use domain::sync::RecordKind;
use domain::{Email, EmailId, UserId};
use inbound::{Classification, Kind as MailKind};
use sha2::{Digest, Sha256};

use crate::engagement;
use crate::http::AppState;
use crate::store::{Store, StoreError, Tx};

/// Where a message came from, which decides what may be tied to it and what is kept.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// The mail server's hook: any user's email, and every message kept whole, whatever it is.
    Hook,
    /// A rep's own mailbox: only that rep's emails, and a message about none of them is not kept.
    Mailbox(UserId),
}

/// What became of one message.
#[derive(Debug)]
pub struct Taken {
    pub kind: MailKind,
    /// The email it was tied to, if any.
    pub email: Option<EmailId>,
    /// The number under which the raw message is kept, if it is.
    pub kept: Option<i64>,
    /// Whether the same message had already been taken (by either path): nothing was applied again.
    pub again: bool,
}

/// One message read: what it is and the key it is known by.
pub struct Read {
    raw: Bytes,
    classification: Classification,
    message_id: String,
}

/// Reads one raw message, applies it to the email it is about and keeps it, all in one transaction.
pub async fn take(state: &AppState, raw: Bytes, source: Source) -> Result<Taken, StoreError> {
    let read = read(raw).await?;
    apply_read(state, read, source).await
}

/// Reads a message (pure CPU work that can take a while for a large one: off the async threads, so
/// several can be read at once).
pub async fn read(raw: Bytes) -> Result<Read, StoreError> {
    let bytes = raw.clone();
    let classification = tokio::task::spawn_blocking(move || inbound::classify(&bytes))
        .await
        .map_err(|e| StoreError::Corrupt(format!("reading an inbound message: {e}")))?;
    let message_id = match classification.message_id.as_deref().map(bare_id).filter(|id| !id.is_empty()) {
        Some(id) => id.to_string(),
        // A message without a Message-ID is known again by its bytes.
        None => format!("sha256:{}", hex::encode(Sha256::digest(&raw))),
    };
    Ok(Read { raw, classification, message_id })
}

/// Applies a message read by [`read`] to the email it is about and keeps it, in one transaction, once per
/// Message-ID.
pub async fn apply_read(state: &AppState, read: Read, source: Source) -> Result<Taken, StoreError> {
    let Read { raw, classification, message_id } = read;
    let matched = find_email(state, &classification)
        .await?
        .filter(|email| match source {
            Source::Hook => true,
            Source::Mailbox(user) => email.owner == user,
        })
        .filter(|email| is_about(email, &classification));
    let kind = classification.kind;
    // Mail from a rep's mailbox about none of their emails is not kept: nothing to write, no lock taken.
    if matched.is_none() && matches!(source, Source::Mailbox(_)) {
        return Ok(Taken { kind, email: None, kept: None, again: false });
    }
    let mut tx = state.store.begin().await?;
    if let Some(kept) = Store::inbound_by_message_id(&mut tx, &message_id).await? {
        tx.rollback().await?;
        return Ok(Taken {
            kind,
            email: kept.email_id.and_then(|e| e.parse().ok()),
            kept: Some(kept.id),
            again: true,
        });
    }
    let seq = match &matched {
        Some(email) => apply(&mut tx, state, email, &classification).await?,
        None => None,
    };
    let encoded = serde_json::to_string(&classification).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let kept = Store::keep_inbound(
        &mut tx,
        Utc::now(),
        kind.name(),
        &encoded,
        matched.as_ref().map(|e| (e.owner, e.id)),
        Some(&message_id),
        &raw,
    )
    .await?;
    tx.commit().await?;
    if let (Some(seq), Some(email)) = (seq, &matched) {
        state.feed.changed(email.owner, seq);
    }
    Ok(Taken { kind, email: matched.map(|e| e.id), kept: Some(kept), again: false })
}

/// A Message-ID without its angle brackets.
fn bare_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

/// The email a message is about: by its VERP address, else by the Message-IDs it names.
async fn find_email(state: &AppState, c: &Classification) -> Result<Option<Email>, StoreError> {
    if let Some(id) = c.verp_email_id
        && let Some(email) = state.store.email_any_user(id).await?
    {
        return Ok(Some(email));
    }
    let named = c.original_message_id.iter().chain(&c.in_reply_to).chain(c.references.iter().rev());
    for message_id in named {
        if let Some((user, id)) = state.store.email_by_message_id(bare_id(message_id)).await? {
            return state.store.email(user, id).await;
        }
    }
    Ok(None)
}

/// Whether a message tied to `email` (by its VERP address or a Message-ID) is really about it: a bounce
/// report only when it names an address the email went to, or none at all (the domain's rule); every other
/// kind always.
fn is_about(email: &Email, c: &Classification) -> bool {
    if c.kind != MailKind::Bounce {
        return true;
    }
    let reported = reported(c);
    let about = email.is_about(&reported);
    let others = reported.iter().filter(|r| !email.goes_to(&r.address)).count() + c.recipients_left_out;
    if others > 0 {
        tracing::info!(email = %email.id, about, others, "a bounce report names addresses the email never went to: those are ignored");
    }
    about
}

/// The recipients a bounce report names, in the domain's words.
fn reported(c: &Classification) -> Vec<ReportedRecipient> {
    c.recipients.iter().map(|r| r.reported()).collect()
}

/// What the message does to the email it is about, inside `tx` (the domain's reaction, written through
/// [`engagement::apply`]). Returns the newest change number.
async fn apply(
    tx: &mut Tx,
    state: &AppState,
    found: &Email,
    c: &Classification,
) -> Result<Option<u64>, StoreError> {
    let now = Utc::now();
    let Some(mut email): Option<Email> =
        Store::get(tx, found.owner, RecordKind::Email, &found.id.to_string()).await?
    else {
        return Ok(None);
    };
    let effects = match c.kind {
        MailKind::Bounce => email.apply_bounce_report(now, &reported(c), c.evidence.as_deref()),
        MailKind::Complaint => email.apply_complaint(now, c.feedback_type.as_deref().unwrap_or("abuse")),
        MailKind::Reply | MailKind::AutoReply => {
            email.apply_reply(c.kind == MailKind::AutoReply, c.reply_text.clone())
        }
        MailKind::Other => return Ok(None),
    };
    engagement::apply(tx, &state.classifier, &email, effects, now).await
}
