//! Parsing speed: rotaplan against the `cron`, `croner` and `saffron` crates
//! on the same schedules, each written in the peer's own dialect.
//!
//! - `cron`: seconds-first, 7 fields (`0 0 16 ? * SUN#2 *`).
//! - `croner`: the same 7-field string, with Quartz weekday numbering
//!   (1 is Sunday, as in AWS) and `0/8`-style steps enabled.
//! - `saffron`: 5 fields, no seconds and no year; `*` instead of `?`.
//!
//! A peer whose dialect cannot express a schedule has no entry for it; one
//! that rejects the string it was given is skipped with a note on stderr.
//! Every measured call parses and compiles: each crate builds its matching
//! form (bitsets or ordinal sets) at parse time.
//!
//! Run: `cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::str::FromStr;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use croner::parser::{CronParser, Seconds, Year};
use rotaplan::expr::{Profile, Schedule};

struct Case {
    expr: &'static str,
    profile: Profile,
    /// For `cron` and `croner`: seconds first, with the year.
    seven: Option<&'static str>,
    /// For `saffron`: five fields.
    five: Option<&'static str>,
}

const fn case(expr: &'static str, profile: Profile, seven: Option<&'static str>, five: Option<&'static str>) -> Case {
    Case {
        expr,
        profile,
        seven,
        five,
    }
}

const SM: Profile = Profile::SecretsManager;
const EB: Profile = Profile::EventBridge;

const CASES: &[Case] = &[
    case("rate(10 days)", SM, None, None),
    case("rate(1 day)", SM, None, None),
    case(
        "cron(0 16 ? * SUN#2 *)",
        SM,
        Some("0 0 16 ? * SUN#2 *"),
        Some("0 16 * * SUN#2"),
    ),
    case(
        "cron(0 8,12,16,20 * * ? *)",
        SM,
        Some("0 0 8,12,16,20 * * ? *"),
        Some("0 8,12,16,20 * * *"),
    ),
    // `/8` is `0/8`; the peers are given the explicit start.
    case("cron(0 /8 * * ? *)", SM, Some("0 0 0/8 * * ? *"), Some("0 0/8 * * *")),
    case("cron(0 0 L * ? *)", SM, Some("0 0 0 L * ? *"), Some("0 0 L * *")),
    case(
        "cron(0 4 ? * MON-FRI *)",
        SM,
        Some("0 0 4 ? * MON-FRI *"),
        Some("0 4 * * MON-FRI"),
    ),
    case(
        "cron(0 2 1/15 * ? *)",
        SM,
        Some("0 0 2 1/15 * ? *"),
        Some("0 2 1/15 * *"),
    ),
    // Weekday numbers differ between dialects; `MON#1` means `2#1` in all.
    case(
        "cron(0 10 ? JAN,APR,JUL,OCT 2#1 *)",
        SM,
        Some("0 0 10 ? JAN,APR,JUL,OCT MON#1 *"),
        Some("0 10 * JAN,APR,JUL,OCT MON#1"),
    ),
    case("cron(0 0 15W * ? *)", EB, Some("0 0 0 15W * ? *"), Some("0 0 15W * *")),
    // saffron has no year field.
    case(
        "cron(15 10 ? * 6L 2026-2030)",
        EB,
        Some("0 15 10 ? * 6L 2026-2030"),
        None,
    ),
    case(
        "cron(0 12 L-3 * ? *)",
        SM,
        Some("0 0 12 L-3 * ? *"),
        Some("0 12 L-3 * *"),
    ),
];

fn croner_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
}

/// Whether a peer accepts its string; a note on stderr when it does not.
fn accepts<E: std::fmt::Display>(peer: &str, input: &str, r: Result<(), E>) -> bool {
    match r {
        Ok(()) => true,
        Err(e) => {
            let e = e.to_string().replace('\n', " ");
            eprintln!("note: {peer} rejects {input:?} ({e}); cell left out");
            false
        }
    }
}

fn parse(c: &mut Criterion) {
    let croner = croner_parser();
    let mut group = c.benchmark_group("parse");
    for case in CASES {
        Schedule::parse_with(case.expr, case.profile)
            .unwrap_or_else(|e| panic!("rotaplan rejects {}: {e:#}", case.expr));
        group.bench_with_input(BenchmarkId::new("rotaplan", case.expr), case, |b, case| {
            b.iter(|| Schedule::parse_with(black_box(case.expr), case.profile))
        });
        if let Some(s) = case.seven {
            if accepts("cron", s, cron::Schedule::from_str(s).map(drop)) {
                group.bench_with_input(BenchmarkId::new("cron", case.expr), s, |b, s| {
                    b.iter(|| cron::Schedule::from_str(black_box(s)))
                });
            }
            if accepts("croner", s, croner.parse(s).map(drop)) {
                group.bench_with_input(BenchmarkId::new("croner", case.expr), s, |b, s| {
                    b.iter(|| croner.parse(black_box(s)))
                });
            }
        }
        if let Some(s) = case.five {
            if accepts("saffron", s, saffron::Cron::from_str(s).map(drop)) {
                group.bench_with_input(BenchmarkId::new("saffron", case.expr), s, |b, s| {
                    b.iter(|| saffron::Cron::from_str(black_box(s)))
                });
            }
        }
    }
    group.finish();
}

/// The slowest inputs found (up to 256 characters): the four-hour check
/// across midnight, "never fires", long lists that spill out of the inline
/// fields, and rejections (which build an error).
fn worst_inputs() -> Vec<(String, Profile)> {
    let all_minutes = (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(",");
    let long_list = format!("cron({all_minutes} 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 ? * 1,2,3,4,5,6,7 *)");
    let years = (2100..2199)
        .step_by(3)
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let long_years = format!("cron(0 0 29 2 ? {years})");
    let long_bad = format!("cron({all_minutes},60 * * * ? *)");
    vec![
        ("cron(0 0,21 LW * ? *)".into(), SM),
        ("cron(0 1,23 ? * 1#2 *)".into(), SM),
        ("cron(0 0,20 L * ? *)".into(), SM),
        ("cron(0 0,20 ? * 7L *)".into(), SM),
        ("cron(0 0 31 2 ? *)".into(), EB),
        ("cron(0 0 L-30 FEB ? *)".into(), EB),
        (long_list, EB),
        (long_years, EB),
        (long_bad, EB),
        ("cron(0 10 15 * MON *)".into(), SM),
    ]
}

fn worst(c: &mut Criterion) {
    let mut group = c.benchmark_group("worst");
    for (expr, profile) in worst_inputs() {
        assert!(expr.len() <= 256, "{} chars", expr.len());
        let id = if expr.len() > 48 {
            format!("{}…({} chars)", &expr[..40], expr.len())
        } else {
            expr.clone()
        };
        group.bench_with_input(BenchmarkId::new("parse", &id), &expr, |b, expr| {
            b.iter(|| Schedule::parse_with(black_box(expr), profile))
        });
        if let Err(e) = Schedule::parse_with(&expr, profile) {
            group.bench_with_input(BenchmarkId::new("render {:#}", &id), &e, |b, e| {
                b.iter(|| format!("{e:#}"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, parse, worst);
criterion_main!(benches);
