//! Reading from the cache for a screen: [`load`] runs an async read again whenever a signal it follows
//! moves, and keeps the answer of the newest read in a signal.
//!
//! The screens' reads need no more than that (no suspense, no server, no hydration), so this is a plain
//! effect and a local task rather than a resource: a resource's machinery is compiled once for every type
//! a screen reads, and is most of the cost of each read in the app's size.

use std::future::Future;

use leptos::prelude::*;

/// Runs `read` now and whenever a signal it reads (before its first `.await`) moves, and returns what the
/// newest read found: `None` until the first one finishes; after that the last answer stays on screen
/// while the next one runs. An older read that finishes after a newer one started is dropped.
pub fn load<T, Fut>(read: impl Fn() -> Fut + 'static) -> ReadSignal<Option<T>, LocalStorage>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let answer = RwSignal::new_local(None);
    let newest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let reading = read();
        let number = newest.get_value() + 1;
        newest.set_value(number);
        leptos::task::spawn_local(async move {
            let found = reading.await;
            if newest.try_get_value() == Some(number) {
                answer.try_set(Some(found));
            }
        });
    });
    answer.read_only()
}
