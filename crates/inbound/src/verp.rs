//! VERP: each email leaves with its own return path, `bounce+<email id>@<domain>`, so a bounce delivered to
//! that address names its email even when the report itself is mangled.
//!
//! The endpoint builds the address with [`return_path`] and this crate reads it back with [`email_id`]. The
//! domain is the endpoint's to choose and check; the local part is `bounce+` and the email id (a UUID).

use domain::ids::EmailId;
use domain::people::EmailAddress;
use mail_parser::Header;

use crate::mail;

/// The local part before the email id.
pub const PREFIX: &str = "bounce+";

/// The envelope headers a delivering server writes with the address it delivered to, most reliable first,
/// then `To` (a report is addressed to the return path).
const ENVELOPE_HEADERS: &[&str] =
    &["delivered-to", "x-original-to", "envelope-to", "x-envelope-to", "x-delivered-to", "to"];

/// The return path for email `id` at `domain`, e.g. `bounce+0190b5a4-…@mail.example.com`.
pub fn return_path(id: EmailId, domain: &str) -> String {
    format!("{PREFIX}{id}@{domain}")
}

/// The email id in `address` when it is one of our return paths (any domain), e.g.
/// `bounce+0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com`.
pub fn email_id(address: &EmailAddress) -> Option<EmailId> {
    let (local, _domain) = address.as_str().rsplit_once('@')?;
    local.strip_prefix(PREFIX)?.parse().ok()
}

/// The first of our return paths among `addresses`.
pub(crate) fn email_id_among<'a>(addresses: impl IntoIterator<Item = &'a EmailAddress>) -> Option<EmailId> {
    addresses.into_iter().find_map(email_id)
}

/// The email id from the envelope headers of a message delivered to one of our return paths.
pub(crate) fn email_id_in_headers(headers: &[Header<'_>]) -> Option<EmailId> {
    ENVELOPE_HEADERS.iter().find_map(|name| email_id_among(&mail::addresses(headers, name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_return_path_round_trips_to_its_email() {
        let id = EmailId::from_u128(0x0190b5a4_1c2d_7e3f_8a9b_0c1d2e3f4a5b);
        let address = return_path(id, "mail.example.com");
        assert_eq!(address, "bounce+0190b5a4-1c2d-7e3f-8a9b-0c1d2e3f4a5b@mail.example.com");
        let parsed = EmailAddress::parse(&address).expect("a valid address");
        assert_eq!(email_id(&parsed), Some(id));
    }

    #[test]
    fn other_addresses_name_no_email() {
        for text in ["bounce@mail.example.com", "bounce+not-a-uuid@mail.example.com", "sales@example.com"] {
            let address = EmailAddress::parse(text).expect("a valid address");
            assert_eq!(email_id(&address), None, "{text}");
        }
    }
}
