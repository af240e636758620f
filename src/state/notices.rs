//! The notices at the bottom of the screen: what was done or went wrong, each going by itself after a while,
//! some with an Undo.

use leptos::prelude::*;

use super::actions::Undo;

/// A notice at the bottom of the screen, with an optional undo.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    pub error: bool,
    pub undo: Option<Undo>,
}

/// The notices on screen, oldest first. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub struct Notices {
    pub list: RwSignal<Vec<Notice>>,
    next: StoredValue<u64>,
}

impl Notices {
    pub fn new() -> Notices {
        Notices { list: RwSignal::new(Vec::new()), next: StoredValue::new(0) }
    }

    /// Shows a notice; it goes by itself after a while. The same words said again while they are still
    /// on screen (three tasks saved in a row) show once, for the full time again; a notice with Undo is
    /// always its own.
    pub fn notify(self, text: String, error: bool, undo: Option<Undo>) {
        let id = self.next.get_value() + 1;
        self.next.set_value(id);
        self.list.update(|n| {
            if undo.is_none() {
                n.retain(|x| x.undo.is_some() || x.error != error || x.text != text);
            }
            n.push(Notice { id, text, error, undo });
            if n.len() > 4 {
                n.remove(0);
            }
        });
        let list = self.list;
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(if error { 12_000 } else { 7_000 }).await;
            list.update(|n| n.retain(|x| x.id != id));
        });
    }

    pub fn dismiss(self, id: u64) {
        self.list.update(|n| n.retain(|x| x.id != id));
    }
}

impl Default for Notices {
    fn default() -> Notices {
        Notices::new()
    }
}
