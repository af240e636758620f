//! A real IMAP server for the tests: Dovecot (Debian's `dovecot-imapd`) on a free loopback port, with its
//! own configuration, users and Maildir folders in a temporary folder, run as an unprivileged process
//! (`nobody` when the tests run as root). Messages are delivered by writing them into the Maildir, as a
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
}

impl Dovecot {
    /// Dovecot with `users` (name, password); `idle`: whether it offers IDLE.
    pub fn start(users: &[(&str, &str)], idle: bool) -> Dovecot {
        assert!(Path::new(DOVECOT).exists(), "Dovecot is not installed (scripts/setup.sh installs it)");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let owner = running_as_root().then_some((65534, 65534));
        let (user, group) = match owner {
            Some(_) => ("nobody".to_string(), "nogroup".to_string()),
            None => (whoami("-un"), whoami("-gn")),
        };
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let passwords: String = users.iter().map(|(u, p)| format!("{u}:{{PLAIN}}{p}\n")).collect();
        std::fs::write(root.join("users"), passwords).unwrap();
        let port = free_port();
        let capability = if idle {
            String::new()
        } else {
            "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE\n".into()
        };
        let r = root.display();
        let config = format!(
            "base_dir = {r}/run\nstate_dir = {r}/state\nlog_path = {r}/dovecot.log\nprotocols = imap\n\
listen = 127.0.0.1\ndefault_login_user = {user}\ndefault_internal_user = {user}\n\
default_internal_group = {group}\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
first_valid_uid = 0\nmail_location = maildir:~/Maildir\n{capability}\
passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {r}/users\n}}\n\
userdb {{\n  driver = static\n  args = uid={user} gid={group} home={r}/home/%u\n}}\n\
service imap-login {{\n  chroot =\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
service anvil {{\n  chroot =\n}}\n\
service stats {{\n  unix_listener stats-reader {{\n    user = {user}\n  }}\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        for (name, _) in users {
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(root.join("home").join(name).join("Maildir").join(sub)).unwrap();
            }
        }
        let mut dovecot = Dovecot { child: None, _dir: dir, root, port, owner };
        dovecot.give_away(&dovecot.root.clone());
        dovecot.start_again();
        dovecot
    }

    /// `imap://NAME@127.0.0.1:PORT`.
    pub fn url(&self, user: &str) -> String {
        format!("imap://{}@127.0.0.1:{}", user.replace('@', "%40"), self.port)
    }

    /// Starts the server (again, after [`Dovecot::stop`]) and waits for it to listen.
    pub fn start_again(&mut self) {
        let mut command = self.as_owner(DOVECOT);
        command.arg("-F").arg("-c").arg(self.root.join("dovecot.conf"));
        let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("dovecot starts");
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
        let Some((uid, gid)) = self.owner else { return };
        let mut paths = vec![path.to_path_buf()];
        while let Some(p) = paths.pop() {
            std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
            if p.is_dir() {
                paths.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            }
        }
        if path == self.root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

fn running_as_root() -> bool {
    whoami("-u") == "0"
}

fn whoami(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
