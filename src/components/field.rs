//! A labelled text field with its error beside it, announced as it changes, and marked invalid for
//! assistive technology; the options of a time-zone picker.

use leptos::prelude::*;

#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// The input's type (`text` when not given).
    #[prop(optional)]
    kind: Option<&'static str>,
    /// A datalist of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input
                id=id
                type=kind.unwrap_or("text")
                autocomplete="off"
                list=list
                prop:value=value
                on:input=move |ev| on_input.run(event_target_value(&ev))
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// The `<option>`s of a time-zone picker: every zone the endpoint schedules in, by IANA name.
#[component]
pub fn ZoneOptions() -> impl IntoView {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| {
            let name = zone.name();
            view! { <option value=name>{name}</option> }
        })
        .collect_view()
}
