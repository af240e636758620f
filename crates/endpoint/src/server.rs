//! Accepting connections: HTTP/1.1 with limits that keep one slow or hostile client from starving the
//! rest, and a stop that lets requests in progress finish.
//!
//! - A connection must send a whole request header within [`Limits::header_timeout`], whether it is new or
//!   idle between keep-alive requests; one that does not is closed.
//! - At most [`Limits::max_connections`] connections are open at once, a number kept under the process's
//!   open-file limit (raised at start to the hard limit where allowed). At the cap, a new connection
//!   closes the oldest connection that has no request in progress (a half-sent header, an idle
//!   keep-alive), so a flood of half-open connections cannot keep a health check or a rep out.
//! - A stop closes idle connections at once and waits (bounded) for requests in progress; open event
//!   streams end on their own when the stop is signalled.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// How connections are limited.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time allowed to send a whole request header, on a new or an idle keep-alive connection.
    pub header_timeout: Duration,
    /// The most connections open at once (before the open-file limit is taken into account).
    pub max_connections: usize,
    /// How long a stop waits for requests in progress.
    pub stop_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            stop_grace: Duration::from_secs(10),
        }
    }
}

/// Open files kept for everything but connections: the database, the SMTP pool, files of the app served.
const FILES_RESERVED: u64 = 256;

/// Raises the soft open-file limit to the hard one where the system allows it, and returns the number of
/// connections that fit under it (at most `wanted`).
pub fn connections_that_fit(wanted: usize) -> usize {
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(error = %err, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024)
        }
    };
    let fit = soft.saturating_sub(FILES_RESERVED).max(16);
    let cap = (fit.min(usize::MAX as u64) as usize).min(wanted);
    tracing::info!(open_files = soft, max_connections = cap, "connection limit");
    cap
}

/// One open connection, as the cap sees it.
struct Open {
    /// Requests in progress on it (a response still being written counts until its body ends).
    busy: Arc<AtomicUsize>,
    /// Told to close the connection.
    close: Arc<Notify>,
}

/// The open connections, oldest first.
#[derive(Default)]
struct Registry {
    open: Mutex<BTreeMap<u64, Open>>,
}

impl Registry {
    fn len(&self) -> usize {
        self.open.lock().expect("registry lock").len()
    }

    /// Closes the oldest connection with no request in progress. Returns whether there was one.
    fn close_oldest_idle(&self) -> bool {
        let mut open = self.open.lock().expect("registry lock");
        let idle = open.iter().find(|(_, c)| c.busy.load(Ordering::Acquire) == 0).map(|(id, _)| *id);
        match idle.and_then(|id| open.remove(&id)) {
            Some(connection) => {
                connection.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until `stop` is cancelled, then closes idle connections and waits up to
/// [`Limits::stop_grace`] for requests in progress.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
    limits: Limits,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let registry = Arc::new(Registry::default());
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let mut next_id = 0u64;
    let mut refused_at_cap = 0u64;
    loop {
        let (stream, peer) = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of open files (or a connection reset before it was taken): wait and go on.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if registry.len() >= max && !registry.close_oldest_idle() {
            refused_at_cap += 1;
            if refused_at_cap.is_power_of_two() {
                tracing::warn!(
                    refused = refused_at_cap,
                    max,
                    "every connection is busy: a new one was closed"
                );
            }
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let busy = Arc::new(AtomicUsize::new(0));
        let close = Arc::new(Notify::new());
        registry
            .open
            .lock()
            .expect("registry lock")
            .insert(id, Open { busy: busy.clone(), close: close.clone() });
        let service = connection_service(router.clone(), peer, busy);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let registry = registry.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                () = close.notified() => {}
            }
            registry.open.lock().expect("registry lock").remove(&id);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.stop_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("stopping with requests still in progress");
    }
    Ok(())
}

/// The router as one connection's service: each request carries the peer's address (for the tracking
/// classifier) and counts as busy until its response body has been written.
fn connection_service(
    router: Router,
    peer: SocketAddr,
    busy: Arc<AtomicUsize>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let guard = Busy::start(busy.clone());
        let router = router.clone();
        async move {
            let response = router.oneshot(request.map(axum::body::Body::new)).await?;
            Ok(response.map(move |body| {
                axum::body::Body::new(body.map_frame(move |frame| {
                    let _still_busy = &guard;
                    frame
                }))
            }))
        }
    })
}

/// A request in progress on a connection; ends when dropped.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn start(count: Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::AcqRel);
        Busy(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
