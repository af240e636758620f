//! Reps' own mailboxes, read over IMAP for replies, bounce reports and complaints about their emails.
//!
//! One task per linked mailbox keeps one connection: it reads what arrived since the last UID, then waits
//! for the server to tell of new mail (IDLE) or polls where IDLE is not offered. It never changes the
//! mailbox: the folder is opened read-only (`EXAMINE`) and messages are fetched with `BODY.PEEK`, so
//! nothing is marked read, moved or deleted. Every message goes through the same pipeline as the mail
//! server's hook ([`crate::inbound_mail::take`]), so a message is applied once whichever path brought it.

mod address;
mod reader;
mod sealed;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use domain::UserId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use address::ImapAddress;
pub use sealed::{SealError, Sealer};

use crate::http::AppState;

/// How mailboxes are read; each is a `serve` setting.
#[derive(Clone, Debug)]
pub struct MailboxSettings {
    /// Between two checks of a server that does not offer IDLE.
    pub poll_interval: Duration,
    /// Use IDLE where the server offers it.
    pub idle: bool,
    /// The longest wait between two attempts after an error (the wait doubles from one second).
    pub backoff_max: Duration,
    /// The wait after the server refused the password, before trying it again (a new password is tried
    /// at once).
    pub login_retry: Duration,
    /// How far back a newly linked mailbox (or one the server renumbered) is read.
    pub lookback_days: u32,
    /// Servers mailboxes may be on. Empty: any server whose addresses are public.
    pub allowed_hosts: Vec<String>,
    /// The most of one message read; the rest of a larger one (attachments) is left on the server.
    pub max_message_bytes: u32,
}

impl Default for MailboxSettings {
    fn default() -> Self {
        MailboxSettings {
            poll_interval: Duration::from_secs(60),
            idle: true,
            backoff_max: Duration::from_secs(300),
            login_retry: Duration::from_secs(900),
            lookback_days: 30,
            allowed_hosts: Vec::new(),
            max_message_bytes: 4 * 1024 * 1024,
        }
    }
}

impl MailboxSettings {
    /// Whether a mailbox may be on `host`, in words when it may not. Names only: the addresses a public
    /// name resolves to are checked when connecting.
    pub fn allows(&self, host: &str) -> Result<(), String> {
        if self.allowed_hosts.is_empty() || self.allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            Ok(())
        } else {
            Err(format!(
                "mailboxes may be on these servers only: {} (the administrator's --imap-hosts)",
                self.allowed_hosts.join(", ")
            ))
        }
    }
}

/// What the API needs to link mailboxes: the key that seals passwords, the settings, and a way to tell
/// the readers a link changed.
#[derive(Clone, Debug)]
pub struct Desk {
    pub sealer: Sealer,
    pub settings: Arc<MailboxSettings>,
    changed: mpsc::UnboundedSender<UserId>,
}

impl Desk {
    /// Tells the readers that `user`'s link was made, changed or removed: its reader starts again.
    pub fn changed(&self, user: UserId) {
        let _ = self.changed.send(user);
    }
}

/// Starts a reader for every linked mailbox and restarts one when its link changes, until `stop`.
pub fn start(state: &AppState, sealer: Sealer, settings: MailboxSettings, stop: CancellationToken) -> Desk {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let settings = Arc::new(settings);
    let desk = Desk { sealer, settings: settings.clone(), changed: tx };
    let state = state.clone();
    let reading = desk.clone();
    tokio::spawn(async move {
        // Each reader with what its link was when it started, to see links changed by `endpoint mailbox`.
        let mut readers: HashMap<UserId, (CancellationToken, Vec<u8>)> = HashMap::new();
        let mut rescan = tokio::time::interval(RESCAN);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = rescan.tick() => {
                    let rows = match state.store.mailboxes().await {
                        Ok(rows) => rows,
                        Err(err) => {
                            tracing::error!(error = %err, "mailboxes cannot be listed");
                            continue;
                        }
                    };
                    readers.retain(|user, (token, _)| {
                        let linked = rows.iter().any(|r| r.user == *user);
                        if !linked {
                            token.cancel();
                        }
                        linked
                    });
                    for row in rows {
                        let seen = fingerprint(&row);
                        if readers.get(&row.user).is_some_and(|(_, was)| *was == seen) {
                            continue;
                        }
                        if let Some((old, _)) = readers.remove(&row.user) {
                            old.cancel();
                        }
                        readers.insert(row.user, (spawn_reader(&state, &reading, row.user, &stop), seen));
                    }
                }
                user = rx.recv() => {
                    let Some(user) = user else { break };
                    if let Some((old, _)) = readers.remove(&user) {
                        old.cancel();
                    }
                    if let Ok(Some(row)) = state.store.mailbox(user).await {
                        readers.insert(user, (spawn_reader(&state, &reading, user, &stop), fingerprint(&row)));
                    }
                }
            }
        }
    });
    desk
}

/// How often links made or removed outside this process (`endpoint mailbox`) are looked for.
const RESCAN: Duration = Duration::from_secs(30);

/// What, when it changes, starts a mailbox's reader again: where it is and its password.
fn fingerprint(row: &crate::store::MailboxRow) -> Vec<u8> {
    [row.address.as_bytes(), b"\0", row.folder.as_bytes(), b"\0", &row.secret].concat()
}

fn spawn_reader(state: &AppState, desk: &Desk, user: UserId, stop: &CancellationToken) -> CancellationToken {
    let token = stop.child_token();
    tokio::spawn(reader::keep_reading(state.clone(), desk.clone(), user, token.clone()));
    token
}
