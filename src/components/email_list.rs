//! The list of emails the folders (and search results) show: recipient, subject, campaign, status with
//! views, clicks and replies, the date that matters, a checkbox to select the row and the row's quick
//! actions. Sortable by its column headings. It shows what it is given and calls back; it never fetches.

use std::collections::{HashMap, HashSet};

use domain::sync::Changed;
use domain::{Campaign, CampaignId, EmailId, Folder, Order, Person, PersonId, QuickAction, SortKey};
use leptos::prelude::*;

use super::labels;
use crate::i18n::*;
use crate::storage::EmailRecord;
use crate::sync::SyncStatus;

/// What a due email (`Email::is_due`: sent now, not yet gone) is doing, as far as this device knows: still
/// in its outbox while the browser is offline ("Waiting to send — offline") or while sync fails ("Waiting
/// to send"), else on its way ("Sending…": the endpoint has it, or is being given it now). Said where the
/// folder's name would be, on its row and its page.
pub fn due_status(i18n: leptos_i18n::I18nContext<Locale>, status: &SyncStatus, id: EmailId) -> String {
    let queued = status.waiting.contains(&Changed::Email(id));
    if queued && !status.online {
        t_string!(i18n, list.waiting_offline)
    } else if queued && (status.error.is_some() || status.unauthorized) {
        t_string!(i18n, list.waiting_to_send)
    } else {
        t_string!(i18n, list.sending)
    }
    .to_string()
}

/// One row as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub record: EmailRecord,
    /// The recipient's person, when the rep has them: their name links to their page.
    pub person: Option<PersonId>,
    pub name: Option<String>,
    pub campaign: Option<String>,
}

/// Builds the rows of `records` with the names of their people and campaigns.
pub fn rows(
    records: Vec<EmailRecord>,
    people: &HashMap<PersonId, Person>,
    by_address: &HashMap<domain::EmailAddress, PersonId>,
    campaigns: &HashMap<CampaignId, Campaign>,
) -> Vec<Row> {
    records
        .into_iter()
        .map(|record| {
            let person = record
                .email
                .person
                .or_else(|| by_address.get(&record.email.recipient).copied())
                .and_then(|id| people.get(&id));
            let name = person.map(Person::display_name).filter(|n| n != record.email.recipient.as_str());
            let campaign = record.email.campaign.and_then(|id| campaigns.get(&id)).map(|c| c.name.clone());
            Row { record, person: person.map(|p| p.id), name, campaign }
        })
        .collect()
}

/// The words of one row, in the language of the moment.
struct RowText {
    select: String,
    who: String,
    subject: String,
    stuck: Option<String>,
    status: String,
    counts: [String; 3],
    raw: String,
    date: String,
    date_long: String,
    actions: Vec<(QuickAction, String)>,
}

/// What makes a row be drawn again: the email, its last change, its engagement, its person's name and
/// campaign, and the language.
type RowKey = (EmailId, domain::Instant, [u32; 5], Option<String>, Option<String>, Locale);

fn row_key(row: &Row, locale: Locale) -> RowKey {
    let e = &row.record.engagement;
    (
        row.record.email.id,
        row.record.email.updated_at,
        [e.views_raw, e.views_human, e.clicks_raw, e.clicks_human, e.replies],
        row.name.clone(),
        row.campaign.clone(),
        locale,
    )
}

#[component]
pub fn EmailList(
    #[prop(into)] rows: Signal<Vec<Row>>,
    /// The folder listed, when the list is one folder (its date column is named after it).
    #[prop(into)]
    folder: Signal<Option<Folder>>,
    selected: RwSignal<HashSet<EmailId>>,
    #[prop(into)] sort: Signal<Order>,
    on_sort: Callback<SortKey>,
    on_action: Callback<(QuickAction, Vec<EmailId>)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let all_selected = move || {
        let ids: Vec<EmailId> = rows.with(|r| r.iter().map(|row| row.record.email.id).collect());
        !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let toggle_all = move |_| {
        let ids: Vec<EmailId> = rows.with(|r| r.iter().map(|row| row.record.email.id).collect());
        let select = !all_selected();
        selected.update(|s| {
            for id in ids {
                if select {
                    s.insert(id);
                } else {
                    s.remove(&id);
                }
            }
        });
    };
    let heading = move |key: SortKey, label: Box<dyn Fn() -> String + Send + Sync>| {
        let aria_sort = move || {
            let order = sort.get();
            if order.key != key {
                "none"
            } else if order.descending {
                "descending"
            } else {
                "ascending"
            }
        };
        view! {
            <th scope="col" aria-sort=aria_sort>
                <button type="button" class="sort" on:click=move |_| on_sort.run(key)>
                    {label}
                </button>
            </th>
        }
    };
    let date_heading = move || match folder.get() {
        Some(f) => labels::folder_date(i18n, f),
        None => t_string!(i18n, list.date).to_string(),
    };
    view! {
        <table class="email-list">
            <thead>
                <tr>
                    <th scope="col" class="select">
                        <input
                            type="checkbox"
                            prop:checked=all_selected
                            on:change=toggle_all
                            aria-label=t_string!(i18n, list.select_all)
                        />
                    </th>
                    {heading(SortKey::Recipient, Box::new(move || t_string!(i18n, list.recipient).to_string()))}
                    {heading(SortKey::Subject, Box::new(move || t_string!(i18n, list.subject).to_string()))}
                    <th scope="col">{t_string!(i18n, list.campaign).to_string()}</th>
                    <th scope="col">{t_string!(i18n, list.status).to_string()}</th>
                    {heading(SortKey::Date, Box::new(date_heading))}
                    <th scope="col">
                        <span class="visually-hidden">{t_string!(i18n, list.actions).to_string()}</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                <For each=move || { let locale = i18n.get_locale(); rows.get().into_iter().map(move |r| (locale, r)).collect::<Vec<_>>() } key=|(locale, row)| row_key(row, *locale) children=move |(_, row)| view! {
                    <EmailRow row=row selected=selected on_action=on_action />
                } />

            </tbody>
        </table>
    }
}

#[component]
fn EmailRow(
    row: Row,
    selected: RwSignal<HashSet<EmailId>>,
    on_action: Callback<(QuickAction, Vec<EmailId>)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = crate::state::use_app();
    let email = row.record.email.clone();
    let e = &row.record.engagement;
    let id = email.id;
    let at = email.folder_instant();
    let now = state.now();
    let stuck = email.is_stuck(now);
    // Sent now and not gone yet: on its way, not scheduled (no time of its own to show).
    let due = email.is_due(now);
    // A row's words are written once: a change of language draws the rows again (the list's key has the
    // language in it), so only the selection stays reactive.
    let text = untrack(|| {
        let locale = tag(i18n.get_locale());
        let zone = state.time_zone();
        let who = row.name.clone().unwrap_or_else(|| email.recipient.to_string());
        RowText {
            select: t_string!(i18n, list.select_row, who = who.clone()).to_string(),
            who,
            subject: if email.subject.is_empty() {
                t_string!(i18n, list.no_subject).to_string()
            } else {
                email.subject.clone()
            },
            stuck: stuck.then(|| t_string!(i18n, list.stuck).to_string()),
            status: labels::folder(i18n, email.folder()),
            counts: labels::human_counts(i18n, e),
            raw: labels::raw_counts(i18n, e),
            date: crate::format::date_time(at, locale, &zone),
            date_long: crate::format::date_time_long(at, locale, &zone),
            actions: email.quick_actions(now).into_iter().map(|a| (a, labels::action(i18n, a))).collect(),
        }
    });
    let reason = email.status_reason.clone();
    let status_class = format!("status status-{}", email.folder().sub_slug());
    let folder_status = text.status;
    let status_words = move || match due {
        true => state.status.with(|s| due_status(i18n, s, id)),
        false => folder_status.clone(),
    };
    let some = [e.views_human > 0, e.clicks_human > 0, e.replies > 0];
    let [views, clicks, replies] = text.counts;
    let buttons = text
        .actions
        .into_iter()
        .map(|(action, label)| {
            view! {
                <button
                    type="button"
                    class="quick"
                    class:danger={action == QuickAction::Delete}
                    on:click=move |_| on_action.run((action, vec![id]))
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <tr class:selected=move || selected.with(|s| s.contains(&id)) class:stuck=stuck>
            <td class="select">
                <input
                    type="checkbox"
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |_| selected.update(|s| if !s.remove(&id) { s.insert(id); })
                    aria-label=text.select
                />
            </td>
            <td class="who">
                {match row.person {
                    Some(person) => view! { <a class="name" href=format!("/people/{person}")>{text.who}</a> }.into_any(),
                    None => view! { <span class="name">{text.who}</span> }.into_any(),
                }}
                {row.name.is_some().then(|| view! { <span class="address">{email.recipient.to_string()}</span> })}
            </td>
            <td class="subject">
                <a href=format!("/email/{id}")>{text.subject}</a>
                {reason.map(|r| view! { <span class="reason">{r}</span> })}
                {text.stuck.map(|s| view! { <span class="reason stuck-note">{s}</span> })}
            </td>
            <td class="campaign">{row.campaign.unwrap_or_default()}</td>
            <td class="engagement" title=text.raw>
                <span class=status_class>{status_words}</span>
                <span class="counts">
                    <span class:some=some[0]>{views}</span>
                    <span class:some=some[1]>{clicks}</span>
                    <span class:some=some[2]>{replies}</span>
                </span>
            </td>
            <td class="date">
                {(!due).then(|| view! { <time datetime=at.to_rfc3339() title=text.date_long>{text.date}</time> })}
            </td>
            <td class="actions">{buttons}</td>
        </tr>
    }
}
