//! Canonical printing: single spaces, upper-case names, no leading zeros.
//! `FromStr` parses the output back to an equal value.

use std::fmt;

use super::{Cron, CronField, Item, Rate, Schedule, StepStart, Value};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Rate(r) => r.fmt(f),
            Schedule::Cron(c) => c.fmt(f),
            Schedule::At(a) => a.fmt(f),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.value().get();
        write!(f, "rate({n} {})", self.unit().spelling(n))
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cron(")?;
        for (i, field) in self.fields().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write_field(f, field, i)?;
        }
        f.write_str(")")
    }
}

fn write_value(f: &mut fmt::Formatter<'_>, v: Value, index: usize) -> fmt::Result {
    let n = v.get() as usize;
    match index {
        3 if v.is_named() => f.write_str(MONTHS[n - 1]),
        4 if v.is_named() => f.write_str(WEEKDAYS[n - 1]),
        _ => write!(f, "{n}"),
    }
}

fn write_field(f: &mut fmt::Formatter<'_>, field: CronField<'_>, index: usize) -> fmt::Result {
    for (i, item) in field.items().iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        match *item {
            Item::All => f.write_str("*")?,
            Item::NoSpecific => f.write_str("?")?,
            Item::Value(v) => write_value(f, v, index)?,
            Item::Range(a, b) => {
                write_value(f, a, index)?;
                f.write_str("-")?;
                write_value(f, b, index)?;
            }
            Item::Step(start, step) => {
                match start {
                    StepStart::All => f.write_str("*")?,
                    StepStart::From(a) => write_value(f, a, index)?,
                    StepStart::Range(a, b) => {
                        write_value(f, a, index)?;
                        f.write_str("-")?;
                        write_value(f, b, index)?;
                    }
                }
                write!(f, "/{step}")?;
            }
            Item::Last => f.write_str("L")?,
            Item::LastOffset(n) => write!(f, "L-{n}")?,
            Item::LastWeekday => f.write_str("LW")?,
            Item::NearestWeekday(n) => write!(f, "{n}W")?,
            Item::LastDayOfWeek(v) => {
                // `FRIL` prints back as written (it parses with a warning).
                write_value(f, v, index)?;
                f.write_str("L")?;
            }
            Item::Nth(v, k) => {
                write_value(f, v, index)?;
                write!(f, "#{k}")?;
            }
        }
    }
    Ok(())
}
