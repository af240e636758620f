//! Change notifications: tells connected apps (through the Server-Sent Events stream) that a user's change
//! feed has something new, so they pull it at once instead of polling.

use domain::UserId;
use tokio::sync::broadcast;

/// A fan-out of "user U's feed reached change N".
#[derive(Clone, Debug)]
pub struct Feed {
    sender: broadcast::Sender<(UserId, u64)>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed { sender: broadcast::channel(1024).0 }
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
}
