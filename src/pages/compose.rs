//! Compose one email: to, cc, subject, a body with basic formatting and links, a campaign, then send now,
//! schedule (date, time and time zone, the rep's own by default) or save as a draft.
//!
//! `/compose` writes a new email (`?followup=ID` quotes an earlier one, `?to=ADDRESS` fills the recipient),
//! `/compose/ID` edits a draft or a scheduled email. Addresses and the subject are checked by the domain
//! with a clear message beside the field; what the rep is writing is kept in the cache as they type, so a
//! reload or a crash loses nothing.

use chrono::Utc;
use domain::sync::Operation;
use domain::{Campaign, CampaignId, Email, EmailAddress, EmailId, EmailKind, Schedule, Status, TaskId};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::components::editor::Editor;
use crate::components::field::{TextField, ZoneOptions};
use crate::components::labels;
use crate::i18n::*;
use crate::state::actions::{self, ActionError};
use crate::state::use_app;
use crate::storage::{Store, Write};
use crate::zone::IntlZone;

/// The meta key under which what the rep writes is kept, one per context: an edit, a task's email, a
/// follow-up, an email to one person and a new email each come back as they were left, and never fill
/// one another.
pub fn draft_key(
    editing: Option<EmailId>,
    task: Option<&str>,
    followup: Option<EmailId>,
    to: Option<&str>,
) -> String {
    match (editing, task, followup, to) {
        (Some(id), ..) => format!("compose:{id}"),
        (None, Some(task), ..) => format!("compose:task:{task}"),
        (None, None, Some(id), _) => format!("compose:followup:{id}"),
        (None, None, None, Some(to)) => format!("compose:to:{to}"),
        (None, None, None, None) => "compose".into(),
    }
}

/// What the form holds, as typed (kept in the cache while the rep writes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub id: Option<EmailId>,
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub html: String,
    /// "" for none, a campaign id, or "new".
    pub campaign: String,
    pub new_campaign: String,
    pub date: String,
    pub time: String,
    pub zone: String,
}

/// The fields a rep can type into before the form is filled (the body's editor waits for it).
const TYPED_EARLY: [fn(&mut Form) -> &mut String; 8] = [
    |f| &mut f.to,
    |f| &mut f.cc,
    |f| &mut f.subject,
    |f| &mut f.campaign,
    |f| &mut f.new_campaign,
    |f| &mut f.date,
    |f| &mut f.time,
    |f| &mut f.zone,
];

/// What the rep asked the form to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Intent {
    SendNow,
    Schedule,
    SaveDraft,
}

/// Field errors, in the rep's language.
#[derive(Clone, Debug, Default, PartialEq)]
struct Errors {
    to: Option<String>,
    cc: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    schedule: Option<String>,
    campaign: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.to.is_some()
            || self.cc.is_some()
            || self.subject.is_some()
            || self.body.is_some()
            || self.schedule.is_some()
            || self.campaign.is_some()
    }
}

/// Splits a cc field on commas, semicolons and spaces into addresses, or the first that is not one.
pub fn parse_addresses(text: &str) -> Result<Vec<EmailAddress>, domain::AddressError> {
    text.split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(EmailAddress::parse)
        .collect()
}

/// The text of an HTML body (for the plain-text part), read in a document of its own that loads nothing
/// (no image of the body is fetched).
pub fn text_of(html: &str) -> String {
    let Ok(parser) = web_sys::DomParser::new() else { return String::new() };
    // A line break before each line and block, so lines and paragraphs stay apart in the text.
    let mut clean = crate::sanitize::html(html);
    for start in ["<br", "<div", "<p>", "<p ", "<li", "<h1", "<h2", "<h3", "<blockquote", "<tr"] {
        clean = clean.replace(start, &format!("\n{start}"));
    }
    let Ok(document) = parser.parse_from_string(&clean, web_sys::SupportedType::TextHtml) else {
        return String::new();
    };
    let text = document.body().and_then(|b| b.text_content()).unwrap_or_default();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        // At most one empty line in a row.
        if line.is_empty() && (i == 0 || lines[i - 1].is_empty()) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

#[component]
pub fn ComposePage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = use_navigate();
    let editing = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<EmailId>().ok())));

    let form = RwSignal::new(Form { zone: state.time_zone(), ..Form::default() });
    let original: RwSignal<Option<Email>> = RwSignal::new(None);
    let errors = RwSignal::new(Errors::default());
    let ready = RwSignal::new(false);
    let loaded: RwSignal<Option<Form>> = RwSignal::new(None);
    // Which fill of the form is the latest: only it fills the form.
    let loads = StoredValue::new(0u32);
    let editor_html = RwSignal::new(String::new());
    let schedule_open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let refused: RwSignal<Option<String>> = RwSignal::new(None);

    let key = Memo::new(move |_| {
        query.with(|q| {
            let followup = q.get("followup").and_then(|s| s.parse::<EmailId>().ok());
            draft_key(editing.get(), q.get_str("task"), followup, q.get_str("to"))
        })
    });

    // Fill the form: what was being written here before (a reload, a crash, another screen), else the
    // email edited, a follow-up's quote, or a new email.
    Effect::new(move |_| {
        let editing = editing.get();
        let followup = query.with(|q| q.get("followup").and_then(|s| s.parse::<EmailId>().ok()));
        let to = query.with(|q| q.get("to"));
        let key = key.get();
        let cache = state.cache();
        let started = form.get_untracked();
        let this_load = loads.get_value() + 1;
        loads.set_value(this_load);
        leptos::task::spawn_local(async move {
            ready.set(false);
            let zone = state.time_zone();
            let kept = cache.get::<Form>(Store::Meta, &key).await.ok().flatten();
            let mut next = Form { zone: zone.clone(), ..Form::default() };
            if let Some(id) = editing {
                if let Ok(Some(record)) = cache.email(id).await {
                    let email = record.email;
                    next.id = Some(email.id);
                    next.to = email.recipient.to_string();
                    next.cc = email.cc.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
                    next.subject = email.subject.clone();
                    next.html = email.html_body.clone();
                    next.campaign = email.campaign.map(|c| c.to_string()).unwrap_or_default();
                    if let Some(schedule) = &email.schedule {
                        let zone = IntlZone::named(&schedule.time_zone).unwrap_or(IntlZone::UTC);
                        let local = schedule.at.with_timezone(&zone);
                        next.date = crate::format::input_date(local.date_naive());
                        next.time = crate::format::input_time(local.time());
                        next.zone = schedule.time_zone.clone();
                    }
                    original.set(Some(email));
                }
            } else if kept.is_none()
                && let Some(id) = followup
                && let Ok(Some(record)) = cache.email(id).await
            {
                let email = record.email;
                next.to = email.recipient.to_string();
                next.subject = if email.subject.to_lowercase().starts_with("re:") {
                    email.subject.clone()
                } else {
                    format!("Re: {}", email.subject)
                };
                let quoted = if email.html_body.trim().is_empty() {
                    crate::sanitize::escape(&email.text_body).replace('\n', "<br>")
                } else {
                    crate::sanitize::html_in_page(&email.html_body)
                };
                next.html = format!("<p><br></p><blockquote>{quoted}</blockquote>");
                next.campaign = email.campaign.map(|c| c.to_string()).unwrap_or_default();
            }
            if let Some(to) = to {
                next.to = to;
            }
            // An edit kept for an email that has since gone out is dropped: the email is what it is now.
            let still_editable = original.with_untracked(|o| o.as_ref().is_none_or(Email::is_editable));
            if let Some(kept) = kept.filter(|_| still_editable) {
                next = Form { id: next.id, ..kept };
                if next.zone.is_empty() {
                    next.zone = zone;
                }
            }
            // A newer fill (another email, opened meanwhile) has the form.
            if loads.get_value() != this_load {
                return;
            }
            editor_html.set(next.html.clone());
            loaded.set(Some(next.clone()));
            // What the rep typed while this was read is theirs: it stays (and is kept as they go on).
            let (mut typed, mut started) = (form.get_untracked(), started);
            for field in TYPED_EARLY {
                if field(&mut typed) != field(&mut started) {
                    *field(&mut next) = field(&mut typed).clone();
                }
            }
            form.set(next);
            ready.set(true);
        });
    });

    // Keep what the rep writes in the cache as they type, under this screen's own key.
    let keep = move || {
        if !ready.get_untracked() {
            return;
        }
        let cache = state.cache();
        let mut current = form.get_untracked();
        current.html = editor_html.get_untracked();
        // Nothing typed yet: nothing to keep (an edit opened and left keeps no stale copy of the email).
        if loaded.with_untracked(|l| l.as_ref() == Some(&current)) {
            return;
        }
        let key = key.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = cache.write(vec![Write::record(Store::Meta, key, &current)]).await;
        });
    };
    let forget = move || {
        let cache = state.cache();
        let key = key.get_untracked();
        async move { cache.write(vec![Write::Delete { store: Store::Meta, key }]).await }
    };
    Effect::new(move |_| {
        form.track();
        editor_html.track();
        keep();
    });

    let campaigns = move || state.directory.campaigns_by_name();
    // The suppression list compose refuses from: the cached copy at once, the endpoint's when it answers.
    leptos::task::spawn_local(async move {
        let _ = crate::state::suppressions::refresh(state).await;
    });

    let submit = {
        let navigate = navigate.clone();
        move |intent: Intent| {
            refused.set(None);
            let Some(session) = state.session.get_untracked() else { return };
            let f = form.get_untracked();
            let html_body = crate::sanitize::html(&editor_html.get_untracked());
            let mut errs = Errors::default();
            let recipient = match EmailAddress::parse(&f.to) {
                Ok(a) => Some(a),
                Err(e) => {
                    errs.to = Some(labels::address_error(i18n, &e));
                    None
                }
            };
            let cc = match parse_addresses(&f.cc) {
                Ok(list) => list,
                Err(e) => {
                    errs.cc = Some(labels::address_error(i18n, &e));
                    Vec::new()
                }
            };
            let schedule = if intent == Intent::Schedule {
                let date = crate::format::parse_input_date(&f.date);
                let time = crate::format::parse_input_time(&f.time);
                let zone = IntlZone::named(&f.zone);
                match (date, time, zone) {
                    (Some(date), Some(time), Some(zone)) => {
                        let at = domain::task::local_instant(date, time, zone);
                        match Schedule::future(at, f.zone.clone(), Utc::now()) {
                            Ok(schedule) => Some(schedule),
                            Err(_) => {
                                errs.schedule = Some(t_string!(i18n, compose.schedule_past).to_string());
                                None
                            }
                        }
                    }
                    _ => {
                        errs.schedule = Some(t_string!(i18n, compose.schedule_incomplete).to_string());
                        None
                    }
                }
            } else {
                None
            };
            // A suppressed address is refused before anything is queued (a draft may still be saved).
            if intent != Intent::SaveDraft {
                let list = state.suppressions.get_untracked();
                let refusal = |address: &EmailAddress| {
                    domain::sync::Suppression::refusing(&list, [address]).map(|s| {
                        let since =
                            crate::format::date_time(s.since, tag(i18n.get_locale()), &state.time_zone());
                        let why = labels::suppression_reason(i18n, s);
                        t_string!(
                            i18n,
                            compose.suppressed,
                            address = s.address.clone(),
                            why = why,
                            since = since
                        )
                        .to_string()
                    })
                };
                if let Some(words) = recipient.as_ref().and_then(refusal) {
                    errs.to = Some(words);
                }
                if let Some(words) = cc.iter().find_map(refusal) {
                    errs.cc = Some(words);
                }
            }
            let named =
                (f.campaign == "new").then(|| domain::people::record_name("campaign", &f.new_campaign));
            if matches!(named, Some(Err(_))) {
                errs.campaign = Some(t_string!(i18n, compose.campaign_name_missing).to_string());
            }
            let new_campaign = named.map(Result::unwrap_or_default);
            let sender = EmailAddress::parse(&session.email).ok();
            let (Some(recipient), Some(sender)) = (recipient, sender) else {
                errors.set(errs);
                return;
            };
            let now = Utc::now();
            let before = original.get_untracked();
            let id = f.id.unwrap_or_else(|| EmailId(actions::new_id()));
            let kind = before.as_ref().map(|e| e.kind).unwrap_or(EmailKind::Single);
            let mut email = match &before {
                Some(e) => e.clone(),
                None => Email::new(id, sender, recipient.clone(), kind, now),
            };
            email.recipient = recipient.clone();
            email.person = state.directory.person_by_address(&recipient).map(|p| p.id);
            email.cc = cc;
            email.subject = f.subject.trim().to_string();
            email.text_body = text_of(&html_body);
            email.html_body = html_body;
            email.updated_at = now;
            let campaign_id = match (&new_campaign, f.campaign.as_str()) {
                (Some(_), _) => Some(CampaignId(actions::new_id())),
                (None, "") => None,
                (None, id) => id.parse().ok(),
            };
            email.campaign = campaign_id;
            if let Err(e) = email.validate() {
                // Beside the field it is about.
                let text = Some(labels::email_error(i18n, &e));
                match e {
                    domain::EmailError::TooManyCc => errs.cc = text,
                    domain::EmailError::BodyTooLarge(_) => errs.body = text,
                    domain::EmailError::ScheduledWithoutTime | domain::EmailError::UnknownTimeZone(_) => {
                        errs.schedule = text
                    }
                    domain::EmailError::SubjectControlCharacter | domain::EmailError::SubjectTooLong => {
                        errs.subject = text
                    }
                }
            }
            errors.set(errs.clone());
            if errs.any() {
                return;
            }
            let then = match intent {
                Intent::SendNow => vec![Operation::SendNow { email: id }],
                Intent::Schedule => {
                    schedule.map(|s| vec![Operation::Schedule { email: id, schedule: s }]).unwrap_or_default()
                }
                Intent::SaveDraft if email.status() == Status::Scheduled && kind == EmailKind::Single => {
                    vec![Operation::Unschedule { email: id }]
                }
                Intent::SaveDraft => Vec::new(),
            };
            busy.set(true);
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                if let (Some(name), Some(id)) = (new_campaign, campaign_id) {
                    let _ = actions::save_campaign(state, Campaign { id, name }).await;
                }
                match actions::save_email(state, email, then).await {
                    Ok(saved) => {
                        let _ = forget().await;
                        // Sent now with no way to the endpoint: it waits, due, in its folder (Pending ›
                        // Scheduled), and the rep is shown it there, not in Sent where it is not yet.
                        let reachable =
                            state.status.with_untracked(|s| s.online && s.error.is_none() && !s.unauthorized);
                        let text = match intent {
                            Intent::SendNow if !reachable => {
                                t_string!(i18n, compose.waiting_notice).to_string()
                            }
                            Intent::SendNow => t_string!(i18n, compose.sent_notice).to_string(),
                            Intent::Schedule => t_string!(i18n, compose.scheduled_notice).to_string(),
                            Intent::SaveDraft => t_string!(i18n, compose.saved_notice).to_string(),
                        };
                        state.notices.notify(text, false, None);
                        // Written for a task of the queue: the task is done, and the queue goes on.
                        let task =
                            query.with_untracked(|q| q.get("task").and_then(|s| s.parse::<TaskId>().ok()));
                        let task =
                            task.and_then(|id| state.tasks.with_untracked(|all| all.get(&id).cloned()));
                        let target = match (task, intent) {
                            (Some(mut task), Intent::SendNow | Intent::Schedule) => {
                                task.complete(Utc::now());
                                task.email = Some(saved.id);
                                let _ = actions::save_tasks(state, vec![task]).await;
                                "/tasks/queue".to_string()
                            }
                            (_, Intent::SendNow) if reachable => "/emails/sent/delivered".to_string(),
                            _ => format!("/emails/{}", saved.folder()),
                        };
                        navigate(&target, NavigateOptions::default());
                    }
                    Err(ActionError::Refused(error)) => refused.set(Some(labels::refusal(i18n, &error))),
                    Err(err) => refused
                        .set(Some(t_string!(i18n, errors.storage, reason = err.to_string()).to_string())),
                }
                busy.set(false);
            });
        }
    };
    let submit = StoredValue::new_local(submit);
    let run = move |intent: Intent| submit.with_value(|f| f(intent));

    let not_editable = move || original.with(|o| o.as_ref().is_some_and(|e| !e.is_editable()));
    let can_draft = move || original.with(|o| o.as_ref().is_none_or(|e| e.kind == EmailKind::Single));

    let field = move |value: fn(&Form) -> String, set: fn(&mut Form, String)| {
        (
            move || form.with(value),
            move |ev: leptos::ev::Event| {
                let v = event_target_value(&ev);
                form.update(|f| set(f, v));
            },
        )
    };
    let to_value = move || form.with(|f| f.to.clone());
    let cc_value = move || form.with(|f| f.cc.clone());
    let subject_value = move || form.with(|f| f.subject.clone());
    let (campaign_value, campaign_input) = field(|f| f.campaign.clone(), |f, v| f.campaign = v);
    let (new_campaign_value, new_campaign_input) =
        field(|f| f.new_campaign.clone(), |f, v| f.new_campaign = v);
    let (date_value, date_input) = field(|f| f.date.clone(), |f, v| f.date = v);
    let (time_value, time_input) = field(|f| f.time.clone(), |f, v| f.time = v);
    let (zone_value, zone_input) = field(|f| f.zone.clone(), |f, v| f.zone = v);

    let error_text = move |pick: fn(&Errors) -> Option<String>| move || errors.with(pick);

    view! {
        <section class="compose" aria-labelledby="compose-title">
            <h1 id="compose-title">
                {move || if editing.get().is_some() { t_string!(i18n, compose.edit_title) } else { t_string!(i18n, compose.title) }}
            </h1>
            <Show when=not_editable>
                <p class="error" role="alert">{t_string!(i18n, compose.not_editable).to_string()}</p>
            </Show>
            <form
                class="compose-form"
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    run(Intent::SendNow);
                }
            >
                <TextField
                    id="compose-to"
                    label=Signal::derive(move || t_string!(i18n, compose.to).to_string())
                    value=Signal::derive(to_value)
                    on_input=Callback::new(move |v| form.update(|f| f.to = v))
                    error=Signal::derive(error_text(|e| e.to.clone()))
                    kind="email"
                    list="people-addresses"
                />
                <datalist id="people-addresses">
                    {move || state.directory.people.with(|people| people.values().map(|p| view! {
                        <option value=p.email.to_string()>{p.display_name()}</option>
                    }).collect_view())}
                </datalist>
                <TextField
                    id="compose-cc"
                    label=Signal::derive(move || t_string!(i18n, compose.cc).to_string())
                    value=Signal::derive(cc_value)
                    on_input=Callback::new(move |v| form.update(|f| f.cc = v))
                    error=Signal::derive(error_text(|e| e.cc.clone()))
                />
                <TextField
                    id="compose-subject"
                    label=Signal::derive(move || t_string!(i18n, compose.subject).to_string())
                    value=Signal::derive(subject_value)
                    on_input=Callback::new(move |v| form.update(|f| f.subject = v))
                    error=Signal::derive(error_text(|e| e.subject.clone()))
                />
                <div class="field">
                    <label for="compose-campaign">{t_string!(i18n, compose.campaign).to_string()}</label>
                    <select id="compose-campaign" prop:value=campaign_value on:change=campaign_input>
                        <option value="">{t_string!(i18n, compose.no_campaign).to_string()}</option>
                        {move || campaigns().into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                        <option value="new">{t_string!(i18n, compose.new_campaign).to_string()}</option>
                    </select>
                    <Show when=move || form.with(|f| f.campaign == "new")>
                        <label for="compose-campaign-name" class="visually-hidden">{t_string!(i18n, compose.campaign_name).to_string()}</label>
                        <input
                            id="compose-campaign-name"
                            type="text"
                            placeholder=t_string!(i18n, compose.campaign_name)
                            prop:value=new_campaign_value
                            on:input=new_campaign_input
                        />
                        <p class="field-error" aria-live="polite">{error_text(|e| e.campaign.clone())}</p>
                    </Show>
                </div>
                <div class="field">
                    <span class="label" id="compose-body-label">{t_string!(i18n, compose.body).to_string()}</span>
                    <Show when=move || ready.get()>
                        <Editor html=editor_html labelled_by="compose-body-label" />
                    </Show>
                    <p class="field-error" aria-live="polite">{error_text(|e| e.body.clone())}</p>
                </div>
                <Show when=move || schedule_open.get()>
                    <fieldset class="schedule" class:invalid=move || errors.with(|e| e.schedule.is_some())>
                        <legend>{t_string!(i18n, compose.schedule_legend).to_string()}</legend>
                        <label for="compose-date">{t_string!(i18n, compose.date).to_string()}</label>
                        <input id="compose-date" type="date" prop:value=date_value on:input=date_input />
                        <label for="compose-time">{t_string!(i18n, compose.time).to_string()}</label>
                        <input id="compose-time" type="time" prop:value=time_value on:input=time_input />
                        <label for="compose-zone">{t_string!(i18n, compose.zone).to_string()}</label>
                        <select id="compose-zone" prop:value=zone_value on:change=zone_input>
                            <ZoneOptions />
                        </select>
                        <p class="field-error" aria-live="polite">{error_text(|e| e.schedule.clone())}</p>
                        <button
                            type="button"
                            class="button primary"
                            disabled=move || busy.get()
                            on:click=move |_| run(Intent::Schedule)
                        >
                            {t_string!(i18n, compose.schedule_confirm).to_string()}
                        </button>
                    </fieldset>
                </Show>
                {move || refused.get().map(|r| view! { <p class="error" role="alert">{r}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || busy.get() || not_editable()>
                        {t_string!(i18n, compose.send_now).to_string()}
                    </button>
                    <button
                        type="button"
                        class="button"
                        aria-expanded=move || schedule_open.get().to_string()
                        disabled=not_editable
                        on:click=move |_| schedule_open.update(|o| *o = !*o)
                    >
                        {t_string!(i18n, compose.schedule).to_string()}
                    </button>
                    <Show when=can_draft>
                        <button
                            type="button"
                            class="button"
                            disabled=move || busy.get() || not_editable()
                            on:click=move |_| run(Intent::SaveDraft)
                        >
                            {t_string!(i18n, compose.save_draft).to_string()}
                        </button>
                    </Show>
                    <a class="button ghost" href="/emails" on:click=move |_| {
                        // Cancel drops what was typed here (a saved draft stays as it was saved).
                        leptos::task::spawn_local(async move { let _ = forget().await; });
                    }>{t_string!(i18n, common.cancel).to_string()}</a>
                </div>
            </form>
        </section>
    }
}
