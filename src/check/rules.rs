//! The rules per resource: rotation rules as a whole, EventBridge rules,
//! EventBridge Scheduler schedules. The readers fill [`Resource`]s; this
//! module turns them into checked [`Entry`]s.

use std::str::FromStr;

use crate::expr::{Profile, Schedule};
use crate::plan::{RotationRules, WindowDuration};

use super::pos::{Lines, Pos};
use super::resolve::Choice;
use super::tree::{Kind, Node};
use super::{Diagnostic, Entry, Options, Resolution, Rule};

/// What a reader knows beyond the node itself: the template's parameters,
/// the service's variables.
pub(crate) trait Context {
    /// The value of `node` when it is not a plain literal (an intrinsic, a
    /// variable); `None` to read it as written.
    fn resolve(&self, node: &Node) -> Option<Val>;
}

/// A value read from a file.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// A literal; `exact` when columns inside it are columns in the file.
    Lit { text: String, pos: Pos, exact: bool },
    /// Known at deploy time only.
    Skip { why: String, shown: String, pos: Pos },
    /// A mapping or list where a scalar belongs.
    Bad { what: &'static str, pos: Pos },
    /// Resolved before deploy: every value the files allow. `template` is
    /// what messages show before the bindings (`None` for a plain
    /// reference).
    Choices {
        written: String,
        template: Option<String>,
        pos: Pos,
        choices: Vec<Choice>,
    },
}

impl Val {
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Val::Lit { pos, .. } | Val::Skip { pos, .. } | Val::Bad { pos, .. } | Val::Choices { pos, .. } => *pos,
        }
    }

    /// A tree node as a value, resolved by `ctx`; `None` when absent or
    /// null.
    pub(crate) fn from_node(node: Option<&Node>, ctx: &dyn Context) -> Option<Val> {
        let node = node?;
        let pos = node.pos;
        if let Some(v) = ctx.resolve(node) {
            return Some(v);
        }
        Some(match &node.kind {
            Kind::Null => return None,
            Kind::Scalar { value, exact } => Val::Lit {
                text: value.clone(),
                pos,
                exact: *exact,
            },
            Kind::Intrinsic(name, _) => Val::Skip {
                why: format!("`{name}`, resolved at deploy time"),
                shown: name.clone(),
                pos,
            },
            Kind::Map(_) => Val::Bad { what: "a mapping", pos },
            Kind::Seq(_) => Val::Bad { what: "a list", pos },
        })
    }
}

/// A value and its property path.
#[derive(Debug, Clone)]
pub(crate) struct Prop {
    pub path: String,
    pub val: Val,
}

impl Prop {
    pub(crate) fn new(path: impl Into<String>, val: Option<Val>) -> Option<Prop> {
        val.map(|val| Prop { path: path.into(), val })
    }
}

/// Walks `keys` from `node`; an intrinsic on the way (`Properties: !If
/// ...`) stands for everything below it.
pub(crate) fn lookup(node: Option<&Node>, keys: &[&str], base: &str, ctx: &dyn Context) -> Option<Prop> {
    let mut node = node?;
    let mut path = base.to_owned();
    for key in keys {
        if let Kind::Intrinsic(..) = node.kind {
            return Prop::new(path, Val::from_node(Some(node), ctx));
        }
        node = node.get(key)?;
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    }
    Prop::new(path, Val::from_node(Some(node), ctx))
}

/// What a reader found.
#[derive(Debug)]
pub(crate) enum Resource {
    /// Secrets Manager rotation rules.
    Rotation {
        name: String,
        schedule: Option<Prop>,
        days: Option<Prop>,
        duration: Option<Prop>,
    },
    /// An EventBridge rule or a Scheduler schedule.
    Timed {
        name: String,
        profile: Profile,
        schedule: Option<Prop>,
        timezone: Option<Prop>,
        mode: Option<Prop>,
        window: Option<Prop>,
    },
}

pub(crate) fn check(found: Vec<Resource>, opts: &Options, _lines: &Lines<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for r in found {
        match r {
            Resource::Rotation {
                name,
                schedule,
                mut days,
                mut duration,
            } => {
                // `RotationRules: !If [...]` stands for all three: one value.
                let same =
                    |a: &Option<Prop>| matches!((a, &schedule), (Some(a), Some(s)) if a.val.pos() == s.val.pos());
                if same(&days) {
                    days = None;
                }
                if same(&duration) {
                    duration = None;
                }
                out.extend(resolved(vec![days, schedule, duration], |p| {
                    let mut out = Vec::new();
                    let mut p = p.into_iter();
                    let (days, schedule, duration) = (p.next().flatten(), p.next().flatten(), p.next().flatten());
                    rotation(&name, schedule, days, duration, opts, &mut out);
                    out
                }))
            }
            Resource::Timed {
                name,
                profile,
                schedule,
                timezone,
                mode,
                window,
            } => out.extend(resolved(vec![schedule, timezone, mode, window], |p| {
                let mut out = Vec::new();
                let mut p = p.into_iter();
                let (schedule, timezone) = (p.next().flatten(), p.next().flatten());
                let (mode, window) = (p.next().flatten(), p.next().flatten());
                let profile = opts.profile.unwrap_or(profile);
                timed(&name, profile, schedule, timezone, mode, window, &mut out);
                out
            })),
        }
    }
    out
}

/// At most this many combinations of resolved values per resource.
const MAX_COMBINATIONS: usize = 256;

/// Runs `run` (whose entries follow the present `props` in order) once per
/// combination of resolved values, and merges: each distinct error is one
/// diagnostic, saying which value breaks the rule and where it comes from.
fn resolved(mut props: Vec<Option<Prop>>, run: impl Fn(Vec<Option<Prop>>) -> Vec<Entry>) -> Vec<Entry> {
    let at: Vec<usize> = (0..props.len())
        .filter(|&k| matches!(props[k].as_ref().map(|p| &p.val), Some(Val::Choices { .. })))
        .collect();
    if at.is_empty() {
        return run(props);
    }
    let counts: Vec<usize> = at
        .iter()
        .map(|&k| match &props[k].as_ref().map(|p| &p.val) {
            Some(Val::Choices { choices, .. }) => choices.len(),
            _ => 1,
        })
        .collect();
    let total = counts
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n).filter(|&t| t <= MAX_COMBINATIONS));
    let Some(total) = total else {
        for &k in &at {
            if let Some(p) = props[k].as_mut() {
                let (shown, pos) = match &p.val {
                    Val::Choices { written, pos, .. } => (written.clone(), *pos),
                    _ => continue,
                };
                p.val = Val::Skip {
                    why: format!("more than {MAX_COMBINATIONS} combinations of values"),
                    shown,
                    pos,
                };
            }
        }
        return run(props);
    };
    let present: Vec<usize> = (0..props.len()).filter(|&k| props[k].is_some()).collect();
    let mut merged: Vec<Entry> = Vec::new();
    for combo in 0..total {
        let mut rest = combo;
        let mut chosen: Vec<Option<&Choice>> = vec![None; props.len()];
        let mut these = props.clone();
        for (i, &k) in at.iter().enumerate() {
            let Some(Prop {
                path,
                val: Val::Choices { choices, pos, .. },
            }) = &props[k]
            else {
                continue;
            };
            let c = &choices[rest % counts[i]];
            rest /= counts[i];
            chosen[k] = Some(c);
            these[k] = Some(Prop {
                path: path.clone(),
                val: Val::Lit {
                    text: c.value.clone(),
                    pos: *pos,
                    exact: false,
                },
            });
        }
        let out = run(these);
        if out.len() != present.len() {
            return out;
        }
        let first = merged.is_empty();
        for (j, mut e) in out.into_iter().enumerate() {
            let k = present[j];
            let (own, template) = match (&props[k], chosen[k]) {
                (
                    Some(Prop {
                        val: Val::Choices { template, .. },
                        ..
                    }),
                    Some(c),
                ) => (vec![c], template.as_deref()),
                _ => (chosen.iter().flatten().copied().collect(), None),
            };
            let errors = std::mem::take(&mut e.errors);
            let warnings = std::mem::take(&mut e.warnings);
            if first {
                if let Some(Prop {
                    val: Val::Choices { written, choices, .. },
                    ..
                }) = &props[k]
                {
                    e.value = written.clone();
                    e.resolved = choices.clone();
                }
                merged.push(e);
            }
            let m = &mut merged[j];
            for (list, into) in [(errors, &mut m.errors), (warnings, &mut m.warnings)] {
                for mut d in list {
                    d.message = decorate(template, &own, &d.message);
                    d.resolved = resolution(&own);
                    if !into.iter().any(|x| x.rule == d.rule && x.message == d.message) {
                        into.push(d);
                    }
                }
            }
        }
    }
    merged
}

/// `rate(${Days} days) with Days=1001 (Parameters.Days.AllowedValues[2], line 7): ...`
fn decorate(template: Option<&str>, choices: &[&Choice], message: &str) -> String {
    let binds: Vec<String> = choices
        .iter()
        .flat_map(|c| c.from.iter().map(|o| o.to_string()))
        .collect();
    let value = choices.first().map_or("", |c| c.value.as_str());
    let head = match (template, binds.is_empty()) {
        (Some(t), false) => format!("{t} with {}", binds.join(", ")),
        (None, false) => binds.join(", "),
        (Some(t), true) => format!("{t} as `{value}`"),
        (None, true) => format!("`{value}`"),
    };
    format!("{head}: {message}")
}

fn resolution(choices: &[&Choice]) -> Option<Resolution> {
    let first = choices.first()?;
    Some(Resolution {
        value: first.value.clone(),
        from: choices.iter().flat_map(|c| c.from.iter().cloned()).collect(),
    })
}

/// An entry for `prop`, before any rule: skipped, wrong type, or a literal
/// still to check (returned with its text).
fn entry(
    resource: Option<&str>,
    prop: &Prop,
    is_expression: bool,
    profile: Option<Profile>,
) -> (Entry, Option<String>) {
    let mut e = Entry {
        pos: prop.val.pos(),
        resource: resource.map(str::to_owned),
        path: (!prop.path.is_empty()).then(|| prop.path.clone()),
        profile,
        value: String::new(),
        is_expression,
        skipped: None,
        resolved: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    match &prop.val {
        Val::Lit { text, .. } => {
            e.value = text.clone();
            (e, Some(text.clone()))
        }
        Val::Skip { why, shown, .. } => {
            e.value = shown.clone();
            e.skipped = Some(why.clone());
            (e, None)
        }
        Val::Choices { written, .. } => {
            // Resolved values are checked one by one, never as a whole.
            e.value = written.clone();
            e.skipped = Some("several values".into());
            (e, None)
        }
        Val::Bad { what, pos } => {
            e.errors.push(Diagnostic::new(
                Rule::Type,
                *pos,
                format!("expected a string or a number, found {what}"),
            ));
            (e, None)
        }
    }
}

/// Checks a schedule expression value; returns its entry and, if valid, the
/// schedule.
pub(crate) fn expression(
    resource: Option<&str>,
    prop: &Prop,
    profile: Profile,
    opts: &Options,
) -> (Entry, Option<Schedule>) {
    let (mut e, text) = entry(resource, prop, true, Some(profile));
    let Some(text) = text else { return (e, None) };
    let (start, exact) = match prop.val {
        Val::Lit { pos, exact, .. } => (pos, exact),
        _ => unreachable!("literal"),
    };
    let at = |column: usize| if exact { start.right(column - 1) } else { start };
    // Long values are shown cut; the caret drawing would echo them whole.
    let long = text.len() > 256;
    match Schedule::check(text.as_bytes(), profile) {
        Ok(c) => {
            for w in &c.warnings {
                e.warnings.push(Diagnostic {
                    rule: Rule::Expression,
                    message: w.message().to_owned(),
                    pos: at(w.column()),
                    found: None,
                    detail: (!long).then(|| format!("{w:#}")),
                    resolved: None,
                });
            }
            if profile == Profile::SecretsManager {
                if let Some(max) = opts.max_interval {
                    if let Some(d) = crate::plan::exceeds_interval(&c.schedule, max) {
                        e.errors.push(Diagnostic::new(Rule::MaxInterval, start, d));
                    }
                }
            }
            (e, Some(c.schedule))
        }
        Err(err) => {
            e.errors.push(Diagnostic {
                rule: Rule::Expression,
                message: err.message(),
                pos: at(err.column()),
                found: Some(super::shown(err.found())),
                detail: (!long).then(|| format!("{err:#}")),
                resolved: None,
            });
            (e, None)
        }
    }
}

fn rotation(
    name: &str,
    schedule: Option<Prop>,
    days: Option<Prop>,
    duration: Option<Prop>,
    opts: &Options,
    out: &mut Vec<Entry>,
) {
    let profile = opts.profile.unwrap_or(Profile::SecretsManager);
    let mut effective: Option<Schedule> = None;
    let mut schedule_at = None;
    if let Some(p) = &days {
        let (mut e, text) = entry(Some(name), p, false, Some(profile));
        if let Some(text) = text {
            match text.trim().parse::<u32>() {
                Ok(n @ 1..=1000) => {
                    let rate = if n == 1 {
                        "rate(1 day)".to_owned()
                    } else {
                        format!("rate({n} days)")
                    };
                    effective = Schedule::parse(&rate).ok();
                    if let (Some(max), Some(s)) = (opts.max_interval, &effective) {
                        if let Some(d) = crate::plan::exceeds_interval(s, max) {
                            e.errors.push(Diagnostic::new(Rule::MaxInterval, e.pos, d));
                        }
                    }
                }
                _ => e.errors.push(Diagnostic::new(
                    Rule::RotationDays,
                    e.pos,
                    format!(
                        "AutomaticallyAfterDays must be 1 to 1000, found {}",
                        super::shown(&text)
                    ),
                )),
            }
        }
        schedule_at = Some(out.len());
        out.push(e);
    }
    if let Some(p) = &schedule {
        let (e, s) = expression(Some(name), p, profile, opts);
        if let Some(days_at) = schedule_at.filter(|_| days.is_some()) {
            // On the value that was read, so that a skipped one still shows it.
            let both = "set AutomaticallyAfterDays or ScheduleExpression, not both";
            let on = if e.skipped.is_none() { None } else { Some(days_at) };
            match on {
                Some(at) => {
                    let pos = out[at].pos;
                    out[at].errors.push(Diagnostic::new(Rule::RotationExclusive, pos, both));
                    out.push(e);
                }
                None => {
                    let mut e = e;
                    e.errors.push(Diagnostic::new(Rule::RotationExclusive, e.pos, both));
                    out.push(e);
                }
            }
            schedule_at = Some(out.len() - 1);
        } else {
            effective = s;
            schedule_at = Some(out.len());
            out.push(e);
        }
    }
    let duration_value = match &duration {
        Some(p) => {
            let (mut e, text) = entry(Some(name), p, false, Some(profile));
            let mut parsed = None;
            if let Some(text) = text {
                match WindowDuration::from_str(&text) {
                    Ok(d) => parsed = Some(d),
                    Err(err) => e
                        .errors
                        .push(Diagnostic::new(Rule::RotationWindow, e.pos, err.to_string())),
                }
            }
            out.push(e);
            Some((out.len() - 1, parsed))
        }
        None => None,
    };
    let Some(s) = effective else { return };
    let (at, d) = match duration_value {
        Some((at, Some(d))) => (at, Some(d)),
        Some((_, None)) => return,
        None => match schedule_at {
            Some(at) => (at, None),
            None => return,
        },
    };
    if let Err(err) = RotationRules::new(s, d) {
        let pos = out[at].pos;
        out[at]
            .errors
            .push(Diagnostic::new(Rule::RotationWindow, pos, err.to_string()));
    }
}

#[allow(clippy::too_many_arguments)]
fn timed(
    name: &str,
    profile: Profile,
    schedule: Option<Prop>,
    timezone: Option<Prop>,
    mode: Option<Prop>,
    window: Option<Prop>,
    out: &mut Vec<Entry>,
) {
    let opts = Options::new();
    if let Some(p) = &schedule {
        out.push(expression(Some(name), p, profile, &opts).0);
    }
    if let Some(p) = &timezone {
        let (mut e, text) = entry(Some(name), p, false, Some(profile));
        if let Some(text) = text {
            if chrono_tz::Tz::from_str(&text).is_err() {
                e.errors.push(Diagnostic::new(
                    Rule::Timezone,
                    e.pos,
                    format!(
                        "unknown time zone `{}`; expected an IANA name such as `Europe/Paris` or `UTC`",
                        super::shown(&text)
                    ),
                ));
            }
        }
        out.push(e);
    }
    let mut mode_value = None;
    if let Some(p) = &mode {
        let (mut e, text) = entry(Some(name), p, false, Some(profile));
        if let Some(text) = text {
            match text.as_str() {
                "OFF" | "FLEXIBLE" => mode_value = Some((text, out.len())),
                _ => e.errors.push(Diagnostic::new(
                    Rule::FlexibleWindow,
                    e.pos,
                    format!("Mode must be OFF or FLEXIBLE, found `{}`", super::shown(&text)),
                )),
            }
        }
        out.push(e);
    }
    let mut has_window = false;
    if let Some(p) = &window {
        let (mut e, text) = entry(Some(name), p, false, Some(profile));
        has_window = true;
        if let Some(text) = text {
            match text.trim().parse::<u32>() {
                Ok(1..=1440) => {}
                _ => e.errors.push(Diagnostic::new(
                    Rule::FlexibleWindow,
                    e.pos,
                    format!(
                        "MaximumWindowInMinutes must be 1 to 1440, found {}",
                        super::shown(&text)
                    ),
                )),
            }
            if mode_value.as_ref().is_some_and(|(m, _)| m == "OFF") {
                e.errors.push(Diagnostic::new(
                    Rule::FlexibleWindow,
                    e.pos,
                    "MaximumWindowInMinutes is only allowed with Mode FLEXIBLE",
                ));
            }
        }
        out.push(e);
    }
    if let Some((m, at)) = mode_value {
        if m == "FLEXIBLE" && !has_window {
            let pos = out[at].pos;
            out[at].errors.push(Diagnostic::new(
                Rule::FlexibleWindow,
                pos,
                "Mode FLEXIBLE needs MaximumWindowInMinutes (1 to 1440)",
            ));
        }
    }
}
