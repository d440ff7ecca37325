//! The grammar: small nom parsers, one per construct, joined in [`parse`].
//!
//! Every parser works on `&str` slices of the one input, so an error's span
//! is `input.offset(rest)`; the custom error type carries the rule that was
//! broken, so nothing is lost on the way up (saffron's mistake).

use std::num::NonZeroU32;
use std::ops::Range;

use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, space1};
use nom::Offset;

use super::compile::{bounds, compile};
use super::error::{ErrorKind, Field};
use super::validate;
use super::{field_of, Cron, Item, Items, Profile, Rate, RateUnit, Schedule, StepStart, Value, Warning};
use crate::expr::ParseError;

/// What a grammar rule found wrong: the rule and where, as the remaining
/// input at the failure and the length of the offending text.
#[derive(Debug)]
pub(crate) struct PErr<'a> {
    at: &'a str,
    len: usize,
    kind: ErrorKind,
}

impl<'a> nom::error::ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _: nom::error::ErrorKind) -> Self {
        // Most of these are alternatives that did not match and are thrown
        // away: the underline is measured only if one is reported.
        PErr {
            at: input,
            len: UNMEASURED,
            kind: ErrorKind::Expected {
                expected: "something else",
            },
        }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = nom::IResult<&'a str, T, PErr<'a>>;

/// `PErr::len` of an error whose underline is the token at `at`.
const UNMEASURED: usize = usize::MAX;

impl PErr<'_> {
    /// How many bytes to underline.
    fn len(&self) -> usize {
        if self.len == UNMEASURED {
            next_token_len(self.at)
        } else {
            self.len
        }
    }
}

/// Length of the token at the start of `s`, for underlining: a run of
/// letters and digits, or one other character.
fn next_token_len(s: &str) -> usize {
    let word = s.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if word > 0 {
        word
    } else {
        s.chars().next().map_or(0, char::len_utf8)
    }
}

/// A failure at `at`, underlining `len` bytes.
fn fail<T>(at: &str, len: usize, kind: ErrorKind) -> PResult<'_, T> {
    Err(nom::Err::Failure(PErr { at, len, kind }))
}

/// "expected X" at `at`, underlining the token found there.
fn expected<'a, T>(at: &'a str, what: &'static str) -> PResult<'a, T> {
    fail(at, next_token_len(at), ErrorKind::Expected { expected: what })
}

/// Runs `p`; a recoverable error becomes "expected `what`".
fn require<'a, T>(
    what: &'static str,
    mut p: impl FnMut(&'a str) -> PResult<'a, T>,
) -> impl FnMut(&'a str) -> PResult<'a, T> {
    move |i| match p(i) {
        Err(nom::Err::Error(_)) => expected(i, what),
        other => other,
    }
}

fn digits(i: &str) -> PResult<'_, &str> {
    take_while1(|c: char| c.is_ascii_digit())(i)
}

fn letters(i: &str) -> PResult<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphabetic())(i)
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The six cron fields with what each allows.
#[derive(Clone, Copy)]
struct FieldCtx {
    index: usize,
    field: Field,
    min: u16,
    max: u16,
}

impl FieldCtx {
    fn new(index: usize) -> FieldCtx {
        let (min, max) = bounds(index);
        FieldCtx {
            index,
            field: Field::CRON[index],
            min,
            max,
        }
    }

    fn is_dom(self) -> bool {
        self.index == 2
    }

    fn is_dow(self) -> bool {
        self.index == 4
    }

    fn names(self) -> Option<&'static [&'static str]> {
        match self.index {
            3 => Some(&MONTHS),
            4 => Some(&WEEKDAYS),
            _ => None,
        }
    }

    fn what_next(self) -> &'static str {
        match self.index {
            2 => "`,`, `-`, `/`, `W` or a space",
            4 => "`,`, `-`, `/`, `L`, `#` or a space",
            _ => "`,`, `-`, `/` or a space",
        }
    }
}

/// A decimal number in `min..=max`, or a name where the field has names.
fn value(ctx: FieldCtx) -> impl Fn(&str) -> PResult<'_, Value> {
    move |i| {
        if let Ok((rest, d)) = digits(i) {
            return match d.parse::<u16>() {
                Ok(n) if (ctx.min..=ctx.max).contains(&n) => Ok((rest, Value::from(n))),
                _ => fail(
                    i,
                    d.len(),
                    ErrorKind::OutOfRange {
                        field: ctx.field,
                        min: ctx.min,
                        max: ctx.max,
                    },
                ),
            };
        }
        if let Ok((rest, word)) = letters(i) {
            let Some(names) = ctx.names() else {
                return fail(i, word.len(), ErrorKind::NamesNotAllowed { field: ctx.field });
            };
            return match names.iter().position(|n| n.eq_ignore_ascii_case(word)) {
                Some(p) => Ok((rest, Value::named(p as u16 + 1))),
                None => fail(i, word.len(), ErrorKind::UnknownName { field: ctx.field }),
            };
        }
        expected(
            i,
            if ctx.names().is_some() {
                "a number or a name"
            } else {
                "a number"
            },
        )
    }
}

/// The `b` of `a/b`: 1 up to the field's size.
fn step(ctx: FieldCtx) -> impl Fn(&str) -> PResult<'_, u16> {
    move |i| {
        let size = ctx.max - ctx.min + 1;
        let (rest, d) = require("a step number after `/`", digits)(i)?;
        match d.parse::<u16>() {
            Ok(n) if (1..=size).contains(&n) => Ok((rest, n)),
            _ => fail(
                i,
                d.len(),
                ErrorKind::StepOutOfRange {
                    field: ctx.field,
                    max: size,
                },
            ),
        }
    }
}

/// A small number after `L-` or `#`, checked against `range`.
fn small_number<'a>(i: &'a str, range: Range<u8>, kind: ErrorKind, what: &'static str) -> PResult<'a, u8> {
    let (rest, d) = require(what, digits)(i)?;
    match d.parse::<u8>() {
        Ok(n) if range.contains(&n) => Ok((rest, n)),
        _ => fail(i, d.len(), kind),
    }
}

/// One comma-separated item.
fn item(ctx: FieldCtx) -> impl Fn(&str) -> PResult<'_, Item> {
    move |i| {
        if let Ok((rest, _)) = char::<_, PErr>('*')(i) {
            if let Ok((rest, _)) = char::<_, PErr>('/')(rest) {
                let (rest, s) = step(ctx)(rest)?;
                return Ok((rest, Item::Step(StepStart::All, s)));
            }
            return Ok((rest, Item::All));
        }
        if let Ok((rest, _)) = char::<_, PErr>('?')(i) {
            if !(ctx.is_dom() || ctx.is_dow()) {
                return fail(
                    i,
                    1,
                    ErrorKind::NotAllowed {
                        field: ctx.field,
                        what: "`?`",
                    },
                );
            }
            return Ok((rest, Item::NoSpecific));
        }
        if let Ok((rest, _)) = char::<_, PErr>('/')(i) {
            // An empty start means the field's minimum (AWS documents `0 /8`).
            let (rest, s) = step(ctx)(rest)?;
            return Ok((rest, Item::Step(StepStart::From(Value::from(ctx.min)), s)));
        }
        if let Ok((rest, word)) = letters(i) {
            if word == "L" || word == "LW" {
                return last(ctx, i, rest, word);
            }
            // `FRIL`: a day name then `L`, read as `6L` (Quartz does).
            if let Some(name) = word.strip_suffix('L').filter(|_| ctx.is_dow()) {
                if let Some(p) = WEEKDAYS.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                    return Ok((rest, Item::LastDayOfWeek(Value::named(p as u16 + 1))));
                }
            }
        }
        let (rest, a) = value(ctx)(i)?;
        if ctx.is_dom() && !a.is_named() {
            if let Ok((rest, _)) = char::<_, PErr>('W')(rest) {
                return Ok((rest, Item::NearestWeekday(a.get() as u8)));
            }
        }
        if ctx.is_dow() && !a.is_named() {
            if let Ok((rest, _)) = char::<_, PErr>('L')(rest) {
                return Ok((rest, Item::LastDayOfWeek(a)));
            }
        }
        if ctx.is_dow() {
            if let Ok((rest, _)) = char::<_, PErr>('#')(rest) {
                let (rest, k) = small_number(rest, 1..6, ErrorKind::NthOutOfRange, "a number 1-5 after `#`")?;
                return Ok((rest, Item::Nth(a, k)));
            }
        }
        if let Ok((after_dash, _)) = char::<_, PErr>('-')(rest) {
            let (rest, c) = value(ctx)(after_dash)?;
            // Other fields wrap around (`22-2`, `SAT-SUN`); years do not.
            if a.get() > c.get() && ctx.index == 5 {
                return fail(i, i.offset(rest), ErrorKind::RangeReversed { field: ctx.field });
            }
            if let Ok((rest, _)) = char::<_, PErr>('/')(rest) {
                let (rest, s) = step(ctx)(rest)?;
                return Ok((rest, Item::Step(StepStart::Range(a, c), s)));
            }
            return Ok((rest, Item::Range(a, c)));
        }
        if let Ok((rest, _)) = char::<_, PErr>('/')(rest) {
            let (rest, s) = step(ctx)(rest)?;
            return Ok((rest, Item::Step(StepStart::From(a), s)));
        }
        Ok((rest, Item::Value(a)))
    }
}

/// `L`, `L-n` and `LW`, where `word` (`L` or `LW`) was read from `i`.
fn last<'a>(ctx: FieldCtx, i: &'a str, rest: &'a str, word: &str) -> PResult<'a, Item> {
    match (word, ctx.index) {
        ("LW", 2) => Ok((rest, Item::LastWeekday)),
        ("L", 2) => {
            if let Ok((rest, _)) = char::<_, PErr>('-')(rest) {
                let (rest, n) = small_number(rest, 1..31, ErrorKind::LastOffsetOutOfRange, "a number 1-30 after `L-`")?;
                return Ok((rest, Item::LastOffset(n)));
            }
            Ok((rest, Item::Last))
        }
        ("L", 4) => Ok((rest, Item::Last)),
        _ => fail(
            i,
            word.len(),
            ErrorKind::NotAllowed {
                field: ctx.field,
                what: if word == "L" { "`L`" } else { "`LW`" },
            },
        ),
    }
}

/// Items that must be the only one in their field, by name.
fn solitary(item: &Item) -> Option<&'static str> {
    Some(match item {
        Item::All => "`*`",
        Item::NoSpecific => "`?`",
        Item::Last => "`L`",
        Item::LastOffset(_) => "`L-n`",
        Item::LastWeekday => "`LW`",
        Item::NearestWeekday(_) => "`nW`",
        Item::LastDayOfWeek(_) => "`nL`",
        Item::Nth(..) => "`n#k`",
        _ => return None,
    })
}

/// A whole field: items separated by commas.
/// `quick`: read items with the fast path where it can (off in tests that
/// compare the two).
fn field<'a>(ctx: FieldCtx, full: &'a str, text: &'a str, quick: bool, items: &mut Items) -> Result<(), PErr<'a>> {
    let first = items.len();
    // The first item that must stand alone, with its span.
    let mut alone: Option<(&'static str, Range<usize>)> = None;
    let mut i = text;
    loop {
        let start = full.offset(i);
        // An item the fast path reads is read the same by the grammar (see
        // `fast`); only the one in error needs the grammar's explanation.
        let end = i.find(',').unwrap_or(i.len());
        let fast = quick
            .then(|| super::fast::item(ctx.index, &i.as_bytes()[..end]))
            .flatten()
            .map(|it| (&i[end..], it));
        let (rest, it) = match fast.map_or_else(|| item(ctx)(i), Ok) {
            Ok(ok) => ok,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(e),
            Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers never ask for more input"),
        };
        if alone.is_none() {
            alone = solitary(&it).map(|w| (w, start..full.offset(rest)));
        }
        items.push(it);
        if rest.is_empty() {
            break;
        }
        match char::<_, PErr>(',')(rest) {
            Ok((after, _)) if after.is_empty() => {
                return Err(PErr {
                    at: after,
                    len: 0,
                    kind: ErrorKind::Expected {
                        expected: "an item after `,`",
                    },
                });
            }
            Ok((after, _)) if after.starts_with(',') => {
                return Err(PErr {
                    at: after,
                    len: 1,
                    kind: ErrorKind::Expected {
                        expected: "an item between commas",
                    },
                });
            }
            Ok((after, _)) => i = after,
            Err(_) => {
                return Err(PErr {
                    at: rest,
                    len: next_token_len(rest),
                    kind: ErrorKind::Expected {
                        expected: ctx.what_next(),
                    },
                });
            }
        }
    }
    if items.len() - first > 1 {
        if let Some((what, span)) = alone {
            return Err(PErr {
                at: &full[span.start..],
                len: span.len(),
                kind: ErrorKind::MustStandAlone { field: ctx.field, what },
            });
        }
    }
    Ok(())
}

/// The field texts of a `cron(...)` body, without allocating.
struct Texts<'a> {
    first: [&'a str; 6],
    count: usize,
    /// The seventh field and the last one, when there are more than six.
    extra: Option<(&'a str, &'a str)>,
}

/// The body of `cron(...)`: space-separated field texts, then `)`.
fn cron_fields(i: &str) -> PResult<'_, Texts<'_>> {
    fn field(s: &str) -> Option<(&str, &str)> {
        let n = s.find([' ', ')']).unwrap_or(s.len());
        (n > 0).then(|| (&s[n..], &s[..n]))
    }
    let Some((mut rest, first)) = field(i) else {
        return expected(i, "a cron field");
    };
    let mut texts = Texts {
        first: [first; 6],
        count: 1,
        extra: None,
    };
    loop {
        let after = rest.trim_start_matches(' ');
        if after.len() == rest.len() {
            break;
        }
        let Some((r, f)) = field(after) else { break };
        match texts.count {
            0..6 => texts.first[texts.count] = f,
            6 => texts.extra = Some((f, f)),
            _ => {
                if let Some((_, last)) = &mut texts.extra {
                    *last = f;
                }
            }
        }
        texts.count += 1;
        rest = r;
    }
    let (rest, _) = require("`)`", char(')'))(rest)?;
    Ok((rest, texts))
}

/// The span of item `index` of the field at `field` in `input`: items hold
/// no commas, so it is the `index`-th comma-separated piece.
pub(crate) fn item_span(input: &str, field: &Range<usize>, index: usize) -> Range<usize> {
    let mut start = field.start;
    for (k, piece) in input[field.clone()].split(',').enumerate() {
        if k == index {
            return start..start + piece.len();
        }
        start += piece.len() + 1;
    }
    field.clone()
}

/// A parsed cron: the items of all fields, where each field ends, and each
/// field's span.
#[derive(Debug, PartialEq)]
pub(crate) struct CronSpans {
    pub items: Items,
    pub ends: [u16; 6],
    pub field_spans: [Range<usize>; 6],
}

impl CronSpans {
    /// The items of field `index`.
    #[inline]
    pub(crate) fn field(&self, index: usize) -> &[Item] {
        field_of(&self.items, &self.ends, index)
    }
}

/// Parses the body of `cron(...)`; an error names the field it is in.
fn cron<'a>(full: &'a str, body: &'a str) -> Result<CronSpans, (PErr<'a>, Option<Field>)> {
    cron_body(full, body, true).map_err(|(e, index)| (e, index.map(|i| Field::CRON[i])))
}

fn cron_body<'a>(full: &'a str, body: &'a str, quick: bool) -> Result<CronSpans, (PErr<'a>, Option<usize>)> {
    let (rest, texts) = cron_fields(body).map_err(|e| {
        let e = unwrap_err(e);
        // Which field the failure is in: count the fields before it.
        let before = &full[5..full.offset(e.at).min(full.len())];
        let n = before.split(' ').filter(|f| !f.is_empty()).count();
        let index = if before.is_empty() || before.ends_with(' ') {
            n
        } else {
            n - 1
        };
        (e, (index < 6).then_some(index))
    })?;
    if !rest.is_empty() {
        return Err((
            PErr {
                at: rest,
                len: rest.len(),
                kind: ErrorKind::Expected {
                    expected: "end of expression after `)`",
                },
            },
            None,
        ));
    }
    if texts.count != 6 {
        let (at, len) = match texts.extra {
            Some((seventh, last)) => {
                let start = full.offset(seventh);
                let end = full.offset(last) + last.len();
                (&full[start..], end - start)
            }
            None => (&full[full.len() - 1..], 1),
        };
        return Err((
            PErr {
                at,
                len,
                kind: ErrorKind::FieldCount { found: texts.count },
            },
            None,
        ));
    }
    let mut items = Items::new();
    let mut ends = [0; 6];
    let mut field_spans: [Range<usize>; 6] = Default::default();
    for (index, text) in texts.first.iter().enumerate() {
        field(FieldCtx::new(index), full, text, quick, &mut items).map_err(|e| (e, Some(index)))?;
        let start = full.offset(*text);
        field_spans[index] = start..start + text.len();
        ends[index] = items.len() as u16;
    }
    Ok(CronSpans {
        items,
        ends,
        field_spans,
    })
}

/// The body of `rate(...)`: value, spaces, unit, `)`.
/// `either`: the Scheduler profile takes either unit form for any value
/// (`rate(5 minute)`, `rate(1 minutes)`); [`parse`] warns about it.
fn rate<'a>(body: &'a str, either: bool) -> Result<(Rate, (&'a str, &'a str)), PErr<'a>> {
    let go = |i: &'a str| -> PResult<'a, (Rate, (&'a str, &'a str))> {
        let (rest, d) = require("a positive integer rate value", digits)(i)?;
        let value = match d.parse::<u32>() {
            Ok(0) => return fail(i, d.len(), ErrorKind::RateValueZero),
            Ok(v) => NonZeroU32::new(v).expect("zero handled above"),
            Err(_) => return fail(i, d.len(), ErrorKind::RateValueTooLarge),
        };
        let (rest, _) = require("a space between the rate value and its unit", space1)(rest)?;
        let unit_at = rest;
        let (rest, word) = require("a rate unit (`minutes`, `hours` or `days`)", letters)(rest)?;
        let unit = match word {
            "minute" | "minutes" => RateUnit::Minutes,
            "hour" | "hours" => RateUnit::Hours,
            "day" | "days" => RateUnit::Days,
            _ => return fail(unit_at, word.len(), ErrorKind::RateUnknownUnit),
        };
        let right = unit.spelling(value.get());
        if word != right && !either {
            return fail(unit_at, word.len(), ErrorKind::RatePlural { expected: right });
        }
        let (rest, _) = require("`)`", char(')'))(rest)?;
        if !rest.is_empty() {
            return fail(
                rest,
                rest.len(),
                ErrorKind::Expected {
                    expected: "end of expression after `)`",
                },
            );
        }
        Ok((rest, (Rate::new(value, unit), (d, word))))
    };
    go(body).map(|(_, r)| r).map_err(unwrap_err)
}

fn unwrap_err(e: nom::Err<PErr<'_>>) -> PErr<'_> {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => unreachable!("complete parsers never ask for more input"),
    }
}

/// Bytes an expression may hold: letters, digits and `()#?*-/, `.
const ALLOWED: u128 = {
    let mut set = 0u128;
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'(' | b')' | b'#' | b'?' | b'*' | b'-' | b'/' | b',' | b' ') {
            set |= 1 << b;
        }
        b += 1;
    }
    set
};

fn allowed(c: char) -> bool {
    (c as u32) < 128 && ALLOWED & (1 << c as u32) != 0
}

/// Parses and validates one expression; the warnings go to `warnings` when
/// asked for (each holds strings, so none are built otherwise).
pub(crate) fn parse(
    input: &[u8],
    profile: Profile,
    warnings: Option<&mut Vec<Warning>>,
) -> Result<Schedule, ParseError> {
    // Well-formed, valid input takes the byte-level fast path, which accepts
    // nothing but ASCII it knows; anything else (errors, and input whose
    // warnings are asked for) goes through the grammar below, which explains
    // it.
    if input.len() <= 256 {
        if let Some(body) = input.strip_prefix(b"cron(") {
            if warnings.is_none() {
                if let Some(cron) = super::fast::cron(body, profile) {
                    return Ok(Schedule::Cron(cron));
                }
            }
        } else if let Some(body) = input.strip_prefix(b"rate(") {
            if let Some((rate, value, unit)) = super::fast::rate_body(body, 5) {
                validate::rate(&rate, profile, value, unit)
                    .map_err(|(kind, span, field)| ParseError::new(kind, span, Some(field), input))?;
                return Ok(Schedule::Rate(rate));
            }
        }
    }
    let err = |kind, span: Range<usize>, field| ParseError::new(kind, span, field, input);
    if input.is_empty() {
        return Err(err(ErrorKind::Empty, 0..0, None));
    }
    if input.len() > 256 {
        return Err(err(ErrorKind::TooLong { len: input.len() }, 256..input.len(), None));
    }
    let s = match std::str::from_utf8(input) {
        Ok(s) => s,
        Err(e) => {
            let at = e.valid_up_to();
            return Err(err(ErrorKind::NotUtf8, at..at + e.error_len().unwrap_or(1), None));
        }
    };
    // Bytes first (the common case is all allowed), characters for the error.
    if s.bytes().any(|b| b >= 128 || ALLOWED & (1 << b) == 0) {
        if let Some((at, c)) = s.char_indices().find(|&(_, c)| !allowed(c)) {
            return Err(err(ErrorKind::BadChar, at..at + c.len_utf8(), None));
        }
    }
    let pe = |e: PErr<'_>, field| {
        let at = s.offset(e.at);
        let len = e.len();
        err(e.kind, at..at + len, field)
    };
    if let Ok((body, _)) = tag::<_, _, PErr>("rate(")(s) {
        let (rate, (value, unit)) = rate(body, profile == Profile::Scheduler).map_err(|e| {
            let field = if s.offset(e.at) <= 5 + body.bytes().take_while(u8::is_ascii_digit).count() {
                Field::RateValue
            } else {
                Field::RateUnit
            };
            pe(e, Some(field))
        })?;
        let span = |t: &str| s.offset(t)..s.offset(t) + t.len();
        validate::rate(&rate, profile, span(value), span(unit))
            .map_err(|(kind, span, field)| err(kind, span, Some(field)))?;
        let right = rate.unit().spelling(rate.value().get());
        if let Some(w) = warnings.filter(|_| unit != right) {
            w.push(Warning::new(
                format!("an EventBridge rule would reject `{unit}` with {value}; it expects `{right}`"),
                span(unit),
                s,
            ));
        }
        return Ok(Schedule::Rate(rate));
    }
    if let Ok((body, _)) = tag::<_, _, PErr>("cron(")(s) {
        let parsed = cron(s, body).map_err(|(e, field)| pe(e, field))?;
        return cron_schedule(parsed, input, profile, warnings);
    }
    let word = s.bytes().take_while(|b| b.is_ascii_alphanumeric()).count().max(1);
    Err(err(
        ErrorKind::Expected {
            expected: "`rate(` or `cron(`",
        },
        0..word.min(s.len()),
        None,
    ))
}

/// Validates and compiles parsed cron fields.
#[inline]
fn cron_schedule(
    parsed: CronSpans,
    input: &[u8],
    profile: Profile,
    warnings: Option<&mut Vec<Warning>>,
) -> Result<Schedule, ParseError> {
    let error = |(kind, spans, field)| ParseError::with_spans(kind, spans, field, input);
    let found = validate::cron(&parsed, profile, input, warnings.is_some()).map_err(error)?;
    let compiled = compile(|i| parsed.field(i));
    validate::compiled(&compiled, &parsed, profile).map_err(error)?;
    if let Some(w) = warnings {
        *w = found;
    }
    Ok(Schedule::Cron(Cron::new(compiled, parsed.items, parsed.ends)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reading's items, field ends and field spans.
    type Fields = (Vec<Item>, [u16; 6], [Range<usize>; 6]);

    fn fields(p: CronSpans) -> Fields {
        (p.items.to_vec(), p.ends, p.field_spans)
    }

    /// The grammar with fast items: the same result and the same error.
    /// Fields and spans, or the error's offset, length, kind and field.
    type Reading = Result<Fields, (usize, usize, String)>;

    fn mixed(full: &str) -> Reading {
        let body = &full[5..];
        cron_body(full, body, true)
            .map(fields)
            .map_err(|(e, f)| (full.offset(e.at), e.len(), format!("{:?} {f:?}", e.kind)))
    }

    fn grammar(full: &str) -> Reading {
        let body = &full[5..];
        cron_body(full, body, false)
            .map(fields)
            .map_err(|(e, f)| (full.offset(e.at), e.len(), format!("{:?} {f:?}", e.kind)))
    }

    /// The fast path: read, compiled and validated in one pass.
    fn fast(full: &str, profile: Profile) -> Option<Cron> {
        let body = full.strip_prefix("cron(")?;
        super::super::fast::cron(body.as_bytes(), profile)
    }

    /// The grammar alone, then validated and compiled: what the fast path
    /// must return, or it must give up.
    fn checked(full: &str, profile: Profile) -> Option<Cron> {
        let body = full.strip_prefix("cron(")?;
        let parsed = cron_body(full, body, false).ok()?;
        match cron_schedule(parsed, full.as_bytes(), profile, None) {
            Ok(Schedule::Cron(c)) => Some(c),
            _ => None,
        }
    }

    const PROFILES: [Profile; 3] = [Profile::SecretsManager, Profile::EventBridge, Profile::Scheduler];

    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "0", "5", "7", "59", "60", "1", "23", "24", "31", "32", "12", "13", "1970", "2199", "2200", "05", "65536",
            "99999", "*", "?", "/", "-", ",", "L", "W", "#", "LW", "L-", "JAN", "dec", "Mon", "FRI", "SUNL", "MONL",
            "X", " ", "  ", "(", ")", "3", "2", "6", "FRIL", "satL", "SAT-SUN", "22-2", "NOV-FEB",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// Random token soup: the fast path never accepts what the grammar
        /// refuses, and reads what it accepts identically.
        #[test]
        fn fast_path_agrees_with_the_grammar(tokens in prop::collection::vec(token(), 0..24)) {
            let text = format!("cron({})", tokens.concat());
            for p in PROFILES {
                if let Some(f) = fast(&text, p) {
                    prop_assert_eq!(Some(f), checked(&text, p), "{} {:?}", text, p);
                }
            }
            prop_assert_eq!(mixed(&text), grammar(&text), "{}", text);
        }

        /// Well-formed fields: both accept, and agree.
        #[test]
        fn fast_path_takes_well_formed_input(fields in prop::collection::vec(prop::sample::select(vec![
            "*", "0", "0/5", "*/10", "/8", "1-5", "1-5/2", "JAN-MAR", "MON#2", "6L", "L", "LW", "L-3", "15W",
            "?", "1,2,3", "0,30", "2026-2030", "SUN", "1", "2#1", "7", "12",
        ]), 6)) {
            let text = format!("cron({})", fields.join(" "));
            for p in PROFILES {
                prop_assert_eq!(fast(&text, p), checked(&text, p), "{} {:?}", text, p);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// Near misses: a well-formed expression with one byte deleted or one
        /// token inserted.
        #[test]
        fn fast_path_agrees_on_near_misses(
            fields in prop::collection::vec(prop::sample::select(vec![
                "*", "0", "0/5", "*/10", "/8", "1-5", "1-5/2", "JAN-MAR", "MON#2", "6L", "L", "LW", "L-3", "15W",
                "?", "1,2,3", "2026-2030", "SUN", "2#1", "7", "5-1", "22-2/2", "NOV-FEB", "SAT-SUN", "FRIL",
                "2030-2020", "50-10", "25-5",
            ]), 6),
            at in any::<prop::sample::Index>(),
            insert in prop::option::of(token()),
        ) {
            let mut text = format!("cron({})", fields.join(" "));
            let i = at.index(text.len());
            match insert {
                Some(t) => text.insert_str(i, t),
                None => {
                    text.remove(i);
                }
            }
            for p in PROFILES {
                if let Some(f) = fast(&text, p) {
                    prop_assert_eq!(Some(f), checked(&text, p), "{} {:?}", text, p);
                }
            }
            prop_assert_eq!(mixed(&text), grammar(&text), "{}", text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// Wrap-around ranges and `FRIL` among well-formed fields: the fast
        /// path gives up on them (or agrees), the grammar reads them alike
        /// with and without fast items, and the public entry points (fast
        /// path first, or the grammar for warnings) give the same schedule.
        #[test]
        fn wraps_leave_the_fast_path(fields in prop::collection::vec(prop::sample::select(vec![
            "*", "0", "0/5", "1-5", "1-5/2", "JAN-MAR", "MON#2", "6L", "L", "?", "2026-2030", "SUN", "7",
            "5-1", "5-1/2", "22-2", "22-2/2", "NOV-FEB", "DEC-JAN/2", "SAT-SUN", "FRI-MON", "7-1", "FRIL", "sunL",
            "50-10", "59-0", "25-5", "31-1/3", "1,22-2", "2030-2020",
        ]), 6)) {
            let text = format!("cron({})", fields.join(" "));
            for p in PROFILES {
                let f = fast(&text, p);
                if f.is_some() {
                    prop_assert_eq!(f, checked(&text, p), "{} {:?}", text, p);
                }
                let plain = Schedule::parse_with(&text, p).ok();
                let warned = Schedule::check(text.as_bytes(), p).ok().map(|c| c.schedule);
                prop_assert_eq!(plain, warned, "{} {:?}", text, p);
            }
            prop_assert_eq!(mixed(&text), grammar(&text), "{}", text);
        }
    }

    #[test]
    fn fast_path_gives_up_on_wraps_and_day_names_with_l() {
        for text in [
            "cron(0 10 ? * SAT-SUN *)",
            "cron(0 22-2 * * ? *)",
            "cron(0 22-2/2 * * ? *)",
            "cron(0 10 1 NOV-FEB ? *)",
            "cron(50-10 10 * * ? *)",
            "cron(0 10 25-5 * ? *)",
            "cron(0 10 ? * FRIL *)",
        ] {
            let p = Profile::EventBridge;
            assert_eq!(fast(text, p), None, "{text}");
            assert!(checked(text, p).is_some(), "{text}");
        }
    }

    /// The grammar's reading of `rate(...)`, with the spans of the value
    /// and the unit.
    fn rate_grammar(full: &str, either: bool) -> Option<(Rate, Range<usize>, Range<usize>)> {
        let body = full.strip_prefix("rate(")?;
        let (r, (value, unit)) = rate(body, either).ok()?;
        let span = |t: &str| full.offset(t)..full.offset(t) + t.len();
        Some((r, span(value), span(unit)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// The fast `rate(...)` reader never accepts what the grammar
        /// refuses, reads what it accepts identically, and takes the usual
        /// forms.
        #[test]
        fn fast_rate_agrees_with_the_grammar(
            tokens in prop::collection::vec(prop::sample::select(vec![
                "0", "1", "5", "10", "4294967295", "4294967296", "0001", " ", "  ", "\t", "minute", "minutes",
                "hour", "hours", "day", "days", "Days", "week", ")", "(", "x",
            ]), 0..6),
            either in any::<bool>(),
        ) {
            let text = format!("rate({})", tokens.concat());
            let fast = super::super::fast::rate_body(&text.as_bytes()[5..], 5);
            let grammar = rate_grammar(&text, either);
            if fast.is_some() {
                prop_assert_eq!(&fast, &grammar, "{}", text);
            }
            // The usual forms, with a unit that agrees with the value (a
            // mismatch the Scheduler takes comes with a warning, so it is
            // the grammar's).
            let usual = matches!(tokens.as_slice(), [v, " ", _, ")"] if v.len() <= 10);
            let agrees = rate_grammar(&text, false).is_some();
            if usual && agrees {
                prop_assert!(fast.is_some(), "{}", text);
            }
            if fast.is_some() {
                prop_assert!(agrees, "{}", text);
            }
        }
    }

    #[test]
    fn fast_path_handles_the_usual_forms() {
        for text in [
            "cron(0 16 ? * SUN#2 *)",
            "cron(0 8,12,16,20 * * ? *)",
            "cron(0 /8 * * ? *)",
            "cron(0  0 L * ? *)",
            "cron(0 10 ? JAN,APR,JUL,OCT 2#1 *)",
            "cron(15 10 ? * 6L 2026-2030)",
            "cron(0 12 L-3 * ? *)",
        ] {
            let p = Profile::EventBridge;
            assert!(fast(text, p).is_some(), "{text}");
            assert_eq!(fast(text, p), checked(text, p), "{text}");
        }
        for text in [
            "cron(0 16 ? * SUN#2 *) ",
            "cron( 0 16 ? * SUN#2 *)",
            "cron(0 16 ? * SUN#2 * )",
            "cron(0 16 ? * SUN#2)",
        ] {
            assert!(fast(text, Profile::EventBridge).is_none(), "{text}");
        }
    }
}
