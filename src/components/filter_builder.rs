//! The filter builder: one row per condition of a search (a field, its value, and "not"), for everything
//! the domain's query model has. Its rows and the text form are two views of one [`Query`]: a change on
//! either side is written to the other through `domain::search::builder` ([`query_of`], [`follow`]). A
//! row still being filled in stays, marked as such (visibly, and `aria-invalid` with the reason for
//! assistive technology), and is left out of the search until it is complete.

use domain::search::Query;
use domain::search::builder::{Entry, Incomplete};
pub use domain::search::builder::{Field, Row, Times, follow, query_of, rows_of};
use domain::{Folder, MainTab};
use leptos::prelude::*;

use crate::components::labels;
use crate::format::{input_date, parse_input_date};
use crate::i18n::*;

fn field_label(i18n: leptos_i18n::I18nContext<Locale>, field: Field) -> String {
    match field {
        Field::Campaign | Field::CampaignId => t_string!(i18n, filters.campaign),
        Field::Folder => t_string!(i18n, filters.folder),
        Field::Tab => t_string!(i18n, filters.tab),
        Field::Status => t_string!(i18n, filters.status),
        Field::Viewed => t_string!(i18n, filters.viewed),
        Field::Clicked => t_string!(i18n, filters.clicked),
        Field::Replied => t_string!(i18n, filters.replied),
        Field::Created => t_string!(i18n, filters.created),
        Field::Sent => t_string!(i18n, filters.sent),
        Field::Scheduled => t_string!(i18n, filters.scheduled),
        Field::Failed => t_string!(i18n, filters.failed),
        Field::Name => t_string!(i18n, filters.name),
        Field::Company => t_string!(i18n, filters.company),
        Field::Domain => t_string!(i18n, filters.domain),
        Field::Tag => t_string!(i18n, filters.tag),
        Field::Subject => t_string!(i18n, filters.subject),
    }
    .to_string()
}

/// The builder: its rows, and `on_change` with the query they make whenever one changes.
#[component]
pub fn FilterBuilder(rows: RwSignal<Vec<Row>>, on_change: Callback<Query>) -> impl IntoView {
    let i18n = use_i18n();
    let state = crate::state::use_app();
    let changed = move || on_change.run(query_of(&rows.get_untracked()));
    let edit = move |i: usize, f: Box<dyn Fn(&mut Row)>| {
        rows.update(|r| {
            if let Some(row) = r.get_mut(i) {
                f(row);
            }
        });
        changed();
    };
    let campaigns =
        move || state.directory.campaigns_by_name().into_iter().map(|c| c.name).collect::<Vec<_>>();
    view! {
        <div class="builder" role="group" aria-label=t_string!(i18n, filters.label)>
            {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                let id = format!("cond-{i}");
                let field = row.field;
                let incomplete = row.condition().err();
                // What marks a value as not applied yet, for assistive technology: the reason beside it.
                let invalid = incomplete.is_some().then_some("true");
                let why = incomplete.map(|_| format!("{id}-why"));
                let value_editor = match field.entry() {
                    Entry::Times => {
                        let at_least = match row.times { Times::AtLeast(n) => n, _ => 2 };
                        let choice = match row.times { Times::Yes => "yes", Times::No => "no", Times::AtLeast(_) => "at_least" };
                        view! {
                            <label class="visually-hidden" for=format!("{id}-times")>{t_string!(i18n, filters.how_often).to_string()}</label>
                            <select id=format!("{id}-times") prop:value=choice on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(i, Box::new(move |r| r.times = match v.as_str() { "no" => Times::No, "at_least" => Times::AtLeast(at_least), _ => Times::Yes }));
                            }>
                                <option value="yes">{t_string!(i18n, filters.yes).to_string()}</option>
                                <option value="no">{t_string!(i18n, filters.no).to_string()}</option>
                                <option value="at_least">{t_string!(i18n, filters.at_least).to_string()}</option>
                            </select>
                            {matches!(row.times, Times::AtLeast(_)).then(|| view! {
                                <label class="visually-hidden" for=format!("{id}-n")>{t_string!(i18n, filters.times).to_string()}</label>
                                <input id=format!("{id}-n") type="number" min="1" class="narrow" prop:value=at_least.to_string() on:change=move |ev| {
                                    let n = event_target_value(&ev).parse::<u32>().unwrap_or(1).max(1);
                                    edit(i, Box::new(move |r| r.times = Times::AtLeast(n)));
                                } />
                            })}
                        }.into_any()
                    }
                    Entry::Choice => {
                        let options = if field == Field::Tab {
                            MainTab::ALL.into_iter().map(|t| (t.slug().to_string(), labels::main_tab(i18n, t))).collect::<Vec<_>>()
                        } else {
                            Folder::ALL.into_iter().map(|f| (f.to_string(), format!("{} › {}", labels::main_tab(i18n, f.main_tab()), labels::folder(i18n, f)))).collect()
                        };
                        view! {
                            <label class="visually-hidden" for=format!("{id}-value")>{field_label(i18n, field)}</label>
                            <select id=format!("{id}-value") prop:value=row.text.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.text = v.clone())); }>
                                {options.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                            </select>
                        }.into_any()
                    }
                    Entry::Dates => {
                        let day = |d: Option<chrono::NaiveDate>| d.map(input_date).unwrap_or_default();
                        view! {
                            <label for=format!("{id}-from")>{t_string!(i18n, filters.from).to_string()}</label>
                            <input id=format!("{id}-from") type="date" prop:value=day(row.from) aria-invalid=invalid aria-describedby=why.clone()
                                on:change=move |ev| { let v = parse_input_date(&event_target_value(&ev)); edit(i, Box::new(move |r| r.from = v)); } />
                            <label for=format!("{id}-before")>{t_string!(i18n, filters.before).to_string()}</label>
                            <input id=format!("{id}-before") type="date" prop:value=day(row.before) aria-invalid=invalid aria-describedby=why.clone()
                                on:change=move |ev| { let v = parse_input_date(&event_target_value(&ev)); edit(i, Box::new(move |r| r.before = v)); } />
                        }.into_any()
                    }
                    Entry::Text => {
                        let list = (field == Field::Campaign).then_some("campaign-names");
                        view! {
                            <label class="visually-hidden" for=format!("{id}-value")>{field_label(i18n, field)}</label>
                            <input id=format!("{id}-value") type="text" list=list prop:value=row.text.clone() aria-invalid=invalid aria-describedby=why.clone() on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(i, Box::new(move |r| r.text = v.clone()));
                            } />
                        }.into_any()
                    }
                };
                // Why the row is not applied yet, or what an open date range means.
                let note = match incomplete {
                    Some(Incomplete::Value) => t_string!(i18n, filters.incomplete),
                    Some(Incomplete::EmptyRange) => t_string!(i18n, filters.empty_range),
                    None if field.entry() == Entry::Dates && row.from.is_none() && row.before.is_none() => {
                        t_string!(i18n, filters.any_date)
                    }
                    None => "",
                };
                view! {
                    <div class="condition" class:incomplete=incomplete.is_some() data-field=field.key()>
                        <label class="chip">
                            <input type="checkbox" prop:checked=row.negated on:change=move |ev| { let v = event_target_checked(&ev); edit(i, Box::new(move |r| r.negated = v)); } />
                            {t_string!(i18n, filters.not).to_string()}
                        </label>
                        <label class="visually-hidden" for=format!("{id}-field")>{t_string!(i18n, filters.field).to_string()}</label>
                        <select id=format!("{id}-field") prop:value=field.key() on:change=move |ev| {
                            if let Some(f) = Field::from_key(&event_target_value(&ev)) {
                                rows.update(|r| if let Some(row) = r.get_mut(i) { let negated = row.negated; *row = Row::new(f); row.negated = negated; });
                                changed();
                            }
                        }>
                            {Field::OFFERED.into_iter().chain((!Field::OFFERED.contains(&field)).then_some(field)).map(|f| view! {
                                <option value=f.key()>{field_label(i18n, f)}</option>
                            }).collect_view()}
                        </select>
                        {value_editor}
                        <span class="note" class:why=incomplete.is_some() id=format!("{id}-why")>{note}</span>
                        <button type="button" class="quick" aria-label=t_string!(i18n, filters.remove) on:click=move |_| {
                            rows.update(|r| { if i < r.len() { r.remove(i); } });
                            changed();
                        }>"×"</button>
                    </div>
                }
            }).collect_view()}
            <datalist id="campaign-names">
                {move || campaigns().into_iter().map(|n| view! { <option value=n></option> }).collect_view()}
            </datalist>
            <button type="button" class="button" on:click=move |_| {
                rows.update(|r| r.push(Row::new(Field::Viewed)));
                changed();
            }>{t_string!(i18n, filters.add).to_string()}</button>
        </div>
    }
}
