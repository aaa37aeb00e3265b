//! Any JSON sent as a usage report: parsing never panics, and what is accepted only ever adds to
//! counters named by the fixed vocabulary — no value a client chose can become a counter.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use waxseal_api::usage::*;

const FIELDS: &[&str] = &[
    "browser",
    "browser_major",
    "language",
    "source",
    "size",
    "proof",
    "time_to_prompt",
    "time_to_render",
    "speed",
    "failure",
];

/// Every word a report may hold.
fn vocabulary() -> Vec<&'static str> {
    let mut words: Vec<&'static str> = Vec::new();
    words.extend(Browser::ALL.iter().map(|v| v.as_str()));
    words.extend(Source::ALL.iter().map(|v| v.as_str()));
    words.extend(Proof::ALL.iter().map(|v| v.as_str()));
    words.extend(Size::ALL.iter().map(|v| v.as_str()));
    words.extend(Time::ALL.iter().map(|v| v.as_str()));
    words.extend(Speed::ALL.iter().map(|v| v.as_str()));
    words.extend(Failure::ALL.iter().map(|v| v.as_str()));
    words.extend(LANGUAGES);
    words
}

fn value() -> impl Strategy<Value = Value> {
    let words = vocabulary();
    prop_oneof![
        proptest::sample::select(words).prop_map(|w| json!(w)),
        any::<u32>().prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(|s| json!(s)),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(["firefox"])),
        Just(json!({"a": 1})),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(FIELDS).prop_map(str::to_owned),
        1 => "[a-z_]{1,16}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn only_the_vocabulary_reaches_the_counters(fields in proptest::collection::vec((key(), value()), 0..6)) {
        // A valid report with fields changed or added: many stay valid, many do not.
        let mut object: Map<String, Value> = serde_json::from_value(json!({
            "browser": "firefox", "browser_major": 153, "language": "en",
            "source": "file", "size": "under-100-kb",
        }))
        .unwrap();
        object.extend(fields);
        let Ok(report) = serde_json::from_value::<Report>(Value::Object(object)) else {
            return Ok(());
        };
        if report.check().is_err() {
            return Ok(());
        }
        let words = vocabulary();
        let entries = report.entries();
        prop_assert!(entries.len() <= 10);
        for (dimension, value) in entries {
            prop_assert!(["opens", "browser", "language", "source", "size", "proof", "time_to_prompt", "time_to_render", "speed", "failure"].contains(&dimension));
            match dimension {
                "opens" => prop_assert!(value == "opened" || value == "failed"),
                "browser" => {
                    let (family, major) = value.split_once(' ').unwrap_or((value.as_str(), "1"));
                    prop_assert!(Browser::ALL.iter().any(|b| b.as_str() == family), "{value}");
                    let major: u16 = major.parse().unwrap();
                    prop_assert!((1..=MAX_MAJOR).contains(&major));
                }
                _ => prop_assert!(words.contains(&value.as_str()), "{dimension}: {value}"),
            }
        }
    }

    #[test]
    fn every_report_of_the_vocabulary_reads_back(
        browser in proptest::sample::select(Browser::ALL),
        major in 0..=MAX_MAJOR,
        language in proptest::sample::select(LANGUAGES),
        source in proptest::sample::select(Source::ALL),
        size in proptest::sample::select(Size::ALL),
        proof in proptest::option::of(proptest::sample::select(Proof::ALL)),
        time in proptest::option::of(proptest::sample::select(Time::ALL)),
        failure in proptest::option::of(proptest::sample::select(Failure::ALL)),
    ) {
        let report = Report {
            browser,
            browser_major: major,
            language: language.to_owned(),
            source,
            size,
            proof,
            time_to_prompt: time,
            time_to_render: time,
            speed: None,
            failure,
        };
        let text = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &report);
        prop_assert!(back.check().is_ok());
    }
}
