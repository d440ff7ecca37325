//! Each field of a cron expression read out for people: [`Cron::explain`].
//!
//! Where [`Description`](super::Description) says what a whole schedule
//! does in one sentence, this says what every item of every field means
//! (`L`, `W`, `#` and steps in particular), for `plan explain`.

use std::fmt;

use super::describe::{MONTHS, NTH, WEEKDAYS};
use super::{Cron, Item, StepStart, Value};

/// The fields of a cron expression, one line per item saying what it means;
/// made by [`Cron::explain`].
///
/// # Examples
///
/// ```
/// use rotaplan::expr::Schedule;
///
/// let Schedule::Cron(c) = Schedule::parse("cron(0 16 ? * SUN#2 *)")? else { unreachable!() };
/// let text = c.explain().to_string();
/// assert!(text.contains("`SUN#2`: the second Sunday of the month"));
/// assert!(text.contains("`16`: hour 16 (16:00 to 16:59)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FieldsExplained<'a>(&'a Cron);

impl Cron {
    /// Each field as written, then what each of its items means.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::expr::Schedule;
    ///
    /// let Schedule::Cron(c) = Schedule::parse("cron(0 0 L * ? *)")? else { unreachable!() };
    /// assert!(c.explain().to_string().contains("the last day of the month"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self) -> FieldsExplained<'_> {
        FieldsExplained(self)
    }
}

const NAMES: [&str; 6] = ["minutes", "hours", "day-of-month", "month", "day-of-week", "year"];

impl fmt::Display for FieldsExplained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
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
        for (i, field) in all.iter().enumerate() {
            let tokens = written[i].split(',');
            for (k, (item, token)) in field.items().iter().zip(tokens).enumerate() {
                let (name, w) = if k == 0 { (NAMES[i], written[i]) } else { ("", "") };
                writeln!(f, "  {name:<12}  {w:<width$}  `{token}`: {}", item_meaning(i, *item))?;
            }
        }
        Ok(())
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

/// Where a wrap-around range in field `i` crosses over.
fn field_end(i: usize) -> &'static str {
    match i {
        0 => "end of the hour",
        1 => "end of the day",
        2 => "end of the month",
        3 => "end of the year",
        _ => "end of the week",
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
/// A wrap-around range (`from > to`) walks past the field's end and on from
/// its start.
fn values(i: usize, from: u16, to: u16, step: u16) -> String {
    let (_, _, min, max) = bounds(i);
    let size = max - min + 1;
    let end = if from > to { to + size } else { to };
    let wrap = |v: u16| if v > max { v - size } else { v };
    let all: Vec<u16> = (from..=end).step_by(step.max(1) as usize).map(wrap).collect();
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
        Item::Range(a, b) if a.get() > b.get() => format!(
            "from {} through {}, wrapping past the {}: {}",
            v(a),
            v(b),
            field_end(i),
            values(i, a.get(), b.get(), 1)
        ),
        Item::Range(a, b) => format!("{} to {}, inclusive", v(a), v(b)),
        Item::Step(start, step) => {
            let (a, b) = match start {
                StepStart::All => (min, max),
                StepStart::From(a) => (a.get(), max),
                StepStart::Range(a, b) => (a.get(), b.get()),
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
            let through = if a > b {
                format!(" through {}, wrapping past the {}", name(i, b), field_end(i))
            } else {
                format!(" to {}", name(i, b))
            };
            format!(
                "every {every} from {}{through}{restart}: {}",
                name(i, a),
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
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{Profile, Schedule};

    /// The line of `explain` for the item written `token`.
    fn line(expr: &str, token: &str) -> String {
        let Ok(Schedule::Cron(c)) = Schedule::parse_with(expr, Profile::EventBridge) else {
            panic!("{expr}")
        };
        let text = c.explain().to_string();
        let key = format!("`{token}`: ");
        let found = text
            .lines()
            .find_map(|l| l.split_once(&key).map(|(_, m)| m.to_string()));
        found.unwrap_or_else(|| panic!("{token} in {text}"))
    }

    #[test]
    fn wrap_around_items_list_their_values_in_walk_order() {
        let table = [
            (
                "cron(0 10 ? * SAT-SUN *)",
                "SAT-SUN",
                "from Saturday through Sunday, wrapping past the end of the week: Saturday and Sunday",
            ),
            (
                "cron(0 10 ? * FRI-MON *)",
                "FRI-MON",
                "from Friday through Monday, wrapping past the end of the week: Friday, Saturday, Sunday and Monday",
            ),
            (
                "cron(0 22-2 * * ? *)",
                "22-2",
                "from 22:xx through 02:xx, wrapping past the end of the day: 22:xx, 23:xx, 00:xx, 01:xx and 02:xx",
            ),
            (
                "cron(0 22-2/2 * * ? *)",
                "22-2/2",
                "every 2 hours from 22:xx through 02:xx, wrapping past the end of the day, restarting each day: \
                 22:xx, 00:xx and 02:xx",
            ),
            (
                "cron(0 10 1 NOV-FEB ? *)",
                "NOV-FEB",
                "from November through February, wrapping past the end of the year: \
                 November, December, January and February",
            ),
            (
                "cron(0 10 25-5/2 * ? *)",
                "25-5/2",
                "every 2 days from day 25 through day 5, wrapping past the end of the month, restarting each month: \
                 day 25, day 27, day 29, day 31, day 2 and day 4",
            ),
            (
                "cron(50-10/5 10 * * ? *)",
                "50-10/5",
                "every 5 minutes from :50 through :10, wrapping past the end of the hour, restarting each hour: \
                 :50, :55, :00, :05 and :10",
            ),
            ("cron(0 10 ? * FRIL *)", "FRIL", "the last Friday of the month"),
            // Ascending ranges read as before.
            ("cron(0 10 ? * MON-FRI *)", "MON-FRI", "Monday to Friday, inclusive"),
        ];
        for (expr, token, want) in table {
            assert_eq!(line(expr, token), want, "{expr}");
        }
    }
}
