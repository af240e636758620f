//! The filter builder's rows: a search as a list of conditions a form shows, one row per condition, each
//! holding what the rep has entered so far.
//!
//! Owns when a row is a condition and when it is still being filled in ([`Row::condition`]), the rows of a
//! search and the search of some rows (both ways, so the builder and the text form are one [`Query`] seen
//! twice), and which rows a builder shows once the text changes ([`follow`]): a row still being filled in
//! is never lost to it. It does not draw anything or read a date input: the app does.

use chrono::NaiveDate;

use super::{Condition, Count, DateField, DateRange, Filter, Query};
use crate::folder::{Folder, MainTab};

/// What a row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Campaign,
    CampaignId,
    Folder,
    Tab,
    Status,
    Viewed,
    Clicked,
    Replied,
    Created,
    Sent,
    Scheduled,
    Failed,
    Name,
    Company,
    Domain,
    Tag,
    Subject,
}

/// What a row of a field asks the rep for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// How often (viewed, clicked, replied): always complete.
    Times,
    /// One of a list (folder, tab, status): complete from the start.
    Choice,
    /// A range of days, either side open: complete unless it is empty.
    Dates,
    /// Typed text (campaign, name, company, domain, tag, subject, a campaign id): incomplete until typed.
    Text,
}

impl Field {
    /// The fields offered for a new row, in the order the menu lists them. A status is offered as its
    /// folder (each status has one), a campaign by its name; rows of both come from the text form.
    pub const OFFERED: [Field; 15] = [
        Field::Campaign,
        Field::Folder,
        Field::Tab,
        Field::Viewed,
        Field::Clicked,
        Field::Replied,
        Field::Created,
        Field::Sent,
        Field::Scheduled,
        Field::Failed,
        Field::Name,
        Field::Company,
        Field::Domain,
        Field::Tag,
        Field::Subject,
    ];

    /// The field's key: the text form's, and the builder's name for it.
    pub fn key(self) -> &'static str {
        match self {
            Field::Campaign => "campaign",
            Field::CampaignId => "campaign_id",
            Field::Folder => "folder",
            Field::Tab => "tab",
            Field::Status => "status",
            Field::Viewed => "viewed",
            Field::Clicked => "clicked",
            Field::Replied => "replied",
            Field::Created => "created",
            Field::Sent => "sent",
            Field::Scheduled => "scheduled",
            Field::Failed => "failed",
            Field::Name => "name",
            Field::Company => "company",
            Field::Domain => "domain",
            Field::Tag => "tag",
            Field::Subject => "subject",
        }
    }

    /// Every field: the ones offered, and the two only the text form writes.
    pub fn all() -> impl Iterator<Item = Field> {
        [Field::CampaignId, Field::Status].into_iter().chain(Field::OFFERED)
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::all().find(|f| f.key() == key)
    }

    pub fn entry(self) -> Entry {
        match self {
            Field::Viewed | Field::Clicked | Field::Replied => Entry::Times,
            Field::Folder | Field::Tab | Field::Status => Entry::Choice,
            Field::Created | Field::Sent | Field::Scheduled | Field::Failed => Entry::Dates,
            Field::Campaign
            | Field::CampaignId
            | Field::Name
            | Field::Company
            | Field::Domain
            | Field::Tag
            | Field::Subject => Entry::Text,
        }
    }

    fn date_field(self) -> Option<DateField> {
        match self {
            Field::Created => Some(DateField::Created),
            Field::Sent => Some(DateField::Sent),
            Field::Scheduled => Some(DateField::Scheduled),
            Field::Failed => Some(DateField::Failed),
            _ => None,
        }
    }
}

/// How often, for viewed / clicked / replied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    Yes,
    No,
    AtLeast(u32),
}

/// Why a row is not a condition yet: it stays in the builder, said so, and is left out of the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incomplete {
    /// Its text is empty (or, for a campaign id, not one).
    Value,
    /// Its first day is not before its second, so no day is in the range.
    EmptyRange,
}

/// One row of the builder, as the rep has filled it in so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub negated: bool,
    pub field: Field,
    /// The typed text, or the chosen folder (`sent/delivered`) or tab (`sent`).
    pub text: String,
    pub times: Times,
    /// The first day of a date range (included); `None` leaves that side open.
    pub from: Option<NaiveDate>,
    /// The day a date range ends before (not included); `None` leaves that side open.
    pub before: Option<NaiveDate>,
}

impl Row {
    /// A new row of `field`, as the menu makes it: a choice starts on the first one, the rest empty.
    pub fn new(field: Field) -> Row {
        let text = match field {
            Field::Folder | Field::Status => Folder::Delivered.to_string(),
            Field::Tab => MainTab::Sent.slug().to_string(),
            _ => String::new(),
        };
        Row { negated: false, field, text, times: Times::Yes, from: None, before: None }
    }

    /// The row of a condition.
    pub fn of(condition: &Condition) -> Row {
        let (field, text) = match &condition.filter {
            Filter::CampaignName(name) => (Field::Campaign, name.clone()),
            Filter::CampaignId(id) => (Field::CampaignId, id.to_string()),
            Filter::Folder(folder) => (Field::Folder, folder.to_string()),
            Filter::Tab(tab) => (Field::Tab, tab.slug().to_string()),
            Filter::Status(status) => (Field::Status, Folder::of(*status).to_string()),
            Filter::Viewed(_) => (Field::Viewed, String::new()),
            Filter::Clicked(_) => (Field::Clicked, String::new()),
            Filter::Replied(_) => (Field::Replied, String::new()),
            Filter::Date(field, _) => (
                match field {
                    DateField::Created => Field::Created,
                    DateField::Sent => Field::Sent,
                    DateField::Scheduled => Field::Scheduled,
                    DateField::Failed => Field::Failed,
                },
                String::new(),
            ),
            Filter::Name(t) => (Field::Name, t.clone()),
            Filter::Company(t) => (Field::Company, t.clone()),
            Filter::Domain(t) => (Field::Domain, t.clone()),
            Filter::Tag(t) => (Field::Tag, t.clone()),
            Filter::Subject(t) => (Field::Subject, t.clone()),
        };
        let mut row = Row::new(field);
        row.negated = condition.negated;
        row.text = text;
        match &condition.filter {
            Filter::Viewed(count) | Filter::Clicked(count) | Filter::Replied(count) => {
                row.times = match *count {
                    Count::Yes => Times::Yes,
                    Count::No => Times::No,
                    Count::AtLeast(n) => Times::AtLeast(n),
                }
            }
            Filter::Date(_, range) => (row.from, row.before) = (range.from, range.before),
            _ => {}
        }
        row
    }

    /// The condition the row stands for, or why it is not one yet. Surrounding spaces of a text are not
    /// part of it; a date range with both sides open asks only that the email has that date (`sent:..`:
    /// sent at any time).
    pub fn condition(&self) -> Result<Condition, Incomplete> {
        let text = self.text.trim().to_string();
        let count = match self.times {
            Times::Yes => Count::Yes,
            Times::No => Count::No,
            Times::AtLeast(n) => Count::AtLeast(n.max(1)),
        };
        let chosen = || text.parse::<Folder>().map_err(|_| Incomplete::Value);
        let filter = match self.field {
            Field::Viewed => Filter::Viewed(count),
            Field::Clicked => Filter::Clicked(count),
            Field::Replied => Filter::Replied(count),
            Field::Folder => Filter::Folder(chosen()?),
            Field::Status => Filter::Status(chosen()?.status()),
            Field::Tab => {
                Filter::Tab(MainTab::ALL.into_iter().find(|t| t.slug() == text).ok_or(Incomplete::Value)?)
            }
            Field::CampaignId => Filter::CampaignId(text.parse().map_err(|_| Incomplete::Value)?),
            Field::Created | Field::Sent | Field::Scheduled | Field::Failed => {
                if let (Some(from), Some(before)) = (self.from, self.before)
                    && from >= before
                {
                    return Err(Incomplete::EmptyRange);
                }
                let range = DateRange { from: self.from, before: self.before };
                Filter::Date(self.field.date_field().ok_or(Incomplete::Value)?, range)
            }
            _ if text.is_empty() => return Err(Incomplete::Value),
            Field::Campaign => Filter::CampaignName(text),
            Field::Name => Filter::Name(text),
            Field::Company => Filter::Company(text),
            Field::Domain => Filter::Domain(text),
            Field::Tag => Filter::Tag(text),
            Field::Subject => Filter::Subject(text),
        };
        Ok(Condition { negated: self.negated, filter })
    }
}

/// The rows of a search, when it fits the builder (a plain AND of filters and negated filters).
pub fn rows_of(query: &Query) -> Option<Vec<Row>> {
    query.conditions().map(|conditions| conditions.iter().map(Row::of).collect())
}

/// The search the rows make: every complete row (AND); a row still being filled in is left out.
pub fn query_of(rows: &[Row]) -> Query {
    let conditions: Vec<Condition> = rows.iter().filter_map(|r| r.condition().ok()).collect();
    Query::from_conditions(&conditions)
}

/// The rows a builder shows once the search's text says `query` (after a change on either side): the same
/// rows when they already make that search (the change came from them, and a row still being filled in
/// stays where it is), else the search's own rows followed by the rows still being filled in, which a
/// search typed or opened elsewhere never takes away. `None` when the search does not fit the builder.
pub fn follow(rows: &[Row], query: &Query) -> Option<Vec<Row>> {
    if query_of(rows) == *query {
        return Some(rows.to_vec());
    }
    let mut next = rows_of(query)?;
    next.extend(rows.iter().filter(|r| r.condition().is_err()).cloned());
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<NaiveDate> {
        Some(text.parse().unwrap())
    }

    /// A row of `field` filled in the way a rep would, and the term it writes.
    fn filled(field: Field) -> (Row, &'static str) {
        let mut row = Row::new(field);
        let (text, term) = match field {
            Field::Campaign => ("Q4 launch", r#"campaign:"Q4 launch""#),
            Field::CampaignId => {
                ("0190a7e2-0000-7000-8000-000000000001", "campaign_id:0190a7e2-0000-7000-8000-000000000001")
            }
            Field::Folder => ("undelivered/bounced", "folder:undelivered/bounced"),
            Field::Tab => ("pending", "folder:pending"),
            Field::Status => ("pending/in-progress", "status:in-progress"),
            Field::Name => ("  Ana Souza ", r#"name:"Ana Souza""#),
            Field::Company => ("acme", "company:acme"),
            Field::Domain => ("acme.example.com", "domain:acme.example.com"),
            Field::Tag => ("customer", "tag:customer"),
            Field::Subject => (r#"pricing "v2""#, r#"subject:"pricing \"v2\"""#),
            Field::Viewed => ("", "viewed"),
            Field::Clicked => {
                row.times = Times::AtLeast(3);
                ("", "clicked>=3")
            }
            Field::Replied => {
                row.times = Times::No;
                ("", "replied:no")
            }
            Field::Created => {
                row.from = day("2026-11-01");
                ("", "created:2026-11-01..")
            }
            Field::Sent => {
                (row.from, row.before) = (day("2026-11-01"), day("2026-12-01"));
                ("", "sent:2026-11-01..2026-12-01")
            }
            Field::Scheduled => {
                row.before = day("2027-01-01");
                ("", "scheduled:..2027-01-01")
            }
            Field::Failed => ("", "failed:.."),
        };
        if !text.is_empty() {
            row.text = text.into();
        }
        (row, term)
    }

    #[test]
    fn every_field_writes_its_term_and_reads_back_from_it_alone_negated_and_after_another_row() {
        for field in Field::all() {
            let (row, term) = filled(field);
            assert_eq!(Field::from_key(field.key()), Some(field));
            assert_eq!(query_of(std::slice::from_ref(&row)).to_string(), term, "{field:?}");
            let query = Query::parse(term).unwrap();
            let back = rows_of(&query).unwrap();
            assert_eq!(query_of(&back), query, "{field:?}");
            let mut not = row.clone();
            not.negated = true;
            assert_eq!(query_of(&[not]).to_string(), format!("-{term}"), "{field:?}");
            let second = [Row::new(Field::Viewed), row];
            assert_eq!(query_of(&second).to_string(), format!("viewed {term}"), "{field:?}");
        }
    }

    #[test]
    fn a_search_of_every_field_at_once_round_trips_through_the_rows() {
        let rows: Vec<Row> = Field::all().map(|f| filled(f).0).collect();
        let query = query_of(&rows);
        assert_eq!(Query::parse(&query.to_string()).unwrap(), query);
        let back = rows_of(&query).unwrap();
        assert_eq!(back.len(), rows.len());
        assert_eq!(query_of(&back), query);
    }

    #[test]
    fn a_row_that_needs_text_is_incomplete_until_it_has_some_and_is_left_out_meanwhile() {
        for field in Field::all().filter(|f| f.entry() == Entry::Text) {
            let mut row = Row::new(field);
            assert_eq!(row.condition(), Err(Incomplete::Value), "{field:?}");
            row.text = "   ".into();
            assert_eq!(row.condition(), Err(Incomplete::Value), "{field:?}");
            assert_eq!(query_of(&[Row::new(Field::Viewed), row]).to_string(), "viewed");
        }
        let mut id = Row::new(Field::CampaignId);
        id.text = "not-a-uuid".into();
        assert_eq!(id.condition(), Err(Incomplete::Value));
    }

    #[test]
    fn every_other_row_is_complete_from_the_start_but_an_empty_date_range_is_not() {
        for field in Field::all().filter(|f| f.entry() != Entry::Text) {
            assert!(Row::new(field).condition().is_ok(), "{field:?}");
        }
        let mut sent = Row::new(Field::Sent);
        (sent.from, sent.before) = (day("2026-12-01"), day("2026-12-01"));
        assert_eq!(sent.condition(), Err(Incomplete::EmptyRange));
        sent.before = day("2026-11-01");
        assert_eq!(sent.condition(), Err(Incomplete::EmptyRange));
        assert_eq!(query_of(&[sent]), Query::everything(), "never a text the parser refuses");
    }

    #[test]
    fn rows_follow_a_new_text_and_keep_the_rows_still_being_filled_in() {
        let campaign = Row::new(Field::Campaign);
        let rows = vec![Row::new(Field::Viewed), campaign.clone(), Row::new(Field::Clicked)];
        // The text the rows wrote: they stay as they are, the empty one in its place.
        let written = query_of(&rows);
        assert_eq!(written.to_string(), "viewed clicked");
        assert_eq!(follow(&rows, &written), Some(rows.clone()));
        // A lone empty row writes the empty search, and stays.
        assert_eq!(
            follow(std::slice::from_ref(&campaign), &Query::everything()),
            Some(vec![campaign.clone()])
        );
        // A search typed or opened elsewhere: its rows, then the one still being filled in.
        let typed = Query::parse("replied -tag:churned").unwrap();
        let next = follow(&rows, &typed).unwrap();
        assert_eq!(next.len(), 3);
        assert_eq!(next[2], campaign);
        assert_eq!(query_of(&next), typed);
        // A search the builder cannot show leaves the rows to the caller.
        assert_eq!(follow(&rows, &Query::parse("viewed OR replied").unwrap()), None);
    }
}
