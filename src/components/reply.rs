//! What a reply says, on the email's and the person's timelines: the person's own words (the quoted
//! history folded away by the endpoint; shown as text, never markup) and "Reply", which opens the
//! composer on that email.

use domain::{EngagementEvent, EventKind};
use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn ReplyBody(event: EngagementEvent) -> impl IntoView {
    let i18n = use_i18n();
    let EventKind::Replied { text } = event.kind else { return None };
    let href = format!("/compose?followup={}", event.email);
    Some(view! {
        <a class="quick reply" href=href>{t_string!(i18n, timeline.reply).to_string()}</a>
        {text.map(|text| view! {
            <blockquote class="reply-text" aria-label=t_string!(i18n, timeline.reply_text).to_string()>{text}</blockquote>
        })}
    })
}
