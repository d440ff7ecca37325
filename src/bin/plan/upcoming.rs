//! `plan EXPR ...`: the upcoming rotation windows of one expression.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use chrono_tz::Tz;
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::{Event, FlexibleWindow, IcsWriter, RotationRules, Window, WindowDuration, Windows, Zone};

/// Output formats.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON document for programs.
    Json,
    /// RFC 5545 iCalendar, one event per window, to subscribe to.
    Ics,
}

/// Arguments of the default command.
#[derive(clap::Args)]
pub struct Args {
    /// The schedule expression, e.g. `cron(0 16 ? * SUN#2 *)` or `rate(10 days)`.
    expr: Option<String>,
    /// Plan from this instant (RFC 3339); windows listed start strictly after it. Default: now.
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    from: Option<DateTime<FixedOffset>>,
    /// The last rotation (RFC 3339): where `rate(...)` schedules count from (for EventBridge, when
    /// the schedule was created). Default: `--from`.
    #[arg(long, value_name = "RFC3339", value_parser = rfc3339)]
    last_rotated: Option<DateTime<FixedOffset>>,
    /// How many windows to list.
    #[arg(short = 'n', value_name = "N", default_value_t = 5)]
    count: usize,
    /// IANA time zone to read the schedule in and print instants in.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: Tz,
    /// Secrets Manager window duration, `1h` to `24h`. Default: 1h for hour-level schedules, else to
    /// the end of the day.
    #[arg(long, value_name = "Nh")]
    duration: Option<WindowDuration>,
    /// EventBridge Scheduler's flexible time window, `1m` to `1440m` (eventbridge profile). Default:
    /// none, each window ends where it starts.
    #[arg(long, value_name = "Nm")]
    flexible_window: Option<FlexibleWindow>,
    /// Which rules to validate the expression against.
    #[arg(long, value_name = "PROFILE", default_value = "secrets-manager")]
    profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub(crate) fn rfc3339(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("not an RFC 3339 instant ({e}), e.g. 2026-11-23T08:00:00Z"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(expr) = args.expr.as_deref() else {
        anyhow::bail!("no expression given; try `plan --help`");
    };
    let secrets_manager = args.profile == Profile::SecretsManager;
    if secrets_manager && args.flexible_window.is_some() {
        anyhow::bail!(
            "--flexible-window is EventBridge Scheduler's; Secrets Manager windows take --duration \
             (or use --profile eventbridge)"
        );
    }
    if !secrets_manager && args.duration.is_some() {
        anyhow::bail!(
            "--duration is Secrets Manager's window; under --profile {} use --flexible-window",
            args.profile
        );
    }
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
    let tz = args.tz;
    // Zone precomputes the offset changes: every window below is one
    // lookup, not a search of the tz database.
    let zone = Zone::new(tz);
    let from = args
        .from
        .map_or_else(|| Utc::now().with_timezone(&zone), |t| t.with_timezone(&zone));
    let schedule = checked.schedule;
    // Secrets Manager's window rules apply to its profile only: EventBridge
    // rules have no window, Scheduler a flexible one in minutes.
    let (windows, length): (Windows<Zone>, Length) = if secrets_manager {
        let rules = match RotationRules::new(schedule.clone(), args.duration) {
            Ok(r) => r,
            Err(err) => {
                eprintln!("error: {err}");
                return Ok(ExitCode::from(1));
            }
        };
        let length = match rules.effective_hours() {
            Some(h) => Length::Hours(h),
            None => Length::EndOfDay,
        };
        let windows = match &args.last_rotated {
            Some(last) => rules.windows_after_rotation(last, &from),
            None => rules.windows_after(&from),
        };
        (windows, length)
    } else {
        let anchor = args.last_rotated.unwrap_or_else(|| from.fixed_offset());
        let windows = schedule.windows_with(&anchor, &from, args.flexible_window);
        let length = args.flexible_window.map_or(Length::Instant, Length::Flexible);
        (windows, length)
    };
    let plan = Plan {
        schedule: &schedule,
        profile: args.profile,
        tz,
        from: &from,
        length,
    };
    let windows = windows.take(args.count);
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match args.format {
        Format::Json => plan.json(&mut out, windows, args.count),
        Format::Table => plan.table(&mut out, windows, args.count),
        Format::Ics => plan.ics(&mut out, windows),
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // The reader has seen enough (`plan ... | head`): not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::Error::new(e).context("writing the plan")),
    }
}

/// How long the listed windows last.
#[derive(Clone, Copy)]
enum Length {
    Hours(u8),
    EndOfDay,
    Flexible(FlexibleWindow),
    /// EventBridge without a flexible window: occurrences, `end == start`.
    Instant,
}

/// What the output formats need besides the windows.
struct Plan<'a> {
    schedule: &'a Schedule,
    profile: Profile,
    tz: Tz,
    from: &'a DateTime<Zone>,
    length: Length,
}

/// RFC 3339 to the second: `Z` in UTC, the numeric offset elsewhere.
fn instant(t: &DateTime<Zone>, tz: Tz) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, tz == chrono_tz::UTC)
}

/// "in 20d 8h", "in 3h 15m", "in 45m".
fn until(from: &DateTime<Zone>, to: &DateTime<Zone>) -> String {
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

impl Plan<'_> {
    /// The JSON document, one window per line, written as the windows come:
    ///
    /// ```text
    /// {
    ///   "expression": "...", "profile": "...", "tz": "...",
    ///   "windows": [
    ///     {"start": "...", "end": "...", "shifted": false},
    ///     ...
    ///   ],
    ///   "complete": true
    /// }
    /// ```
    ///
    /// `complete` is false when the list ended before `asked` windows
    /// because the schedule has no more occurrences before the end of 2199.
    fn json(&self, out: &mut impl Write, windows: impl Iterator<Item = Window<Zone>>, asked: usize) -> io::Result<()> {
        let string = |s: &str| serde_json::to_string(s).map_err(io::Error::other);
        writeln!(out, "{{")?;
        writeln!(out, "  \"expression\": {},", string(&self.schedule.to_string())?)?;
        writeln!(out, "  \"profile\": {},", string(self.profile.name())?)?;
        writeln!(out, "  \"tz\": {},", string(self.tz.name())?)?;
        write!(out, "  \"windows\": [")?;
        let mut listed = 0usize;
        for w in windows {
            let sep = if listed == 0 { "" } else { "," };
            write!(
                out,
                "{sep}\n    {{\"start\": \"{}\", \"end\": \"{}\", \"shifted\": {}}}",
                instant(&w.start, self.tz),
                instant(&w.end, self.tz),
                w.shifted
            )?;
            listed += 1;
        }
        if listed > 0 {
            write!(out, "\n  ")?;
        }
        writeln!(out, "],")?;
        writeln!(out, "  \"complete\": {}", listed == asked)?;
        writeln!(out, "}}")
    }

    /// iCalendar: one VEVENT per window, in UTC, or with `TZID` local times
    /// and a `VTIMEZONE` covering the windows (found by a first pass over
    /// them, which holds nothing).
    fn ics<W: Write>(&self, out: W, windows: impl Iterator<Item = Window<Zone>> + Clone) -> io::Result<()> {
        let expression = self.schedule.to_string();
        let name = format!("rotaplan: {expression}");
        let stamp = Utc::now();
        let mut ics = if self.tz == chrono_tz::UTC {
            IcsWriter::utc(out, &name, &stamp)?
        } else {
            let start = self.from.with_timezone(&Utc);
            let end = windows.clone().last().map_or(start, |w| w.end.with_timezone(&Utc));
            IcsWriter::zoned(out, &name, &stamp, self.tz, start..end)?
        };
        let summary = match self.length {
            Length::Instant | Length::Flexible(_) => format!("{} {expression}", self.profile),
            _ => format!("Rotation window: {expression}"),
        };
        let description = format!(
            "{} ({} profile)",
            self.schedule.describe().in_zone(self.tz.name()),
            self.profile
        );
        for w in windows {
            ics.event(&Event::new(&expression, &summary, &w).description(&description))?;
        }
        ics.finish().map(drop)
    }

    /// Aligned columns, written as the windows come; the widths are fixed
    /// up front so nothing has to be held back.
    fn table(&self, out: &mut impl Write, windows: impl Iterator<Item = Window<Zone>>, asked: usize) -> io::Result<()> {
        let zone = self.tz.name();
        writeln!(out, "{}: {}", self.schedule, self.schedule.describe().in_zone(zone))?;
        let length = match self.length {
            Length::Hours(h) => format!("{h}h windows"),
            Length::EndOfDay => "windows to the end of the day".to_string(),
            Length::Flexible(w) => format!("{w} flexible windows"),
            Length::Instant => "occurrences (no flexible window)".to_string(),
        };
        writeln!(
            out,
            "{} profile, {length}, times in {zone}, from {}",
            self.profile,
            instant(self.from, self.tz)
        )?;
        writeln!(out)?;
        // `Z` in UTC, `+hh:mm` elsewhere; "Wednesday"; "in 63000d 23h".
        let at = if self.tz == chrono_tz::UTC { 20 } else { 25 };
        let with_end = !matches!(self.length, Length::Instant);
        let row = |out: &mut dyn Write, start: &str, end: &str, day: &str, starts: &str, note: &str| {
            let mut line = format!("{start:<at$}  ");
            if with_end {
                line.push_str(&format!("{end:<at$}  "));
            }
            line.push_str(&format!("{day:<9}  {starts:<13}  {note}"));
            writeln!(out, "{}", line.trim_end())
        };
        row(out, "START", "END", "WEEKDAY", "STARTS", "")?;
        let mut listed = 0usize;
        for w in windows {
            let note = if w.shifted { "shifted out of a DST gap" } else { "" };
            row(
                out,
                &instant(&w.start, self.tz),
                &instant(&w.end, self.tz),
                &w.start.format("%A").to_string(),
                &until(self.from, &w.start),
                note,
            )?;
            listed += 1;
        }
        if listed < asked {
            if matches!(self.schedule, Schedule::At(_)) {
                writeln!(out, "(a one-time schedule: nothing after it)")?;
            } else {
                let what = if with_end { "windows" } else { "occurrences" };
                writeln!(out, "(no more {what} before the end of 2199)")?;
            }
        }
        Ok(())
    }
}
