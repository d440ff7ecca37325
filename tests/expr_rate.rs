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

/// (input, value, unit, warning, its span, canonical Display)
type Mismatch = (
    &'static str,
    u32,
    RateUnit,
    &'static str,
    std::ops::Range<usize>,
    &'static str,
);

#[test]
fn scheduler_takes_either_unit_form_with_a_warning() {
    let table: &[Mismatch] = &[
        (
            "rate(5 minute)",
            5,
            RateUnit::Minutes,
            "an EventBridge rule would reject `minute` with 5; it expects `minutes`",
            7..13,
            "rate(5 minutes)",
        ),
        (
            "rate(1 minutes)",
            1,
            RateUnit::Minutes,
            "an EventBridge rule would reject `minutes` with 1; it expects `minute`",
            7..14,
            "rate(1 minute)",
        ),
        (
            "rate(12 hour)",
            12,
            RateUnit::Hours,
            "an EventBridge rule would reject `hour` with 12; it expects `hours`",
            8..12,
            "rate(12 hours)",
        ),
        (
            "rate(1 hours)",
            1,
            RateUnit::Hours,
            "an EventBridge rule would reject `hours` with 1; it expects `hour`",
            7..12,
            "rate(1 hour)",
        ),
        (
            "rate(2  day)",
            2,
            RateUnit::Days,
            "an EventBridge rule would reject `day` with 2; it expects `days`",
            8..11,
            "rate(2 days)",
        ),
        (
            "rate(1 days)",
            1,
            RateUnit::Days,
            "an EventBridge rule would reject `days` with 1; it expects `day`",
            7..11,
            "rate(1 day)",
        ),
    ];
    for (input, value, unit, message, span, canonical) in table {
        let checked = Schedule::check(input.as_bytes(), Profile::Scheduler).unwrap();
        let Schedule::Rate(r) = &checked.schedule else {
            panic!("{input}: not a rate")
        };
        assert_eq!((r.value().get(), r.unit()), (*value, *unit), "{input}");
        let got: Vec<_> = checked.warnings.iter().map(|w| (w.message(), w.span())).collect();
        assert_eq!(got, [(*message, span.clone())], "{input}");
        // Without warnings asked for, the same schedule.
        assert_eq!(sched_with(input, Profile::Scheduler), checked.schedule, "{input}");
        // Display agrees with the value, so an EventBridge rule takes it back.
        assert_to_string(&checked.schedule, canonical);
        assert_eq!(sched_with(canonical, EB), checked.schedule, "{input}");
        // EventBridge rules and Secrets Manager still refuse the mismatch.
        let right = canonical.trim_end_matches(')').rsplit(' ').next().unwrap();
        let col = span.start + 1;
        let found = &input[span.clone()];
        for p in [EB, SM] {
            let err = sched_err(input, p);
            assert_eq!(
                err.to_string(),
                format!("wrong unit for this rate value; expected `{right}` (found \"{found}\" at column {col})"),
                "{input} under {p}"
            );
            assert_eq!(err.field(), Some(Field::RateUnit));
        }
    }
    // Units that agree: no warning.
    for input in ["rate(5 minutes)", "rate(1 minute)", "rate(1 hour)", "rate(7 days)"] {
        let checked = Schedule::check(input.as_bytes(), Profile::Scheduler).unwrap();
        assert!(checked.warnings.is_empty(), "{input}: {:?}", checked.warnings);
    }
    // Still one grammar: an unknown unit is an error everywhere.
    assert!(Schedule::check(b"rate(5 minutez)", Profile::Scheduler).is_err());
}
