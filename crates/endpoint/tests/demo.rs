//! `endpoint demo`, run as the real binary: what a new user sees on their first sign-in is a team's month
//! of selling (every folder, human and machine engagement, a board of tasks, saved searches with members),
//! engagement keeps arriving through the tracking path, and a second start keeps the data and gives a new
//! token.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::search::{SavedSearches, SearchIndex};
use domain::sync::{ChangePage, Record};
use domain::task::{Column, TaskBoard};
use domain::{Campaign, Email, EmailEngagement, EmailId, EngagementEvent, EventKind, Person, Status};
use support::free_port;

/// The demo, serving on `port`, and the token it printed.
struct Demo {
    child: Child,
    base: String,
    token: String,
    said: String,
}

impl Demo {
    fn start(data_dir: &Path, extra: &[&str]) -> Demo {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_endpoint"))
            .arg("demo")
            .args(["--listen", &format!("127.0.0.1:{port}"), "--app-dir", "no-app", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("CC_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut said = String::new();
        let token = loop {
            let line = lines.next().expect("the demo printed its token").unwrap();
            said.push_str(&line);
            said.push('\n');
            if let Some(token) = line.strip_prefix("Sign in with this token: ") {
                break token.to_string();
            }
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the demo did not start serving");
            std::thread::sleep(Duration::from_millis(30));
        }
        Demo { child, base: format!("http://127.0.0.1:{port}"), token, said }
    }

    /// Every change since `since`, in order, and the cursor after them.
    async fn changes(&self, since: u64) -> (Vec<Record>, u64) {
        let http = reqwest::Client::new();
        let mut records = Vec::new();
        let mut cursor = since;
        loop {
            let page: ChangePage = http
                .get(format!("{}/api/v1/changes?since={cursor}&limit=1000", self.base))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            records.extend(page.changes.into_iter().map(|c| c.record));
            cursor = page.next.0;
            if !page.has_more {
                return (records, cursor);
            }
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The records as the app keeps them: the latest version of each.
#[derive(Default)]
struct Seen {
    emails: HashMap<EmailId, Email>,
    events: BTreeMap<String, EngagementEvent>,
    engagement: HashMap<EmailId, EmailEngagement>,
    people: Vec<Person>,
    campaigns: Vec<Campaign>,
    tasks: Vec<domain::task::Task>,
    searches: Vec<domain::search::SavedSearch>,
}

impl Seen {
    fn of(records: Vec<Record>) -> Seen {
        let mut seen = Seen::default();
        for record in records {
            match record {
                Record::Email { email } => {
                    seen.emails.insert(email.id, *email);
                }
                Record::Event { event } => {
                    seen.events.insert(event.id.to_string(), event);
                }
                Record::Engagement { email, engagement } => {
                    seen.engagement.insert(email, engagement);
                }
                Record::Person { person } => seen.people.push(*person),
                Record::Campaign { campaign } => seen.campaigns.push(campaign),
                Record::Task { task } => seen.tasks.push(*task),
                Record::SavedSearch { search } => seen.searches.push(*search),
                Record::Deleted { kind, id } => panic!("the demo deletes nothing: {kind} {id}"),
            }
        }
        seen
    }
}

#[tokio::test]
async fn the_demo_opens_on_a_month_of_selling_in_every_folder_with_live_engagement_and_keeps_it_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = Demo::start(&data, &["--live-seconds", "1"]);
    assert!(demo.said.contains("500 people"), "{}", demo.said);
    let (records, cursor) = demo.changes(0).await;
    let seen = Seen::of(records);

    assert_eq!(seen.people.len(), 500);
    assert_eq!(seen.campaigns.len(), 2);
    assert_eq!(seen.emails.len(), 2000);
    let mut folders: BTreeMap<String, usize> = BTreeMap::new();
    for email in seen.emails.values() {
        *folders.entry(format!("{:?}", email.status())).or_default() += 1;
    }
    for status in [
        Status::Delivered,
        Status::Archived,
        Status::Scheduled,
        Status::Draft,
        Status::Failed,
        Status::Bounced,
        Status::Spam,
    ] {
        assert!(
            folders.get(&format!("{status:?}")).is_some_and(|n| *n > 0),
            "{status:?} is empty: {folders:?}"
        );
    }
    let people_zones: std::collections::BTreeSet<&str> =
        seen.people.iter().map(|p| p.time_zone.as_str()).filter(|z| !z.is_empty()).collect();
    assert!(people_zones.len() >= 5, "people across time zones: {people_zones:?}");

    // Engagement, judged by the endpoint's classifier: people and machines both.
    let judged = |kind: &str, human: bool| {
        seen.events
            .values()
            .filter(|e| e.kind.name() == kind && e.verdict.is_some_and(|v| v.human == human))
            .count()
    };
    for (kind, human) in [("viewed", true), ("viewed", false), ("clicked", true), ("clicked", false)] {
        assert!(judged(kind, human) > 0, "no {kind} judged human={human}");
    }
    let count = |kind: &str| seen.events.values().filter(|e| e.kind.name() == kind).count();
    assert!(count("replied") > 0 && count("bounced") > 0);
    assert_eq!(count("complained"), 1, "one complaint");
    // The totals the folders show agree with the events.
    let replied: usize = seen.engagement.values().map(|e| e.replies as usize).sum();
    assert_eq!(replied, count("replied"));

    // A board with every column filled.
    let now = chrono::Utc::now();
    let board = TaskBoard::new(&seen.tasks, now, chrono_tz::UTC);
    assert_eq!(seen.tasks.len(), 60);
    for column in [Column::Overdue, Column::Today, Column::Upcoming, Column::Completed] {
        assert!(board.count(column) > 0, "{column:?} is empty");
    }

    // Three saved searches, each a live list with people in it, the headline one among them.
    let index = SearchIndex::build(
        &seen.campaigns,
        &seen.people,
        seen.emails.values(),
        seen.engagement.iter().map(|(id, e)| (*id, e.clone())),
    );
    let mut searches = SavedSearches::new();
    assert_eq!(seen.searches.len(), 3);
    for search in &seen.searches {
        let members = searches.insert(&index, search.clone());
        assert!(members > 0, "{} has nobody in it", search.name);
    }
    assert!(seen.searches.iter().any(|s| s.query.to_string().contains("viewed clicked -replied")));

    // Engagement keeps arriving, through the tracking path, judged like any hit.
    let deadline = Instant::now() + Duration::from_secs(15);
    let live = loop {
        let (records, _) = demo.changes(cursor).await;
        let hits: Vec<EngagementEvent> = records
            .into_iter()
            .filter_map(|r| match r {
                Record::Event { event } => Some(event),
                _ => None,
            })
            .filter(|e| matches!(e.kind, EventKind::Viewed | EventKind::Clicked { .. }))
            .collect();
        if hits.len() >= 2 || Instant::now() > deadline {
            break hits;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(live.len() >= 2, "views and clicks keep arriving: {live:?}");
    assert!(live.iter().all(|e| e.verdict.is_some_and(|v| v.human)), "{live:?}");
    let first_token = demo.token.clone();
    drop(demo);

    // Started again: the same data, as it was left, and a new token; the old one no longer works.
    let again = Demo::start(&data, &[]);
    assert!(again.said.contains("as it was left"), "{}", again.said);
    assert_ne!(again.token, first_token);
    let (records, _) = again.changes(0).await;
    let seen_again = Seen::of(records);
    assert_eq!(seen_again.emails.len(), 2000, "nothing loaded twice");
    assert_eq!(seen_again.people.len(), 500);
    let old = reqwest::Client::new()
        .get(format!("{}/api/v1/changes?since=0", again.base))
        .bearer_auth(&first_token)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
}
