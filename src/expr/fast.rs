//! The fast path of the grammar: a byte-level reading of well-formed
//! `cron(...)` and `rate(...)` bodies, with no error reporting at all.
//!
//! [`cron`] reads, compiles and validates a whole expression in one pass;
//! [`item`] reads one item for the grammar, which then only has to explain
//! the item it refuses. Either returns exactly what the nom grammar in
//! `parse.rs` returns, or gives up (`None`) and leaves the input to that
//! grammar, which then finds the error and its span. So they must never
//! accept what the grammar refuses nor read anything differently; tests
//! compare the two on generated and mutated inputs, and the fuzz target
//! compares `Schedule::parse_with` with `Schedule::check`.

use std::num::NonZeroU32;
use std::ops::Range;

use super::compile::{bounds, day_spec, item_bits, year_set, Compiled};
use super::validate::MIN_GAP_HOURS;
use super::{field_of, Cron, Item, Items, Profile, Rate, RateUnit, StepStart, Value, INLINE_ITEMS};

const MONTHS: [&[u8; 3]; 12] = [
    b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"SUN", b"MON", b"TUE", b"WED", b"THU", b"FRI", b"SAT"];

/// The whole of `cron(...)` for well-formed, valid input: what follows
/// `cron(` is read in one pass, compiled as it is read and validated
/// against `profile`. `None` for anything unusual or invalid; the grammar
/// in `parse.rs` then reads the input again and explains the error, so this
/// path never needs spans.
#[inline(always)]
pub(crate) fn cron(body: &[u8], profile: Profile) -> Option<Cron> {
    let (&b')', body) = body.split_last()? else {
        return None;
    };
    let mut r = Reader {
        body,
        i: 0,
        buf: [Item::All; INLINE_ITEMS],
        n: 0,
        long: Items::new(),
        ends: [0; 6],
        bits: [0; 6],
    };
    // One reading per field, so that each knows its bounds and rules at
    // compile time.
    r.field::<0>()?;
    r.field::<1>()?;
    r.field::<2>()?;
    r.field::<3>()?;
    r.field::<4>()?;
    r.field::<5>()?;
    let Reader {
        i,
        buf,
        n,
        long,
        ends,
        bits,
        ..
    } = r;
    if i != body.len() {
        return None;
    }
    let items = if n <= buf.len() {
        Items::from_buf_and_len(buf, n)
    } else {
        long
    };
    let field = |k| field_of(&items, &ends, k);
    // The rules of `validate::cron`, as yes or no.
    let (dom, dow) = (field(2), field(4));
    if matches!(dom, [Item::NoSpecific]) == matches!(dow, [Item::NoSpecific]) {
        return None;
    }
    let valid = match profile {
        Profile::SecretsManager => {
            matches!(field(0), [Item::Value(v)] if v.get() == 0) && matches!(field(5), [Item::All])
        }
        Profile::EventBridge | Profile::Scheduler => !dow.iter().any(|it| matches!(it, Item::Step(..))),
    };
    if !valid {
        return None;
    }
    let compiled = Compiled {
        minutes: bits[0],
        hours: bits[1] as u32,
        months: (bits[3] << 1) as u16,
        years: year_set(field(5)),
        days: day_spec(dom, dow, bits[2], bits[4]),
    };
    // And those of `validate::compiled`.
    if !compiled.ever_fires()
        || (profile == Profile::SecretsManager && compiled.hour_gap_below(MIN_GAP_HOURS).is_some())
    {
        return None;
    }
    Some(Cron::new(compiled, items, ends))
}

/// The state of [`cron`]'s one pass.
struct Reader<'a> {
    body: &'a [u8],
    /// Where reading goes on.
    i: usize,
    /// As many items as `Items` holds inline; more spill to `long`.
    buf: [Item; INLINE_ITEMS],
    n: usize,
    long: Items,
    ends: [u16; 6],
    /// Each field's plain values as bits (see `item_bits`); years unused.
    bits: [u64; 6],
}

impl Reader<'_> {
    /// Field `I`: after the first, one or more spaces, then items separated
    /// by single commas.
    #[inline(always)]
    fn field<const I: usize>(&mut self) -> Option<()> {
        let body = self.body;
        if I > 0 {
            if body.get(self.i) != Some(&b' ') {
                return None;
            }
            while body.get(self.i) == Some(&b' ') {
                self.i += 1;
            }
        }
        let first = self.n;
        let mut alone = false;
        loop {
            let it = item_at(I, body, &mut self.i)?;
            if I < 5 {
                self.bits[I] |= item_bits(&it, I);
            }
            alone |= solitary(&it);
            self.push(it);
            if body.get(self.i) == Some(&b',') {
                self.i += 1;
            } else {
                break;
            }
        }
        if alone && self.n - first > 1 {
            return None;
        }
        self.ends[I] = self.n as u16;
        Some(())
    }

    #[inline(always)]
    fn push(&mut self, it: Item) {
        if self.n < self.buf.len() {
            self.buf[self.n] = it;
        } else {
            if self.long.is_empty() {
                // Every item but the last takes two bytes or more, so this
                // is the one allocation.
                self.long = Items::with_capacity(self.body.len() / 2 + 1);
                self.long.extend_from_slice(&self.buf);
            }
            self.long.push(it);
        }
        self.n += 1;
    }
}

/// The byte at `k`, with the end of the body read as a space (which ends
/// an item).
#[inline(always)]
fn byte(s: &[u8], k: usize) -> u8 {
    s.get(k).copied().unwrap_or(b' ')
}

/// One item of field `index` starting at `*i`, which is left just after
/// it; the item must end at a space, a comma or the end of `s`.
#[inline(always)]
fn item_at(index: usize, s: &[u8], i: &mut usize) -> Option<Item> {
    let (min, max) = bounds(index);
    let (dom, dow) = (index == 2, index == 4);
    let item = match byte(s, *i) {
        b'*' => {
            *i += 1;
            if byte(s, *i) == b'/' {
                *i += 1;
                Item::Step(StepStart::All, step_at(s, i, min, max)?)
            } else {
                Item::All
            }
        }
        b'?' if dom || dow => {
            *i += 1;
            Item::NoSpecific
        }
        b'/' => {
            *i += 1;
            Item::Step(StepStart::From(Value::from(min)), step_at(s, i, min, max)?)
        }
        b'L' if dom || dow => {
            *i += 1;
            match byte(s, *i) {
                b'W' if dom => {
                    *i += 1;
                    Item::LastWeekday
                }
                b'-' if dom => {
                    *i += 1;
                    let n = number_at(s, i)?;
                    if !(1..=30).contains(&n) {
                        return None;
                    }
                    Item::LastOffset(n as u8)
                }
                _ => Item::Last,
            }
        }
        _ => {
            let a = value_at(index, s, i, min, max)?;
            match byte(s, *i) {
                b'W' if dom && !a.is_named() => {
                    *i += 1;
                    Item::NearestWeekday(a.get() as u8)
                }
                b'L' if dow && !a.is_named() => {
                    *i += 1;
                    Item::LastDayOfWeek(a)
                }
                b'#' if dow => {
                    *i += 1;
                    let k = number_at(s, i)?;
                    if !(1..=5).contains(&k) {
                        return None;
                    }
                    Item::Nth(a, k as u8)
                }
                b'/' => {
                    *i += 1;
                    Item::Step(StepStart::From(a), step_at(s, i, min, max)?)
                }
                b'-' => {
                    *i += 1;
                    let c = value_at(index, s, i, min, max)?;
                    // A wrap-around range (`22-2`) comes with a warning, and
                    // a backwards year range is an error: both are the
                    // grammar's, so ascending ranges keep this path lean.
                    if a.get() > c.get() {
                        return None;
                    }
                    if byte(s, *i) == b'/' {
                        *i += 1;
                        Item::Step(StepStart::Range(a, c), step_at(s, i, min, max)?)
                    } else {
                        Item::Range(a, c)
                    }
                }
                _ => Item::Value(a),
            }
        }
    };
    matches!(byte(s, *i), b' ' | b',').then_some(item)
}

/// Digits at `*i` as a `u16` (at least one digit, at most five).
#[inline(always)]
fn number_at(s: &[u8], i: &mut usize) -> Option<u16> {
    let start = *i;
    let mut n: u32 = 0;
    while let Some(&b) = s.get(*i) {
        if !b.is_ascii_digit() {
            break;
        }
        n = n * 10 + u32::from(b - b'0');
        *i += 1;
        if *i - start > 5 {
            return None;
        }
    }
    if *i == start {
        return None;
    }
    u16::try_from(n).ok()
}

/// A step at `*i`: 1 up to the field's size.
#[inline(always)]
fn step_at(s: &[u8], i: &mut usize, min: u16, max: u16) -> Option<u16> {
    let n = number_at(s, i)?;
    (1..=max - min + 1).contains(&n).then_some(n)
}

/// A value in `min..=max` at `*i`: digits, or a name (a whole run of
/// letters) where the field has names.
#[inline(always)]
fn value_at(index: usize, s: &[u8], i: &mut usize, min: u16, max: u16) -> Option<Value> {
    let b = *s.get(*i)?;
    if b.is_ascii_digit() {
        let n = number_at(s, i)?;
        return (min..=max).contains(&n).then_some(Value::from(n));
    }
    let start = *i;
    while s.get(*i).is_some_and(u8::is_ascii_alphabetic) {
        *i += 1;
    }
    // Names are three letters: compare them upper-cased, as one number.
    let &[a, b, c] = &s[start..*i] else {
        return None;
    };
    let word = u32::from_le_bytes([a, b, c, 0]) & !0x20_2020;
    let names: &[u32] = match index {
        3 => &MONTH_KEYS,
        4 => &WEEKDAY_KEYS,
        _ => return None,
    };
    let p = names.iter().position(|&n| n == word)?;
    Some(Value::named(p as u16 + 1))
}

/// Names as the numbers `value_at` compares: their three (upper-case)
/// bytes.
const fn keys<const N: usize>(names: [&[u8; 3]; N]) -> [u32; N] {
    let mut keys = [0; N];
    let mut i = 0;
    while i < N {
        let name = names[i];
        keys[i] = u32::from_le_bytes([name[0], name[1], name[2], 0]);
        i += 1;
    }
    keys
}

const MONTH_KEYS: [u32; 12] = keys(MONTHS);
const WEEKDAY_KEYS: [u32; 7] = keys(WEEKDAYS);

/// Reads the body of `rate(...)`: a value, one or more spaces, the unit
/// (singular for 1, plural otherwise), `)`. The rate and the spans of its
/// value and unit, or `None` if anything is unusual. A unit that disagrees
/// with the value is left to the grammar even where the profile takes it
/// (Scheduler), as it comes with a warning.
pub(crate) fn rate_body(body: &[u8], at: usize) -> Option<(Rate, Range<usize>, Range<usize>)> {
    let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in &body[..digits] {
        value = value * 10 + u64::from(b - b'0');
    }
    let value = NonZeroU32::new(u32::try_from(value).ok()?)?;
    let spaces = body[digits..].iter().take_while(|&&b| b == b' ').count();
    let unit_at = digits + spaces;
    let (&b')', rest) = body.split_last()? else {
        return None;
    };
    let word = rest.get(unit_at..)?;
    if spaces == 0 {
        return None;
    }
    let (unit, plural) = match word {
        b"minute" => (RateUnit::Minutes, false),
        b"minutes" => (RateUnit::Minutes, true),
        b"hour" => (RateUnit::Hours, false),
        b"hours" => (RateUnit::Hours, true),
        b"day" => (RateUnit::Days, false),
        b"days" => (RateUnit::Days, true),
        _ => return None,
    };
    if plural == (value.get() == 1) {
        return None;
    }
    Some((
        Rate::new(value, unit),
        at..at + digits,
        at + unit_at..at + unit_at + word.len(),
    ))
}

/// The items that must stand alone in their field.
fn solitary(item: &Item) -> bool {
    !matches!(item, Item::Value(_) | Item::Range(..) | Item::Step(..))
}

/// A whole item: `piece` must be consumed entirely. The grammar reads
/// items through this and explains only the one it refuses.
pub(crate) fn item(index: usize, piece: &[u8]) -> Option<Item> {
    let mut i = 0;
    let it = item_at(index, piece, &mut i)?;
    (i == piece.len()).then_some(it)
}
