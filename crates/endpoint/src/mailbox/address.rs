//! Where a mailbox is: `imaps://USER@HOST[:PORT][/FOLDER]` (TLS from the first byte, port 993 by default),
//! or `imap://…` (no TLS, port 143) for a server on this machine only, since the password would cross the
//! network in clear. The user name may be written as it is (`imaps://ana@acme.com@imap.acme.com`) or
//! percent-encoded. A password in the address is refused: it would end up in logs and shell history.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapAddress {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub username: String,
    /// Set when the address names a folder.
    pub folder: Option<String>,
}

impl ImapAddress {
    pub fn parse(text: &str) -> Result<ImapAddress, String> {
        let text = text.trim();
        let (tls, rest) = if let Some(rest) = strip_scheme(text, "imaps://") {
            (true, rest)
        } else if let Some(rest) = strip_scheme(text, "imap://") {
            (false, rest)
        } else {
            return Err("the address starts with imaps:// (or imap:// for a server on this machine)".into());
        };
        let (authority, folder) = match rest.split_once('/') {
            Some((a, f)) if !f.trim_matches('/').is_empty() => (a, Some(decode(f.trim_matches('/'))?)),
            Some((a, _)) => (a, None),
            None => (rest, None),
        };
        let Some((user, server)) = authority.rsplit_once('@') else {
            return Err("the address names the mailbox's user: imaps://USER@HOST".into());
        };
        if user.contains(':') {
            return Err("put the password in the password field (or a file), not in the address".into());
        }
        let username = decode(user)?;
        if username.is_empty() {
            return Err("the address names the mailbox's user: imaps://USER@HOST".into());
        }
        let (host, port) = split_port(server, if tls { 993 } else { 143 })?;
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
            return Err(format!("“{server}” is not a server name"));
        }
        if username.chars().any(char::is_control) {
            return Err("the user name holds a control character".into());
        }
        let address = ImapAddress { tls, host: host.to_ascii_lowercase(), port, username, folder };
        if !tls && !address.is_loopback() {
            return Err(
                "imap:// sends the password in clear: use imaps:// (TLS) for a server on another machine"
                    .into(),
            );
        }
        Ok(address)
    }

    /// Whether the server is this machine (by name or loopback address).
    pub fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// The address as stored and shown: never with a password.
impl fmt::Display for ImapAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "imaps" } else { "imap" };
        let user: String = self
            .username
            .chars()
            .map(|c| match c {
                '@' | ':' | '/' | '%' => format!("%{:02X}", c as u32),
                c => c.to_string(),
            })
            .collect();
        write!(f, "{scheme}://{user}@{}:{}", self.host, self.port)
    }
}

fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    text.get(..scheme.len()).filter(|s| s.eq_ignore_ascii_case(scheme)).map(|_| &text[scheme.len()..])
}

fn split_port(server: &str, default: u16) -> Result<(&str, u16), String> {
    let bracketed = server.starts_with('[');
    let colon = if bracketed { server.find("]:").map(|i| i + 1) } else { server.rfind(':') };
    match colon {
        Some(i) => {
            let port = server[i + 1..].parse::<u16>().ok().filter(|p| *p > 0);
            port.map(|p| (&server[..i], p)).ok_or_else(|| format!("“{}” is not a port", &server[i + 1..]))
        }
        None => Ok((server, default)),
    }
}

fn decode(text: &str) -> Result<String, String> {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| format!("“{text}” cannot be read"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_reps_write_them() {
        let a = ImapAddress::parse("imaps://ana@acme.com@imap.acme.com").unwrap();
        assert_eq!(
            (a.tls, a.host.as_str(), a.port, a.username.as_str()),
            (true, "imap.acme.com", 993, "ana@acme.com")
        );
        let b = ImapAddress::parse("imaps://ana%40acme.com@imap.gmail.com:1993/Replies").unwrap();
        assert_eq!(
            (b.port, b.username.as_str(), b.folder.as_deref()),
            (1993, "ana@acme.com", Some("Replies"))
        );
        assert_eq!(b.to_string(), "imaps://ana%40acme.com@imap.gmail.com:1993");
        assert_eq!(ImapAddress::parse(&b.to_string()).unwrap().username, "ana@acme.com");
        let local = ImapAddress::parse("imap://rep@127.0.0.1:14143").unwrap();
        assert!(!local.tls && local.is_loopback());
    }

    #[test]
    fn what_is_refused_says_why() {
        let err = |s| ImapAddress::parse(s).unwrap_err();
        assert!(err("imap://rep@mail.example.com").contains("imaps://"));
        assert!(err("imaps://rep:hunter2@mail.example.com").contains("not in the address"));
        assert!(err("https://mail.example.com").contains("starts with imaps://"));
        assert!(err("imaps://mail.example.com").contains("USER@HOST"));
        assert!(err("imaps://rep@mail.example.com:99999").contains("not a port"));
        assert!(err("imaps://rep@").contains("not a server name"));
    }
}
