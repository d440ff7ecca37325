//! RFC 5545 iCalendar output: [`IcsWriter`] streams one `VEVENT` per
//! rotation [`Window`] so a team can subscribe to its rotation windows.
//!
//! Pure std: events are written as they come (flat memory for any number of
//! windows), lines end in CRLF and are folded at 75 octets without splitting
//! a UTF-8 character, and TEXT values are escaped.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rotaplan::plan::{Event, IcsWriter, RotationRules};
//!
//! let rules = RotationRules::new("cron(0 16 ? * SUN#2 *)".parse()?, None)?;
//! let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
//! let mut ics = IcsWriter::utc(Vec::new(), "db/main rotation", &now)?;
//! for w in rules.windows_after(&now).take(2) {
//!     ics.event(&Event::new("cron(0 16 ? * SUN#2 *)", "Rotate db/main", &w))?;
//! }
//! let text = String::from_utf8(ics.finish()?)?;
//! assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
//! assert!(text.contains("DTSTART:20261213T160000Z\r\nDTEND:20261214T000000Z\r\n"));
//! assert!(text.ends_with("END:VCALENDAR\r\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Identity
//!
//! A window's `UID` is its start in UTC and a 64-bit FNV-1a hash of the
//! event's key (the expression, plus whatever else the caller wants to tell
//! apart, such as a secret's name): the same window gets the same `UID`
//! every time the calendar is generated, so a subscribed client updates an
//! event rather than duplicating it.
//!
//! # Times
//!
//! [`IcsWriter::utc`] writes `DTSTART:…Z`. [`IcsWriter::zoned`] writes
//! `DTSTART;TZID=Europe/London:…` local times and one `VTIMEZONE` whose
//! `STANDARD`/`DAYLIGHT` parts are the zone's actual offset changes over the
//! span the caller names, taken from the tz database. An instant in the
//! second pass of a repeated hour has no local time of its own (RFC 5545
//! reads a repeated local time as the first pass), so it is written in UTC.
//! A window with no
//! length (an EventBridge occurrence) gets no `DTEND`, since RFC 5545 wants
//! `DTEND` later than `DTSTART`; such an event takes no time.

use std::io::{self, Write};
use std::ops::Range;

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::Window;

/// One `VEVENT`: a window, a summary, and the key its `UID` is derived from.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::plan::{Event, RotationRules};
///
/// let rules = RotationRules::new("rate(1 day)".parse()?, None)?;
/// let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
/// let w = rules.windows_after(&now).next().unwrap();
/// let e = Event::new("rate(1 day)", "Rotate db/main", &w).description("window to the end of the UTC day");
/// assert_eq!(e.uid(), "20261124T000000Z-4d81034e11e429dd@rotaplan");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Event<'a> {
    key: &'a str,
    summary: &'a str,
    description: Option<&'a str>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    shifted: bool,
}

impl<'a> Event<'a> {
    /// The event for `window`, titled `summary`; `key` names what the window
    /// belongs to (the expression, or a secret and its expression).
    pub fn new<Tz: TimeZone>(key: &'a str, summary: &'a str, window: &Window<Tz>) -> Event<'a> {
        Event {
            key,
            summary,
            description: None,
            start: window.start.with_timezone(&Utc),
            end: window.end.with_timezone(&Utc),
            shifted: window.shifted,
        }
    }

    /// The same event with a `DESCRIPTION`.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use rotaplan::plan::{Event, RotationRules};
    /// # let rules = RotationRules::new("rate(1 day)".parse()?, None)?;
    /// # let w = rules.windows_after(&Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()).next().unwrap();
    /// let e = Event::new("rate(1 day)", "Rotate", &w).description("first line\nsecond; line");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn description(self, text: &'a str) -> Event<'a> {
        Event {
            description: Some(text),
            ..self
        }
    }

    /// The stable `UID`: start in UTC, hash of the key, `@rotaplan`.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use rotaplan::plan::{Event, RotationRules};
    /// # let rules = RotationRules::new("rate(1 day)".parse()?, None)?;
    /// # let w = rules.windows_after(&Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()).next().unwrap();
    /// let a = Event::new("rate(1 day)", "Rotate", &w);
    /// let b = Event::new("rate(1 day)", "Rotate now", &w);
    /// assert_eq!(a.uid(), b.uid()); // the title is not part of the identity
    /// assert_ne!(a.uid(), Event::new("rate(2 days)", "Rotate", &w).uid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uid(&self) -> String {
        format!(
            "{}-{:016x}@rotaplan",
            self.start.format("%Y%m%dT%H%M%SZ"),
            fnv1a(self.key.as_bytes())
        )
    }
}

/// 64-bit FNV-1a: tiny, and stable across Rust releases (unlike std's
/// `DefaultHasher`), which a `UID` must be.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Writes an iCalendar stream: the header on creation, one `VEVENT` per
/// [`IcsWriter::event`], the footer on [`IcsWriter::finish`].
///
/// Dropping the writer without `finish` leaves the calendar unterminated.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use chrono_tz::Europe::London;
/// use rotaplan::plan::{Event, IcsWriter, RotationRules};
///
/// let rules = RotationRules::new("cron(0 1 ? * SUN *)".parse()?, None)?;
/// let now = London.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap();
/// let stamp = Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap();
/// let windows: Vec<_> = rules.windows_after(&now).take(2).collect();
/// let span = windows[0].start.with_timezone(&Utc)..windows[1].end.with_timezone(&Utc);
/// let mut ics = IcsWriter::zoned(Vec::new(), "rotations", &stamp, London, span)?;
/// for w in &windows {
///     ics.event(&Event::new("cron(0 1 ? * SUN *)", "Rotate", w))?;
/// }
/// let text = String::from_utf8(ics.finish()?)?;
/// assert!(text.contains("DTSTART;TZID=Europe/London:20261025T010000\r\n"));
/// assert!(text.contains("BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct IcsWriter<W: Write> {
    out: W,
    zone: Option<Tz>,
    stamp: String,
}

impl<W: Write> IcsWriter<W> {
    /// A calendar named `name` with times in UTC; `stamp` is the `DTSTAMP`
    /// (when the calendar was generated).
    ///
    /// # Errors
    ///
    /// Any error writing to `out`.
    pub fn utc(out: W, name: &str, stamp: &DateTime<Utc>) -> io::Result<IcsWriter<W>> {
        let mut w = IcsWriter {
            out,
            zone: None,
            stamp: stamp.format("%Y%m%dT%H%M%SZ").to_string(),
        };
        w.header(name)?;
        Ok(w)
    }

    /// A calendar named `name` with local times in `zone` (`TZID`), and a
    /// `VTIMEZONE` giving the zone's offsets over `span`, which should cover
    /// every event written.
    ///
    /// # Errors
    ///
    /// Any error writing to `out`.
    pub fn zoned(
        out: W,
        name: &str,
        stamp: &DateTime<Utc>,
        zone: Tz,
        span: Range<DateTime<Utc>>,
    ) -> io::Result<IcsWriter<W>> {
        let mut w = IcsWriter {
            out,
            zone: Some(zone),
            stamp: stamp.format("%Y%m%dT%H%M%SZ").to_string(),
        };
        w.header(name)?;
        w.vtimezone(zone, span)?;
        Ok(w)
    }

    fn header(&mut self, name: &str) -> io::Result<()> {
        self.line("BEGIN:VCALENDAR")?;
        self.line("VERSION:2.0")?;
        self.line(concat!(
            "PRODID:-//rotaplan//rotaplan ",
            env!("CARGO_PKG_VERSION"),
            "//EN"
        ))?;
        self.line("CALSCALE:GREGORIAN")?;
        self.line("METHOD:PUBLISH")?;
        self.line(&format!("X-WR-CALNAME:{}", escape(name)))
    }

    /// `VTIMEZONE` for `zone` over `span`: the offset in force at its
    /// start, then each change within it.
    fn vtimezone(&mut self, zone: Tz, span: Range<DateTime<Utc>>) -> io::Result<()> {
        self.line("BEGIN:VTIMEZONE")?;
        self.line(&format!("TZID:{}", zone.name()))?;
        let first = zone.offset_from_utc_datetime(&span.start.naive_utc());
        self.observance(&first, &first, span.start.naive_utc() + first.fix())?;
        let mut before = first;
        for at in transitions(zone, span.start.timestamp(), span.end.timestamp()) {
            let Some(t) = DateTime::from_timestamp(at, 0) else {
                break;
            };
            let after = zone.offset_from_utc_datetime(&t.naive_utc());
            // DTSTART of an observance is the onset in the old offset's wall time.
            let onset = t.naive_utc() + before.fix();
            self.observance(&before, &after, onset)?;
            before = after;
        }
        self.line("END:VTIMEZONE")
    }

    fn observance(
        &mut self,
        from: &<Tz as TimeZone>::Offset,
        to: &<Tz as TimeZone>::Offset,
        onset: NaiveDateTime,
    ) -> io::Result<()> {
        let kind = if to.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        self.line(&format!("BEGIN:{kind}"))?;
        self.line(&format!("DTSTART:{}", onset.format("%Y%m%dT%H%M%S")))?;
        self.line(&format!("TZOFFSETFROM:{}", utc_offset(from.fix().local_minus_utc())))?;
        self.line(&format!("TZOFFSETTO:{}", utc_offset(to.fix().local_minus_utc())))?;
        if let Some(abbr) = to.abbreviation() {
            self.line(&format!("TZNAME:{}", escape(abbr)))?;
        }
        self.line(&format!("END:{kind}"))
    }

    /// Writes one `VEVENT`.
    ///
    /// # Errors
    ///
    /// Any error writing to the output.
    pub fn event(&mut self, e: &Event<'_>) -> io::Result<()> {
        self.line("BEGIN:VEVENT")?;
        self.line(&format!("UID:{}", e.uid()))?;
        let stamp = format!("DTSTAMP:{}", self.stamp);
        self.line(&stamp)?;
        let start = self.time("DTSTART", &e.start);
        self.line(&start)?;
        if e.end > e.start {
            let end = self.time("DTEND", &e.end);
            self.line(&end)?;
        }
        self.line(&format!("SUMMARY:{}", escape(e.summary)))?;
        let mut description = e.description.map(escape).unwrap_or_default();
        if e.shifted {
            if !description.is_empty() {
                description.push_str("\\n");
            }
            description
                .push_str("The scheduled time fell in a daylight-saving gap\\; moved to the first instant after it.");
        }
        if !description.is_empty() {
            self.line(&format!("DESCRIPTION:{description}"))?;
        }
        // Windows are maintenance slots, not meetings: do not block time.
        self.line("TRANSP:TRANSPARENT")?;
        self.line("END:VEVENT")
    }

    /// `NAME;TZID=zone:local` when that local time names `t` (RFC 5545
    /// reads a repeated local time as its first occurrence), else UTC.
    fn time(&self, name: &str, t: &DateTime<Utc>) -> String {
        if let Some(zone) = self.zone {
            let local = t.with_timezone(&zone);
            let first = zone.from_local_datetime(&local.naive_local()).earliest();
            if first.is_some_and(|f| f == local) {
                return format!("{name};TZID={}:{}", zone.name(), local.format("%Y%m%dT%H%M%S"));
            }
        }
        format!("{name}:{}", t.format("%Y%m%dT%H%M%SZ"))
    }

    /// Ends the calendar and returns the output.
    ///
    /// # Errors
    ///
    /// Any error writing or flushing the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.line("END:VCALENDAR")?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// One content line, folded at 75 octets (a continuation starts with a
    /// space, which counts), never inside a UTF-8 character, CRLF-ended.
    fn line(&mut self, content: &str) -> io::Result<()> {
        let mut rest = content;
        let mut limit = 75;
        loop {
            if rest.len() <= limit {
                self.out.write_all(rest.as_bytes())?;
                return self.out.write_all(b"\r\n");
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            self.out.write_all(&rest.as_bytes()[..cut])?;
            self.out.write_all(b"\r\n ")?;
            rest = &rest[cut..];
            limit = 74;
        }
    }
}

/// RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `+hhmm` or `+hhmmss` (RFC 5545 UTC-OFFSET).
fn utc_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// The instants (Unix seconds) in `[from, to]` where `zone`'s offset
/// changes: a daily scan, then bisection to the second. Real zones never
/// change twice within a day.
fn transitions(zone: Tz, from: i64, to: i64) -> Vec<i64> {
    let offset = |s: i64| {
        DateTime::from_timestamp(s, 0).map(|t| {
            let o = zone.offset_from_utc_datetime(&t.naive_utc());
            (o.fix().local_minus_utc(), o.dst_offset().num_seconds())
        })
    };
    let mut found = Vec::new();
    let mut s = from;
    while s < to {
        let next = (s + 86_400).min(to);
        let (Some(a), Some(b)) = (offset(s), offset(next)) else {
            break;
        };
        if a != b {
            let (mut lo, mut hi) = (s, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == Some(a) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(hi);
        }
        s = next;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_at_75_octets_keeps_characters_whole() {
        let mut w = IcsWriter {
            out: Vec::new(),
            zone: None,
            stamp: String::new(),
        };
        let long = format!("SUMMARY:{}", "é".repeat(100));
        w.line(&long).unwrap();
        let text = String::from_utf8(w.out).unwrap();
        for l in text.split_terminator("\r\n") {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        assert_eq!(text.replace("\r\n ", ""), format!("{long}\r\n"));
    }

    #[test]
    fn text_and_offsets() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        assert_eq!(utc_offset(-9000), "-0230");
        assert_eq!(utc_offset(45900), "+1245");
        assert_eq!(utc_offset(-2670), "-004430");
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
