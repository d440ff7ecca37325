//! Reading a wall time as an instant with one offset lookup.
//!
//! Under the DST policy a wall time `w` fires at the first instant whose
//! wall clock reads `w` or later (the first pass of an overlap; the first
//! instant after a gap). So the occurrence after `t` is that first instant
//! for the first matching wall time later than every wall time shown up to
//! `t`: `t`'s own, unless `t` lies in the second pass of an overlap.
//!
//! The exact search ([`Planner::next_after_exact`](super::Planner)) asks
//! the zone whether `t`'s wall time is shown twice, then converts each
//! candidate wall time with a local lookup: two `chrono_tz` local lookups
//! (a binary search over local spans, then a look at the neighbours) for
//! most answers. [`first_reach`] needs one lookup:
//!
//! - A wall time `c` later than `t`'s that the zone shows once (a `Single`
//!   local lookup) is first reached there: an earlier instant showing a
//!   later wall time would need the clock to come back to `c`, showing it
//!   twice; and `c` is later than every wall time shown up to `t`, since
//!   from the second pass of an overlap the next wall times are shown twice
//!   too. That rules out the second-pass question for `t`.
//! - Going on from an occurrence `p` (the iterator), no earlier instant
//!   showed a later wall time than `p`'s (`p` was the first to reach its
//!   own). When the offset at `c - g` is `p`'s offset `g` and that instant
//!   is less than [`WINDOW`] after `p`, the offset held in between (it
//!   changes at most once in a window), so `c - g` is the answer: one UTC
//!   lookup, cheaper than a local one.
//!
//! Anything else (a gap, an overlap) returns `None`, and the caller takes
//! the exact path.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone};

/// Shorter than the time between two offset changes of any zone of the tz
/// database from 1970 to 2199: at least 7 days (167 hours: Gaza, Hebron and
/// Brazil's 1990s zones), read from the TZif files of tzdata 2025;
/// `tests/plan_offsets.rs` checks the zones the planner's tests use.
/// A zone that changed its offset twice within two days would be planned
/// wrongly by the iterator's fast step (`chrono_tz`'s own local lookup,
/// which looks at one neighbouring span on each side, assumes much the
/// same).
pub(crate) const WINDOW: i64 = 48 * 3600;

/// Whether `Tz` has one offset only: an offset type without data cannot
/// tell two offsets apart (`Utc`).
#[inline]
pub(crate) const fn single_offset<Tz: TimeZone>() -> bool {
    std::mem::size_of::<Tz::Offset>() == 0
}

/// The first instant whose wall clock reads `local` or later, when it is
/// `local` itself, later than the instant `after` (Unix seconds) whose
/// offset is `g`, and that one lookup proves it (see the module docs).
/// `local` must be later than `after`'s wall time; `known` says `after` is
/// an occurrence (no earlier instant showed a later wall time) and the
/// guess `local - g` is less than [`WINDOW`] after it.
#[inline]
pub(crate) fn first_reach<Tz: TimeZone>(
    tz: &Tz,
    local: &NaiveDateTime,
    g: FixedOffset,
    known: bool,
    after: i64,
) -> Option<DateTime<Tz>> {
    if known || single_offset::<Tz>() {
        let utc = if g.local_minus_utc() == 0 {
            *local
        } else {
            local.checked_sub_offset(g)?
        };
        let o = tz.offset_from_utc_datetime(&utc);
        if o.fix() == g {
            return Some(DateTime::from_naive_utc_and_offset(utc, o));
        }
        if single_offset::<Tz>() {
            return None;
        }
    }
    // A wall time shown once, later than `after`'s (see the module docs).
    match tz.offset_from_local_datetime(local) {
        LocalResult::Single(o) => {
            let utc = local.checked_sub_offset(o.fix())?;
            (utc.and_utc().timestamp() > after).then(|| DateTime::from_naive_utc_and_offset(utc, o))
        }
        _ => None,
    }
}
