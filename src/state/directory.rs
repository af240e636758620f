//! The rep's people and campaigns in memory, which every screen looks names, addresses and campaigns up in:
//! read whole once when the app starts, then kept up to date record by record as changes are written, so
//! one person saved or pulled never reads 20,000 again.

use std::collections::HashMap;

use domain::sync::{Record, RecordKind};
use domain::{Campaign, CampaignId, EmailAddress, Person, PersonId};
use leptos::prelude::*;

/// People (and who each address belongs to) and campaigns. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct Directory {
    pub people: RwSignal<HashMap<PersonId, Person>>,
    /// Who each address belongs to, kept with `people`.
    pub by_address: RwSignal<HashMap<EmailAddress, PersonId>>,
    pub campaigns: RwSignal<HashMap<CampaignId, Campaign>>,
    /// Every person has been read once (until then, someone not found may only not be read yet).
    pub loaded: RwSignal<bool>,
}

impl Directory {
    pub fn new() -> Directory {
        Directory {
            people: RwSignal::new(HashMap::new()),
            by_address: RwSignal::new(HashMap::new()),
            campaigns: RwSignal::new(HashMap::new()),
            loaded: RwSignal::new(false),
        }
    }

    /// Replaces every person (a whole read of the cache).
    pub fn set_people(&self, people: Vec<Person>) {
        self.by_address.set(people.iter().map(|p| (p.email.clone(), p.id)).collect());
        self.people.set(people.into_iter().map(|p| (p.id, p)).collect());
        self.loaded.set(true);
    }

    /// Replaces every campaign (a whole read of the cache).
    pub fn set_campaigns(&self, campaigns: Vec<Campaign>) {
        self.campaigns.set(campaigns.into_iter().map(|c| (c.id, c)).collect());
    }

    /// Takes in `records` as the cache now holds them: the people and campaigns among them saved or gone.
    /// Readers hear of it only when one of those is there.
    pub fn apply(&self, records: &[Record]) {
        for record in records {
            match record {
                Record::Person { person } => {
                    let old =
                        self.people.try_update(|all| all.insert(person.id, (**person).clone())).flatten();
                    self.by_address.update(|by_address| {
                        if let Some(old) = old {
                            by_address.remove(&old.email);
                        }
                        by_address.insert(person.email.clone(), person.id);
                    });
                }
                Record::Campaign { campaign } => self.campaigns.update(|all| {
                    all.insert(campaign.id, campaign.clone());
                }),
                Record::Deleted { kind: RecordKind::Person, id } => {
                    let Ok(id) = id.parse() else { continue };
                    if let Some(old) = self.people.try_update(|all| all.remove(&id)).flatten() {
                        self.by_address.update(|by_address| {
                            by_address.remove(&old.email);
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// The person an address belongs to, if the rep has them.
    pub fn person_by_address(&self, address: &EmailAddress) -> Option<Person> {
        let id = self.by_address.with(|index| index.get(address).copied())?;
        self.people.with(|people| people.get(&id).cloned())
    }

    /// Every campaign, by name: the order of the campaign pickers.
    pub fn campaigns_by_name(&self) -> Vec<Campaign> {
        crate::format::by_name(self.campaigns.with(|c| c.values().cloned().collect()), |c| c.name.clone())
    }
}

impl Default for Directory {
    fn default() -> Directory {
        Directory::new()
    }
}
