//! Screens mounted in a real browser: the task board groups tasks at a day's edge in the rep's (non-UTC)
//! time zone, and the filter builder and the text form of a search are one query seen two ways.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use command_center::components::filter_builder::{Field, FilterBuilder, Row, query_of, rows_of};
use command_center::i18n::I18nContextProvider;
use command_center::pages::TasksPage;
use command_center::state::AppState;
use command_center::storage::{Cache, Settings};
use domain::search::Query;
use domain::task::{Due, Origin, Task, TaskType};
use domain::{Instant, TaskId};
use leptos::prelude::*;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

fn container() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn task(n: u128, title: &str, due: Due, now: Instant) -> Task {
    Task::new(TaskId::from_u128(n), TaskType::Call, title, due, Origin::Manual, now).unwrap()
}

/// The titles in a board column.
fn column(root: &web_sys::HtmlElement, name: &str) -> Vec<String> {
    let cards = root.query_selector_all(&format!("[data-column={name}] .card-title")).unwrap();
    (0..cards.length()).map(|i| cards.item(i).unwrap().text_content().unwrap_or_default()).collect()
}

#[wasm_bindgen_test]
async fn the_board_groups_tasks_by_the_reps_day_in_sao_paulo_not_by_utc() {
    // 02:30 UTC on the 23rd is 23:30 on the 22nd in São Paulo (UTC−3): still the 22nd for the rep.
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 2, 30, 0).unwrap();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let cache = Cache::open(&format!("cc-board-{}", js_sys::Math::random().to_bits())).await.unwrap();
    let settings = Settings {
        language: Some("en".into()),
        time_zone: Some("America/Sao_Paulo".into()),
        ..Settings::default()
    };
    let state = AppState::new(cache.clone(), None, settings);
    state.set_clock(Some(now));
    let mut done = task(5, "Sent the proposal", Due::on(day(20)), now);
    done.complete(now);
    let tasks = vec![
        task(1, "Call Ana (yesterday)", Due::on(day(21)), now),
        task(2, "Call Bo (the rep's today)", Due::on(day(22)), now),
        task(
            3,
            "Call Carla at 23:00 (passed)",
            Due::at(day(22), NaiveTime::from_hms_opt(23, 0, 0).unwrap()),
            now,
        ),
        task(4, "Call Dan (UTC's today, the rep's tomorrow)", Due::on(day(23)), now),
        done,
    ];
    state.tasks.set(tasks.into_iter().map(|t| (t.id, t)).collect());
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! { <I18nContextProvider enable_cookie=false><Router><TasksPage /></Router></I18nContextProvider> }
    });
    tick().await;
    assert_eq!(column(&root, "overdue"), vec!["Call Ana (yesterday)", "Call Carla at 23:00 (passed)"]);
    assert_eq!(column(&root, "today"), vec!["Call Bo (the rep's today)"]);
    assert_eq!(column(&root, "upcoming"), vec!["Call Dan (UTC's today, the rep's tomorrow)"]);
    assert_eq!(column(&root, "completed"), vec!["Sent the proposal"]);
    let heading = root.query_selector("#column-today").unwrap().unwrap().text_content().unwrap();
    assert!(heading.starts_with("Today") && heading.trim_end().ends_with('1'), "{heading}");
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
fn the_builder_rows_and_the_text_form_round_trip() {
    for text in [
        r#"campaign:"Q4 launch" viewed clicked -replied"#,
        "folder:undelivered/bounced sent:2026-11-01..2026-12-01",
        "clicked>=3 -tag:customer domain:acme.example.com",
        r#"subject:"pricing \"v2\"" name:ana company:acme folder:pending status:spam"#,
        "",
    ] {
        let query = Query::parse(text).unwrap();
        let rows = rows_of(&query).expect("a plain AND fits the builder");
        let back = query_of(&rows);
        assert_eq!(back, query, "{text}");
        assert_eq!(Query::parse(&back.to_string()).unwrap(), query, "{text}");
    }
    assert!(rows_of(&Query::parse("viewed OR replied").unwrap()).is_none());
    // A row still being written is left out, not an error.
    let mut incomplete = Row::new(Field::Company);
    incomplete.text = "  ".into();
    assert_eq!(query_of(&[incomplete]), Query::everything());
}

/// A filter builder of `rows` mounted in the page (with a cache of its own), the text it writes whenever a
/// row changes, and what keeps it mounted.
async fn mount_builder(
    rows: RwSignal<Vec<Row>>,
) -> (web_sys::HtmlElement, RwSignal<String>, Cache, impl Sized) {
    let cache = Cache::open(&format!("cc-builder-{}", js_sys::Math::random().to_bits())).await.unwrap();
    let state = AppState::new(
        cache.clone(),
        None,
        Settings { language: Some("en".into()), time_zone: None, ..Settings::default() },
    );
    let written = RwSignal::new(String::new());
    let root = container();
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        let on_change = Callback::new(move |q: Query| written.set(q.to_string()));
        view! { <I18nContextProvider enable_cookie=false><FilterBuilder rows=rows on_change=on_change /></I18nContextProvider> }
    });
    tick().await;
    (root, written, cache, mounted)
}

#[wasm_bindgen_test]
async fn a_row_still_being_filled_in_is_marked_with_its_reason_and_left_out_of_the_text() {
    let rows = RwSignal::new(vec![Row::new(Field::Viewed), Row::new(Field::Campaign)]);
    let (root, written, cache, _mounted) = mount_builder(rows).await;
    let marked = root.query_selector_all(".condition.incomplete").unwrap();
    assert_eq!(marked.length(), 1);
    let value = root.query_selector("#cond-1-value").unwrap().unwrap();
    assert_eq!(value.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(value.get_attribute("aria-describedby").as_deref(), Some("cond-1-why"));
    let why = root.query_selector("#cond-1-why").unwrap().unwrap().text_content().unwrap();
    assert_eq!(why, "Not applied yet: fill it in or remove it.");
    // Filled in: complete, unmarked, and in the text after the first row.
    let input: web_sys::HtmlInputElement = value.unchecked_into();
    input.set_value("Q4 launch");
    input.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    tick().await;
    assert_eq!(written.get_untracked(), r#"viewed campaign:"Q4 launch""#);
    assert_eq!(root.query_selector_all(".condition.incomplete").unwrap().length(), 0);
    let value = root.query_selector("#cond-1-value").unwrap().unwrap();
    assert_eq!(value.get_attribute("aria-invalid"), None);
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_change_in_the_builder_writes_the_text_form() {
    let rows = RwSignal::new(rows_of(&Query::parse("viewed clicked replied").unwrap()).unwrap());
    let (root, written, cache, _mounted) = mount_builder(rows).await;
    // "not" on the third row (replied): the text says -replied.
    let nots = root.query_selector_all(".condition input[type=checkbox]").unwrap();
    assert_eq!(nots.length(), 3);
    let not_replied: web_sys::HtmlInputElement = nots.item(2).unwrap().unchecked_into();
    not_replied.click();
    tick().await;
    assert_eq!(written.get_untracked(), "viewed clicked -replied");
    assert_eq!(Query::parse(&written.get_untracked()).unwrap(), query_of(&rows.get_untracked()));
    cache.delete().await.unwrap();
}

#[wasm_bindgen_test]
fn pickers_list_names_alphabetically_whatever_their_case_and_equal_names_keep_their_order() {
    let people = vec![("3", "bruno"), ("1", "Ana"), ("4", "Carla"), ("2", "ana"), ("5", "Álvaro")];
    let ids: Vec<&str> = command_center::format::by_name(people, |(_, name)| name.to_string())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // Case and accents are ignored; "Ana" and "ana" keep the order they came in.
    assert_eq!(ids, vec!["5", "1", "2", "3", "4"]);
}

#[wasm_bindgen_test]
fn date_and_time_inputs_read_back_what_they_show_and_refuse_what_is_not_a_day_or_a_time() {
    use command_center::format::{input_date, input_time, parse_input_date, parse_input_time};
    let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert_eq!(input_date(day), "2026-03-09");
    assert_eq!(parse_input_date(&input_date(day)), Some(day));
    let nine_thirty = NaiveTime::from_hms_opt(9, 30, 0).unwrap();
    assert_eq!(input_time(NaiveTime::from_hms_opt(9, 30, 59).unwrap()), "09:30");
    assert_eq!(parse_input_time("09:30"), Some(nine_thirty));
    assert_eq!(parse_input_time("09:30:15"), Some(nine_thirty), "an input with seconds");
    for not_a_time in ["", "9", "24:00", "09:3", "09:60", "ab:cd"] {
        assert_eq!(parse_input_time(not_a_time), None, "{not_a_time:?}");
    }
    for not_a_day in ["", "2026-02-30", "tomorrow", "03/09/2026"] {
        assert_eq!(parse_input_date(not_a_day), None, "{not_a_day:?}");
    }
}

#[wasm_bindgen_test]
async fn a_screen_shows_the_newest_read_even_when_an_older_one_finishes_last() {
    let asked = RwSignal::new(1u32);
    let seen = RwSignal::new(Vec::<Option<u32>>::new());
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        let answer = command_center::state::load(move || {
            let n = asked.get();
            // Every read but the second is slow: the first finishes after the second has.
            async move {
                gloo_timers::future::TimeoutFuture::new(if n == 2 { 20 } else { 300 }).await;
                n
            }
        });
        Effect::new(move |_| seen.update(|s| s.push(answer.get())));
        view! { <p class="answer">{move || answer.get().map(|n| n.to_string()).unwrap_or("loading".into())}</p> }
    });
    tick().await;
    assert_eq!(root.text_content().unwrap(), "loading");
    asked.set(2);
    gloo_timers::future::TimeoutFuture::new(500).await;
    assert_eq!(root.text_content().unwrap(), "2");
    assert!(
        !seen.get_untracked().contains(&Some(1)),
        "the older answer never showed: {:?}",
        seen.get_untracked()
    );
    asked.set(3);
    tick().await;
    assert_eq!(root.text_content().unwrap(), "2", "the last answer stays while the next read runs");
    gloo_timers::future::TimeoutFuture::new(400).await;
    assert_eq!(root.text_content().unwrap(), "3");
}

#[wasm_bindgen_test]
async fn a_person_pulled_while_every_person_is_being_read_is_not_hidden_by_that_read() {
    // Mounting starts the executor that runs the state's reads.
    std::mem::forget(leptos::mount::mount_to(container(), || ()));
    let cache = Cache::open(&format!("cc-meanwhile-{}", js_sys::Math::random().to_bits())).await.unwrap();
    let person = |n: u128, first: &str| {
        let address = domain::EmailAddress::parse(&format!("p{n}@acme.example")).unwrap();
        let mut person = domain::Person::new(domain::PersonId::from_u128(n), address);
        person.first_name = first.into();
        domain::sync::Record::Person { person: Box::new(person) }
    };
    // 1,200 people: a whole read of them takes three slices, with a pause for the browser between them.
    let writes = (0..1_200).flat_map(|n| command_center::storage::Write::of(&person(n, "Old"))).collect();
    cache.write(writes).await.unwrap();
    let owner = Owner::new();
    let state = owner.with(|| AppState::new(cache.clone(), None, Settings::default()));
    // A whole read starts (as when the app starts) on a cache where person 0 is still "Old"; a pull then
    // brings them renamed before the read is done.
    state.changed();
    state.changed_by(&[person(0, "New")]);
    let people = state.directory.people;
    let first = move || {
        people.with_untracked(|p| p.get(&domain::PersonId::from_u128(0)).map(|p| p.first_name.clone()))
    };
    // The read is done when every person is in memory and what was taken in meanwhile is taken in again.
    for _ in 0..300 {
        if people.with_untracked(|p| p.len()) == 1_200 && first().as_deref() == Some("New") {
            break;
        }
        tick().await;
    }
    assert_eq!(people.with_untracked(|p| p.len()), 1_200, "the whole read ended");
    assert_eq!(first().as_deref(), Some("New"), "the read that began before the rename does not hide it");
    drop(owner);
}
