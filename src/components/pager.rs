//! Previous and Next for a list shown a page at a time.

use leptos::prelude::*;

use crate::i18n::*;

/// The pager: what it shows first (the range, if any), then Previous and Next, each off at its end. `step`
/// gets -1 or +1.
#[component]
pub fn Pager(
    #[prop(into)] on_first: Signal<bool>,
    #[prop(into)] on_last: Signal<bool>,
    step: Callback<i32>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="pager" aria-label=t_string!(i18n, list.pages)>
            {children.map(|c| c())}
            <button type="button" class="button" disabled=on_first on:click=move |_| step.run(-1)>
                {t_string!(i18n, list.previous).to_string()}
            </button>
            <button type="button" class="button" disabled=on_last on:click=move |_| step.run(1)>
                {t_string!(i18n, list.next).to_string()}
            </button>
        </nav>
    }
}
