//! The header-like blocks of machine-readable report parts: `message/delivery-status` (RFC 3464: the
//! per-message fields, then one block of per-recipient fields each, separated by empty lines) and
//! `message/feedback-report` (RFC 5965: one block).
//!
//! The text is cut into blocks at empty lines, and each block is read by mail-parser's header parser with
//! every field kept raw (no address or date interpretation), then unfolded.

use mail_parser::{HeaderName, MessageParser};

use crate::mail;

/// One block of `Name: value` fields, in order. Names are kept lower-case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of field `name` (lower-case), when it is not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// This block's fields followed by `other`'s.
    pub(crate) fn merged(mut self, other: Fields) -> Fields {
        self.0.extend(other.0);
        self
    }
}

/// The blocks of `text`, in order; blocks without any field are left out.
pub(crate) fn blocks(text: &str) -> Vec<Fields> {
    let parser = raw_field_parser();
    let mut found = Vec::new();
    let mut block = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !block.is_empty() {
                block.push('\n');
                let fields = read_block(&parser, &block);
                if !fields.0.is_empty() {
                    found.push(fields);
                }
                block.clear();
            }
        } else {
            block.push_str(line.trim_end_matches('\r'));
            block.push('\n');
        }
    }
    found
}

/// A parser that keeps every field's value raw: report fields are not the message headers mail-parser
/// knows, and `Original-Recipient: rfc822; bob@…` must not be read as an address list.
fn raw_field_parser() -> MessageParser {
    // With any field named, the default applies to every other field.
    MessageParser::new().header_raw(HeaderName::Subject).default_header_raw()
}

fn read_block(parser: &MessageParser, block: &str) -> Fields {
    let Some(message) = parser.parse_headers(block.as_bytes()) else {
        return Fields::default();
    };
    let fields = mail::root_headers(&message)
        .iter()
        .filter(|h| mail::is_field_name(h.name()))
        .map(|h| (h.name().to_ascii_lowercase(), h.value().as_text().map(mail::unfold).unwrap_or_default()))
        .collect();
    Fields(fields)
}

/// A report field whose value is `type; value` (`rfc822; bob@example.net`, `dns; mx.example.net`,
/// `smtp; 550 5.1.1 …`): the value without its type. A value with no type is returned whole.
pub(crate) fn without_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((kind, rest)) if is_type_name(kind.trim()) => rest.trim(),
        _ => value.trim(),
    }
}

/// `rfc822`, `smtp`, `dns`, `X-Postfix`, `utf-8`, `x-unix`: one short word.
fn is_type_name(kind: &str) -> bool {
    !kind.is_empty() && kind.len() <= 20 && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_status_body_is_read_block_by_block() {
        let text = "Reporting-MTA: dns; mail.example.com\r\nX-Postfix-Queue-ID: 4WdZ1k3Hq2z9\r\n\r\n\
                    Final-Recipient: rfc822; bob@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\
                    Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>:\r\n    Recipient address rejected\r\n\
                    \r\n  \r\nFinal-Recipient: rfc822;carol@example.net\r\nAction: delayed\r\n";
        let blocks = blocks(text);
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].get("reporting-mta"), Some("dns; mail.example.com"));
        assert_eq!(
            blocks[1].get("diagnostic-code"),
            Some("smtp; 550 5.1.1 <bob@example.net>: Recipient address rejected")
        );
        assert_eq!(blocks[2].get("action"), Some("delayed"));
        assert_eq!(blocks[2].get("status"), None);
    }

    #[test]
    fn types_are_taken_off_typed_values() {
        assert_eq!(without_type("rfc822; bob@example.net"), "bob@example.net");
        assert_eq!(without_type("RFC822;<bob@example.net>"), "<bob@example.net>");
        assert_eq!(without_type("X-Postfix; connect to host: timed out"), "connect to host: timed out");
        assert_eq!(without_type("550 5.1.1 user unknown; see it"), "550 5.1.1 user unknown; see it");
    }

    #[test]
    fn text_without_fields_gives_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks("\n\n  \n").is_empty());
    }
}
