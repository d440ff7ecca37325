//! `plan EXPR ...`: the upcoming rotation windows of one expression.

use std::fmt::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::{RotationRules, Window, WindowDuration};

/// Output formats.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON document for programs.
    Json,
}

/// Arguments of the default command.
#[derive(clap::Args)]
pub struct Args {
    /// The schedule expression, e.g. `cron(0 16 ? * SUN#2 *)` or `rate(10 days)`.
    expr: Option<String>,
    /// Plan from this instant (RFC 3339); windows listed start strictly after it. Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    from: Option<DateTime<FixedOffset>>,
    /// The last rotation (RFC 3339): where `rate(...)` schedules count from. Default: `--from`.
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    last_rotated: Option<DateTime<FixedOffset>>,
    /// How many windows to list.
    #[arg(short = 'n', value_name = "N", default_value_t = 5)]
    count: usize,
    /// IANA time zone to read the schedule in and print instants in.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: Tz,
    /// Window duration, `1h` to `24h`. Default: 1h for hour-level schedules, else to the end of the day.
    #[arg(long, value_name = "Nh")]
    duration: Option<WindowDuration>,
    /// Which rules to validate the expression against.
    #[arg(long, value_name = "PROFILE", default_value = "secrets-manager")]
    profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn rfc3339(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("not an RFC 3339 instant ({e}), e.g. 2026-11-23T08:00:00Z"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(expr) = args.expr.as_deref() else {
        anyhow::bail!("no expression given; try `plan --help`");
    };
    let checked = match Schedule::check(expr.as_bytes(), args.profile) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("{err:#}");
            return Ok(ExitCode::from(1));
        }
    };
    for w in &checked.warnings {
        eprintln!("warning: {} (column {})", w.message(), w.column());
    }
    let rules = match RotationRules::new(checked.schedule, args.duration) {
        Ok(r) => r,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    let tz = args.tz;
    let from = args
        .from
        .map_or_else(|| Utc::now().with_timezone(&tz), |t| t.with_timezone(&tz));
    let windows: Vec<Window<Tz>> = match &args.last_rotated {
        Some(last) => rules.windows_after_rotation(last, &from).take(args.count).collect(),
        None => rules.windows_after(&from).take(args.count).collect(),
    };
    let out = match args.format {
        Format::Json => json(&rules, args.profile, tz, &windows)?,
        Format::Table => table(&rules, args.profile, tz, &from, &windows, args.count),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// RFC 3339 to the second: `Z` in UTC, the numeric offset elsewhere.
fn instant(t: &DateTime<Tz>, tz: Tz) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, tz == chrono_tz::UTC)
}

#[derive(serde::Serialize)]
struct JsonPlan<'a> {
    expression: String,
    profile: &'a str,
    tz: &'a str,
    windows: Vec<JsonWindow>,
}

#[derive(serde::Serialize)]
struct JsonWindow {
    start: String,
    end: String,
    shifted: bool,
}

fn json(rules: &RotationRules, profile: Profile, tz: Tz, windows: &[Window<Tz>]) -> anyhow::Result<String> {
    let doc = JsonPlan {
        expression: rules.schedule().to_string(),
        profile: profile.name(),
        tz: tz.name(),
        windows: windows
            .iter()
            .map(|w| JsonWindow {
                start: instant(&w.start, tz),
                end: instant(&w.end, tz),
                shifted: w.shifted,
            })
            .collect(),
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// "20d 8h", "3h 15m", "45m".
fn until(from: &DateTime<Tz>, to: &DateTime<Tz>) -> String {
    let total = (*to - *from).num_minutes().max(0);
    let (d, h, m) = (total / 1440, total / 60 % 24, total % 60);
    if d > 0 {
        format!("in {d}d {h}h")
    } else if h > 0 {
        format!("in {h}h {m}m")
    } else {
        format!("in {m}m")
    }
}

fn table(
    rules: &RotationRules,
    profile: Profile,
    tz: Tz,
    from: &DateTime<Tz>,
    windows: &[Window<Tz>],
    asked: usize,
) -> String {
    let mut out = String::new();
    let zone = tz.name();
    let _ = writeln!(
        out,
        "{}: {}",
        rules.schedule(),
        rules.schedule().describe().in_zone(zone)
    );
    let length = match rules.effective_hours() {
        Some(h) => format!("{h}h windows"),
        None => "windows to the end of the day".to_string(),
    };
    let _ = writeln!(
        out,
        "{profile} profile, {length}, times in {zone}, from {}",
        instant(from, tz)
    );
    let _ = writeln!(out);
    let rows: Vec<[String; 5]> = windows
        .iter()
        .map(|w| {
            [
                instant(&w.start, tz),
                instant(&w.end, tz),
                w.start.format("%A").to_string(),
                until(from, &w.start),
                if w.shifted {
                    "shifted out of a DST gap".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header = ["START", "END", "WEEKDAY", "STARTS", ""];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: [&str; 5]| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            let _ = write!(l, "{cell:<width$}", width = widths[i]);
        }
        let _ = writeln!(out, "{}", l.trim_end());
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    if windows.len() < asked {
        let _ = writeln!(out, "(no more windows before the end of 2199)");
    }
    out
}
