//! The rep's time zone, read from the browser's own IANA database through `Intl`.
//!
//! The domain's rules take any chrono zone (`domain::task::Zone`). The endpoint compiles the IANA database
//! in (`chrono_tz`); the app asks the browser, which already carries it, instead of shipping a second copy
//! in the wasm. Names are still checked against `chrono_tz`'s list (names only, no transition tables), so
//! the app offers and accepts exactly the zones the endpoint schedules in.
//!
//! A zone's offset at an instant is the wall clock `Intl.DateTimeFormat.formatToParts` shows there, minus
//! the instant. A wall-clock time is resolved by trying the offsets in force a day either side of it: none
//! fits inside a spring-forward gap, both fit in a repeated autumn hour (earliest first, as chrono orders
//! them).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use js_sys::{Array, Date, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A time zone the browser knows, cheap to copy (an index into the formatters made so far).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IntlZone {
    /// 0 is UTC, which needs no formatter; n is `ZONES[n - 1]`.
    id: u32,
}

/// An offset from UTC in force in an [`IntlZone`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntlOffset {
    zone: IntlZone,
    fix: FixedOffset,
}

struct Known {
    name: String,
    format: WallClock,
}

/// One `Intl.DateTimeFormat` and its `formatToParts` method (made once per zone: making one is slow).
struct WallClock {
    format: JsValue,
    parts: Function,
}

/// Offsets are cached per zone and UTC minute: every offset change since the 1970s falls on a whole minute.
const CACHE_LIMIT: usize = 20_000;

thread_local! {
    static ZONES: RefCell<Vec<Known>> = const { RefCell::new(Vec::new()) };
    static OFFSETS: RefCell<HashMap<(u32, i64), i32>> = RefCell::new(HashMap::new());
}

impl IntlZone {
    /// Coordinated Universal Time.
    pub const UTC: IntlZone = IntlZone { id: 0 };

    /// The zone with IANA name `name` (surrounding spaces ignored), if both the endpoint's list and the
    /// browser know it.
    pub fn named(name: &str) -> Option<IntlZone> {
        let name = name.trim();
        domain::task::parse_time_zone(name).ok()?;
        ZONES.with(|zones| {
            let mut zones = zones.borrow_mut();
            if let Some(i) = zones.iter().position(|known| known.name == name) {
                return Some(IntlZone { id: i as u32 + 1 });
            }
            let format = WallClock::new(name)?;
            zones.push(Known { name: name.to_string(), format });
            Some(IntlZone { id: zones.len() as u32 })
        })
    }

    /// The zone's IANA name.
    pub fn name(self) -> String {
        match self.id {
            0 => "UTC".to_string(),
            id => ZONES.with(|zones| zones.borrow()[id as usize - 1].name.clone()),
        }
    }

    /// Seconds east of UTC in force at the UTC time `utc`.
    fn offset_secs(self, utc: &NaiveDateTime) -> i32 {
        if self.id == 0 {
            return 0;
        }
        let minute = utc.and_utc().timestamp().div_euclid(60);
        let key = (self.id, minute);
        if let Some(secs) = OFFSETS.with(|cache| cache.borrow().get(&key).copied()) {
            return secs;
        }
        let at = minute * 60;
        let wall = ZONES.with(|zones| zones.borrow()[self.id as usize - 1].format.wall_clock(at));
        let secs = wall.and_then(|wall| i32::try_from(wall - at).ok()).unwrap_or(0);
        OFFSETS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, secs);
        });
        secs
    }

    fn offset(self, secs: i32) -> IntlOffset {
        let fix = FixedOffset::east_opt(secs).unwrap_or(FixedOffset::east_opt(0).expect("zero is an offset"));
        IntlOffset { zone: self, fix }
    }
}

impl fmt::Debug for IntlZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Offset for IntlOffset {
    fn fix(&self) -> FixedOffset {
        self.fix
    }
}

impl fmt::Display for IntlOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.fix, f)
    }
}

impl TimeZone for IntlZone {
    type Offset = IntlOffset;

    fn from_offset(offset: &IntlOffset) -> IntlZone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<IntlOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<IntlOffset> {
        let day = TimeDelta::days(1);
        let mut fits: Vec<i32> = Vec::with_capacity(2);
        for probe in [local.checked_sub_signed(day), local.checked_add_signed(day)].into_iter().flatten() {
            let secs = self.offset_secs(&probe);
            let Some(utc) = local.checked_sub_signed(TimeDelta::seconds(secs.into())) else { continue };
            if self.offset_secs(&utc) == secs && !fits.contains(&secs) {
                fits.push(secs);
            }
        }
        // The larger offset is the earlier instant.
        fits.sort_unstable_by(|a, b| b.cmp(a));
        match fits[..] {
            [] => LocalResult::None,
            [one] => LocalResult::Single(self.offset(one)),
            [earlier, later, ..] => LocalResult::Ambiguous(self.offset(earlier), self.offset(later)),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> IntlOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> IntlOffset {
        self.offset(self.offset_secs(utc))
    }
}

impl WallClock {
    /// An `Intl.DateTimeFormat` showing every field of the wall clock in `zone`, in Gregorian numbers; `None`
    /// when the browser does not know the zone (the constructor throws a `RangeError`).
    fn new(zone: &str) -> Option<WallClock> {
        let options = crate::format::options(&[
            ("timeZone", zone),
            ("calendar", "gregory"),
            ("numberingSystem", "latn"),
            ("hourCycle", "h23"),
            ("era", "short"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ]);
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let class: Function = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
        let args = Array::of2(&crate::format::locales("en-US"), &options);
        let format = Reflect::construct(&class, &args).ok()?;
        let parts: Function = Reflect::get(&format, &"formatToParts".into()).ok()?.dyn_into().ok()?;
        Some(WallClock { format, parts })
    }

    /// The wall clock at `at` (seconds since the epoch) in this zone, as seconds since the epoch.
    fn wall_clock(&self, at: i64) -> Option<i64> {
        let date = Date::new(&JsValue::from_f64(at as f64 * 1000.0));
        let parts: Array = self.parts.call1(&self.format, &date).ok()?.dyn_into().ok()?;
        let (mut year, mut month, mut day, mut hour, mut minute, mut second) = (0, 0, 0, 0, 0, 0);
        let mut before_christ = false;
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            match kind.as_str() {
                "era" => before_christ = value == "BC",
                "year" => year = value.parse().ok()?,
                "month" => month = value.parse().ok()?,
                "day" => day = value.parse().ok()?,
                // Some engines show midnight as 24 even with a 23-hour cycle.
                "hour" => hour = value.parse::<u32>().ok()? % 24,
                "minute" => minute = value.parse().ok()?,
                "second" => second = value.parse().ok()?,
                _ => {}
            }
        }
        if before_christ {
            year = 1 - year;
        }
        let wall = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
        Some(wall.and_utc().timestamp())
    }
}
