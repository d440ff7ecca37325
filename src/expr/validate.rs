//! Rules beyond the grammar: the day-field `?` rule, the profiles, "never
//! fires", and Secrets Manager's four-hour minimum.

use std::ops::Range;

use super::compile::Compiled;
use super::error::{ErrorKind, Field, Warning};
use super::parse::{item_span, CronSpans};
use super::{Item, Profile, Rate, RateUnit, StepStart};

type RateError = (ErrorKind, Range<usize>, Field);
type CronError = (ErrorKind, Vec<Range<usize>>, Option<Field>);

/// Secrets Manager's minimum time between rotations.
pub(crate) const MIN_GAP_HOURS: u8 = 4;
/// Secrets Manager's longest rate, from the API's AutomaticallyAfterDays
/// (the user guide says 999; the API reference and console take 1000).
pub(crate) const MAX_RATE_DAYS: u32 = 1000;

pub(crate) fn rate(rate: &Rate, profile: Profile, value: Range<usize>, unit: Range<usize>) -> Result<(), RateError> {
    if profile != Profile::SecretsManager {
        return Ok(());
    }
    let n = rate.value().get();
    match rate.unit() {
        RateUnit::Minutes => Err((ErrorKind::SmRateMinutes, unit, Field::RateUnit)),
        RateUnit::Hours if n < MIN_GAP_HOURS as u32 => Err((ErrorKind::SmRateTooFrequent, value, Field::RateValue)),
        RateUnit::Days if n > MAX_RATE_DAYS => Err((ErrorKind::SmRateTooRare, value, Field::RateValue)),
        _ => Ok(()),
    }
}

/// The rules that need the field texts: the `?` rule and the profiles.
/// `warn`: whether to build the warnings (or only check).
pub(crate) fn cron(p: &CronSpans, profile: Profile, input: &[u8], warn: bool) -> Result<Vec<Warning>, CronError> {
    let dom_any = matches!(p.field(2), [Item::NoSpecific]);
    let dow_any = matches!(p.field(4), [Item::NoSpecific]);
    let days = || vec![p.field_spans[2].clone(), p.field_spans[4].clone()];
    match (dom_any, dow_any) {
        (false, false) => return Err((ErrorKind::DaysBothSet, days(), None)),
        (true, true) => return Err((ErrorKind::DaysBothAny, days(), None)),
        _ => {}
    }
    let mut warnings = Vec::new();
    match profile {
        Profile::SecretsManager => {
            let minutes = p.field(0);
            if !matches!(minutes, [Item::Value(v)] if v.get() == 0) {
                return Err((
                    ErrorKind::SmMinutes,
                    vec![p.field_spans[0].clone()],
                    Some(Field::Minutes),
                ));
            }
            if !matches!(p.field(5), [Item::All]) {
                return Err((ErrorKind::SmYear, vec![p.field_spans[5].clone()], Some(Field::Year)));
            }
            let undocumented = match p.field(2) {
                [Item::NearestWeekday(_)] => Some("`W`"),
                [Item::LastWeekday] => Some("`LW`"),
                [Item::LastOffset(_)] => Some("`L-n`"),
                _ => None,
            };
            if let Some(what) = undocumented.filter(|_| warn) {
                warnings.push(Warning::new(
                    format!("{what} in day-of-month is not documented for Secrets Manager"),
                    p.field_spans[2].clone(),
                    text(input),
                ));
            }
        }
        Profile::EventBridge | Profile::Scheduler => {
            let step = p.field(4).iter().position(|it| matches!(it, Item::Step(..)));
            if let Some(i) = step {
                return Err((
                    ErrorKind::EbDayOfWeekStep,
                    vec![item_span(text(input), &p.field_spans[4], i)],
                    Some(Field::DayOfWeek),
                ));
            }
        }
    }
    if warn {
        quartz_readings(p, input, &mut warnings);
    }
    Ok(warnings)
}

/// Warnings, in every profile, for what Quartz reads but AWS does not
/// document: wrap-around ranges (`SAT-SUN`, `22-2`) and a day name with
/// `L` (`FRIL`), one per item.
fn quartz_readings(p: &CronSpans, input: &[u8], warnings: &mut Vec<Warning>) {
    const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    for index in 0..5 {
        for (k, item) in p.field(index).iter().enumerate() {
            let message = match *item {
                Item::Range(a, c) | Item::Step(StepStart::Range(a, c), _) if a.get() > c.get() => {
                    "wrap-around range; AWS documents ascending ranges only".to_string()
                }
                Item::LastDayOfWeek(v) if v.is_named() => {
                    let n = v.get();
                    format!(
                        "`{}L` is read as `{n}L` (Quartz); AWS documents `{n}L`",
                        WEEKDAYS[n as usize - 1]
                    )
                }
                _ => continue,
            };
            let span = item_span(text(input), &p.field_spans[index], k);
            warnings.push(Warning::new(message, span, text(input)));
        }
    }
}

/// The input as text: only ASCII gets past the grammar, and it is read
/// only for a warning or an error.
fn text(input: &[u8]) -> &str {
    std::str::from_utf8(input).unwrap_or_default()
}

/// The rules that need the compiled sets: "never fires" and the minimum gap.
pub(crate) fn compiled(c: &Compiled, p: &CronSpans, profile: Profile) -> Result<(), CronError> {
    if !c.ever_fires() {
        let day = if matches!(p.field(2), [Item::NoSpecific]) { 4 } else { 2 };
        let mut spans = vec![p.field_spans[day].clone()];
        for i in [3, 5] {
            if !matches!(p.field(i), [Item::All]) {
                spans.push(p.field_spans[i].clone());
            }
        }
        return Err((ErrorKind::NeverFires, spans, None));
    }
    if profile == Profile::SecretsManager {
        if let Some((from, to, gap)) = c.hour_gap_below(MIN_GAP_HOURS) {
            return Err((
                ErrorKind::TooFrequent { from, to, gap },
                vec![p.field_spans[1].clone()],
                Some(Field::Hours),
            ));
        }
    }
    Ok(())
}
