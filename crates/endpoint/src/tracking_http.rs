//! The tracking routes: the open pixel, the click redirect and one-click unsubscribe.
//!
//! A token that does not verify records nothing and never redirects. An archived email records nothing.
//! Each view or click is judged human or machine by the domain's classifier, and the email's totals are
//! recomputed and put in the change feed with it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use domain::aggregate::EmailEngagement;
use domain::classify::ClassifierSettings;
use domain::{Email, EngagementEvent, EventId, EventKind, Status};

use crate::http::{AppState, redirect_to};
use crate::store::{Kind, Store, StoreError, Tx};
use crate::tracking::{PIXEL_GIF, Target};

fn pixel() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store, no-cache, must-revalidate, max-age=0"),
        ],
        PIXEL_GIF,
    )
        .into_response()
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(512).collect())
}

/// `GET /t/o/{token}`: a 1×1 GIF, and a view recorded when the token is good.
pub async fn open(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(Target::Open { e }) = state.keys.verify(&token) {
        state.recorder.record(e, EventKind::Viewed, Some(peer.ip().to_string()), user_agent(&headers)).await;
    }
    pixel()
}

/// `GET /t/c/{token}`: a redirect to the signed target, and a click recorded. A bad token is a 404.
pub async fn click(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.keys.verify(&token) {
        Some(Target::Click { e, u }) => {
            let kind = EventKind::Clicked { url: u.clone() };
            state.recorder.record(e, kind, Some(peer.ip().to_string()), user_agent(&headers)).await;
            redirect_to(&u)
        }
        _ => (StatusCode::NOT_FOUND, "This link is not valid.").into_response(),
    }
}

/// `POST /u/{token}` (RFC 8058 one-click): the recipient goes on the sender's suppression list.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(Target::Unsubscribe { e }) = state.keys.verify(&token) else {
        return (StatusCode::NOT_FOUND, "This link is not valid.").into_response();
    };
    let done = async {
        let Some(email) = state.store.email_any_user(e).await? else { return Ok::<bool, StoreError>(false) };
        let mut tx = state.store.begin().await?;
        Store::suppress(&mut tx, email.owner, email.recipient.as_str(), "unsubscribed", Utc::now()).await?;
        tx.commit().await?;
        Ok(true)
    };
    match done.await {
        Ok(true) => {
            Html("<!doctype html><title>Unsubscribed</title><p>You will not receive these emails again.</p>")
                .into_response()
        }
        Ok(false) => (StatusCode::NOT_FOUND, "This link is not valid.").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "could not record an unsubscribe");
            (StatusCode::INTERNAL_SERVER_ERROR, "Please try again later.").into_response()
        }
    }
}

/// `GET /u/{token}`: a page with a button, never an unsubscribe by itself (link scanners follow GETs).
pub async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !matches!(state.keys.verify(&token), Some(Target::Unsubscribe { .. })) {
        return (StatusCode::NOT_FOUND, "This link is not valid.").into_response();
    }
    let token = token.replace(['"', '<', '>', '&'], "");
    Html(format!(
        "<!doctype html><title>Unsubscribe</title><form method=\"post\" action=\"/u/{token}\">\
         <p>Stop receiving these emails?</p><button type=\"submit\">Unsubscribe</button></form>"
    ))
    .into_response()
}

/// A new event of `email`, now.
pub fn new_event(
    email: &Email,
    kind: EventKind,
    ip: Option<String>,
    user_agent: Option<String>,
) -> EngagementEvent {
    EngagementEvent {
        id: EventId(uuid::Uuid::now_v7()),
        email: email.id,
        recipient: email.recipient.clone(),
        at: Utc::now(),
        kind,
        ip,
        user_agent,
        verdict: None,
    }
}

/// Stores one event of `email` inside `tx`: judged (earlier verdicts the event changes are rewritten), and
/// the email's totals recomputed. Returns the newest change number, or `None` when the event is not counted
/// (tracking off for an archived email, or a repeat).
pub async fn record_event(
    tx: &mut Tx,
    classifier: &ClassifierSettings,
    email: &Email,
    event: EngagementEvent,
) -> Result<Option<u64>, StoreError> {
    let mut recording = Recording::load(tx, classifier, email.clone()).await?;
    recording.add(tx, classifier, event).await?;
    recording.finish(tx).await
}

/// The engagement of one email while events are added to it: its recorded events and totals, read once
/// for any number of new events.
pub struct Recording {
    email: Email,
    recorded: Vec<EngagementEvent>,
    totals: EmailEngagement,
    seq: Option<u64>,
}

impl Recording {
    /// Reads the recorded events of `email` and its totals.
    pub async fn load(
        tx: &mut Tx,
        classifier: &ClassifierSettings,
        email: Email,
    ) -> Result<Recording, StoreError> {
        let recorded = Store::events_of(tx, email.owner, email.id).await?;
        Ok(Recording::of(classifier, email, recorded))
    }

    /// The recording of `email` with its recorded events (oldest first).
    pub fn of(classifier: &ClassifierSettings, email: Email, recorded: Vec<EngagementEvent>) -> Recording {
        let totals = EmailEngagement::of(classifier, &email, &recorded);
        Recording { email, recorded, totals, seq: None }
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    /// The email's totals with every event judged so far.
    pub fn totals(&self) -> &EmailEngagement {
        &self.totals
    }

    /// How many events are recorded for the email.
    pub fn events(&self) -> usize {
        self.recorded.len()
    }

    /// Judges and stores `event`, rewriting the verdicts of earlier events it changes. Returns false when
    /// the event is not counted (the email is archived, or the event is a repeat) and nothing was written.
    pub async fn add(
        &mut self,
        tx: &mut Tx,
        classifier: &ClassifierSettings,
        event: EngagementEvent,
    ) -> Result<bool, StoreError> {
        let Some(changed) = self.judge(classifier, event) else { return Ok(false) };
        let mut seq = 0;
        for event in &changed {
            seq = seq.max(Store::put_event(tx, self.email.owner, event).await?);
        }
        self.seq = Some(seq);
        Ok(true)
    }

    /// Judges `event` and counts it into the totals, without writing anything. Returns what must be
    /// stored: the earlier events whose verdicts changed, then the event itself; `None` when the event is
    /// not counted (the email is archived, or the event is a repeat).
    pub fn judge(
        &mut self,
        classifier: &ClassifierSettings,
        mut event: EngagementEvent,
    ) -> Option<Vec<EngagementEvent>> {
        if self.email.status == Status::Archived {
            return None;
        }
        let verdicts = self.totals.apply(classifier, &self.email, &self.recorded, &event).ok()?;
        let mut changed = Vec::with_capacity(verdicts.len());
        for (id, verdict) in verdicts {
            if id == event.id {
                event.verdict = Some(verdict);
            } else if let Some(earlier) = self.recorded.iter_mut().find(|e| e.id == id) {
                earlier.verdict = Some(verdict);
                changed.push(earlier.clone());
            }
        }
        changed.push(event.clone());
        self.recorded.push(event);
        Some(changed)
    }

    /// Writes the totals when any event was added since the last time. Returns the newest change number, if
    /// anything changed. The recording can take more events afterwards.
    pub async fn finish(&mut self, tx: &mut Tx) -> Result<Option<u64>, StoreError> {
        let Some(seq) = self.seq.take() else { return Ok(None) };
        let id = self.email.id.to_string();
        Ok(Some(seq.max(Store::put(tx, self.email.owner, Kind::Engagement, &id, &self.totals).await?)))
    }
}
