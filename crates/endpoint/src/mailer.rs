//! Outgoing mail: builds the message of an email (Message-ID, VERP return path, tracking, one-click
//! unsubscribe) and hands it to the configured SMTP server, or writes it to the outbox folder when none is
//! configured.
//!
//! Decides nothing about the email's status: it reports what the server answered as a [`SendOutcome`],
//! and the scheduler turns that into a transition through the domain.

use std::path::PathBuf;

use domain::Email;
use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};

use crate::dkim::DkimKeys;
use crate::smtp_pool::{PoolError, SmtpPool};
use crate::tracking::{Target, TrackingKeys, instrument_html};

/// A message ready to go: its envelope, its Message-ID and its bytes.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub envelope: Envelope,
    /// Without angle brackets.
    pub message_id: String,
    pub bytes: Vec<u8>,
}

/// Whether a message's content may be handed over: opened by a task running beside the conversation with
/// the relay (the scheduler marks the email In progress meanwhile), waited for just before the content goes.
/// Asked again after the conversation, it gives the same answer.
pub struct Gate {
    opening: Option<tokio::task::JoinHandle<bool>>,
    open: Option<bool>,
}

impl Gate {
    /// A gate that opens when `opening` answers true.
    pub fn new(opening: tokio::task::JoinHandle<bool>) -> Gate {
        Gate { opening: Some(opening), open: None }
    }

    /// Waits for the answer (once; then it is kept).
    pub async fn opened(&mut self) -> bool {
        if let Some(open) = self.open {
            return open;
        }
        let open = match self.opening.as_mut() {
            // Polled by reference: a wait that is given up can be taken up again.
            Some(opening) => opening.await.unwrap_or(false),
            None => false,
        };
        self.opening = None;
        self.open = Some(open);
        open
    }
}

/// What the receiving side said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted (250).
    Delivered,
    /// Refused for good (5xx at RCPT or DATA), with the code and the server's words.
    Bounced { code: u16, text: String },
    /// Not now (4xx, connection refused or dropped): may be tried again.
    Transient { reason: String },
    /// Cannot be sent as it is (the message could not be built or the transport is broken).
    Failed { reason: String },
    /// The gate stayed closed: withdrawn before its content, nothing handed over.
    Withdrawn,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the address {0} cannot be used in a message: {1}")]
    Address(String, String),
    #[error("the message cannot be built: {0}")]
    Message(String),
}

/// Where messages go.
pub enum Transport {
    Smtp(SmtpPool),
    /// No SMTP server configured: messages are written here as `.eml` files and count as delivered.
    Outbox(PathBuf),
}

impl std::fmt::Debug for Transport {
    /// Never prints the SMTP URL, which may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Outbox(path) => write!(f, "Transport::Outbox({})", path.display()),
        }
    }
}

impl Transport {
    /// An SMTP transport for a URL like `smtp://host:2525`, `smtp://host:587?tls=required` or
    /// `smtps://user:pass@host:465`, with a pool of connections.
    pub fn smtp(url: &str) -> Result<Transport, String> {
        Ok(Transport::Smtp(SmtpPool::from_url(url)?))
    }

    /// Hands `message` over once `gate` opens.
    pub async fn send(&self, message: &Outgoing, gate: &mut Gate) -> SendOutcome {
        match self {
            Transport::Smtp(smtp) => match smtp.send(&message.envelope, &message.bytes, gate).await {
                Ok(()) => SendOutcome::Delivered,
                Err(PoolError::Withdrawn) => SendOutcome::Withdrawn,
                Err(PoolError::Smtp(err)) if err.is_permanent() => SendOutcome::Bounced {
                    code: err.status().map(|c| code_number(&c.to_string())).unwrap_or(550),
                    text: std::error::Error::source(&err).map(|s| s.to_string()).unwrap_or_default(),
                },
                Err(err @ (PoolError::Unknown(_) | PoolError::Unsupported(_))) => {
                    SendOutcome::Failed { reason: err.to_string() }
                }
                Err(err) => SendOutcome::Transient { reason: err.to_string() },
            },
            Transport::Outbox(_) if !gate.opened().await => SendOutcome::Withdrawn,
            Transport::Outbox(dir) => {
                let path = dir.join(format!("{}.eml", message.message_id.replace(['/', '\\'], "_")));
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, &message.bytes).await
                };
                match write.await {
                    Ok(()) => SendOutcome::Delivered,
                    Err(err) => {
                        SendOutcome::Transient { reason: format!("cannot write to the outbox: {err}") }
                    }
                }
            }
        }
    }
}

fn code_number(code: &str) -> u16 {
    code.parse().unwrap_or(550)
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

fn address(text: &str) -> Result<Address, BuildError> {
    text.parse::<Address>().map_err(|e| BuildError::Address(text.to_string(), e.to_string()))
}

/// Builds the message of `email`: tracking unless `track` is false, a Message-ID and a VERP return path on
/// `domain` (the sender's domain when `None`), one-click unsubscribe through `base`, the rep's name beside
/// their address in From, and DKIM signatures with the sender's domain's keys.
pub struct Sender<'a> {
    pub name: Option<&'a str>,
    pub dkim: &'a DkimKeys,
}

pub fn build(
    email: &Email,
    keys: &TrackingKeys,
    base: &str,
    domain: Option<&str>,
    track: bool,
    sender: Sender<'_>,
) -> Result<Outgoing, BuildError> {
    let message_id = email.message_id(domain);
    let domain = email.mail_domain(domain);
    let from = Mailbox::new(sender.name.map(str::to_string), address(email.sender.as_str())?);
    let to = Mailbox::new(None, address(email.recipient.as_str())?);
    let unsubscribe = keys.sign(&Target::Unsubscribe { e: email.id });
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .header(ListUnsubscribe(format!("<{base}/u/{unsubscribe}>")))
        .header(ListUnsubscribePost);
    let mut recipients = vec![address(email.recipient.as_str())?];
    for cc in &email.cc {
        builder = builder.cc(Mailbox::new(None, address(cc.as_str())?));
        recipients.push(address(cc.as_str())?);
    }
    let html = if track && !email.html_body.is_empty() {
        instrument_html(&email.html_body, email.id, keys, base)
    } else {
        email.html_body.clone()
    };
    let message = match (email.text_body.is_empty(), html.is_empty()) {
        (_, true) => builder.singlepart(SinglePart::plain(email.text_body.clone())),
        (true, false) => builder.singlepart(SinglePart::html(html)),
        (false, false) => builder.multipart(MultiPart::alternative_plain_html(email.text_body.clone(), html)),
    }
    .map_err(|e| BuildError::Message(e.to_string()))?;
    let envelope = Envelope::new(Some(address(&inbound::verp::return_path(email.id, domain))?), recipients)
        .map_err(|e| BuildError::Message(e.to_string()))?;
    let sender_domain = email.sender.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    Ok(Outgoing { envelope, message_id, bytes: sender.dkim.signed(sender_domain, &message) })
}
