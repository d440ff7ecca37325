//! Planning in a DST zone against planning in UTC: the next occurrence from
//! 64 starts spread over a year, and the next 1,000 through the iterator,
//! in `chrono::Utc`, in `rotaplan::plan::Zone` (offset changes precomputed)
//! and in the plain `chrono_tz` zone, for New York, London and Lord Howe
//! (a 30-minute shift).
//!
//! Run: `cargo bench --bench zone`; ids are `<zone>/<schedule>`.

use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::Zone;

const EXPRS: &[(&str, &str)] = &[
    ("daily", "cron(0 10 * * ? *)"),
    ("every-4h", "cron(0 0/4 * * ? *)"),
    ("hourly", "cron(0 * * * ? *)"),
    ("every-15min", "cron(0/15 * * * ? *)"),
    ("weekdays", "cron(0 9 ? * MON-FRI *)"),
    ("second-sunday", "cron(0 16 ? * SUN#2 *)"),
    ("last-day", "cron(0 0 L * ? *)"),
    ("last-friday", "cron(0 10 ? * 6L *)"),
    ("nearest-weekday", "cron(0 10 15W * ? *)"),
    ("leap-day", "cron(0 0 29 2 ? *)"),
    ("quarterly", "cron(0 6 1,15 JAN,APR,JUL,OCT ? *)"),
    ("years", "cron(30 12 ? * MON,WED,FRI 2026-2030)"),
];

fn starts() -> Vec<DateTime<Utc>> {
    let t = Utc.with_ymd_and_hms(2026, 11, 23, 8, 17, 0).unwrap();
    (0..64).map(|i| t + Duration::minutes(i * 8219)).collect()
}

const ZONES: [(&str, chrono_tz::Tz); 3] = [
    ("new_york", chrono_tz::America::New_York),
    ("london", chrono_tz::Europe::London),
    ("lord_howe", chrono_tz::Australia::Lord_Howe),
];

fn next<Tz: TimeZone>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    s: &Schedule,
    starts: &[DateTime<Tz>],
) {
    g.bench_with_input(id, s, |b, s| {
        b.iter(|| {
            for t in starts {
                black_box(s.next_after(black_box(t)));
            }
        })
    });
}

fn next_thousand<Tz: TimeZone>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: BenchmarkId,
    s: &Schedule,
    t: &DateTime<Tz>,
) {
    g.bench_with_input(id, s, |b, s| {
        b.iter(|| s.occurrences_after(black_box(t)).take(1000).count())
    });
}

fn zones(c: &mut Criterion) {
    let starts = starts();
    let mut g = c.benchmark_group("next-zone");
    g.throughput(Throughput::Elements(starts.len() as u64));
    for (name, expr) in EXPRS {
        let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
        next(&mut g, BenchmarkId::new("utc", name), &s, &starts);
        for (zone, tz) in ZONES {
            let z = Zone::new(tz);
            let in_zone: Vec<_> = starts.iter().map(|t| t.with_timezone(&z)).collect();
            next(&mut g, BenchmarkId::new(format!("zone-{zone}"), name), &s, &in_zone);
            let in_tz: Vec<_> = starts.iter().map(|t| t.with_timezone(&tz)).collect();
            next(&mut g, BenchmarkId::new(format!("tz-{zone}"), name), &s, &in_tz);
        }
    }
    g.finish();
    let mut g = c.benchmark_group("next-1000-zone");
    g.throughput(Throughput::Elements(1000));
    let t = starts[0];
    for (name, expr) in EXPRS {
        let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
        next_thousand(&mut g, BenchmarkId::new("utc", name), &s, &t);
        for (zone, tz) in ZONES {
            let z = Zone::new(tz);
            next_thousand(
                &mut g,
                BenchmarkId::new(format!("zone-{zone}"), name),
                &s,
                &t.with_timezone(&z),
            );
            next_thousand(
                &mut g,
                BenchmarkId::new(format!("tz-{zone}"), name),
                &s,
                &t.with_timezone(&tz),
            );
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = zones
}
criterion_main!(benches);
