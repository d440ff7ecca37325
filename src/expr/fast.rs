//! The fast path of the cron grammar: a byte-level reading of a well-formed
//! `cron(...)` body, with no error reporting at all.
//!
//! It either returns exactly what the nom grammar in `parse.rs` returns, or
//! gives up (`None`) and leaves the input to that grammar, which then finds
//! the error and its span. So it must never accept what the grammar refuses
//! nor read anything differently; a test compares the two on generated and
//! mutated inputs.

use std::ops::Range;

use smallvec::SmallVec;

use super::compile::bounds;
use super::parse::CronSpans;
use super::{CronField, Item, StepStart, Value};

const MONTHS: [&[u8; 3]; 12] = [
    b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"SUN", b"MON", b"TUE", b"WED", b"THU", b"FRI", b"SAT"];

/// Reads the body of `cron(...)` (what follows `cron(`; `at` is its offset
/// in the whole input), or `None` if anything is unusual.
pub(crate) fn cron_body(body: &[u8], at: usize) -> Option<CronSpans> {
    // The fields end at the first `)`, which must end the input.
    let close = body.iter().position(|&b| b == b')')?;
    if close + 1 != body.len() || close == 0 || body[0] == b' ' || body[close - 1] == b' ' {
        return None;
    }
    let mut fields: [CronField; 6] = Default::default();
    let mut field_spans: [Range<usize>; 6] = Default::default();
    let mut index = 0;
    let mut i = 0;
    while i < close {
        let start = i;
        while i < close && body[i] != b' ' {
            i += 1;
        }
        if index == 6 {
            return None;
        }
        fields[index] = CronField {
            items: field(index, &body[start..i])?,
        };
        field_spans[index] = at + start..at + i;
        index += 1;
        while i < close && body[i] == b' ' {
            i += 1;
        }
    }
    (index == 6).then_some(CronSpans { fields, field_spans })
}

/// One field: items separated by single commas, none empty.
fn field(index: usize, text: &[u8]) -> Option<SmallVec<[Item; 4]>> {
    let mut items = SmallVec::new();
    let mut alone = false;
    for piece in text.split(|&b| b == b',') {
        let it = item(index, piece)?;
        alone |= solitary(&it);
        items.push(it);
    }
    (items.len() == 1 || !alone).then_some(items)
}

/// The items that must stand alone in their field.
fn solitary(item: &Item) -> bool {
    !matches!(item, Item::Value(_) | Item::Range(..) | Item::Step(..))
}

/// A whole item: `piece` must be consumed entirely.
pub(crate) fn item(index: usize, piece: &[u8]) -> Option<Item> {
    let (min, max) = bounds(index);
    let (dom, dow) = (index == 2, index == 4);
    match piece {
        [] => None,
        b"*" => Some(Item::All),
        [b'*', b'/', step @ ..] => Some(Item::Step(StepStart::All, step_of(step, min, max)?)),
        b"?" => (dom || dow).then_some(Item::NoSpecific),
        [b'/', step @ ..] => Some(Item::Step(StepStart::From(Value::from(min)), step_of(step, min, max)?)),
        b"L" => (dom || dow).then_some(Item::Last),
        b"LW" => dom.then_some(Item::LastWeekday),
        [b'L', b'-', n @ ..] if dom => {
            let n = number(n)?;
            (1..=30).contains(&n).then_some(Item::LastOffset(n as u8))
        }
        _ => {
            let (a, rest) = value(index, piece, min, max)?;
            match rest {
                [] => Some(Item::Value(a)),
                b"W" if dom && !a.is_named() => Some(Item::NearestWeekday(a.get() as u8)),
                b"L" if dow && !a.is_named() => Some(Item::LastDayOfWeek(a)),
                [b'#', k @ ..] if dow => {
                    let k = number(k)?;
                    (1..=5).contains(&k).then_some(Item::Nth(a, k as u8))
                }
                [b'/', step @ ..] => Some(Item::Step(StepStart::From(a), step_of(step, min, max)?)),
                [b'-', rest @ ..] => {
                    let (c, rest) = value(index, rest, min, max)?;
                    if a.get() > c.get() {
                        return None;
                    }
                    match rest {
                        [] => Some(Item::Range(a, c)),
                        [b'/', step @ ..] => Some(Item::Step(StepStart::Range(a, c), step_of(step, min, max)?)),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
    }
}

/// A value in `min..=max` at the start of `s` (digits, or a name where the
/// field has names), and what follows it.
fn value(index: usize, s: &[u8], min: u16, max: u16) -> Option<(Value, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 {
        let n = number(&s[..digits])?;
        return (min..=max).contains(&n).then_some((Value::from(n), &s[digits..]));
    }
    // A name is a whole run of letters, as the grammar reads it.
    let letters = s.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let word = &s[..letters];
    let names: &[&[u8; 3]] = match index {
        3 => &MONTHS,
        4 => &WEEKDAYS,
        _ => return None,
    };
    let p = names.iter().position(|n| word.eq_ignore_ascii_case(&n[..]))?;
    Some((Value::named(p as u16 + 1), &s[letters..]))
}

/// A step: digits, 1 up to the field's size.
fn step_of(s: &[u8], min: u16, max: u16) -> Option<u16> {
    let n = number(s)?;
    (1..=max - min + 1).contains(&n).then_some(n)
}

/// All of `s` as a decimal `u16` (digits only, at least one).
fn number(s: &[u8]) -> Option<u16> {
    if s.is_empty() || s.len() > 5 {
        return None;
    }
    let mut n: u32 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    u16::try_from(n).ok()
}
