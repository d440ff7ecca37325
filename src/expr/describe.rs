//! Schedules in English: [`Schedule::describe`] and [`Description`].
//!
//! The time of day comes from the compiled sets (so `0/8` reads as "at
//! 00:00, 08:00 and 16:00"); days, months and years come from the items as
//! written (so `SUN#2` reads as "the second Sunday").

use std::fmt;

use super::{Compiled, Cron, CronField, Item, Rate, RateUnit, Schedule, StepStart};

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
pub(super) const NTH: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

/// A schedule described in English; made by [`Schedule::describe`].
///
/// # Examples
///
/// ```
/// use rotaplan::expr::Schedule;
///
/// let s = Schedule::parse("cron(0 16 ? * SUN#2 *)")?;
/// assert_eq!(s.describe().to_string(), "at 16:00 UTC on the second Sunday of every month");
/// assert_eq!(
///     s.describe().in_zone("Europe/London").to_string(),
///     "at 16:00 Europe/London on the second Sunday of every month",
/// );
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Description<'a> {
    schedule: &'a Schedule,
    zone: &'a str,
}

impl<'a> Description<'a> {
    /// The same description with times in `zone` (a name such as
    /// `America/New_York`) instead of UTC.
    ///
    /// ```
    /// let s = rotaplan::expr::Schedule::parse("rate(1 day)")?;
    /// assert_eq!(s.describe().in_zone("Asia/Tokyo").to_string(), "every day, in a window starting at 00:00 Asia/Tokyo");
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn in_zone(self, zone: &'a str) -> Description<'a> {
        Description { zone, ..self }
    }
}

impl Schedule {
    /// The schedule in English, for people: `Display` it.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("rate(10 days)")?;
    /// assert_eq!(s.describe().to_string(), "every 10 days, in a window starting at 00:00 UTC");
    /// let s = Schedule::parse("cron(0 0/8 ? * MON-FRI *)")?;
    /// assert_eq!(s.describe().to_string(), "at 00:00, 08:00 and 16:00 UTC every Monday to Friday");
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn describe(&self) -> Description<'_> {
        Description {
            schedule: self,
            zone: "UTC",
        }
    }
}

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.schedule {
            Schedule::Rate(r) => rate(f, r, self.zone),
            Schedule::Cron(c) => cron(f, c, self.zone),
            Schedule::At(a) => write!(
                f,
                "once, at {} {}",
                a.wall_time().format("%Y-%m-%d %H:%M:%S"),
                self.zone
            ),
        }
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    }
}

fn rate(f: &mut fmt::Formatter<'_>, r: &Rate, zone: &str) -> fmt::Result {
    let n = r.value().get();
    match r.unit() {
        RateUnit::Days => write!(f, "every {}, in a window starting at 00:00 {zone}", plural(n, "day")),
        RateUnit::Hours if n < 24 => write!(f, "every {} from 00:00 {zone}, restarting each day", plural(n, "hour")),
        RateUnit::Hours => write!(f, "every {} from 00:00 {zone}", plural(n, "hour")),
        _ => write!(f, "every {}", plural(n, "minute")),
    }
}

/// "a", "a and b", "a, b and c".
fn join(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn bits(set: u64, len: u32) -> Vec<u32> {
    (0..len).filter(|i| set & (1 << i) != 0).collect()
}

/// The common step of an arithmetic progression of at least three values.
fn progression(v: &[u32]) -> Option<u32> {
    let step = v.get(1)? - v[0];
    (v.len() >= 3 && v.windows(2).all(|w| w[1] - w[0] == step)).then_some(step)
}

fn time_of_day(f: &mut fmt::Formatter<'_>, c: &Compiled, zone: &str) -> fmt::Result {
    let hours = bits(c.hours as u64, 24);
    let minutes = bits(c.minutes, 60);
    let hm = |h: u32, m: u32| format!("{h:02}:{m:02}");
    if let [m] = minutes[..] {
        if hours.len() == 24 {
            return write!(f, "every hour at minute {m}");
        }
        if hours.len() > 4 {
            if let Some(step) = progression(&hours) {
                let (first, last) = (hours[0], hours[hours.len() - 1]);
                return write!(
                    f,
                    "every {} from {} to {} {zone}",
                    plural(step, "hour"),
                    hm(first, m),
                    hm(last, m)
                );
            }
        }
        let times: Vec<String> = hours.iter().map(|&h| hm(h, m)).collect();
        return write!(f, "at {} {zone}", join(&times));
    }
    if minutes.len() == 60 {
        f.write_str("every minute")?;
    } else if let Some(step) = progression(&minutes).filter(|&s| minutes[0] < s && minutes[minutes.len() - 1] + s > 59)
    {
        write!(f, "every {}", plural(step, "minute"))?;
        if minutes[0] != 0 {
            write!(f, " from minute {}", minutes[0])?;
        }
    } else {
        let ms: Vec<String> = minutes.iter().map(|m| m.to_string()).collect();
        write!(f, "at minutes {}", join(&ms))?;
    }
    if hours.len() == 24 {
        return Ok(());
    }
    let hs: Vec<String> = hours.iter().map(|&h| format!("{h:02}")).collect();
    write!(
        f,
        " of hour{} {} {zone}",
        if hours.len() == 1 { "" } else { "s" },
        join(&hs)
    )
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The items of a list field as English, with `value` naming one value and
/// `unit` the thing a step counts.
fn items(field: CronField<'_>, value: &dyn Fn(u32) -> String, unit: &str, min: u32) -> String {
    let parts: Vec<String> = field
        .items()
        .iter()
        .map(|item| match *item {
            Item::Value(v) => value(v.get().into()),
            // A wrap-around range (`NOV-FEB`, `25-5`) reads "through".
            Item::Range(a, b) if a.get() > b.get() => {
                format!("{} through {}", value(a.get().into()), value(b.get().into()))
            }
            Item::Range(a, b) => format!("{} to {}", value(a.get().into()), value(b.get().into())),
            Item::Step(StepStart::All, s) => format!("every {} from {}", plural(s.into(), unit), value(min)),
            Item::Step(StepStart::From(a), s) => {
                format!("every {} from {}", plural(s.into(), unit), value(a.get().into()))
            }
            Item::Step(StepStart::Range(a, b), s) => format!(
                "every {} from {} {} {}",
                plural(s.into(), unit),
                value(a.get().into()),
                if a.get() > b.get() { "through" } else { "to" },
                value(b.get().into())
            ),
            _ => String::new(),
        })
        .collect();
    join(&parts)
}

fn is_all(field: CronField<'_>) -> bool {
    field.items() == [Item::All]
}

fn month_name(m: u32) -> String {
    MONTHS[m as usize - 1].to_string()
}

fn weekday_name(w: u32) -> String {
    WEEKDAYS[w as usize - 1].to_string()
}

/// "every month" or "January and July".
fn months_of(c: &Cron) -> String {
    if is_all(c.month()) {
        "every month".into()
    } else {
        items(c.month(), &month_name, "month", 1)
    }
}

/// "" or " in January and July".
fn in_months(c: &Cron) -> String {
    if is_all(c.month()) {
        String::new()
    } else {
        format!(" in {}", items(c.month(), &month_name, "month", 1))
    }
}

fn days(f: &mut fmt::Formatter<'_>, c: &Cron) -> fmt::Result {
    let dom = c.day_of_month().items();
    if dom != [Item::NoSpecific] {
        return match dom {
            [Item::All] => write!(f, "every day{}", in_months(c)),
            [Item::Last] => write!(f, "on the last day of {}", months_of(c)),
            [Item::LastOffset(n)] => {
                write!(
                    f,
                    "{} before the last day of {}",
                    plural((*n).into(), "day"),
                    months_of(c)
                )
            }
            [Item::LastWeekday] => write!(f, "on the last weekday of {}", months_of(c)),
            [Item::NearestWeekday(n)] => {
                write!(
                    f,
                    "on the weekday nearest the {} of {}",
                    ordinal((*n).into()),
                    months_of(c)
                )
            }
            _ => {
                let the = |d: u32| format!("the {}", ordinal(d));
                write!(f, "on {} of {}", items(c.day_of_month(), &the, "day", 1), months_of(c))
            }
        };
    }
    match c.day_of_week().items() {
        [Item::Nth(v, k)] => write!(
            f,
            "on the {} {} of {}",
            NTH[*k as usize - 1],
            weekday_name(v.get().into()),
            months_of(c)
        ),
        [Item::LastDayOfWeek(v)] => write!(f, "on the last {} of {}", weekday_name(v.get().into()), months_of(c)),
        [Item::All] => write!(f, "every day{}", in_months(c)),
        _ => {
            let super::compile::DaySpec::WeekDays(mask) = c.compiled().days else {
                return Ok(());
            };
            let set = bits(mask as u64, 7);
            if let Some((first, last)) = week_wrap(mask) {
                let (first, last) = (weekday_name(first + 1), weekday_name(last + 1));
                return write!(f, "every day from {first} through {last}{}", in_months(c));
            }
            let names: Vec<String> = set.iter().map(|&w| weekday_name(w + 1)).collect();
            let text = match progression(&set) {
                Some(1) if set.len() < 7 => format!("{} to {}", names[0], names[names.len() - 1]),
                _ if set.len() == 7 => "day".to_string(),
                _ => join(&names),
            };
            write!(f, "every {text}{}", in_months(c))
        }
    }
}

/// The first and last day of a run of weekdays (bit 0 Sunday) that runs
/// over the end of the week, Saturday into Sunday (`FRI-MON`); `None` for
/// any other set.
fn week_wrap(mask: u8) -> Option<(u32, u32)> {
    let mask = u32::from(mask & 0x7f);
    if mask & 0b100_0001 != 0b100_0001 || mask == 0x7f {
        return None;
    }
    // Days from Sunday on, and days up to Saturday, both unbroken.
    let head = mask.trailing_ones();
    let tail = (mask << 25).leading_ones();
    (head + tail == mask.count_ones()).then(|| (7 - tail, head - 1))
}

fn cron(f: &mut fmt::Formatter<'_>, c: &Cron, zone: &str) -> fmt::Result {
    time_of_day(f, c.compiled(), zone)?;
    f.write_str(" ")?;
    days(f, c)?;
    if !is_all(c.year()) {
        write!(f, " in {}", items(c.year(), &|y: u32| y.to_string(), "year", 1970))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::expr::{Profile, Schedule};

    #[test]
    fn descriptions() {
        let table = [
            (
                "cron(0 16 ? * SUN#2 *)",
                "at 16:00 UTC on the second Sunday of every month",
            ),
            ("cron(0 10 * * ? *)", "at 10:00 UTC every day"),
            ("cron(0 0/8 * * ? *)", "at 00:00, 08:00 and 16:00 UTC every day"),
            ("cron(0 2/10 * * ? *)", "at 02:00, 12:00 and 22:00 UTC every day"),
            ("cron(0 0/4 * * ? *)", "every 4 hours from 00:00 to 20:00 UTC every day"),
            ("cron(0 * * * ? *)", "every hour at minute 0 every day"),
            ("cron(0 10 L * ? *)", "at 10:00 UTC on the last day of every month"),
            (
                "cron(0 10 L-3 * ? *)",
                "at 10:00 UTC 3 days before the last day of every month",
            ),
            ("cron(0 10 LW * ? *)", "at 10:00 UTC on the last weekday of every month"),
            (
                "cron(0 10 15W * ? *)",
                "at 10:00 UTC on the weekday nearest the 15th of every month",
            ),
            (
                "cron(0 10 1,15 * ? *)",
                "at 10:00 UTC on the 1st and the 15th of every month",
            ),
            (
                "cron(0 10 1-7 JAN,JUL ? *)",
                "at 10:00 UTC on the 1st to the 7th of January and July",
            ),
            ("cron(0 10 ? * 6L *)", "at 10:00 UTC on the last Friday of every month"),
            (
                "cron(0 10 ? * MON,WED,FRI *)",
                "at 10:00 UTC every Monday, Wednesday and Friday",
            ),
            ("cron(0 10 ? * L *)", "at 10:00 UTC every Saturday"),
            ("cron(0 10 ? 3-5 * *)", "at 10:00 UTC every day in March to May"),
            (
                "cron(0 10 1 */3 ? *)",
                "at 10:00 UTC on the 1st of every 3 months from January",
            ),
            ("cron(0 12 1 1 ? 2030)", "at 12:00 UTC on the 1st of January in 2030"),
            ("cron(0/15 10 * * ? *)", "every 15 minutes of hour 10 UTC every day"),
            ("cron(* * * * ? *)", "every minute every day"),
            ("cron(21,22 * ? * 2 *)", "at minutes 21 and 22 every Monday"),
            // Wrap-around ranges.
            (
                "cron(0 10 ? * SAT-SUN *)",
                "at 10:00 UTC every day from Saturday through Sunday",
            ),
            (
                "cron(0 10 ? * FRI-MON *)",
                "at 10:00 UTC every day from Friday through Monday",
            ),
            (
                "cron(0 10 ? * 1,7 *)",
                "at 10:00 UTC every day from Saturday through Sunday",
            ),
            (
                "cron(0 10 ? * 1,3,7 *)",
                "at 10:00 UTC every Sunday, Tuesday and Saturday",
            ),
            (
                "cron(0 10 ? NOV-FEB SAT-SUN *)",
                "at 10:00 UTC every day from Saturday through Sunday in November through February",
            ),
            (
                "cron(0 22-2 ? * MON *)",
                "at 00:00, 01:00, 02:00, 22:00 and 23:00 UTC every Monday",
            ),
            (
                "cron(0 10 1 NOV-FEB ? *)",
                "at 10:00 UTC on the 1st of November through February",
            ),
            (
                "cron(0 10 1 NOV-FEB/2 ? *)",
                "at 10:00 UTC on the 1st of every 2 months from November through February",
            ),
            (
                "cron(0 10 25-5 * ? *)",
                "at 10:00 UTC on the 25th through the 5th of every month",
            ),
            (
                "cron(0 10 ? * FRIL *)",
                "at 10:00 UTC on the last Friday of every month",
            ),
            ("rate(1 day)", "every day, in a window starting at 00:00 UTC"),
            ("rate(4 hours)", "every 4 hours from 00:00 UTC, restarting each day"),
            ("rate(1 hour)", "every hour from 00:00 UTC, restarting each day"),
            ("rate(5 minutes)", "every 5 minutes"),
        ];
        for (expr, want) in table {
            let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
            assert_eq!(s.describe().to_string(), want, "{expr}");
        }
    }
}
