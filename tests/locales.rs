//! Every string of the UI in every language: a key missing from Portuguese (Brazil) or Italian, or a
//! translation that drops or invents a `{{ value }}`, fails here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const EN: &str = include_str!("../locales/en.json");
const LANGUAGES: [(&str, &str); 2] =
    [("pt-BR", include_str!("../locales/pt-BR.json")), ("it", include_str!("../locales/it.json"))];

/// Every message as `path` → text; plural forms (`x_one`, `x_other`, …) are kept apart.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, v, out);
            }
        }
        Value::String(text) => {
            out.insert(prefix.to_string(), text.clone());
        }
        other => panic!("{prefix} is not text: {other}"),
    }
}

fn messages(json: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    flatten("", &serde_json::from_str(json).expect("valid JSON"), &mut out);
    out
}

/// The message a key belongs to: plural forms share one.
fn message_of(key: &str) -> &str {
    for suffix in ["_zero", "_one", "_two", "_few", "_many", "_other"] {
        if let Some(base) = key.strip_suffix(suffix) {
            return base;
        }
    }
    key
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else { break };
        out.insert(rest[start + 2..start + end].trim().to_string());
        rest = &rest[start + end + 2..];
    }
    out
}

#[wasm_bindgen_test]
fn every_language_has_every_message_with_the_same_values() {
    let english = messages(EN);
    let plural: BTreeSet<&str> =
        english.keys().filter(|k| k.ends_with("_other")).map(|k| message_of(k)).collect();
    for (language, json) in LANGUAGES {
        let translated = messages(json);
        let missing: Vec<&String> = english.keys().filter(|k| !translated.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{language} lacks {missing:?}");
        let unknown: Vec<&String> = translated
            .keys()
            .filter(|k| {
                !english.contains_key(message_of(k))
                    && !english.keys().any(|e| message_of(e) == message_of(k))
            })
            .collect();
        assert!(unknown.is_empty(), "{language} has keys English does not: {unknown:?}");
        for (key, text) in &translated {
            let base = message_of(key);
            let english_text = english
                .get(key)
                .or_else(|| english.get(&format!("{base}_other")))
                .unwrap_or_else(|| panic!("{language} {key} has no English message"));
            assert_eq!(placeholders(text), placeholders(english_text), "{language} {key}: the values differ");
            assert!(!text.trim().is_empty(), "{language} {key} is empty");
        }
        for base in &plural {
            assert!(translated.contains_key(&format!("{base}_other")), "{language} {base} has no plural");
        }
    }
}
