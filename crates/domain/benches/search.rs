//! Benchmarks of advanced search: a saved search evaluated over 100,000 emails whose engagement adds up to
//! 1,000,000 events, and one incremental membership update for one new event with 50 saved searches.
//!
//! Run with `cargo bench -p domain --bench search`. The data is made by a small seeded generator, so every
//! run measures the same thing.

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::search::{Query, SavedSearch, SavedSearches, SearchIndex};
use domain::{
    Campaign, CampaignId, Email, EmailAddress, EmailEngagement, EmailId, EmailKind, Person, PersonId,
    SavedSearchId, Status, UserId,
};

const EMAILS: usize = 100_000;
const PEOPLE: usize = 20_000;
const CAMPAIGNS: usize = 50;
const EVENTS: usize = 1_000_000;
const SAVED_SEARCHES: usize = 50;

struct Data {
    campaigns: Vec<Campaign>,
    people: Vec<Person>,
    emails: Vec<Email>,
    engagement: Vec<EmailEngagement>,
}

fn address(text: &str) -> EmailAddress {
    EmailAddress::parse(text).expect("generated addresses are valid")
}

fn data() -> Data {
    let mut rng = fastrand::Rng::with_seed(0x5EED);
    let campaigns: Vec<Campaign> = (0..CAMPAIGNS)
        .map(|n| Campaign { id: CampaignId::from_u128(n as u128 + 1), name: format!("Campaign {n}") })
        .collect();
    let first = ["Ana", "Bo", "Carla", "Dev", "Eun", "Farid", "Gil", "Hana"];
    let last = ["Souza", "Li", "Okafor", "Novak", "Silva", "Kim", "Haddad"];
    let people: Vec<Person> = (0..PEOPLE)
        .map(|n| {
            let mut p = Person::new(
                PersonId::from_u128(n as u128 + 1),
                address(&format!("person{n}@company{}.com", n % 2_000)),
            );
            p.first_name = first[rng.usize(..first.len())].into();
            p.last_name = last[rng.usize(..last.len())].into();
            p.company = format!("Company {}", n % 2_000);
            if n % 10 == 0 {
                p.tags.insert("vip".into());
            }
            if n % 7 == 0 {
                p.tags.insert("cold".into());
            }
            p
        })
        .collect();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).single().expect("valid instant");
    let sender = address("rep@seller.com");
    let subjects = ["Pricing for {c}", "Quick question", "Following up", "Your trial of Command Center"];
    let emails: Vec<Email> = (0..EMAILS)
        .map(|n| {
            let who = &people[n % PEOPLE];
            let created = start + TimeDelta::minutes((n as i64) * 2);
            let campaign = (n % 5 != 0).then(|| campaigns[rng.usize(..CAMPAIGNS)].id);
            let status = match rng.usize(..100) {
                0..=84 => Status::Delivered,
                85..=89 => Status::Archived,
                90..=93 => Status::Bounced,
                94..=96 => Status::Scheduled,
                _ => Status::Failed,
            };
            let sent = created + TimeDelta::minutes(5);
            let id = EmailId::from_u128(n as u128 + 1);
            let mut email = Email::new(id, sender.clone(), who.email.clone(), EmailKind::Bulk, created);
            email.owner = UserId(1);
            email.person = Some(who.id);
            email.subject = subjects[rng.usize(..subjects.len())].replace("{c}", &who.company);
            email.campaign = campaign;
            // Each status reached through the state machine, as a real email's is.
            email.walk_to(status, sent).expect("every status can be reached");
            email
        })
        .collect();

    // 1,000,000 events folded into per-email counts: views (some by machines), clicks, replies.
    let mut engagement = vec![EmailEngagement::default(); EMAILS];
    for _ in 0..EVENTS {
        let e = &mut engagement[rng.usize(..EMAILS)];
        match rng.usize(..100) {
            0..=54 => {
                e.views_raw += 1;
                e.views_human += 1;
            }
            55..=79 => e.views_raw += 1,
            80..=91 => {
                e.clicks_raw += 1;
                e.clicks_human += 1;
            }
            92..=94 => e.clicks_raw += 1,
            _ => e.replies += 1,
        }
    }
    Data { campaigns, people, emails, engagement }
}

fn index(data: &Data) -> SearchIndex {
    SearchIndex::build(
        &data.campaigns,
        &data.people,
        &data.emails,
        data.emails.iter().zip(&data.engagement).map(|(e, counts)| (e.id, counts.clone())),
    )
}

fn saved_searches(index: &SearchIndex) -> SavedSearches {
    let mut texts: Vec<String> = Vec::new();
    for k in 0..20 {
        texts.push(format!(r#"campaign:"Campaign {k}" viewed clicked -replied"#));
    }
    for k in 20..30 {
        texts.push(format!(r#"campaign:"campaign {k}" viewed>=2"#));
    }
    texts.extend(
        [
            "tag:vip clicked",
            "tag:cold -viewed",
            r#"company:"company 12" replied"#,
            "domain:company7.com viewed",
            "subject:pricing clicked -replied",
            "(viewed OR clicked) -replied created:2026-01-01..2026-02-01",
            "folder:sent viewed>=3",
            "status:bounced",
            "name:souza clicked",
            "NOT tag:cold (replied OR clicked>=2)",
        ]
        .map(String::from),
    );
    let mut k = 0;
    while texts.len() < SAVED_SEARCHES {
        texts.push(format!("viewed>={} -replied sent:2026-0{}-01..", 2 + k % 4, 1 + k % 3));
        k += 1;
    }
    let mut saved = SavedSearches::new();
    for (n, text) in texts.iter().enumerate() {
        let query = Query::parse(text).expect("the benchmark's searches parse");
        let search = SavedSearch { id: SavedSearchId::from_u128(n as u128 + 1), name: text.clone(), query };
        saved.insert(index, search);
    }
    saved
}

fn bench(c: &mut Criterion) {
    let started = std::time::Instant::now();
    let data = data();
    let generated = started.elapsed();
    let started = std::time::Instant::now();
    let mut index = index(&data);
    let built = started.elapsed();
    let seed = Query::parse(r#"campaign:"Campaign 7" viewed clicked -replied"#).expect("parses");
    eprintln!(
        "{} emails, {} people, {} events: generated in {generated:.2?}, indexed in {built:.2?}; \
         the seed search finds {} people ({} emails)",
        index.len(),
        PEOPLE,
        EVENTS,
        index.people(&seed).len(),
        index.emails(&seed).len(),
    );

    let mut group = c.benchmark_group("search");
    group.bench_function("people: campaign viewed clicked -replied (100k emails)", |b| {
        b.iter(|| index.people(black_box(&seed)))
    });
    group.bench_function("emails: campaign viewed clicked -replied (100k emails)", |b| {
        b.iter(|| index.emails(black_box(&seed)))
    });
    let wide = Query::parse("subject:pricing (viewed>=2 OR clicked) -tag:cold").expect("parses");
    group.bench_function("people: subject text, OR, person tag (100k emails)", |b| {
        b.iter(|| index.people(black_box(&wide)))
    });
    group.bench_function("parse and print the seed search", |b| {
        b.iter(|| {
            Query::parse(black_box(r#"campaign:"Campaign 7" viewed clicked -replied"#)).map(|q| q.to_string())
        })
    });
    group.finish();

    let mut saved = saved_searches(&index);
    let mut engagement = data.engagement;
    let mut rng = fastrand::Rng::with_seed(42);
    let mut group = c.benchmark_group("membership");
    group.bench_function("one new event, 50 saved searches", |b| {
        b.iter(|| {
            // One more human view or click on some email, then who enters or leaves what.
            let n = rng.usize(..EMAILS);
            let counts = &mut engagement[n];
            if rng.usize(..2) == 0 {
                counts.views_human += 1;
            } else {
                counts.clicks_human += 1;
            }
            let touched = index.set_engagement(data.emails[n].id, counts);
            saved.update(&index, &touched)
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
