//! The app's shared state: the open cache, the session and its sync engine, and the few signals every
//! screen follows (a revision that moves whenever the cache changes, folder counts, people and campaigns,
//! the sync status, the rep's settings, notices).
//!
//! Screens read records from the cache (through `storage`) when the revision moves; they change records only
//! through [`actions`], which write to the cache and the outbox in one transaction before anything says it is
//! done, then wake sync.

pub mod actions;
mod load;
pub mod search;

pub use load::load;

use std::collections::HashMap;

use domain::sync::{Record, RecordKind};
use domain::task::Task;
use domain::{Campaign, CampaignId, EmailAddress, FolderCounts, Person, PersonId, TaskId};
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

/// A notice at the bottom of the screen, with an optional undo.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub error: bool,
    pub undo: Option<actions::Undo>,
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
    pub people: RwSignal<HashMap<PersonId, Person>>,
    /// Who each address belongs to.
    pub people_by_address: Memo<HashMap<EmailAddress, PersonId>>,
    pub campaigns: RwSignal<HashMap<CampaignId, Campaign>>,
    pub status: RwSignal<SyncStatus>,
    pub settings: RwSignal<Settings>,
    pub notices: RwSignal<Vec<Notice>>,
    /// Events that arrived in this session, newest last (the live feed marks them new).
    pub arrived: RwSignal<Vec<domain::EventId>>,
    /// The first screen is on: what waited for it (the live feed, the search index) may load now.
    pub settled: RwSignal<bool>,
    pub tasks: RwSignal<HashMap<TaskId, Task>>,
    /// The search index and the saved searches' live members.
    pub search: search::Search,
    /// People chosen in a search to send to or make tasks for (retargeting).
    pub retarget: RwSignal<Vec<PersonId>>,
    /// The members each saved search had when the rep last looked.
    pub seen: RwSignal<HashMap<domain::SavedSearchId, std::collections::BTreeSet<PersonId>>>,
    next_notice: StoredValue<u64>,
    /// The records of the cache a screen could not read (store and key), each counted once.
    unreadable: StoredValue<std::collections::HashSet<(&'static str, String)>>,
    /// A fixed "now" (tests of the board at a day's edge); `None` is the clock.
    clock: StoredValue<Option<domain::Instant>>,
}

impl AppState {
    /// Every campaign, by name: the order of the campaign pickers.
    pub fn campaigns_by_name(&self) -> Vec<Campaign> {
        crate::format::by_name(self.campaigns.with(|c| c.values().cloned().collect()), |c| c.name.clone())
    }

    pub fn new(cache: Cache, session: Option<Session>, settings: Settings) -> AppState {
        let people = RwSignal::new(HashMap::<PersonId, Person>::new());
        let people_by_address =
            Memo::new(move |_| people.with(|p| p.values().map(|p| (p.email.clone(), p.id)).collect()));
        AppState {
            people_by_address,
            cache: StoredValue::new_local(cache),
            sync: StoredValue::new_local(None),
            session: RwSignal::new(session),
            revision: RwSignal::new(0),
            counts: RwSignal::new(FolderCounts::default()),
            people,
            campaigns: RwSignal::new(HashMap::new()),
            status: RwSignal::new(SyncStatus::default()),
            settings: RwSignal::new(settings),
            notices: RwSignal::new(Vec::new()),
            arrived: RwSignal::new(Vec::new()),
            settled: RwSignal::new(false),
            tasks: RwSignal::new(HashMap::new()),
            search: search::Search::new(),
            retarget: RwSignal::new(Vec::new()),
            seen: RwSignal::new(HashMap::new()),
            next_notice: StoredValue::new(0),
            unreadable: StoredValue::new(Default::default()),
            clock: StoredValue::new(None),
        }
    }

    /// The cache handle.
    pub fn cache(&self) -> Cache {
        self.cache.get_value()
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
        sync.start();
        self.reload_shared(Touched::ALL);
    }

    /// Stops syncing (sign-out).
    pub fn stop(self) {
        if let Some(sync) = self.sync.get_value() {
            sync.stop();
        }
        self.sync.set_value(None);
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

    /// Tells the screens that the cache changed, and reloads counts, people, campaigns and tasks.
    pub fn changed(self) {
        self.changed_in(Touched::ALL);
    }

    /// Tells the screens that the cache changed by `records` (written already), and reloads the counts and
    /// only the people, campaigns and tasks those records are (an archived email re-reads none of them).
    pub fn changed_by(self, records: &[Record]) {
        self.changed_in(Touched::of(records));
    }

    fn changed_in(self, touched: Touched) {
        self.revision.update(|r| *r += 1);
        self.reload_shared(touched);
    }

    fn reload_shared(self, touched: Touched) {
        let cache = self.cache();
        leptos::task::spawn_local(async move {
            if let Ok(counts) = cache.folder_counts().await {
                self.counts.set(counts);
            }
            if touched.people
                && let Ok(people) = read_all::<Person>(&cache, Store::People).await
            {
                self.unreadable(&people.skipped);
                self.people.set(people.items.into_iter().map(|p| (p.id, p)).collect());
            }
            if touched.campaigns
                && let Ok(campaigns) = cache.all::<Campaign>(Store::Campaigns).await
            {
                self.unreadable(&campaigns.skipped);
                self.campaigns.set(campaigns.items.into_iter().map(|c| (c.id, c)).collect());
            }
            if touched.seen
                && let Ok(seen) = cache.all::<crate::storage::SeenRecord>(Store::Seen).await
            {
                self.unreadable(&seen.skipped);
                self.seen.set(
                    seen.items.into_iter().map(|s| (s.search, s.members.into_iter().collect())).collect(),
                );
            }
            if touched.tasks
                && let Ok(tasks) = read_all::<Task>(&cache, Store::Tasks).await
            {
                self.unreadable(&tasks.skipped);
                self.tasks.set(tasks.items.into_iter().map(|t| (t.id, t)).collect());
            }
            if let Some(sync) = self.sync.get_value() {
                let _ = sync.refresh_outbox().await;
            }
        });
    }

    /// The person an address belongs to, if the rep has them.
    pub fn person_by_address(&self, address: &EmailAddress) -> Option<Person> {
        let id = self.people_by_address.with(|index| index.get(address).copied())?;
        self.people.with(|people| people.get(&id).cloned())
    }

    /// Shows a notice; it goes by itself after a while. The same words said again while they are still
    /// on screen (three tasks saved in a row) show once, for the full time again; a notice with Undo is
    /// always its own.
    pub fn notify(self, text: String, error: bool, undo: Option<actions::Undo>) {
        let id = self.next_notice.get_value() + 1;
        self.next_notice.set_value(id);
        self.notices.update(|n| {
            if undo.is_none() {
                n.retain(|x| x.undo.is_some() || x.error != error || x.text != text);
            }
            n.push(Notice { id, text, error, undo });
            if n.len() > 4 {
                n.remove(0);
            }
        });
        let notices = self.notices;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(if error { 12_000 } else { 7_000 }).await;
            notices.update(|n| n.retain(|x| x.id != id));
        });
    }

    pub fn dismiss(self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
    }
}

/// Which of the records the state holds in memory a change may have touched (emails and counts are read
/// again after every change).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Touched {
    people: bool,
    campaigns: bool,
    tasks: bool,
    seen: bool,
}

impl Touched {
    const ALL: Touched = Touched { people: true, campaigns: true, tasks: true, seen: true };

    /// What records touch: a pull of views and clicks, or an email archived, re-reads no person, campaign
    /// or task.
    fn of(records: &[Record]) -> Touched {
        let mut touched = Touched { people: false, campaigns: false, tasks: false, seen: false };
        for record in records {
            match record.kind() {
                RecordKind::Person => touched.people = true,
                RecordKind::Campaign => touched.campaigns = true,
                RecordKind::Task => touched.tasks = true,
                _ => {}
            }
        }
        touched
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
    use super::Touched;
    use domain::sync::{Record, RecordKind};
    use domain::{Campaign, CampaignId, EmailId};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn deleted(kind: RecordKind) -> Record {
        Record::deleted(kind, 1)
    }

    #[wasm_bindgen_test]
    fn a_pull_of_engagement_reads_no_person_campaign_or_task_again() {
        let engagement = Record::Engagement { email: EmailId::from_u128(1), engagement: Default::default() };
        let touched = Touched::of(&[engagement, deleted(RecordKind::Email)]);
        assert_eq!(touched, Touched { people: false, campaigns: false, tasks: false, seen: false });
    }

    #[wasm_bindgen_test]
    fn a_pull_reads_again_what_its_records_changed_or_removed() {
        let campaign =
            Record::Campaign { campaign: Campaign { id: CampaignId::from_u128(1), name: "Q4".into() } };
        let touched = Touched::of(&[campaign, deleted(RecordKind::Person), deleted(RecordKind::Task)]);
        assert_eq!(touched, Touched { people: true, campaigns: true, tasks: true, seen: false });
    }
}
