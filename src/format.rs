//! Dates, times and numbers in the rep's language and time zone, through the browser's own `Intl`
//! (so every locale's conventions are the browser's, and none of their data ships in the app).

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, TimeDelta, Timelike};
use domain::Instant;
use js_sys::{Array, Date, Function, Object, Reflect};
use wasm_bindgen::JsValue;

thread_local! {
    /// `Intl` formatters are costly to make and cheap to use: one per locale, zone and style.
    static FORMATTERS: RefCell<HashMap<String, Function>> = RefCell::new(HashMap::new());
    static RELATIVE: RefCell<HashMap<String, js_sys::Intl::RelativeTimeFormat>> = RefCell::new(HashMap::new());
}

/// The `format` function of a date formatter for `locale` with `pairs` as options (made once).
fn date_formatter(locale: &str, pairs: &[(&str, &str)]) -> Function {
    let key = format!("{locale}|{pairs:?}");
    FORMATTERS.with(|cache| {
        cache
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| js_sys::Intl::DateTimeFormat::new(&locales(locale), &options(pairs)).format())
            .clone()
    })
}

/// An options object for an `Intl` constructor.
pub(crate) fn options(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

/// The locales argument of an `Intl` constructor: just `locale`.
pub(crate) fn locales(locale: &str) -> Array {
    Array::of1(&JsValue::from_str(locale))
}

fn js_date(at: Instant) -> Date {
    Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

fn format_with(at: Instant, locale: &str, pairs: &[(&str, &str)]) -> String {
    let function = date_formatter(locale, pairs);
    function.call1(&JsValue::NULL, &js_date(at)).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// A date and time, e.g. "23 Nov 2026, 09:00" (in the zone given, which may be empty for the browser's).
pub fn date_time(at: Instant, locale: &str, zone: &str) -> String {
    if zone.is_empty() {
        format_with(at, locale, &[("dateStyle", "medium"), ("timeStyle", "short")])
    } else {
        format_with(at, locale, &[("dateStyle", "medium"), ("timeStyle", "short"), ("timeZone", zone)])
    }
}

/// A calendar day, e.g. "Mon, 23 Nov 2026".
pub fn date(day: chrono::NaiveDate, locale: &str) -> String {
    let noon = day.and_hms_opt(12, 0, 0).map(|d| d.and_utc());
    match noon {
        Some(at) => format_with(
            at,
            locale,
            &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("year", "numeric"),
                ("timeZone", "UTC"),
            ],
        ),
        None => day.to_string(),
    }
}

/// A date and time with seconds and the zone's name (for a title on hover, or a timeline).
pub fn date_time_long(at: Instant, locale: &str, zone: &str) -> String {
    let mut pairs = vec![("dateStyle", "full"), ("timeStyle", "long")];
    if !zone.is_empty() {
        pairs.push(("timeZone", zone));
    }
    format_with(at, locale, &pairs)
}

/// How long ago (or ahead) `at` is from `now`, e.g. "2 minutes ago", "now", "in 3 hours".
pub fn relative(at: Instant, now: Instant, locale: &str) -> String {
    let delta: TimeDelta = at - now;
    let seconds = delta.num_seconds() as f64;
    let (value, unit) = match seconds.abs() {
        s if s < 45.0 => (0.0, "second"),
        s if s < 45.0 * 60.0 => ((seconds / 60.0).round(), "minute"),
        s if s < 22.0 * 3600.0 => ((seconds / 3600.0).round(), "hour"),
        s if s < 26.0 * 86400.0 => ((seconds / 86400.0).round(), "day"),
        _ => ((seconds / (30.0 * 86400.0)).round(), "month"),
    };
    RELATIVE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let format = cache.entry(locale.to_string()).or_insert_with(|| {
            js_sys::Intl::RelativeTimeFormat::new(&locales(locale), &options(&[("numeric", "auto")]))
        });
        String::from(format.format(value, unit))
    })
}

/// `items` in the order a person reads a list of names: by `name`, ignoring case and accents ("Álvaro"
/// before "Ana"), ties in their first order. Every such list in the app goes through this one sort of
/// (name, position) pairs.
pub fn by_name<T>(items: Vec<T>, name: impl Fn(&T) -> String) -> Vec<T> {
    let mut order: Vec<(String, usize)> = items.iter().map(|item| folded(&name(item))).zip(0..).collect();
    order.sort_unstable();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.into_iter().filter_map(|(_, i)| slots[i].take()).collect()
}

/// A day as a date input holds it: `2026-12-03`.
pub fn input_date(day: NaiveDate) -> String {
    day.to_string()
}

/// The day a date input holds, if it holds one.
pub fn parse_input_date(text: &str) -> Option<NaiveDate> {
    text.trim().parse().ok()
}

/// A time of day as a time input holds it: `09:30` (hours and minutes).
pub fn input_time(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// The time of day a time input holds (`09:30`, or `09:30:15` from an input with seconds), if it holds one.
pub fn parse_input_time(text: &str) -> Option<NaiveTime> {
    let (hours, rest) = text.trim().split_once(':')?;
    let minutes = rest.split(':').next()?;
    if !(1..=2).contains(&hours.len()) || minutes.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

/// A name as it is compared: accents taken off (the marks of its canonical decomposition) and lower case.
/// Plain ASCII (most names and every address) is folded here, without asking the browser.
pub fn folded(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    let decomposed = String::from(js_sys::JsString::from(name).normalize("NFD"));
    decomposed.chars().filter(|c| !('\u{300}'..='\u{36f}').contains(c)).collect::<String>().to_lowercase()
}

/// A whole number with the locale's grouping, e.g. "12,345" or "12.345".
pub fn number(n: u64, locale: &str) -> String {
    let key = format!("number|{locale}");
    let function = FORMATTERS.with(|cache| {
        cache
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| js_sys::Intl::NumberFormat::new(&locales(locale), &Object::new()).format())
            .clone()
    });
    function
        .call1(&JsValue::NULL, &JsValue::from_f64(n as f64))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| n.to_string())
}

/// The browser's own time zone (IANA name), or UTC when it will not say.
pub fn browser_time_zone() -> String {
    thread_local! {
        static ZONE: String = {
            let format = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
            Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
                .ok()
                .and_then(|z| z.as_string())
                .filter(|z| !z.is_empty())
                .unwrap_or_else(|| "UTC".to_string())
        };
    }
    ZONE.with(Clone::clone)
}

/// The languages the browser asks for, in order of preference.
pub fn browser_languages() -> Vec<String> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    let languages = window.navigator().languages();
    let mut out: Vec<String> = languages.iter().filter_map(|l| l.as_string()).collect();
    if out.is_empty()
        && let Some(language) = window.navigator().language()
    {
        out.push(language);
    }
    out
}
