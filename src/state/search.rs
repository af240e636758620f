//! The search index of the whole cache in memory, and the live membership of the saved searches.
//!
//! It is built once from the cache, in the background after the first screen, then kept up to date one
//! record at a time: every record the change feed brings and every change of the rep's goes through
//! [`Search::apply`], which asks the domain which people it touched ([`domain::search::SearchIndex`]) and
//! which saved searches they entered or left ([`domain::search::SavedSearches::update`]). The screens follow
//! [`Search::revision`] and [`Search::counts`].

use std::collections::{BTreeSet, HashMap};

use domain::search::{Query, SavedSearch, SavedSearches, SearchIndex};
use domain::sync::{Record, RecordKind};
use domain::{Campaign, EmailId, Person, PersonId, SavedSearchId};
use leptos::prelude::*;

use crate::storage::{Cache, EmailRecord, Loaded, Skipped, StorageError, Store};

/// How many emails the index takes in between two pauses while it is built.
pub const BUILD_SLICE: u32 = 300;

/// What the index holds, and what the screens follow of it.
#[derive(Clone, Copy)]
pub struct Search {
    index: StoredValue<Option<(SearchIndex, SavedSearches)>, LocalStorage>,
    /// The index is being built: changes wait in `pending`.
    building: StoredValue<bool>,
    pending: StoredValue<Vec<Record>>,
    /// The index is built.
    pub ready: RwSignal<bool>,
    /// Moves whenever what a search answers may have changed.
    pub revision: RwSignal<u64>,
    /// Each saved search's member count.
    pub counts: RwSignal<HashMap<SavedSearchId, usize>>,
    /// The saved searches, in the order they were made.
    pub saved: RwSignal<Vec<SavedSearch>>,
}

impl Default for Search {
    fn default() -> Self {
        Search::new()
    }
}

impl Search {
    pub fn new() -> Search {
        Search {
            index: StoredValue::new_local(None),
            building: StoredValue::new(false),
            pending: StoredValue::new(Vec::new()),
            ready: RwSignal::new(false),
            revision: RwSignal::new(0),
            counts: RwSignal::new(HashMap::new()),
            saved: RwSignal::new(Vec::new()),
        }
    }

    /// Reads everything from the cache and builds the index and the saved searches' members. The emails
    /// are read a slice at a time, with a pause between slices, so the screen never freezes however large
    /// the cache; what changes meanwhile is kept and applied once the index is in place. Returns the
    /// records that could not be read.
    pub async fn build(self, cache: &Cache) -> Result<Vec<Skipped>, StorageError> {
        self.building.set_value(true);
        let campaigns = cache.all::<Campaign>(Store::Campaigns).await?;
        let people = super::read_all::<Person>(cache, Store::People).await?;
        let mut skipped = [campaigns.skipped, people.skipped].concat();
        let (campaigns, people) = (campaigns.items, people.items);
        let mut index =
            SearchIndex::build(campaigns.iter(), people.iter(), std::iter::empty(), std::iter::empty());
        // Between two slices the build waits for the browser to be idle: the rep's clicks and the screen
        // come first.
        super::for_each_slice(cache, Store::Emails, BUILD_SLICE, |slice: Loaded<EmailRecord>| {
            for record in &slice.items {
                index.upsert_email(&record.email);
                index.set_engagement(record.email.id, &record.engagement);
            }
            skipped.extend(slice.skipped);
        })
        .await?;
        let mut saved = SavedSearches::new();
        let searches = cache.all::<SavedSearch>(Store::SavedSearches).await?;
        skipped.extend(searches.skipped);
        for search in searches.items {
            saved.insert(&index, search);
        }
        self.index.set_value(Some((index, saved)));
        self.building.set_value(false);
        let waiting = self.pending.try_update_value(std::mem::take).unwrap_or_default();
        self.apply(&waiting);
        self.publish();
        self.ready.set(true);
        crate::mark("cc-search-ready");
        Ok(skipped)
    }

    fn publish(self) {
        self.index.with_value(|held| {
            if let Some((_, saved)) = held {
                self.counts.set(saved.searches().map(|s| (s.id, saved.count(s.id).unwrap_or(0))).collect());
                self.saved.set(saved.searches().cloned().collect());
            }
        });
        self.revision.update(|r| *r += 1);
    }

    /// Takes in changed records: the index follows, the saved searches' members are updated for the people
    /// the changes touched, and the counts published. Returns who entered or left which saved search.
    pub fn apply(self, records: &[Record]) -> Vec<domain::search::MembershipChange> {
        if records.is_empty() {
            return Vec::new();
        }
        if self.building.get_value() {
            self.pending.update_value(|p| p.extend_from_slice(records));
            return Vec::new();
        }
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(p) = &performance {
            let _ = p.mark("cc-search-update-start");
        }
        let mut changes = Vec::new();
        self.index.update_value(|held| {
            let Some((index, saved)) = held else { return };
            let mut touched: BTreeSet<PersonId> = BTreeSet::new();
            let mut searches_changed = false;
            for record in records {
                match record {
                    Record::Email { email } => touched.extend(index.upsert_email(email)),
                    Record::Engagement { email, engagement } => {
                        touched.extend(index.set_engagement(*email, engagement))
                    }
                    Record::Person { person } => touched.extend(index.upsert_person(person)),
                    Record::Campaign { campaign } => touched.extend(index.upsert_campaign(campaign)),
                    Record::SavedSearch { search } => {
                        saved.insert(index, (**search).clone());
                        searches_changed = true;
                    }
                    Record::Deleted { kind, id } => match kind {
                        RecordKind::Email => {
                            if let Ok(id) = id.parse::<EmailId>() {
                                touched.extend(index.remove_email(id));
                            }
                        }
                        RecordKind::SavedSearch => {
                            if let Ok(id) = id.parse::<SavedSearchId>() {
                                saved.remove(id);
                                searches_changed = true;
                            }
                        }
                        _ => {}
                    },
                    Record::Event { .. } | Record::Task { .. } => {}
                }
            }
            let touched: Vec<PersonId> = touched.into_iter().collect();
            if !touched.is_empty() || searches_changed {
                changes = saved.update(index, &touched);
            }
        });
        self.publish();
        if let Some(p) = &performance {
            let _ = p.mark("cc-search-updated");
        }
        changes
    }

    /// The emails a query matches, newest created first (empty until the index is built).
    pub fn emails(self, query: &Query) -> Vec<EmailId> {
        self.index.with_value(|held| held.as_ref().map(|(index, _)| index.emails(query)).unwrap_or_default())
    }

    /// The people a query matches (those with at least one matching email).
    pub fn people(self, query: &Query) -> Vec<PersonId> {
        self.index.with_value(|held| held.as_ref().map(|(index, _)| index.people(query)).unwrap_or_default())
    }

    /// How many members of a saved search are not among `seen` (joined since the rep last looked).
    pub fn joined_since(self, id: SavedSearchId, seen: &BTreeSet<PersonId>) -> usize {
        self.index.with_value(|held| {
            held.as_ref()
                .and_then(|(_, saved)| saved.members(id))
                .map(|members| members.iter().filter(|p| !seen.contains(p)).count())
                .unwrap_or(0)
        })
    }

    /// The members of a saved search.
    pub fn members(self, id: SavedSearchId) -> BTreeSet<PersonId> {
        self.index.with_value(|held| {
            held.as_ref().and_then(|(_, saved)| saved.members(id).cloned()).unwrap_or_default()
        })
    }
}
