//! What the search tests share: emails, people and engagement made in one line, a small index of varied
//! records, and short ways to write a query and the ids a search should give.

use chrono::TimeZone;

use super::index::SearchIndex;
use super::query::{Filter, Query};
use crate::Schedule;
use crate::aggregate::EmailEngagement;
use crate::email::Email;
use crate::ids::{CampaignId, EmailId, Instant, PersonId, UserId};
use crate::people::{Campaign, EmailAddress, Person};
use crate::status::{EmailKind, Status};

pub(super) fn day(d: u32) -> Instant {
    chrono::Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).single().expect("valid instant")
}

pub(super) fn email(n: u128, person: Option<u128>, recipient: &str) -> Email {
    Email {
        id: EmailId::from_u128(n),
        owner: UserId(1),
        sender: EmailAddress::parse("rep@seller.com").expect("address"),
        recipient: EmailAddress::parse(recipient).expect("address"),
        person: person.map(PersonId::from_u128),
        cc: vec![],
        subject: "Hello".into(),
        html_body: String::new(),
        text_body: String::new(),
        campaign: None,
        template: None,
        batch: None,
        kind: EmailKind::Single,
        created_at: day(1),
        updated_at: day(1),
        schedule: None,
        status: Status::Delivered,
        status_reason: None,
        success: false,
        sent_at: Some(day(1)),
        delivered_at: Some(day(1)),
        failed_at: None,
        archived_at: None,
    }
}

pub(super) fn person(n: u128, address: &str) -> Person {
    Person::new(PersonId::from_u128(n), EmailAddress::parse(address).expect("address"))
}

pub(super) fn engaged(views: u32, clicks: u32, replies: u32) -> EmailEngagement {
    EmailEngagement {
        views_raw: views + 2,
        views_human: views,
        clicks_raw: clicks + 1,
        clicks_human: clicks,
        replies,
        ..EmailEngagement::default()
    }
}

pub(super) fn q(text: &str) -> Query {
    Query::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

pub(super) fn term(filter: Filter) -> Query {
    Query::Term(filter)
}

pub(super) fn not(query: Query) -> Query {
    Query::Not(Box::new(query))
}

pub(super) fn ids(ns: &[u128]) -> Vec<EmailId> {
    ns.iter().map(|n| EmailId::from_u128(*n)).collect()
}

pub(super) fn pids(ns: &[u128]) -> Vec<PersonId> {
    ns.iter().map(|n| PersonId::from_u128(*n)).collect()
}

/// Four people, five emails with varied fields.
pub(super) fn sample() -> SearchIndex {
    let q4 = Campaign { id: CampaignId::from_u128(1), name: "Q4 Launch".into() };
    let spring = Campaign { id: CampaignId::from_u128(2), name: "Spring".into() };
    let mut ana = person(1, "ana@acme.com");
    ana.first_name = "Ana".into();
    ana.last_name = "Souza".into();
    ana.company = "Acme Inc".into();
    ana.tags.insert("VIP".into());
    let mut bo = person(2, "bo@beta.io");
    bo.first_name = "Bo".into();
    bo.company = "Beta".into();
    bo.tags.insert("cold".into());
    let cy = person(3, "cy@acme.com");
    let di = person(4, "di@sub.acme.com");

    let mut e1 = email(1, Some(1), "ana@acme.com");
    e1.campaign = Some(q4.id);
    e1.subject = "Pricing for Acme".into();
    e1.created_at = day(5);
    let mut e2 = email(2, Some(2), "bo@beta.io");
    e2.campaign = Some(q4.id);
    e2.created_at = day(6);
    let mut e3 = email(3, Some(3), "cy@acme.com");
    e3.campaign = Some(spring.id);
    e3.status = Status::Bounced;
    e3.failed_at = Some(day(7));
    e3.created_at = day(7);
    let mut e4 = email(4, Some(1), "ana@acme.com");
    e4.status = Status::Scheduled;
    e4.sent_at = None;
    e4.delivered_at = None;
    e4.schedule = Some(Schedule { at: day(20), time_zone: "America/Sao_Paulo".into() });
    e4.created_at = day(8);
    let mut e5 = email(5, Some(4), "di@sub.acme.com");
    e5.status = Status::Archived;
    e5.created_at = day(2);

    SearchIndex::build(
        &[q4, spring],
        &[ana, bo, cy, di],
        &[e1, e2, e3, e4, e5],
        [
            (EmailId::from_u128(1), engaged(3, 1, 0)),
            (EmailId::from_u128(2), engaged(1, 0, 1)),
            (EmailId::from_u128(3), engaged(0, 0, 0)),
            (EmailId::from_u128(5), engaged(0, 2, 0)),
        ],
    )
}

fn sorted(mut ids: Vec<EmailId>) -> Vec<EmailId> {
    ids.sort();
    ids
}

pub(super) fn found(index: &SearchIndex, text: &str) -> Vec<EmailId> {
    sorted(index.emails(&q(text)))
}
