//! A real IMAP server for the tests: Dovecot (Debian's `dovecot-imapd`) on a free loopback port, with its
//! own configuration, users and Maildir folders in a temporary folder, run as an unprivileged process
//! (`nobody` when the tests run as root) by `dovecot.sh`, which the browser tests use too. Messages are delivered by writing them into the Maildir, as a
//! local delivery agent does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

const DOVECOT: &str = "/usr/sbin/dovecot";

pub struct Dovecot {
    child: Option<Child>,
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub port: u16,
    owner: Option<(u32, u32)>,
    /// The arguments of `dovecot.sh`.
    args: Vec<String>,
}

impl Dovecot {
    /// Dovecot with `users` (name, password); `idle`: whether it offers IDLE.
    pub fn start(users: &[(&str, &str)], idle: bool) -> Dovecot {
        assert!(Path::new(DOVECOT).exists(), "Dovecot is not installed (scripts/setup.sh installs it)");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let owner = running_as_root().then_some((65534, 65534));
        let mut args = vec![root.display().to_string(), free_port().to_string()];
        args.push(if idle { "idle" } else { "no-idle" }.into());
        args.extend(users.iter().map(|(u, p)| format!("{u}:{p}")));
        let port = args[1].parse().unwrap();
        let mut dovecot = Dovecot { child: None, _dir: dir, root, port, owner, args };
        dovecot.start_again();
        dovecot
    }

    /// `imap://NAME@127.0.0.1:PORT`.
    pub fn url(&self, user: &str) -> String {
        format!("imap://{}@127.0.0.1:{}", user.replace('@', "%40"), self.port)
    }

    /// Starts the server (again, after [`Dovecot::stop`]) and waits for it to listen.
    pub fn start_again(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/dovecot.sh");
        let child = Command::new("bash")
            .arg(script)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "Dovecot did not start: {}", self.log());
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Stops the server, closing every session.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.wait();
        }
    }

    /// Puts a message into `user`'s INBOX, as a delivery agent does (written in `tmp/`, moved to `new/`).
    pub fn deliver(&self, user: &str, raw: &str) {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let maildir = self.root.join("home").join(user).join("Maildir");
        let name = format!("{}.M{n}P{}.test", chrono::Utc::now().timestamp(), std::process::id());
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw.replace("\r\n", "\n")).unwrap();
        self.give_away(&tmp);
        std::fs::rename(&tmp, maildir.join("new").join(&name)).unwrap();
    }

    /// Gives `user`'s INBOX a new UIDVALIDITY, as a server does after its index is rebuilt.
    pub fn renumber(&self, user: &str, uid_validity: u32) {
        let out = self
            .as_owner("/usr/bin/doveadm")
            .arg("-c")
            .arg(self.root.join("dovecot.conf"))
            .args(["mailbox", "update", "-u", user, "--uid-validity", &uid_validity.to_string(), "INBOX"])
            .output()
            .unwrap();
        assert!(out.status.success(), "doveadm mailbox update: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `doveadm fetch FIELDS` of every message in `user`'s INBOX.
    pub fn fetch(&self, user: &str, fields: &str) -> String {
        let out = self
            .as_owner("/usr/bin/doveadm")
            .arg("-c")
            .arg(self.root.join("dovecot.conf"))
            .args(["fetch", "-u", user, fields, "mailbox", "INBOX"])
            .output()
            .unwrap();
        assert!(out.status.success(), "doveadm fetch: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The server's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("dovecot.log")).unwrap_or_default()
    }

    fn as_owner(&self, program: &str) -> Command {
        match self.owner {
            Some((uid, gid)) => {
                let mut command = Command::new("setpriv");
                command
                    .args([format!("--reuid={uid}"), format!("--regid={gid}"), "--clear-groups".into()])
                    .arg(program);
                command
            }
            None => Command::new(program),
        }
    }

    fn give_away(&self, path: &Path) {
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
