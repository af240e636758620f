//! What a receiving spam filter makes of the mail the endpoint sends: a typical one-to-one email and one of
//! a bulk send, taken from a real SMTP server as they left the endpoint and scored by SpamAssassin (Debian's,
//! network tests off, as `scripts/setup.sh` installs it), sent by a team with a DKIM key for its domain.
//! Each must score at most 1.0, far below the 5.0 at which SpamAssassin calls mail spam, so a rep's mail is
//! not pushed towards the junk folder by its form.

mod support;

use std::process::Command;

use serde_json::json;
use support::{Api, Endpoint, SmtpServer, draft_json};

/// A rep's email as the app writes it, HTML from the editor and the plain text beside it, of a typical
/// cold email's length (some seventy words, a link).
const HTML: &str = "<html><body><p>Hi Bruno,</p>\
<p>Thanks for the call on Tuesday. Teams like yours cut the time agents spend on repeated questions \
with a shared answer library; the <a href=\"https://acme.example.com/guide\">setup guide</a> shows the \
first week.</p><p>Would Thursday at 10:00 work for a short demo?</p>\
<p>Best regards,<br>Ana Lima</p></body></html>";

const TEXT: &str = "Hi Bruno,\n\nThanks for the call on Tuesday. Teams like yours cut the time agents spend on \
repeated questions with a shared answer library; the setup guide (https://acme.example.com/guide) shows the \
first week.\n\nWould Thursday at 10:00 work for a short demo?\n\nBest regards,\nAna Lima\n";

/// SpamAssassin's score of `raw` and the rules that fired, network tests off.
fn score(dir: &std::path::Path, raw: &str) -> (f64, String) {
    let file = dir.join("scored.eml");
    std::fs::write(&file, raw).unwrap();
    let out = Command::new("spamassassin")
        .args(["-L", "-t", "--cf", "use_auto_whitelist 0"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .expect("spamassassin (scripts/setup.sh installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let status = text
        .lines()
        .skip_while(|l| !l.starts_with("X-Spam-Status:"))
        .take_while(|l| l.starts_with("X-Spam-Status:") || l.starts_with(char::is_whitespace))
        .collect::<Vec<_>>()
        .join(" ");
    let score = status
        .split("score=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no score in SpamAssassin's answer: {text}"));
    (score, status)
}

#[tokio::test]
async fn a_typical_email_and_a_bulk_email_score_low_with_spamassassin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // As a team that followed the README's DNS section sends: with a DKIM key for its domain.
    let keygen = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["dkim", "keygen", "seller.example.com", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", String::from_utf8_lossy(&keygen.stderr));
    let smtp = SmtpServer::start(dir.path());
    let endpoint = Endpoint::start(&data, Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    endpoint.command(&["user", "name", "rep@seller.example.com", "Ana Lima"]);

    let id = uuid::Uuid::now_v7().to_string();
    let mut single =
        draft_json(&id, "bruno@acme.example.com", "Cutting repeated questions for your support team");
    single["html_body"] = json!(HTML);
    single["text_body"] = json!(TEXT);
    assert_eq!(api.put(&format!("/emails/{id}"), &single).await.status(), 200);
    assert_eq!(api.post(&format!("/emails/{id}/send"), None).await.status(), 200);
    api.wait_status(&id, "delivered").await;

    let id = uuid::Uuid::now_v7().to_string();
    let mut bulk =
        draft_json(&id, "carla@acme.example.com", "Cutting repeated questions for your support team");
    bulk["html_body"] = json!(HTML.replace("Bruno", "Carla"));
    bulk["text_body"] = json!(TEXT.replace("Bruno", "Carla"));
    bulk["kind"] = json!("bulk");
    bulk["status"] = json!("scheduled");
    bulk["schedule"] = json!({"at": chrono::Utc::now().to_rfc3339(), "time_zone": "UTC"});
    let res = api.put(&format!("/emails/{id}"), &bulk).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    api.wait_status(&id, "delivered").await;

    for (raw, _) in smtp.wait_for(2) {
        let (score, status) = score(dir.path(), &raw);
        println!("{status}");
        assert!(score <= 1.0, "SpamAssassin scores the email {score}: {status}\n{raw}");
    }
}
