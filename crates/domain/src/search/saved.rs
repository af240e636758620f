//! Saved searches and their live membership: the people each saved search holds, kept up to date one
//! person at a time after each change to the index.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::eval::Node;
use super::index::SearchIndex;
use super::query::Query;
use crate::ids::{PersonId, SavedSearchId};

/// A search the rep saved: a dynamic list of people in the sidebar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedSearch {
    pub id: SavedSearchId,
    pub name: String,
    pub query: Query,
}

impl SavedSearch {
    /// Checks what a saved search needs: a name.
    pub fn validate(&self) -> Result<(), crate::people::MissingName> {
        crate::people::record_name("saved search", &self.name).map(|_| ())
    }
}

/// A person entered (`entered: true`) or left a saved search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipChange {
    pub search: SavedSearchId,
    pub person: PersonId,
    pub entered: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    search: SavedSearch,
    node: Node,
    members: BTreeSet<PersonId>,
}

/// The current members (people) of many saved searches, kept up to date one person at a time.
///
/// After any change to the [`SearchIndex`], pass the people it returned to [`SavedSearches::update`]: only
/// their emails are evaluated again, against every saved search.
#[derive(Clone, Debug, Default)]
pub struct SavedSearches {
    entries: Vec<Entry>,
}

impl SavedSearches {
    pub fn new() -> SavedSearches {
        SavedSearches::default()
    }

    /// Adds a saved search, or replaces the one with the same id (an edit), and computes its members in
    /// full. Returns how many members it has.
    pub fn insert(&mut self, index: &SearchIndex, search: SavedSearch) -> usize {
        let node = Node::compile(&search.query);
        let members: BTreeSet<PersonId> = index.people(&search.query).into_iter().collect();
        let count = members.len();
        let entry = Entry { search, node, members };
        match self.entries.iter_mut().find(|e| e.search.id == entry.search.id) {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
        count
    }

    pub fn remove(&mut self, id: SavedSearchId) -> Option<SavedSearch> {
        let at = self.entries.iter().position(|e| e.search.id == id)?;
        Some(self.entries.remove(at).search)
    }

    pub fn get(&self, id: SavedSearchId) -> Option<&SavedSearch> {
        self.entry(id).map(|e| &e.search)
    }

    /// The saved searches, in the order they were added.
    pub fn searches(&self) -> impl Iterator<Item = &SavedSearch> {
        self.entries.iter().map(|e| &e.search)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The members of a saved search, by id.
    pub fn members(&self, id: SavedSearchId) -> Option<&BTreeSet<PersonId>> {
        self.entry(id).map(|e| &e.members)
    }

    /// The sidebar count of a saved search.
    pub fn count(&self, id: SavedSearchId) -> Option<usize> {
        self.entry(id).map(|e| e.members.len())
    }

    /// Evaluates only these people again against every saved search, and says who entered or left what
    /// (by search, in the order searches were added, then in the order the people were given).
    pub fn update(&mut self, index: &SearchIndex, people: &[PersonId]) -> Vec<MembershipChange> {
        let mut changes = Vec::new();
        for entry in &mut self.entries {
            for &person in people {
                let now =
                    index.person_slots.get(&person).is_some_and(|&slot| index.person_eval(&entry.node, slot));
                let was = entry.members.contains(&person);
                if now != was {
                    if now {
                        entry.members.insert(person);
                    } else {
                        entry.members.remove(&person);
                    }
                    changes.push(MembershipChange { search: entry.search.id, person, entered: now });
                }
            }
        }
        changes
    }

    /// Evaluates every saved search over everything again (after a bulk load, say).
    pub fn recompute(&mut self, index: &SearchIndex) -> Vec<MembershipChange> {
        let mut changes = Vec::new();
        for entry in &mut self.entries {
            let now: BTreeSet<PersonId> = index.people(&entry.search.query).into_iter().collect();
            let search = entry.search.id;
            for &person in entry.members.difference(&now) {
                changes.push(MembershipChange { search, person, entered: false });
            }
            for &person in now.difference(&entry.members) {
                changes.push(MembershipChange { search, person, entered: true });
            }
            entry.members = now;
        }
        changes
    }

    fn entry(&self, id: SavedSearchId) -> Option<&Entry> {
        self.entries.iter().find(|e| e.search.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::ids::{CampaignId, EmailId};
    use crate::people::{Campaign, Person};
    use crate::search::fixtures::{email, engaged, person, pids, q};

    #[test]
    fn a_query_and_a_saved_search_serialise() {
        let search = SavedSearch {
            id: SavedSearchId::from_u128(1),
            name: "Hot, no reply".into(),
            query: q(r#"campaign:"Q4 launch" viewed>=2 -replied created:2026-01-01.. folder:sent"#),
        };
        let json = serde_json::to_string(&search).expect("serialises");
        assert_eq!(serde_json::from_str::<SavedSearch>(&json).expect("deserialises"), search);
    }

    // --- the seed scenario ---

    /// 100 people in a campaign; 40 viewed, 25 of those clicked, 10 of those replied. Person `n` has
    /// email `n`.
    fn seed() -> (SearchIndex, Campaign) {
        let campaign = Campaign { id: CampaignId::from_u128(9), name: "Q4 launch".into() };
        let people: Vec<Person> = (0..100).map(|n| person(n, &format!("p{n}@acme.com"))).collect();
        let emails: Vec<Email> = (0..100)
            .map(|n| {
                let mut e = email(n, Some(n), &format!("p{n}@acme.com"));
                e.campaign = Some(campaign.id);
                e
            })
            .collect();
        let other = email(1000, Some(0), "p0@acme.com");
        let counts = (0..100u128).map(|n| {
            let (v, c, r) = (n < 40, n < 25, n < 10);
            (EmailId::from_u128(n), engaged(v.into(), c.into(), r.into()))
        });
        let mut all = emails;
        all.push(other);
        (SearchIndex::build(std::slice::from_ref(&campaign), &people, &all, counts), campaign)
    }

    #[test]
    fn the_seed_search_finds_who_viewed_and_clicked_but_did_not_reply() {
        let (mut index, _) = seed();
        let query = q(r#"campaign:"Q4 launch" viewed clicked -replied"#);
        let people = index.people(&query);
        assert_eq!(people, (10..25).map(PersonId::from_u128).collect::<Vec<_>>());
        assert_eq!(people.len(), 15);

        let mut saved = SavedSearches::new();
        let id = SavedSearchId::from_u128(1);
        assert_eq!(saved.insert(&index, SavedSearch { id, name: "Follow up".into(), query }), 15);

        // Person 30 viewed before; now they click too.
        let touched = index.set_engagement(EmailId::from_u128(30), &engaged(1, 1, 0));
        assert_eq!(touched, pids(&[30]));
        let changes = saved.update(&index, &touched);
        assert_eq!(
            changes,
            vec![MembershipChange { search: id, person: PersonId::from_u128(30), entered: true }]
        );
        assert_eq!(saved.count(id), Some(16));

        // Person 12 replies: they leave.
        let touched = index.set_engagement(EmailId::from_u128(12), &engaged(1, 1, 1));
        let changes = saved.update(&index, &touched);
        assert_eq!(
            changes,
            vec![MembershipChange { search: id, person: PersonId::from_u128(12), entered: false }]
        );
        assert_eq!(saved.count(id), Some(15));
        assert!(saved.recompute(&index).is_empty(), "incremental equals full");
    }

    #[test]
    fn saved_searches_can_be_edited_listed_and_removed() {
        let (index, _) = seed();
        let mut saved = SavedSearches::new();
        let (a, b) = (SavedSearchId::from_u128(1), SavedSearchId::from_u128(2));
        saved.insert(&index, SavedSearch { id: a, name: "Viewed".into(), query: q("viewed") });
        saved.insert(&index, SavedSearch { id: b, name: "Replied".into(), query: q("replied") });
        assert_eq!(saved.len(), 2);
        assert_eq!((saved.count(a), saved.count(b)), (Some(40), Some(10)));
        let edited = SavedSearch { id: a, name: "Clicked".into(), query: q("clicked") };
        assert_eq!(saved.insert(&index, edited), 25);
        assert_eq!(saved.len(), 2);
        assert_eq!(saved.get(a).map(|s| s.name.as_str()), Some("Clicked"));
        assert_eq!(saved.searches().map(|s| s.id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(saved.members(b).map(|m| m.len()), Some(10));
        assert_eq!(saved.remove(b).map(|s| s.id), Some(b));
        assert_eq!(saved.count(b), None);
    }
}
