//! Tracked links: which links of an email's HTML body go through the click redirect, and where each leads.
//!
//! One definition for the sender, which rewrites them (`LINK_ELEMENTS` and [`link_target`]), and for the
//! classifier, which counts them ([`tracked_links`]): a link is an `<a>` element's `href`, tracked when the
//! browser would take it to a web address, and two links are one when they lead to the same address.

use std::collections::BTreeSet;

/// The elements whose `href` is a link (a CSS selector).
pub const LINK_ELEMENTS: &str = "a[href]";

/// Where a browser goes from a link whose `href` attribute is written `raw` (as it stands in the HTML,
/// character references and all), when that is a web address: the attribute's references decoded as an
/// HTML parser does (`&amp;` is `&`, `&#10;` a line break, `&copy=` left as it is), then read as a URL the
/// way browsers do (surrounding spaces dropped, tabs and line breaks inside removed). `None` for any other
/// link (`mailto:`, a relative or unreadable address), which is left untracked.
pub fn link_target(raw: &str) -> Option<String> {
    let decoded = htmlize::unescape_attribute(raw);
    let url = url::Url::parse(&decoded).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The distinct addresses the tracked links of an HTML body lead to: one per [`link_target`] of an `<a>`
/// start tag's first `href`, read as a browser reads tags (comments and the text of `script`, `style`,
/// `textarea` and `title` hold no tags; a tag the body ends inside of is no tag).
pub fn tracked_links(html: &str) -> BTreeSet<String> {
    let mut links = BTreeSet::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let name_len =
            rest.find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>').unwrap_or(rest.len());
        let name = &rest[..name_len];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let Some((href, after)) = start_tag(&rest[name_len..]) else { break };
        rest = after;
        if name.eq_ignore_ascii_case("a")
            && let Some(target) = href.and_then(link_target)
        {
            links.insert(target);
        }
        if let Some(raw_text) =
            ["script", "style", "textarea", "title"].iter().find(|t| name.eq_ignore_ascii_case(t))
        {
            let close = format!("</{raw_text}");
            rest = find_ignoring_case(rest, &close).map_or("", |at| &rest[at..]);
        }
    }
    links
}

/// Reads a start tag's attributes up to its `>`: the value of its first `href` attribute, and what follows
/// the tag. `None` when the body ends inside the tag.
fn start_tag(tag: &str) -> Option<(Option<&str>, &str)> {
    let mut href = None;
    let mut rest = tag;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if let Some(after) = rest.strip_prefix('>') {
            return Some((href, after));
        }
        if rest.is_empty() {
            return None;
        }
        // An attribute's name runs to a space, `/`, `>` or `=` (a leading `=` belongs to the name).
        let name_len = rest[1..]
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '/' | '>' | '='))
            .map_or(rest.len(), |i| i + 1);
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let mut value = "";
        if let Some(after_equals) = rest.strip_prefix('=') {
            let after_equals = after_equals.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if let Some(quote) = after_equals.chars().next().filter(|c| *c == '"' || *c == '\'') {
                let quoted = &after_equals[1..];
                let end = quoted.find(quote)?;
                value = &quoted[..end];
                rest = &quoted[end + 1..];
            } else {
                let end = after_equals
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(after_equals.len());
                value = &after_equals[..end];
                rest = &after_equals[end..];
            }
        }
        if href.is_none() && name.eq_ignore_ascii_case("href") {
            href = Some(value);
        }
    }
}

fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracked_link_leads_where_the_browser_would_have_gone() {
        for (href, target) in [
            (
                "https://acme.example/p?utm_source=a&amp;utm_medium=b",
                "https://acme.example/p?utm_source=a&utm_medium=b",
            ),
            ("https://acme.example/p?a=1&#38;b=2&#x26;c=3", "https://acme.example/p?a=1&b=2&c=3"),
            ("  https://acme.example/a&#10;b  ", "https://acme.example/ab"),
            ("https://acme.example/?x=1&copy=2", "https://acme.example/?x=1&copy=2"),
            ("HTTPS://Acme.Example/Path?q=%C3%A9&amp;r=é", "https://acme.example/Path?q=%C3%A9&r=%C3%A9"),
        ] {
            assert_eq!(link_target(href).as_deref(), Some(target), "{href}");
        }
        for untracked in
            ["mailto:ana@acme.example", "/relative", "javascript&#58;alert(1)", "tel:+1555", "https://", ""]
        {
            assert_eq!(link_target(untracked), None, "{untracked}");
        }
    }

    #[test]
    fn the_links_of_a_body_are_its_anchors_web_addresses_each_counted_once() {
        let html = r##"<p><a href="https://x.com/a">A</a> <A HREF='https://x.com/b'>B</A>
            <a href = https://x.com/a>again</a> <a href="mailto:me@x.com">mail</a> <a href="#top">top</a>
            <a href="HTTP://x.com/c">C</a> <a href></a> <a href="https://x.com/é">é</a>
            <a title="x" href="https://x.com/a?b=1&amp;c=2">amp</a> <a href="https://x.com/a?b=1&c=2">same</a>"##;
        let links: Vec<String> = tracked_links(html).into_iter().collect();
        assert_eq!(
            links,
            [
                "http://x.com/c",
                "https://x.com/%C3%A9",
                "https://x.com/a",
                "https://x.com/a?b=1&c=2",
                "https://x.com/b"
            ]
        );
        assert!(tracked_links("<p>no links</p>").is_empty());
    }

    #[test]
    fn only_anchors_in_tags_are_links() {
        let not_links = r#"<link href="https://x.com/style.css"><base href="https://x.com/">
            <area href="https://x.com/map"> <!-- <a href="https://x.com/commented">x</a> -->
            <script>var s = '<a href="https://x.com/script">';</script>
            <abbr href="https://x.com/abbr">abbr</abbr> <p>1 < 2 href="https://x.com/text"</p>
            <a data-href="https://x.com/data" href="mailto:a@x.com">mail</a>
            <a href="https://x.com/open"#;
        assert!(tracked_links(not_links).is_empty(), "{:?}", tracked_links(not_links));
        let first_wins = r#"<a href="https://x.com/first" href="https://x.com/second">x</a>"#;
        assert_eq!(tracked_links(first_wins).into_iter().collect::<Vec<_>>(), ["https://x.com/first"]);
        let after_script = r#"<SCRIPT>if (a<b) {}</script ><a href="https://x.com/after">x</a>"#;
        assert_eq!(tracked_links(after_script).len(), 1);
    }
}
