//! DKIM: a key per sending domain and selector in `DATA_DIR/dkim/DOMAIN/`, made by `endpoint dkim keygen`
//! (RSA 2048 or Ed25519, RFC 8463), and every message from that domain signed with each of its keys
//! (relaxed/relaxed; the headers folded at each tag). The signature covers what receivers and one-click unsubscribe (RFC 8058) need
//! signed: From, To, Cc, Subject, Date, Message-ID, MIME-Version, List-Unsubscribe and
//! List-Unsubscribe-Post.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm, DkimSigningKey,
    dkim_sign,
};
use lettre::message::header::HeaderName;

/// The headers every signature covers (those a message lacks are signed as absent). Not Content-Type: the
/// message builder writes a multipart's with the body, after signing, and the body hash covers the body.
const SIGNED: [&str; 9] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// Which kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Algorithm {
    Rsa,
    Ed25519,
}

impl Algorithm {
    fn extension(self) -> &'static str {
        match self {
            Algorithm::Rsa => "rsa.pem",
            Algorithm::Ed25519 => "ed25519.key",
        }
    }
}

/// The signing keys of every sending domain. Cheap to clone; prints no key.
#[derive(Clone, Default)]
pub struct DkimKeys {
    by_domain: Arc<HashMap<String, Vec<DkimConfig>>>,
}

impl fmt::Debug for DkimKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut domains: Vec<&String> = self.by_domain.keys().collect();
        domains.sort();
        f.debug_struct("DkimKeys").field("domains", &domains).finish()
    }
}

impl DkimKeys {
    /// Every key under `DATA_DIR/dkim` (none when the folder does not exist).
    pub fn load(data_dir: &Path) -> Result<DkimKeys, String> {
        let root = data_dir.join("dkim");
        let mut by_domain: HashMap<String, Vec<DkimConfig>> = HashMap::new();
        let Ok(domains) = std::fs::read_dir(&root) else { return Ok(DkimKeys::default()) };
        for domain in domains.flatten() {
            let name = domain.file_name().to_string_lossy().to_ascii_lowercase();
            let mut files: Vec<PathBuf> = std::fs::read_dir(domain.path())
                .map_err(|e| e.to_string())?
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for file in files {
                let file_name = file.file_name().unwrap_or_default().to_string_lossy().to_string();
                let (selector, algorithm) = if let Some(s) = file_name.strip_suffix(".rsa.pem") {
                    (s, DkimSigningAlgorithm::Rsa)
                } else if let Some(s) = file_name.strip_suffix(".ed25519.key") {
                    (s, DkimSigningAlgorithm::Ed25519)
                } else {
                    continue;
                };
                let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
                let key = DkimSigningKey::new(text.trim(), algorithm)
                    .map_err(|e| format!("{}: not a DKIM key ({e})", file.display()))?;
                let config = DkimConfig::new(
                    selector.to_string(),
                    name.clone(),
                    key,
                    SIGNED.iter().map(|h| HeaderName::new_from_ascii_str(h)).collect(),
                    DkimCanonicalization {
                        header: DkimCanonicalizationType::Relaxed,
                        body: DkimCanonicalizationType::Relaxed,
                    },
                );
                by_domain.entry(name.clone()).or_default().push(config);
            }
        }
        Ok(DkimKeys { by_domain: Arc::new(by_domain) })
    }

    /// The domains that have a key, sorted.
    pub fn domains(&self) -> Vec<String> {
        let mut domains: Vec<String> = self.by_domain.keys().cloned().collect();
        domains.sort();
        domains
    }

    /// The bytes of `message` signed with each key of `domain` (the From address's), one DKIM-Signature
    /// header per key; as they are when the domain has none.
    pub fn signed(&self, domain: &str, message: &Message) -> Vec<u8> {
        let mut head = String::new();
        for config in self.by_domain.get(&domain.to_ascii_lowercase()).into_iter().flatten() {
            // The signer keeps one signature per message: each is made on a copy and all are put on top.
            let mut copy = message.clone();
            dkim_sign(&mut copy, config);
            if let Some(value) = copy.headers().get_raw("DKIM-Signature") {
                head.push_str("DKIM-Signature: ");
                head.push_str(&value.replace("; ", ";\r\n "));
                head.push_str("\r\n");
            }
        }
        let mut bytes = head.into_bytes();
        bytes.extend(message.formatted());
        bytes
    }
}

/// Makes a key for `domain` under `selector`, writes it (readable by its owner only) and returns the DNS
/// record to publish.
pub fn keygen(data_dir: &Path, domain: &str, selector: &str, algorithm: Algorithm) -> Result<String, String> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let valid = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    if !valid(&domain) || !domain.contains('.') {
        return Err(format!("“{domain}” is not a domain name"));
    }
    if !valid(selector) {
        return Err(format!("“{selector}” is not a selector (letters, digits, dashes and dots)"));
    }
    let folder = data_dir.join("dkim").join(&domain);
    let file = folder.join(format!("{selector}.{}", algorithm.extension()));
    if file.exists() {
        return Err(format!("{} exists: choose another selector to rotate keys", file.display()));
    }
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let (secret, public, k) = match algorithm {
        Algorithm::Rsa => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            use rsa::pkcs8::EncodePublicKey;
            let private =
                rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
            let pem = private.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).map_err(|e| e.to_string())?;
            let der = private.to_public_key().to_public_key_der().map_err(|e| e.to_string())?;
            (pem.to_string(), STANDARD.encode(der.as_bytes()), "rsa")
        }
        Algorithm::Ed25519 => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            (STANDARD.encode(seed), STANDARD.encode(key.verifying_key().to_bytes()), "ed25519")
        }
    };
    crate::secret_file::write_private(&file, secret.as_bytes())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let record = format!("{selector}._domainkey.{domain}. IN TXT \"v=DKIM1; k={k}; p={public}\"");
    std::fs::write(folder.join(format!("{selector}.{k}.txt")), format!("{record}\n"))
        .map_err(|e| e.to_string())?;
    Ok(record)
}
