//! The search index: everything search looks at (emails with their engagement counts, people, campaigns),
//! kept compact in memory and up to date one record at a time, and the answers to a query over it.

use std::collections::HashMap;

use super::eval::Node;
use super::query::{DateField, Query};
use crate::aggregate::EmailEngagement;
use crate::email::Email;
use crate::ids::{CampaignId, EmailId, Instant, PersonId};
use crate::people::{Campaign, Person};
use crate::status::Status;

/// No slot: an email without a person or campaign.
const NONE: u32 = u32::MAX;
/// An email without this instant.
pub(super) const NO_INSTANT: i64 = i64::MIN;

/// One email as search needs it: small, with its text already lower-cased.
#[derive(Clone, Debug)]
pub(super) struct EmailRow {
    id: EmailId,
    alive: bool,
    /// Slot of the person it reaches, or [`NONE`].
    pub(super) person: u32,
    /// The recipient's address when the email has no person id: it reaches whoever has that address.
    address: Option<Box<str>>,
    pub(super) campaign: u32,
    pub(super) domain: u32,
    pub(super) status: Status,
    pub(super) views: u32,
    pub(super) clicks: u32,
    pub(super) replies: u32,
    created: i64,
    sent: i64,
    scheduled: i64,
    failed: i64,
    pub(super) subject: Box<str>,
}

impl EmailRow {
    fn blank(id: EmailId) -> EmailRow {
        EmailRow {
            id,
            alive: true,
            person: NONE,
            address: None,
            campaign: NONE,
            domain: NONE,
            status: Status::Draft,
            views: 0,
            clicks: 0,
            replies: 0,
            created: NO_INSTANT,
            sent: NO_INSTANT,
            scheduled: NO_INSTANT,
            failed: NO_INSTANT,
            subject: Box::from(""),
        }
    }

    fn engage(&mut self, engagement: &EmailEngagement) {
        self.views = engagement.views_human;
        self.clicks = engagement.clicks_human;
        self.replies = engagement.replies;
    }

    pub(super) fn instant(&self, field: DateField) -> i64 {
        match field {
            DateField::Created => self.created,
            DateField::Sent => self.sent,
            DateField::Scheduled => self.scheduled,
            DateField::Failed => self.failed,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct PersonRow {
    id: PersonId,
    pub(super) name: Box<str>,
    pub(super) company: Box<str>,
    pub(super) tags: Box<[Box<str>]>,
    address: Option<Box<str>>,
    /// Slots of the emails that reach this person.
    pub(super) emails: Vec<u32>,
}

#[derive(Clone, Debug)]
pub(super) struct CampaignRow {
    pub(super) id: CampaignId,
    /// Lower-cased and trimmed.
    pub(super) name: Box<str>,
}

/// Everything search looks at, kept compact in memory: emails with their engagement counts, people and
/// campaigns, with a person → emails index so one person can be re-evaluated alone.
///
/// Every change returns the people whose membership in saved searches may have changed; hand them to
/// [`SavedSearches::update`]. The index holds whatever it is given (typically one rep's emails); it does not
/// check ownership.
///
/// [`SavedSearches::update`]: super::SavedSearches::update
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    pub(super) emails: Vec<EmailRow>,
    free: Vec<u32>,
    email_slots: HashMap<EmailId, u32>,
    pub(super) people: Vec<PersonRow>,
    pub(super) person_slots: HashMap<PersonId, u32>,
    /// Address → the person who has it (the first one to claim it, while they keep it).
    by_address: HashMap<Box<str>, u32>,
    /// Emails without a person id whose recipient address no person has (yet).
    unlinked: HashMap<Box<str>, Vec<u32>>,
    pub(super) campaigns: Vec<CampaignRow>,
    campaign_slots: HashMap<CampaignId, u32>,
    pub(super) domains: Vec<Box<str>>,
    domain_slots: HashMap<Box<str>, u32>,
    /// Engagement that arrived before its email.
    pending: HashMap<EmailId, EmailEngagement>,
}

pub(super) fn lower(text: &str) -> Box<str> {
    text.trim().to_lowercase().into_boxed_str()
}

fn slot_of(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(NONE)
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Builds the index from scratch.
    pub fn build<'a>(
        campaigns: impl IntoIterator<Item = &'a Campaign>,
        people: impl IntoIterator<Item = &'a Person>,
        emails: impl IntoIterator<Item = &'a Email>,
        engagement: impl IntoIterator<Item = (EmailId, EmailEngagement)>,
    ) -> SearchIndex {
        let mut index = SearchIndex::new();
        for campaign in campaigns {
            index.upsert_campaign(campaign);
        }
        for person in people {
            index.upsert_person(person);
        }
        for email in emails {
            index.upsert_email(email);
        }
        for (email, counts) in engagement {
            index.set_engagement(email, &counts);
        }
        index
    }

    /// How many emails the index holds.
    pub fn len(&self) -> usize {
        self.email_slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.email_slots.is_empty()
    }

    /// Whether the index holds this email.
    pub fn contains_email(&self, email: EmailId) -> bool {
        self.email_slots.contains_key(&email)
    }

    /// Adds or replaces an email. Its engagement is kept (or taken from engagement that came first).
    pub fn upsert_email(&mut self, email: &Email) -> Vec<PersonId> {
        let mut touched = Vec::new();
        let slot = match self.email_slots.get(&email.id) {
            Some(&slot) => {
                touched.extend(self.unlink(slot));
                slot
            }
            None => {
                let mut row = EmailRow::blank(email.id);
                if let Some(counts) = self.pending.remove(&email.id) {
                    row.engage(&counts);
                }
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.emails[slot as usize] = row;
                        slot
                    }
                    None => {
                        self.emails.push(row);
                        slot_of(self.emails.len() - 1)
                    }
                };
                self.email_slots.insert(email.id, slot);
                slot
            }
        };
        let domain = self.domain_slot(email.recipient.domain());
        let campaign = email.campaign.map_or(NONE, |c| self.campaign_slot(c));
        let row = &mut self.emails[slot as usize];
        row.campaign = campaign;
        row.domain = domain;
        row.status = email.status;
        row.created = email.created_at.timestamp();
        let secs = |at: Option<Instant>| at.map_or(NO_INSTANT, |at| at.timestamp());
        row.sent = secs(email.sent_at);
        row.scheduled = secs(email.schedule.as_ref().map(|s| s.at));
        row.failed = secs(email.failed_at);
        row.subject = email.subject.to_lowercase().into_boxed_str();
        if let Some(person) = self.link(slot, email)
            && !touched.contains(&person)
        {
            touched.push(person);
        }
        touched
    }

    /// Removes an email (a deleted draft, say).
    pub fn remove_email(&mut self, email: EmailId) -> Vec<PersonId> {
        self.pending.remove(&email);
        let Some(slot) = self.email_slots.remove(&email) else {
            return Vec::new();
        };
        let touched = self.unlink(slot).into_iter().collect();
        let row = &mut self.emails[slot as usize];
        *row = EmailRow::blank(row.id);
        row.alive = false;
        self.free.push(slot);
        touched
    }

    /// Sets an email's engagement counts. Counts for an email the index does not hold yet are kept until
    /// the email arrives.
    pub fn set_engagement(&mut self, email: EmailId, engagement: &EmailEngagement) -> Vec<PersonId> {
        let Some(&slot) = self.email_slots.get(&email) else {
            self.pending.insert(email, engagement.clone());
            return Vec::new();
        };
        let row = &mut self.emails[slot as usize];
        let before = (row.views, row.clicks, row.replies);
        row.engage(engagement);
        if before == (row.views, row.clicks, row.replies) || row.person == NONE {
            return Vec::new();
        }
        vec![self.people[row.person as usize].id]
    }

    /// Adds or replaces a person. Emails without a person id sent to the person's address now reach them.
    pub fn upsert_person(&mut self, person: &Person) -> Vec<PersonId> {
        let slot = self.person_slot(person.id);
        let address: Box<str> = Box::from(person.email.as_str());
        let row = &mut self.people[slot as usize];
        let name = format!("{} {}", person.first_name.trim(), person.last_name.trim());
        row.name = lower(&name);
        row.company = lower(&person.company);
        row.tags = person.tags.iter().map(|t| lower(t)).collect();
        let old = row.address.replace(address.clone());
        if old.as_ref() != Some(&address) {
            if let Some(old) = old {
                if self.by_address.get(&old) == Some(&slot) {
                    self.by_address.remove(&old);
                }
                let row = &mut self.people[slot as usize];
                let (released, kept): (Vec<u32>, Vec<u32>) =
                    row.emails.iter().partition(|&&e| self.emails[e as usize].address.is_some());
                row.emails = kept;
                for e in &released {
                    self.emails[*e as usize].person = NONE;
                }
                if !released.is_empty() {
                    self.unlinked.entry(old).or_default().extend(released);
                }
            }
            if self.by_address.get(&address).is_none_or(|&owner| owner == slot) {
                self.by_address.insert(address.clone(), slot);
                for e in self.unlinked.remove(&address).unwrap_or_default() {
                    self.emails[e as usize].person = slot;
                    self.people[slot as usize].emails.push(e);
                }
            }
        }
        vec![person.id]
    }

    /// Adds or renames a campaign. A rename touches everyone with an email in it.
    pub fn upsert_campaign(&mut self, campaign: &Campaign) -> Vec<PersonId> {
        let slot = self.campaign_slot(campaign.id);
        let name = lower(&campaign.name);
        if self.campaigns[slot as usize].name == name {
            return Vec::new();
        }
        self.campaigns[slot as usize].name = name;
        let mut seen = vec![false; self.people.len()];
        let mut touched = Vec::new();
        for row in &self.emails {
            if row.alive && row.campaign == slot && row.person != NONE && !seen[row.person as usize] {
                seen[row.person as usize] = true;
                touched.push(self.people[row.person as usize].id);
            }
        }
        touched
    }

    /// The emails that match, newest created first (ties by id).
    pub fn emails(&self, query: &Query) -> Vec<EmailId> {
        let node = Node::compile(query);
        let mut hits: Vec<(i64, EmailId)> = self
            .emails
            .iter()
            .filter(|row| row.alive && self.eval(&node, row))
            .map(|row| (row.created, row.id))
            .collect();
        hits.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, id)| id).collect()
    }

    /// The distinct people with at least one matching email, by id.
    pub fn people(&self, query: &Query) -> Vec<PersonId> {
        let node = Node::compile(query);
        let mut seen = vec![false; self.people.len()];
        let mut hits = Vec::new();
        for row in &self.emails {
            if row.alive && row.person != NONE && !seen[row.person as usize] && self.eval(&node, row) {
                seen[row.person as usize] = true;
                hits.push(self.people[row.person as usize].id);
            }
        }
        hits.sort_unstable();
        hits
    }

    /// Whether one email matches.
    pub fn email_matches(&self, query: &Query, email: EmailId) -> bool {
        let node = Node::compile(query);
        self.email_slots.get(&email).is_some_and(|&slot| self.eval(&node, &self.emails[slot as usize]))
    }

    /// Whether one person has a matching email.
    pub fn person_matches(&self, query: &Query, person: PersonId) -> bool {
        self.person_slots.get(&person).is_some_and(|&slot| self.person_eval(&Node::compile(query), slot))
    }

    /// Detaches an email from its person or from the waiting list; gives the person it reached.
    fn unlink(&mut self, slot: u32) -> Option<PersonId> {
        let row = &mut self.emails[slot as usize];
        let person = std::mem::replace(&mut row.person, NONE);
        let address = row.address.take();
        if person != NONE {
            let p = &mut self.people[person as usize];
            if let Some(at) = p.emails.iter().position(|&e| e == slot) {
                p.emails.swap_remove(at);
            }
            return Some(p.id);
        }
        if let Some(address) = address
            && let Some(waiting) = self.unlinked.get_mut(&address)
        {
            waiting.retain(|&e| e != slot);
            if waiting.is_empty() {
                self.unlinked.remove(&address);
            }
        }
        None
    }

    /// Attaches an email to the person it reaches: by id, else by address (or waits for that address).
    fn link(&mut self, slot: u32, email: &Email) -> Option<PersonId> {
        if let Some(id) = email.person {
            let person = self.person_slot(id);
            self.emails[slot as usize].person = person;
            self.people[person as usize].emails.push(slot);
            return Some(id);
        }
        let address: Box<str> = Box::from(email.recipient.as_str());
        let owner = self.by_address.get(&address).copied();
        self.emails[slot as usize].address = Some(address.clone());
        match owner {
            Some(person) => {
                self.emails[slot as usize].person = person;
                self.people[person as usize].emails.push(slot);
                Some(self.people[person as usize].id)
            }
            None => {
                self.unlinked.entry(address).or_default().push(slot);
                None
            }
        }
    }

    fn person_slot(&mut self, id: PersonId) -> u32 {
        if let Some(&slot) = self.person_slots.get(&id) {
            return slot;
        }
        self.people.push(PersonRow {
            id,
            name: Box::from(""),
            company: Box::from(""),
            tags: Box::new([]),
            address: None,
            emails: Vec::new(),
        });
        let slot = slot_of(self.people.len() - 1);
        self.person_slots.insert(id, slot);
        slot
    }

    fn campaign_slot(&mut self, id: CampaignId) -> u32 {
        if let Some(&slot) = self.campaign_slots.get(&id) {
            return slot;
        }
        self.campaigns.push(CampaignRow { id, name: Box::from("") });
        let slot = slot_of(self.campaigns.len() - 1);
        self.campaign_slots.insert(id, slot);
        slot
    }

    fn domain_slot(&mut self, domain: &str) -> u32 {
        if let Some(&slot) = self.domain_slots.get(domain) {
            return slot;
        }
        let domain = lower(domain);
        self.domains.push(domain.clone());
        let slot = slot_of(self.domains.len() - 1);
        self.domain_slots.insert(domain, slot);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::EmailAddress;
    use crate::search::fixtures::{email, engaged, found, ids, person, pids, q, sample};

    #[test]
    fn emails_come_newest_first() {
        let index = sample();
        assert_eq!(index.emails(&Query::everything()), ids(&[4, 3, 2, 1, 5]));
    }

    #[test]
    fn a_person_matches_when_any_of_their_emails_does() {
        let index = sample();
        // Ana has a delivered Q4 email and a scheduled one: each matches a different part.
        assert_eq!(index.people(&q("status:scheduled")), pids(&[1]));
        assert_eq!(index.people(&q("campaign:\"q4 launch\" viewed")), pids(&[1, 2]));
        assert_eq!(index.people(&q("viewed:no")), pids(&[1, 3, 4]), "Ana's scheduled email was not viewed");
        assert!(index.person_matches(&q("subject:pricing"), PersonId::from_u128(1)));
        assert!(!index.person_matches(&q("subject:pricing"), PersonId::from_u128(2)));
        assert!(index.email_matches(&q("replied"), EmailId::from_u128(2)));
        assert!(!index.email_matches(&q("replied"), EmailId::from_u128(99)));
    }

    #[test]
    fn an_email_without_a_person_id_reaches_the_person_with_its_address() {
        let mut index = SearchIndex::new();
        assert_eq!(index.upsert_email(&email(1, None, "eve@gamma.org")), vec![], "nobody has it yet");
        assert_eq!(index.people(&Query::everything()), pids(&[]));
        let mut eve = person(5, "eve@gamma.org");
        eve.tags.insert("vip".into());
        assert_eq!(index.upsert_person(&eve), pids(&[5]));
        assert_eq!(index.people(&q("tag:vip")), pids(&[5]));
        eve.email = EmailAddress::parse("eve@delta.org").expect("address");
        index.upsert_person(&eve);
        assert_eq!(index.people(&q("tag:vip")), pids(&[]), "the email went to the old address");
        assert_eq!(index.upsert_email(&email(2, None, "eve@delta.org")), pids(&[5]));
        assert_eq!(index.people(&q("tag:vip")), pids(&[5]));
    }

    #[test]
    fn engagement_that_arrives_before_its_email_is_kept() {
        let mut index = SearchIndex::new();
        assert_eq!(index.set_engagement(EmailId::from_u128(1), &engaged(1, 1, 0)), vec![]);
        index.upsert_email(&email(1, Some(1), "ana@acme.com"));
        assert_eq!(index.people(&q("viewed clicked")), pids(&[1]));
        let mut edited = email(1, Some(1), "ana@acme.com");
        edited.subject = "Edited".into();
        index.upsert_email(&edited);
        assert_eq!(index.people(&q("viewed clicked subject:edited")), pids(&[1]), "an edit keeps counts");
        assert_eq!(index.set_engagement(EmailId::from_u128(1), &engaged(1, 1, 0)), vec![], "no change");
    }

    #[test]
    fn removing_an_email_removes_it_from_results() {
        let mut index = sample();
        assert_eq!(index.remove_email(EmailId::from_u128(4)), pids(&[1]));
        assert_eq!(index.remove_email(EmailId::from_u128(4)), vec![]);
        assert_eq!(index.len(), 4);
        assert_eq!(index.people(&q("status:scheduled")), pids(&[]));
        index.upsert_email(&email(6, Some(2), "bo@beta.io"));
        assert!(index.contains_email(EmailId::from_u128(6)));
        assert_eq!(index.emails(&q("name:bo")), ids(&[2, 6]), "email 6 is older");
    }

    #[test]
    fn renaming_a_campaign_touches_its_people() {
        let mut index = sample();
        let renamed = Campaign { id: CampaignId::from_u128(1), name: "Q4 Relaunch".into() };
        assert_eq!(sorted_people(index.upsert_campaign(&renamed)), pids(&[1, 2]));
        assert_eq!(index.upsert_campaign(&renamed), vec![], "same name, nothing to do");
        assert_eq!(found(&index, "campaign:\"q4 relaunch\""), ids(&[1, 2]));
        assert_eq!(found(&index, "campaign:\"q4 launch\""), ids(&[]));
    }

    fn sorted_people(mut people: Vec<PersonId>) -> Vec<PersonId> {
        people.sort();
        people
    }
}
