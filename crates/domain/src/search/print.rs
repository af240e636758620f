//! The text form a query prints as (`campaign:"Q4 launch" viewed clicked -replied`): values quoted only
//! when they must be, so that [`Query::parse`] reads a normal query back exactly.

use std::fmt;

use super::query::{Count, Filter, Query};
use crate::folder::Folder;
use crate::status::Status;

impl fmt::Display for Query {
    /// The text form. A normal query prints so that [`Query::parse`] gives it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All(parts) if parts.is_empty() => Ok(()),
            q => write_or(q, f),
        }
    }
}

fn write_or(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::Any(parts) if !parts.is_empty() => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(" OR ")?;
                }
                write_and(part, f)?;
            }
            Ok(())
        }
        q => write_and(q, f),
    }
}

fn write_and(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::All(parts) if !parts.is_empty() => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write_unary(part, f)?;
            }
            Ok(())
        }
        q => write_unary(q, f),
    }
}

fn write_unary(q: &Query, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match q {
        Query::Term(filter) => write!(f, "{filter}"),
        Query::Not(inner) => {
            f.write_str("-")?;
            write_unary(inner, f)
        }
        Query::All(parts) if parts.is_empty() => f.write_str("()"),
        Query::Any(parts) if parts.is_empty() => f.write_str("-()"),
        group => {
            f.write_str("(")?;
            write_or(group, f)?;
            f.write_str(")")
        }
    }
}

/// Writes a value bare when it can be, quoted with `\"` and `\\` escapes otherwise.
fn write_value(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let needs_quotes =
        value.is_empty() || value.chars().any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\\'));
    if !needs_quotes {
        return f.write_str(value);
    }
    f.write_str("\"")?;
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

fn write_count(key: &str, count: Count, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match count {
        Count::Yes => f.write_str(key),
        Count::No => write!(f, "{key}:no"),
        Count::AtLeast(n) => write!(f, "{key}>={n}"),
    }
}

/// A status's name in the text form: its folder's slug, e.g. `in-progress`.
pub(super) fn status_name(status: Status) -> &'static str {
    Folder::of(status).sub_slug()
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::CampaignName(name) => {
                f.write_str("campaign:")?;
                write_value(name, f)
            }
            Filter::CampaignId(id) => write!(f, "campaign_id:{id}"),
            Filter::Folder(folder) => write!(f, "folder:{folder}"),
            Filter::Tab(tab) => write!(f, "folder:{}", tab.slug()),
            Filter::Status(status) => write!(f, "status:{}", status_name(*status)),
            Filter::Viewed(count) => write_count("viewed", *count, f),
            Filter::Clicked(count) => write_count("clicked", *count, f),
            Filter::Replied(count) => write_count("replied", *count, f),
            Filter::Date(field, range) => {
                write!(f, "{}:", field.key())?;
                if let Some(from) = range.from {
                    write!(f, "{from}")?;
                }
                f.write_str("..")?;
                if let Some(before) = range.before {
                    write!(f, "{before}")?;
                }
                Ok(())
            }
            Filter::Name(text) => {
                f.write_str("name:")?;
                write_value(text, f)
            }
            Filter::Company(text) => {
                f.write_str("company:")?;
                write_value(text, f)
            }
            Filter::Domain(text) => {
                f.write_str("domain:")?;
                write_value(text, f)
            }
            Filter::Tag(text) => {
                f.write_str("tag:")?;
                write_value(text, f)
            }
            Filter::Subject(text) => {
                f.write_str("subject:")?;
                write_value(text, f)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::folder::MainTab;
    use crate::ids::CampaignId;
    use crate::search::fixtures::{not, q, term};
    use crate::search::{DateField, DateRange};

    #[test]
    fn the_seed_search_reads_and_prints_back() {
        let text = r#"campaign:"Q4 launch" viewed clicked -replied"#;
        let query = q(text);
        assert_eq!(
            query,
            Query::All(vec![
                term(Filter::CampaignName("Q4 launch".into())),
                term(Filter::Viewed(Count::Yes)),
                term(Filter::Clicked(Count::Yes)),
                not(term(Filter::Replied(Count::Yes))),
            ])
        );
        assert_eq!(query.to_string(), text);
        assert_eq!(text.parse::<Query>(), Ok(query));
    }

    #[test]
    fn every_filter_has_a_text_form() {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let id = CampaignId::from_u128(7);
        let cases = [
            ("folder:sent/delivered", Filter::Folder(Folder::Delivered), "folder:sent/delivered"),
            ("folder:pending", Filter::Tab(MainTab::Pending), "folder:pending"),
            ("status:bounced", Filter::Status(Status::Bounced), "status:bounced"),
            ("status:in_progress", Filter::Status(Status::InProgress), "status:in-progress"),
            ("viewed>=3", Filter::Viewed(Count::AtLeast(3)), "viewed>=3"),
            ("viewed>2", Filter::Viewed(Count::AtLeast(3)), "viewed>=3"),
            ("clicked:no", Filter::Clicked(Count::No), "clicked:no"),
            ("replied:yes", Filter::Replied(Count::Yes), "replied"),
            (
                "created:2026-01-01..2026-02-01",
                Filter::Date(
                    DateField::Created,
                    DateRange { from: date("2026-01-01"), before: date("2026-02-01") },
                ),
                "created:2026-01-01..2026-02-01",
            ),
            (
                "sent:..2026-03-01",
                Filter::Date(DateField::Sent, DateRange { from: None, before: date("2026-03-01") }),
                "sent:..2026-03-01",
            ),
            (
                "scheduled:2026-03-01..",
                Filter::Date(DateField::Scheduled, DateRange { from: date("2026-03-01"), before: None }),
                "scheduled:2026-03-01..",
            ),
            (
                "failed:2026-03-01",
                Filter::Date(
                    DateField::Failed,
                    DateRange { from: date("2026-03-01"), before: date("2026-03-02") },
                ),
                "failed:2026-03-01..2026-03-02",
            ),
            ("company:acme", Filter::Company("acme".into()), "company:acme"),
            ("domain:acme.com", Filter::Domain("acme.com".into()), "domain:acme.com"),
            ("tag:vip", Filter::Tag("vip".into()), "tag:vip"),
            (r#"name:"Ana Souza""#, Filter::Name("Ana Souza".into()), r#"name:"Ana Souza""#),
            ("subject:pricing", Filter::Subject("pricing".into()), "subject:pricing"),
            ("campaign:Spring", Filter::CampaignName("Spring".into()), "campaign:Spring"),
            (&format!("campaign_id:{id}"), Filter::CampaignId(id), &format!("campaign_id:{id}")),
            ("Company:ACME", Filter::Company("ACME".into()), "company:ACME"),
        ];
        for (text, filter, printed) in cases {
            let query = q(text);
            assert_eq!(query, term(filter), "{text}");
            assert_eq!(query.to_string(), printed, "{text}");
            assert_eq!(q(printed), query, "{printed}");
        }
    }

    #[test]
    fn the_empty_search_matches_everything_and_prints_empty() {
        assert_eq!(q(""), Query::everything());
        assert_eq!(q("   "), Query::everything());
        assert_eq!(q("()"), Query::everything());
        assert_eq!(Query::everything().to_string(), "");
        assert_eq!(Query::Any(vec![]).normalized().to_string(), "-()");
        assert_eq!(q("-()"), Query::Any(vec![]).normalized());
    }

    #[test]
    fn quoted_values_keep_spaces_quotes_and_backslashes() {
        let tricky = r#"say "hi" \ (now)"#;
        let query = term(Filter::Subject(tricky.into()));
        assert_eq!(query.to_string(), r#"subject:"say \"hi\" \\ (now)""#);
        assert_eq!(q(&query.to_string()), query);
        assert_eq!(q(r#"subject:"""#), term(Filter::Subject(String::new())));
        assert_eq!(q("tag:OR"), term(Filter::Tag("OR".into())), "a keyword as a value is just text");
        assert_eq!(q("company:-x"), term(Filter::Company("-x".into())));
    }
}
