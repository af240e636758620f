//! The endpoint under stops, hostile mail and slow or stale clients, as an operator and an attacker meet it:
//! a deploy in the middle of a campaign, a crash, a bounce report that lists thousands of addresses or
//! someone else's, a link with `&amp;`, a flood of half-sent requests, a revoked token's open stream, and the
//! loose edges of the HTTP surface.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::{Api, Endpoint, SmtpServer, draft_json, find_url};
use super::{post_inbound, setup};

/// Every email's status and reason, once none is Scheduled or In progress any more, by recipient.
async fn settled(api: &Api, limit: Duration) -> HashMap<String, (String, String)> {
    let deadline = Instant::now() + limit;
    loop {
        let mut emails = HashMap::new();
        for change in super::changes(api).await {
            let email = &change["record"]["email"];
            if let Some(status) = email["status"].as_str() {
                let reason = email["status_reason"].as_str().unwrap_or_default().to_string();
                emails.insert(email["recipient"].as_str().unwrap().to_string(), (status.to_string(), reason));
            }
        }
        let waiting = emails.values().filter(|(s, _)| s == "scheduled" || s == "in_progress").count();
        if waiting == 0 {
            return emails;
        }
        assert!(Instant::now() < deadline, "{waiting} emails still waiting to be sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The recipients of the messages the SMTP server got, checked to be each received once.
fn received_once(smtp: &SmtpServer) -> Vec<String> {
    let mut recipients: Vec<String> =
        smtp.received().iter().map(|(_, env)| env["rcpt_tos"][0].as_str().unwrap().to_string()).collect();
    let total = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), total, "no message was received twice");
    recipients
}

async fn wait_received(smtp: &SmtpServer, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while smtp.received().len() < count {
        assert!(Instant::now() < deadline, "sending did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn count(emails: &HashMap<String, (String, String)>, status: &str) -> usize {
    emails.values().filter(|(s, _)| s == status).count()
}

#[tokio::test]
async fn a_stop_in_the_middle_of_a_campaign_fails_nothing_and_the_rest_goes_out_once_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    // The default rate: 20 messages a second.
    let mut endpoint = Endpoint::start(&dir.path().join("data"), Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    api.queue_bulk(300, chrono::Utc::now()).await;
    // An app is connected: its open change stream must not hold the stop up.
    let mut stream = api.get("/changes/stream").await;
    assert!(stream.chunk().await.unwrap().is_some());
    wait_received(&smtp, 60).await;

    let (clean, took) = endpoint.terminate(Duration::from_secs(30));
    assert!(clean, "SIGTERM ends the process cleanly");
    assert!(took < Duration::from_secs(10), "the stop waited only for the message in flight: {took:?}");
    let at_stop = smtp.received().len();
    eprintln!("SIGTERM with {at_stop} of 300 sent: the process exited in {took:?}");
    assert!(at_stop < 280, "stopped in the middle ({at_stop} sent)");

    endpoint.restart();
    let api = Api::new(&endpoint, &api.token);
    let emails = settled(&api, Duration::from_secs(60)).await;
    assert_eq!(
        count(&emails, "failed"),
        0,
        "no email failed: {:?}",
        emails.values().find(|(s, _)| s == "failed")
    );
    assert_eq!(count(&emails, "delivered"), 300);
    assert_eq!(received_once(&smtp).len(), 300, "each was sent once");
}

#[tokio::test]
async fn after_a_crash_only_the_email_being_handed_over_is_failed_and_every_other_goes_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    let mut endpoint = Endpoint::start(&dir.path().join("data"), Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    api.queue_bulk(300, chrono::Utc::now()).await;
    wait_received(&smtp, 60).await;
    endpoint.kill_hard();
    let at_kill = smtp.received().len();
    assert!(at_kill < 280, "killed in the middle ({at_kill} sent)");

    endpoint.restart();
    let api = Api::new(&endpoint, &api.token);
    let emails = settled(&api, Duration::from_secs(60)).await;
    let failed: Vec<(&String, &String)> =
        emails.iter().filter(|(_, (s, _))| s == "failed").map(|(to, (_, why))| (to, why)).collect();
    assert!(failed.iter().all(|(_, why)| *why == "interrupted"), "{failed:?}");
    let received = received_once(&smtp);
    // At 20 a second one message at a time is being handed over: only it may have failed without having
    // reached the relay (one that did, whose answer was not yet written, is failed too, never sent again).
    let never_left = failed.iter().filter(|(to, _)| !received.contains(to)).count();
    assert!(never_left <= 1, "{never_left} emails failed that had not been handed to the relay");
    assert!(failed.len() <= 2, "{failed:?}");
    let delivered = count(&emails, "delivered");
    assert_eq!(delivered + failed.len(), 300, "every email reached an end");
    assert!(received.len() >= delivered, "{} received, {delivered} delivered", received.len());
}

#[tokio::test]
async fn an_email_waiting_its_turn_in_a_campaign_can_still_be_deleted_and_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    let endpoint = Endpoint::start(&dir.path().join("data"), Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    let ids = api.queue_bulk(100, chrono::Utc::now()).await;
    wait_received(&smtp, 20).await;
    // Due for seconds already, but not its turn yet at 20 a second: still the rep's to change.
    let res = api
        .http
        .delete(format!("{}/api/v1/emails/{}", api.base, ids[90]))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let emails = settled(&api, Duration::from_secs(30)).await;
    assert_eq!(count(&emails, "delivered"), 99);
    let received = received_once(&smtp);
    assert_eq!(received.len(), 99);
    assert!(!received.contains(&"p90@acme.example.com".to_string()), "the deleted email was not sent");
}

/// A delivery status notification tied to `id` by its VERP address, about `addresses` (each refused with
/// 5.1.1), in this order.
fn report_about(id: &str, addresses: &[String]) -> String {
    let mut blocks = String::new();
    for address in addresses {
        blocks.push_str(&format!(
            "Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
             Diagnostic-Code: smtp; 550 5.1.1 <{address}>: Recipient address rejected: User unknown\r\n\r\n"
        ));
    }
    format!(
        "From: MAILER-DAEMON@mx.acme.example.com (Mail Delivery System)\r\n\
To: bounce+{id}@seller.example.com\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
Message-ID: <report-{n}@mx.acme.example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
Your message could not be delivered to one or more recipients.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.acme.example.com\r\n\
\r\n\
{blocks}--B--\r\n",
        n = uuid::Uuid::now_v7()
    )
}

async fn events_of(api: &Api, id: &str) -> Vec<Value> {
    super::changes(api)
        .await
        .into_iter()
        .filter(|c| c["record"]["type"] == "event" && c["record"]["event"]["email"] == id)
        .map(|c| c["record"]["event"].clone())
        .collect()
}

#[tokio::test]
async fn a_report_listing_thousands_of_addresses_reads_only_the_emails_own_and_holds_no_one_up() {
    let (_dir, _smtp, endpoint, api) = setup();
    let other = Api::new(&endpoint, &endpoint.add_user("other@seller.example.com"));
    let id = api.send("bob@acme.example.com", "Pricing").await;
    api.wait_status(&id, "delivered").await;
    let mut addresses: Vec<String> = (0..4000).map(|n| format!("victim{n}@other.example.net")).collect();
    addresses.push("bob@acme.example.com".into());
    let raw = report_about(&id, &addresses);
    assert!(raw.len() > 450_000, "a report of {} KB", raw.len() / 1000);

    // Another user writes all the while; each write is timed.
    let writing = tokio::spawn(async move {
        let mut slowest = Duration::ZERO;
        let deadline = Instant::now() + Duration::from_secs(4);
        while Instant::now() < deadline {
            let draft = uuid::Uuid::now_v7().to_string();
            let mut body = draft_json(&draft, "zoe@client.example.org", "Meanwhile");
            body["sender"] = json!("other@seller.example.com");
            let started = Instant::now();
            let res = other.put(&format!("/emails/{draft}"), &body).await;
            slowest = slowest.max(started.elapsed());
            assert_eq!(res.status(), 200);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        slowest
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let answer = post_inbound(&api, &raw).await;
    let took = started.elapsed();
    let slowest = writing.await.unwrap();
    assert!(took < Duration::from_secs(3), "the report took {took:?}");
    assert!(slowest <= Duration::from_millis(100), "another user's write waited {slowest:?}");

    assert_eq!(answer["email"], id.as_str());
    let email = api.email(&id).await;
    assert_eq!(email["status"], "bounced", "bob's own refusal counts");
    let events = events_of(&api, &id).await;
    let bounces: Vec<&Value> = events.iter().filter(|e| e["kind"]["type"] == "bounced").collect();
    assert_eq!(bounces.len(), 1, "one bounce, bob's; no event for an address the email never went to");
    assert_eq!(bounces[0]["recipient"], "bob@acme.example.com");
}

#[tokio::test]
async fn a_report_about_someone_else_changes_nothing() {
    let (_dir, _smtp, _endpoint, api) = setup();
    let id = api.send("bob@acme.example.com", "Pricing").await;
    api.wait_status(&id, "delivered").await;
    let answer = post_inbound(&api, &report_about(&id, &["victim@other.example.net".to_string()])).await;
    assert_eq!(answer["kind"], "bounce");
    assert_eq!(answer["email"], Value::Null, "kept, tied to no email");
    assert_eq!(api.email(&id).await["status"], "delivered");
    assert!(events_of(&api, &id).await.is_empty());
    // The named address is not suppressed for this rep either.
    let again = api.send("victim@other.example.net", "Hello").await;
    api.wait_status(&again, "delivered").await;
}

#[tokio::test]
async fn a_tracked_link_with_several_parameters_redirects_exactly_where_it_pointed() {
    let (_dir, smtp, _endpoint, api) = setup();
    let id = uuid::Uuid::now_v7().to_string();
    let mut email = draft_json(&id, "ana@acme.example.com", "Links");
    // As the editor stores a typed link: `&` written `&amp;` in the attribute.
    email["html_body"] = json!(
        "<html><body><p><a href=\"https://acme.example/p?utm_source=a&amp;utm_medium=b&amp;x=1&#38;y=2\">pricing</a></p></body></html>"
    );
    assert_eq!(api.put(&format!("/emails/{id}"), &email).await.status(), 200);
    assert_eq!(api.post(&format!("/emails/{id}/send"), None).await.status(), 200);
    let received = smtp.wait_for(1);
    let link = find_url(&received[0].0, &format!("{}/t/c/", api.base)).expect("a tracked link");
    let res = api.http.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "https://acme.example/p?utm_source=a&utm_medium=b&x=1&y=2");
}

/// `/proc/<pid>/limits`' open-file line: (soft, hard).
fn open_file_limits(pid: u32) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let numbers: Vec<u64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    (numbers[0], numbers[1])
}

/// Opens `count` connections that each send part of a request header and nothing more.
fn half_open(port: u16, count: usize) -> Vec<TcpStream> {
    (0..count)
        .filter_map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").ok()?;
            Some(stream)
        })
        .collect()
}

async fn healthz_answers(endpoint: &Endpoint) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap();
    for _ in 0..5 {
        let res = client.get(format!("{}/healthz", endpoint.base)).send().await.expect("/healthz answers");
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn half_sent_requests_never_starve_the_server_and_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    // A hard limit of 1024 open files, which the server cannot raise.
    let endpoint = Endpoint::start_limited(
        &dir.path().join("data"),
        None,
        &["--header-timeout-seconds", "3"],
        Some((1024, 1024)),
    );
    let flood = half_open(endpoint.port, 1500);
    assert!(flood.len() > 1200, "the flood is on ({} connections)", flood.len());
    healthz_answers(&endpoint).await;

    // Once the header timeout has passed, the half-sent requests are closed.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut closed = 0;
    for mut stream in flood {
        stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => closed += 1,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
                Err(_) => {}
            }
            break;
        }
    }
    assert!(closed > 1200, "{closed} of the half-sent requests were closed");
    healthz_answers(&endpoint).await;
}

#[tokio::test]
async fn the_server_raises_its_own_open_file_limit_and_answers_through_a_flood() {
    let dir = tempfile::tempdir().unwrap();
    let (_, hard) = open_file_limits(std::process::id());
    let endpoint = Endpoint::start_limited(&dir.path().join("data"), None, &[], Some((1024, hard)));
    let (soft, _) = open_file_limits(endpoint.child.id());
    assert_eq!(soft, hard, "the soft limit was raised to the hard one");
    let _flood = half_open(endpoint.port, 1500);
    healthz_answers(&endpoint).await;
}

/// Reads the stream until it ends; panics if it does not within `limit`.
async fn ends_within(stream: &mut reqwest::Response, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) | Ok(Err(_)) => return,
            Err(_) => panic!("the stream is still open after {limit:?}"),
        }
    }
}

#[tokio::test]
async fn revoking_or_renewing_a_token_ends_its_open_change_streams_within_a_second() {
    let (_dir, _smtp, endpoint, api) = setup();
    let mut stream = api.get("/changes/stream").await;
    assert_eq!(stream.status(), 200);
    assert!(stream.chunk().await.unwrap().is_some(), "the first event");
    endpoint.command(&["user", "revoke", "rep@seller.example.com"]);
    ends_within(&mut stream, Duration::from_millis(1200)).await;
    assert_eq!(api.get("/changes").await.status(), 401);

    let token = endpoint.command(&["user", "token", "rep@seller.example.com"]).trim().to_string();
    let renewed = Api::new(&endpoint, &token);
    let mut stream = renewed.get("/changes/stream").await;
    assert_eq!(stream.status(), 200);
    assert!(stream.chunk().await.unwrap().is_some());
    // Another user's change of token leaves this stream alone.
    endpoint.add_user("other@seller.example.com");
    endpoint.command(&["user", "revoke", "other@seller.example.com"]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    renewed.draft("ana@acme.example.com", "Still listening").await;
    let next = tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&next.unwrap()).contains("event: change"));
    endpoint.command(&["user", "token", "rep@seller.example.com"]);
    ends_within(&mut stream, Duration::from_millis(1200)).await;
}

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(kind.starts_with("application/json"), "a JSON error body, not {kind}");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn every_error_of_the_api_is_its_json_body_and_cursors_are_each_users_own() {
    let (_dir, _smtp, endpoint, api) = setup();
    for since in ["9223372036854775808", "18446744073709551616", "-1", "abc"] {
        let (status, body) = error_of(api.get(&format!("/changes?since={since}")).await).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (400, Some("invalid_input"), Some("since")),
            "{since}: {body}"
        );
    }
    for query in ["limit=-1", "limit=abc", "limit=99999999999"] {
        let (status, body) = error_of(api.get(&format!("/changes?{query}")).await).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_input")), "{query}: {body}");
        assert!(body["message"].as_str().unwrap().contains("limit"), "{body}");
    }
    let (status, body) = error_of(api.get("/emails/not-a-uuid").await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_input")), "{body}");
    let (status, _) = error_of(
        api.http
            .patch(format!("{}/api/v1/emails/{}", api.base, uuid::Uuid::now_v7()))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 405);

    // One user's activity is not readable from another's change numbers.
    for n in 0..5 {
        api.draft(&format!("p{n}@acme.example.com"), "Busy").await;
    }
    let other = Api::new(&endpoint, &endpoint.add_user("other@seller.example.com"));
    let mut body = draft_json(&uuid::Uuid::now_v7().to_string(), "zoe@client.example.org", "First");
    body["sender"] = json!("other@seller.example.com");
    let answer: Value =
        other.put(&format!("/emails/{}", body["id"].as_str().unwrap()), &body).await.json().await.unwrap();
    assert_eq!(answer["seq"], 1, "the other user's first change is their number 1");
    let page: Value = other.get("/changes?since=0").await.json().await.unwrap();
    assert_eq!(page["next"], 1);
    let page: Value = api.get("/changes?since=0").await.json().await.unwrap();
    assert_eq!(page["next"], 5);
}

fn header_of<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} on {}", res.url()))
}

#[tokio::test]
async fn each_kind_of_route_says_what_the_browser_may_do_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(dir.path());
    // The harness serves the app from `<data>/no-app`.
    let app = dir.path().join("data/no-app");
    std::fs::create_dir_all(&app).unwrap();
    let inline = "ccReadFirstPage(\"command-center\", location.pathname, location.search);";
    std::fs::write(
        app.join("index.html"),
        format!("<!doctype html><html><head><script>{inline}</script><script src=\"/purify.min.js\"></script></head><body></body></html>"),
    )
    .unwrap();
    let endpoint = Endpoint::start(
        &dir.path().join("data"),
        Some(&smtp),
        &["--allowed-origins", "https://crm.example.com"],
    );
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));

    let page = api.http.get(format!("{}/emails/sent/delivered", api.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = header_of(&page, "content-security-policy");
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline.as_bytes()));
    let scripts = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
    assert!(scripts.contains(&format!("'sha256-{hash}'")), "{policy}");
    assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains("'unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors https://crm.example.com"), "{policy}");
    assert!(policy.contains("object-src 'none'"));
    assert_eq!(header_of(&page, "x-content-type-options"), "nosniff");
    assert!(!header_of(&page, "referrer-policy").is_empty());

    let me = api.get("/me").await;
    assert_eq!(header_of(&me, "cache-control"), "no-store");
    assert_eq!(header_of(&me, "x-content-type-options"), "nosniff");
    let missing = api.get("/no-such-route").await;
    assert_eq!(header_of(&missing, "cache-control"), "no-store");

    let id = api.send("ana@acme.example.com", "Tracked").await;
    let raw = smtp.wait_for(1)[0].0.clone();
    api.wait_status(&id, "delivered").await;
    for prefix in ["/t/o/", "/t/c/", "/u/"] {
        let url = find_url(&raw, &format!("{}{prefix}", api.base)).expect(prefix);
        let res = api.http.get(&url).send().await.unwrap();
        assert!(res.status().is_success() || res.status().is_redirection(), "{prefix}: {}", res.status());
        assert!(header_of(&res, "content-security-policy").starts_with("default-src 'none'"), "{prefix}");
        assert!(header_of(&res, "content-security-policy").contains("frame-ancestors 'none'"), "{prefix}");
        assert_eq!(header_of(&res, "x-content-type-options"), "nosniff", "{prefix}");
        assert_eq!(header_of(&res, "referrer-policy"), "no-referrer", "{prefix}");
        assert_eq!(header_of(&res, "cache-control"), "no-store", "{prefix}");
    }
    let health = api.http.get(format!("{}/healthz", api.base)).send().await.unwrap();
    assert_eq!(header_of(&health, "x-content-type-options"), "nosniff");
}
