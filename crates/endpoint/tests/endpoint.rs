//! The endpoint on a real loopback port with a real SQLite file: what a browser or an MTA would see.

use std::net::SocketAddr;
use std::path::Path;

use endpoint::http::{AppState, router};
use endpoint::store::Store;
use tokio::net::TcpListener;

/// Starts the endpoint on a free loopback port over `data_dir` and `app_dir`; returns its address.
async fn start(data_dir: &Path, app_dir: &Path) -> SocketAddr {
    let store = Store::open(data_dir).await.expect("open store");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let state = AppState { store, app_dir: app_dir.to_path_buf() };
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    addr
}

#[tokio::test]
async fn healthz_answers_ok_with_the_database_reachable() {
    let data = tempfile::tempdir().unwrap();
    let app = tempfile::tempdir().unwrap();
    let addr = start(data.path(), app.path()).await;

    let res = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert!(data.path().join("commandcenter.sqlite3").is_file(), "the SQLite file is in the data folder");
}

#[tokio::test]
async fn the_app_is_served_at_root_and_deep_links_fall_back_to_it() {
    let data = tempfile::tempdir().unwrap();
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("index.html"), "<!doctype html><title>Command Center</title>").unwrap();
    std::fs::write(app.path().join("app.js"), "console.log('hi')").unwrap();
    let addr = start(data.path(), app.path()).await;

    for path in ["/", "/emails/pending/scheduled", "/tasks"] {
        let res = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.text().await.unwrap().contains("<title>Command Center</title>"), "{path}");
    }
    let js = reqwest::get(format!("http://{addr}/app.js")).await.unwrap();
    assert_eq!(js.headers()["content-type"], "text/javascript");
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_and_reopens_with_its_schema() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).await.unwrap();
    assert_eq!(store.journal_mode().await.unwrap(), "wal");
    drop(store);
    let again = Store::open(data.path()).await.unwrap();
    again.ping().await.unwrap();
}
