//! The operator's commands, run as the real binary: users and their tokens, and `classify`.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::{Api, Endpoint};

fn endpoint(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_endpoint")).args(args).arg("--data-dir").arg(data_dir).output().unwrap()
}

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../inbound/samples").join(name)
}

#[tokio::test]
async fn a_revoked_user_is_listed_as_such_and_their_token_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Endpoint::start(&data, None, &[]);
    let token = server.add_user("ana@seller.example.com");
    assert!(token.starts_with("cc_"), "{token}");
    let api = Api::new(&server, &token);
    assert_eq!(api.get("/changes?since=0").await.status(), 200);

    let again = endpoint(&["user", "add", "ana@seller.example.com"], &data);
    assert!(!again.status.success(), "the same user twice");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a user"));
    let bad = endpoint(&["user", "add", "not an address"], &data);
    assert!(!bad.status.success());

    let listed = String::from_utf8(endpoint(&["user", "list"], &data).stdout).unwrap();
    assert!(listed.contains("ana@seller.example.com\tactive"), "{listed}");
    assert!(!listed.contains(&token), "a token is never shown again");

    let revoked = endpoint(&["user", "revoke", "ana@seller.example.com"], &data);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    let listed = String::from_utf8(endpoint(&["user", "list"], &data).stdout).unwrap();
    assert!(listed.contains("ana@seller.example.com\trevoked"), "{listed}");
    assert_eq!(api.get("/changes?since=0").await.status(), 401, "a revoked token is refused");

    // A new token makes the user active again; the revoked one stays refused.
    let renewed = endpoint(&["user", "token", "ana@seller.example.com"], &data);
    assert!(renewed.status.success(), "{}", String::from_utf8_lossy(&renewed.stderr));
    let new_token = String::from_utf8(renewed.stdout).unwrap().trim().to_string();
    assert!(new_token.starts_with("cc_") && new_token != token, "{new_token}");
    assert_eq!(Api::new(&server, &new_token).get("/changes?since=0").await.status(), 200);
    assert_eq!(api.get("/changes?since=0").await.status(), 401, "the old token stays refused");
    let listed = String::from_utf8(endpoint(&["user", "list"], &data).stdout).unwrap();
    assert!(listed.contains("ana@seller.example.com\tactive"), "{listed}");
    let nobody = endpoint(&["user", "token", "nobody@seller.example.com"], &data);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user"));
}

#[test]
fn classify_prints_one_json_object_for_a_file_or_standard_input_and_a_line_per_file_for_several() {
    let run = |args: &[&str], stdin: Option<&[u8]>| -> Value {
        let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.unwrap_or_default()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let bounce = run(&["classify", sample("postfix-user-unknown.eml").to_str().unwrap()], None);
    assert_eq!(bounce["kind"], "bounce");
    let recipient = &bounce["recipients"][0];
    assert_eq!(
        (&recipient["address"], &recipient["status"], &recipient["hard"], &recipient["reason"]),
        (
            &Value::from("bob@example.net"),
            &Value::from("5.1.1"),
            &Value::from(true),
            &Value::from("userunknown")
        )
    );

    let vacation = std::fs::read(sample("vacation-italian.eml")).unwrap();
    let auto_reply = run(&["classify", "-"], Some(&vacation));
    assert_eq!(auto_reply["kind"], "auto_reply");
    assert_eq!(auto_reply["recipients"], Value::Array(vec![]));

    let (first, second) = (sample("postfix-user-unknown.eml"), sample("vacation-italian.eml"));
    let many = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["classify", first.to_str().unwrap(), second.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(many.status.success());
    let lines: Vec<Value> =
        String::from_utf8_lossy(&many.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["file"].as_str().unwrap_or_default(), l["kind"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        kinds,
        [(first.to_str().unwrap(), "bounce"), (second.to_str().unwrap(), "auto_reply")],
        "several files: one line each, naming its file"
    );

    let missing =
        Command::new(env!("CARGO_BIN_EXE_endpoint")).args(["classify", "/no/such.eml"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such.eml"));
}

/// With every request logged (`CC_LOG=debug`), a token sent in the change stream's query never reaches
/// the log, while the request itself does.
#[tokio::test]
async fn a_token_in_the_query_is_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = endpoint(&["user", "add", "ana@seller.example.com"], &data);
    let token = String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("cc_"), "{token}");
    let port = support::free_port();
    let log_path = dir.path().join("endpoint.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data)
        .env("CC_LOG", "debug")
        .stdout(std::fs::File::create(&log_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/changes/stream?since=0&access_token={token}");
    let mut answered = false;
    for _ in 0..200 {
        if let Ok(res) = reqwest::get(&url).await {
            assert_eq!(res.status(), 200);
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    assert!(answered, "the endpoint did not answer");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("/api/v1/changes/stream"), "the request is logged: {log}");
    assert!(!log.contains(&token), "the token is not: {log}");
}
