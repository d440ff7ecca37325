//! `ParseError`: what went wrong in an expression, where, and what was
//! expected.

use std::fmt;
use std::ops::Range;

/// The part of an expression an error or warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// Cron minutes.
    Minutes,
    /// Cron hours.
    Hours,
    /// Cron day-of-month.
    DayOfMonth,
    /// Cron month.
    Month,
    /// Cron day-of-week.
    DayOfWeek,
    /// Cron year.
    Year,
    /// The value of `rate(Value Unit)`.
    RateValue,
    /// The unit of `rate(Value Unit)`.
    RateUnit,
}

impl Field {
    pub(crate) const CRON: [Field; 6] = [
        Field::Minutes,
        Field::Hours,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
        Field::Year,
    ];

    /// The field's name as messages spell it (`day-of-month`, `rate unit`).
    ///
    /// ```
    /// assert_eq!(rotaplan::expr::Field::DayOfWeek.name(), "day-of-week");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Field::Minutes => "minutes",
            Field::Hours => "hours",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
            Field::Year => "year",
            Field::RateValue => "rate value",
            Field::RateUnit => "rate unit",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every way an expression can be rejected. Private so variants can be added
/// without breaking callers, who ask `ParseError::is_*` instead. Messages
/// leave out the offending text: `ParseError` appends it with its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    Empty,
    TooLong { len: usize },
    BadChar,
    NotUtf8,
    Expected { expected: &'static str },
    FieldCount { found: usize },
    OutOfRange { field: Field, min: u16, max: u16 },
    UnknownName { field: Field },
    NamesNotAllowed { field: Field },
    RangeReversed { field: Field },
    StepOutOfRange { field: Field, max: u16 },
    NotAllowed { field: Field, what: &'static str },
    MustStandAlone { field: Field, what: &'static str },
    DaysBothSet,
    DaysBothAny,
    NthOutOfRange,
    LastOffsetOutOfRange,
    RateValueZero,
    RateValueTooLarge,
    RateUnknownUnit,
    RatePlural { expected: &'static str },
    // Profile rules.
    SmMinutes,
    SmYear,
    SmRateMinutes,
    SmRateTooFrequent,
    SmRateTooRare,
    EbDayOfWeekStep,
    TooFrequent { from: u8, to: u8, gap: u8 },
    NeverFires,
    // `at(...)`.
    AtFormat,
    AtDate,
    AtTime,
    AtNotScheduler,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            Empty => f.write_str("empty expression; expected `rate(...)` or `cron(...)`"),
            TooLong { len } => write!(f, "expression is {len} bytes long; at most 256 are allowed"),
            BadChar => f.write_str(
                "unexpected character; expressions use only letters, digits, spaces and ( ) # ? * - / ,",
            ),
            NotUtf8 => f.write_str("expression is not valid UTF-8"),
            Expected { expected } => write!(f, "expected {expected}"),
            FieldCount { found } => write!(
                f,
                "cron needs 6 fields (minutes hours day-of-month month day-of-week year), found {found}"
            ),
            OutOfRange { field, min, max } => write!(f, "{field} value out of range; expected {min}-{max}"),
            UnknownName { field: Field::Month } => f.write_str("unknown month; expected JAN-DEC or 1-12"),
            UnknownName { field: Field::DayOfWeek } => f.write_str("unknown day-of-week; expected SUN-SAT or 1-7"),
            UnknownName { field } => write!(f, "unexpected word in {field}"),
            NamesNotAllowed { field } => write!(f, "names are not allowed in {field}; expected a number"),
            RangeReversed { field } => write!(f, "{field} range runs backwards; the start must not be after the end"),
            StepOutOfRange { field, max } => write!(f, "{field} step out of range; expected 1-{max}"),
            NotAllowed { field, what } => write!(f, "{what} is not allowed in {field}"),
            MustStandAlone { field, what } => write!(f, "{what} must be the only item in {field}"),
            DaysBothSet => f.write_str("day-of-month and day-of-week cannot both be set; one must be `?`"),
            DaysBothAny => f.write_str("day-of-month and day-of-week cannot both be `?`; set one of them"),
            NthOutOfRange => f.write_str("`#k` out of range; expected `#1` to `#5`"),
            LastOffsetOutOfRange => f.write_str("`L-n` out of range; expected `L-1` to `L-30`"),
            RateValueZero => f.write_str("rate value must be a positive integer"),
            RateValueTooLarge => f.write_str("rate value too large; expected at most 4294967295"),
            RateUnknownUnit => f.write_str("unknown rate unit; expected `minutes`, `hours` or `days`"),
            RatePlural { expected } => write!(f, "wrong unit for this rate value; expected `{expected}`"),
            SmMinutes => f.write_str("minutes must be 0 for Secrets Manager rotation"),
            SmYear => f.write_str("year must be `*` for Secrets Manager rotation"),
            SmRateMinutes => {
                f.write_str("Secrets Manager rotates at most every 4 hours; use `hours` or `days`, not minutes")
            }
            SmRateTooFrequent => f.write_str("Secrets Manager rotates at most every 4 hours"),
            SmRateTooRare => f.write_str("Secrets Manager rotates at least every 1000 days"),
            EbDayOfWeekStep => f.write_str("`/` is not allowed in day-of-week for EventBridge"),
            TooFrequent { from, to, gap } => write!(
                f,
                "rotations must be at least 4 hours apart for Secrets Manager, but {from:02}:00 and {to:02}:00{} are {gap} hour{} apart",
                if to <= from { " the next day" } else { "" },
                if *gap == 1 { "" } else { "s" }
            ),
            NeverFires => {
                f.write_str("this schedule never fires: no date in 1970-2199 matches its day, month and year fields")
            }
            AtFormat => f.write_str("expected `at(yyyy-mm-ddThh:mm:ss)`"),
            AtDate => f.write_str("no such date; expected a real date in 1970-2199"),
            AtTime => f.write_str("no such time of day; expected 00:00:00-23:59:59"),
            AtNotScheduler => f.write_str("one-time `at(...)` schedules are only for EventBridge Scheduler"),
        }
    }
}

/// An expression that could not be parsed or broke a profile rule.
///
/// Plain `Display` prints one lowercase line; the alternate form (`{:#}`)
/// prints a diagnostic with the expression and carets under each offending
/// part.
///
/// ```
/// use rotaplan::expr::{Field, Schedule};
///
/// let err = Schedule::parse("cron(30 10 * * ? *)").unwrap_err();
/// assert_eq!(err.to_string(), "minutes must be 0 for Secrets Manager rotation (found \"30\" at column 6)");
/// assert_eq!(err.span(), 5..7);
/// assert_eq!(err.field(), Some(Field::Minutes));
/// assert!(err.is_profile_violation());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ParseError(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    spans: Vec<Range<usize>>,
    field: Option<Field>,
    input: String,
}

impl ParseError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ErrorKind, span: Range<usize>, field: Option<Field>, input: &[u8]) -> ParseError {
        ParseError::with_spans(kind, vec![span], field, input)
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn with_spans(
        kind: ErrorKind,
        spans: Vec<Range<usize>>,
        field: Option<Field>,
        input: &[u8],
    ) -> ParseError {
        // Bound what we keep: a megabyte of garbage need not be copied into
        // the error, the first part is enough to point at.
        let keep = &input[..input.len().min(300)];
        let input = String::from_utf8_lossy(keep).into_owned();
        ParseError(Box::new(Inner {
            kind,
            spans,
            field,
            input,
        }))
    }

    /// The message alone, without the column.
    ///
    /// ```
    /// let err = rotaplan::expr::Schedule::parse("rate(1 days)").unwrap_err();
    /// assert_eq!(err.message(), "wrong unit for this rate value; expected `day`");
    /// ```
    pub fn message(&self) -> String {
        self.0.kind.to_string()
    }

    /// The text of the main offending part (empty at the end of the
    /// expression).
    ///
    /// ```
    /// let err = rotaplan::expr::Schedule::parse("cron(0 24 * * ? *)").unwrap_err();
    /// assert_eq!(err.found(), "24");
    /// ```
    pub fn found(&self) -> &str {
        let s = self.span();
        self.0
            .input
            .get(s.start.min(self.0.input.len())..s.end.min(self.0.input.len()))
            .unwrap_or("")
    }

    /// The byte range of the main offending part of the expression.
    pub fn span(&self) -> Range<usize> {
        self.0.spans[0].clone()
    }

    /// Every offending part, main one first (the two day fields, say).
    pub fn spans(&self) -> &[Range<usize>] {
        &self.0.spans
    }

    /// The 1-based column (in characters) where the main offending part
    /// starts.
    pub fn column(&self) -> usize {
        column_of(&self.0.input, self.0.spans[0].start)
    }

    /// The field the error is in, if it is about one field.
    pub fn field(&self) -> Option<Field> {
        self.0.field
    }

    /// Whether the expression does not follow the grammar (bad characters,
    /// wrong field count, unknown names, misplaced `?` or `L`...).
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("cron(0 10 * *)").unwrap_err().is_syntax());
    /// ```
    pub fn is_syntax(&self) -> bool {
        use ErrorKind::*;
        matches!(
            self.0.kind,
            Empty
                | TooLong { .. }
                | BadChar
                | NotUtf8
                | Expected { .. }
                | FieldCount { .. }
                | UnknownName { .. }
                | NamesNotAllowed { .. }
                | NotAllowed { .. }
                | MustStandAlone { .. }
                | DaysBothSet
                | DaysBothAny
                | RateUnknownUnit
                | RatePlural { .. }
                | AtFormat
        )
    }

    /// Whether a number is outside what its place allows (a value, a step,
    /// `#k`, `L-n`, a backwards year range, a zero rate).
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("cron(0 24 * * ? *)").unwrap_err().is_out_of_range());
    /// ```
    pub fn is_out_of_range(&self) -> bool {
        use ErrorKind::*;
        matches!(
            self.0.kind,
            OutOfRange { .. }
                | RangeReversed { .. }
                | StepOutOfRange { .. }
                | NthOutOfRange
                | LastOffsetOutOfRange
                | RateValueZero
                | RateValueTooLarge
                | AtDate
                | AtTime
        )
    }

    /// Whether the expression is valid in the shared grammar but breaks a
    /// rule of the chosen [`Profile`](super::Profile).
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("rate(1 minute)").unwrap_err().is_profile_violation());
    /// ```
    pub fn is_profile_violation(&self) -> bool {
        use ErrorKind::*;
        matches!(
            self.0.kind,
            SmMinutes
                | SmYear
                | SmRateMinutes
                | SmRateTooFrequent
                | SmRateTooRare
                | EbDayOfWeekStep
                | TooFrequent { .. }
                | AtNotScheduler
        )
    }

    /// Whether the schedule's occurrences are closer than Secrets Manager's
    /// four hours.
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("cron(0 22,0 * * ? *)").unwrap_err().is_too_frequent());
    /// ```
    pub fn is_too_frequent(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::TooFrequent { .. } | ErrorKind::SmRateTooFrequent
        )
    }

    /// Whether the schedule is well-formed but can never fire.
    ///
    /// ```
    /// assert!(rotaplan::expr::Schedule::parse("cron(0 0 30 2 ? *)").unwrap_err().is_never_fires());
    /// ```
    pub fn is_never_fires(&self) -> bool {
        matches!(self.0.kind, ErrorKind::NeverFires)
    }
}

/// 1-based character column of byte offset `at` in `input`.
fn column_of(input: &str, at: usize) -> usize {
    let at = at.min(input.len());
    input.char_indices().take_while(|&(i, _)| i < at).count() + 1
}

/// Writes `  | expression` and a line of carets under `spans`.
///
/// One pass over the input, whatever its length: each character's column is
/// its position in the walk, and a character is marked when a span covers
/// its byte offset (spans are few: at most three). An empty span marks the
/// column where it sits, one past the end for the end of input.
pub(crate) fn write_snippet(f: &mut fmt::Formatter<'_>, input: &str, spans: &[Range<usize>]) -> fmt::Result {
    f.write_str("\n  | ")?;
    let mut marks = String::with_capacity(input.len() + 1);
    let mut pending = 0; // spaces not yet pushed: trailing ones are dropped
    let mut mark = |hit: bool| {
        if hit {
            marks.extend(std::iter::repeat_n(' ', pending));
            marks.push('^');
            pending = 0;
        } else {
            pending += 1;
        }
    };
    let empty_at = |i: usize| spans.iter().any(|s| s.start == s.end && s.start == i);
    let mut line = [0u8; 4];
    for (i, c) in input.char_indices() {
        let shown = if c.is_control() { ' ' } else { c };
        f.write_str(shown.encode_utf8(&mut line))?;
        mark(empty_at(i) || spans.iter().any(|s| s.start <= i && i < s.end));
    }
    mark(spans.iter().any(|s| s.start == s.end && s.start >= input.len()));
    f.write_str("\n  | ")?;
    f.write_str(&marks)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "error: {}", self.0.kind)?;
            write_snippet(f, &self.0.input, &self.0.spans)
        } else {
            write!(f, "{} ", self.0.kind)?;
            let found = self.found();
            if found.is_empty() {
                write!(f, "(at column {})", self.column())
            } else {
                write!(f, "(found {:?} at column {})", found, self.column())
            }
        }
    }
}

impl fmt::Debug for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("ParseError")
                .field("kind", &self.0.kind)
                .field("spans", &self.0.spans)
                .field("field", &self.0.field)
                .field("input", &self.0.input)
                .finish()
        } else {
            write!(f, "ParseError({:?})", self.to_string())
        }
    }
}

impl std::error::Error for ParseError {}

/// A construct that parses but that AWS does not document for the chosen
/// profile (`W`, `LW` and `L-n` for Secrets Manager).
///
/// ```
/// use rotaplan::expr::{Profile, Schedule};
///
/// let checked = Schedule::check(b"cron(0 10 15W * ? *)", Profile::SecretsManager)?;
/// let w = &checked.warnings[0];
/// assert_eq!(w.message(), "`W` in day-of-month is not documented for Secrets Manager");
/// assert_eq!(w.column(), 11);
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    message: String,
    span: Range<usize>,
    column: usize,
    input: String,
}

impl Warning {
    pub(crate) fn new(message: String, span: Range<usize>, input: &str) -> Warning {
        Warning {
            message,
            column: column_of(input, span.start),
            span,
            input: input.to_owned(),
        }
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte range the warning is about.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The 1-based column where it starts.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "warning: {}", self.message)?;
            write_snippet(f, &self.input, std::slice::from_ref(&self.span))
        } else {
            write!(f, "{} at column {}", self.message, self.column)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snippet the obvious, quadratic way: a column per character, each
    /// span's columns found by walking the input again.
    fn naive_snippet(input: &str, spans: &[Range<usize>]) -> String {
        let shown: String = input.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let mut marks = String::new();
        for col in 1..=input.chars().count() + 1 {
            let hit = spans.iter().any(|s| {
                let (a, b) = (column_of(input, s.start), column_of(input, s.end));
                (col >= a && col < b) || (a == b && col == a)
            });
            marks.push(if hit { '^' } else { ' ' });
        }
        format!("\n  | {shown}\n  | {}", marks.trim_end())
    }

    struct Snippet<'a>(&'a str, &'a [Range<usize>]);

    impl fmt::Display for Snippet<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_snippet(f, self.0, self.1)
        }
    }

    #[test]
    fn snippet_agrees_with_the_quadratic_rendering() {
        let inputs = ["cron(0 10 15 * MON *)", "", "é\tcron(0 ü 1 ? *)", "rate(5 hours)x"];
        for input in inputs {
            let bounds: Vec<usize> = (0..=input.len()).filter(|&i| input.is_char_boundary(i)).collect();
            for &a in &bounds {
                for &b in bounds.iter().filter(|&&b| b >= a) {
                    for extra in [None, Some(0..0), Some(input.len()..input.len()), Some(1..3)] {
                        let mut spans: Vec<Range<usize>> = std::iter::once(a..b).collect();
                        spans.extend(extra.filter(|s| {
                            s.end <= input.len() && input.is_char_boundary(s.start) && input.is_char_boundary(s.end)
                        }));
                        let got = Snippet(input, &spans).to_string();
                        assert_eq!(got, naive_snippet(input, &spans), "{input:?} {spans:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<ParseError>(), std::mem::size_of::<usize>());
    }
}
