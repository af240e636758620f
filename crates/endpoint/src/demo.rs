//! Demo data: a realistic team's month of selling for one rep, to try the product without sending
//! anything first (`endpoint demo`).
//!
//! Made the way the product itself makes records: emails move through the domain's state machine and its
//! reactions (a refusal at the relay, a late bounce report, a complaint), every view and click is judged by
//! the same classifier the tracking writer uses (so the machine verdicts are the classifier's, not
//! invented), and everything is written through the store in one transaction, with its change numbers, so
//! the app's first sync reads it like any other change. The content comes from a seeded generator: the
//! same command gives the same people, subjects and spread every time; only the instants follow the clock.
//!
//! With `--live-seconds N`, a view or a click of a delivered email arrives every N seconds through the
//! real tracking path, so the live feed, the counts and the saved searches visibly move.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use domain::classify::ClassifierSettings;
use domain::reaction::{Effects, Handoff, ReportedRecipient};
use domain::search::{Query, SavedSearch};
use domain::sync::RecordKind;
use domain::task::{Due, Origin, Priority, Task, TaskType, local_today};
use domain::{
    BatchId, Campaign, CampaignId, Email, EmailAddress, EmailId, EmailKind, EngagementEvent, EventId,
    EventKind, Instant, Person, PersonId, SavedSearchId, Schedule, Status, TaskId, UserId,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::engagement::Recording;
use crate::recorder::Recorder;
use crate::scheduler::bounce_of;
use crate::store::{Store, StoreError, Write};

/// The demo rep's address, unless another is given.
pub const REP: &str = "rep@demo.example";

/// How much of each thing the demo has.
pub const PEOPLE: usize = 500;
pub const EMAILS: usize = 2000;
pub const TASKS: usize = 60;

/// The two campaigns, the headline one first.
pub const CAMPAIGNS: [&str; 2] = ["Q4 platform launch", "Webinar follow-up"];

/// The saved searches: the product's headline (viewed and clicked, no reply yet), who replied, and the
/// people of one company.
pub const SAVED_SEARCHES: [(&str, &str); 3] = [
    ("Hot: viewed and clicked, no reply", "campaign:\"Q4 platform launch\" viewed clicked -replied"),
    ("Replied", "replied"),
    ("Clicked twice or more", "clicked>=2"),
];

const FIRST_NAMES: [&str; 40] = [
    "Ana",
    "Bruno",
    "Carla",
    "Diego",
    "Elena",
    "Fabio",
    "Giulia",
    "Hugo",
    "Irene",
    "João",
    "Kenji",
    "Laura",
    "Marco",
    "Nadia",
    "Otávio",
    "Paola",
    "Rafael",
    "Sara",
    "Tomás",
    "Ursula",
    "Valentina",
    "William",
    "Yuki",
    "Zoe",
    "Alice",
    "Beatriz",
    "Chiara",
    "Daniel",
    "Emma",
    "Francesco",
    "Grace",
    "Hiro",
    "Isabela",
    "Jonas",
    "Katrin",
    "Lorenzo",
    "Mariana",
    "Noah",
    "Olivia",
    "Pedro",
];

const LAST_NAMES: [&str; 40] = [
    "Souza", "Rossi", "Silva", "Bianchi", "Costa", "Ferrari", "Oliveira", "Romano", "Santos", "Colombo",
    "Tanaka", "Müller", "Schmidt", "Smith", "Johnson", "Brown", "Lima", "Ricci", "Pereira", "Greco",
    "Almeida", "Bruno", "Carvalho", "Gallo", "Sato", "Weber", "Miller", "Davis", "Martins", "Conti",
    "Ribeiro", "Esposito", "Nakamura", "Fischer", "Wilson", "Taylor", "Barbosa", "Marino", "Rocha",
    "Moretti",
];

/// Companies: name, mail domain, time zone of their office.
const COMPANIES: [(&str, &str, &str); 24] = [
    ("Acme Logistics", "acme-logistics.example", "America/New_York"),
    ("Globex Brasil", "globex.example.com.br", "America/Sao_Paulo"),
    ("Initech", "initech.example", "America/Chicago"),
    ("Umbra Finanza", "umbra.example.it", "Europe/Rome"),
    ("Hooli Cloud", "hooli.example", "America/Los_Angeles"),
    ("Vandelay Imports", "vandelay.example", "America/New_York"),
    ("Stark Mobility", "stark-mobility.example", "Europe/Berlin"),
    ("Tessera Design", "tessera.example.it", "Europe/Rome"),
    ("Cyberdyne Health", "cyberdyne.example", "America/Denver"),
    ("Soylent Foods", "soylent.example", "Europe/London"),
    ("Wonka Retail", "wonka.example", "Europe/London"),
    ("Aurora Energia", "aurora.example.com.br", "America/Sao_Paulo"),
    ("Kaiju Robotics", "kaiju.example.jp", "Asia/Tokyo"),
    ("Tyrell Systems", "tyrell.example", "America/Los_Angeles"),
    ("Pied Piper", "piedpiper.example", "America/Los_Angeles"),
    ("Massive Dynamic", "massive.example", "America/New_York"),
    ("Oceanic Air", "oceanic.example.au", "Australia/Sydney"),
    ("Nakatomi Trading", "nakatomi.example.jp", "Asia/Tokyo"),
    ("Bluth Homes", "bluth.example", "America/Los_Angeles"),
    ("Vela Seguros", "vela.example.com.br", "America/Sao_Paulo"),
    ("Dunder Paper", "dunder.example", "America/New_York"),
    ("Gringotts Pay", "gringotts.example", "Europe/London"),
    ("Lumen Ottica", "lumen.example.it", "Europe/Rome"),
    ("Fjord Analytics", "fjord.example", "Europe/Oslo"),
];

const TITLES: [&str; 8] = [
    "VP of Sales",
    "Head of Operations",
    "Marketing Director",
    "CTO",
    "Procurement Manager",
    "Sales Operations Lead",
    "Chief Revenue Officer",
    "IT Manager",
];

/// The links the demo's emails carry (on a reserved domain: never a real site).
const LINKS: [&str; 3] = [
    "https://northwind.example/pricing",
    "https://northwind.example/case-studies/logistics",
    "https://northwind.example/book-a-demo",
];

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
/// Gmail's image proxy: judged a machine's view.
const IMAGE_PROXY: &str =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";

/// The demo's dice: seeded, so the same demo every time.
struct Dice(fastrand::Rng);

impl Dice {
    fn seeded(seed: u64) -> Dice {
        Dice(fastrand::Rng::with_seed(seed))
    }

    /// A whole number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A span between `min` and `max` seconds.
    fn seconds(&mut self, min: i64, max: i64) -> TimeDelta {
        TimeDelta::seconds(self.0.i64(min..max.max(min + 1)))
    }

    /// A fresh id: random bits from the dice, so ids are as stable as the rest.
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.0.u128(..).to_le_bytes()).into_uuid()
    }
}

/// Everything the demo writes, before it is written.
pub struct Demo {
    pub people: Vec<Person>,
    pub campaigns: Vec<Campaign>,
    /// Each email with its events, judged, and its totals.
    pub emails: Vec<Recording>,
    pub tasks: Vec<Task>,
    pub saved_searches: Vec<SavedSearch>,
    /// Addresses suppressed by the demo's hard bounces and complaint, with the reason.
    pub suppressed: Vec<(EmailAddress, String)>,
}

impl Demo {
    /// Makes the demo of `owner` (whose address is `sender`) as of `now`: [`PEOPLE`] people, [`EMAILS`]
    /// emails over every folder but In progress (which only holds an email while it is being handed to the
    /// relay: the demo's soonest scheduled emails pass through it in the first minutes), their views,
    /// clicks, replies, bounces and a complaint, [`TASKS`] tasks over the board, and the saved searches.
    pub fn generate(
        owner: UserId,
        sender: &EmailAddress,
        now: Instant,
        classifier: &ClassifierSettings,
    ) -> Demo {
        let mut dice = Dice::seeded(0x00C0_FFEE);
        let people = people(&mut dice);
        let campaigns: Vec<Campaign> = CAMPAIGNS
            .iter()
            .map(|name| Campaign { id: CampaignId(dice.uuid()), name: (*name).to_string() })
            .collect();
        let batches = [BatchId(dice.uuid()), BatchId(dice.uuid())];
        let mut suppressed = Vec::new();
        let mut emails = Vec::with_capacity(EMAILS);
        for i in 0..EMAILS {
            let person = &people[dice.below(people.len())];
            let campaign = match i {
                i if i < 900 => Some(0),
                i if i < 1500 => Some(1),
                _ => None,
            };
            let mut email = compose(&mut dice, owner, sender, person, now, campaign.map(|c| &campaigns[c]));
            if let Some(c) = campaign {
                email.batch = Some(batches[c]);
            }
            let (events, effects) = file(&mut dice, &mut email, now, i);
            suppressed.extend(effects.suppress);
            let mut recording = Recording::of(classifier, email, Vec::new());
            let mut events = events;
            events.sort_by_key(|e| e.at);
            for event in events {
                recording.judge(classifier, event);
            }
            emails.push(recording);
        }
        let tasks = tasks(&mut dice, &people, &emails, now);
        let saved_searches = SAVED_SEARCHES
            .iter()
            .map(|(name, query)| SavedSearch {
                id: SavedSearchId(dice.uuid()),
                name: (*name).to_string(),
                query: Query::parse(query).expect("the demo's saved searches parse"),
            })
            .collect();
        Demo { people, campaigns, emails, tasks, saved_searches, suppressed }
    }

    /// Writes the demo for `user` in one transaction: people and campaigns first, then each email, its
    /// events and totals, the tasks, the saved searches and the suppressions.
    pub async fn write(&self, store: &Store, user: UserId, now: Instant) -> Result<(), StoreError> {
        let mut tx = store.begin().await?;
        let mut writes = Vec::new();
        for person in &self.people {
            writes.push(Write::record(user, RecordKind::Person, person.id.to_string(), person)?);
        }
        for campaign in &self.campaigns {
            writes.push(Write::record(user, RecordKind::Campaign, campaign.id.to_string(), campaign)?);
        }
        Store::put_many(&mut tx, &writes).await?;
        writes.clear();
        for recording in &self.emails {
            Store::put_email(&mut tx, recording.email()).await?;
        }
        for recording in &self.emails {
            for event in recording.recorded() {
                writes.push(Write::event(user, event)?);
            }
            if recording.events() > 0 {
                let id = recording.email().id.to_string();
                writes.push(Write::record(user, RecordKind::Engagement, id, recording.totals())?);
            }
        }
        for task in &self.tasks {
            writes.push(Write::record(user, RecordKind::Task, task.id.to_string(), task)?);
        }
        for search in &self.saved_searches {
            writes.push(Write::record(user, RecordKind::SavedSearch, search.id.to_string(), search)?);
        }
        Store::put_many(&mut tx, &writes).await?;
        for (address, reason) in &self.suppressed {
            Store::suppress(&mut tx, user, address.as_str(), reason, None, now).await?;
        }
        tx.commit().await
    }

    /// The emails a live view or click may come to: delivered ones.
    pub fn delivered(&self) -> Vec<EmailId> {
        self.emails
            .iter()
            .map(Recording::email)
            .filter(|e| e.status() == Status::Delivered)
            .map(|e| e.id)
            .collect()
    }
}

fn people(dice: &mut Dice) -> Vec<Person> {
    let mut people = Vec::with_capacity(PEOPLE);
    for i in 0..PEOPLE {
        let first = *dice.pick(&FIRST_NAMES);
        let last = *dice.pick(&LAST_NAMES);
        let (company, domain, zone) = *dice.pick(&COMPANIES);
        let local = format!("{}.{}{}", ascii(first), ascii(last), i);
        let address =
            EmailAddress::parse(&format!("{local}@{domain}")).expect("the demo's addresses are valid");
        let mut person = Person::new(PersonId(dice.uuid()), address);
        person.first_name = first.to_string();
        person.last_name = last.to_string();
        person.company = company.to_string();
        person.title = dice.pick(&TITLES).to_string();
        person.phone = format!("+1 555 01{:02}", dice.below(100));
        // A few have no time zone on file: the product falls back for them.
        if !dice.chance(0.05) {
            person.time_zone = zone.to_string();
        }
        if dice.chance(0.3) {
            person.tags.insert("lead".to_string());
        }
        if dice.chance(0.1) {
            person.tags.insert("customer".to_string());
        }
        people.push(person);
    }
    people
}

/// A name as it can go in an address: lowercase ASCII letters.
fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' | 'ã' | 'â' => 'a',
            'é' | 'ê' => 'e',
            'í' => 'i',
            'ó' | 'ô' | 'õ' => 'o',
            'ú' | 'ü' => 'u',
            'ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_lowercase)
        .collect()
}

/// A new email to `person`, written as a rep would, created some time in the last month.
fn compose(
    dice: &mut Dice,
    owner: UserId,
    sender: &EmailAddress,
    person: &Person,
    now: Instant,
    campaign: Option<&Campaign>,
) -> Email {
    let kind = if campaign.is_some() { EmailKind::Bulk } else { EmailKind::Single };
    let created = now - dice.seconds(3_600, 30 * 86_400);
    let mut email = Email::new(EmailId(dice.uuid()), sender.clone(), person.email.clone(), kind, created);
    email.owner = owner;
    email.person = Some(person.id);
    email.campaign = campaign.map(|c| c.id);
    let first = &person.first_name;
    let company = &person.company;
    email.subject = match campaign.map(|c| c.name.as_str()) {
        Some(name) if name == CAMPAIGNS[0] => {
            if dice.chance(0.5) {
                format!("{first}, a faster way to run {company}'s outbound")
            } else {
                format!("Following up: what's new for {company} this quarter")
            }
        }
        Some(_) => format!("Slides from Tuesday's webinar, {first}"),
        None => match dice.below(4) {
            0 => format!("Quick question about {company}"),
            1 => "Our call on Thursday".to_string(),
            2 => format!("Pricing for {company}"),
            _ => format!("Introduction: Northwind × {company}"),
        },
    };
    let link = LINKS[dice.below(LINKS.len())];
    email.html_body = format!(
        "<p>Hi {first},</p><p>Teams like {company}'s cut the time they spend on follow-ups by half with \
         Northwind. I thought you might like to see how.</p><p><a href=\"{link}\">Take a look</a> or \
         <a href=\"{}\">book 20 minutes</a> with me.</p><p>Best,<br>Alex</p>",
        LINKS[2]
    );
    email.text_body = format!(
        "Hi {first},\n\nTeams like {company}'s cut their follow-up time by half.\n{link}\n\nBest,\nAlex"
    );
    email
}

/// Files email number `i` in its folder, as the product would have moved it there, and makes up what its
/// recipient did: the events (to be judged) and what the reactions asked for.
fn file(dice: &mut Dice, email: &mut Email, now: Instant, i: usize) -> (Vec<EngagementEvent>, Effects) {
    let zone = "UTC".to_string();
    let sent = email.created_at + dice.seconds(60, 6 * 3_600);
    let sent = sent.min(now - TimeDelta::minutes(30));
    let mut events = Vec::new();
    let mut effects = Effects::default();
    if email.kind == EmailKind::Single {
        // Sent when the rep pressed Send, or at the time they picked.
        email.schedule = Some(Schedule { at: sent, time_zone: zone.clone() });
    }
    // Every 20th email waits its turn, every 33rd is a draft, a few failed, some bounced, one complaint.
    let slot = i % 100;
    match slot {
        0 | 20 | 40 | 60 | 80 | 95 => {
            // Scheduled, some of them within the first half hour of the demo, so a few go out live.
            let at =
                if i < 300 { now + dice.seconds(120, 1_800) } else { now + dice.seconds(3_600, 7 * 86_400) };
            email.schedule = Some(Schedule { at, time_zone: zone });
            email.walk_to(Status::Scheduled, email.created_at).expect("a new email can be scheduled");
            return (events, effects);
        }
        33 | 66 | 99 if email.kind == EmailKind::Single => {
            // A draft: left as it was written.
            return (events, effects);
        }
        7 | 57 => {
            // Refused at the relay: the address does not exist, or the domain does not.
            email.walk_to(Status::Scheduled, sent).ok();
            email.begin_handoff(sent, None).expect("a due email can be handed over");
            let bounce = if slot == 7 {
                bounce_of(550, "5.1.1 The email account that you tried to reach does not exist")
            } else {
                bounce_of(554, "5.4.4 Host or domain name not found")
            };
            effects = email.apply_handoff(sent, Handoff::Refused(bounce));
        }
        17 => {
            // The relay would not take it at all.
            email.walk_to(Status::Scheduled, sent).ok();
            email.begin_handoff(sent, None).expect("a due email can be handed over");
            effects = email.apply_handoff(
                sent,
                Handoff::Failed("554 5.7.1 Message rejected: sending limit exceeded".into()),
            );
        }
        _ => {
            email.walk_to(Status::Delivered, sent).expect("every email can be delivered");
        }
    }
    for (recipient, kind) in &effects.events {
        events.push(event(dice, email, recipient.clone(), sent, kind.clone(), None, None));
    }
    if email.status() != Status::Delivered {
        return (events, effects);
    }
    let recipient = email.recipient.clone();
    let mut at = sent;
    // Machines first: Gmail's proxy fetching the pixel, a link scanner opening the links at once.
    if dice.chance(0.12) {
        let view = event(
            dice,
            email,
            recipient.clone(),
            sent + TimeDelta::seconds(2),
            EventKind::Viewed,
            Some("66.249.84.17"),
            Some(IMAGE_PROXY),
        );
        events.push(view);
    }
    if dice.chance(0.05) {
        let url = LINKS[0].to_string();
        let click = event(
            dice,
            email,
            recipient.clone(),
            sent + TimeDelta::seconds(3),
            EventKind::Clicked { url },
            Some("203.0.113.40"),
            Some(BROWSER),
        );
        events.push(click);
    }
    // Then the person.
    let agent = if dice.chance(0.4) { PHONE } else { BROWSER };
    let ip = format!("198.51.100.{}", 1 + dice.below(250));
    if dice.chance(0.5) {
        at += dice.seconds(600, 3 * 86_400);
        events.push(event(dice, email, recipient.clone(), at, EventKind::Viewed, Some(&ip), Some(agent)));
        if dice.chance(0.4) {
            at += dice.seconds(3_600, 2 * 86_400);
            events.push(event(dice, email, recipient.clone(), at, EventKind::Viewed, Some(&ip), Some(agent)));
        }
        let clicks = match dice.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        for _ in 0..clicks {
            at += dice.seconds(30, 3_600);
            let url = dice.pick(&LINKS).to_string();
            events.push(event(
                dice,
                email,
                recipient.clone(),
                at,
                EventKind::Clicked { url },
                Some(&ip),
                Some(agent),
            ));
        }
        if dice.chance(0.12) {
            at += dice.seconds(600, 86_400);
            events.push(event(
                dice,
                email,
                recipient.clone(),
                at,
                EventKind::Replied { text: None },
                None,
                None,
            ));
        } else if dice.chance(0.03) {
            at += dice.seconds(5, 60);
            events.push(event(dice, email, recipient.clone(), at, EventKind::AutoReplied, None, None));
        }
    }
    // Late news: a bounce report after delivery (a full mailbox, a soft bounce), one complaint, and some
    // mail the rep filed away.
    if slot == 37 || slot == 87 {
        let bounce = bounce_of(452, "4.2.2 The recipient's mailbox is full and can't accept messages now");
        at += dice.seconds(60, 3_600);
        let reported = [ReportedRecipient { address: recipient.clone(), failed: true, bounce }];
        let late = email.apply_bounce_report(at, &reported, None);
        for (recipient, kind) in &late.events {
            events.push(event(dice, email, recipient.clone(), at, kind.clone(), None, None));
        }
        effects.suppress.extend(late.suppress);
    } else if i == 1234 {
        at += dice.seconds(600, 3_600);
        let complaint = email.apply_complaint(at, "abuse");
        for (recipient, kind) in &complaint.events {
            events.push(event(dice, email, recipient.clone(), at, kind.clone(), None, None));
        }
        effects.suppress.extend(complaint.suppress);
    } else if slot % 12 == 5 {
        at += dice.seconds(3_600, 2 * 86_400);
        email.walk_to(Status::Archived, at.min(now)).expect("a delivered email can be archived");
    }
    events.retain(|e| e.at <= now);
    (events, effects)
}

fn event(
    dice: &mut Dice,
    email: &Email,
    recipient: EmailAddress,
    at: Instant,
    kind: EventKind,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> EngagementEvent {
    EngagementEvent {
        id: EventId(dice.uuid()),
        email: email.id,
        recipient,
        at,
        kind,
        ip: ip.map(str::to_string),
        user_agent: user_agent.map(str::to_string),
        verdict: None,
    }
}

/// [`TASKS`] tasks over the board (in UTC days): overdue, due today, upcoming and done; calls follow up on
/// human clicks, some tasks follow an email, the rest stand alone.
fn tasks(dice: &mut Dice, people: &[Person], emails: &[Recording], now: Instant) -> Vec<Task> {
    let today = local_today(now, chrono_tz::UTC);
    let clicks: Vec<(&EngagementEvent, &Email)> = emails
        .iter()
        .flat_map(|r| r.recorded().iter().map(move |e| (e, r.email())))
        .filter(|(e, _)| matches!(e.kind, EventKind::Clicked { .. }) && e.verdict.is_some_and(|v| v.human))
        .collect();
    let mut tasks = Vec::with_capacity(TASKS);
    for i in 0..TASKS {
        let (column_days, done) = match i % 6 {
            0 | 1 => (-(1 + dice.below(10) as i64), false),
            2 => (0, false),
            3 | 4 => (1 + dice.below(14) as i64, false),
            _ => (-(dice.below(14) as i64), true),
        };
        let date = today + TimeDelta::days(column_days);
        let created = now - dice.seconds(86_400, 20 * 86_400);
        let (task_type, title, origin, person, email) = if i % 3 == 0 && !clicks.is_empty() {
            let (event, email) = clicks[dice.below(clicks.len())];
            let person = people.iter().find(|p| Some(p.id) == email.person).expect("the email's person");
            let title = format!("Call {} about the link they opened", person.display_name());
            (TaskType::Call, title, Origin::FromEvent(event.id), Some(person.id), Some(email.id))
        } else {
            let person = dice.pick(people);
            let name = person.display_name();
            match dice.below(4) {
                0 => (
                    TaskType::Email,
                    format!("Send {name} the case study"),
                    Origin::Manual,
                    Some(person.id),
                    None,
                ),
                1 => (
                    TaskType::LinkedIn,
                    format!("Connect with {name} on LinkedIn"),
                    Origin::Manual,
                    Some(person.id),
                    None,
                ),
                2 => (TaskType::Call, format!("Call {name} back"), Origin::Manual, Some(person.id), None),
                _ => (
                    TaskType::Custom,
                    format!("Prepare renewal notes for {}", person.company),
                    Origin::Manual,
                    Some(person.id),
                    None,
                ),
            }
        };
        let due = if dice.chance(0.5) {
            Due::at(date, chrono::NaiveTime::from_hms_opt(9 + dice.below(8) as u32, 0, 0).expect("an hour"))
        } else {
            Due::on(date)
        };
        let mut task = Task::new(TaskId(dice.uuid()), task_type, &title, due, origin, created)
            .expect("the demo's tasks are valid");
        task.person = person;
        task.email = email.or(task.email);
        task.priority = *dice.pick(&[
            Priority::Low,
            Priority::Normal,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]);
        if done {
            task.complete(now - dice.seconds(60, 86_400));
        }
        tasks.push(task);
    }
    tasks
}

/// Keeps engagement arriving: every `every`, a view (or, one time in three, a click) of one of `emails`,
/// from a person's browser, through the tracking writer like a real hit. Stops with `stop`.
pub async fn keep_engagement_arriving(
    recorder: Recorder,
    emails: Vec<EmailId>,
    every: Duration,
    stop: CancellationToken,
) {
    if emails.is_empty() {
        return;
    }
    let mut dice = Dice::seeded(Utc::now().timestamp_millis() as u64);
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let email = emails[dice.below(emails.len())];
        let kind = if dice.below(3) == 0 {
            EventKind::Clicked { url: dice.pick(&LINKS).to_string() }
        } else {
            EventKind::Viewed
        };
        let ip = format!("198.51.100.{}", 1 + dice.below(250));
        recorder.record(email, kind, Some(ip), Some(BROWSER.to_string())).await;
    }
}
