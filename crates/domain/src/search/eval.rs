//! Evaluation: a query compiled for the index (text lower-cased, folders as status masks, days as UTC
//! seconds) and whether one email row, or one person through their emails, matches it.

use super::index::{EmailRow, NO_INSTANT, SearchIndex, lower};
use super::query::{Count, DateField, Filter, Query};
use crate::ids::CampaignId;
use crate::status::Status;

fn status_bit(status: Status) -> u16 {
    1 << (status as u16)
}

/// A query ready to run: text lower-cased, folders as status masks, days as UTC seconds.
#[derive(Clone, Debug)]
pub(super) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test(Test),
}

#[derive(Clone, Debug)]
pub(super) enum Test {
    CampaignName(Box<str>),
    CampaignId(CampaignId),
    Statuses(u16),
    Viewed(Count),
    Clicked(Count),
    Replied(Count),
    Date(DateField, i64, i64),
    Name(Box<str>),
    Company(Box<str>),
    Domain(Box<str>),
    Tag(Box<str>),
    Subject(Box<str>),
}

impl Node {
    pub(super) fn compile(query: &Query) -> Node {
        match query {
            Query::All(parts) => Node::All(parts.iter().map(Node::compile).collect()),
            Query::Any(parts) => Node::Any(parts.iter().map(Node::compile).collect()),
            Query::Not(inner) => Node::Not(Box::new(Node::compile(inner))),
            Query::Term(filter) => Node::Test(match filter {
                Filter::CampaignName(name) => Test::CampaignName(lower(name)),
                Filter::CampaignId(id) => Test::CampaignId(*id),
                Filter::Folder(folder) => Test::Statuses(status_bit(folder.status())),
                Filter::Tab(tab) => {
                    Test::Statuses(tab.folders().fold(0, |mask, f| mask | status_bit(f.status())))
                }
                Filter::Status(status) => Test::Statuses(status_bit(*status)),
                Filter::Viewed(count) => Test::Viewed(*count),
                Filter::Clicked(count) => Test::Clicked(*count),
                Filter::Replied(count) => Test::Replied(*count),
                Filter::Date(field, range) => {
                    let (from, before) = range.bounds();
                    Test::Date(*field, from, before)
                }
                Filter::Name(text) => Test::Name(lower(text)),
                Filter::Company(text) => Test::Company(lower(text)),
                Filter::Domain(text) => Test::Domain(lower(text.trim().trim_start_matches('@'))),
                Filter::Tag(text) => Test::Tag(lower(text)),
                Filter::Subject(text) => Test::Subject(lower(text)),
            }),
        }
    }
}

impl SearchIndex {
    pub(super) fn person_eval(&self, node: &Node, person: u32) -> bool {
        self.people[person as usize].emails.iter().any(|&e| self.eval(node, &self.emails[e as usize]))
    }

    pub(super) fn eval(&self, node: &Node, row: &EmailRow) -> bool {
        match node {
            Node::All(parts) => parts.iter().all(|n| self.eval(n, row)),
            Node::Any(parts) => parts.iter().any(|n| self.eval(n, row)),
            Node::Not(inner) => !self.eval(inner, row),
            Node::Test(test) => self.test(test, row),
        }
    }

    fn test(&self, test: &Test, row: &EmailRow) -> bool {
        let person = || self.people.get(row.person as usize);
        match test {
            Test::CampaignName(name) => {
                self.campaigns.get(row.campaign as usize).is_some_and(|c| c.name == *name)
            }
            Test::CampaignId(id) => self.campaigns.get(row.campaign as usize).is_some_and(|c| c.id == *id),
            Test::Statuses(mask) => mask & status_bit(row.status) != 0,
            Test::Viewed(count) => count.accepts(row.views),
            Test::Clicked(count) => count.accepts(row.clicks),
            Test::Replied(count) => count.accepts(row.replies),
            Test::Date(field, from, before) => {
                let t = row.instant(*field);
                t != NO_INSTANT && *from <= t && t < *before
            }
            Test::Name(text) => person().is_some_and(|p| p.name.contains(&**text)),
            Test::Company(text) => person().is_some_and(|p| p.company.contains(&**text)),
            Test::Domain(domain) => self.domains.get(row.domain as usize).is_some_and(|d| d == domain),
            Test::Tag(tag) => person().is_some_and(|p| p.tags.contains(tag)),
            Test::Subject(text) => row.subject.contains(&**text),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use crate::ids::CampaignId;
    use crate::search::DateRange;
    use crate::search::fixtures::{found, ids, sample};

    #[test]
    fn campaign_matches_by_name_case_insensitively_or_by_id() {
        let index = sample();
        assert_eq!(found(&index, "campaign:\"q4 launch\""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:\"  Q4 LAUNCH \""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:Q4"), ids(&[]), "a campaign name is matched whole");
        assert_eq!(found(&index, &format!("campaign_id:{}", CampaignId::from_u128(2))), ids(&[3]));
        assert_eq!(found(&index, "-campaign:spring"), ids(&[1, 2, 4, 5]));
    }

    #[test]
    fn folder_tab_and_status_filter_by_where_the_email_is_filed() {
        let index = sample();
        assert_eq!(found(&index, "folder:sent/delivered"), ids(&[1, 2]));
        assert_eq!(found(&index, "status:delivered"), ids(&[1, 2]));
        assert_eq!(found(&index, "folder:sent"), ids(&[1, 2, 5]));
        assert_eq!(found(&index, "folder:undelivered"), ids(&[3]));
        assert_eq!(found(&index, "status:scheduled"), ids(&[4]));
        assert_eq!(found(&index, "folder:pending/in-progress"), ids(&[]));
    }

    #[test]
    fn engagement_counts_human_views_and_clicks_and_replies() {
        let index = sample();
        // Every email has machine views (views_raw > views_human): they do not count.
        assert_eq!(found(&index, "viewed"), ids(&[1, 2]));
        assert_eq!(found(&index, "viewed:no"), ids(&[3, 4, 5]));
        assert_eq!(found(&index, "viewed>=3"), ids(&[1]));
        assert_eq!(found(&index, "viewed>=0"), ids(&[1, 2, 3, 4, 5]));
        assert_eq!(found(&index, "clicked"), ids(&[1, 5]), "a click without a view still counts");
        assert_eq!(found(&index, "clicked>=2"), ids(&[5]));
        assert_eq!(found(&index, "replied"), ids(&[2]));
        assert_eq!(found(&index, "-replied"), ids(&[1, 3, 4, 5]));
    }

    #[test]
    fn date_ranges_include_the_first_day_and_exclude_the_last() {
        let index = sample();
        assert_eq!(found(&index, "created:2026-01-05..2026-01-07"), ids(&[1, 2]));
        assert_eq!(found(&index, "created:2026-01-07"), ids(&[3]));
        assert_eq!(found(&index, "created:..2026-01-05"), ids(&[5]));
        assert_eq!(found(&index, "created:2026-01-07.."), ids(&[3, 4]));
        assert_eq!(found(&index, "sent:.."), ids(&[1, 2, 3, 5]), "only emails that have the instant");
        assert_eq!(found(&index, "scheduled:2026-01-20"), ids(&[4]));
        assert_eq!(found(&index, "failed:2026-01-01..2026-02-01"), ids(&[3]));
        let range = DateRange {
            from: NaiveDate::from_ymd_opt(2026, 1, 1),
            before: NaiveDate::from_ymd_opt(2026, 1, 2),
        };
        assert!(range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()));
        assert!(range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 1, 23, 59, 59).unwrap()));
        assert!(!range.contains(chrono::Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap()));
    }

    #[test]
    fn person_fields_match_through_the_emails_person() {
        let index = sample();
        assert_eq!(found(&index, "name:souza"), ids(&[1, 4]));
        assert_eq!(found(&index, r#"name:"ana souza""#), ids(&[1, 4]));
        assert_eq!(found(&index, "company:acme"), ids(&[1, 4]));
        assert_eq!(found(&index, "company:ACME"), ids(&[1, 4]));
        assert_eq!(found(&index, "tag:vip"), ids(&[1, 4]), "tags are case-insensitive");
        assert_eq!(found(&index, "tag:vi"), ids(&[]), "a tag is matched whole");
        assert_eq!(found(&index, "-tag:cold"), ids(&[1, 3, 4, 5]));
        assert_eq!(found(&index, "domain:acme.com"), ids(&[1, 3, 4]), "sub.acme.com is another domain");
        assert_eq!(found(&index, "domain:@ACME.com"), ids(&[1, 3, 4]));
    }

    #[test]
    fn subject_text_is_found_case_insensitively() {
        let index = sample();
        assert_eq!(found(&index, "subject:pricing"), ids(&[1]));
        assert_eq!(found(&index, r#"subject:"FOR ACME""#), ids(&[1]));
        assert_eq!(found(&index, "subject:hello"), ids(&[2, 3, 4, 5]));
    }
}
