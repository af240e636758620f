//! DKIM as a receiver checks it: keys made by `endpoint dkim keygen` (RSA 2048 and Ed25519), a message sent
//! through the real endpoint into a real SMTP server, and every signature verified by an independent
//! verifier (Python's dkimpy) against the DNS records the command printed.

mod support;

use std::process::Command;

use serde_json::Value;
use support::{Api, Endpoint, SmtpServer};

fn keygen(data_dir: &std::path::Path, selector: &str, algorithm: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["dkim", "keygen", "seller.example.com", "--selector", selector, "--algorithm", algorithm])
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "keygen: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn verify(dir: &std::path::Path, raw: &str, records: &str) -> Vec<Value> {
    let message = dir.join("message.eml");
    let dns = dir.join("records.txt");
    std::fs::write(&message, raw).unwrap();
    std::fs::write(&dns, records).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/dkim_verify.py");
    let out = Command::new("python3").arg(script).arg(&message).arg(&dns).output().unwrap();
    assert!(
        out.status.success(),
        "dkimpy (scripts/setup.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

#[tokio::test]
async fn mail_from_a_domain_with_keys_carries_signatures_an_independent_verifier_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let rsa = keygen(&data, "cc", "rsa");
    let ed = keygen(&data, "cc2", "ed25519");
    assert!(rsa.starts_with("cc._domainkey.seller.example.com. IN TXT \"v=DKIM1; k=rsa; p="), "{rsa}");
    assert!(ed.starts_with("cc2._domainkey.seller.example.com. IN TXT \"v=DKIM1; k=ed25519; p="), "{ed}");
    let again = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["dkim", "keygen", "seller.example.com", "--selector", "cc", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!again.status.success(), "an existing key is never overwritten");

    let smtp = SmtpServer::start(dir.path());
    let endpoint = Endpoint::start(&data, Some(&smtp), &[]);
    let api = Api::new(&endpoint, &endpoint.add_user("rep@seller.example.com"));
    endpoint.command(&["user", "name", "rep@seller.example.com", "Ana Lima"]);
    let id = api.send("ana@acme.example.com", "Signed").await;
    api.wait_status(&id, "delivered").await;
    let (raw, _) = smtp.wait_for(1).remove(0);
    let from = raw.lines().find(|l| l.starts_with("From: ")).unwrap();
    assert!(
        from.contains("Ana Lima") && from.ends_with("<rep@seller.example.com>"),
        "the rep's name in From: {from}"
    );

    let records = format!("{rsa}{ed}");
    let results = verify(dir.path(), &raw, &records);
    assert_eq!(results.len(), 2, "{results:?}");
    for result in &results {
        assert_eq!(result["valid"], true, "{result}");
        let headers = result["headers"].as_str().unwrap().to_ascii_lowercase();
        for signed in
            ["from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"]
        {
            assert!(headers.split(':').any(|h| h == signed), "{signed} is signed: {headers}");
        }
    }
    let algorithms: Vec<&str> = results.iter().map(|r| r["algorithm"].as_str().unwrap()).collect();
    assert!(algorithms.contains(&"rsa-sha256") && algorithms.contains(&"ed25519-sha256"), "{algorithms:?}");

    // The verifier is real: a changed body or a record that is not the key fails.
    let changed = raw.replacen("Hi Ana", "Hi Bob", 1);
    assert_ne!(changed, raw);
    assert!(verify(dir.path(), &changed, &records).iter().all(|r| r["valid"] == false));
    let other = keygen(&dir.path().join("other"), "cc", "rsa");
    let forged = verify(dir.path(), &raw, &format!("{other}{ed}"));
    let rsa_result = forged.iter().find(|r| r["algorithm"] == "rsa-sha256").unwrap();
    assert_eq!(rsa_result["valid"], false, "a key that is not the one published fails");

    let listed = endpoint.command(&["dkim", "list"]);
    assert_eq!(listed.trim(), "seller.example.com");
}
