//! A rep's own mailbox read over IMAP: a real Dovecot on loopback, the real endpoint binary, a real SMTP
//! server. Messages are put into the Maildir as a delivery agent would, and what the rep sees is checked
//! through the API: replies, bounces and complaints reach their emails once, whichever way they come,
//! and the mailbox itself is never changed.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::dovecot::Dovecot;
use support::{Api, Endpoint, SmtpServer, changes, post_inbound};

const REP: &str = "rep@seller.example.com";
const REP_PASSWORD: &str = "imap-pass-1";
const BO: &str = "bo@seller.example.com";
const BO_PASSWORD: &str = "imap-pass-2";

struct World {
    _dir: tempfile::TempDir,
    _smtp: SmtpServer,
    endpoint: Endpoint,
    api: Api,
    dovecot: Dovecot,
}

fn world(idle: bool, extra: &[&str]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    let dovecot = Dovecot::start(&[(REP, REP_PASSWORD), (BO, BO_PASSWORD)], idle);
    let mut args =
        vec!["--machine-window-seconds", "0", "--imap-hosts", "127.0.0.1", "--imap-backoff-max-seconds", "2"];
    args.extend_from_slice(extra);
    let endpoint = Endpoint::start(&dir.path().join("data"), Some(&smtp), &args);
    let token = endpoint.add_user(REP);
    let api = Api::new(&endpoint, &token);
    World { _dir: dir, _smtp: smtp, endpoint, api, dovecot }
}

async fn link(api: &Api, dovecot: &Dovecot, user: &str, password: &str) -> Value {
    let res = api.put("/mailbox", &json!({"address": dovecot.url(user), "password": password})).await;
    assert_eq!(res.status(), 200, "PUT /mailbox");
    res.json().await.unwrap()
}

/// The link's state once `done` holds for it (or a failure after 20 s).
async fn wait_link(api: &Api, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let link: Value = api.get("/mailbox").await.json().await.unwrap();
        if done(&link) {
            return link;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {link}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The number of `replied` events of an email.
async fn replied(api: &Api, id: &str) -> usize {
    let all = changes(api).await;
    all.iter()
        .filter(|c| {
            c["record"]["type"] == "event"
                && c["record"]["event"]["kind"]["type"] == "replied"
                && c["record"]["event"]["email"] == id
        })
        .count()
}

async fn wait_replied(api: &Api, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while replied(api, id).await == 0 {
        assert!(Instant::now() < deadline, "email {id} was never replied to");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn reply(id: &str, from: &str, n: u32) -> String {
    format!(
        "From: Prospect <{from}>\r\nTo: {REP}\r\nSubject: Re: Hello\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\
In-Reply-To: <{id}@seller.example.com>\r\nReferences: <{id}@seller.example.com>\r\n\
Message-ID: <reply-{n}-{id}@prospect.example.com>\r\n\r\nYes, Thursday works for me.\r\n\r\n\
On Monday you wrote:\r\n> Hello\r\n"
    )
}

fn auto_reply(id: &str) -> String {
    format!(
        "From: ana@acme.example.com\r\nTo: {REP}\r\nSubject: Automatic reply: Hello\r\nAuto-Submitted: auto-replied\r\n\
In-Reply-To: <{id}@seller.example.com>\r\nMessage-ID: <ooo-{id}@acme.example.com>\r\n\r\nI am away until Monday.\r\n"
    )
}

fn dsn(id: &str, to: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.acme.example.com (Mail Delivery System)\r\nTo: {REP}\r\n\
Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-{id}@mx.acme.example.com>\r\n\
Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.example.com\r\n\r\n\
Final-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <{to}>: user unknown\r\n\r\n\
--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{id}@seller.example.com>\r\nSubject: Hello\r\n\r\n--B--\r\n"
    )
}

fn arf(id: &str, to: &str) -> String {
    format!(
        "From: staff@fbl.example.com\r\nTo: {REP}\r\nSubject: complaint\r\nMessage-ID: <arf-{id}@fbl.example.com>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\r\n\r\n\
--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n\
--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n\
Original-Rcpt-To: {to}\r\n\r\n\
--F\r\nContent-Type: message/rfc822\r\n\r\nFrom: {REP}\r\nTo: {to}\r\nSubject: Hello\r\n\
Message-ID: <{id}@seller.example.com>\r\n\r\nHi\r\n--F--\r\n"
    )
}

fn newsletter(n: u32) -> String {
    format!(
        "From: news@vendor.example.org\r\nTo: {REP}\r\nSubject: This week's news {n}\r\n\
Message-ID: <news-{n}@vendor.example.org>\r\nList-Id: <news.vendor.example.org>\r\n\r\nNothing about any email.\r\n"
    )
}

/// Sends an email to `to` and waits for it to be delivered.
async fn sent(api: &Api, to: &str) -> String {
    let id = api.send(to, "Hello").await;
    api.wait_status(&id, "delivered").await;
    id
}

/// Rows kept in the endpoint's inbound table.
async fn kept_inbound(endpoint: &Endpoint) -> i64 {
    let path = endpoint.data_dir.join("commandcenter.sqlite3");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", path.display())).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM inbound").fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn replies_bounces_and_complaints_in_the_mailbox_reach_their_emails_and_the_rest_is_left_alone() {
    let w = world(true, &[]);
    let api = &w.api;
    let asked = sent(api, "ana@acme.example.com").await;
    let bounced = sent(api, "gone@acme.example.com").await;
    let complained = sent(api, "angry@acme.example.com").await;

    let linked = link(api, &w.dovecot, REP, REP_PASSWORD).await;
    assert!(linked.get("password").is_none() && !linked.to_string().contains(REP_PASSWORD), "{linked}");
    assert_eq!(linked["folder"], "INBOX");
    wait_link(api, "the server's IDLE", |l| l["state"] == "watching").await;

    w.dovecot.deliver(REP, &auto_reply(&asked));
    wait_link(api, "the auto-reply read", |l| l["messages_read"] == 1).await;
    let delivered = Instant::now();
    w.dovecot.deliver(REP, &reply(&asked, "ana@acme.example.com", 1));
    wait_replied(api, &asked).await;
    let took = delivered.elapsed();
    assert!(took < Duration::from_secs(2), "a reply shows within the live feed's 2 s: {took:?}");
    let totals = changes(api).await;
    let engagement = totals
        .iter()
        .rev()
        .find(|c| c["record"]["type"] == "engagement" && c["record"]["email"] == asked.as_str())
        .unwrap();
    assert_eq!(engagement["record"]["engagement"]["replies"], 1, "the auto-reply is not a reply");
    let event = totals
        .iter()
        .find(|c| c["record"]["type"] == "event" && c["record"]["event"]["kind"]["type"] == "replied")
        .unwrap();
    assert_eq!(
        event["record"]["event"]["kind"]["text"], "Yes, Thursday works for me.",
        "the quoted history is folded away"
    );

    w.dovecot.deliver(REP, &dsn(&bounced, "gone@acme.example.com"));
    w.dovecot.deliver(REP, &arf(&complained, "angry@acme.example.com"));
    api.wait_status(&bounced, "bounced").await;
    api.wait_status(&complained, "spam").await;

    // A hundred messages about none of the rep's emails: read, and nothing of them kept.
    let before = kept_inbound(&w.endpoint).await;
    assert_eq!(before, 4);
    for n in 0..100 {
        w.dovecot.deliver(REP, &newsletter(n));
    }
    let link = wait_link(api, "the newsletters read", |l| l["messages_read"] == 104).await;
    assert_eq!(link["messages_found"], 4);
    assert_eq!(kept_inbound(&w.endpoint).await, before, "unrelated mail is not stored");

    // Read-only: nothing marked read, moved or deleted.
    let flags = w.dovecot.fetch(REP, "flags");
    assert_eq!(flags.matches("flags:").count(), 104, "{flags}");
    assert!(!flags.contains("\\Seen") && !flags.contains("\\Deleted"), "{flags}");
}

#[tokio::test]
async fn a_message_is_counted_once_whichever_way_it_comes() {
    let w = world(true, &[]);
    let api = &w.api;
    let bo = Api::new(&w.endpoint, &w.endpoint.add_user(BO));
    let id = sent(api, "ana@acme.example.com").await;
    link(api, &w.dovecot, REP, REP_PASSWORD).await;
    link(&bo, &w.dovecot, BO, BO_PASSWORD).await;
    wait_link(api, "the rep's IDLE", |l| l["state"] == "watching").await;
    wait_link(&bo, "Bo's IDLE", |l| l["state"] == "watching").await;

    // The prospect answers the rep with Bo in copy, and the mail server also posts it to the hook.
    let answer = reply(&id, "ana@acme.example.com", 1);
    w.dovecot.deliver(REP, &answer);
    w.dovecot.deliver(BO, &answer);
    post_inbound(api, &answer).await;
    wait_link(api, "the rep's mailbox read", |l| l["messages_read"] == 1).await;
    let bo_link = wait_link(&bo, "Bo's mailbox read", |l| l["messages_read"] == 1).await;
    assert_eq!(bo_link["messages_found"], 0, "Bo's mailbox cannot touch the rep's emails");
    wait_replied(api, &id).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(replied(api, &id).await, 1, "one reply, one event");
    assert_eq!(kept_inbound(&w.endpoint).await, 1);
}

#[tokio::test]
async fn a_restart_or_a_renumbered_mailbox_reads_nothing_twice_and_misses_nothing() {
    let mut w = world(true, &[]);
    let first = sent(&w.api, "ana@acme.example.com").await;
    let second = sent(&w.api, "bea@acme.example.com").await;
    let third = sent(&w.api, "cy@acme.example.com").await;
    // The administrator links the mailbox from the command line, the password in an environment variable.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args([
            "mailbox",
            "add",
            REP,
            "--imap-url",
            &w.dovecot.url(REP),
            "--password-env",
            "REP_IMAP_PASSWORD",
        ])
        .arg("--data-dir")
        .arg(&w.endpoint.data_dir)
        .env("REP_IMAP_PASSWORD", REP_PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "mailbox add: {}", String::from_utf8_lossy(&out.stderr));
    let key = std::fs::read(w.endpoint.data_dir.join("commandcenter.sqlite3")).unwrap();
    assert!(!key.windows(REP_PASSWORD.len()).any(|s| s == REP_PASSWORD.as_bytes()), "the password is sealed");
    w.endpoint.restart();
    // A fresh client after each restart: the old one's kept connections went with the process.
    let api = &Api::new(&w.endpoint, &w.api.token);
    wait_link(api, "the link made by the command", |l| l["state"] == "watching").await;
    w.dovecot.deliver(REP, &reply(&first, "ana@acme.example.com", 1));
    wait_replied(api, &first).await;

    // The endpoint is down while mail arrives.
    w.endpoint.kill_hard();
    w.dovecot.deliver(REP, &reply(&second, "bea@acme.example.com", 2));
    for n in 0..3 {
        w.dovecot.deliver(REP, &newsletter(n));
    }
    w.endpoint.restart();
    let api = &Api::new(&w.endpoint, &w.api.token);
    wait_replied(api, &second).await;
    let link = wait_link(api, "all five read", |l| l["messages_read"] == 5).await;
    assert_eq!(link["messages_found"], 2);

    // The server renumbers the folder: its recent mail is read again, and nothing counts twice.
    w.dovecot.renumber(REP, 777);
    w.dovecot.deliver(REP, &reply(&third, "cy@acme.example.com", 3));
    wait_replied(api, &third).await;
    let link = wait_link(api, "the renumbered folder read", |l| l["messages_read"] == 5 + 6).await;
    assert_eq!(link["messages_found"], 3);
    for id in [&first, &second, &third] {
        assert_eq!(replied(api, id).await, 1, "email {id}");
    }
    let listed = w.endpoint.command(&["mailbox", "list"]);
    assert!(
        listed.contains(REP) && listed.contains("watching") && !listed.contains(REP_PASSWORD),
        "{listed}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_said_in_words_and_not_tried_again_and_again() {
    let w = world(true, &[]);
    let api = &w.api;
    link(api, &w.dovecot, REP, "not-the-password").await;
    let link = wait_link(api, "the refusal", |l| l["state"] == "wrong_password").await;
    assert!(link["last_error"].as_str().unwrap().contains("refused the user name or password"), "{link}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let attempts = w.dovecot.log().matches("auth failed").count();
    assert_eq!(attempts, 1, "one attempt, then a long wait: {}", w.dovecot.log());

    // The right password is tried at once; the last error stays for the rep to read.
    let id = sent(api, "ana@acme.example.com").await;
    link_password(api, &w.dovecot, REP_PASSWORD).await;
    wait_link(api, "the right password", |l| l["state"] == "watching").await;
    w.dovecot.deliver(REP, &reply(&id, "ana@acme.example.com", 1));
    wait_replied(api, &id).await;
}

async fn link_password(api: &Api, dovecot: &Dovecot, password: &str) {
    link(api, dovecot, REP, password).await;
}

#[tokio::test]
async fn a_server_that_goes_away_mid_session_is_reached_again_and_caught_up() {
    let mut w = world(true, &[]);
    let api = &w.api;
    let id = sent(api, "ana@acme.example.com").await;
    link(api, &w.dovecot, REP, REP_PASSWORD).await;
    wait_link(api, "IDLE", |l| l["state"] == "watching").await;
    w.dovecot.stop();
    wait_link(api, "the lost connection seen", |l| l["state"] == "failing").await;
    w.dovecot.deliver(REP, &reply(&id, "ana@acme.example.com", 1));
    w.dovecot.start_again();
    wait_replied(api, &id).await;
    let link = wait_link(api, "back to watching", |l| l["state"] == "watching").await;
    assert!(!link["last_error"].as_str().unwrap_or("").is_empty(), "the last error is kept: {link}");
}

#[tokio::test]
async fn a_server_without_idle_is_polled() {
    let w = world(false, &["--imap-poll-seconds", "1"]);
    let api = &w.api;
    let id = sent(api, "ana@acme.example.com").await;
    link(api, &w.dovecot, REP, REP_PASSWORD).await;
    wait_link(api, "polling", |l| l["state"] == "polling").await;
    w.dovecot.deliver(REP, &reply(&id, "ana@acme.example.com", 1));
    wait_replied(api, &id).await;
}

#[tokio::test]
async fn linking_refuses_what_it_cannot_use_and_never_returns_the_password() {
    let w = world(true, &[]);
    let api = &w.api;
    assert_eq!(api.get("/mailbox").await.status(), 404);
    for (body, words) in [
        (json!({"address": "imap://rep@mail.example.com", "password": "x"}), "imaps://"),
        (json!({"address": "imaps://rep@mail.example.com", "password": "x"}), "--imap-hosts"),
        (json!({"address": "imaps://rep:secret@127.0.0.1", "password": "x"}), "not in the address"),
        (json!({"address": w.dovecot.url(REP)}), "password is needed"),
        (json!({"address": w.dovecot.url(REP), "password": "a\r\nb"}), "line break"),
    ] {
        let res = api.put("/mailbox", &body).await;
        assert_eq!(res.status(), 400, "{body}");
        let text = res.text().await.unwrap();
        assert!(text.contains(words), "{body}: {text}");
    }
    link(api, &w.dovecot, REP, REP_PASSWORD).await;
    // A new folder without the password keeps the stored one.
    let res = api.put("/mailbox", &json!({"address": w.dovecot.url(REP), "folder": "INBOX"})).await;
    assert_eq!(res.status(), 200);
    wait_link(api, "IDLE", |l| l["state"] == "watching").await;
    let res =
        api.http.delete(format!("{}/api/v1/mailbox", api.base)).bearer_auth(&api.token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(api.get("/mailbox").await.status(), 404);
}
