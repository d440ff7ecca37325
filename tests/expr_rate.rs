//! `rate(Value Unit)`: every rule of the spec's rate section, accepted and
//! rejected, with the exact message and column.

mod util;

use rotaplan::expr::{Field, Profile, RateUnit, Schedule};
use util::{assert_to_string, sched_err, sched_with};

const SM: Profile = Profile::SecretsManager;
const EB: Profile = Profile::EventBridge;

#[test]
fn accepted() {
    let table: &[(&str, Profile, u32, RateUnit)] = &[
        ("rate(1 day)", SM, 1, RateUnit::Days),
        ("rate(10 days)", SM, 10, RateUnit::Days),
        ("rate(1000 days)", SM, 1000, RateUnit::Days),
        ("rate(4 hours)", SM, 4, RateUnit::Hours),
        ("rate(12 hours)", SM, 12, RateUnit::Hours),
        ("rate(48 hours)", SM, 48, RateUnit::Hours),
        ("rate(1 minute)", EB, 1, RateUnit::Minutes),
        ("rate(5 minutes)", EB, 5, RateUnit::Minutes),
        ("rate(1 hour)", EB, 1, RateUnit::Hours),
        ("rate(5000 days)", EB, 5000, RateUnit::Days),
        ("rate(4294967295 minutes)", EB, u32::MAX, RateUnit::Minutes),
        ("rate(10   days)", SM, 10, RateUnit::Days),
        ("rate(010 days)", SM, 10, RateUnit::Days),
    ];
    for &(input, profile, value, unit) in table {
        match sched_with(input, profile) {
            Schedule::Rate(r) => assert_eq!((r.value().get(), r.unit()), (value, unit), "{input}"),
            other => panic!("{input}: expected a rate, got {other}"),
        }
    }
}

#[test]
fn canonical_form() {
    assert_to_string(sched_with("rate(10   days)", SM), "rate(10 days)");
    assert_to_string(sched_with("rate(010 days)", SM), "rate(10 days)");
    assert_to_string(sched_with("rate(1 minute)", EB), "rate(1 minute)");
}

#[test]
fn rejected() {
    // (input, profile, Display of the error, field)
    let table: &[(&str, Profile, &str, Option<Field>)] = &[
        ("rate(1 days)", SM, "wrong unit for this rate value; expected `day` (found \"days\" at column 8)", Some(Field::RateUnit)),
        ("rate(1 days)", EB, "wrong unit for this rate value; expected `day` (found \"days\" at column 8)", Some(Field::RateUnit)),
        ("rate(5 hour)", EB, "wrong unit for this rate value; expected `hours` (found \"hour\" at column 8)", Some(Field::RateUnit)),
        ("rate(2 minute)", EB, "wrong unit for this rate value; expected `minutes` (found \"minute\" at column 8)", Some(Field::RateUnit)),
        ("rate(0 days)", EB, "rate value must be a positive integer (found \"0\" at column 6)", Some(Field::RateValue)),
        ("rate(-1 days)", EB, "expected a positive integer rate value (found \"-\" at column 6)", Some(Field::RateValue)),
        ("rate(+1 days)", EB, "unexpected character; expressions use only letters, digits, spaces and ( ) # ? * - / , (found \"+\" at column 6)", None),
        ("rate(4294967296 minutes)", EB, "rate value too large; expected at most 4294967295 (found \"4294967296\" at column 6)", Some(Field::RateValue)),
        ("rate(10 weeks)", EB, "unknown rate unit; expected `minutes`, `hours` or `days` (found \"weeks\" at column 9)", Some(Field::RateUnit)),
        ("rate(10 Days)", EB, "unknown rate unit; expected `minutes`, `hours` or `days` (found \"Days\" at column 9)", Some(Field::RateUnit)),
        ("rate(10days)", EB, "expected a space between the rate value and its unit (found \"days\" at column 8)", Some(Field::RateValue)),
        ("rate(10)", EB, "expected a space between the rate value and its unit (found \")\" at column 8)", Some(Field::RateValue)),
        ("rate(10 days", EB, "expected `)` (at column 13)", Some(Field::RateUnit)),
        ("rate(10 days))", EB, "expected end of expression after `)` (found \")\" at column 14)", Some(Field::RateUnit)),
        ("rate()", EB, "expected a positive integer rate value (found \")\" at column 6)", Some(Field::RateValue)),
        ("Rate(1 day)", EB, "expected `rate(` or `cron(` (found \"Rate\" at column 1)", None),
        ("rate 1 day", EB, "expected `rate(` or `cron(` (found \"rate\" at column 1)", None),
        // Secrets Manager profile rules.
        ("rate(5 minutes)", SM, "Secrets Manager rotates at most every 4 hours; use `hours` or `days`, not minutes (found \"minutes\" at column 8)", Some(Field::RateUnit)),
        ("rate(1 hour)", SM, "Secrets Manager rotates at most every 4 hours (found \"1\" at column 6)", Some(Field::RateValue)),
        ("rate(3 hours)", SM, "Secrets Manager rotates at most every 4 hours (found \"3\" at column 6)", Some(Field::RateValue)),
        ("rate(1001 days)", SM, "Secrets Manager rotates at least every 1000 days (found \"1001\" at column 6)", Some(Field::RateValue)),
    ];
    for &(input, profile, message, field) in table {
        let err = sched_err(input, profile);
        assert_eq!(err.to_string(), message, "{input} under {profile}");
        assert_eq!(err.field(), field, "{input} under {profile}");
    }
}

#[test]
fn error_kinds() {
    assert!(sched_err("rate(3 hours)", SM).is_too_frequent());
    assert!(sched_err("rate(3 hours)", SM).is_profile_violation());
    assert!(sched_err("rate(1001 days)", SM).is_profile_violation());
    assert!(sched_err("rate(0 days)", SM).is_out_of_range());
    assert!(sched_err("rate(1 days)", SM).is_syntax());
    assert!(!sched_err("rate(1 days)", SM).is_profile_violation());
}
