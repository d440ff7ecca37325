//! `cron(...)`: every rule of the spec's cron section, accepted and rejected,
//! with the exact message, column and field.

mod util;

use rotaplan::expr::{Field, Item, Profile, Schedule, StepStart};
use util::{sched, sched_err, sched_with};

const SM: Profile = Profile::SecretsManager;
const EB: Profile = Profile::EventBridge;

#[test]
fn accepted_with_canonical_form() {
    // (input, profile, canonical Display)
    let table: &[(&str, Profile, &str)] = &[
        ("cron(0 16 ? * SUN#2 *)", SM, "cron(0 16 ? * SUN#2 *)"),
        ("cron(0 16 ? * sun#2 *)", SM, "cron(0 16 ? * SUN#2 *)"),
        ("cron(0   10  *  *  ?  *)", SM, "cron(0 10 * * ? *)"),
        ("cron(00 08 01 01 ? *)", SM, "cron(0 8 1 1 ? *)"),
        ("cron(0 /8 * * ? *)", SM, "cron(0 0/8 * * ? *)"),
        ("cron(0 0/8 * * ? *)", SM, "cron(0 0/8 * * ? *)"),
        ("cron(0 */6 * * ? *)", SM, "cron(0 */6 * * ? *)"),
        ("cron(0 2/10 * * ? *)", SM, "cron(0 2/10 * * ? *)"),
        ("cron(0 4-20/8 * * ? *)", SM, "cron(0 4-20/8 * * ? *)"),
        ("cron(0 8,12,16,20 * * ? *)", SM, "cron(0 8,12,16,20 * * ? *)"),
        ("cron(0 0 L * ? *)", SM, "cron(0 0 L * ? *)"),
        ("cron(0 0 1,15 * ? *)", SM, "cron(0 0 1,15 * ? *)"),
        ("cron(0 0 1-7 * ? *)", SM, "cron(0 0 1-7 * ? *)"),
        ("cron(0 0 1/10 * ? *)", SM, "cron(0 0 1/10 * ? *)"),
        ("cron(0 0 ? * MON-FRI *)", SM, "cron(0 0 ? * MON-FRI *)"),
        ("cron(0 0 ? * mon-Fri *)", SM, "cron(0 0 ? * MON-FRI *)"),
        ("cron(0 0 ? * 2-6 *)", SM, "cron(0 0 ? * 2-6 *)"),
        ("cron(0 0 ? * 1/2 *)", SM, "cron(0 0 ? * 1/2 *)"),
        ("cron(0 0 ? * L *)", SM, "cron(0 0 ? * L *)"),
        ("cron(0 0 ? * 6L *)", SM, "cron(0 0 ? * 6L *)"),
        ("cron(0 0 ? * 7#5 *)", SM, "cron(0 0 ? * 7#5 *)"),
        (
            "cron(0 10 ? jan,Apr,JUL,oct 2#1 *)",
            SM,
            "cron(0 10 ? JAN,APR,JUL,OCT 2#1 *)",
        ),
        ("cron(0 10 ? JAN-MAR/2 2#1 *)", SM, "cron(0 10 ? JAN-MAR/2 2#1 *)"),
        ("cron(0 10 1 */3 ? *)", SM, "cron(0 10 1 */3 ? *)"),
        // Undocumented for Secrets Manager but accepted with a warning.
        ("cron(0 10 15W * ? *)", SM, "cron(0 10 15W * ? *)"),
        ("cron(0 10 LW * ? *)", SM, "cron(0 10 LW * ? *)"),
        ("cron(0 10 L-3 * ? *)", SM, "cron(0 10 L-3 * ? *)"),
        // EventBridge: minutes, years, W, everything but `/` in day-of-week.
        ("cron(15 10 ? * 6L 2026-2030)", EB, "cron(15 10 ? * 6L 2026-2030)"),
        ("cron(0/15 * * * ? *)", EB, "cron(0/15 * * * ? *)"),
        ("cron(* * * * ? *)", EB, "cron(* * * * ? *)"),
        ("cron(0 0 29 2 ? 2028)", EB, "cron(0 0 29 2 ? 2028)"),
        ("cron(0 0 1 1 ? 1970,2199)", EB, "cron(0 0 1 1 ? 1970,2199)"),
        ("cron(0 0 1 1 ? 2000/50)", EB, "cron(0 0 1 1 ? 2000/50)"),
        ("cron(0 12 1W * ? *)", EB, "cron(0 12 1W * ? *)"),
        ("cron(0 12 31W * ? *)", EB, "cron(0 12 31W * ? *)"),
        ("cron(0 0,1,2 * * ? *)", EB, "cron(0 0,1,2 * * ? *)"),
        // Once a day at two hours 4+ apart within the day, on days that are never consecutive.
        ("cron(0 0,22 ? * MON *)", SM, "cron(0 0,22 ? * MON *)"),
        ("cron(0 0,4,8,12,16,20 * * ? *)", SM, "cron(0 0,4,8,12,16,20 * * ? *)"),
        // Exactly four hours across midnight is enough: 20:00 -> 00:00, 22:00 -> 02:00.
        ("cron(0 0/5 * * ? *)", SM, "cron(0 0/5 * * ? *)"),
        ("cron(0 2/10 * * ? *)", SM, "cron(0 2/10 * * ? *)"),
    ];
    for &(input, profile, canonical) in table {
        let s = sched_with(input, profile);
        assert_eq!(s.to_string(), canonical, "{input}");
        assert_eq!(
            Schedule::parse_with(canonical, profile).as_ref(),
            Ok(&s),
            "{input} round trip"
        );
    }
}

#[test]
fn typed_items() {
    let Schedule::Cron(c) = sched("cron(0 4-20/8 ? JAN-MAR 2#1 *)") else {
        panic!("not a cron")
    };
    assert_eq!(c.minutes().items(), &[Item::Value(0.into())]);
    assert!(matches!(c.hours().items(), [Item::Step(StepStart::Range(a, b), 8)] if a.get() == 4 && b.get() == 20));
    assert_eq!(c.day_of_month().items(), &[Item::NoSpecific]);
    assert!(matches!(c.month().items(), [Item::Range(a, b)] if a.get() == 1 && b.get() == 3 && a.is_named()));
    assert!(matches!(c.day_of_week().items(), [Item::Nth(v, 1)] if v.get() == 2 && !v.is_named()));
    assert_eq!(c.year().items(), &[Item::All]);
    let Schedule::Cron(c) = sched_with("cron(0 0 L-5 * ? *)", EB) else {
        panic!("not a cron")
    };
    assert_eq!(c.day_of_month().items(), &[Item::LastOffset(5)]);
    let Schedule::Cron(c) = sched_with("cron(0 0 LW * ? *)", EB) else {
        panic!("not a cron")
    };
    assert_eq!(c.day_of_month().items(), &[Item::LastWeekday]);
    let Schedule::Cron(c) = sched_with("cron(0 0 9W * ? *)", EB) else {
        panic!("not a cron")
    };
    assert_eq!(c.day_of_month().items(), &[Item::NearestWeekday(9)]);
    let Schedule::Cron(c) = sched_with("cron(0 0 ? * 6L *)", EB) else {
        panic!("not a cron")
    };
    assert_eq!(c.day_of_week().items(), &[Item::LastDayOfWeek(6.into())]);
}

/// (input, profile, Display, field)
type Rejected = (&'static str, Profile, &'static str, Option<Field>);

#[test]
fn rejected_by_grammar() {
    let table: &[Rejected] = &[
        ("", EB, "empty expression; expected `rate(...)` or `cron(...)` (at column 1)", None),
        ("cron(0 10 * * ?)", EB, "cron needs 6 fields (minutes hours day-of-month month day-of-week year), found 5 (found \")\" at column 16)", None),
        ("cron(0 10 * * ? * 2020)", EB, "cron needs 6 fields (minutes hours day-of-month month day-of-week year), found 7 (found \"2020\" at column 19)", None),
        ("cron(0 10 * * ? *", EB, "expected `)` (at column 18)", Some(Field::Year)),
        ("cron()", EB, "expected a cron field (found \")\" at column 6)", Some(Field::Minutes)),
        ("cron( 0 10 * * ? *)", EB, "expected a cron field (found \" \" at column 6)", Some(Field::Minutes)),
        ("cron(0 10 * * ? *)x", EB, "expected end of expression after `)` (found \"x\" at column 19)", None),
        ("cron(0 10 * * ? *) é", EB, "unexpected character; expressions use only letters, digits, spaces and ( ) # ? * - / , (found \"é\" at column 20)", None),
        ("cron(0\t10 * * ? *)", EB, "unexpected character; expressions use only letters, digits, spaces and ( ) # ? * - / , (found \"\\t\" at column 7)", None),
        // Ranges of values.
        ("cron(60 10 * * ? *)", EB, "minutes value out of range; expected 0-59 (found \"60\" at column 6)", Some(Field::Minutes)),
        ("cron(0 24 * * ? *)", EB, "hours value out of range; expected 0-23 (found \"24\" at column 8)", Some(Field::Hours)),
        ("cron(0 10 0 * ? *)", EB, "day-of-month value out of range; expected 1-31 (found \"0\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 32 * ? *)", EB, "day-of-month value out of range; expected 1-31 (found \"32\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 1 13 ? *)", EB, "month value out of range; expected 1-12 (found \"13\" at column 13)", Some(Field::Month)),
        ("cron(0 10 ? * 0 *)", EB, "day-of-week value out of range; expected 1-7 (found \"0\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 8 *)", EB, "day-of-week value out of range; expected 1-7 (found \"8\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 * * ? 1969)", EB, "year value out of range; expected 1970-2199 (found \"1969\" at column 17)", Some(Field::Year)),
        ("cron(0 10 * * ? 2200)", EB, "year value out of range; expected 1970-2199 (found \"2200\" at column 17)", Some(Field::Year)),
        ("cron(0 99999999999 * * ? *)", EB, "hours value out of range; expected 0-23 (found \"99999999999\" at column 8)", Some(Field::Hours)),
        // Names.
        ("cron(0 10 ? FOO * *)", EB, "unknown month; expected JAN-DEC or 1-12 (found \"FOO\" at column 13)", Some(Field::Month)),
        ("cron(0 10 ? * MONDAY *)", EB, "unknown day-of-week; expected SUN-SAT or 1-7 (found \"MONDAY\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 TEN * * ? *)", EB, "names are not allowed in hours; expected a number (found \"TEN\" at column 8)", Some(Field::Hours)),
        ("cron(0 10 JAN * ? *)", EB, "names are not allowed in day-of-month; expected a number (found \"JAN\" at column 11)", Some(Field::DayOfMonth)),
        // Ranges a-c with a > c wrap around (see `wrap_around_ranges`), but years never do; steps.
        ("cron(0 0 1 1 ? 2030-2020)", EB, "year range runs backwards; the start must not be after the end (found \"2030-2020\" at column 16)", Some(Field::Year)),
        ("cron(0 0 1 1 ? 2030-2020/2)", EB, "year range runs backwards; the start must not be after the end (found \"2030-2020\" at column 16)", Some(Field::Year)),
        ("cron(0 0 1 1 ? 2021,2199-1970)", EB, "year range runs backwards; the start must not be after the end (found \"2199-1970\" at column 21)", Some(Field::Year)),
        ("cron(0 0/0 * * ? *)", EB, "hours step out of range; expected 1-24 (found \"0\" at column 10)", Some(Field::Hours)),
        ("cron(0/61 0 * * ? *)", EB, "minutes step out of range; expected 1-60 (found \"61\" at column 8)", Some(Field::Minutes)),
        ("cron(0 0/ * * ? *)", EB, "expected a step number after `/` (at column 10)", Some(Field::Hours)),
        ("cron(0 0-/2 * * ? *)", EB, "expected a number (found \"/\" at column 10)", Some(Field::Hours)),
        // Lists.
        ("cron(0 1,,2 * * ? *)", EB, "expected an item between commas (found \",\" at column 10)", Some(Field::Hours)),
        ("cron(0 1,2, * * ? *)", EB, "expected an item after `,` (at column 12)", Some(Field::Hours)),
        ("cron(0 ,1 * * ? *)", EB, "expected a number (found \",\" at column 8)", Some(Field::Hours)),
        ("cron(0 *,1 * * ? *)", EB, "`*` must be the only item in hours (found \"*\" at column 8)", Some(Field::Hours)),
        // `?` and the day fields.
        ("cron(0 10 15 * MON *)", EB, "day-of-month and day-of-week cannot both be set; one must be `?` (found \"15\" at column 11)", None),
        ("cron(0 10 * * * *)", EB, "day-of-month and day-of-week cannot both be set; one must be `?` (found \"*\" at column 11)", None),
        ("cron(0 10 ? * ? *)", EB, "day-of-month and day-of-week cannot both be `?`; set one of them (found \"?\" at column 11)", None),
        ("cron(0 ? * * ? *)", EB, "`?` is not allowed in hours (found \"?\" at column 8)", Some(Field::Hours)),
        ("cron(0 10 ?,1 * ? *)", EB, "`?` must be the only item in day-of-month (found \"?\" at column 11)", Some(Field::DayOfMonth)),
        // L, W, #.
        ("cron(0 L * * ? *)", EB, "`L` is not allowed in hours (found \"L\" at column 8)", Some(Field::Hours)),
        ("cron(0 1L * * ? *)", EB, "expected `,`, `-`, `/` or a space (found \"L\" at column 9)", Some(Field::Hours)),
        ("cron(0 10 L-0 * ? *)", EB, "`L-n` out of range; expected `L-1` to `L-30` (found \"0\" at column 13)", Some(Field::DayOfMonth)),
        ("cron(0 10 L-31 * ? *)", EB, "`L-n` out of range; expected `L-1` to `L-30` (found \"31\" at column 13)", Some(Field::DayOfMonth)),
        ("cron(0 10 L,15 * ? *)", EB, "`L` must be the only item in day-of-month (found \"L\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 15W,3 * ? *)", EB, "`nW` must be the only item in day-of-month (found \"15W\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 32W * ? *)", EB, "day-of-month value out of range; expected 1-31 (found \"32\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 1-5W * ? *)", EB, "expected `,`, `-`, `/`, `W` or a space (found \"W\" at column 14)", Some(Field::DayOfMonth)),
        ("cron(0 10 LW,1 * ? *)", EB, "`LW` must be the only item in day-of-month (found \"LW\" at column 11)", Some(Field::DayOfMonth)),
        ("cron(0 10 ? * LW *)", EB, "`LW` is not allowed in day-of-week (found \"LW\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 3#1,6#3 *)", EB, "`n#k` must be the only item in day-of-week (found \"3#1\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 3#6 *)", EB, "`#k` out of range; expected `#1` to `#5` (found \"6\" at column 17)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 3#0 *)", EB, "`#k` out of range; expected `#1` to `#5` (found \"0\" at column 17)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 8#1 *)", EB, "day-of-week value out of range; expected 1-7 (found \"8\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * 6L,2 *)", EB, "`nL` must be the only item in day-of-week (found \"6L\" at column 15)", Some(Field::DayOfWeek)),
        // A day name then `L` is day-of-week's alone; `L` is upper-case.
        ("cron(0 10 ? * FRIl *)", EB, "unknown day-of-week; expected SUN-SAT or 1-7 (found \"FRIl\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? * FRIL,MON *)", EB, "`nL` must be the only item in day-of-week (found \"FRIL\" at column 15)", Some(Field::DayOfWeek)),
        ("cron(0 10 ? JANL * *)", EB, "unknown month; expected JAN-DEC or 1-12 (found \"JANL\" at column 13)", Some(Field::Month)),
        ("cron(0 10 ? * FRIL#2 *)", EB, "expected `,`, `-`, `/`, `L`, `#` or a space (found \"#\" at column 19)", Some(Field::DayOfWeek)),
        ("cron(0 10 1#2 * ? *)", EB, "expected `,`, `-`, `/`, `W` or a space (found \"#\" at column 12)", Some(Field::DayOfMonth)),
    ];
    check_rejected(table);
}

#[test]
fn rejected_by_profile() {
    let table: &[Rejected] = &[
        ("cron(30 10 * * ? *)", SM, "minutes must be 0 for Secrets Manager rotation (found \"30\" at column 6)", Some(Field::Minutes)),
        ("cron(* 10 * * ? *)", SM, "minutes must be 0 for Secrets Manager rotation (found \"*\" at column 6)", Some(Field::Minutes)),
        ("cron(0,30 10 * * ? *)", SM, "minutes must be 0 for Secrets Manager rotation (found \"0,30\" at column 6)", Some(Field::Minutes)),
        ("cron(0 10 * * ? 2030)", SM, "year must be `*` for Secrets Manager rotation (found \"2030\" at column 17)", Some(Field::Year)),
        ("cron(0 10 ? * 1/2 *)", EB, "`/` is not allowed in day-of-week for EventBridge (found \"1/2\" at column 15)", Some(Field::DayOfWeek)),
        // The four-hour minimum, from real occurrences.
        ("cron(0 1,2 * * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 01:00 and 02:00 are 1 hour apart (found \"1,2\" at column 8)", Some(Field::Hours)),
        ("cron(0 22,0 * * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 22:00 and 00:00 the next day are 2 hours apart (found \"22,0\" at column 8)", Some(Field::Hours)),
        ("cron(0 */3 * * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 00:00 and 03:00 are 3 hours apart (found \"*/3\" at column 8)", Some(Field::Hours)),
        ("cron(0 0/7 * * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 21:00 and 00:00 the next day are 3 hours apart (found \"0/7\" at column 8)", Some(Field::Hours)),
        // Consecutive days through a month boundary: the 31st and the 1st.
        ("cron(0 1,23 1,31 * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 23:00 and 01:00 the next day are 2 hours apart (found \"1,23\" at column 8)", Some(Field::Hours)),
        // Wrap-around hours count as the hours they name: 22-2 is 22, 23, 0, 1, 2.
        ("cron(0 22-2 ? * MON *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 00:00 and 01:00 are 1 hour apart (found \"22-2\" at column 8)", Some(Field::Hours)),
        // 21-3/3 is 21, 0, 3.
        ("cron(0 21-3/3 * * ? *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 00:00 and 03:00 are 3 hours apart (found \"21-3/3\" at column 8)", Some(Field::Hours)),
        // 1,23 on Saturday then Sunday, written as a wrap.
        ("cron(0 1,23 ? * SAT-SUN *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 23:00 and 01:00 the next day are 2 hours apart (found \"1,23\" at column 8)", Some(Field::Hours)),
        ("cron(0 1,23 ? * SAT,SUN *)", SM, "rotations must be at least 4 hours apart for Secrets Manager, but 23:00 and 01:00 the next day are 2 hours apart (found \"1,23\" at column 8)", Some(Field::Hours)),
    ];
    check_rejected(table);
}

#[test]
fn never_fires() {
    let table: &[Rejected] = &[
        ("cron(0 0 30 2 ? *)", SM, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"30\" at column 10)", None),
        ("cron(0 0 31 4,6,9,11 ? *)", SM, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"31\" at column 10)", None),
        ("cron(0 0 31 4,6 ? 2030)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"31\" at column 10)", None),
        ("cron(0 0 29 2 ? 2027)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"29\" at column 10)", None),
        ("cron(0 0 29 2 ? 2100)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"29\" at column 10)", None),
        ("cron(0 0 30W 2 ? *)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"30W\" at column 10)", None),
        ("cron(0 0 L-29 2 ? *)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"L-29\" at column 10)", None),
        // February 2026 starts on a Sunday and has four of every weekday.
        ("cron(0 0 ? 2 1#5 2026)", EB, "this schedule never fires: no date in 1970-2199 matches its day, month and year fields (found \"1#5\" at column 14)", None),
    ];
    check_rejected(table);
    // February 2032 is a leap month starting on a Sunday: it has a fifth Sunday.
    sched_with("cron(0 0 ? 2 1#5 2032)", EB);
    sched_with("cron(0 0 29 2 ? 2028)", EB);
    sched_with("cron(0 0 L-28 2 ? *)", EB);
    assert!(sched_err("cron(0 0 30 2 ? *)", SM).is_never_fires());
}

#[test]
fn warnings_for_undocumented_secrets_manager_constructs() {
    for (input, what) in [
        ("cron(0 10 15W * ? *)", "`W`"),
        ("cron(0 10 LW * ? *)", "`LW`"),
        ("cron(0 10 L-3 * ? *)", "`L-n`"),
    ] {
        let checked = Schedule::check(input.as_bytes(), SM).unwrap();
        assert_eq!(checked.warnings.len(), 1, "{input}");
        let w = &checked.warnings[0];
        assert_eq!(
            w.message(),
            format!("{what} in day-of-month is not documented for Secrets Manager")
        );
        assert_eq!(w.column(), 11);
        let eb = Schedule::check(input.as_bytes(), EB).unwrap();
        assert!(eb.warnings.is_empty(), "{input} under EventBridge");
    }
    assert!(Schedule::check(b"cron(0 10 L * ? *)", SM).unwrap().warnings.is_empty());
}

/// (input, profile, canonical Display, warnings as (message, span))
type Warned = (
    &'static str,
    Profile,
    &'static str,
    &'static [(&'static str, std::ops::Range<usize>)],
);

const WRAP: &str = "wrap-around range; AWS documents ascending ranges only";

#[test]
fn wrap_around_ranges_and_day_names_with_l_are_accepted_with_a_warning() {
    let table: &[Warned] = &[
        (
            "cron(0 10 ? * SAT-SUN *)",
            SM,
            "cron(0 10 ? * SAT-SUN *)",
            &[(WRAP, 14..21)],
        ),
        (
            "cron(0 10 ? * sat-Sun *)",
            EB,
            "cron(0 10 ? * SAT-SUN *)",
            &[(WRAP, 14..21)],
        ),
        (
            "cron(0 10 ? * FRI-MON *)",
            EB,
            "cron(0 10 ? * FRI-MON *)",
            &[(WRAP, 14..21)],
        ),
        ("cron(0 10 ? * 7-1 *)", EB, "cron(0 10 ? * 7-1 *)", &[(WRAP, 14..17)]),
        ("cron(0 22-2 ? * MON *)", EB, "cron(0 22-2 ? * MON *)", &[(WRAP, 7..11)]),
        ("cron(0 22-2/2 * * ? *)", EB, "cron(0 22-2/2 * * ? *)", &[(WRAP, 7..13)]),
        (
            "cron(0 1,22-2 ? * MON *)",
            EB,
            "cron(0 1,22-2 ? * MON *)",
            &[(WRAP, 9..13)],
        ),
        (
            "cron(0 10 1 NOV-FEB ? *)",
            SM,
            "cron(0 10 1 NOV-FEB ? *)",
            &[(WRAP, 12..19)],
        ),
        ("cron(0 10 1 11-2 ? *)", SM, "cron(0 10 1 11-2 ? *)", &[(WRAP, 12..16)]),
        ("cron(50-10 10 * * ? *)", EB, "cron(50-10 10 * * ? *)", &[(WRAP, 5..10)]),
        ("cron(0 10 25-5 * ? *)", SM, "cron(0 10 25-5 * ? *)", &[(WRAP, 10..14)]),
        (
            "cron(0 10 25-05/2 * ? *)",
            SM,
            "cron(0 10 25-5/2 * ? *)",
            &[(WRAP, 10..17)],
        ),
        // Day-of-week steps are Secrets Manager's: SAT-MON/2 is Saturday, Monday.
        (
            "cron(0 10 ? * SAT-MON/2 *)",
            SM,
            "cron(0 10 ? * SAT-MON/2 *)",
            &[(WRAP, 14..23)],
        ),
        // Exactly four hours apart, across midnight: 20, 0, 4 and 22, 2.
        ("cron(0 20-4/4 * * ? *)", SM, "cron(0 20-4/4 * * ? *)", &[(WRAP, 7..13)]),
        ("cron(0 22-2/4 * * ? *)", SM, "cron(0 22-2/4 * * ? *)", &[(WRAP, 7..13)]),
        // One warning per wrap, in field order.
        (
            "cron(0 22-2 ? NOV-FEB SAT-SUN *)",
            EB,
            "cron(0 22-2 ? NOV-FEB SAT-SUN *)",
            &[(WRAP, 7..11), (WRAP, 14..21), (WRAP, 22..29)],
        ),
        // Secrets Manager's own warning comes first.
        (
            "cron(0 10 15W NOV-FEB ? *)",
            SM,
            "cron(0 10 15W NOV-FEB ? *)",
            &[
                ("`W` in day-of-month is not documented for Secrets Manager", 10..13),
                (WRAP, 14..21),
            ],
        ),
        // A day name then `L`: the last such day of the month.
        (
            "cron(0 10 ? * FRIL *)",
            SM,
            "cron(0 10 ? * FRIL *)",
            &[("`FRIL` is read as `6L` (Quartz); AWS documents `6L`", 14..18)],
        ),
        (
            "cron(0 10 ? * sunL *)",
            EB,
            "cron(0 10 ? * SUNL *)",
            &[("`SUNL` is read as `1L` (Quartz); AWS documents `1L`", 14..18)],
        ),
        // Not wraps: ascending, and a range of one value.
        ("cron(0 10 ? * MON-FRI *)", EB, "cron(0 10 ? * MON-FRI *)", &[]),
        ("cron(0 10 ? * MON-MON *)", EB, "cron(0 10 ? * MON-MON *)", &[]),
        ("cron(0 10 ? * 6L *)", EB, "cron(0 10 ? * 6L *)", &[]),
        ("cron(0 0 1 1 ? 2020-2030)", EB, "cron(0 0 1 1 ? 2020-2030)", &[]),
    ];
    for &(input, profile, canonical, want) in table {
        let checked = Schedule::check(input.as_bytes(), profile).unwrap_or_else(|e| panic!("{input}: {e}"));
        let got: Vec<(&str, std::ops::Range<usize>)> =
            checked.warnings.iter().map(|w| (w.message(), w.span())).collect();
        assert_eq!(got, want.to_vec(), "{input} under {profile}");
        // The same schedule with or without warnings asked for (the fast
        // path takes no wraps), and Display prints it back as written.
        assert_eq!(sched_with(input, profile), checked.schedule, "{input}");
        assert_eq!(checked.schedule.to_string(), canonical, "{input}");
        assert_eq!(sched_with(canonical, profile), checked.schedule, "{input} round trip");
    }
}

#[test]
fn wrap_around_items_keep_what_was_written() {
    let Schedule::Cron(c) = sched_with("cron(50-10 22-2/2 25-5 NOV-FEB ? *)", EB) else {
        panic!("not a cron")
    };
    assert!(matches!(c.minutes().items(), [Item::Range(a, b)] if (a.get(), b.get()) == (50, 10)));
    assert!(matches!(c.hours().items(), [Item::Step(StepStart::Range(a, b), 2)] if (a.get(), b.get()) == (22, 2)));
    assert!(matches!(c.day_of_month().items(), [Item::Range(a, b)] if (a.get(), b.get()) == (25, 5)));
    assert!(matches!(c.month().items(), [Item::Range(a, b)] if (a.get(), b.get()) == (11, 2) && a.is_named()));
    let Schedule::Cron(c) = sched_with("cron(0 0 ? * FRIL *)", EB) else {
        panic!("not a cron")
    };
    assert!(matches!(c.day_of_week().items(), [Item::LastDayOfWeek(v)] if v.get() == 6 && v.is_named()));
}

#[test]
fn diagnostics_draw_carets_under_every_span() {
    let err = sched_err("cron(0 10 15 * MON *)", EB);
    assert_eq!(err.spans(), &[10..12, 15..18]);
    assert_eq!(
        format!("{err:#}"),
        "error: day-of-month and day-of-week cannot both be set; one must be `?`\n  | cron(0 10 15 * MON *)\n  |           ^^   ^^^"
    );
    let err = sched_err("cron(0 10 * * ? *", EB);
    assert_eq!(
        format!("{err:#}"),
        "error: expected `)`\n  | cron(0 10 * * ? *\n  |                  ^"
    );
    let err = sched_err("cron(0 10 * * ? *) é", EB);
    assert_eq!(err.column(), 20);
    assert_eq!(format!("{err:#}").lines().last(), Some("  |                    ^"));
}

#[test]
fn non_utf8_and_oversized_inputs() {
    let err = Schedule::check(b"cron(0 \xff * * ? *)", EB).unwrap_err();
    assert_eq!(err.message(), "expression is not valid UTF-8");
    assert_eq!(err.span(), 7..8);
    let long = format!("cron(0 10 * * ? *){}", " ".repeat(300));
    let err = sched_err(&long, EB);
    assert_eq!(err.message(), "expression is 318 bytes long; at most 256 are allowed");
    assert_eq!(err.column(), 257);
    let huge = vec![b'('; 1 << 20];
    assert!(Schedule::check(&huge, EB).is_err());
}

#[track_caller]
fn check_rejected(table: &[Rejected]) {
    for &(input, profile, message, field) in table {
        let err = sched_err(input, profile);
        assert_eq!(err.to_string(), message, "{input} under {profile}");
        assert_eq!(err.field(), field, "field of {input} under {profile}");
        let span = err.span();
        assert!(
            span.start <= span.end && span.end <= input.len(),
            "span {span:?} of {input}"
        );
    }
}
