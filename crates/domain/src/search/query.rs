//! The query model: what a search is (filters combined with AND, OR and NOT), its normal form, and the
//! builder's rows of a plain AND of filters.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::email::Email;
use crate::folder::{Folder, MainTab};
use crate::ids::{CampaignId, Instant};
use crate::status::Status;

/// A search: filters combined with AND, OR and NOT. Asked of one email at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(no_recursion))]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// Every part matches (AND). With no parts it matches every email.
    All(Vec<Query>),
    /// At least one part matches (OR). With no parts it matches nothing.
    Any(Vec<Query>),
    /// The part does not match.
    Not(Box<Query>),
    /// One filter.
    Term(Filter),
}

/// One condition on an email, its engagement or its person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// The email belongs to a campaign with this name (case-insensitive, surrounding spaces ignored).
    CampaignName(String),
    /// The email belongs to this campaign.
    CampaignId(CampaignId),
    /// The email is filed in this folder (sub-tab).
    Folder(Folder),
    /// The email is filed anywhere under this main tab.
    Tab(MainTab),
    /// The email has this status.
    Status(Status),
    /// Human views of the email.
    Viewed(Count),
    /// Human clicks in the email.
    Clicked(Count),
    /// Replies to the email.
    Replied(Count),
    /// The email's instant of this kind falls in the range; an email without that instant never matches.
    Date(DateField, DateRange),
    /// The person's name ("first last") contains the text, case-insensitive.
    Name(String),
    /// The person's company contains the text, case-insensitive.
    Company(String),
    /// The recipient's address is at this domain, case-insensitive (`acme.com`, not `sub.acme.com`).
    Domain(String),
    /// The person has this tag, case-insensitive.
    Tag(String),
    /// The subject contains the text, case-insensitive.
    Subject(String),
}

/// How often something happened for an engagement filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Count {
    /// At least once.
    Yes,
    /// Never.
    No,
    /// At least this many times.
    AtLeast(u32),
}

impl Count {
    /// Whether `n` occurrences satisfy the count.
    pub fn accepts(self, n: u32) -> bool {
        match self {
            Count::Yes => n >= 1,
            Count::No => n == 0,
            Count::AtLeast(min) => n >= min,
        }
    }
}

/// Which instant of an email a date filter looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DateField {
    Created,
    Sent,
    Scheduled,
    Failed,
}

impl DateField {
    pub const ALL: [DateField; 4] =
        [DateField::Created, DateField::Sent, DateField::Scheduled, DateField::Failed];

    /// The key in the text form.
    pub fn key(self) -> &'static str {
        match self {
            DateField::Created => "created",
            DateField::Sent => "sent",
            DateField::Scheduled => "scheduled",
            DateField::Failed => "failed",
        }
    }

    /// The email's instant of this kind, if it has one.
    pub fn of(self, email: &Email) -> Option<Instant> {
        match self {
            DateField::Created => Some(email.created_at),
            DateField::Sent => email.sent_at,
            DateField::Scheduled => email.schedule.as_ref().map(|s| s.at),
            DateField::Failed => email.failed_at,
        }
    }
}

/// Days in UTC: from `from` (inclusive) up to `before` (exclusive). A side left out is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateRange {
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub before: Option<NaiveDate>,
}

impl DateRange {
    /// Whether the instant falls in the range.
    pub fn contains(&self, at: Instant) -> bool {
        let (from, before) = self.bounds();
        let t = at.timestamp();
        from <= t && t < before
    }

    /// The range as UTC seconds: `from <= t < before`.
    pub(super) fn bounds(&self) -> (i64, i64) {
        let secs = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp();
        (self.from.map(secs).unwrap_or(i64::MIN), self.before.map(secs).unwrap_or(i64::MAX))
    }
}

impl Query {
    /// The search that matches every email.
    pub fn everything() -> Query {
        Query::All(Vec::new())
    }

    /// The same search in normal form: nested ANDs and ORs flattened, one-part groups unwrapped, double
    /// negations removed, and an empty OR written as `-()`. Parsing the printed form of a normal query
    /// gives it back exactly.
    pub fn normalized(self) -> Query {
        match self {
            Query::Term(filter) => Query::Term(filter),
            Query::Not(inner) => match inner.normalized() {
                Query::Not(twice) => *twice,
                other => Query::Not(Box::new(other)),
            },
            Query::All(parts) => {
                let mut flat = Vec::with_capacity(parts.len());
                for part in parts {
                    match part.normalized() {
                        Query::All(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                if flat.len() == 1 { flat.swap_remove(0) } else { Query::All(flat) }
            }
            Query::Any(parts) => {
                let mut flat = Vec::with_capacity(parts.len());
                for part in parts {
                    match part.normalized() {
                        Query::Any(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                match flat.len() {
                    0 => Query::Not(Box::new(Query::everything())),
                    1 => flat.swap_remove(0),
                    _ => Query::Any(flat),
                }
            }
        }
    }
}

/// One row of a filter builder: a filter, or its negation. A builder is a list of them, all of which must
/// hold (AND): the shape most searches have, and the one a form can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub negated: bool,
    pub filter: Filter,
}

impl Query {
    /// The builder rows of this search, when it is a plain AND of filters and negated filters (the empty
    /// search is no rows). `None` when it needs OR or grouping: the text form is then the only way to
    /// edit it.
    pub fn conditions(&self) -> Option<Vec<Condition>> {
        fn one(part: &Query) -> Option<Condition> {
            match part {
                Query::Term(filter) => Some(Condition { negated: false, filter: filter.clone() }),
                Query::Not(inner) => match inner.as_ref() {
                    Query::Term(filter) => Some(Condition { negated: true, filter: filter.clone() }),
                    _ => None,
                },
                _ => None,
            }
        }
        match self.clone().normalized() {
            Query::All(parts) => parts.iter().map(one).collect(),
            other => one(&other).map(|c| vec![c]),
        }
    }

    /// The search a builder's rows make: all of them (AND), in normal form.
    pub fn from_conditions(conditions: &[Condition]) -> Query {
        let parts = conditions
            .iter()
            .map(|c| {
                let term = Query::Term(c.filter.clone());
                if c.negated { Query::Not(Box::new(term)) } else { term }
            })
            .collect();
        Query::All(parts).normalized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_rows_and_the_text_form_round_trip() {
        let query = Query::parse(r#"campaign:"Q4 launch" viewed clicked -replied company:acme"#).unwrap();
        let rows = query.conditions().expect("a plain AND fits the builder");
        assert_eq!(rows.len(), 5);
        assert!(rows[3].negated);
        assert_eq!(rows[3].filter, Filter::Replied(Count::Yes));
        let back = Query::from_conditions(&rows);
        assert_eq!(back, query);
        assert_eq!(Query::parse(&back.to_string()).unwrap(), back);
        assert_eq!(Query::everything().conditions(), Some(vec![]));
        assert_eq!(Query::from_conditions(&[]), Query::everything());
        assert_eq!(Query::parse("viewed OR clicked").unwrap().conditions(), None, "OR needs the text form");
        assert_eq!(Query::parse("-(viewed clicked)").unwrap().conditions(), None);
    }
}
