//! The one layer every string of the UI goes through: the translations generated from `locales/*.json`
//! (English, Portuguese (Brazil) and Italian), plurals by each language's rules.
//!
//! Use `t_string!(i18n, key).to_string()` in views, `t_string!(i18n, key)` where a `String` is needed (attributes, notices).

// The generated module: one method per message, named after its key.
#![allow(clippy::module_inception, clippy::new_ret_no_self)]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub use i18n::*;

/// The language tag of a locale, as `Intl` and `<html lang>` want it.
pub fn tag(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "en",
        Locale::pt_BR => "pt-BR",
        Locale::it => "it",
    }
}

/// The locale for a tag the rep chose or the browser asks for (`pt`, `pt-BR`, `it-IT`, `en-GB` …).
pub fn from_tag(tag: &str) -> Option<Locale> {
    let lower = tag.to_ascii_lowercase();
    match lower.split(['-', '_']).next().unwrap_or_default() {
        "en" => Some(Locale::en),
        "pt" => Some(Locale::pt_BR),
        "it" => Some(Locale::it),
        _ => None,
    }
}

/// The locale to start in: the rep's choice, else the first of the browser's languages we speak.
pub fn initial(choice: Option<&str>, browser: &[String]) -> Locale {
    choice.and_then(from_tag).or_else(|| browser.iter().find_map(|t| from_tag(t))).unwrap_or(Locale::en)
}
