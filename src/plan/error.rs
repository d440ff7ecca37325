//! [`PlanError`]: why rotation rules were refused.

use std::fmt;

/// Why [`RotationRules`](super::RotationRules) or a
/// [`WindowDuration`](super::WindowDuration) was refused.
///
/// One opaque type for the planner, as `jiff` does: callers ask questions
/// (`is_*`) instead of matching on variants, so new reasons can be added
/// without breaking anyone. `Display` is one lowercase line naming the rule.
///
/// # Examples
///
/// ```
/// use rotaplan::plan::RotationRules;
///
/// let err = RotationRules::new("cron(0 22 * * ? *)".parse()?, Some("4h".parse()?)).unwrap_err();
/// assert!(err.is_past_end_of_day());
/// assert_eq!(
///     err.to_string(),
///     "a 4h window starting at 22:00 runs into the next UTC day (start hour + duration must be at most 24)",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PlanError {
    kind: Box<ErrorKind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Not `Nh` with N in 1–24.
    InvalidDuration { input: String },
    /// Not `Nm` with N in 1–1440 (or `off`).
    InvalidFlexibleWindow { input: String },
    /// Latest start (minute of day) + hours > 24 h.
    PastEndOfDay { start: u32, hours: u8, default: bool },
    /// The window is longer than the gap between two occurrences.
    Overlapping {
        hours: Option<u8>,
        gap: u32,
        between: Option<(u32, u32)>,
    },
}

impl PlanError {
    #[cold]
    #[inline(never)]
    pub(crate) fn invalid_duration(input: &str) -> PlanError {
        let input = input.chars().take(32).collect();
        PlanError::from(ErrorKind::InvalidDuration { input })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn invalid_flexible_window(input: &str) -> PlanError {
        let input = input.chars().take(32).collect();
        PlanError::from(ErrorKind::InvalidFlexibleWindow { input })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn past_end_of_day(start: u32, hours: u8, default: bool) -> PlanError {
        PlanError::from(ErrorKind::PastEndOfDay { start, hours, default })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn overlapping(hours: Option<u8>, gap: u32, between: Option<(u32, u32)>) -> PlanError {
        PlanError::from(ErrorKind::Overlapping { hours, gap, between })
    }

    /// Whether a window duration was not `Nh` with N from 1 to 24.
    ///
    /// ```
    /// let err = "25h".parse::<rotaplan::plan::WindowDuration>().unwrap_err();
    /// assert!(err.is_invalid_duration());
    /// ```
    pub fn is_invalid_duration(&self) -> bool {
        matches!(*self.kind, ErrorKind::InvalidDuration { .. })
    }

    /// Whether an EventBridge Scheduler flexible window was not `Nm` with N
    /// from 1 to 1440 (or `off`).
    ///
    /// ```
    /// let err = "90s".parse::<rotaplan::plan::FlexibleWindow>().unwrap_err();
    /// assert!(err.is_invalid_flexible_window());
    /// ```
    pub fn is_invalid_flexible_window(&self) -> bool {
        matches!(*self.kind, ErrorKind::InvalidFlexibleWindow { .. })
    }

    /// Whether a window would run into the next UTC day.
    ///
    /// ```
    /// use rotaplan::plan::RotationRules;
    /// let err = RotationRules::new("cron(0 20 * * ? *)".parse()?, Some("5h".parse()?)).unwrap_err();
    /// assert!(err.is_past_end_of_day());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_past_end_of_day(&self) -> bool {
        matches!(*self.kind, ErrorKind::PastEndOfDay { .. })
    }

    /// Whether a window would run into the next window.
    ///
    /// ```
    /// use rotaplan::plan::RotationRules;
    /// let err = RotationRules::new("cron(0 4,8 * * ? *)".parse()?, Some("5h".parse()?)).unwrap_err();
    /// assert!(err.is_overlapping());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_overlapping(&self) -> bool {
        matches!(*self.kind, ErrorKind::Overlapping { .. })
    }
}

impl From<ErrorKind> for PlanError {
    fn from(kind: ErrorKind) -> PlanError {
        PlanError { kind: Box::new(kind) }
    }
}

/// `HH:MM` for a minute of the day.
struct Hm(u32);

impl fmt::Display for Hm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A gap in minutes, in the largest whole unit.
struct Gap(u32);

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        if m % 60 != 0 {
            write!(f, "{m} minute{}", if m == 1 { "" } else { "s" })
        } else {
            let h = m / 60;
            write!(f, "{h} hour{}", if h == 1 { "" } else { "s" })
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::InvalidDuration { input } => write!(
                f,
                "invalid window duration `{input}`: expected whole hours from 1 to 24 followed by `h`, e.g. `3h`"
            ),
            ErrorKind::InvalidFlexibleWindow { input } => write!(
                f,
                "invalid flexible window `{input}`: expected whole minutes from 1 to 1440 followed by `m`, e.g. `15m`"
            ),
            ErrorKind::PastEndOfDay { start, hours, default } => {
                let what = if *default { "the default " } else { "a " };
                write!(
                    f,
                    "{what}{hours}h window starting at {} runs into the next UTC day \
                     (start hour + duration must be at most 24)",
                    Hm(*start)
                )
            }
            ErrorKind::Overlapping { hours, gap, between } => {
                match hours {
                    Some(h) => write!(f, "a {h}h window runs into the next window: ")?,
                    None => f.write_str("a window to the end of the day runs into the next window: ")?,
                }
                match between {
                    Some((a, b)) => write!(f, "occurrences at {} and {} are {} apart", Hm(*a), Hm(*b), Gap(*gap)),
                    None => write!(f, "occurrences are {} apart", Gap(*gap)),
                }
            }
        }
    }
}

impl fmt::Debug for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("PlanError").field("kind", &self.kind).finish()
        } else {
            write!(f, "PlanError(\"{self}\")")
        }
    }
}

impl std::error::Error for PlanError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_word() {
        assert_eq!(std::mem::size_of::<PlanError>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Option<PlanError>>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn messages() {
        let e = PlanError::overlapping(Some(3), 120, Some((600, 720)));
        assert_eq!(
            e.to_string(),
            "a 3h window runs into the next window: occurrences at 10:00 and 12:00 are 2 hours apart"
        );
        let e = PlanError::overlapping(None, 5, None);
        assert_eq!(
            e.to_string(),
            "a window to the end of the day runs into the next window: occurrences are 5 minutes apart"
        );
        assert_eq!(format!("{e:?}"), format!("PlanError(\"{e}\")"));
    }
}
