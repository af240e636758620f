//! Tracking: signed tokens for the open pixel, tracked links and one-click unsubscribe, and the rewriting
//! of an email's HTML that puts them in.
//!
//! A token is `<key id>.<payload>.<signature>` (base64url), the signature an HMAC-SHA256 over the key id
//! and the payload. Keys live in the data folder (`tracking-keys.json`); the newest signs, every listed key
//! verifies, so keys can rotate without breaking links already sent. A forged or altered token verifies to
//! nothing, so the click redirect is never an open redirect.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::EmailId;
use domain::link::{LINK_ELEMENTS, link_target};
use hmac::{Hmac, KeyInit, Mac};
use lol_html::html_content::ContentType;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a token stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Target {
    /// The open pixel of an email.
    #[serde(rename = "o")]
    Open { e: EmailId },
    /// A tracked link of an email, and where it really goes.
    #[serde(rename = "c")]
    Click { e: EmailId, u: String },
    /// The one-click unsubscribe of an email's recipient.
    #[serde(rename = "u")]
    Unsubscribe { e: EmailId },
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the tracking keys: {0}")]
    Io(#[from] std::io::Error),
    #[error("the tracking keys file is not valid: {0}")]
    Format(String),
    #[error("no randomness available to make a tracking key: {0}")]
    Random(String),
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    /// Key id → base64url secret. The greatest id signs.
    keys: BTreeMap<String, String>,
}

/// The signing keys.
#[derive(Clone)]
pub struct TrackingKeys {
    keys: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for TrackingKeys {
    /// Never prints the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackingKeys").field("key_ids", &self.keys.keys().collect::<Vec<_>>()).finish()
    }
}

impl TrackingKeys {
    /// Loads the keys from `data_dir/tracking-keys.json`, making a first key when there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<TrackingKeys, KeyError> {
        let path = data_dir.join("tracking-keys.json");
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            let file: KeyFile = serde_json::from_str(&text).map_err(|e| KeyError::Format(e.to_string()))?;
            let mut keys = BTreeMap::new();
            for (id, secret) in file.keys {
                let bytes = URL_SAFE_NO_PAD.decode(&secret).map_err(|e| KeyError::Format(e.to_string()))?;
                if bytes.len() < 32 || id.contains('.') {
                    return Err(KeyError::Format(format!("key {id} is too short or badly named")));
                }
                keys.insert(id, bytes);
            }
            if keys.is_empty() {
                return Err(KeyError::Format("no keys listed".into()));
            }
            return Ok(TrackingKeys { keys });
        }
        let keys = TrackingKeys::generate("k1")?;
        keys.save(&path)?;
        Ok(keys)
    }

    /// A fresh single key called `id`.
    pub fn generate(id: &str) -> Result<TrackingKeys, KeyError> {
        let mut secret = vec![0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(TrackingKeys { keys: BTreeMap::from([(id.to_string(), secret)]) })
    }

    /// Adds a key, which becomes the signing key when its id sorts last.
    pub fn with_key(mut self, id: &str, secret: Vec<u8>) -> TrackingKeys {
        self.keys.insert(id.to_string(), secret);
        self
    }

    fn save(&self, path: &Path) -> Result<(), KeyError> {
        let file = KeyFile {
            keys: self.keys.iter().map(|(id, k)| (id.clone(), URL_SAFE_NO_PAD.encode(k))).collect(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| KeyError::Format(e.to_string()))?;
        std::fs::write(path, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    fn mac(secret: &[u8], key_id: &str, payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(key_id.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac
    }

    /// A signed token for `target`.
    pub fn sign(&self, target: &Target) -> String {
        let (key_id, secret) = self.keys.iter().next_back().expect("at least one key is always loaded");
        let json = serde_json::to_vec(target).expect("a target always encodes");
        let payload = URL_SAFE_NO_PAD.encode(json);
        let signature = URL_SAFE_NO_PAD.encode(Self::mac(secret, key_id, &payload).finalize().into_bytes());
        format!("{key_id}.{payload}.{signature}")
    }

    /// The target of a token, if its signature is good under one of the keys.
    pub fn verify(&self, token: &str) -> Option<Target> {
        let mut parts = token.split('.');
        let (key_id, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let secret = self.keys.get(key_id)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        Self::mac(secret, key_id, payload).verify_slice(&signature).ok()?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Puts tracking into an email's HTML: every http(s) link goes through the click redirect, and the open
/// pixel is appended to the body. `base` is the public URL of the endpoint, without a trailing slash.
pub fn instrument_html(html: &str, email: EmailId, keys: &TrackingKeys, base: &str) -> String {
    let pixel_token = keys.sign(&Target::Open { e: email });
    let pixel = format!(
        r#"<img src="{base}/t/o/{pixel_token}" width="1" height="1" alt="" style="display:none;border:0">"#
    );
    let body_seen = Cell::new(false);
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!(LINK_ELEMENTS, |el| {
            if let Some(target) = el.get_attribute("href").as_deref().and_then(link_target) {
                let token = keys.sign(&Target::Click { e: email, u: target });
                el.set_attribute("href", &format!("{base}/t/c/{token}"))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("body", |el| {
            body_seen.set(true);
            el.append(&pixel, ContentType::Html);
            Ok(())
        }));
    let rewritten = rewrite_str(html, settings);
    match rewritten {
        Ok(out) if body_seen.get() => out,
        Ok(out) => format!("{out}{pixel}"),
        // The rewriter refuses only pathological input; send it untracked rather than not at all.
        Err(err) => {
            tracing::warn!(%email, error = %err, "could not add tracking to an email's HTML");
            html.to_string()
        }
    }
}

/// The 1×1 transparent GIF the open pixel answers with.
pub const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
    0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use domain::link::tracked_links;

    use super::*;

    fn keys() -> TrackingKeys {
        TrackingKeys { keys: BTreeMap::from([("k1".to_string(), vec![7u8; 32])]) }
    }

    #[test]
    fn a_signed_token_verifies_to_its_target() {
        let target = Target::Click { e: EmailId::from_u128(5), u: "https://acme.com/pricing".into() };
        let token = keys().sign(&target);
        assert!(token.starts_with("k1."));
        assert_eq!(keys().verify(&token), Some(target));
    }

    #[test]
    fn a_forged_or_altered_token_verifies_to_nothing() {
        let token = keys().sign(&Target::Click { e: EmailId::from_u128(5), u: "https://acme.com".into() });
        let (head, sig) = token.rsplit_once('.').unwrap();
        let evil = URL_SAFE_NO_PAD
            .encode(br#"{"t":"c","e":"00000000-0000-0000-0000-000000000005","u":"https://evil.example"}"#);
        let forged = format!("k1.{evil}.{sig}");
        assert_eq!(keys().verify(&forged), None);
        assert_eq!(keys().verify(&format!("{head}.AAAA")), None);
        assert_eq!(keys().verify("k9.abc.def"), None);
        assert_eq!(keys().verify("garbage"), None);
        let other = TrackingKeys { keys: BTreeMap::from([("k1".to_string(), vec![8u8; 32])]) };
        assert_eq!(other.verify(&token), None, "another deployment's key does not verify it");
    }

    #[test]
    fn rotated_keys_still_verify_old_tokens_and_sign_with_the_newest() {
        let old = keys().sign(&Target::Open { e: EmailId::from_u128(1) });
        let rotated = keys().with_key("k2", vec![9u8; 32]);
        assert_eq!(rotated.verify(&old), Some(Target::Open { e: EmailId::from_u128(1) }));
        assert!(rotated.sign(&Target::Open { e: EmailId::from_u128(1) }).starts_with("k2."));
    }

    #[test]
    fn html_gets_tracked_links_and_a_pixel() {
        let html = r#"<html><body><p>Hi <a href="https://acme.com/pricing">pricing</a>
            <a href="mailto:ana@acme.com">mail</a></p></body></html>"#;
        let out = instrument_html(html, EmailId::from_u128(3), &keys(), "http://127.0.0.1:8080");
        assert!(out.contains(r#"href="http://127.0.0.1:8080/t/c/k1."#));
        assert!(out.contains(r#"href="mailto:ana@acme.com""#), "non-web links stay as they are");
        assert!(out.contains(r#"<img src="http://127.0.0.1:8080/t/o/k1."#));
        assert!(out.find("/t/o/").unwrap() < out.find("</body>").unwrap(), "the pixel is inside the body");
        let fragment = instrument_html("<p>no body</p>", EmailId::from_u128(3), &keys(), "http://x");
        assert!(fragment.ends_with(r#"style="display:none;border:0">"#));
    }

    #[test]
    fn a_tracked_link_leads_where_the_browser_would_have_gone() {
        let html = r#"<body><a href="https://acme.example/p?utm_source=a&amp;utm_medium=b">x</a></body>"#;
        let out = instrument_html(html, EmailId::from_u128(4), &keys(), "http://t");
        let token = out.split("/t/c/").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
        assert_eq!(
            keys().verify(token),
            Some(Target::Click {
                e: EmailId::from_u128(4),
                u: "https://acme.example/p?utm_source=a&utm_medium=b".into()
            })
        );
    }

    /// The click targets signed into a rewritten body.
    fn rewritten_targets(out: &str) -> BTreeSet<String> {
        out.split("/t/c/")
            .skip(1)
            .filter_map(|rest| rest.split(['"', '\'', ' ', '>']).next())
            .filter_map(|token| match keys().verify(token) {
                Some(Target::Click { u, .. }) => Some(u),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_links_rewritten_are_the_links_the_classifier_counts() {
        for html in [
            r##"<body><a href="https://x.com/a">A</a> <A HREF='https://x.com/b'>B</A> <a href=https://x.com/a>a</a></body>"##,
            r##"<p><a href="mailto:a@x.com">m</a> <a href="#top">t</a> <a href>e</a> <a href="HTTP://x.com/c">c</a>"##,
            r##"<link href="https://x.com/s.css"><area href="https://x.com/m"><!-- <a href="https://x.com/c">x</a> -->"##,
            r##"<script>var s = '<a href="https://x.com/in-script">';</script><a href="https://x.com/after">x</a>"##,
            r##"<a title=x href="https://x.com/q?b=1&amp;c=2">1</a><a href="https://x.com/q?b=1&c=2">2</a>"##,
            r##"<a href="https://x.com/first" href="https://x.com/second">x</a><a href="https://x.com/é">é</a>"##,
            r##"<p>1 < 2 href="https://x.com/text"</p><a href="https://x.com/open"##,
        ] {
            let out = instrument_html(html, EmailId::from_u128(5), &keys(), "http://t");
            assert_eq!(rewritten_targets(&out), tracked_links(html), "{html}");
        }
    }

    #[test]
    fn keys_are_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let first = TrackingKeys::load_or_create(dir.path()).unwrap();
        let token = first.sign(&Target::Open { e: EmailId::from_u128(2) });
        let again = TrackingKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(again.verify(&token), Some(Target::Open { e: EmailId::from_u128(2) }));
        assert!(!format!("{first:?}").contains(&URL_SAFE_NO_PAD.encode(&first.keys["k1"])));
    }
}
