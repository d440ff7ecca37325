//! Planner speed, next to the `cron`, `croner` and `saffron` crates.
//!
//! Each expression is written in every dialect that can express it (`cron`
//! wants seconds first and a year, `croner` and `saffron` take five fields
//! with `*` for `?`). Before timing, each peer's first occurrences are
//! checked against ours; a peer that disagrees is left out and reported.

use std::hint::black_box;
use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::RotationRules;

struct Expr {
    name: &'static str,
    ours: &'static str,
    saffron: Option<&'static str>,
    cron: Option<&'static str>,
    croner: Option<&'static str>,
}

const EXPRS: &[Expr] = &[
    Expr {
        name: "daily",
        ours: "cron(0 10 * * ? *)",
        saffron: Some("0 10 * * *"),
        cron: Some("0 0 10 * * * *"),
        croner: Some("0 10 * * *"),
    },
    Expr {
        name: "every-4h",
        ours: "cron(0 0/4 * * ? *)",
        saffron: Some("0 */4 * * *"),
        cron: Some("0 0 0/4 * * * *"),
        croner: Some("0 */4 * * *"),
    },
    Expr {
        name: "hourly",
        ours: "cron(0 * * * ? *)",
        saffron: Some("0 * * * *"),
        cron: Some("0 0 * * * * *"),
        croner: Some("0 * * * *"),
    },
    Expr {
        name: "every-15min",
        ours: "cron(0/15 * * * ? *)",
        saffron: Some("*/15 * * * *"),
        cron: Some("0 0/15 * * * * *"),
        croner: Some("*/15 * * * *"),
    },
    Expr {
        name: "weekdays",
        ours: "cron(0 9 ? * MON-FRI *)",
        saffron: Some("0 9 * * MON-FRI"),
        cron: Some("0 0 9 * * Mon-Fri *"),
        croner: Some("0 9 * * MON-FRI"),
    },
    Expr {
        name: "second-sunday",
        ours: "cron(0 16 ? * SUN#2 *)",
        saffron: Some("0 16 * * SUN#2"),
        cron: None,
        croner: Some("0 16 * * SUN#2"),
    },
    Expr {
        name: "last-day",
        ours: "cron(0 0 L * ? *)",
        saffron: Some("0 0 L * *"),
        cron: None,
        croner: Some("0 0 L * *"),
    },
    Expr {
        name: "last-friday",
        ours: "cron(0 10 ? * 6L *)",
        saffron: Some("0 10 * * FRIL"),
        cron: None,
        croner: Some("0 10 * * FRI#L"),
    },
    Expr {
        name: "nearest-weekday",
        ours: "cron(0 10 15W * ? *)",
        saffron: Some("0 10 15W * *"),
        cron: None,
        croner: Some("0 10 15W * *"),
    },
    Expr {
        name: "leap-day",
        ours: "cron(0 0 29 2 ? *)",
        saffron: Some("0 0 29 2 *"),
        cron: Some("0 0 0 29 2 * *"),
        croner: Some("0 0 29 2 *"),
    },
    Expr {
        name: "quarterly",
        ours: "cron(0 6 1,15 JAN,APR,JUL,OCT ? *)",
        saffron: Some("0 6 1,15 1,4,7,10 *"),
        cron: Some("0 0 6 1,15 1,4,7,10 * *"),
        croner: Some("0 6 1,15 1,4,7,10 *"),
    },
    Expr {
        name: "years",
        ours: "cron(30 12 ? * MON,WED,FRI 2026-2030)",
        saffron: None,
        cron: Some("0 30 12 * * Mon,Wed,Fri 2026-2030"),
        croner: Some("0 30 12 * * MON,WED,FRI 2026-2030"),
    },
];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 17, 0).unwrap()
}

/// 64 start instants spread over a year, so no one position in the
/// calendar is favoured.
fn starts() -> Vec<DateTime<Utc>> {
    (0..64).map(|i| start() + Duration::minutes(i * 8219)).collect()
}

fn ours(e: &Expr) -> Schedule {
    Schedule::parse_with(e.ours, Profile::EventBridge).unwrap()
}

/// Whether a peer's first occurrences from each start match ours.
fn agrees(name: &str, peer: &str, s: &Schedule, next: impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>>) -> bool {
    for t in starts() {
        let mut a = t;
        let mut b = t;
        for _ in 0..5 {
            let x = s.next_after(&a).map(|o| o.at);
            let y = next(b);
            if x != y {
                eprintln!("note: {peer} disagrees on {name} after {t}: ours {x:?}, {peer} {y:?}; left out");
                return false;
            }
            match (x, y) {
                (Some(x), Some(y)) => (a, b) = (x, y),
                _ => break,
            }
        }
    }
    true
}

fn next_occurrence(c: &mut Criterion) {
    let starts = starts();
    let mut g = c.benchmark_group("next");
    g.throughput(Throughput::Elements(starts.len() as u64));
    for e in EXPRS {
        let s = ours(e);
        g.bench_with_input(BenchmarkId::new("rotaplan", e.name), &s, |b, s| {
            b.iter(|| {
                for t in &starts {
                    black_box(s.next_after(black_box(t)));
                }
            })
        });
        if let Some(p) = e.saffron {
            let cron: saffron::Cron = p.parse().unwrap();
            if agrees(e.name, "saffron", &s, |t| cron.next_after(t)) {
                g.bench_with_input(BenchmarkId::new("saffron", e.name), &cron, |b, cron| {
                    b.iter(|| {
                        for t in &starts {
                            black_box(cron.next_after(black_box(*t)));
                        }
                    })
                });
            }
        }
        if let Some(p) = e.cron {
            let sch = cron::Schedule::from_str(p).unwrap();
            if agrees(e.name, "cron", &s, |t| sch.after(&t).next()) {
                g.bench_with_input(BenchmarkId::new("cron", e.name), &sch, |b, sch| {
                    b.iter(|| {
                        for t in &starts {
                            black_box(sch.after(black_box(t)).next());
                        }
                    })
                });
            }
        }
        if let Some(p) = e.croner {
            let cr = croner::Cron::from_str(p).unwrap();
            if agrees(e.name, "croner", &s, |t| cr.find_next_occurrence(&t, false).ok()) {
                g.bench_with_input(BenchmarkId::new("croner", e.name), &cr, |b, cr| {
                    b.iter(|| {
                        for t in &starts {
                            black_box(cr.find_next_occurrence(black_box(t), false).ok());
                        }
                    })
                });
            }
        }
    }
    g.finish();
}

fn next_thousand(c: &mut Criterion) {
    let t = start();
    let mut g = c.benchmark_group("next-1000");
    g.throughput(Throughput::Elements(1000));
    for e in EXPRS {
        let s = ours(e);
        g.bench_with_input(BenchmarkId::new("rotaplan", e.name), &s, |b, s| {
            b.iter(|| s.occurrences_after(black_box(&t)).take(1000).count())
        });
        if let Some(p) = e.saffron {
            let cron: saffron::Cron = p.parse().unwrap();
            if agrees(e.name, "saffron", &s, |t| cron.next_after(t)) {
                g.bench_with_input(BenchmarkId::new("saffron", e.name), &cron, |b, cron| {
                    b.iter(|| cron.clone().iter_after(black_box(t)).take(1000).count())
                });
            }
        }
        if let Some(p) = e.cron {
            let sch = cron::Schedule::from_str(p).unwrap();
            if agrees(e.name, "cron", &s, |t| sch.after(&t).next()) {
                g.bench_with_input(BenchmarkId::new("cron", e.name), &sch, |b, sch| {
                    b.iter(|| sch.after(black_box(&t)).take(1000).count())
                });
            }
        }
        if let Some(p) = e.croner {
            let cr = croner::Cron::from_str(p).unwrap();
            if agrees(e.name, "croner", &s, |t| cr.find_next_occurrence(&t, false).ok()) {
                g.bench_with_input(BenchmarkId::new("croner", e.name), &cr, |b, cr| {
                    b.iter(|| cr.iter_after(black_box(t)).take(1000).count())
                });
            }
        }
    }
    g.finish();
}

/// The zones of the `next-tz` and `next-1000-tz` groups, after `utc`
/// (`chrono::Utc`): `tz_utc` is `chrono_tz::UTC` (the same zone through
/// `chrono_tz`'s lookups, as every named zone pays them), then three zones
/// with DST (Lord Howe's shift is 30 minutes).
fn zones() -> [(&'static str, Tz); 4] {
    [
        ("tz_utc", chrono_tz::UTC),
        ("new_york", chrono_tz::America::New_York),
        ("london", chrono_tz::Europe::London),
        ("lord_howe", chrono_tz::Australia::Lord_Howe),
    ]
}

/// The next occurrence from the same 64 instants read in each zone.
fn next_in_zones(c: &mut Criterion) {
    let mut g = c.benchmark_group("next-tz");
    g.throughput(Throughput::Elements(64));
    for e in EXPRS {
        let s = ours(e);
        let utc = starts();
        g.bench_with_input(BenchmarkId::new("utc", e.name), &s, |b, s| {
            b.iter(|| {
                for t in &utc {
                    black_box(s.next_after(black_box(t)));
                }
            })
        });
        for (zone, tz) in zones() {
            let starts: Vec<DateTime<Tz>> = utc.iter().map(|t| t.with_timezone(&tz)).collect();
            g.bench_with_input(BenchmarkId::new(zone, e.name), &s, |b, s| {
                b.iter(|| {
                    for t in &starts {
                        black_box(s.next_after(black_box(t)));
                    }
                })
            });
        }
    }
    g.finish();
}

/// The next 1,000 occurrences through the iterator, in each zone.
fn thousand_in_zones(c: &mut Criterion) {
    let mut g = c.benchmark_group("next-1000-tz");
    g.throughput(Throughput::Elements(1000));
    for e in EXPRS {
        let s = ours(e);
        g.bench_with_input(BenchmarkId::new("utc", e.name), &s, |b, s| {
            b.iter(|| s.occurrences_after(black_box(&start())).take(1000).count())
        });
        for (zone, tz) in zones() {
            let t = start().with_timezone(&tz);
            g.bench_with_input(BenchmarkId::new(zone, e.name), &s, |b, s| {
                b.iter(|| s.occurrences_after(black_box(&t)).take(1000).count())
            });
        }
    }
    g.finish();
}

/// The next window of each of 1,000,000 secrets, each with its own
/// schedule (one of a dozen Secrets Manager schedules, shared by index as a
/// real inventory would) and its own last rotation.
fn million_secrets(c: &mut Criterion) {
    let mix = [
        "rate(30 days)",
        "rate(7 days)",
        "rate(4 hours)",
        "rate(12 hours)",
        "cron(0 10 * * ? *)",
        "cron(0 0/6 * * ? *)",
        "cron(0 16 ? * SUN#2 *)",
        "cron(0 0 L * ? *)",
        "cron(0 9 ? * MON-FRI *)",
        "cron(0 3 1,15 * ? *)",
        "cron(0 4 ? * 6L *)",
        "cron(0 22 ? 1/3 SAT *)",
    ];
    let rules: Vec<RotationRules> = mix
        .iter()
        .map(|e| RotationRules::new(e.parse().unwrap(), None).unwrap())
        .collect();
    let now = start();
    // A deterministic spread of schedules and last rotations.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let secrets: Vec<(u8, DateTime<Utc>)> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = (x % rules.len() as u64) as u8;
            let last = now - Duration::minutes((x >> 8) as i64 % (60 * 24 * 30));
            (r, last)
        })
        .collect();
    let mut g = c.benchmark_group("secrets");
    g.sample_size(10);
    g.throughput(Throughput::Elements(secrets.len() as u64));
    g.bench_function("next-window-1M", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, last) in &secrets {
                if let Some(w) = rules[*i as usize].next_window(Some(last), black_box(&now)) {
                    n += w.start.timestamp() as usize & 1;
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = next_occurrence, next_thousand, next_in_zones, thousand_in_zones, million_secrets
}
criterion_main!(benches);
