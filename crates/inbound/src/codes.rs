//! Codes in a server's answer: the enhanced status code (RFC 3463, `class.subject.detail`, e.g. `5.1.1`)
//! and the SMTP reply code (RFC 5321, e.g. `550`), found in free text by a small scanner.

/// `text` as an enhanced status code when it is one (`4.4.7`, `5.1.10`; any class), trimmed.
pub(crate) fn parse_status(text: &str) -> Option<String> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let end = status_end(bytes, 0)?;
    (end == bytes.len()).then(|| text.to_string())
}

/// The first failure status code (class 4 or 5) standing on its own in `text`: `550 5.1.1 <bob@…>` gives
/// `5.1.1`, `(#5.2.2)` gives `5.2.2`; an IP address such as `192.0.2.5.1` or a version (`v5.2.1`) gives
/// nothing. A generic code (`X.0.0`, or `4.4.7` said of any delay) gives way to a more specific one later in
/// the text.
pub(crate) fn find_status(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut codes = (0..bytes.len()).filter_map(|start| {
        let class = *bytes.get(start)?;
        let version = start > 0 && matches!(bytes.get(start - 1), Some(b'v' | b'V'));
        if !matches!(class, b'4' | b'5') || version || !starts_token(bytes, start) {
            return None;
        }
        let end = status_end(bytes, start)?;
        text.get(start..end)
    });
    let first = codes.next()?;
    let generic = |code: &str| code.ends_with(".0.0") || code == "4.4.7";
    if !generic(first) {
        return Some(first.to_string());
    }
    Some(codes.take(16).find(|code| !generic(code)).unwrap_or(first).to_string())
}

/// The first SMTP reply code of a failure (4xx or 5xx) standing on its own in `text`: `550 5.1.1 …`,
/// `550-5.7.1 …`, `554: delivery error` give 550, 550, 554. Parts of IP addresses, dates and longer numbers
/// are not codes.
pub(crate) fn find_smtp_code(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|start| {
        let digits = bytes.get(start..start + 3)?;
        let [first, second, third] = [digits[0], digits[1], digits[2]];
        let shape = matches!(first, b'4' | b'5') && (b'0'..=b'5').contains(&second) && third.is_ascii_digit();
        if !shape || !starts_token(bytes, start) || !ends_token(bytes, start + 3) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    })
}

/// A server's answer with whitespace collapsed and, for a multi-line SMTP reply, the code each line repeats
/// (`550-5.1.1 The email account … 550-5.1.1 double-checking … 550 5.1.1 https://…`) kept only at the start.
pub(crate) fn tidy_diagnostic(text: &str) -> String {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let Some(code) = tokens.first().and_then(|first| first.get(..3)).filter(|c| find_smtp_code(c).is_some())
    else {
        return tokens.join(" ");
    };
    let is_status = |t: &str| parse_status(t).is_some();
    let mut kept: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while let Some(token) = tokens.get(at) {
        let continued = token.strip_prefix(code).and_then(|rest| rest.strip_prefix('-'));
        match continued {
            // `550-5.1.1` or a bare `550-`
            Some(rest) if rest.is_empty() || is_status(rest) => {
                if at == 0 {
                    kept.push(code);
                    if !rest.is_empty() {
                        kept.push(rest);
                    }
                }
                at += 1;
            }
            // `550 5.1.1` after the start
            _ if at > 0 && *token == code && tokens.get(at + 1).is_some_and(|next| is_status(next)) => {
                at += 2
            }
            _ => {
                kept.push(token);
                at += 1;
            }
        }
    }
    kept.join(" ")
}

/// Where a status code that starts at `start` ends, if one does.
fn status_end(bytes: &[u8], start: usize) -> Option<usize> {
    if !bytes.get(start).is_some_and(|c| matches!(c, b'2' | b'4' | b'5')) {
        return None;
    }
    let mut at = start + 1;
    for _ in 0..2 {
        if bytes.get(at) != Some(&b'.') {
            return None;
        }
        at += 1;
        let digits_start = at;
        while at - digits_start < 3 && bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == digits_start {
            return None;
        }
    }
    ends_token(bytes, at).then_some(at)
}

/// No letter, digit or dot right before `at` (so `192.5.1.1` and `x5.1.1` are not codes).
fn starts_token(bytes: &[u8], at: usize) -> bool {
    match at.checked_sub(1).and_then(|before| bytes.get(before)) {
        None => true,
        Some(c) => !c.is_ascii_alphanumeric() && *c != b'.',
    }
}

/// No letter or digit at `at`, and no dot followed by a digit (so `5.1.1.4` and `554.30` are not codes).
fn ends_token(bytes: &[u8], at: usize) -> bool {
    match bytes.get(at) {
        None => true,
        Some(b'.') => !bytes.get(at + 1).is_some_and(u8::is_ascii_digit),
        Some(c) => !c.is_ascii_alphanumeric(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_found_where_they_stand_alone() {
        let cases = [
            ("550 5.1.1 <bob@example.net>: Recipient address rejected", Some("5.1.1")),
            ("Sorry, no mailbox here by that name. (#5.1.1)", Some("5.1.1")),
            ("550-5.7.1 [203.0.113.7] The user or domain", Some("5.7.1")),
            ("550 5.1.10 RESOLVER.ADR.RecipientNotFound", Some("5.1.10")),
            ("host 192.0.2.5.1 said: hello", None),
            ("version 2.5.1 of the software", None),
            ("554 delivery error: This mailbox is disabled (554.30).", None),
            ("Delivery time expired 4.4.7.", Some("4.4.7")),
            ("", None),
            ("5.", None),
        ];
        for (text, expected) in cases {
            assert_eq!(find_status(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn a_multi_line_reply_keeps_its_code_once() {
        assert_eq!(
            tidy_diagnostic(
                "550-5.1.1 The email account that you tried to reach does not exist. Please try\n                  550-5.1.1 double-checking the recipient's email address for typos or\n                  550 5.1.1  https://support.google.com/mail/?p=NoSuchUser x1 - gsmtp"
            ),
            "550 5.1.1 The email account that you tried to reach does not exist. Please try \
             double-checking the recipient's email address for typos or \
             https://support.google.com/mail/?p=NoSuchUser x1 - gsmtp"
        );
        assert_eq!(
            tidy_diagnostic("550 5.1.1 <bob@example.net>:\n   User unknown"),
            "550 5.1.1 <bob@example.net>: User unknown"
        );
        assert_eq!(tidy_diagnostic("Unrouteable   address"), "Unrouteable address");
        assert_eq!(tidy_diagnostic(""), "");
    }

    #[test]
    fn a_status_field_is_a_code_or_nothing() {
        assert_eq!(parse_status(" 5.1.1 ").as_deref(), Some("5.1.1"));
        assert_eq!(parse_status("4.4.7").as_deref(), Some("4.4.7"));
        assert_eq!(parse_status("2.0.0").as_deref(), Some("2.0.0"));
        assert_eq!(parse_status("5.1.1 (bad mailbox)"), None);
        assert_eq!(parse_status("5.1"), None);
        assert_eq!(parse_status("9.9.9"), None);
    }

    #[test]
    fn smtp_codes_are_found_where_they_stand_alone() {
        let cases = [
            ("550 5.1.1 user unknown", Some(550)),
            ("550-5.7.1 The user", Some(550)),
            ("Remote host said: 552 5.2.2 Mailbox full", Some(552)),
            ("554: delivery error: dd This user doesn't have an account", Some(554)),
            ("host mx.example.net [192.0.2.25]: 451 4.7.1 try later", Some(451)),
            ("connect to mx.example.net[198.51.100.4]:25: Connection timed out", None),
            ("Sent: 7/1/2024 10:15 AM", None),
            ("code 5500 or 599", None),
            ("(554.30)", None),
        ];
        for (text, expected) in cases {
            assert_eq!(find_smtp_code(text), expected, "{text}");
        }
    }
}
