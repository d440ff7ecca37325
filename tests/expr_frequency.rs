//! Secrets Manager's four-hour minimum, checked against a naive derivation
//! from the hour set and the weekday set.

use proptest::prelude::*;
use rotaplan::expr::{Profile, Schedule};

/// The smallest gap in hours between firings, worked out by hand: between
/// consecutive hours of a day, and across midnight only when two
/// consecutive days both fire.
fn naive_min_gap(hours: &[u8], consecutive_days: bool) -> Option<u8> {
    let within = hours.windows(2).map(|w| w[1] - w[0]).min();
    let across = consecutive_days.then(|| 24 - hours[hours.len() - 1] + hours[0]);
    match (within, across) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn hours_text(hours: &[u8]) -> String {
    hours.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn every_day(hours in prop::collection::btree_set(0u8..24, 1..8)) {
        let hours: Vec<u8> = hours.into_iter().collect();
        let expr = format!("cron(0 {} * * ? *)", hours_text(&hours));
        let too_close = naive_min_gap(&hours, true).is_some_and(|g| g < 4);
        let result = Schedule::parse_with(&expr, Profile::SecretsManager);
        prop_assert_eq!(result.is_err(), too_close, "{}: {:?}", expr, result);
        if let Err(e) = result {
            prop_assert!(e.is_too_frequent());
        }
    }

    #[test]
    fn some_weekdays(hours in prop::collection::btree_set(0u8..24, 1..6), days in prop::collection::btree_set(1u8..=7, 1..7)) {
        let hours: Vec<u8> = hours.into_iter().collect();
        // Weekdays 1 (Sunday) to 7 (Saturday); Saturday is followed by Sunday.
        let consecutive = days.iter().any(|d| days.contains(&(d % 7 + 1)));
        let expr = format!("cron(0 {} ? * {} *)", hours_text(&hours), days.iter().map(u8::to_string).collect::<Vec<_>>().join(","));
        let too_close = naive_min_gap(&hours, consecutive).is_some_and(|g| g < 4);
        let result = Schedule::parse_with(&expr, Profile::SecretsManager);
        prop_assert_eq!(result.is_err(), too_close, "{}: {:?}", expr, result);
        // EventBridge has no minimum.
        prop_assert!(Schedule::parse_with(&expr, Profile::EventBridge).is_ok());
    }
}
