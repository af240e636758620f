//! One mailbox's reader: connect, log in, open the folder read-only, take what arrived since the last UID,
//! then wait for more (IDLE, or polling), reconnecting with a growing wait after an error.

use std::fmt::Debug;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::{Client, Session};
use axum::body::Bytes;
use chrono::Utc;
use domain::UserId;
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, pki_types::ServerName};
use tokio_util::sync::CancellationToken;

use super::{Desk, ImapAddress};
use crate::http::AppState;
use crate::inbound_mail::{self, Source};
use crate::store::{Cursor, MailboxRow};

/// Messages asked for in one FETCH command.
const FETCH: usize = 500;
/// The cursor is moved after this many messages are taken.
const BATCH: usize = 50;
/// Messages being read (classified) at once while they arrive.
const READ_AT_ONCE: usize = 8;
/// The longest a connection or one command may take before the server counts as gone.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// IDLE is renewed before servers drop it (RFC 2177: 29 minutes).
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);

trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}
type Conn = Box<dyn Io>;

/// Why a session ended.
#[derive(Debug)]
enum Failure {
    /// The server refused the user name or password.
    Password(String),
    /// Anything else: the server, the network or the store. Tried again after a wait.
    Other(String),
}

impl From<async_imap::error::Error> for Failure {
    fn from(err: async_imap::error::Error) -> Self {
        Failure::Other(format!("the mail server: {err}"))
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(err: crate::store::StoreError) -> Self {
        Failure::Other(format!("the database: {err}"))
    }
}

/// Reads `user`'s mailbox until `stop` (the endpoint stops, or the link changed or was removed).
pub async fn keep_reading(state: AppState, desk: Desk, user: UserId, stop: CancellationToken) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let row = match state.store.mailbox(user).await {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(err) => {
                tracing::error!(error = %err, "a mailbox link cannot be read");
                return;
            }
        };
        let mut reached = false;
        let outcome = tokio::select! {
            () = stop.cancelled() => return,
            outcome = session(&state, &desk, &row, &stop, &mut reached) => outcome,
        };
        if reached {
            backoff = Duration::from_secs(1);
        }
        let (state_name, error, wait) = match outcome {
            Ok(()) => return,
            Err(Failure::Password(text)) => ("wrong_password", text, desk.settings.login_retry),
            Err(Failure::Other(text)) => {
                let wait = backoff;
                backoff = (backoff * 2).min(desk.settings.backoff_max);
                ("failing", text, wait)
            }
        };
        tracing::warn!(user = user.0, state = state_name, error = %error, retry_in = ?wait, "mailbox");
        let _ = state.store.mailbox_state(user, state_name, Some(&error), Utc::now()).await;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// One connection's life: returns `Ok` only when asked to stop.
async fn session(
    state: &AppState,
    desk: &Desk,
    row: &MailboxRow,
    stop: &CancellationToken,
    reached: &mut bool,
) -> Result<(), Failure> {
    let user = row.user;
    let address = ImapAddress::parse(&row.address).map_err(Failure::Other)?;
    desk.settings.allows(&address.host).map_err(Failure::Other)?;
    let password = desk.sealer.open(user.0, &row.secret).map_err(|e| Failure::Other(e.to_string()))?;
    state.store.mailbox_state(user, "connecting", None, Utc::now()).await?;
    let conn = within(connect(&address, desk.settings.allowed_hosts.is_empty())).await??;
    let mut client = Client::new(conn);
    within(client.read_response()).await?.map_err(|e| Failure::Other(format!("the mail server: {e}")))?;
    let mut session = match within(client.login(&address.username, &password)).await? {
        Ok(session) => session,
        Err((async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text), _)) => {
            return Err(Failure::Password(format!(
                "the server refused the user name or password: {}",
                text.trim()
            )));
        }
        Err((err, _)) => return Err(err.into()),
    };
    let idle = desk.settings.idle && within(session.capabilities()).await??.has_str("IDLE");
    let mut cursor = row.uid_validity.map(|uid_validity| Cursor { uid_validity, last_uid: row.last_uid });
    *reached = true;
    loop {
        state.store.mailbox_state(user, "reading", None, Utc::now()).await?;
        cursor = Some(read_new(state, desk, row, &mut session, cursor).await?);
        drain(&session);
        state.store.mailbox_state(user, if idle { "watching" } else { "polling" }, None, Utc::now()).await?;
        if idle {
            let mut handle = session.idle();
            within(handle.init()).await??;
            let heard = {
                let (wait, _interrupt) = handle.wait_with_timeout(IDLE_RENEW);
                tokio::select! {
                    () = stop.cancelled() => None,
                    heard = wait => Some(heard?),
                }
            };
            session = within(handle.done()).await??;
            match heard {
                None => break,
                // The stream ended: the server closed the connection.
                Some(IdleResponse::ManualInterrupt) => {
                    return Err(Failure::Other("the mail server closed the connection".into()));
                }
                Some(IdleResponse::Timeout | IdleResponse::NewData(_)) => {}
            }
        } else {
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(desk.settings.poll_interval) => {}
            }
            within(session.noop()).await??;
        }
    }
    let _ = within(session.logout()).await;
    Ok(())
}

/// Takes every message after the cursor (or, for a folder not read before or renumbered by the server,
/// those of the last days), moving the cursor after each batch. Returns the new cursor.
async fn read_new(
    state: &AppState,
    desk: &Desk,
    row: &MailboxRow,
    session: &mut Session<Conn>,
    cursor: Option<Cursor>,
) -> Result<Cursor, Failure> {
    let folder = within(session.examine(&row.folder)).await?.map_err(|e| match e {
        async_imap::error::Error::No(text) => {
            Failure::Other(format!("the folder “{}” cannot be opened: {}", row.folder, text.trim()))
        }
        e => e.into(),
    })?;
    let uid_validity = folder.uid_validity.unwrap_or(0);
    let (mut uids, mut last_uid): (Vec<u32>, u32) = match cursor {
        Some(c) if c.uid_validity == uid_validity => {
            let found =
                within(session.uid_search(format!("UID {}:*", c.last_uid.saturating_add(1)))).await??;
            (found.into_iter().filter(|u| *u > c.last_uid).collect(), c.last_uid)
        }
        stale => {
            if stale.is_some() {
                tracing::info!(
                    user = row.user.0,
                    "the server renumbered the mailbox (UIDVALIDITY): reading its recent mail again"
                );
            }
            let since = (Utc::now() - chrono::Duration::days(i64::from(desk.settings.lookback_days)))
                .format("%d-%b-%Y");
            let found = within(session.uid_search(format!("SINCE {since}"))).await??;
            (found.into_iter().collect(), folder.uid_next.unwrap_or(1).saturating_sub(1))
        }
    };
    uids.sort_unstable();
    if uids.is_empty() {
        let moved = Cursor { uid_validity, last_uid };
        state.store.mailbox_read(row.user, moved, 0, 0, Utc::now()).await?;
        return Ok(moved);
    }
    let query = format!("(UID BODY.PEEK[]<0.{}>)", desk.settings.max_message_bytes);
    for batch in uids.chunks(FETCH) {
        let set = batch.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        // Messages are read (classified) several at once as they arrive, and applied in order.
        let fetched = within(session.uid_fetch(&set, &query)).await??;
        let mut arriving = fetched
            .map_ok(|message| async move {
                let read = match message.body() {
                    Some(body) => Some(inbound_mail::read(Bytes::copy_from_slice(body)).await),
                    None => None,
                };
                Ok((message.uid, read))
            })
            .try_buffered(READ_AT_ONCE);
        let (mut read, mut found) = (0, 0);
        while let Some((uid, taken)) = within(arriving.try_next()).await?? {
            let Some(uid) = uid else { continue };
            let taken = match taken {
                Some(Ok(message)) => {
                    inbound_mail::apply_read(state, message, Source::Mailbox(row.user)).await
                }
                Some(Err(err)) => Err(err),
                None => {
                    last_uid = last_uid.max(uid);
                    continue;
                }
            };
            match taken {
                Ok(taken) => {
                    read += 1;
                    found += i64::from(taken.email.is_some() && !taken.again);
                    last_uid = last_uid.max(uid);
                }
                Err(err) => {
                    drop(arriving);
                    let moved = Cursor { uid_validity, last_uid };
                    state.store.mailbox_read(row.user, moved, read, found, Utc::now()).await?;
                    return Err(err.into());
                }
            }
            if read % BATCH as i64 == 0 {
                let moved = Cursor { uid_validity, last_uid };
                state.store.mailbox_read(row.user, moved, read, found, Utc::now()).await?;
                (read, found) = (0, 0);
            }
        }
        drop(arriving);
        last_uid = last_uid.max(*batch.last().unwrap_or(&0));
        state
            .store
            .mailbox_read(row.user, Cursor { uid_validity, last_uid }, read, found, Utc::now())
            .await?;
    }
    Ok(Cursor { uid_validity, last_uid })
}

/// Drops the server's unrequested news (counts of messages): the next search asks for what is new.
fn drain(session: &Session<Conn>) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// A connection to the server, in TLS for `imaps://`. With no list of allowed servers, a name that
/// resolves to a private, loopback or link-local address is refused: a rep's mailbox setting must not
/// reach into the endpoint's own network.
async fn connect(address: &ImapAddress, public_only: bool) -> Result<Conn, Failure> {
    let resolved: Vec<SocketAddr> =
        tokio::net::lookup_host((address.host.trim_start_matches('[').trim_end_matches(']'), address.port))
            .await
            .map_err(|e| Failure::Other(format!("the server name {} cannot be found: {e}", address.host)))?
            .collect();
    if public_only && let Some(inner) = resolved.iter().find(|a| !is_public(a.ip())) {
        return Err(Failure::Other(format!(
            "{} is on a private network ({}): the administrator must allow it with --imap-hosts",
            address.host,
            inner.ip()
        )));
    }
    let tcp = TcpStream::connect(&resolved[..])
        .await
        .map_err(|e| Failure::Other(format!("cannot reach {}:{}: {e}", address.host, address.port)))?;
    if !address.tls {
        return Ok(Box::new(tcp));
    }
    let name = ServerName::try_from(address.host.clone())
        .map_err(|e| Failure::Other(format!("{} is not a server name: {e}", address.host)))?;
    let tls = TlsConnector::from(tls_config())
        .connect(name, tcp)
        .await
        .map_err(|e| Failure::Other(format!("TLS with {}: {e}", address.host)))?;
    Ok(Box::new(tls))
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Arc::new(
                rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .expect("ring offers the default TLS versions")
                    .with_root_certificates(roots)
                    .with_no_client_auth(),
            )
        })
        .clone()
}

/// Whether an address is on the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// A step of the conversation, given up on when the server does not answer in time.
async fn within<T>(step: impl Future<Output = T>) -> Result<T, Failure> {
    tokio::time::timeout(COMMAND_TIMEOUT, step)
        .await
        .map_err(|_| Failure::Other("the mail server stopped answering".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_reached_without_the_administrators_word() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.5.5",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2a00:1450:4001::1", "142.250.1.108"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
