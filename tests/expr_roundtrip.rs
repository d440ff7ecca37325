//! Properties of the grammar: `parse(display(x)) == x` for generated
//! schedules, and no input at all makes the parser panic or point outside
//! the input.

mod util;

use proptest::prelude::*;
use rotaplan::expr::{Profile, Schedule};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A number or, for months and weekdays, a name in random case.
fn value(min: u16, max: u16, names: Option<&'static [&'static str]>) -> BoxedStrategy<(u16, String)> {
    (min..=max, any::<bool>(), any::<u8>())
        .prop_map(move |(n, named, case)| {
            let text = match names {
                Some(names) if named => {
                    let name = names[(n - min) as usize];
                    match case % 3 {
                        0 => name.to_string(),
                        1 => name.to_lowercase(),
                        _ => name[..1].to_string() + &name[1..].to_lowercase(),
                    }
                }
                _ if case % 7 == 0 => format!("0{n}"),
                _ => n.to_string(),
            };
            (n, text)
        })
        .boxed()
}

/// `a-b` as written, or (`ordered`) with the smaller end first. Years
/// never wrap; other fields take `a > b` as a wrap-around range.
fn range(a: (u16, String), b: (u16, String), ordered: bool) -> String {
    let ((a, at), (b, bt)) = (a, b);
    if a <= b || !ordered {
        format!("{at}-{bt}")
    } else {
        format!("{bt}-{at}")
    }
}

/// One list item: a value, a range, or a step.
fn plain_item(min: u16, max: u16, names: Option<&'static [&'static str]>) -> BoxedStrategy<String> {
    let size = max - min + 1;
    let v = value(min, max, names);
    let ordered = min >= 1970;
    prop_oneof![
        v.clone().prop_map(|(_, t)| t),
        (v.clone(), v.clone()).prop_map(move |(a, b)| range(a, b, ordered)),
        (v.clone(), 1..=size).prop_map(|((_, t), s)| format!("{t}/{s}")),
        (1..=size).prop_map(|s| format!("*/{s}")),
        (v.clone(), v, 1..=size).prop_map(move |(a, b, s)| format!("{}/{s}", range(a, b, ordered))),
    ]
    .boxed()
}

fn list(min: u16, max: u16, names: Option<&'static [&'static str]>) -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just("*".to_string()),
        4 => prop::collection::vec(plain_item(min, max, names), 1..4).prop_map(|v| v.join(",")),
    ]
    .boxed()
}

fn day_of_month() -> BoxedStrategy<String> {
    prop_oneof![
        4 => list(1, 31, None),
        1 => Just("L".to_string()),
        1 => (1u8..=30).prop_map(|n| format!("L-{n}")),
        1 => Just("LW".to_string()),
        1 => (1u8..=31).prop_map(|n| format!("{n}W")),
    ]
    .boxed()
}

fn day_of_week(steps: bool) -> BoxedStrategy<String> {
    let plain = if steps {
        list(1, 7, Some(&WEEKDAYS))
    } else {
        prop_oneof![
            Just("*".to_string()),
            prop::collection::vec(
                prop_oneof![
                    value(1, 7, Some(&WEEKDAYS)).prop_map(|(_, t)| t),
                    (value(1, 7, Some(&WEEKDAYS)), value(1, 7, Some(&WEEKDAYS))).prop_map(|(a, b)| range(a, b, false)),
                ],
                1..4
            )
            .prop_map(|v| v.join(","))
        ]
        .boxed()
    };
    prop_oneof![
        4 => plain,
        1 => Just("L".to_string()),
        // `nL`, or a name then `L` (`FRIL`, `friL`).
        1 => value(1, 7, Some(&WEEKDAYS)).prop_map(|(_, t)| format!("{t}L")),
        1 => (value(1, 7, Some(&WEEKDAYS)), 1u8..=5).prop_map(|((_, t), k)| format!("{t}#{k}")),
    ]
    .boxed()
}

/// A cron expression in the EventBridge dialect, with random spacing.
fn eventbridge_cron() -> impl Strategy<Value = String> {
    (
        list(0, 59, None),
        list(0, 23, None),
        any::<bool>(),
        day_of_month(),
        list(1, 12, Some(&MONTHS)),
        day_of_week(false),
        list(1970, 2199, None),
        prop::collection::vec(1usize..3, 5),
    )
        .prop_map(|(mi, h, dom_set, dom, mo, dow, y, spaces)| {
            let (dom, dow) = if dom_set {
                (dom, "?".to_string())
            } else {
                ("?".to_string(), dow)
            };
            let fields = [mi, h, dom, mo, dow, y];
            let mut s = String::from("cron(");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(&" ".repeat(spaces[i - 1]));
                }
                s.push_str(f);
            }
            s + ")"
        })
}

/// A cron expression that can pass the Secrets Manager rules.
fn secrets_manager_cron() -> impl Strategy<Value = String> {
    (
        list(0, 23, None),
        any::<bool>(),
        day_of_month(),
        list(1, 12, Some(&MONTHS)),
        day_of_week(true),
    )
        .prop_map(|(h, dom_set, dom, mo, dow)| {
            let (dom, dow) = if dom_set {
                (dom, "?".to_string())
            } else {
                ("?".to_string(), dow)
            };
            format!("cron(0 {h} {dom} {mo} {dow} *)")
        })
}

fn rate() -> impl Strategy<Value = String> {
    (1u32..5000, prop_oneof![Just("minute"), Just("hour"), Just("day")]).prop_map(|(n, unit)| {
        let plural = if n == 1 { "" } else { "s" };
        format!("rate({n} {unit}{plural})")
    })
}

/// Parses, prints, parses again: equal values and identical text.
fn assert_round_trip(input: &str, profile: Profile) -> Result<bool, TestCaseError> {
    let Ok(first) = Schedule::parse_with(input, profile) else {
        return Ok(false);
    };
    let printed = first.to_string();
    let second = Schedule::parse_with(&printed, profile)
        .map_err(|e| TestCaseError::fail(format!("{input} printed as {printed}, which fails: {e}")))?;
    prop_assert_eq!(&first, &second, "{} printed as {}", input, printed);
    prop_assert_eq!(printed, second.to_string());
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn eventbridge_round_trip(input in eventbridge_cron()) {
        assert_round_trip(&input, Profile::EventBridge)?;
    }

    #[test]
    fn secrets_manager_round_trip(input in secrets_manager_cron()) {
        assert_round_trip(&input, Profile::SecretsManager)?;
    }

    #[test]
    fn rate_round_trip(input in rate()) {
        prop_assert!(assert_round_trip(&input, Profile::EventBridge)?);
        assert_round_trip(&input, Profile::SecretsManager)?;
    }

    /// The Scheduler takes either unit form; what it prints agrees with
    /// the value, so an EventBridge rule reads it back the same.
    #[test]
    fn scheduler_rate_round_trip(n in 1u32..5000, unit in prop_oneof![Just("minute"), Just("hour"), Just("day")], plural in any::<bool>()) {
        let input = format!("rate({n} {unit}{})", if plural { "s" } else { "" });
        prop_assert!(assert_round_trip(&input, Profile::Scheduler)?);
        let s = Schedule::parse_with(&input, Profile::Scheduler).unwrap();
        prop_assert_eq!(Schedule::parse_with(&s.to_string(), Profile::EventBridge).ok(), Some(s));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_total(&bytes)?;
    }

    #[test]
    fn near_misses_never_panic(body in "[0-9A-Za-z()#?*/, L W-]{0,80}", prefix in prop_oneof![Just("cron("), Just("rate("), Just("")]) {
        check_total(format!("{prefix}{body}").as_bytes())?;
    }
}

/// Whatever the input, parsing returns, errors point inside it, and both
/// renderings work.
fn check_total(bytes: &[u8]) -> Result<(), TestCaseError> {
    for profile in [Profile::SecretsManager, Profile::EventBridge] {
        match Schedule::check(bytes, profile) {
            Ok(c) => {
                let printed = c.schedule.to_string();
                prop_assert_eq!(Schedule::parse_with(&printed, profile).ok(), Some(c.schedule));
            }
            Err(e) => {
                let span = e.span();
                prop_assert!(
                    span.start <= span.end && span.end <= bytes.len(),
                    "span {:?} of {:?}",
                    span,
                    bytes
                );
                prop_assert!(!e.to_string().is_empty());
                let rendered = format!("{:#}", e);
                prop_assert!(rendered.starts_with("error: "));
            }
        }
    }
    Ok(())
}

/// Wrap-around ranges and `FRIL` print back as written (names upper-case,
/// no leading zeros), so they parse back to the same value.
#[test]
fn wrap_around_ranges_print_as_written() {
    for (input, printed) in [
        ("cron(0 10 ? * sat-sun *)", "cron(0 10 ? * SAT-SUN *)"),
        ("cron(0 10 ? * 7-1 *)", "cron(0 10 ? * 7-1 *)"),
        ("cron(0 22-02/2 * * ? *)", "cron(0 22-2/2 * * ? *)"),
        ("cron(50-10 9 1 Nov-Feb ? *)", "cron(50-10 9 1 NOV-FEB ? *)"),
        ("cron(0 10 25-5,15 * ? *)", "cron(0 10 25-5,15 * ? *)"),
        ("cron(0 10 ? * friL *)", "cron(0 10 ? * FRIL *)"),
    ] {
        let first = Schedule::parse_with(input, Profile::EventBridge).unwrap();
        assert_eq!(first.to_string(), printed, "{input}");
        assert_eq!(
            Schedule::parse_with(printed, Profile::EventBridge).unwrap(),
            first,
            "{input}"
        );
    }
    // `FRIL` and `6L` plan alike but print as written, so they differ as values.
    let named = Schedule::parse_with("cron(0 10 ? * FRIL *)", Profile::EventBridge).unwrap();
    let number = Schedule::parse_with("cron(0 10 ? * 6L *)", Profile::EventBridge).unwrap();
    assert_ne!(named, number);
    assert_eq!(number.to_string(), "cron(0 10 ? * 6L *)");
}

/// Most generated expressions must actually parse, or the round-trip
/// properties above would be testing nothing.
#[test]
fn generators_mostly_produce_valid_expressions() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut eb_ok, mut sm_ok) = (0, 0);
    for _ in 0..500 {
        let e = eventbridge_cron().new_tree(&mut runner).unwrap().current();
        eb_ok += Schedule::parse_with(&e, Profile::EventBridge).is_ok() as u32;
        let s = secrets_manager_cron().new_tree(&mut runner).unwrap().current();
        sm_ok += Schedule::parse_with(&s, Profile::SecretsManager).is_ok() as u32;
    }
    assert!(eb_ok > 400, "only {eb_ok} of 500 EventBridge expressions parsed");
    assert!(sm_ok > 100, "only {sm_ok} of 500 Secrets Manager expressions parsed");
}
