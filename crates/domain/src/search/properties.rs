//! Properties of search checked over generated queries and records: printing and parsing round-trip, any
//! text parses or fails cleanly, the index agrees with a plain reading of the records, and membership kept
//! up to date incrementally equals a full re-evaluation.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeDelta};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;

use super::fixtures::{email, engaged, person};
use super::{Count, DateField, DateRange, Filter, Query, SavedSearch, SavedSearches, SearchIndex};
use crate::aggregate::EmailEngagement;
use crate::email::Email;
use crate::folder::{Folder, MainTab};
use crate::ids::{CampaignId, EmailId, Instant, PersonId, SavedSearchId};
use crate::people::{Campaign, EmailAddress, Person};
use crate::status::Status;

fn count() -> BoxedStrategy<Count> {
    prop_oneof![Just(Count::Yes), Just(Count::No), (0u32..5).prop_map(Count::AtLeast)].boxed()
}

fn base_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
}

fn range() -> BoxedStrategy<DateRange> {
    (prop::option::of(0i64..40), prop::option::of(1i64..20))
        .prop_map(|(from, len)| {
            let from = from.map(|d| base_day() + TimeDelta::days(d));
            let before = len.map(|k| from.unwrap_or(base_day()) + TimeDelta::days(k));
            DateRange { from, before }
        })
        .boxed()
}

fn filter(text: BoxedStrategy<String>) -> BoxedStrategy<Filter> {
    Union::new(vec![
        text.clone().prop_map(Filter::CampaignName).boxed(),
        (0u128..3).prop_map(|n| Filter::CampaignId(CampaignId::from_u128(n))).boxed(),
        select(Folder::ALL.to_vec()).prop_map(Filter::Folder).boxed(),
        select(MainTab::ALL.to_vec()).prop_map(Filter::Tab).boxed(),
        select(Status::ALL.to_vec()).prop_map(Filter::Status).boxed(),
        count().prop_map(Filter::Viewed).boxed(),
        count().prop_map(Filter::Clicked).boxed(),
        count().prop_map(Filter::Replied).boxed(),
        (select(DateField::ALL.to_vec()), range()).prop_map(|(f, r)| Filter::Date(f, r)).boxed(),
        text.clone().prop_map(Filter::Name).boxed(),
        text.clone().prop_map(Filter::Company).boxed(),
        text.clone().prop_map(Filter::Domain).boxed(),
        text.clone().prop_map(Filter::Tag).boxed(),
        text.prop_map(Filter::Subject).boxed(),
    ])
    .boxed()
}

fn query(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Query> {
    leaf.prop_map(Query::Term)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Query::All),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Query::Any),
                inner.prop_map(|q| Query::Not(Box::new(q))),
            ]
        })
        .boxed()
}

/// Any text, including spaces, quotes, backslashes, parentheses and keywords.
fn wild_text() -> BoxedStrategy<String> {
    prop_oneof![
        r#"[a-zA-Z0-9 "\\()\-:.>=/é\t]{0,10}"#,
        select(vec!["OR".to_string(), "NOT".into(), "and".into(), "-".into(), "..".into()]),
    ]
    .boxed()
}

/// A few values that the sample data below actually contains.
fn data_text() -> BoxedStrategy<String> {
    select(
        ["q4 launch", "Spring", "ana", "SOUZA", "acme", "beta.io", "acme.com", "vip", "pricing", ""]
            .map(String::from)
            .to_vec(),
    )
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Printing a normal query and parsing it gives it back, and prints the same again.
    #[test]
    fn printing_then_parsing_gives_the_same_query(raw in query(filter(wild_text()))) {
        let query = raw.normalized();
        let text = query.to_string();
        let parsed = Query::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&query), "text: {}", text);
        prop_assert_eq!(parsed.map(|p| p.to_string()).unwrap_or_default(), text);
    }

    /// Normalising twice changes nothing more, and never changes what a query means.
    #[test]
    fn normalising_is_idempotent(raw in query(filter(wild_text()))) {
        let once = raw.clone().normalized();
        prop_assert_eq!(once.clone().normalized(), once);
    }

    /// Any text either parses or fails with an error; what parses prints to something that parses
    /// to the same query.
    #[test]
    fn any_text_parses_or_fails_cleanly(text in r#"[a-z:>=" \\()\-.0-9OR]{0,30}"#) {
        if let Ok(query) = Query::parse(&text) {
            prop_assert_eq!(Query::parse(&query.to_string()), Ok(query));
        }
    }
}

// --- the index against a plain reading of the records ---

/// The records as they are, read directly: what the index must agree with.
#[derive(Default, Debug)]
struct Model {
    emails: BTreeMap<EmailId, Email>,
    people: BTreeMap<PersonId, Person>,
    campaigns: BTreeMap<CampaignId, Campaign>,
    engagement: BTreeMap<EmailId, EmailEngagement>,
}

impl Model {
    /// The person an email reaches (by id, else by address) and their record if known.
    fn person_of(&self, email: &Email) -> Option<(PersonId, Option<&Person>)> {
        match email.person {
            Some(id) => Some((id, self.people.get(&id))),
            None => self.people.values().find(|p| p.email == email.recipient).map(|p| (p.id, Some(p))),
        }
    }

    fn matches(&self, query: &Query, email: &Email) -> bool {
        match query {
            Query::All(parts) => parts.iter().all(|p| self.matches(p, email)),
            Query::Any(parts) => parts.iter().any(|p| self.matches(p, email)),
            Query::Not(inner) => !self.matches(inner, email),
            Query::Term(filter) => self.filter(filter, email),
        }
    }

    fn filter(&self, filter: &Filter, email: &Email) -> bool {
        let norm = |s: &str| s.trim().to_lowercase();
        let engagement = self.engagement.get(&email.id).cloned().unwrap_or_default();
        let person = self.person_of(email);
        let field = |f: fn(&Person) -> String| -> Option<String> {
            person.map(|(_, p)| p.map(f).unwrap_or_default())
        };
        match filter {
            Filter::CampaignName(name) => email.campaign.is_some_and(|c| {
                norm(self.campaigns.get(&c).map(|c| c.name.as_str()).unwrap_or("")) == norm(name)
            }),
            Filter::CampaignId(id) => email.campaign == Some(*id),
            Filter::Folder(folder) => email.folder() == *folder,
            Filter::Tab(tab) => email.folder().main_tab() == *tab,
            Filter::Status(status) => email.status == *status,
            Filter::Viewed(count) => count.accepts(engagement.views_human),
            Filter::Clicked(count) => count.accepts(engagement.clicks_human),
            Filter::Replied(count) => count.accepts(engagement.replies),
            Filter::Date(field, range) => field.of(email).is_some_and(|t| range.contains(t)),
            Filter::Name(text) => field(|p| format!("{} {}", p.first_name.trim(), p.last_name.trim()))
                .is_some_and(|name| norm(&name).contains(&norm(text))),
            Filter::Company(text) => {
                field(|p| p.company.clone()).is_some_and(|c| norm(&c).contains(&norm(text)))
            }
            Filter::Tag(text) => {
                person.is_some_and(|(_, p)| p.is_some_and(|p| p.tags.iter().any(|t| norm(t) == norm(text))))
            }
            Filter::Domain(text) => email.recipient.domain() == norm(text.trim().trim_start_matches('@')),
            Filter::Subject(text) => email.subject.to_lowercase().contains(&norm(text)),
        }
    }

    fn emails(&self, query: &Query) -> BTreeSet<EmailId> {
        self.emails.values().filter(|e| self.matches(query, e)).map(|e| e.id).collect()
    }

    fn people(&self, query: &Query) -> BTreeSet<PersonId> {
        self.emails
            .values()
            .filter(|e| self.matches(query, e))
            .filter_map(|e| self.person_of(e).map(|(id, _)| id))
            .collect()
    }
}

#[derive(Clone, Debug)]
enum Change {
    Email(Email),
    Person(Person),
    Campaign(Campaign),
    Engagement(EmailId, EmailEngagement),
    Remove(EmailId),
}

fn day(d: i64) -> Instant {
    base_day().and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::hours(d * 24 + 9)
}

/// Person `k`'s address: one of two that only they can have, at one of two domains.
fn address(k: u128, variant: u8, domain: u8) -> String {
    format!("p{k}.{variant}@{}", if domain == 0 { "acme.com" } else { "beta.io" })
}

fn a_person() -> BoxedStrategy<Person> {
    (
        0u128..6,
        0u8..2,
        0u8..2,
        select(vec!["Ana", "Bo", ""]),
        select(vec!["Souza", "Li", ""]),
        select(vec!["Acme Inc", "Beta", ""]),
        prop::collection::btree_set(select(vec!["vip", "cold", "VIP"]), 0..3),
    )
        .prop_map(|(k, variant, domain, first, last, company, tags)| {
            let mut p = person(k, &address(k, variant, domain));
            p.first_name = first.into();
            p.last_name = last.into();
            p.company = company.into();
            p.tags = tags.into_iter().map(String::from).collect();
            p
        })
        .boxed()
}

fn an_email() -> BoxedStrategy<Email> {
    (
        (0u128..10, prop::option::of(0u128..6), 0u128..7, 0u8..2, 0u8..2),
        (prop::option::of(0u128..3), select(Status::ALL.to_vec())),
        (0i64..40, prop::option::of(0i64..40), prop::option::of(0i64..40), prop::option::of(0i64..40)),
        select(vec!["Pricing for Acme", "hello", "PRICING update", ""]),
    )
        .prop_map(|((n, person, k, variant, domain), (campaign, status), dates, subject)| {
            // k == 6 is an address nobody has.
            let mut e = email(n, person, &address(k, variant, domain));
            e.campaign = campaign.map(CampaignId::from_u128);
            e.status = status;
            e.created_at = day(dates.0);
            e.sent_at = dates.1.map(day);
            e.schedule = dates.2.map(|d| crate::Schedule { at: day(d), time_zone: "Europe/Lisbon".into() });
            e.failed_at = dates.3.map(day);
            e.subject = subject.into();
            e
        })
        .boxed()
}

fn a_change() -> BoxedStrategy<Change> {
    prop_oneof![
        4 => an_email().prop_map(Change::Email),
        2 => a_person().prop_map(Change::Person),
        1 => (0u128..3, select(vec!["Q4 launch", "q4 LAUNCH ", "Spring"])).prop_map(|(n, name)| {
            Change::Campaign(Campaign { id: CampaignId::from_u128(n), name: name.into() })
        }),
        5 => (0u128..10, 0u32..4, 0u32..3, 0u32..2)
            .prop_map(|(n, v, c, r)| Change::Engagement(EmailId::from_u128(n), engaged(v, c, r))),
        1 => (0u128..10).prop_map(|n| Change::Remove(EmailId::from_u128(n))),
    ]
    .boxed()
}

fn apply(index: &mut SearchIndex, model: &mut Model, change: &Change) -> Vec<PersonId> {
    match change {
        Change::Email(e) => {
            model.emails.insert(e.id, e.clone());
            index.upsert_email(e)
        }
        Change::Person(p) => {
            model.people.insert(p.id, p.clone());
            index.upsert_person(p)
        }
        Change::Campaign(c) => {
            model.campaigns.insert(c.id, c.clone());
            index.upsert_campaign(c)
        }
        Change::Engagement(id, counts) => {
            model.engagement.insert(*id, counts.clone());
            index.set_engagement(*id, counts)
        }
        Change::Remove(id) => {
            model.emails.remove(id);
            model.engagement.remove(id);
            index.remove_email(*id)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After random changes, the index answers every query as a plain reading of the records does,
    /// for emails and for people.
    #[test]
    fn the_index_agrees_with_a_plain_reading_of_the_records(
        changes in prop::collection::vec(a_change(), 0..40),
        queries in prop::collection::vec(query(filter(data_text())), 1..8),
    ) {
        let (mut index, mut model) = (SearchIndex::new(), Model::default());
        for change in &changes {
            apply(&mut index, &mut model, change);
        }
        prop_assert_eq!(index.len(), model.emails.len());
        for query in &queries {
            let emails = index.emails(query);
            prop_assert_eq!(emails.iter().copied().collect::<BTreeSet<_>>(), model.emails(query));
            let people = index.people(query);
            prop_assert!(people.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
            prop_assert_eq!(people.into_iter().collect::<BTreeSet<_>>(), model.people(query));
        }
    }

    /// After every change, membership kept up to date incrementally equals a full re-evaluation.
    #[test]
    fn incremental_membership_equals_full_reevaluation(
        start in prop::collection::vec(a_change(), 0..20),
        changes in prop::collection::vec(a_change(), 1..40),
        queries in prop::collection::vec(query(filter(data_text())), 1..6),
    ) {
        let (mut index, mut model) = (SearchIndex::new(), Model::default());
        for change in &start {
            apply(&mut index, &mut model, change);
        }
        let mut saved = SavedSearches::new();
        for (n, query) in queries.iter().enumerate() {
            let id = SavedSearchId::from_u128(n as u128);
            saved.insert(&index, SavedSearch { id, name: format!("search {n}"), query: query.clone() });
        }
        for change in &changes {
            let before: Vec<BTreeSet<PersonId>> =
                saved.searches().filter_map(|s| saved.members(s.id).cloned()).collect();
            let touched = apply(&mut index, &mut model, change);
            let reported = saved.update(&index, &touched);
            for (n, search) in saved.searches().enumerate() {
                let full = model.people(&search.query);
                prop_assert_eq!(saved.members(search.id), Some(&full), "after {:?}", change);
                // The reported changes are exactly the difference.
                let entered: BTreeSet<PersonId> = reported.iter()
                    .filter(|c| c.search == search.id && c.entered).map(|c| c.person).collect();
                let left: BTreeSet<PersonId> = reported.iter()
                    .filter(|c| c.search == search.id && !c.entered).map(|c| c.person).collect();
                prop_assert_eq!(&entered, &full.difference(&before[n]).copied().collect());
                prop_assert_eq!(&left, &before[n].difference(&full).copied().collect());
            }
        }
        prop_assert!(saved.recompute(&index).is_empty());
    }
}

#[test]
fn a_persons_address_never_collides_in_the_generator() {
    // The model links by address with `find`; the generator keeps addresses unique per person.
    assert_ne!(address(1, 0, 0), address(2, 0, 0));
    assert!(EmailAddress::parse(&address(5, 1, 1)).is_ok());
}
