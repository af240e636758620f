//! One email's page: its headers, its body (sanitised, shown in a sandboxed frame where nothing runs), its
//! quick actions and its recipient's timeline — sent, delivered, every view and click (which link) marked
//! human or machine with the reason, replies, bounces and complaints with the server's words.

use domain::{EmailId, EngagementEvent, EventKind, Instant, QuickAction};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::body_frame::BodyFrame;
use crate::components::email_list::due_status;
use crate::components::follow_up::FollowUpButton;
use crate::components::labels;
use crate::components::reply::ReplyBody;
use crate::i18n::*;
use crate::pages::emails::run_action;
use crate::state::use_app;
use crate::storage::EmailRecord;

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq)]
struct Moment {
    at: Instant,
    what: String,
    mark: Option<(bool, String)>,
    detail: Option<String>,
    event: Option<EngagementEvent>,
}

fn timeline(
    i18n: leptos_i18n::I18nContext<Locale>,
    record: &EmailRecord,
    events: &[EngagementEvent],
) -> Vec<Moment> {
    let email = &record.email;
    let mut moments =
        vec![Moment::plain(email.created_at, t_string!(i18n, timeline.created).to_string(), None)];
    // A time the rep chose (not the instant of a "send now").
    if let Some(schedule) =
        email.schedule.as_ref().filter(|s| s.at - email.created_at > chrono::TimeDelta::minutes(1))
    {
        moments.push(Moment::plain(
            schedule.at,
            t_string!(i18n, timeline.scheduled).to_string(),
            Some(schedule.time_zone.clone()),
        ));
    }
    if let Some(at) = email.sent_at {
        moments.push(Moment::plain(at, t_string!(i18n, timeline.sent).to_string(), None));
    }
    if let Some(at) = email.delivered_at {
        moments.push(Moment::plain(at, t_string!(i18n, timeline.delivered).to_string(), None));
    }
    if let Some(at) = email.archived_at {
        moments.push(Moment::plain(at, t_string!(i18n, timeline.archived).to_string(), None));
    }
    let mut bounce_seen = false;
    for event in events {
        let mark = event.verdict.as_ref().map(|v| (v.human, labels::verdict_mark(i18n, v)));
        let detail = match &event.kind {
            EventKind::Bounced(b) | EventKind::Delayed(b) => {
                bounce_seen |= matches!(event.kind, EventKind::Bounced(_));
                let verdict =
                    if b.is_hard() { t_string!(i18n, timeline.hard) } else { t_string!(i18n, timeline.soft) };
                let code = b.smtp_code.map(|c| format!("{c} ")).unwrap_or_default();
                Some(format!("{verdict} · {code}{} · {}", b.status, b.diagnostic))
            }
            _ => event.user_agent.clone(),
        };
        moments.push(Moment {
            at: event.at,
            what: as_heading(labels::event(i18n, &event.kind)),
            mark,
            detail,
            event: Some(event.clone()),
        });
    }
    if let (Some(at), Some(reason)) = (email.failed_at, &email.status_reason)
        && !bounce_seen
    {
        moments.push(Moment::plain(at, labels::folder(i18n, email.folder()), Some(reason.clone())));
    }
    moments.sort_by_key(|m| m.at);
    moments
}

impl Moment {
    /// A moment of the email's own life (not an event).
    fn plain(at: Instant, what: String, detail: Option<String>) -> Moment {
        Moment { at, what, mark: None, detail, event: None }
    }
}

#[component]
pub fn EmailPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<EmailId>().ok())));
    let loaded = crate::state::load(move || {
        let id = id.get();
        state.revision.track();
        let cache = state.cache();
        async move {
            let id = id?;
            let record = cache.email(id).await.ok().flatten()?;
            let events = cache.events_of(id).await.unwrap_or_default();
            state.unreadable(&events.skipped);
            let events = events.items;
            Some((record, events))
        }
    });
    let navigate = use_navigate();
    let locale = move || tag(i18n.get_locale());

    view! {
        {move || {
                let navigate = navigate.clone();
                loaded.get().map(move |found| match found {
                    None => view! {
                        <section class="email-page">
                            <h1>{t_string!(i18n, email.not_found).to_string()}</h1>
                            <p><a href="/emails">{t_string!(i18n, email.back).to_string()}</a></p>
                        </section>
                    }.into_any(),
                    Some((record, events)) => {
                        let email = record.email.clone();
                        let folder = email.folder();
                        let zone = state.time_zone();
                        let person = state.directory.person_by_address(&email.recipient);
                        let campaign = email.campaign.and_then(|c| state.directory.campaigns.with(|m| m.get(&c).map(|c| c.name.clone())));
                        let moments = timeline(i18n, &record, &events);
                        let engagement = record.engagement.clone();
                        let raw_engagement = engagement.clone();
                        let email_id = email.id;
                        let due = email.is_due(state.now());
                        let buttons = email.quick_actions(state.now()).into_iter().map(|action| {
                            let navigate = navigate.clone();
                            view! {
                                <button
                                    type="button"
                                    class="button"
                                    class:danger={action == QuickAction::Delete}
                                    on:click=move |_| run_action(state, i18n, &navigate, action, vec![email_id])
                                >
                                    {move || labels::action(i18n, action)}
                                </button>
                            }
                        }).collect_view();
                        let when = {
                            let zone = zone.clone();
                            move |at: Instant| crate::format::date_time(at, locale(), &zone)
                        };
                        let recipient = match &person {
                            Some(p) => format!("{} <{}>", p.display_name(), email.recipient),
                            None => email.recipient.to_string(),
                        };
                        let timeline_title = t_string!(i18n, timeline.title, who = recipient.clone()).to_string();
                        view! {
                            <article class="email-page" aria-labelledby="email-subject">
                                <p class="back"><a href=format!("/emails/{folder}")>{move || labels::folder(i18n, folder)}</a></p>
                                <h1 id="email-subject">{if email.subject.is_empty() { t_string!(i18n, list.no_subject).to_string() } else { email.subject.clone() }}</h1>
                                <dl class="headers">
                                    <dt>{t_string!(i18n, email.from).to_string()}</dt><dd>{email.sender.to_string()}</dd>
                                    <dt>{t_string!(i18n, email.to).to_string()}</dt>
                                    <dd>{match person.as_ref() {
                                        Some(p) => view! { <a href=format!("/people/{}", p.id)>{recipient}</a> }.into_any(),
                                        None => recipient.into_any(),
                                    }}</dd>
                                    {(!email.cc.is_empty()).then(|| view! {
                                        <dt>{t_string!(i18n, email.cc).to_string()}</dt>
                                        <dd>{email.cc.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")}</dd>
                                    })}
                                    {campaign.map(|c| view! { <dt>{t_string!(i18n, list.campaign).to_string()}</dt><dd>{c}</dd> })}
                                    <dt>{t_string!(i18n, list.status).to_string()}</dt>
                                    <dd>
                                        <span class=format!("status status-{}", folder.sub_slug())>{move || match due {
                                            true => state.status.with(|s| due_status(i18n, s, email_id)),
                                            false => labels::folder(i18n, folder),
                                        }}</span>
                                        {email.status_reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
                                    </dd>
                                    <dt>{t_string!(i18n, email.engagement).to_string()}</dt>
                                    <dd>
                                        {move || labels::human_counts(i18n, &engagement).join(" · ")}
                                        <span class="raw">{move || labels::raw_counts(i18n, &raw_engagement)}</span>
                                    </dd>
                                    {email.schedule.as_ref().filter(|_| email.status() == domain::Status::Scheduled && !due).map(|s| { let at = s.at; let when = when.clone(); view! {
                                        <dt>{t_string!(i18n, list.scheduled_for).to_string()}</dt><dd>{move || when(at)}</dd>
                                    }})}
                                </dl>
                                <div class="actions-bar" role="toolbar" aria-label=t_string!(i18n, list.actions)>{buttons}</div>
                                <h2 class="visually-hidden">{t_string!(i18n, email.body).to_string()}</h2>
                                <BodyFrame html=email.html_body.clone() text=email.text_body.clone() title=t_string!(i18n, email.body).to_string() />
                                <section class="timeline" aria-labelledby="timeline-title">
                                    <h2 id="timeline-title">{timeline_title}</h2>
                                    <ol>
                                        {moments.into_iter().map(|m| {
                                            let at = m.at;
                                            let machine = m.mark.as_ref().is_some_and(|(human, _)| !human);
                                            let when = when.clone();
                                            view! {
                                                <li class:machine=machine>
                                                    <time datetime=at.to_rfc3339()>{move || when(at)}</time>
                                                    <span class="what">{m.what}</span>
                                                    {m.mark.map(|(human, text)| view! { <span class="mark" class:human=human>{text}</span> })}
                                                    {m.event.clone().map(|e| view! { <ReplyBody event=e /> })}
                                                    {m.event.map(|e| view! { <FollowUpButton event=e /> })}
                                                    {m.detail.map(|d| view! { <span class="detail">{d}</span> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ol>
                                </section>
                            </article>
                        }.into_any()
                    }
                }).unwrap_or_else(|| view! { <p class="loading">{t_string!(i18n, common.loading).to_string()}</p> }.into_any())
            }}
    }
}

/// An event's words ("viewed", said after a name in the live feed) as a timeline entry of its own:
/// "Viewed", like the status entries beside it. Every language's event words begin with an ASCII letter;
/// one that does not is left as it is (no Unicode case tables in the module for this).
pub(crate) fn as_heading(mut words: String) -> String {
    if let Some(first) = words.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    words
}
