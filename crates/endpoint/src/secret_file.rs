//! Files that hold secrets (the mailbox key, DKIM keys): created once, readable by their owner only.

use std::io::Write;
use std::path::Path;

/// Writes a new file only its owner may read; fails if it exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
