//! The command line: `endpoint serve` and its settings (each also an environment variable), `endpoint user`
//! to manage users and their tokens, and `endpoint classify` to see what the inbound reader makes of a
//! message.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use clap::{Args, Parser, Subcommand};
use domain::classify::{Applies, ClassifierSettings};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::demo;
use crate::dkim::{self, DkimKeys};
use crate::extract::token_hash;
use crate::http::{self, AppState};
use crate::mailbox::{self, ImapAddress, MailboxSettings, Sealer};
use crate::mailer::Transport;
use crate::scheduler::{Scheduler, SendSettings};
use crate::server;
use crate::store::Store;
use crate::tracking::TrackingKeys;

#[derive(Parser)]
#[command(name = "endpoint", version, about = "The Command Center endpoint")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API, tracking, inbound mail and the built app on one port, and send due emails.
    Serve(ServeArgs),
    /// Serve like `serve`, with a demo rep whose month of selling (people, campaigns, emails in every
    /// folder with their engagement, tasks, saved searches) is loaded on the first start; prints the rep's
    /// token.
    Demo(DemoArgs),
    /// Manage users and their bearer tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// Link a rep's own mailbox (read over IMAP for replies, bounces and complaints), list or remove links.
    #[command(subcommand)]
    Mailbox(MailboxCommand),
    /// The addresses a user no longer sends to (hard bounces, complaints, unsubscribes): list them, or lift
    /// one (logged).
    #[command(subcommand)]
    Suppression(SuppressionCommand),
    /// DKIM keys of the sending domains: make one (and print the DNS record to publish), or list them.
    #[command(subcommand)]
    Dkim(DkimCommand),
    /// Read raw RFC 5322 messages (files, or `-` for standard input) and print what each is, as JSON: one
    /// object for one file; one line per file, with its `file`, for several.
    Classify {
        /// The message files, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user and print their bearer token (shown once; only its hash is kept).
    Add {
        email: String,
        /// The name put beside the address in the From of their mail ("Ana Lima <ana@…>").
        #[arg(long)]
        name: Option<String>,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Set the name put beside a user's address in the From of their mail (empty: none).
    Name {
        email: String,
        name: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// List users.
    List {
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Give a user a new bearer token (printed once); their old token stops working, and a revoked user
    /// is active again. Their records stay as they are.
    Token {
        email: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Revoke a user's token.
    Revoke {
        email: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailboxCommand {
    /// Link (or re-link) USER's mailbox. The password comes from --password-file, the environment variable
    /// --password-env names, or a prompt; never from the command line. A running endpoint picks the new
    /// link up within a minute.
    Add {
        /// The rep (a user of the endpoint).
        user: String,
        /// `imaps://NAME@HOST[:PORT]` (`imap://` only for a server on this machine).
        #[arg(long)]
        imap_url: String,
        /// The folder to read.
        #[arg(long, default_value = "INBOX")]
        folder: String,
        /// A file whose first line is the password.
        #[arg(long, conflicts_with = "password_env")]
        password_file: Option<PathBuf>,
        /// The name of an environment variable that holds the password.
        #[arg(long)]
        password_env: Option<String>,
        #[command(flatten)]
        key: MailboxKey,
    },
    /// List linked mailboxes and how reading each goes.
    List {
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Remove USER's link and forget the password.
    Remove {
        user: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuppressionCommand {
    /// Each address USER no longer sends to: since when, why and from which email, the newest first.
    List {
        user: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Lift ADDRESS's suppression for USER: they may write to it again. Logged with what it was.
    Remove {
        user: String,
        address: String,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum DkimCommand {
    /// Make a signing key for DOMAIN (kept in DATA_DIR/dkim/DOMAIN/) and print the TXT record to publish.
    /// A running endpoint signs with it after a restart.
    Keygen {
        domain: String,
        /// The record's name is SELECTOR._domainkey.DOMAIN; a new selector rotates keys.
        #[arg(long, default_value = "cc")]
        selector: String,
        #[arg(long, value_enum, default_value = "rsa")]
        algorithm: dkim::Algorithm,
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// List the domains that have keys.
    List {
        #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
}

/// Where mailbox passwords' key is.
#[derive(Clone, Debug, Args)]
pub struct MailboxKey {
    #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The key that seals mailbox passwords (64 hexadecimal digits); default DATA_DIR/mailbox.key,
    /// created on first use.
    #[arg(long, env = "CC_MAILBOX_KEY_FILE")]
    pub mailbox_key_file: Option<PathBuf>,
}

/// Not `Debug`: it holds the SMTP URL (with its password) and the inbound secret.
#[derive(Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CC_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder for the SQLite database, the tracking keys and the outbox.
    #[arg(long, env = "CC_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// SMTP server, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host:465. Without one, messages are
    /// written to DATA_DIR/outbox as .eml files and count as delivered.
    #[arg(long, env = "CC_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Base URL put in tracking links (default: http://LISTEN).
    #[arg(long, env = "CC_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Folder of the built app, served at `/` with a fallback to its `index.html`.
    #[arg(long, env = "CC_APP_DIR", default_value = "./dist")]
    pub app_dir: PathBuf,
    /// Bearer secret the mail server uses to post inbound messages (inbound is refused without one).
    #[arg(long, env = "CC_INBOUND_SECRET", hide_env_values = true)]
    pub inbound_secret: Option<String>,
    /// Origins of pages that embed the widget, comma-separated.
    #[arg(long, env = "CC_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Messages per second, per user.
    #[arg(long, env = "CC_SEND_RATE", default_value_t = 20.0)]
    pub send_rate: f64,
    /// Attempts for a transient SMTP failure before an email is Failed.
    #[arg(long, env = "CC_SEND_ATTEMPTS", default_value_t = 3)]
    pub send_attempts: u32,
    /// Milliseconds before the second attempt (doubled each time).
    #[arg(long, env = "CC_SEND_BACKOFF_MS", default_value_t = 2000)]
    pub send_backoff_ms: u64,
    /// Domain of Message-IDs and VERP return paths (default: each sender's domain).
    #[arg(long, env = "CC_BOUNCE_DOMAIN")]
    pub bounce_domain: Option<String>,
    /// Seconds after delivery within which a view or click counts as a machine's (0 turns the rule off).
    #[arg(long, env = "CC_MACHINE_WINDOW_SECONDS")]
    pub machine_window_seconds: Option<u32>,
    /// The most connections open at once (kept under the open-file limit, which is raised at start).
    #[arg(long, env = "CC_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's header, on a new or an idle connection.
    #[arg(long, env = "CC_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_timeout_seconds: u64,
    /// Seconds a stop (SIGTERM, ctrl-c) waits for messages being handed to the relay and requests in
    /// progress.
    #[arg(long, env = "CC_STOP_GRACE_SECONDS", default_value_t = 10)]
    pub stop_grace_seconds: u64,
    /// The key that seals reps' mailbox passwords (64 hexadecimal digits); default DATA_DIR/mailbox.key,
    /// created on first use.
    #[arg(long, env = "CC_MAILBOX_KEY_FILE")]
    pub mailbox_key_file: Option<PathBuf>,
    /// IMAP servers reps' mailboxes may be on, comma-separated. Without a list, any server whose
    /// addresses are public (never this machine or a private network).
    #[arg(long, env = "CC_IMAP_HOSTS", value_delimiter = ',')]
    pub imap_hosts: Vec<String>,
    /// Seconds between checks of a mailbox whose server does not offer IDLE.
    #[arg(long, env = "CC_IMAP_POLL_SECONDS", default_value_t = 60)]
    pub imap_poll_seconds: u64,
    /// Poll every mailbox instead of using IDLE.
    #[arg(long, env = "CC_IMAP_NO_IDLE")]
    pub imap_no_idle: bool,
    /// The longest wait between two attempts to reach a mailbox after an error.
    #[arg(long, env = "CC_IMAP_BACKOFF_MAX_SECONDS", default_value_t = 300)]
    pub imap_backoff_max_seconds: u64,
    /// Seconds before a password the server refused is tried again (a new one is tried at once).
    #[arg(long, env = "CC_IMAP_LOGIN_RETRY_SECONDS", default_value_t = 900)]
    pub imap_login_retry_seconds: u64,
    /// Days of mail read when a mailbox is linked (or renumbered by its server).
    #[arg(long, env = "CC_IMAP_LOOKBACK_DAYS", default_value_t = 30)]
    pub imap_lookback_days: u32,
}

/// `endpoint demo`: the serve settings, the demo rep, and whether engagement keeps arriving.
#[derive(Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// The demo rep's address.
    #[arg(long, default_value = demo::REP)]
    pub rep: String,
    /// Every this many seconds a view or a click of a delivered demo email arrives, through the tracking
    /// path, so the live feed and the saved searches move (0: none).
    #[arg(long, env = "CC_DEMO_LIVE_SECONDS", default_value_t = 0)]
    pub live_seconds: u64,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            init_tracing();
            serve(args, None).await
        }
        Command::Demo(args) => {
            init_tracing();
            demo(args).await
        }
        Command::User(command) => user(command).await,
        Command::Mailbox(command) => mailbox(command).await,
        Command::Suppression(command) => suppression(command).await,
        Command::Dkim(DkimCommand::Keygen { domain, selector, algorithm, data_dir }) => {
            let record =
                dkim::keygen(&data_dir, &domain, &selector, algorithm).map_err(|e| anyhow::anyhow!(e))?;
            println!("{record}");
            Ok(())
        }
        Command::Dkim(DkimCommand::List { data_dir }) => {
            for domain in DkimKeys::load(&data_dir).map_err(|e| anyhow::anyhow!(e))?.domains() {
                println!("{domain}");
            }
            Ok(())
        }
        Command::Classify { files } => classify(&files),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

fn classify(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for file in files {
        let mut raw = Vec::new();
        if file.as_os_str() == "-" {
            std::io::stdin().read_to_end(&mut raw).context("reading the message from standard input")?;
        } else {
            raw = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        }
        let classification = serde_json::to_value(inbound::classify(&raw))?;
        let line = match classification {
            serde_json::Value::Object(mut fields) if files.len() > 1 => {
                fields.insert("file".to_string(), file.display().to_string().into());
                serde_json::Value::Object(fields)
            }
            single => single,
        };
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { email, name, data_dir } => {
            let address = domain::EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let name = name.as_deref().map(sender_name).transpose()?;
            let store = Store::open(&data_dir).await?;
            let token = new_token()?;
            store
                .add_user(address.as_str(), &token_hash(&token))
                .await
                .with_context(|| format!("adding {address} (is it already a user?)"))?;
            if let Some(name) = name {
                store.set_user_name(address.as_str(), name).await?;
            }
            println!("{token}");
            Ok(())
        }
        UserCommand::Name { email, name, data_dir } => {
            let address = domain::EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let name = sender_name(&name)?;
            let store = Store::open(&data_dir).await?;
            if !store.set_user_name(address.as_str(), name).await? {
                anyhow::bail!("no user {address}")
            }
            Ok(())
        }
        UserCommand::Token { email, data_dir } => {
            let address = domain::EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = Store::open(&data_dir).await?;
            let token = new_token()?;
            if !store.renew_token(address.as_str(), &token_hash(&token)).await? {
                anyhow::bail!("no user {address}")
            }
            println!("{token}");
            Ok(())
        }
        UserCommand::List { data_dir } => {
            let store = Store::open(&data_dir).await?;
            for user in store.list_users().await? {
                let state = if user.revoked { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{}", user.id, user.email, state, user.created_at);
            }
            Ok(())
        }
        UserCommand::Revoke { email, data_dir } => {
            let store = Store::open(&data_dir).await?;
            let address = domain::EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            if store.revoke_user(address.as_str()).await? {
                println!("revoked {address}");
                Ok(())
            } else {
                anyhow::bail!("no active user {address}")
            }
        }
    }
}

async fn mailbox(command: MailboxCommand) -> anyhow::Result<()> {
    match command {
        MailboxCommand::Add { user, imap_url, folder, password_file, password_env, key } => {
            let address = ImapAddress::parse(&imap_url).map_err(|e| anyhow::anyhow!("--imap-url: {e}"))?;
            let store = Store::open(&key.data_dir).await?;
            let owner = store.user_by_email(user.trim()).await?.with_context(|| format!("no user {user}"))?;
            let password = match (password_file, password_env) {
                (Some(file), _) => std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                (None, Some(name)) => std::env::var(&name)
                    .with_context(|| format!("the environment variable {name} is not set"))?,
                (None, None) => rpassword::prompt_password(format!("Password for {address}: "))
                    .context("reading the password (or give --password-file / --password-env)")?,
            };
            if password.is_empty() {
                anyhow::bail!("the password is empty");
            }
            let sealer = Sealer::load_or_create(&key.data_dir, key.mailbox_key_file.as_deref())?;
            let folder = address.folder.clone().unwrap_or(folder);
            let sealed = sealer.seal(owner.0, &password)?;
            store.link_mailbox(owner, &address.to_string(), &folder, &sealed, chrono::Utc::now()).await?;
            println!("linked {address} ({folder}) to {user}");
            Ok(())
        }
        MailboxCommand::List { data_dir } => {
            let store = Store::open(&data_dir).await?;
            let users = store.list_users().await?;
            for row in store.mailboxes().await? {
                let email =
                    users.iter().find(|u| u.id == row.user.0).map(|u| u.email.as_str()).unwrap_or("?");
                let link = crate::http::mailbox::link_of(row);
                println!(
                    "{email}\t{}\t{}\t{}\tread {}\tfound {}\t{}",
                    link.address,
                    link.folder,
                    link.state,
                    link.messages_read,
                    link.messages_found,
                    link.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        MailboxCommand::Remove { user, data_dir } => {
            let store = Store::open(&data_dir).await?;
            let owner = store.user_by_email(user.trim()).await?.with_context(|| format!("no user {user}"))?;
            if !store.unlink_mailbox(owner).await? {
                anyhow::bail!("{user} has no mailbox linked");
            }
            println!("removed {user}'s mailbox");
            Ok(())
        }
    }
}

async fn suppression(command: SuppressionCommand) -> anyhow::Result<()> {
    let (user, data_dir) = match &command {
        SuppressionCommand::List { user, data_dir } | SuppressionCommand::Remove { user, data_dir, .. } => {
            (user.clone(), data_dir.clone())
        }
    };
    let store = Store::open(&data_dir).await?;
    let owner = store.user_by_email(user.trim()).await?.with_context(|| format!("no user {user}"))?;
    match command {
        SuppressionCommand::List { .. } => {
            for row in store.suppressions(owner).await? {
                let since = chrono::DateTime::from_timestamp_millis(row.created_at).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}",
                    row.address,
                    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    row.reason,
                    row.email.unwrap_or_default()
                );
            }
        }
        SuppressionCommand::Remove { address, .. } => {
            let address = address.trim().to_ascii_lowercase();
            let lifted =
                store.lift_suppression(owner, &address, "an administrator", chrono::Utc::now()).await?;
            let lifted = lifted.with_context(|| format!("{address} is not suppressed for {user}"))?;
            println!("lifted {address} for {user} (it was: {})", lifted.reason);
        }
    }
    Ok(())
}

/// A name fit for a From header: at most 100 characters, on one line.
fn sender_name(name: &str) -> anyhow::Result<&str> {
    let name = name.trim();
    if name.chars().any(char::is_control) {
        anyhow::bail!("a name cannot hold a line break or a control character");
    }
    if name.chars().count() > 100 {
        anyhow::bail!("a name is at most 100 characters");
    }
    Ok(name)
}

/// A new bearer token: `cc_` and 32 random bytes.
fn new_token() -> anyhow::Result<String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("cc_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)))
}

/// Loads the demo on its first start (the rep is new), gives the rep a new token either way, prints it,
/// then serves.
async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let rep = domain::EmailAddress::parse(&args.rep).map_err(|e| anyhow::anyhow!("--rep: {e}"))?;
    let data_dir = &args.serve.data_dir;
    let store = Store::open(data_dir)
        .await
        .with_context(|| format!("opening the data folder {}", data_dir.display()))?;
    let token = new_token()?;
    let known = store.list_users().await?.into_iter().find(|u| u.email == rep.as_str());
    let now = chrono::Utc::now();
    let classifier = classifier_of(&args.serve);
    let user = match &known {
        Some(user) => {
            store.renew_token(rep.as_str(), &token_hash(&token)).await?;
            domain::UserId(user.id)
        }
        None => store.add_user(rep.as_str(), &token_hash(&token)).await?,
    };
    let demo = demo::Demo::generate(user, &rep, now, &classifier);
    if known.is_none() {
        demo.write(&store, user, now).await.context("writing the demo data")?;
    }
    drop(store);
    println!(
        "Demo rep {rep}: {} people, {} campaigns, {} emails, {} tasks, {} saved searches{}.",
        demo.people.len(),
        demo.campaigns.len(),
        demo.emails.len(),
        demo.tasks.len(),
        demo.saved_searches.len(),
        if known.is_some() { " (loaded on an earlier start, as it was left)" } else { "" },
    );
    println!("Sign in with this token: {token}");
    let live = (args.live_seconds > 0).then(|| (demo.delivered(), Duration::from_secs(args.live_seconds)));
    serve(args.serve, live).await
}

/// The classifier the settings ask for.
fn classifier_of(args: &ServeArgs) -> ClassifierSettings {
    let mut classifier = ClassifierSettings::default();
    if let Some(seconds) = args.machine_window_seconds {
        classifier = classifier
            .with_soon_after_delivery(Applies::Views, seconds)
            .with_soon_after_delivery(Applies::Clicks, seconds);
    }
    classifier
}

fn mailbox_settings(args: &ServeArgs) -> MailboxSettings {
    MailboxSettings {
        poll_interval: Duration::from_secs(args.imap_poll_seconds.max(1)),
        idle: !args.imap_no_idle,
        backoff_max: Duration::from_secs(args.imap_backoff_max_seconds.max(1)),
        login_retry: Duration::from_secs(args.imap_login_retry_seconds.max(1)),
        lookback_days: args.imap_lookback_days,
        allowed_hosts: args
            .imap_hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        ..MailboxSettings::default()
    }
}

/// Serves; `live`: emails that get a view or click at each interval (the demo's live engagement).
async fn serve(args: ServeArgs, live: Option<(Vec<domain::EmailId>, Duration)>) -> anyhow::Result<()> {
    // The open-file limit is raised before anything listens, so no connection ever meets the low one.
    let max_connections = server::connections_that_fit(args.max_connections);
    let store = Store::open(&args.data_dir)
        .await
        .with_context(|| format!("opening the data folder {}", args.data_dir.display()))?;
    let keys = TrackingKeys::load_or_create(&args.data_dir).context("loading the tracking keys")?;
    if !args.app_dir.join("index.html").is_file() {
        tracing::warn!(app_dir = %args.app_dir.display(), "no built app here: build it with `trunk build --release`");
    }
    let transport = match &args.smtp_url {
        Some(url) => Transport::smtp(url).map_err(|e| anyhow::anyhow!("the SMTP URL is not usable: {e}"))?,
        None => {
            let outbox = args.data_dir.join("outbox");
            tracing::info!(outbox = %outbox.display(), "no SMTP server configured: messages go to the outbox");
            Transport::Outbox(outbox)
        }
    };
    let listener =
        TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let public_url = public_url.trim_end_matches('/').to_string();

    let classifier = classifier_of(&args);
    let mut state = AppState::new(store.clone(), args.app_dir.clone(), keys.clone(), classifier);
    state.inbound_secret = args.inbound_secret.clone();
    state.allowed_origins = args.allowed_origins.clone();

    let stop = CancellationToken::new();
    state.stopping = stop.clone();
    let sealer = Sealer::load_or_create(&args.data_dir, args.mailbox_key_file.as_deref())
        .context("loading the mailbox key")?;
    state.mailboxes = Some(mailbox::start(&state, sealer, mailbox_settings(&args), stop.clone()));
    let grace = Duration::from_secs(args.stop_grace_seconds);
    let settings = SendSettings {
        per_user_rate: args.send_rate,
        attempts: args.send_attempts,
        backoff: Duration::from_millis(args.send_backoff_ms),
        bounce_domain: args.bounce_domain.clone(),
        stop_grace: grace,
        dkim: DkimKeys::load(&args.data_dir).map_err(|e| anyhow::anyhow!("loading the DKIM keys: {e}"))?,
        ..SendSettings::default()
    };
    let scheduler = Arc::new(Scheduler::new(&state, transport, public_url, settings));
    let interrupted = scheduler.recover_interrupted().await.context("recovering interrupted sends")?;
    if interrupted > 0 {
        tracing::warn!(interrupted, "emails left in progress by a previous run were marked Failed");
    }
    let sending = tokio::spawn(scheduler.run(stop.clone()));
    tokio::spawn({
        let stop = stop.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("stopping: no new sends; finishing what is in flight");
            stop.cancel();
        }
    });

    if let Some((emails, every)) = live {
        tokio::spawn(demo::keep_engagement_arriving(state.recorder.clone(), emails, every, stop.clone()));
    }

    let limits = server::Limits {
        header_timeout: Duration::from_secs(args.header_timeout_seconds.max(1)),
        max_connections,
        stop_grace: grace,
    };
    println!("Command Center is serving on http://{addr}/");
    server::serve(listener, http::router(state.clone()), stop, limits).await.context("serving HTTP")?;
    if sending.await.is_err() {
        tracing::error!("the scheduler ended abnormally");
    }
    if !state.recorder.drain(grace).await {
        tracing::warn!("stopping with tracking hits not yet written");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM, so in-flight requests finish before the process ends.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
