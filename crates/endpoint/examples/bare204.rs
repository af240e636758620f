//! The baseline of the tracking benchmark: the same axum and tokio set-up as `endpoint serve`, answering
//! the pixel's route with an empty 204 and doing nothing else. `bare204 127.0.0.1:PORT`.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18204".to_string());
    let router = Router::new().route("/t/o/{token}", get(|| async { StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("READY {listen}");
    let limits = endpoint::server::Limits::default();
    endpoint::server::serve(listener, router, tokio_util::sync::CancellationToken::new(), limits).await
}
