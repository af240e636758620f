//! Change notifications: tells connected apps (through the Server-Sent Events stream) that a user's change
//! feed has something new, so they pull it at once instead of polling; and tells open streams when a token
//! may have stopped working, so a revoked or renewed token's stream ends within a second.

use std::time::Duration;

use domain::UserId;
use tokio::sync::{broadcast, watch};

use crate::store::Store;

/// How often the tokens are looked at (a revocation by `endpoint user revoke` is another process's write).
const TOKENS_CHECKED_EVERY: Duration = Duration::from_millis(250);

/// A fan-out of "user U's feed reached change N", and of "some token changed".
#[derive(Clone, Debug)]
pub struct Feed {
    sender: broadcast::Sender<(UserId, u64)>,
    tokens: watch::Sender<i64>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed { sender: broadcast::channel(1024).0, tokens: watch::channel(0).0 }
    }
}

impl Feed {
    /// Says that `user`'s feed reached `seq`. Nobody listening is fine.
    pub fn changed(&self, user: UserId, seq: u64) {
        let _ = self.sender.send((user, seq));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<(UserId, u64)> {
        self.sender.subscribe()
    }

    /// Moves whenever a token stops or starts working.
    pub fn tokens(&self) -> watch::Receiver<i64> {
        self.tokens.subscribe()
    }

    /// Watches the users' tokens in `store` for as long as the runtime runs.
    pub fn watch_tokens(&self, store: Store) {
        let tokens = self.tokens.clone();
        tokio::spawn(async move {
            let mut seen = store.tokens_version().await.ok();
            loop {
                tokio::time::sleep(TOKENS_CHECKED_EVERY).await;
                match store.tokens_version().await {
                    Ok(version) if Some(version) != seen => {
                        seen = Some(version);
                        tokens.send_replace(version);
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "could not check the tokens"),
                }
            }
        });
    }
}
