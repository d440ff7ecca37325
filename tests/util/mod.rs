//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rotaplan::expr::{ParseError, Profile, Schedule};

/// Parses with the Secrets Manager profile, panicking with the diagnostic.
#[track_caller]
pub fn sched(expr: &str) -> Schedule {
    sched_with(expr, Profile::SecretsManager)
}

/// Parses with `profile`, panicking with the diagnostic.
#[track_caller]
pub fn sched_with(expr: &str, profile: Profile) -> Schedule {
    match Schedule::parse_with(expr, profile) {
        Ok(s) => s,
        Err(e) => panic!("{expr:?} should parse under {profile}:\n{e:#}"),
    }
}

/// The error for an expression that must fail under `profile`.
#[track_caller]
pub fn sched_err(expr: &str, profile: Profile) -> ParseError {
    match Schedule::parse_with(expr, profile) {
        Ok(s) => panic!("{expr:?} should fail under {profile}, parsed as {s}"),
        Err(e) => e,
    }
}

/// Asserts `value.to_string() == expected`.
#[track_caller]
pub fn assert_to_string(value: impl std::fmt::Display, expected: &str) {
    assert_eq!(value.to_string(), expected);
}
