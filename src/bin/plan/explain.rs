//! `plan explain EXPR`: an expression read out for people: the English
//! description, what each field (and each `L`, `W`, `#` in it) means, the
//! next occurrences, and the warnings.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use rotaplan::expr::{Profile, RateUnit, Schedule};

/// Arguments of `plan explain`.
#[derive(clap::Args)]
pub struct Args {
    /// The schedule expression, e.g. `cron(0 16 ? * SUN#2 *)`.
    expr: String,
    /// Which rules to validate the expression against.
    #[arg(long, value_name = "PROFILE", default_value = "secrets-manager")]
    profile: Profile,
    /// IANA time zone to read the schedule in and print instants in.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: Tz,
    /// List occurrences strictly after this instant (RFC 3339). Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = super::upcoming::rfc3339)]
    from: Option<DateTime<FixedOffset>>,
    /// How many next occurrences to list.
    #[arg(short = 'n', value_name = "N", default_value_t = 5)]
    count: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let checked = match Schedule::check(args.expr.as_bytes(), args.profile) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("{err:#}");
            return Ok(ExitCode::from(1));
        }
    };
    let tz = args.tz;
    // Zone precomputes the offset changes: each occurrence is one lookup.
    let zone = rotaplan::plan::Zone::new(tz);
    let from = args
        .from
        .map_or_else(|| Utc::now().with_timezone(&zone), |t| t.with_timezone(&zone));
    let s = &checked.schedule;
    let mut out = String::new();
    let _ = writeln!(out, "{s}");
    let _ = writeln!(out, "  {}", s.describe().in_zone(tz.name()));
    let _ = writeln!(out, "  valid for the {} profile", args.profile);
    let _ = writeln!(out);
    match s {
        Schedule::Cron(c) => {
            let _ = write!(out, "Fields\n{}", c.explain());
        }
        Schedule::Rate(r) => {
            let n = r.value().get();
            let unit = r.unit().spelling(n);
            let _ = writeln!(out, "Fields");
            let _ = writeln!(out, "  value  {n:<6}  how many units between occurrences");
            let meaning = match r.unit() {
                RateUnit::Minutes => "elapsed minutes, counted from when the schedule was created",
                RateUnit::Hours if n < 24 => "hours from local midnight, restarting each day",
                RateUnit::Hours => "elapsed hours from midnight of the day the count starts",
                _ => "days, from midnight of the last rotation's day (Secrets Manager)",
            };
            let _ = writeln!(out, "  unit   {unit:<6}  {meaning}");
        }
        Schedule::At(a) => {
            let t = a.wall_time();
            let _ = writeln!(out, "Fields");
            let _ = writeln!(
                out,
                "  date  {}  the day, in --tz ({})",
                t.format("%Y-%m-%d"),
                tz.name()
            );
            let _ = writeln!(
                out,
                "  time  {}    wall-clock time; a time skipped by DST runs at the first instant after the gap",
                t.format("%H:%M:%S")
            );
        }
        _ => {}
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Next occurrences in {} after {}",
        tz.name(),
        from.to_rfc3339_opts(SecondsFormat::Secs, tz == chrono_tz::UTC)
    );
    let mut listed = 0;
    for o in s.occurrences_after(&from).take(args.count) {
        let at = o.at.to_rfc3339_opts(SecondsFormat::Secs, tz == chrono_tz::UTC);
        let note = if o.shifted { "  (moved out of a DST gap)" } else { "" };
        let _ = writeln!(out, "  {at}  {}{note}", o.at.format("%A"));
        listed += 1;
    }
    if listed < args.count {
        let end = if matches!(s, Schedule::At(_)) {
            "a one-time schedule"
        } else {
            "no more before the end of 2199"
        };
        let _ = writeln!(out, "  ({end})");
    }
    let _ = writeln!(out);
    if checked.warnings.is_empty() {
        let _ = writeln!(out, "No warnings.");
    } else {
        let _ = writeln!(out, "Warnings");
        for w in &checked.warnings {
            let _ = writeln!(out, "  column {}: {}", w.column(), w.message());
        }
    }
    match io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}
