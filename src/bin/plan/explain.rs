//! `plan explain EXPR`: an expression read out for people: the English
//! description, what each field (and each `L`, `W`, `#` in it) means, the
//! next occurrences, and the warnings.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use rotaplan::expr::{Cron, Item, Profile, RateUnit, Schedule, StepStart, Value};

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
    let from = args
        .from
        .map_or_else(|| Utc::now().with_timezone(&tz), |t| t.with_timezone(&tz));
    let s = &checked.schedule;
    let mut out = String::new();
    let _ = writeln!(out, "{s}");
    let _ = writeln!(out, "  {}", s.describe().in_zone(tz.name()));
    let _ = writeln!(out, "  valid for the {} profile", args.profile);
    let _ = writeln!(out);
    match s {
        Schedule::Cron(c) => fields(&mut out, c),
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

const NAMES: [&str; 6] = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const NTH: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

/// Each field as written, then one line per item saying what it means.
fn fields(out: &mut String, c: &Cron) {
    // The canonical text of each field, from the expression's own printing.
    let text = c.to_string();
    let inner = text.trim_start_matches("cron(").trim_end_matches(')');
    let written: Vec<&str> = inner.split(' ').collect();
    let all = [
        c.minutes(),
        c.hours(),
        c.day_of_month(),
        c.month(),
        c.day_of_week(),
        c.year(),
    ];
    let width = written.iter().map(|w| w.len()).max().unwrap_or(1).max(5);
    let _ = writeln!(out, "Fields");
    for (i, field) in all.iter().enumerate() {
        let tokens: Vec<&str> = written[i].split(',').collect();
        let meanings: Vec<String> = field
            .items()
            .iter()
            .zip(tokens)
            .map(|(item, token)| format!("`{token}`: {}", item_meaning(i, *item)))
            .collect();
        for (k, m) in meanings.iter().enumerate() {
            let (name, w) = if k == 0 { (NAMES[i], written[i]) } else { ("", "") };
            let _ = writeln!(out, "  {name:<12}  {w:<width$}  {m}");
        }
    }
}

/// (unit, plural, minimum, maximum) of field `i`.
fn bounds(i: usize) -> (&'static str, &'static str, u16, u16) {
    match i {
        0 => ("minute", "minutes", 0, 59),
        1 => ("hour", "hours", 0, 23),
        2 => ("day", "days", 1, 31),
        3 => ("month", "months", 1, 12),
        4 => ("day of the week", "days of the week", 1, 7),
        _ => ("year", "years", 1970, 2199),
    }
}

/// A value as people read it in field `i`.
fn name(i: usize, v: u16) -> String {
    match i {
        0 => format!(":{v:02}"),
        1 => format!("{v:02}:xx"),
        2 => format!("day {v}"),
        3 => MONTHS[(v as usize).clamp(1, 12) - 1].to_string(),
        4 => WEEKDAYS[(v as usize).clamp(1, 7) - 1].to_string(),
        _ => v.to_string(),
    }
}

/// "a, b and c", or the first few and a count when long.
fn values(i: usize, from: u16, to: u16, step: u16) -> String {
    let all: Vec<u16> = (from..=to).step_by(step.max(1) as usize).collect();
    let shown: Vec<String> = all.iter().take(8).map(|v| name(i, *v)).collect();
    match all.len() {
        0 => "nothing".into(),
        1 => shown[0].clone(),
        n if n <= 8 => format!("{} and {}", shown[..n - 1].join(", "), shown[n - 1]),
        n => format!("{}, … ({n} values)", shown.join(", ")),
    }
}

fn item_meaning(i: usize, item: Item) -> String {
    let (unit, units, min, max) = bounds(i);
    let v = |v: Value| name(i, v.get());
    match item {
        Item::All => match i {
            5 => "every year (1970–2199, the range AWS accepts)".into(),
            _ => format!("every {unit}"),
        },
        Item::NoSpecific => format!(
            "no specific {unit}: the {} field chooses the days",
            if i == 2 { "day-of-week" } else { "day-of-month" }
        ),
        Item::Value(x) => match i {
            0 => format!("minute {} of the hour", x.get()),
            1 => format!("hour {} ({:02}:00 to {:02}:59)", x.get(), x.get(), x.get()),
            4 => format!("{} (day-of-week {}; 1 is Sunday)", v(x), x.get()),
            _ => v(x),
        },
        Item::Range(a, b) => format!("{} to {}, inclusive", v(a), v(b)),
        Item::Step(start, step) => {
            let (a, b) = match start {
                StepStart::All => (min, max),
                StepStart::From(a) => (a.get(), max),
                StepStart::Range(a, b) => (a.get(), b.get()),
                _ => (min, max),
            };
            let every = if step == 1 {
                unit.to_string()
            } else {
                format!("{step} {units}")
            };
            let restart = match i {
                0 => ", restarting each hour",
                1 => ", restarting each day",
                2 => ", restarting each month",
                _ => "",
            };
            format!(
                "every {every} from {} to {}{restart}: {}",
                name(i, a),
                name(i, b),
                values(i, a, b, step)
            )
        }
        Item::Last if i == 2 => "the last day of the month (28th to 31st)".into(),
        Item::Last => "alone in day-of-week, the last day of the week: Saturday".into(),
        Item::LastOffset(n) => format!(
            "{n} day{} before the last day of the month (in a 30-day month, day {}); \
             skipped in months too short",
            if n == 1 { "" } else { "s" },
            30u32.saturating_sub(n.into())
        ),
        Item::LastWeekday => "the last weekday (Monday to Friday) of the month".into(),
        Item::NearestWeekday(n) => format!(
            "the weekday (Monday to Friday) nearest day {n}, never leaving the month: \
             a Saturday moves to the Friday before, a Sunday to the Monday after \
             (day 1 on a Saturday moves to Monday the 3rd)"
        ),
        Item::LastDayOfWeek(x) => format!("the last {} of the month", v(x)),
        Item::Nth(x, k) => format!(
            "the {} {} of the month (`#k`: the k-th one); months without one are skipped",
            NTH[(k as usize).clamp(1, 5) - 1],
            v(x)
        ),
        _ => "(not explained)".into(),
    }
}
