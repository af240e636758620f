//! Mailbox passwords at rest: sealed with XChaCha20-Poly1305 under a key kept in the data folder
//! (`mailbox.key`, created on first use, readable by its owner only) or given by the administrator
//! (`--mailbox-key-file`). Each sealed secret is bound to its user, so a row copied onto another user does
//! not open.

use std::fmt;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE: usize = 24;

/// The key that seals mailbox passwords. Not `Debug`-printable beyond its name.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the mailbox key file cannot be used: {0}")]
    Key(String),
    #[error("a stored mailbox password cannot be opened with this key (was the key file changed?)")]
    Open,
    #[error("no randomness: {0}")]
    Random(String),
}

impl Sealer {
    /// The key in `file` if given, else `DATA_DIR/mailbox.key`, created on first use. The file holds 64
    /// hexadecimal digits (32 bytes).
    pub fn load_or_create(data_dir: &Path, file: Option<&Path>) -> Result<Sealer, SealError> {
        let default = data_dir.join("mailbox.key");
        let path = file.unwrap_or(&default);
        if !path.exists() && file.is_none() {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| SealError::Random(e.to_string()))?;
            crate::secret_file::write_private(path, hex::encode(key).as_bytes())
                .map_err(|e| SealError::Key(e.to_string()))?;
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| SealError::Key(format!("{}: {e}", path.display())))?;
        let key = hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or_else(|| SealError::Key(format!("{}: expected 64 hexadecimal digits", path.display())))?;
        Sealer::from_key(&key)
    }

    pub fn from_key(key: &[u8]) -> Result<Sealer, SealError> {
        let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(|e| SealError::Key(e.to_string()))?;
        Ok(Sealer { cipher })
    }

    /// `secret` sealed for `owner`: a fresh nonce followed by the ciphertext.
    pub fn seal(&self, owner: i64, secret: &str) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
        let aad = owner.to_be_bytes();
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: secret.as_bytes(), aad: &aad })
            .map_err(|_| SealError::Open)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The secret `sealed` holds for `owner`.
    pub fn open(&self, owner: i64, sealed: &[u8]) -> Result<String, SealError> {
        if sealed.len() <= NONCE {
            return Err(SealError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SealError::Open)?;
        let aad = owner.to_be_bytes();
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: body, aad: &aad })
            .map_err(|_| SealError::Open)?;
        String::from_utf8(plain).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_password_opens_for_its_owner_only_and_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load_or_create(dir.path(), None).unwrap();
        let sealed = sealer.seal(7, "hunter2-correct-horse").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"), "the password is not in the sealed bytes");
        assert_eq!(sealer.open(7, &sealed).unwrap(), "hunter2-correct-horse");
        assert!(sealer.open(8, &sealed).is_err(), "bound to its user");
        let again = Sealer::load_or_create(dir.path(), None).unwrap();
        assert_eq!(again.open(7, &sealed).unwrap(), "hunter2-correct-horse", "the key file is kept");
        let other = Sealer::from_key(&[9u8; 32]).unwrap();
        assert!(matches!(other.open(7, &sealed), Err(SealError::Open)));
        assert_eq!(format!("{sealer:?}"), "Sealer(..)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("mailbox.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_key_file_of_the_wrong_shape_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("given.key");
        std::fs::write(&file, "not hex").unwrap();
        let err = Sealer::load_or_create(dir.path(), Some(&file)).unwrap_err().to_string();
        assert!(err.contains("64 hexadecimal digits"), "{err}");
    }
}
