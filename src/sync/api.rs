//! The endpoint's API, typed: who the token belongs to, the push of the outbox, and the change feed.
//!
//! Error answers are decoded into the protocol's [`ErrorBody`]; a request that never got an answer is a
//! [`ApiError::Network`], which the sync engine retries.

use domain::sync::{
    ChangePage, Cursor, ErrorBody, LinkMailbox, MailboxLink, Me, PushRequest, PushResponse, Suppression,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// Why a call to the endpoint did not give what was asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No answer: offline, the endpoint is down, or the connection broke.
    #[error("the endpoint could not be reached: {0}")]
    Network(String),
    /// The token is wrong or revoked.
    #[error("the endpoint did not accept the token")]
    Unauthorized,
    /// An answer with an error body.
    #[error("{status}: {body}")]
    Refused { status: u16, body: ErrorBody },
    /// An answer that is not what the protocol says.
    #[error("the endpoint's answer could not be read: {0}")]
    Unreadable(String),
}

impl ApiError {
    /// Whether trying again later may work (the network, or the endpoint's own trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) | ApiError::Unreadable(_) => true,
            ApiError::Refused { status, .. } => *status >= 500 || *status == 429,
            ApiError::Unauthorized => false,
        }
    }
}

/// A client of one endpoint with one token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    base: String,
    token: String,
}

impl Api {
    /// A client of the endpoint at `base` (e.g. `https://cc.example.com`; a trailing `/` is ignored).
    pub fn new(base: &str, token: &str) -> Api {
        Api { base: base.trim_end_matches('/').to_string(), token: token.trim().to_string() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{}", self.base, path)
    }

    /// The URL of the change stream (Server-Sent Events), with the token in the query as EventSource needs.
    pub fn stream_url(&self) -> String {
        let token: String = js_sys::encode_uri_component(&self.token).into();
        self.url(&format!("/changes/stream?access_token={token}"))
    }

    /// Sends `request` with the token.
    async fn send(&self, request: RequestBuilder) -> Result<Response, ApiError> {
        request.header("Authorization", &format!("Bearer {}", self.token)).send().await.map_err(network)
    }

    /// Sends `request` with the token and `body` as JSON.
    async fn send_json<B: serde::Serialize>(
        &self,
        request: RequestBuilder,
        body: &B,
    ) -> Result<Response, ApiError> {
        let request = request.header("Authorization", &format!("Bearer {}", self.token));
        let request = request.json(body).map_err(|e| ApiError::Unreadable(e.to_string()))?;
        request.send().await.map_err(network)
    }

    /// Checks the token and says whose it is.
    pub async fn me(&self) -> Result<Me, ApiError> {
        let response = self.send(Request::get(&self.url("/me"))).await?;
        decode(response).await
    }

    /// Pushes mutations; the answer has one outcome per mutation, in order.
    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse, ApiError> {
        let response = self.send_json(Request::post(&self.url("/sync")), request).await?;
        decode(response).await
    }

    /// The endpoint's copy of one email.
    pub async fn email(&self, id: domain::EmailId) -> Result<domain::Email, ApiError> {
        let response = self.send(Request::get(&self.url(&format!("/emails/{id}")))).await?;
        decode(response).await
    }

    /// The rep's linked mailbox and how reading it goes; `None` when none is linked.
    pub async fn mailbox(&self) -> Result<Option<MailboxLink>, ApiError> {
        let response = self.send(Request::get(&self.url("/mailbox"))).await?;
        if response.status() == 404 {
            return Ok(None);
        }
        decode(response).await.map(Some)
    }

    /// Links the rep's mailbox (or changes the link).
    pub async fn link_mailbox(&self, link: &LinkMailbox) -> Result<MailboxLink, ApiError> {
        let response = self.send_json(Request::put(&self.url("/mailbox")), link).await?;
        decode(response).await
    }

    /// Removes the link and the stored password.
    pub async fn unlink_mailbox(&self) -> Result<(), ApiError> {
        let response = self.send(Request::delete(&self.url("/mailbox"))).await?;
        match response.status() {
            204 | 404 => Ok(()),
            _ => decode::<serde_json::Value>(response).await.map(|_| ()),
        }
    }

    /// The addresses the rep no longer sends to.
    pub async fn suppressions(&self) -> Result<Vec<Suppression>, ApiError> {
        decode(self.send(Request::get(&self.url("/suppressions"))).await?).await
    }

    /// Lifts an address's suppression: the rep may write to it again.
    pub async fn lift_suppression(&self, address: &str) -> Result<(), ApiError> {
        let address: String = js_sys::encode_uri_component(address).into();
        let response = self.send(Request::delete(&self.url(&format!("/suppressions/{address}")))).await?;
        match response.status() {
            200..=299 | 404 => Ok(()),
            _ => decode::<serde_json::Value>(response).await.map(|_| ()),
        }
    }

    /// One page of the change feed after `since`.
    pub async fn changes(&self, since: Cursor, limit: u32) -> Result<ChangePage, ApiError> {
        let response =
            self.send(Request::get(&self.url(&format!("/changes?since={since}&limit={limit}")))).await?;
        decode(response).await
    }
}

fn network(err: gloo_net::Error) -> ApiError {
    ApiError::Network(err.to_string())
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if status == 401 {
        return Err(ApiError::Unauthorized);
    }
    let text = response.text().await.map_err(network)?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&text).map_err(|e| ApiError::Unreadable(e.to_string()));
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(ApiError::Refused { status, body }),
        Err(_) => Err(ApiError::Refused {
            status,
            body: ErrorBody::new(domain::sync::ErrorCode::Internal, format!("HTTP {status}")),
        }),
    }
}
