//! Small readers over mail-parser's message: header values by name, addresses, Message-IDs, MIME parts,
//! and the copy of our message that reports return.
//!
//! Every reader here is total: a missing header, an empty part list or a value of an unexpected shape gives
//! nothing, never a panic.

use std::borrow::Cow;

use domain::people::EmailAddress;
use mail_parser::{Header, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::Unreadable;

/// Refuses what cannot be a message at all: nothing but whitespace, or control bytes (NUL and the like) in
/// the header section.
pub(crate) fn check_readable(raw: &[u8]) -> Result<(), Unreadable> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable::Empty);
    }
    let header_section = header_section(raw);
    let is_binary = |b: &u8| matches!(b, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F);
    if header_section.iter().any(is_binary) {
        return Err(Unreadable::Binary);
    }
    Ok(())
}

/// The bytes before the first empty line (all of `raw` when there is none).
fn header_section(raw: &[u8]) -> &[u8] {
    let mut line_start = 0;
    for (at, byte) in raw.iter().enumerate() {
        if *byte == b'\n' {
            let line = raw.get(line_start..at).unwrap_or_default();
            if line.iter().all(|b| *b == b'\r') {
                return raw.get(..line_start).unwrap_or_default();
            }
            line_start = at + 1;
        }
    }
    raw
}

/// A well-formed header field name (RFC 5322: printable ASCII but the colon, no spaces).
pub(crate) fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

/// The headers of a message (of its root part).
pub(crate) fn root_headers<'a, 'x>(message: &'a Message<'x>) -> &'a [Header<'x>] {
    message.parts.first().map(|part| part.headers.as_slice()).unwrap_or_default()
}

/// The values of every header called `name` (case-insensitive) that are text, unfolded.
pub(crate) fn texts<'a>(headers: &'a [Header<'_>], name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers.iter().filter(move |h| h.name().eq_ignore_ascii_case(name)).flat_map(|h| match h.value() {
        HeaderValue::Text(text) => vec![unfold(text)],
        HeaderValue::TextList(list) => list.iter().map(|t| unfold(t)).collect(),
        _ => Vec::new(),
    })
}

/// The first text value of header `name`.
pub(crate) fn text(headers: &[Header<'_>], name: &str) -> Option<String> {
    texts(headers, name).next()
}

/// Whether there is a header called `name`.
pub(crate) fn has(headers: &[Header<'_>], name: &str) -> bool {
    headers.iter().any(|h| h.name().eq_ignore_ascii_case(name))
}

/// Whitespace runs (folding included) collapsed to one space, trimmed.
pub(crate) fn unfold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-case, typographic apostrophes made plain, whitespace runs collapsed to one space: text ready for
/// phrase matching.
pub(crate) fn normalise(text: &str) -> String {
    let lowered = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    unfold(&lowered)
}

/// Every valid address in headers called `name`, whether mail-parser read them as addresses or as text.
pub(crate) fn addresses(headers: &[Header<'_>], name: &str) -> Vec<EmailAddress> {
    let mut found = Vec::new();
    for header in headers.iter().filter(|h| h.name().eq_ignore_ascii_case(name)) {
        match header.value() {
            HeaderValue::Address(list) => found
                .extend(list.iter().filter_map(|a| a.address()).filter_map(|a| EmailAddress::parse(a).ok())),
            HeaderValue::Text(text) => found.extend(addresses_in(text)),
            HeaderValue::TextList(list) => found.extend(list.iter().flat_map(|t| addresses_in(t))),
            _ => {}
        }
    }
    found
}

/// The sender (`From`), when it is a valid address.
pub(crate) fn from_address(headers: &[Header<'_>]) -> Option<EmailAddress> {
    addresses(headers, "from").into_iter().next()
}

/// The local part and display name of the sender as written, lower-case (`mailer-daemon`, `Mail Delivery
/// System`), whether or not the address has a domain.
pub(crate) fn sender_words(headers: &[Header<'_>]) -> Vec<String> {
    let mut words = Vec::new();
    for header in headers.iter().filter(|h| h.name().eq_ignore_ascii_case("from")) {
        match header.value() {
            HeaderValue::Address(list) => {
                for addr in list.iter() {
                    if let Some(address) = addr.address() {
                        let local = address.rsplit_once('@').map_or(address, |(local, _)| local);
                        words.push(local.to_lowercase());
                    }
                    if let Some(name) = addr.name() {
                        words.push(name.to_lowercase());
                    }
                }
            }
            HeaderValue::Text(text) => words.push(text.to_lowercase()),
            _ => {}
        }
    }
    words
}

/// Every token of `text` that is a valid address: `<bob@example.net>`, `rfc822; bob@example.net`,
/// `'bob@example.net'`, `TO:<bob@example.net>:`.
pub(crate) fn addresses_in(text: &str) -> Vec<EmailAddress> {
    text.split(is_address_delimiter).filter_map(address_token).collect()
}

/// A token (already split at delimiters) as an address, with quotes and trailing dots trimmed.
pub(crate) fn address_token(token: &str) -> Option<EmailAddress> {
    let token = token.trim_matches(|c| c == '\'' || c == '.' || c == '`');
    if !token.contains('@') {
        return None;
    }
    EmailAddress::parse(token).ok()
}

/// What separates an address from the text around it.
pub(crate) fn is_address_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')' | ',' | ';' | ':' | '[' | ']' | '{' | '}')
}

/// The Message-IDs in headers called `name`, without angle brackets and without repeats. Only values shaped
/// like a Message-ID (`left@right`, no spaces) count, so `In-Reply-To: your message of Monday` names none.
pub(crate) fn message_ids(headers: &[Header<'_>], name: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for value in headers.iter().filter(|h| h.name().eq_ignore_ascii_case(name)).map(|h| h.value()) {
        let candidates: Vec<&str> = match value {
            HeaderValue::Text(text) => text.split_whitespace().collect(),
            HeaderValue::TextList(list) => list.iter().flat_map(|t| t.split_whitespace()).collect(),
            _ => Vec::new(),
        };
        for candidate in candidates {
            let id = candidate.trim_matches(|c| c == '<' || c == '>' || c == ',');
            let shaped =
                id.split_once('@').is_some_and(|(left, right)| !left.is_empty() && !right.is_empty());
            if shaped && !ids.iter().any(|known| known == id) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// Whether `part` has content type `ctype`/`subtype` (case-insensitive).
pub(crate) fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

/// Whether the message is a `multipart/report` whose `report-type` is `report_type`.
pub(crate) fn is_report(message: &Message<'_>, report_type: &str) -> bool {
    message.parts.first().is_some_and(|root| {
        is_type(root, "multipart", "report")
            && root
                .content_type()
                .and_then(|ct| ct.attribute("report-type"))
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(report_type))
    })
}

/// The parts of the message (the top-level MIME tree, not inside attached messages) whose content type is
/// one of `types`.
pub(crate) fn parts_of_type<'a, 'x>(
    message: &'a Message<'x>,
    types: &'a [(&'a str, &'a str)],
) -> impl Iterator<Item = &'a MessagePart<'x>> + 'a {
    message.parts.iter().filter(move |part| types.iter().any(|(t, s)| is_type(part, t, s)))
}

/// The body of a part as text (lossy for bytes that are not UTF-8).
pub(crate) fn part_text<'a>(part: &'a MessagePart<'_>) -> Cow<'a, str> {
    match &part.body {
        PartType::Text(text) | PartType::Html(text) => Cow::Borrowed(text.as_ref()),
        other => {
            let bytes: &[u8] = match other {
                PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes,
                PartType::Message(message) => message.raw_message(),
                _ => &[],
            };
            String::from_utf8_lossy(bytes)
        }
    }
}

/// The human-readable text of the message: its first text body (HTML made text when there is no plain
/// text), empty when there is none.
pub(crate) fn human_text(message: &Message<'_>) -> String {
    message.body_text(0).map(Cow::into_owned).unwrap_or_default()
}

/// What a report says about the copy of our message it returns (or its headers).
#[derive(Debug, Default)]
pub(crate) struct ReturnedCopy {
    pub message_id: Option<String>,
    /// `Return-Path` of the copy: our VERP address when the reporting server kept it.
    pub return_path: Vec<EmailAddress>,
    /// `To` of the copy: who we sent it to.
    pub to: Vec<EmailAddress>,
    /// `X-HmXmrOriginalRecipient` of the copy: who complained, in a Microsoft JMRP report.
    pub complainant: Vec<EmailAddress>,
}

impl ReturnedCopy {
    fn of_headers(headers: &[Header<'_>]) -> Self {
        ReturnedCopy {
            message_id: message_ids(headers, "message-id").into_iter().next(),
            return_path: addresses_in(&raw_values(headers, "return-path")),
            to: addresses(headers, "to"),
            complainant: addresses_in(&raw_values(headers, "x-hmxmroriginalrecipient")),
        }
    }

    /// The copy's headers read from text (`text/rfc822-headers`, or what follows a "copy of the message"
    /// line in a free-text bounce).
    pub(crate) fn from_text(text: &str) -> Option<Self> {
        let message = MessageParser::new().parse_headers(text.trim_start().as_bytes())?;
        let headers = root_headers(&message);
        headers.iter().any(|h| h.name().eq_ignore_ascii_case("message-id")).then(|| Self::of_headers(headers))
    }
}

/// Every value of header `name` as text, whatever mail-parser made of it (Return-Path is read as an id, and
/// `<>` as nothing).
fn raw_values(headers: &[Header<'_>], name: &str) -> String {
    let mut all = String::new();
    for header in headers.iter().filter(|h| h.name().eq_ignore_ascii_case(name)) {
        match header.value() {
            HeaderValue::Text(text) => all.push_str(text),
            HeaderValue::TextList(list) => all.push_str(&list.join(" ")),
            HeaderValue::Address(list) => {
                all.push_str(&list.iter().filter_map(|a| a.address()).collect::<Vec<_>>().join(" "))
            }
            _ => {}
        }
        all.push(' ');
    }
    all
}

/// The copy of our message a report returns: an attached `message/rfc822` (or `message/global`), or its
/// headers alone (`text/rfc822-headers`).
pub(crate) fn returned_copy(message: &Message<'_>) -> Option<ReturnedCopy> {
    let attached = [("message", "rfc822"), ("message", "global")];
    let attached_copy = parts_of_type(message, &attached).find_map(|part| match &part.body {
        PartType::Message(copy) => Some(ReturnedCopy::of_headers(root_headers(copy))),
        _ => ReturnedCopy::from_text(&part_text(part)),
    });
    attached_copy.or_else(|| {
        let headers_only =
            [("text", "rfc822-headers"), ("message", "rfc822-headers"), ("message", "global-headers")];
        parts_of_type(message, &headers_only).find_map(|part| ReturnedCopy::from_text(&part_text(part)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_in_the_shapes_reports_use() {
        let found = |text: &str| addresses_in(text).iter().map(|a| a.to_string()).collect::<Vec<_>>();
        assert_eq!(found("rfc822; Bob@Example.NET"), ["bob@example.net"]);
        assert_eq!(found("RCPT TO:<bob@example.net>:"), ["bob@example.net"]);
        assert_eq!(found("'carol@example.net' on 7/1/2024"), ["carol@example.net"]);
        assert_eq!(found("a@b, c@d.org."), ["c@d.org"]);
        assert!(found("no address here").is_empty());
    }

    #[test]
    fn the_header_section_ends_at_the_first_empty_line() {
        assert_eq!(header_section(b"A: 1\r\nB: 2\r\n\r\nbody\0"), b"A: 1\r\nB: 2\r\n");
        assert_eq!(header_section(b"A: 1\n\nbody"), b"A: 1\n");
        assert!(check_readable(b"A: 1\n\n\0binary body is fine").is_ok());
        assert_eq!(check_readable(b"A: \x001\n\nbody"), Err(Unreadable::Binary));
    }

    #[test]
    fn message_ids_are_read_without_brackets_and_repeats() {
        let raw = b"In-Reply-To: <a@example.com>\nReferences: <b@example.com>\n <a@example.com> <c@x>\n\n";
        let message = MessageParser::new().parse(raw).expect("parses");
        let headers = root_headers(&message);
        assert_eq!(message_ids(headers, "in-reply-to"), ["a@example.com"]);
        assert_eq!(message_ids(headers, "references"), ["b@example.com", "a@example.com", "c@x"]);
        let vague = MessageParser::new().parse(b"In-Reply-To: your message of Monday\n\n").expect("parses");
        assert!(message_ids(root_headers(&vague), "in-reply-to").is_empty());
    }
}
