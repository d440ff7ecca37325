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

/// One list item: a value, a range, or a step.
fn plain_item(min: u16, max: u16, names: Option<&'static [&'static str]>) -> BoxedStrategy<String> {
    let size = max - min + 1;
    let v = value(min, max, names);
    prop_oneof![
        v.clone().prop_map(|(_, t)| t),
        (v.clone(), v.clone()).prop_map(|((a, at), (b, bt))| if a <= b {
            format!("{at}-{bt}")
        } else {
            format!("{bt}-{at}")
        }),
        (v.clone(), 1..=size).prop_map(|((_, t), s)| format!("{t}/{s}")),
        (1..=size).prop_map(|s| format!("*/{s}")),
        (v.clone(), v, 1..=size).prop_map(|((a, at), (b, bt), s)| if a <= b {
            format!("{at}-{bt}/{s}")
        } else {
            format!("{bt}-{at}/{s}")
        }),
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
                    (value(1, 7, Some(&WEEKDAYS)), value(1, 7, Some(&WEEKDAYS))).prop_map(|((a, at), (b, bt))| {
                        if a <= b {
                            format!("{at}-{bt}")
                        } else {
                            format!("{bt}-{at}")
                        }
                    }),
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
        1 => (1u8..=7).prop_map(|n| format!("{n}L")),
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
