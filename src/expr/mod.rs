//! Schedule expressions: `rate(Value Unit)` and six-field `cron(...)`, parsed
//! into typed values and validated against a [`Profile`].
//!
//! The easiest way in is [`Schedule::parse`], which applies the rules AWS
//! Secrets Manager applies to `RotationRules.ScheduleExpression`:
//!
//! ```
//! use rotaplan::expr::Schedule;
//!
//! let s = Schedule::parse("cron(0 16 ? * sun#2 *)")?;
//! // Display prints the canonical form: upper-case names, single spaces.
//! assert_eq!(s.to_string(), "cron(0 16 ? * SUN#2 *)");
//! assert_eq!(s, s.to_string().parse()?);
//! # Ok::<(), rotaplan::expr::ParseError>(())
//! ```
//!
//! A bad expression is an error that knows where it went wrong and what was
//! expected. Plain `Display` is one line; the alternate form (`{:#}`) draws
//! the expression with carets under the offending text:
//!
//! ```
//! use rotaplan::expr::Schedule;
//!
//! let err = Schedule::parse("cron(0 10 15 * MON *)").unwrap_err();
//! assert_eq!(err.column(), 11);
//! assert_eq!(
//!     format!("{err:#}"),
//!     "error: day-of-month and day-of-week cannot both be set; one must be `?`\n  \
//!        | cron(0 10 15 * MON *)\n  \
//!        |           ^^   ^^^",
//! );
//! ```
//!
//! The general EventBridge dialect (minutes, years, `W`, ...) is available
//! through [`Schedule::parse_with`] and [`Profile::EventBridge`].
//!
//! # Syntax
//!
//! See [`Schedule`] for the grammar and the meaning of every construct.

mod at;
pub(crate) mod compile;
mod describe;
mod display;
mod error;
mod explain;
mod fast;
mod parse;
#[cfg(feature = "serde")]
mod serde_impl;
mod validate;

use std::num::NonZeroU32;
use std::str::FromStr;

pub use at::At;
pub(crate) use compile::Compiled;
pub use describe::Description;
pub use error::{Field, ParseError, Warning};
pub use explain::FieldsExplained;

/// Which set of rules an expression is validated against.
///
/// The profiles share one grammar (the EventBridge superset, plus `at(...)`);
/// they differ in what they accept once parsed.
///
/// # Examples
///
/// ```
/// use rotaplan::expr::{Profile, Schedule};
///
/// // Minutes are fine for an EventBridge rule...
/// assert!(Schedule::parse_with("rate(5 minutes)", Profile::EventBridge).is_ok());
/// // ...but Secrets Manager rotates at most every four hours.
/// assert!(Schedule::parse_with("rate(5 minutes)", Profile::SecretsManager).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Profile {
    /// The rules AWS Secrets Manager applies to rotation schedules: minutes
    /// `0`, year `*`, `rate` in hours (at least 4) or days (at most 1000),
    /// rotations at least four hours apart. The default.
    #[default]
    SecretsManager,
    /// The general cron/rate dialect of EventBridge rules.
    EventBridge,
    /// EventBridge Scheduler (`AWS::Scheduler::Schedule`): the EventBridge
    /// dialect, plus one-time `at(yyyy-mm-ddThh:mm:ss)` schedules, and
    /// either unit form for any rate value (`rate(1 minutes)` and
    /// `rate(5 minute)` deploy there), with a warning from
    /// [`Schedule::check`] that an EventBridge rule would reject it.
    ///
    /// ```
    /// use rotaplan::expr::{Profile, Schedule};
    ///
    /// assert!(Schedule::parse_with("rate(1 minutes)", Profile::Scheduler).is_ok());
    /// assert!(Schedule::parse_with("rate(1 minutes)", Profile::EventBridge).is_err());
    /// let checked = Schedule::check(b"rate(5 minute)", Profile::Scheduler).unwrap();
    /// assert_eq!(
    ///     checked.warnings[0].message(),
    ///     "an EventBridge rule would reject `minute` with 5; it expects `minutes`",
    /// );
    /// assert!(Schedule::parse_with("at(2027-01-01T00:00:00)", Profile::Scheduler).is_ok());
    /// ```
    Scheduler,
}

impl Profile {
    /// The profile's name as the command line spells it:
    /// `secrets-manager`, `eventbridge` or `scheduler`.
    ///
    /// ```
    /// assert_eq!(rotaplan::expr::Profile::EventBridge.name(), "eventbridge");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Profile::SecretsManager => "secrets-manager",
            Profile::EventBridge => "eventbridge",
            Profile::Scheduler => "scheduler",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        match s {
            "secrets-manager" | "secretsmanager" => Ok(Profile::SecretsManager),
            "eventbridge" | "event-bridge" => Ok(Profile::EventBridge),
            "scheduler" | "eventbridge-scheduler" => Ok(Profile::Scheduler),
            _ => Err(UnknownProfile(s.chars().take(64).collect())),
        }
    }
}

/// The error for a profile name that is not `secrets-manager`,
/// `eventbridge` or `scheduler`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile `{0}`; expected `secrets-manager`, `eventbridge` or `scheduler`")]
pub struct UnknownProfile(String);

/// A parsed, validated schedule expression.
///
/// # Syntax
///
/// - `rate(Value Unit)`: `Value` is a positive decimal integer; `Unit` is
///   `minute`, `hour` or `day`, singular when `Value` is 1 and plural
///   otherwise (`rate(1 day)`, `rate(12 hours)`). [`Profile::Scheduler`]
///   takes either form, with a warning.
/// - `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: exactly six
///   fields separated by spaces. Each field is `*` or a comma-separated list
///   of items:
///
///   | item | meaning | fields |
///   |---|---|---|
///   | `5`, `JAN`, `MON` | one value (names are case-insensitive) | all (names: month, day-of-week) |
///   | `a-c` | `a` to `c`; with `a > c` it wraps around the field, as Quartz reads it (see below) | all (years: `a ≤ c` only) |
///   | `a/b`, `*/b`, `/b`, `a-c/b` | from `a` (or the minimum) every `b` | all but day-of-week (Secrets Manager allows it there too) |
///   | `?` | no specific value; exactly one day field is `?` | day-of-month, day-of-week |
///   | `L` | last day of the month; in day-of-week, Saturday | day-of-month, day-of-week |
///   | `L-n` | `n` days before the last day of the month | day-of-month |
///   | `LW` | last weekday (Monday to Friday) of the month | day-of-month |
///   | `nW` | the weekday nearest day `n`, within the month | day-of-month |
///   | `nL` | the last day `n` of the month (`6L`: last Friday); a name works too (`FRIL`, with a warning) | day-of-week |
///   | `n#k` | the `k`-th day `n` of the month (`2#1`: first Monday) | day-of-week |
///
///   Ranges: minutes 0–59, hours 0–23, day-of-month 1–31, month 1–12 or
///   `JAN`–`DEC`, day-of-week 1–7 or `SUN`–`SAT` (1 is Sunday), year
///   1970–2199. `?`, `L`, `L-n`, `LW`, `nW`, `nL` and `n#k` stand alone in
///   their field.
///
///   Wrap-around ranges: `a-c` with `a > c` runs from `a` to the field's
///   end, then on from its start to `c`: `SAT-SUN` is Saturday and Sunday,
///   `FRI-MON` Friday to Monday, hours `22-2` are 22, 23, 0, 1 and 2 of the
///   same day, `NOV-FEB` is November to February, minutes `50-10` are 50–59
///   and 0–10. A step walks on across the wrap (`22-2/2`: 22, 0, 2).
///   Day-of-month `25-5` is the 25th to the month's last day, then the 1st
///   to the 5th of the same month; with a step it walks all 31 days, as
///   Quartz does (`25-5/2`: 25, 27, 29, 31, 2, 4), a day the month lacks
///   being skipped. Years never wrap (`2030-2020` is an error). AWS
///   documents ascending ranges only, so [`Schedule::check`] warns about
///   each wrap; `Display` prints it as written.
///
/// The spec `schedule-expressions.md` in the project's shared folder is the
/// rulebook; every rule there is pinned by a test.
///
/// # Examples
///
/// ```
/// use rotaplan::expr::{RateUnit, Schedule};
///
/// match Schedule::parse("rate(10 days)")? {
///     Schedule::Rate(rate) => {
///         assert_eq!(rate.value().get(), 10);
///         assert_eq!(rate.unit(), RateUnit::Days);
///     }
///     other => panic!("expected a rate, got {other}"),
/// }
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Schedule {
    /// `rate(Value Unit)`.
    Rate(Rate),
    /// `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
    Cron(Cron),
    /// `at(yyyy-mm-ddThh:mm:ss)`: once (EventBridge Scheduler only).
    At(At),
}

impl Schedule {
    /// Parses and validates `expr` with the default profile,
    /// [`Profile::SecretsManager`].
    ///
    /// # Errors
    ///
    /// | input | why |
    /// |---|---|
    /// | `rate(1 days)` | 1 takes the singular unit |
    /// | `rate(2 hours)` | Secrets Manager rotates at most every 4 hours |
    /// | `cron(30 10 * * ? *)` | minutes must be 0 for Secrets Manager |
    /// | `cron(0 10 * * * *)` | one of the day fields must be `?` |
    /// | `cron(0 1,2 * * ? *)` | 01:00 and 02:00 are less than 4 hours apart |
    /// | `cron(0 0 30 2 ? *)` | never fires: February has no 30th |
    /// | `cron(0 10 * * ?)` | five fields, six expected |
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("cron(0 /8 * * ? *)")?;
    /// assert_eq!(s.to_string(), "cron(0 0/8 * * ? *)");
    /// let err = Schedule::parse("cron(0 1,2 * * ? *)").unwrap_err();
    /// assert!(err.is_too_frequent());
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn parse(expr: &str) -> Result<Schedule, ParseError> {
        Schedule::parse_with(expr, Profile::SecretsManager)
    }

    /// Parses and validates `expr` against `profile`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::expr::{Profile, Schedule};
    ///
    /// let s = Schedule::parse_with("cron(15 10 LW * ? 2030)", Profile::EventBridge)?;
    /// assert_eq!(s.to_string(), "cron(15 10 LW * ? 2030)");
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn parse_with(expr: &str, profile: Profile) -> Result<Schedule, ParseError> {
        if expr.starts_with("at(") {
            return at::check(expr.as_bytes(), profile).map(|c| c.schedule);
        }
        // Warnings are not returned here, so none are built.
        parse::parse(expr.as_bytes(), profile, None)
    }

    /// Parses and validates raw bytes, which need not be UTF-8, and also
    /// returns the warnings (constructs that parse but that AWS does not
    /// document for `profile`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::expr::{Profile, Schedule};
    ///
    /// let checked = Schedule::check(b"cron(0 10 LW * ? *)", Profile::SecretsManager)?;
    /// assert_eq!(checked.warnings.len(), 1);
    /// assert!(Schedule::check(b"cron(0 \xff * * ? *)", Profile::SecretsManager).is_err());
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn check(expr: &[u8], profile: Profile) -> Result<Checked, ParseError> {
        if expr.starts_with(b"at(") {
            return at::check(expr, profile);
        }
        let mut warnings = Vec::new();
        let schedule = parse::parse(expr, profile, Some(&mut warnings))?;
        Ok(Checked { schedule, warnings })
    }

    /// Whether this is a `cron(...)` expression.
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("cron(0 0 * * ? *)").unwrap().is_cron());
    /// ```
    pub fn is_cron(&self) -> bool {
        matches!(self, Schedule::Cron(_))
    }
}

impl FromStr for Schedule {
    type Err = ParseError;

    /// Same as [`Schedule::parse`]: the Secrets Manager profile.
    fn from_str(s: &str) -> Result<Schedule, ParseError> {
        Schedule::parse(s)
    }
}

/// A schedule that passed validation, with the warnings found on the way.
///
/// Returned by [`Schedule::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checked {
    /// The schedule.
    pub schedule: Schedule,
    /// Constructs that parse but that AWS does not document for the profile.
    pub warnings: Vec<Warning>,
}

/// `rate(Value Unit)`: every `value` units.
///
/// ```
/// use rotaplan::expr::{RateUnit, Schedule};
///
/// let Schedule::Rate(rate) = Schedule::parse("rate(12 hours)")? else { unreachable!() };
/// assert_eq!((rate.value().get(), rate.unit()), (12, RateUnit::Hours));
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    value: NonZeroU32,
    unit: RateUnit,
}

impl Rate {
    /// How many units between occurrences.
    pub fn value(&self) -> NonZeroU32 {
        self.value
    }

    /// The unit.
    pub fn unit(&self) -> RateUnit {
        self.unit
    }

    pub(crate) fn new(value: NonZeroU32, unit: RateUnit) -> Rate {
        Rate { value, unit }
    }
}

/// The unit of a [`Rate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RateUnit {
    /// `minute` / `minutes` (EventBridge only).
    Minutes,
    /// `hour` / `hours`.
    Hours,
    /// `day` / `days`.
    Days,
}

impl RateUnit {
    /// The unit's spelling for `value`: singular for 1, plural otherwise.
    ///
    /// ```
    /// use rotaplan::expr::RateUnit;
    /// assert_eq!(RateUnit::Days.spelling(1), "day");
    /// assert_eq!(RateUnit::Days.spelling(10), "days");
    /// ```
    pub fn spelling(self, value: u32) -> &'static str {
        match (self, value == 1) {
            (RateUnit::Minutes, true) => "minute",
            (RateUnit::Minutes, false) => "minutes",
            (RateUnit::Hours, true) => "hour",
            (RateUnit::Hours, false) => "hours",
            (RateUnit::Days, true) => "day",
            (RateUnit::Days, false) => "days",
        }
    }
}

/// `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
///
/// The fields keep what was written (so `Display` can print it back); the
/// planner works from a compiled bitset form built once at parse time.
///
/// ```
/// use rotaplan::expr::{Item, Schedule};
///
/// let Schedule::Cron(cron) = Schedule::parse("cron(0 16 ? * SUN#2 *)")? else { unreachable!() };
/// assert_eq!(cron.hours().items(), &[Item::Value(16.into())]);
/// assert!(matches!(cron.day_of_week().items(), [Item::Nth(v, 2)] if v.get() == 1));
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cron {
    compiled: Compiled,
    // All six fields' items in one list, so that a typical expression (up to
    // ten items) is held inline: parsing allocates nothing, and a schedule
    // is small enough to move cheaply. `ends[i]` is where field `i` ends.
    items: Items,
    ends: [u16; 6],
}

/// The items of all six fields, in order.
pub(crate) type Items = smallvec::SmallVec<[Item; INLINE_ITEMS]>;

/// How many items a [`Cron`] holds without allocating.
pub(crate) const INLINE_ITEMS: usize = 10;

impl Cron {
    pub(crate) fn new(compiled: Compiled, items: Items, ends: [u16; 6]) -> Cron {
        Cron { compiled, items, ends }
    }

    /// Field `index` (0 minutes ... 5 year).
    pub(crate) fn field(&self, index: usize) -> CronField<'_> {
        CronField {
            items: field_of(&self.items, &self.ends, index),
        }
    }

    /// The six fields, minutes first.
    pub(crate) fn fields(&self) -> impl Iterator<Item = CronField<'_>> {
        (0..6).map(|i| self.field(i))
    }

    /// The minutes field.
    pub fn minutes(&self) -> CronField<'_> {
        self.field(0)
    }
    /// The hours field.
    pub fn hours(&self) -> CronField<'_> {
        self.field(1)
    }
    /// The day-of-month field.
    pub fn day_of_month(&self) -> CronField<'_> {
        self.field(2)
    }
    /// The month field.
    pub fn month(&self) -> CronField<'_> {
        self.field(3)
    }
    /// The day-of-week field.
    pub fn day_of_week(&self) -> CronField<'_> {
        self.field(4)
    }
    /// The year field.
    pub fn year(&self) -> CronField<'_> {
        self.field(5)
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }
}

/// The items of field `index`, given where each field ends.
#[inline]
pub(crate) fn field_of<'a>(items: &'a [Item], ends: &[u16; 6], index: usize) -> &'a [Item] {
    let start = if index == 0 { 0 } else { ends[index - 1] as usize };
    &items[start..ends[index] as usize]
}

/// One field of a [`Cron`]: a non-empty list of items, borrowed from the
/// schedule.
///
/// ```
/// use rotaplan::expr::{Item, Schedule};
///
/// let Schedule::Cron(cron) = Schedule::parse("cron(0 8,20 * * ? *)")? else { unreachable!() };
/// assert_eq!(cron.hours().items().len(), 2);
/// assert_eq!(cron.year().items(), &[Item::All]);
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CronField<'a> {
    items: &'a [Item],
}

impl<'a> CronField<'a> {
    /// The comma-separated items, in the order written.
    pub fn items(&self) -> &'a [Item] {
        self.items
    }
}

/// One comma-separated item of a cron field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// `*`: every value.
    All,
    /// `?`: no specific value (day fields only).
    NoSpecific,
    /// A single value, `5` or `JAN`.
    Value(Value),
    /// `a-c`, inclusive.
    Range(Value, Value),
    /// `a/b`, `*/b`, `a-c/b`: from a start every `step`.
    Step(StepStart, u16),
    /// `L`: the last day of the month (day-of-month), or Saturday
    /// (day-of-week).
    Last,
    /// `L-n`: `n` days before the last day of the month.
    LastOffset(u8),
    /// `LW`: the last weekday of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day `n` of the month.
    NearestWeekday(u8),
    /// `nL`: the last day-of-week `n` of the month.
    LastDayOfWeek(Value),
    /// `n#k`: the `k`-th day-of-week `n` of the month.
    Nth(Value, u8),
}

/// Where a stepped item (`a/b`) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepStart {
    /// `*/b`: from the field's minimum to its maximum.
    All,
    /// `a/b`: from `a` to the field's maximum. An empty start (`/b`) means
    /// the field's minimum.
    From(Value),
    /// `a-c/b`: from `a` to `c`.
    Range(Value, Value),
}

/// A number in a cron field, remembering whether it was written as a name
/// (`JAN`, `MON`) so that `Display` can print it back the same way.
///
/// Two values are equal when their numbers and spellings are; the planner
/// only looks at the number.
///
/// ```
/// let v = rotaplan::expr::Value::from(3);
/// assert_eq!((v.get(), v.is_named()), (3, false));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Value(
    // The number, with `NAMED` set when written as a name: two bytes, so
    // that an `Item` is eight and a typical expression's items fit inline.
    u16,
);

/// The bit of a [`Value`] that says it was written as a name (numbers stay
/// below 2200).
const NAMED: u16 = 1 << 15;

impl Value {
    /// The number (month 1–12, day-of-week 1–7 with 1 for Sunday, ...).
    pub fn get(self) -> u16 {
        self.0 & !NAMED
    }

    /// Whether it was written as a name.
    pub fn is_named(self) -> bool {
        self.0 & NAMED != 0
    }

    pub(crate) fn named(n: u16) -> Value {
        Value(n | NAMED)
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Value")
            .field("n", &self.get())
            .field("named", &self.is_named())
            .finish()
    }
}

impl From<u16> for Value {
    /// A number as written in digits; it must be below 32768 (cron values
    /// are at most 2199).
    fn from(n: u16) -> Value {
        Value(n & !NAMED)
    }
}
