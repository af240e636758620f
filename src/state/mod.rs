//! The app's shared state: the open cache, the session and its sync engine, and the few signals every
//! screen follows (a revision that moves whenever the cache changes, folder counts, people and campaigns,
//! the sync status, the rep's settings, notices).
//!
//! Screens read records from the cache (through `storage`) when the revision moves; they change records only
//! through [`actions`], which write to the cache and the outbox in one transaction before anything says it is
//! done, then wake sync.

pub mod actions;
mod directory;
mod load;
mod notices;
pub mod search;
pub mod suppressions;
mod tabs;

pub use directory::Directory;
pub use load::load;
pub use notices::{Notice, Notices};

use std::collections::HashMap;

use domain::sync::{Record, RecordKind};
use domain::task::Task;
use domain::{Campaign, FolderCounts, Person, PersonId, TaskId};
use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::storage::{Cache, Loaded, Session, Settings, Skipped, StorageError, Store};
use crate::sync::{Api, Listener, Pulled, Sync, SyncStatus};
use crate::zone::IntlZone;

/// How many records a read of a whole store takes between two pauses.
const READ_SLICE: u32 = 500;

/// Every record of `store`, read a slice at a time with a pause for the browser between slices, so a large
/// store (20,000 people) never holds up a click or a frame. Not one snapshot: a record written meanwhile
/// may be read as it is after the write, which the next read after that write (`AppState::changed`) shows
/// anyway.
pub async fn read_all<T: DeserializeOwned>(cache: &Cache, store: Store) -> Result<Loaded<T>, StorageError> {
    let mut all = Loaded::default();
    for_each_slice(cache, store, READ_SLICE, |slice: Loaded<T>| {
        all.items.extend(slice.items);
        all.skipped.extend(slice.skipped);
    })
    .await?;
    Ok(all)
}

/// Hands every record of `store` to `each`, `size` at a time in key order, with a pause for the browser
/// (an idle moment) between two slices.
pub(crate) async fn for_each_slice<T: DeserializeOwned>(
    cache: &Cache,
    store: Store,
    size: u32,
    mut each: impl FnMut(Loaded<T>),
) -> Result<(), StorageError> {
    let mut after = None;
    loop {
        let (slice, last) = cache.slice::<T>(store, after, size).await?;
        let full = slice.items.len() + slice.skipped.len() == size as usize;
        each(slice);
        match last {
            Some(key) if full => after = Some(key),
            _ => return Ok(()),
        }
        idle().await;
    }
}

/// Resolves when the browser is next idle (`requestIdleCallback`), or on the next turn without it.
pub(crate) async fn idle() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let asked = web_sys::window().and_then(|w| w.request_idle_callback(&resolve).ok());
        if asked.is_none() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Everything the screens share. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub cache: StoredValue<Cache, LocalStorage>,
    pub sync: StoredValue<Option<Sync>, LocalStorage>,
    pub session: RwSignal<Option<Session>>,
    /// Moves whenever the cache's records change.
    pub revision: RwSignal<u64>,
    pub counts: RwSignal<FolderCounts>,
    /// People and campaigns.
    pub directory: Directory,
    pub status: RwSignal<SyncStatus>,
    pub settings: RwSignal<Settings>,
    pub notices: Notices,
    /// Events that arrived in this session, newest last (the live feed marks them new).
    pub arrived: RwSignal<Vec<domain::EventId>>,
    /// The first screen is on: what waited for it (the live feed, the search index) may load now.
    pub settled: RwSignal<bool>,
    pub tasks: RwSignal<HashMap<TaskId, Task>>,
    /// The search index and the saved searches' live members.
    pub search: search::Search,
    /// The addresses the rep no longer sends to ([`suppressions`]).
    pub suppressions: RwSignal<Vec<domain::sync::Suppression>>,
    /// People chosen in a search to send to or make tasks for (retargeting).
    pub retarget: RwSignal<Vec<PersonId>>,
    /// The members each saved search had when the rep last looked.
    pub seen: RwSignal<HashMap<domain::SavedSearchId, std::collections::BTreeSet<PersonId>>>,
    /// The records of the cache a screen could not read (store and key), each counted once.
    unreadable: StoredValue<std::collections::HashSet<(&'static str, String)>>,
    /// A fixed "now" (tests of the board at a day's edge); `None` is the clock.
    clock: StoredValue<Option<domain::Instant>>,
    /// How many whole reads of people, campaigns and tasks are going on.
    whole_reads: StoredValue<u64>,
    /// The records of those kinds taken in while a whole read goes on: taken in again once a read is set,
    /// so a read that began before them never hides them.
    meanwhile: StoredValue<Vec<Record>>,
}

impl AppState {
    pub fn new(cache: Cache, session: Option<Session>, settings: Settings) -> AppState {
        AppState {
            cache: StoredValue::new_local(cache),
            sync: StoredValue::new_local(None),
            session: RwSignal::new(session),
            revision: RwSignal::new(0),
            counts: RwSignal::new(FolderCounts::default()),
            directory: Directory::new(),
            status: RwSignal::new(SyncStatus::default()),
            settings: RwSignal::new(settings),
            notices: Notices::new(),
            arrived: RwSignal::new(Vec::new()),
            settled: RwSignal::new(false),
            tasks: RwSignal::new(HashMap::new()),
            search: search::Search::new(),
            retarget: RwSignal::new(Vec::new()),
            suppressions: RwSignal::new(Vec::new()),
            seen: RwSignal::new(HashMap::new()),
            unreadable: StoredValue::new(Default::default()),
            clock: StoredValue::new(None),
            whole_reads: StoredValue::new(0),
            meanwhile: StoredValue::new(Vec::new()),
        }
    }

    /// The cache handle.
    pub fn cache(&self) -> Cache {
        self.cache.get_value()
    }

    /// A client of the endpoint with the signed-in session's token; `None` when signed out.
    pub fn api(&self) -> Option<Api> {
        self.session.with_untracked(|s| s.as_ref().map(|s| Api::new(&s.endpoint, &s.token)))
    }

    /// Now (the clock, unless a test fixed it).
    pub fn now(&self) -> domain::Instant {
        self.clock.get_value().unwrap_or_else(chrono::Utc::now)
    }

    /// Fixes "now" (for tests of what depends on the day).
    pub fn set_clock(&self, now: Option<domain::Instant>) {
        self.clock.set_value(now);
    }

    /// The rep's time zone: their choice, or the browser's.
    pub fn time_zone(&self) -> String {
        self.settings.with(|s| s.time_zone.clone()).unwrap_or_else(crate::format::browser_time_zone)
    }

    /// The rep's time zone as the domain reads it.
    pub fn tz(&self) -> IntlZone {
        IntlZone::named(&self.time_zone()).unwrap_or(IntlZone::UTC)
    }

    /// Starts syncing the signed-in session (if any), after loading what the screens share.
    pub fn start(self) {
        let Some(session) = self.session.get_untracked() else { return };
        let api = Api::new(&session.endpoint, &session.token);
        let sync = Sync::new(self.cache(), api, Box::new(SignalListener { state: self }));
        self.sync.set_value(Some(sync.clone()));
        tabs::listen(self);
        sync.start();
        self.reload_shared();
    }

    /// Stops syncing (sign-out).
    pub fn stop(self) {
        if let Some(sync) = self.sync.get_value() {
            sync.stop();
        }
        self.sync.set_value(None);
        tabs::close();
        self.unreadable.set_value(Default::default());
    }

    /// Says that the records in `skipped` could not be read: the sync details count each record once,
    /// whichever screen found it, beside those of the outbox that sync found.
    pub fn unreadable(self, skipped: &[Skipped]) {
        let added = self
            .unreadable
            .try_update_value(|u| skipped.iter().filter(|s| u.insert((s.store, s.key.clone()))).count())
            .unwrap_or(0);
        if added > 0 {
            self.status.update(|s| s.skipped += added);
        }
    }

    /// Builds the search index in the background (once the first screen is on).
    pub fn build_search(self) {
        let cache = self.cache();
        leptos::task::spawn_local(async move {
            // A moment after the first screen, so its first frames are the rep's.
            gloo_timers::future::TimeoutFuture::new(300).await;
            match self.search.build(&cache).await {
                Ok(skipped) => self.unreadable(&skipped),
                Err(err) => {
                    web_sys::console::warn_1(&format!("the search index could not be built: {err}").into())
                }
            }
        });
    }

    /// Wakes sync: a change is waiting, or the rep asked to retry.
    pub fn poke(self) {
        if let Some(sync) = self.sync.get_value() {
            sync.poke();
        }
    }

    /// Tells the screens that the cache changed, and reads again the counts and every person, campaign,
    /// task and seen list.
    pub fn changed(self) {
        self.revision.update(|r| *r += 1);
        self.reload_shared();
    }

    /// Tells the screens that the cache changed by `records` (written already): the counts are read again,
    /// and the people, campaigns and tasks among the records taken in as they are, nothing else read (an
    /// archived email touches none of them; a person saved is one entry of the map, not 20,000 read again).
    pub fn changed_by(self, records: &[Record]) {
        self.took(records);
        tabs::tell(records);
    }

    /// Takes in `records` another tab (or this one) wrote to the cache: [`AppState::changed_by`] without
    /// telling anyone.
    fn took(self, records: &[Record]) {
        self.revision.update(|r| *r += 1);
        self.take_in(records);
        if self.whole_reads.get_value() > 0 {
            self.meanwhile
                .update_value(|kept| kept.extend(records.iter().filter(|r| held_in_memory(r)).cloned()));
        }
        self.recount();
    }

    /// Takes the people, campaigns and tasks among `records` into memory.
    fn take_in(self, records: &[Record]) {
        self.directory.apply(records);
        if records.iter().any(|r| r.kind() == RecordKind::Task) {
            self.tasks.update(|all| apply_tasks(all, records));
        }
    }

    /// Reads the folder counts and the outbox's figures again.
    fn recount(self) {
        let cache = self.cache();
        leptos::task::spawn_local(async move {
            if let Ok(counts) = cache.folder_counts().await {
                self.counts.set(counts);
            }
            if let Some(sync) = self.sync.get_value() {
                let _ = sync.refresh_outbox().await;
            }
        });
    }

    fn reload_shared(self) {
        self.recount();
        let cache = self.cache();
        self.whole_reads.update_value(|reads| *reads += 1);
        leptos::task::spawn_local(async move {
            if let Ok(people) = read_all::<Person>(&cache, Store::People).await {
                self.unreadable(&people.skipped);
                self.directory.set_people(people.items);
            }
            if let Ok(campaigns) = cache.all::<Campaign>(Store::Campaigns).await {
                self.unreadable(&campaigns.skipped);
                self.directory.set_campaigns(campaigns.items);
            }
            if let Ok(seen) = cache.all::<crate::storage::SeenRecord>(Store::Seen).await {
                self.unreadable(&seen.skipped);
                self.seen.set(
                    seen.items.into_iter().map(|s| (s.search, s.members.into_iter().collect())).collect(),
                );
            }
            if let Ok(tasks) = read_all::<Task>(&cache, Store::Tasks).await {
                self.unreadable(&tasks.skipped);
                self.tasks.set(tasks.items.into_iter().map(|t| (t.id, t)).collect());
            }
            // What changed while the stores were read is taken in again: their copy may be older.
            self.whole_reads.update_value(|reads| *reads -= 1);
            let kept = self.meanwhile.get_value();
            if self.whole_reads.get_value() == 0 {
                self.meanwhile.set_value(Vec::new());
            }
            self.take_in(&kept);
        });
    }
}

/// Whether the state holds `record`'s kind in memory (people, campaigns, tasks; the rest is read from the
/// cache by the screens).
fn held_in_memory(record: &Record) -> bool {
    !matches!(record, Record::Email { .. } | Record::Event { .. } | Record::Engagement { .. })
}

/// Takes in the tasks among `records`, saved or gone, as the cache now holds them.
fn apply_tasks(all: &mut HashMap<TaskId, Task>, records: &[Record]) {
    for record in records {
        match record {
            Record::Task { task } => {
                all.insert(task.id, (**task).clone());
            }
            Record::Deleted { kind: RecordKind::Task, id } => {
                if let Ok(id) = id.parse() {
                    all.remove(&id);
                }
            }
            _ => {}
        }
    }
}

/// Hands the sync engine's news to the signals.
struct SignalListener {
    state: AppState,
}

impl Listener for SignalListener {
    fn status(&self, status: SyncStatus) {
        // Unreadable records a screen found stay reported: sync's own figures (the outbox's) do not know
        // of them.
        let found = self.state.unreadable.with_value(|u| u.len());
        self.state.status.update(|s| {
            *s = status;
            s.skipped += found;
        });
    }

    fn changed(&self, pulled: Pulled) {
        crate::notify::events(self.state, &pulled.events);
        self.state.search.apply(&pulled.records);
        if !pulled.events.is_empty() {
            self.state.arrived.update(|a| {
                a.extend(pulled.events.iter().map(|e| e.id));
                let excess = a.len().saturating_sub(500);
                a.drain(..excess);
            });
        }
        self.state.changed_by(&pulled.records);
    }
}

/// The state, from any component under the app.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use domain::sync::{Record, RecordKind};
    use domain::task::{Due, Origin, Task, TaskType};
    use domain::{Campaign, CampaignId, EmailAddress, Person, PersonId, TaskId};
    use leptos::prelude::*;
    use wasm_bindgen_test::*;

    use super::{Directory, apply_tasks};

    wasm_bindgen_test_configure!(run_in_browser);

    fn person(n: u128, address: &str) -> Person {
        let mut person = Person::new(PersonId::from_u128(n), EmailAddress::parse(address).unwrap());
        person.first_name = format!("First{n}");
        person
    }

    #[wasm_bindgen_test]
    fn a_person_saved_or_gone_is_one_entry_of_the_directory_and_their_address_follows() {
        let owner = Owner::new();
        owner.with(|| {
            let directory = Directory::new();
            directory.set_people(vec![person(1, "ana@acme.example"), person(2, "bo@acme.example")]);
            let people = directory.people;
            let moved = person(1, "ana@newco.example");
            directory.apply(&[Record::Person { person: Box::new(moved.clone()) }]);
            assert_eq!(
                directory.person_by_address(&EmailAddress::parse("ana@newco.example").unwrap()),
                Some(moved)
            );
            assert_eq!(directory.person_by_address(&EmailAddress::parse("ana@acme.example").unwrap()), None);
            directory.apply(&[Record::deleted(RecordKind::Person, PersonId::from_u128(2))]);
            assert_eq!(directory.people.with_untracked(HashMap::len), 1);
            assert_eq!(directory.person_by_address(&EmailAddress::parse("bo@acme.example").unwrap()), None);
            let campaign = Campaign { id: CampaignId::from_u128(7), name: "Q4".into() };
            directory.apply(&[Record::Campaign { campaign: campaign.clone() }]);
            assert_eq!(directory.campaigns_by_name(), vec![campaign]);
            let before = people.with_untracked(HashMap::len);
            let engagement =
                Record::Engagement { email: domain::EmailId::from_u128(1), engagement: Default::default() };
            directory.apply(&[engagement]);
            assert_eq!(people.with_untracked(HashMap::len), before, "a pull of engagement leaves people be");
        });
    }

    #[wasm_bindgen_test]
    fn tasks_saved_or_gone_are_taken_in_as_they_are() {
        let mut all: HashMap<TaskId, Task> = HashMap::new();
        let due = Due::on(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        let task = Task::new(
            TaskId::from_u128(3),
            TaskType::Call,
            "Call Ana",
            due,
            Origin::Manual,
            chrono::Utc::now(),
        )
        .unwrap();
        apply_tasks(&mut all, &[Record::Task { task: Box::new(task.clone()) }]);
        assert_eq!(all.get(&task.id), Some(&task));
        apply_tasks(
            &mut all,
            &[Record::deleted(RecordKind::Person, task.id), Record::deleted(RecordKind::Task, task.id)],
        );
        assert!(all.is_empty(), "the person's deletion is not the task's; the task's is");
    }
}
