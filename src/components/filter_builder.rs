//! The filter builder: one row per condition of a search (a field, its value, and "not"), for everything
//! the domain's query model has. Its rows and the text form are two views of one [`Query`]: a change on
//! either side is written to the other through [`Query::conditions`] and [`Query::from_conditions`].

use chrono::NaiveDate;
use domain::search::{Condition, Count, DateField, DateRange, Filter, Query};
use domain::{Folder, MainTab};
use leptos::prelude::*;

use crate::components::labels;
use crate::i18n::*;

/// What a row is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Campaign,
    CampaignId,
    Folder,
    Tab,
    Status,
    Viewed,
    Clicked,
    Replied,
    Created,
    Sent,
    Scheduled,
    Failed,
    Name,
    Company,
    Domain,
    Tag,
    Subject,
}

impl Field {
    /// The fields offered for a new row, in the order the menu lists them.
    pub const OFFERED: [Field; 15] = [
        Field::Campaign,
        Field::Folder,
        Field::Tab,
        Field::Viewed,
        Field::Clicked,
        Field::Replied,
        Field::Created,
        Field::Sent,
        Field::Scheduled,
        Field::Failed,
        Field::Name,
        Field::Company,
        Field::Domain,
        Field::Tag,
        Field::Subject,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Campaign => "campaign",
            Field::CampaignId => "campaign_id",
            Field::Folder => "folder",
            Field::Tab => "tab",
            Field::Status => "status",
            Field::Viewed => "viewed",
            Field::Clicked => "clicked",
            Field::Replied => "replied",
            Field::Created => "created",
            Field::Sent => "sent",
            Field::Scheduled => "scheduled",
            Field::Failed => "failed",
            Field::Name => "name",
            Field::Company => "company",
            Field::Domain => "domain",
            Field::Tag => "tag",
            Field::Subject => "subject",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        [Field::CampaignId, Field::Status].into_iter().chain(Field::OFFERED).find(|f| f.key() == key)
    }

    fn date_field(self) -> Option<DateField> {
        match self {
            Field::Created => Some(DateField::Created),
            Field::Sent => Some(DateField::Sent),
            Field::Scheduled => Some(DateField::Scheduled),
            Field::Failed => Some(DateField::Failed),
            _ => None,
        }
    }
}

/// How often, for viewed / clicked / replied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    Yes,
    No,
    AtLeast(u32),
}

/// One row of the builder, as the form holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub negated: bool,
    pub field: Field,
    /// The text, campaign name, folder slug or status name.
    pub text: String,
    pub times: Times,
    pub from: String,
    pub before: String,
}

impl Row {
    pub fn new(field: Field) -> Row {
        let text = match field {
            Field::Folder => Folder::Delivered.to_string(),
            Field::Tab => MainTab::Sent.slug().to_string(),
            _ => String::new(),
        };
        Row { negated: false, field, text, times: Times::Yes, from: String::new(), before: String::new() }
    }

    /// The row of a condition.
    pub fn of(condition: &Condition) -> Row {
        let mut row = Row::new(Field::Subject);
        row.negated = condition.negated;
        let times = |count: Count| match count {
            Count::Yes => Times::Yes,
            Count::No => Times::No,
            Count::AtLeast(n) => Times::AtLeast(n),
        };
        let day = |d: Option<NaiveDate>| d.map(crate::format::input_date).unwrap_or_default();
        match &condition.filter {
            Filter::CampaignName(name) => (row.field, row.text) = (Field::Campaign, name.clone()),
            Filter::CampaignId(id) => (row.field, row.text) = (Field::CampaignId, id.to_string()),
            Filter::Folder(folder) => (row.field, row.text) = (Field::Folder, folder.to_string()),
            Filter::Tab(tab) => (row.field, row.text) = (Field::Tab, tab.slug().to_string()),
            Filter::Status(status) => {
                row.field = Field::Status;
                row.text = Folder::of(*status).to_string();
            }
            Filter::Viewed(c) => (row.field, row.times) = (Field::Viewed, times(*c)),
            Filter::Clicked(c) => (row.field, row.times) = (Field::Clicked, times(*c)),
            Filter::Replied(c) => (row.field, row.times) = (Field::Replied, times(*c)),
            Filter::Date(field, range) => {
                row.field = match field {
                    DateField::Created => Field::Created,
                    DateField::Sent => Field::Sent,
                    DateField::Scheduled => Field::Scheduled,
                    DateField::Failed => Field::Failed,
                };
                row.from = day(range.from);
                row.before = day(range.before);
            }
            Filter::Name(t) => (row.field, row.text) = (Field::Name, t.clone()),
            Filter::Company(t) => (row.field, row.text) = (Field::Company, t.clone()),
            Filter::Domain(t) => (row.field, row.text) = (Field::Domain, t.clone()),
            Filter::Tag(t) => (row.field, row.text) = (Field::Tag, t.clone()),
            Filter::Subject(t) => (row.field, row.text) = (Field::Subject, t.clone()),
        }
        row
    }

    /// The condition the row stands for, or `None` while it is incomplete (no text yet, say).
    pub fn condition(&self) -> Option<Condition> {
        let count = match self.times {
            Times::Yes => Count::Yes,
            Times::No => Count::No,
            Times::AtLeast(n) => Count::AtLeast(n.max(1)),
        };
        let text = self.text.trim().to_string();
        let filter = match self.field {
            Field::Viewed => Filter::Viewed(count),
            Field::Clicked => Filter::Clicked(count),
            Field::Replied => Filter::Replied(count),
            Field::Folder => Filter::Folder(text.parse().ok()?),
            Field::Status => Filter::Status(text.parse::<Folder>().ok()?.status()),
            Field::Tab => Filter::Tab(MainTab::ALL.into_iter().find(|t| t.slug() == text)?),
            Field::CampaignId => Filter::CampaignId(text.parse().ok()?),
            date if date.date_field().is_some() => {
                let parse = crate::format::parse_input_date;
                let range = DateRange { from: parse(&self.from), before: parse(&self.before) };
                if range.from.is_none() && range.before.is_none() {
                    return None;
                }
                Filter::Date(date.date_field()?, range)
            }
            _ if text.is_empty() => return None,
            Field::Campaign => Filter::CampaignName(text),
            Field::Name => Filter::Name(text),
            Field::Company => Filter::Company(text),
            Field::Domain => Filter::Domain(text),
            Field::Tag => Filter::Tag(text),
            _ => Filter::Subject(text),
        };
        Some(Condition { negated: self.negated, filter })
    }
}

/// The rows of a query, when it fits the builder.
pub fn rows_of(query: &Query) -> Option<Vec<Row>> {
    query.conditions().map(|conditions| conditions.iter().map(Row::of).collect())
}

/// The query the rows make (incomplete rows left out).
pub fn query_of(rows: &[Row]) -> Query {
    let conditions: Vec<Condition> = rows.iter().filter_map(Row::condition).collect();
    Query::from_conditions(&conditions)
}

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
    let campaigns = move || state.campaigns_by_name().into_iter().map(|c| c.name).collect::<Vec<_>>();
    view! {
        <div class="builder" role="group" aria-label=t_string!(i18n, filters.label)>
            {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                let id = format!("cond-{i}");
                let field = row.field;
                let value_editor = match field {
                    Field::Viewed | Field::Clicked | Field::Replied => {
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
                    Field::Folder | Field::Status => view! {
                        <label class="visually-hidden" for=format!("{id}-value")>{move || field_label(i18n, field)}</label>
                        <select id=format!("{id}-value") prop:value=row.text.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.text = v.clone())); }>
                            {Folder::ALL.into_iter().map(|f| view! { <option value=f.to_string()>{format!("{} › {}", labels::main_tab(i18n, f.main_tab()), labels::folder(i18n, f))}</option> }).collect_view()}
                        </select>
                    }.into_any(),
                    Field::Tab => view! {
                        <label class="visually-hidden" for=format!("{id}-value")>{move || field_label(i18n, field)}</label>
                        <select id=format!("{id}-value") prop:value=row.text.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.text = v.clone())); }>
                            {MainTab::ALL.into_iter().map(|t| view! { <option value=t.slug()>{labels::main_tab(i18n, t)}</option> }).collect_view()}
                        </select>
                    }.into_any(),
                    Field::Created | Field::Sent | Field::Scheduled | Field::Failed => view! {
                        <label for=format!("{id}-from")>{t_string!(i18n, filters.from).to_string()}</label>
                        <input id=format!("{id}-from") type="date" prop:value=row.from.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.from = v.clone())); } />
                        <label for=format!("{id}-before")>{t_string!(i18n, filters.before).to_string()}</label>
                        <input id=format!("{id}-before") type="date" prop:value=row.before.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.before = v.clone())); } />
                    }.into_any(),
                    _ => {
                        let list = (field == Field::Campaign).then_some("campaign-names");
                        view! {
                            <label class="visually-hidden" for=format!("{id}-value")>{move || field_label(i18n, field)}</label>
                            <input id=format!("{id}-value") type="text" list=list prop:value=row.text.clone() on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(i, Box::new(move |r| r.text = v.clone()));
                            } />
                        }.into_any()
                    }
                };
                view! {
                    <div class="condition" data-field=field.key()>
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
