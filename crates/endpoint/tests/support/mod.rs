//! Test harness: the real endpoint binary on a free loopback port over a fresh data folder, a real SMTP
//! server (aiosmtpd) that writes what it receives to a folder, and a small API client.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub mod dovecot;

use serde_json::{Value, json};

/// A free loopback port (bound and released; the race with another process is acceptable in tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// aiosmtpd on loopback, writing every accepted message to `out`.
pub struct SmtpServer {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    pub out: PathBuf,
}

impl SmtpServer {
    pub fn start(dir: &Path) -> SmtpServer {
        SmtpServer::start_with(dir, &[])
    }

    pub fn start_with(dir: &Path, args: &[&str]) -> SmtpServer {
        let out = dir.join("received");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("READY ").expect("SMTP server ready line").parse().unwrap();
        SmtpServer { child, _stdin: stdin, port, out }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far: (raw message, envelope JSON), oldest first.
    pub fn received(&self) -> Vec<(String, Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.out)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|x| x == "eml"));
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let raw = std::fs::read_to_string(&p).unwrap();
                let envelope = std::fs::read_to_string(p.with_extension("json")).unwrap();
                (raw, serde_json::from_str(&envelope).unwrap())
            })
            .collect()
    }

    pub fn wait_for(&self, count: usize) -> Vec<(String, Value)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The endpoint binary, serving on a free port.
pub struct Endpoint {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    pub port: u16,
    args: Vec<String>,
    /// Open-file limits (soft, hard) the process starts with, when a test sets them.
    nofile: Option<(u64, u64)>,
}

pub const INBOUND_SECRET: &str = "inbound-test-secret";

impl Endpoint {
    pub fn start(data_dir: &Path, smtp: Option<&SmtpServer>, extra: &[&str]) -> Endpoint {
        Endpoint::start_limited(data_dir, smtp, extra, None)
    }

    /// Starts the endpoint with the open-file limits `nofile` (soft, hard), as a shell's `ulimit -n` sets
    /// them.
    pub fn start_limited(
        data_dir: &Path,
        smtp: Option<&SmtpServer>,
        extra: &[&str],
        nofile: Option<(u64, u64)>,
    ) -> Endpoint {
        let port = free_port();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--app-dir".into(),
            data_dir.join("no-app").display().to_string(),
            "--inbound-secret".into(),
            INBOUND_SECRET.into(),
            "--send-backoff-ms".into(),
            "100".into(),
        ];
        if let Some(smtp) = smtp {
            args.push("--smtp-url".into());
            args.push(smtp.url());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut endpoint = Endpoint {
            child: spawn(&args, nofile),
            base: format!("http://127.0.0.1:{port}"),
            data_dir: data_dir.into(),
            port,
            args,
            nofile,
        };
        endpoint.wait_healthy();
        endpoint
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the endpoint exited early: {status}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        panic!("the endpoint did not start");
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the same endpoint again over the same data folder and port.
    pub fn restart(&mut self) {
        self.kill_hard();
        self.child = spawn(&self.args, self.nofile);
        self.wait_healthy();
    }

    /// Asks the process to stop (SIGTERM), as a deploy does, and waits up to `limit` for it to exit.
    /// Returns whether it exited cleanly, and how long it took.
    pub fn terminate(&mut self, limit: Duration) -> (bool, Duration) {
        let asked = Instant::now();
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -TERM");
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return (exit.success(), asked.elapsed());
            }
            if asked.elapsed() > limit {
                self.kill_hard();
                return (false, asked.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `endpoint ARGS --data-dir DIR` and returns its standard output.
    pub fn command(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// `endpoint user add EMAIL`: the token it prints.
    pub fn add_user(&self, email: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .args(["user", "add", email, "--data-dir"])
            .arg(&self.data_dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "user add: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

fn spawn(args: &[String], nofile: Option<(u64, u64)>) -> Child {
    let mut command = match nofile {
        // The shell sets the limits, then becomes the endpoint (same process, so the same pid).
        Some((soft, hard)) => {
            let mut shell = Command::new("bash");
            shell
                .arg("-c")
                .arg(format!("ulimit -Sn {soft} && ulimit -Hn {hard} && exec \"$0\" \"$@\""))
                .arg(env!("CARGO_BIN_EXE_endpoint"));
            shell
        }
        None => Command::new(env!("CARGO_BIN_EXE_endpoint")),
    };
    command.args(args).env("CC_LOG", "warn").stdout(Stdio::null()).spawn().unwrap()
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

/// An API client for one user.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(endpoint: &Endpoint, token: &str) -> Api {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Api { http, base: endpoint.base.clone(), token: token.to_string() }
    }

    pub async fn put(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .put(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> reqwest::Response {
        let mut req = self.http.post(format!("{}/api/v1{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}/api/v1{path}", self.base)).bearer_auth(&self.token).send().await.unwrap()
    }

    pub async fn email(&self, id: &str) -> Value {
        let res = self.get(&format!("/emails/{id}")).await;
        assert_eq!(res.status(), 200, "GET email {id}");
        res.json().await.unwrap()
    }

    /// Waits until the email's status is `status` and returns it.
    pub async fn wait_status(&self, id: &str, status: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let email = self.email(id).await;
            if email["status"] == status || Instant::now() > deadline {
                assert_eq!(email["status"], status, "email {id}: {email}");
                return email;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates a draft to `to` and returns its id.
    pub async fn draft(&self, to: &str, subject: &str) -> String {
        let id = uuid::Uuid::now_v7().to_string();
        let res = self.put(&format!("/emails/{id}"), &draft_json(&id, to, subject)).await;
        assert_eq!(res.status(), 200, "PUT draft: {}", res.text().await.unwrap());
        id
    }

    /// Puts `count` bulk emails scheduled `at`, to `p<n>@acme.example.com`, through the app's sync push, and
    /// returns their ids.
    pub async fn queue_bulk(&self, count: usize, at: chrono::DateTime<chrono::Utc>) -> Vec<String> {
        let at = at.to_rfc3339();
        let mut ids = Vec::new();
        let mut mutations = Vec::new();
        for n in 0..count {
            let id = uuid::Uuid::now_v7().to_string();
            let mut email = draft_json(&id, &format!("p{n}@acme.example.com"), "Q4 campaign");
            email["status"] = json!("scheduled");
            email["kind"] = json!("bulk");
            email["schedule"] = json!({"at": at, "time_zone": "UTC"});
            let key = uuid::Uuid::now_v7().to_string();
            mutations.push(json!({"key": key, "made_at": at, "op": {"op": "put_email", "email": email}}));
            ids.push(id);
        }
        for chunk in mutations.chunks(250) {
            let res = self.post("/sync", Some(&json!({"version": 1, "mutations": chunk}))).await;
            assert_eq!(res.status(), 200);
        }
        ids
    }

    /// Creates a draft and sends it now.
    pub async fn send(&self, to: &str, subject: &str) -> String {
        let id = self.draft(to, subject).await;
        let res = self.post(&format!("/emails/{id}/send"), None).await;
        assert_eq!(res.status(), 200, "send: {}", res.text().await.unwrap());
        id
    }
}

/// Posts a raw message to the mail server's hook, as the mail server does, and returns the answer.
pub async fn post_inbound(api: &Api, raw: &str) -> Value {
    let res = api
        .http
        .post(format!("{}/api/v1/inbound", api.base))
        .bearer_auth(INBOUND_SECRET)
        .header("content-type", "message/rfc822")
        .body(raw.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "inbound");
    res.json().await.unwrap()
}

/// Every change in the user's feed, oldest first.
pub async fn changes(api: &Api) -> Vec<Value> {
    let (mut all, mut since) = (Vec::new(), "0".to_string());
    loop {
        let page: Value = api.get(&format!("/changes?since={since}&limit=1000")).await.json().await.unwrap();
        all.extend(page["changes"].as_array().unwrap().iter().cloned());
        since = page["next"].to_string();
        if page["has_more"] != true {
            return all;
        }
    }
}

pub fn draft_json(id: &str, to: &str, subject: &str) -> Value {
    json!({
        "id": id,
        "owner": 0,
        "sender": "rep@seller.example.com",
        "recipient": to,
        "subject": subject,
        "html_body": "<html><body><p>Hi Ana, see <a href=\"https://acme.example.com/pricing\">our pricing</a> and <a href=\"https://acme.example.com/docs\">docs</a>.</p></body></html>",
        "text_body": "Hi Ana, see our pricing: https://acme.example.com/pricing",
        "kind": "single",
        "created_at": "2026-11-23T09:00:00Z",
        "updated_at": "2026-11-23T09:00:00Z",
        "status": "draft"
    })
}

/// The first URL in `raw` that starts with `prefix` (quoted-printable soft breaks undone).
pub fn find_url(raw: &str, prefix: &str) -> Option<String> {
    let unfolded = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = unfolded.find(prefix)?;
    let rest = &unfolded[start..];
    let end = rest.find(|c: char| c == '"' || c == '>' || c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// A header's value in a raw message.
pub fn header(raw: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    raw.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        if l.to_ascii_lowercase().starts_with(&prefix) {
            Some(l[prefix.len()..].trim().to_string())
        } else {
            None
        }
    })
}

pub fn write_stdin(stdin: &mut ChildStdin, text: &str) {
    stdin.write_all(text.as_bytes()).unwrap();
}
