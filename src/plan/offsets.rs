//! Reading a wall time as an instant with one UTC-offset lookup instead of a
//! local-time lookup.
//!
//! Under the DST policy a wall time `w` fires at the first instant whose
//! wall clock reads `w` or later (the first pass of an overlap; the first
//! instant after a gap). So the occurrence after `t` is that first instant
//! for the first matching wall time later than every wall time shown up to
//! `t`: usually `t`'s own, more in the second pass of an overlap.
//!
//! A `chrono_tz` local lookup (`offset_from_local_datetime`) is a binary
//! search over local spans, then a look at the neighbours for overlaps; it
//! costs several times a UTC lookup. [`first_reach`] guesses instead that
//! the wall time `c` has a known offset `g` (the offset of the instant the
//! search starts from), looks up the offset at `u = c - g`, and accepts `u`
//! only when it can prove that no earlier instant showed `c` or later:
//!
//! - the offset at `u` is `g`, so `u` shows `c`;
//! - no instant `v` in `[u - WINDOW, u)` had an offset above `g`: the offset
//!   changes at most once in a window of [`WINDOW`], so the offsets at its
//!   two ends are all the offsets in it. Either the caller knows the offset
//!   was `g` at an instant less than `WINDOW` before `u` (and so `g`
//!   throughout), or a second lookup at `u - WINDOW` finds at most `g`;
//! - no instant before `u - WINDOW` can show `c`: that needs an offset more
//!   than `WINDOW` above `g`, and UTC offsets lie within ±24 hours.
//!
//! Anything else (a gap, an overlap, a change of offset near `u`) returns
//! `None`, and the caller takes the exact, local-lookup path.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeDelta, TimeZone};

/// At least the largest difference between two UTC offsets (chrono keeps
/// each within ±24 hours), and shorter than the time between two offset
/// changes of any zone of the tz database from 1970 to 2199: at least
/// 7 days (167 hours, Gaza, Hebron and Brazil's 1990s zones), read from
/// the TZif files of tzdata 2025; `tests/plan_offsets.rs` checks the zones
/// the planner's tests use, and every zone in a coarser sweep. A zone that
/// changed its offset twice within two days would be planned wrongly by
/// this fast path (and `chrono_tz`'s own local lookup, which looks at one
/// neighbour on each side, assumes much the same).
pub(crate) const WINDOW: i64 = 48 * 3600;

/// Whether `Tz` has one offset only: an offset type without data cannot
/// tell two offsets apart (`Utc`).
#[inline]
pub(crate) const fn single_offset<Tz: TimeZone>() -> bool {
    std::mem::size_of::<Tz::Offset>() == 0
}

/// The first instant whose wall clock reads `local` or later, when it is
/// `local` at offset `g` and that can be proven with UTC lookups (see the
/// module docs). `known` says the offset was `g` at an instant less than
/// [`WINDOW`] before that instant and no earlier instant showed `local` or
/// later; otherwise a second lookup checks the window.
#[inline]
pub(crate) fn first_reach<Tz: TimeZone>(
    tz: &Tz,
    local: &NaiveDateTime,
    g: FixedOffset,
    known: bool,
) -> Option<DateTime<Tz>> {
    let utc = if g.local_minus_utc() == 0 {
        *local
    } else {
        local.checked_sub_offset(g)?
    };
    let o = tz.offset_from_utc_datetime(&utc);
    if single_offset::<Tz>() {
        // Still check the offset: `g` came from the caller.
        return (o.fix() == g).then(|| DateTime::from_naive_utc_and_offset(utc, o));
    }
    if o.fix() != g {
        return None;
    }
    if !known {
        let before = utc.checked_sub_signed(TimeDelta::seconds(WINDOW))?;
        if tz.offset_from_utc_datetime(&before).fix().local_minus_utc() > g.local_minus_utc() {
            return None;
        }
    }
    Some(DateTime::from_naive_utc_and_offset(utc, o))
}
