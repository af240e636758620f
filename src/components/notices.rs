//! Notices at the bottom of the screen: what was just done (with Undo where it can be taken back), or
//! what went wrong. Announced to screen readers as they appear.

use leptos::prelude::*;

use crate::i18n::*;
use crate::state::{actions, use_app};

#[component]
pub fn Notices() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    view! {
        <div class="notices" role="status" aria-live="polite">
            <For each=move || state.notices.list.get() key=|n| n.id let:notice>
                {
                    let id = notice.id;
                    let undo = notice.undo.clone();
                    view! {
                        <div class="notice" class:error=notice.error>
                            <span>{notice.text.clone()}</span>
                            {undo.map(|undo| view! {
                                <button
                                    type="button"
                                    class="button ghost"
                                    on:click=move |_| {
                                        state.notices.dismiss(id);
                                        let undo = undo.clone();
                                        leptos::task::spawn_local(async move {
                                            match actions::undo(state, undo).await {
                                                Ok(outcome) if outcome.applied > 0 => {
                                                    state.notices.notify(t_string!(i18n, notices.undone).to_string(), false, None)
                                                }
                                                _ => state.notices.notify(t_string!(i18n, notices.too_late).to_string(), true, None),
                                            }
                                        });
                                    }
                                >
                                    {t_string!(i18n, notices.undo).to_string()}
                                </button>
                            })}
                            <button
                                type="button"
                                class="close"
                                aria-label=t_string!(i18n, notices.dismiss)
                                on:click=move |_| state.notices.dismiss(id)
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
