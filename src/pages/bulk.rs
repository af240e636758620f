//! Select and Send: up to 200 people, chosen from the people list or imported from a CSV file (bad rows
//! reported, good rows kept), one template with merge fields, a preview per recipient with per-recipient
//! edits, then send now or schedule. One email per recipient (never a draft), tied by a batch; a progress
//! bar follows the batch from queued to sent.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use domain::import::{ImportError, import_csv};
use domain::people::render_template;
use domain::{
    BatchId, Campaign, CampaignId, Email, EmailAddress, EmailId, EmailKind, MergeField, Person, PersonId,
    Schedule, Status,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::components::editor::Editor;
use crate::components::field::ZoneOptions;
use crate::format::by_name;
use crate::i18n::*;
use crate::pages::compose::text_of;
use crate::state::actions;
use crate::state::use_app;
use crate::zone::IntlZone;

/// The most recipients of one bulk send.
pub const MAX_RECIPIENTS: usize = 200;

/// People listed at once (in name order; `bulk.more_people` says the number); the search finds the others,
/// so a keystroke or a person saved never lays out 20,000 rows.
const LISTED: usize = 200;

/// A recipient's own subject and body, when the rep edited them for that person.
#[derive(Clone, Debug, PartialEq)]
struct Override {
    subject: String,
    html: String,
}

/// What every email of a bulk send is made from.
pub struct BatchTemplate {
    pub subject: String,
    pub html: String,
    /// A person's own subject and body, where the rep edited them.
    pub overrides: HashMap<PersonId, (String, String)>,
    pub campaign: Option<CampaignId>,
    pub schedule: Schedule,
}

/// The emails a bulk send makes: one per person, the template filled in (or the rep's edit for them).
/// Returns the emails and, for each person it could not fill the template for, the reason.
pub fn build_batch(
    sender: &EmailAddress,
    people: &[Person],
    template: &BatchTemplate,
    new_id: &mut impl FnMut() -> uuid::Uuid,
) -> (Vec<Email>, Vec<(PersonId, String)>) {
    let BatchTemplate { subject, html, overrides, campaign, schedule } = template;
    let campaign = *campaign;
    let batch = BatchId(new_id());
    let now = Utc::now();
    let mut emails = Vec::new();
    let mut problems = Vec::new();
    for person in people {
        let (subject_t, html_t) =
            overrides.get(&person.id).cloned().unwrap_or_else(|| (subject.to_string(), html.to_string()));
        let rendered = render_template(&subject_t, person)
            .and_then(|s| render_template(&html_t, person).map(|h| (s, h)));
        match rendered {
            Ok((subject, html_body)) => {
                let mut email =
                    Email::new(EmailId(new_id()), sender.clone(), person.email.clone(), EmailKind::Bulk, now);
                email.person = Some(person.id);
                email.subject = subject;
                email.text_body = text_of(&html_body);
                email.html_body = crate::sanitize::html(&html_body);
                email.campaign = campaign;
                email.batch = Some(batch);
                email.schedule = Some(schedule.clone());
                match email.validate() {
                    Ok(()) => emails.push(email),
                    Err(e) => problems.push((person.id, e.to_string())),
                }
            }
            Err(e) => problems.push((person.id, e.to_string())),
        }
    }
    (emails, problems)
}

/// Reads the text of the file chosen in a file input.
async fn read_file(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    let text = JsFuture::from(file.text()).await.ok()?;
    text.as_string()
}

#[component]
pub fn BulkPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let chosen = RwSignal::new(BTreeSet::<PersonId>::new());
    let filter = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let html = RwSignal::new(String::new());
    let campaign = RwSignal::new(String::new());
    let new_campaign = RwSignal::new(String::new());
    let overrides = RwSignal::new(HashMap::<PersonId, Override>::new());
    let previewing: RwSignal<Option<PersonId>> = RwSignal::new(None);
    let import_report: RwSignal<Option<(usize, Vec<String>)>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let schedule_open = RwSignal::new(false);
    let date = RwSignal::new(String::new());
    let time = RwSignal::new(String::new());
    let zone = RwSignal::new(state.time_zone());
    let batch: RwSignal<Option<(BatchId, usize)>> = RwSignal::new(None);

    // Retargeting: the people chosen in a search come selected.
    let retarget = state.retarget.get_untracked();
    if !retarget.is_empty() {
        chosen.set(retarget.into_iter().take(MAX_RECIPIENTS).collect());
        state.retarget.set(Vec::new());
    }

    // The people the search finds, in name order.
    let people_sorted = move || {
        let needle = filter.get().to_lowercase();
        let mut list: Vec<Person> = state.directory.people.with(|p| p.values().cloned().collect());
        list.retain(|p| {
            needle.is_empty()
                || p.display_name().to_lowercase().contains(&needle)
                || p.email.as_str().contains(&needle)
                || p.company.to_lowercase().contains(&needle)
                || p.tags.iter().any(|t| t.to_lowercase().contains(&needle))
        });
        by_name(list, |p| format!("{}\u{0}{}", p.display_name(), p.email))
    };
    let recipients = move || -> Vec<Person> {
        let ids = chosen.get();
        state.directory.people.with(|p| ids.iter().filter_map(|id| p.get(id).cloned()).collect())
    };

    let choose = move |id: PersonId, on: bool| {
        chosen.update(|c| {
            if on {
                if c.len() < MAX_RECIPIENTS {
                    c.insert(id);
                }
            } else {
                c.remove(&id);
            }
        });
    };

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let Some(text) = read_file(&input).await else { return };
            input.set_value("");
            match import_csv(&text, || PersonId(actions::new_id())) {
                Ok(report) => {
                    // Someone already known by address keeps their id; their details are updated.
                    let known: HashMap<String, PersonId> = state
                        .directory
                        .people
                        .with(|p| p.values().map(|p| (p.email.to_string(), p.id)).collect());
                    let people: Vec<Person> = report
                        .people
                        .into_iter()
                        .map(|mut p| {
                            if let Some(id) = known.get(p.email.as_str()) {
                                p.id = *id;
                            }
                            p
                        })
                        .collect();
                    let bad: Vec<String> = report
                        .bad
                        .iter()
                        .map(|b| {
                            t_string!(i18n, bulk.bad_row, line = b.line, reason = b.problem.to_string())
                                .to_string()
                        })
                        .collect();
                    let ids: Vec<PersonId> = people.iter().map(|p| p.id).collect();
                    let count = people.len();
                    if let Err(e) = actions::save_people(state, people).await {
                        error.set(Some(e.to_string()));
                        return;
                    }
                    chosen.update(|c| {
                        for id in ids {
                            if c.len() < MAX_RECIPIENTS {
                                c.insert(id);
                            }
                        }
                    });
                    import_report.set(Some((count, bad)));
                }
                Err(e) => {
                    let reason = match e {
                        ImportError::Empty => t_string!(i18n, bulk.file_empty).to_string(),
                        ImportError::NoEmailColumn => t_string!(i18n, bulk.no_email_column).to_string(),
                        ImportError::Unreadable(r) => r,
                    };
                    import_report.set(None);
                    error.set(Some(reason));
                }
            }
        });
    };

    let insert_field = move |field: MergeField| {
        let token = format!("{{{{{}}}}}", field.name());
        if let Some(document) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let in_editor = document.active_element().is_some_and(|e| e.class_list().contains("editor-area"));
            if in_editor {
                let _ = document.exec_command_with_show_ui_and_value("insertText", false, &token);
                return;
            }
        }
        subject.update(|s| s.push_str(&token));
    };

    let preview = move |person: &Person| -> Result<(String, String), String> {
        let (s, h) = overrides
            .with(|o| o.get(&person.id).map(|o| (o.subject.clone(), o.html.clone())))
            .unwrap_or_else(|| (subject.get(), html.get()));
        let s = render_template(&s, person).map_err(|e| e.to_string())?;
        let h = render_template(&h, person).map_err(|e| e.to_string())?;
        Ok((s, h))
    };

    let send = move |scheduled: bool| {
        error.set(None);
        let Some(session) = state.session.get_untracked() else { return };
        let Ok(sender) = EmailAddress::parse(&session.email) else { return };
        let people = recipients();
        if people.is_empty() {
            error.set(Some(t_string!(i18n, bulk.no_recipients).to_string()));
            return;
        }
        let schedule = if scheduled {
            let d = crate::format::parse_input_date(&date.get_untracked());
            let t = crate::format::parse_input_time(&time.get_untracked());
            let z = IntlZone::named(&zone.get_untracked());
            match (d, t, z) {
                (Some(d), Some(t), Some(z)) => {
                    let at = domain::task::local_instant(d, t, z);
                    match Schedule::future(at, zone.get_untracked(), Utc::now()) {
                        Ok(schedule) => schedule,
                        Err(_) => {
                            error.set(Some(t_string!(i18n, compose.schedule_past).to_string()));
                            return;
                        }
                    }
                }
                _ => {
                    error.set(Some(t_string!(i18n, compose.schedule_incomplete).to_string()));
                    return;
                }
            }
        } else {
            Schedule { at: Utc::now(), time_zone: zone.get_untracked() }
        };
        let campaign_choice = campaign.get_untracked();
        let new_name = match domain::people::record_name("campaign", &new_campaign.get_untracked()) {
            Ok(name) => name,
            Err(_) if campaign_choice == "new" => {
                error.set(Some(t_string!(i18n, compose.campaign_name_missing).to_string()));
                return;
            }
            Err(_) => String::new(),
        };
        let campaign_id = match campaign_choice.as_str() {
            "" => None,
            "new" => Some(CampaignId(actions::new_id())),
            id => id.parse().ok(),
        };
        let edits: HashMap<PersonId, (String, String)> =
            overrides.get_untracked().into_iter().map(|(id, o)| (id, (o.subject, o.html))).collect();
        let template = BatchTemplate {
            subject: subject.get_untracked(),
            html: crate::sanitize::html(&html.get_untracked()),
            overrides: edits,
            campaign: campaign_id,
            schedule,
        };
        let (emails, problems) = build_batch(&sender, &people, &template, &mut actions::new_id);
        if !problems.is_empty() {
            let names: Vec<String> = problems
                .iter()
                .filter_map(|(id, reason)| {
                    people.iter().find(|p| p.id == *id).map(|p| format!("{}: {reason}", p.display_name()))
                })
                .collect();
            error.set(Some(
                t_string!(i18n, bulk.cannot_fill, count = problems.len() as u32).to_string()
                    + " "
                    + &names.join("; "),
            ));
            return;
        }
        let Some(batch_id) = emails.first().and_then(|e| e.batch) else { return };
        let total = emails.len();
        leptos::task::spawn_local(async move {
            if campaign_choice == "new"
                && let Some(id) = campaign_id
            {
                let _ = actions::save_campaign(state, Campaign { id, name: new_name }).await;
            }
            match actions::queue_bulk(state, Vec::new(), emails).await {
                Ok(()) => {
                    batch.set(Some((batch_id, total)));
                    state.notices.notify(
                        t_string!(i18n, bulk.queued, count = total as u32).to_string(),
                        false,
                        None,
                    );
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let progress = crate::state::load(move || {
        state.revision.track();
        let current = batch.get();
        let cache = state.cache();
        async move {
            let (id, total) = current?;
            let records = cache.batch(id).await.ok()?.items;
            let waiting_ids: BTreeSet<EmailId> = cache
                .outbox()
                .await
                .ok()?
                .items
                .into_iter()
                .filter_map(|(_, e)| match e.mutation.op {
                    domain::sync::Operation::PutEmail { email }
                        if e.state == crate::storage::OutboxState::Waiting =>
                    {
                        Some(email.id)
                    }
                    _ => None,
                })
                .collect();
            let count = |f: &dyn Fn(Status) -> bool| records.iter().filter(|r| f(r.email.status())).count();
            let queued = records.iter().filter(|r| waiting_ids.contains(&r.email.id)).count();
            let sent = count(&|s| matches!(s, Status::Delivered | Status::Archived));
            let failed = count(&|s| matches!(s, Status::Failed | Status::Bounced | Status::Spam));
            Some((total, queued, sent, failed))
        }
    });

    let campaigns = move || state.directory.campaigns_by_name();

    view! {
        <section class="bulk" aria-labelledby="bulk-title">
            <h1 id="bulk-title">{t_string!(i18n, bulk.title).to_string()}</h1>
            {move || progress.get().flatten().map(|(total, queued, sent, failed)| {
                let done = sent + failed;
                view! {
                    <div class="batch-progress">
                        <label for="batch-progress-bar">
                            {t_string!(i18n, bulk.progress, done = done, total = total, queued = queued, failed = failed).to_string()}
                        </label>
                        <progress id="batch-progress-bar" max=total.to_string() value=done.to_string()></progress>
                        <a href="/emails/sent/delivered">{t_string!(i18n, bulk.see_sent).to_string()}</a>
                    </div>
                }
            })}
            <div class="bulk-grid">
                <section class="recipients" aria-labelledby="recipients-title">
                    <h2 id="recipients-title">
                        {move || t_string!(i18n, bulk.recipients, count = chosen.with(|c| c.len()) as u32, max = MAX_RECIPIENTS).to_string()}
                    </h2>
                    <div class="field">
                        <label for="bulk-import">{t_string!(i18n, bulk.import).to_string()}</label>
                        <input id="bulk-import" type="file" accept=".csv,text/csv" on:change=on_file />
                        <p class="hint">{t_string!(i18n, bulk.import_hint).to_string()}</p>
                    </div>
                    {move || import_report.get().map(|(count, bad)| view! {
                        <div class="import-report" role="status">
                            <p>{t_string!(i18n, bulk.imported, count = count as u32).to_string()}</p>
                            {(!bad.is_empty()).then(|| view! {
                                <p class="error">{t_string!(i18n, bulk.bad_rows, count = bad.len() as u32).to_string()}</p>
                                <ul class="bad-rows">{bad.iter().map(|b| view! { <li>{b.clone()}</li> }).collect_view()}</ul>
                            })}
                        </div>
                    })}
                    <div class="field">
                        <label for="bulk-filter">{t_string!(i18n, bulk.filter).to_string()}</label>
                        <input id="bulk-filter" type="search" prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
                    </div>
                    <button type="button" class="button" on:click=move |_| {
                        for p in people_sorted().into_iter().take(LISTED) {
                            choose(p.id, true);
                        }
                    }>{t_string!(i18n, bulk.select_shown).to_string()}</button>
                    <button type="button" class="button ghost" on:click=move |_| chosen.set(BTreeSet::new())>{t_string!(i18n, list.clear_selection).to_string()}</button>
                    {move || {
                        let mut found = people_sorted();
                        let total = found.len();
                        found.truncate(LISTED);
                        let rows = found.into_iter().map(|p| {
                            let id = p.id;
                            view! {
                                <li>
                                    <label>
                                        <input
                                            type="checkbox"
                                            prop:checked=move || chosen.with(|c| c.contains(&id))
                                            on:change=move |ev| choose(id, event_target_checked(&ev))
                                        />
                                        <span class="who">
                                            <span class="name">{p.display_name()}</span>
                                            <span class="address">{p.email.to_string()}</span>
                                            {(!p.company.is_empty()).then(|| view! { <span class="company">{p.company.clone()}</span> })}
                                        </span>
                                    </label>
                                </li>
                            }
                        }).collect_view();
                        let more = (total > LISTED).then(|| t_string!(i18n, bulk.more_people, total = total as u32).to_string());
                        view! {
                            <ul class="people-pick">{rows}</ul>
                            {more.map(|text| view! { <p class="hint" role="status">{text}</p> })}
                        }
                    }}
                </section>
                <section class="template" aria-labelledby="template-title">
                    <h2 id="template-title">{t_string!(i18n, bulk.template).to_string()}</h2>
                    <div class="merge-fields" role="toolbar" aria-label=t_string!(i18n, bulk.merge_fields)>
                        {MergeField::ALL.into_iter().map(|f| view! {
                            <button type="button" class="tool" on:mousedown=|ev| ev.prevent_default() on:click=move |_| insert_field(f)>
                                {format!("{{{{{}}}}}", f.name())}
                            </button>
                        }).collect_view()}
                    </div>
                    <div class="field">
                        <label for="bulk-subject">{t_string!(i18n, compose.subject).to_string()}</label>
                        <input id="bulk-subject" type="text" prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <span class="label" id="bulk-body-label">{t_string!(i18n, compose.body).to_string()}</span>
                        <Editor html=html labelled_by="bulk-body-label" />
                    </div>
                    <div class="field">
                        <label for="bulk-campaign">{t_string!(i18n, compose.campaign).to_string()}</label>
                        <select id="bulk-campaign" prop:value=move || campaign.get() on:change=move |ev| campaign.set(event_target_value(&ev))>
                            <option value="">{t_string!(i18n, compose.no_campaign).to_string()}</option>
                            {move || campaigns().into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                            <option value="new">{t_string!(i18n, compose.new_campaign).to_string()}</option>
                        </select>
                        <Show when=move || campaign.get() == "new">
                            <label for="bulk-campaign-name" class="visually-hidden">{t_string!(i18n, compose.campaign_name).to_string()}</label>
                            <input id="bulk-campaign-name" type="text" placeholder=t_string!(i18n, compose.campaign_name)
                                prop:value=move || new_campaign.get() on:input=move |ev| new_campaign.set(event_target_value(&ev)) />
                        </Show>
                    </div>
                </section>
            </div>
            <section class="preview" aria-labelledby="preview-title">
                <h2 id="preview-title">{t_string!(i18n, bulk.preview).to_string()}</h2>
                <table class="preview-list">
                    <thead>
                        <tr>
                            <th scope="col">{t_string!(i18n, list.recipient).to_string()}</th>
                            <th scope="col">{t_string!(i18n, list.subject).to_string()}</th>
                            <th scope="col"><span class="visually-hidden">{t_string!(i18n, list.actions).to_string()}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || recipients().into_iter().map(|p| {
                            let id = p.id;
                            let rendered = preview(&p);
                            let edited = overrides.with(|o| o.contains_key(&id));
                            let name = p.display_name();
                            view! {
                                <tr class:problem=rendered.is_err()>
                                    <td>{name}<span class="address">{p.email.to_string()}</span></td>
                                    <td>{match &rendered { Ok((s, _)) => s.clone(), Err(e) => e.clone() }}
                                        {edited.then(|| view! { <span class="badge">{t_string!(i18n, bulk.edited).to_string()}</span> })}</td>
                                    <td>
                                        <button type="button" class="button ghost" on:click=move |_| previewing.set(Some(id))>{t_string!(i18n, bulk.preview_one).to_string()}</button>
                                        <button type="button" class="button ghost" on:click=move |_| {
                                            overrides.update(|o| { o.entry(id).or_insert_with(|| Override { subject: subject.get_untracked(), html: html.get_untracked() }); });
                                            previewing.set(Some(id));
                                        }>{t_string!(i18n, bulk.edit_one).to_string()}</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || previewing.get().and_then(|id| state.directory.people.with(|p| p.get(&id).cloned())).map(|person| {
                    let id = person.id;
                    let editing = overrides.with(|o| o.contains_key(&id));
                    let rendered = preview(&person);
                    view! {
                        <div class="preview-one" role="region" aria-label=t_string!(i18n, bulk.preview_for, who = person.display_name()).to_string()>
                            <h3>{t_string!(i18n, bulk.preview_for, who = person.display_name()).to_string()}</h3>
                            {match rendered {
                                Ok((s, h)) => view! {
                                    <p class="subject-line">{s}</p>
                                    <crate::components::body_frame::BodyFrame html=h text=String::new() title=t_string!(i18n, email.body).to_string() />
                                }.into_any(),
                                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                            }}
                            {editing.then(|| {
                                let o = overrides.with(|o| o.get(&id).cloned()).unwrap_or(Override { subject: String::new(), html: String::new() });
                                let own_html = RwSignal::new(o.html.clone());
                                Effect::new(move |_| {
                                    let h = own_html.get();
                                    overrides.update(|all| if let Some(x) = all.get_mut(&id) { x.html = h; });
                                });
                                view! {
                                    <div class="field">
                                        <label for="own-subject">{t_string!(i18n, bulk.own_subject).to_string()}</label>
                                        <input id="own-subject" type="text" prop:value=o.subject.clone() on:input=move |ev| {
                                            let v = event_target_value(&ev);
                                            overrides.update(|all| if let Some(x) = all.get_mut(&id) { x.subject = v; });
                                        } />
                                    </div>
                                    <div class="field">
                                        <span class="label" id="own-body-label">{t_string!(i18n, bulk.own_body).to_string()}</span>
                                        <Editor html=own_html labelled_by="own-body-label" />
                                    </div>
                                    <button type="button" class="button ghost" on:click=move |_| {
                                        overrides.update(|all| { all.remove(&id); });
                                    }>{t_string!(i18n, bulk.drop_edit).to_string()}</button>
                                }
                            })}
                            <button type="button" class="button ghost" on:click=move |_| previewing.set(None)>{t_string!(i18n, common.close).to_string()}</button>
                        </div>
                    }
                })}
            </section>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || schedule_open.get()>
                <fieldset class="schedule">
                    <legend>{t_string!(i18n, compose.schedule_legend).to_string()}</legend>
                    <label for="bulk-date">{t_string!(i18n, compose.date).to_string()}</label>
                    <input id="bulk-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
                    <label for="bulk-time">{t_string!(i18n, compose.time).to_string()}</label>
                    <input id="bulk-time" type="time" prop:value=move || time.get() on:input=move |ev| time.set(event_target_value(&ev)) />
                    <label for="bulk-zone">{t_string!(i18n, compose.zone).to_string()}</label>
                    <select id="bulk-zone" prop:value=move || zone.get() on:change=move |ev| zone.set(event_target_value(&ev))>
                        <ZoneOptions />
                    </select>
                    <button type="button" class="button primary" on:click=move |_| send(true)>{t_string!(i18n, compose.schedule_confirm).to_string()}</button>
                </fieldset>
            </Show>
            <div class="form-actions">
                <button type="button" class="button primary" on:click=move |_| send(false)>
                    {move || t_string!(i18n, bulk.send_now, count = chosen.with(|c| c.len()) as u32).to_string()}
                </button>
                <button type="button" class="button" aria-expanded=move || schedule_open.get().to_string() on:click=move |_| schedule_open.update(|o| *o = !*o)>
                    {t_string!(i18n, compose.schedule).to_string()}
                </button>
            </div>
        </section>
    }
}
