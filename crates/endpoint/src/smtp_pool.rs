//! A pool of SMTP connections for the configured relay, with `TCP_NODELAY` on the socket.
//!
//! lettre writes a message's content and its closing `.` in two writes. With Nagle's algorithm on, the
//! second write waits for the ACK of the first, which the server delays (it answers only after the `.`):
//! about 40 ms lost on every message. So connections for `smtp://` URLs (plain or with STARTTLS) are
//! opened here on our own socket with Nagle off, then handed to lettre's SMTP client. `smtps://`
//! (implicit TLS) goes through lettre's own connector.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::Error;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::net::TcpStream;

use crate::mailer::Gate;

/// How TLS is used, as the URL's scheme and `tls` parameter say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TlsMode {
    /// `smtp://host` (port 25 by default).
    None,
    /// `smtp://host?tls=opportunistic`: STARTTLS when offered (port 587 by default).
    Opportunistic,
    /// `smtp://host?tls=required`: STARTTLS or fail (port 587 by default).
    Required,
    /// `smtps://host`: TLS from the first byte (port 465 by default).
    Implicit,
}

/// The relay and its connections.
pub struct SmtpPool {
    host: String,
    port: u16,
    tls: TlsMode,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    max_idle: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

/// Idle connections older than this are closed rather than reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle connections older than this are checked with NOOP before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(5);

impl SmtpPool {
    /// A pool for `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://...`.
    pub fn from_url(url: &str) -> Result<SmtpPool, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("the SMTP URL is not a URL: {e}"))?;
        let tls_param = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (tls, default_port) = match (parsed.scheme(), tls_param.as_deref()) {
            ("smtp", None) => (TlsMode::None, 25),
            ("smtp", Some("opportunistic")) => (TlsMode::Opportunistic, 587),
            ("smtp", Some("required")) => (TlsMode::Required, 587),
            ("smtps", _) => (TlsMode::Implicit, 465),
            (scheme, tls) => {
                return Err(format!(
                    "unknown SMTP URL scheme \"{scheme}\" or tls parameter {tls:?} (use smtp://, \
                     smtp://...?tls=required, smtp://...?tls=opportunistic or smtps://)"
                ));
            }
        };
        let host = parsed.host_str().ok_or("the SMTP URL has no host")?.to_string();
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let credentials =
            parsed.password().map(|password| Credentials::new(decode(parsed.username()), decode(password)));
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        Ok(SmtpPool {
            host,
            port: parsed.port().unwrap_or(default_port),
            tls,
            credentials,
            hello,
            timeout: Duration::from_secs(30),
            max_idle: 8,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one message on a pooled connection (opening one when none is idle). The content goes only once
    /// `gate` opens; a closed gate withdraws the message before it (`RSET`). A connection that saw an error
    /// is closed, never reused.
    pub async fn send(&self, envelope: &Envelope, bytes: &[u8], gate: &mut Gate) -> Result<(), PoolError> {
        let mut connection = match self.take_idle().await {
            Some(connection) => connection,
            None => self.connect().await?,
        };
        let mut stage = Stage::Envelope;
        let sent =
            tokio::time::timeout(self.timeout, transact(&mut connection, envelope, bytes, gate, &mut stage))
                .await;
        match sent {
            Ok(Ok(())) => {
                self.put_back(connection);
                Ok(())
            }
            Ok(Err(PoolError::Withdrawn)) => {
                self.put_back(connection);
                Err(PoolError::Withdrawn)
            }
            Ok(Err(err)) => {
                connection.abort().await;
                Err(match err {
                    // No answer to the content: it may have been delivered.
                    PoolError::Smtp(err) if stage == Stage::Content && err.status().is_none() => {
                        PoolError::Unknown(err.to_string())
                    }
                    other => other,
                })
            }
            Err(_) => {
                connection.abort().await;
                Err(match stage {
                    Stage::Envelope => lettre_timeout(),
                    Stage::Content => PoolError::Unknown("the SMTP server did not answer in time".into()),
                })
            }
        }
    }

    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut connection, since) = self.idle.lock().ok()?.pop()?;
            let age = since.elapsed();
            if age > IDLE_TIMEOUT || connection.has_broken() {
                connection.abort().await;
                continue;
            }
            if age > CHECK_AFTER && !connection.test_connected().await {
                continue;
            }
            return Some(connection);
        }
    }

    fn put_back(&self, connection: AsyncSmtpConnection) {
        if connection.has_broken() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.max_idle
        {
            idle.push((connection, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, PoolError> {
        let tls = || TlsParameters::new(self.host.clone());
        let mut connection = if self.tls == TlsMode::Implicit {
            let server = (self.host.as_str(), self.port);
            AsyncSmtpConnection::connect_tokio1(server, Some(self.timeout), &self.hello, Some(tls()?), None)
                .await?
        } else {
            let stream =
                tokio::time::timeout(self.timeout, TcpStream::connect((self.host.as_str(), self.port)))
                    .await
                    .map_err(|_| lettre_timeout())?
                    .map_err(connection_error)?;
            stream.set_nodelay(true).map_err(connection_error)?;
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await?
        };
        let starttls = match self.tls {
            TlsMode::Required => true,
            TlsMode::Opportunistic => connection.can_starttls(),
            TlsMode::None | TlsMode::Implicit => false,
        };
        if starttls {
            connection.starttls(tls()?, &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        Ok(connection)
    }
}

/// How far one message's conversation got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Sender, recipients and `DATA`: a failure here means nothing was delivered.
    Envelope,
    /// The server said go ahead (354) and the content is on its way: only its answer tells whether the
    /// message was taken.
    Content,
}

/// One message's SMTP transaction (`MAIL`, `RCPT` for each recipient, then — once `gate` opens — `DATA`
/// and the content), keeping `stage` up to date so a lost answer can be told from a refusal.
async fn transact(
    connection: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
    gate: &mut Gate,
    stage: &mut Stage,
) -> Result<(), PoolError> {
    let server = connection.server_info();
    let mut options = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    let non_ascii = envelope.from().is_some_and(|a| !ascii(a)) || !envelope.to().iter().all(ascii);
    if non_ascii {
        if !server.supports_feature(Extension::SmtpUtfEight) {
            return Err(PoolError::Unsupported(
                "the SMTP server does not take addresses with accents (SMTPUTF8)",
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !server.supports_feature(Extension::EightBitMime) {
            return Err(PoolError::Unsupported("the SMTP server does not take 8-bit messages (8BITMIME)"));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    connection.command(Mail::new(envelope.from().cloned(), options)).await?;
    for recipient in envelope.to() {
        connection.command(Rcpt::new(recipient.clone(), Vec::new())).await?;
    }
    if !gate.opened().await {
        connection.command(Rset).await?;
        return Err(PoolError::Withdrawn);
    }
    connection.command(Data).await?;
    *stage = Stage::Content;
    connection.message(bytes).await?;
    Ok(())
}

/// Why a message could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// What the SMTP client reported (a refusal with its code, or a broken conversation).
    #[error(transparent)]
    Smtp(#[from] Error),
    /// The server could not be reached, or did not answer in time, before the message was sent.
    #[error("{0}")]
    Network(String),
    /// The content was sent and no answer came: the message may have been delivered, so it is never
    /// sent again by itself.
    #[error(
        "no answer after the message was sent ({0}): it may have been delivered, so it is not sent again"
    )]
    Unknown(String),
    /// The server cannot take this message as it is.
    #[error("{0}")]
    Unsupported(&'static str),
    /// Withdrawn before its content, as the gate said: nothing was handed over.
    #[error("withdrawn before its content")]
    Withdrawn,
}

fn lettre_timeout() -> PoolError {
    PoolError::Network("the SMTP server did not answer in time".into())
}

fn connection_error(err: std::io::Error) -> PoolError {
    PoolError::Network(format!("cannot connect to the SMTP server: {err}"))
}
