//! Fuzz `Schedule::check` with arbitrary bytes under every profile.
//!
//! - it must not panic;
//! - an accepted schedule prints (`Display`) to a canonical form that parses
//!   again under the same profile to an equal schedule, and prints the same;
//! - a rejected input yields an error whose spans lie within the input
//!   (`start <= end <= len`; `len..len` is end-of-input) and whose plain and
//!   alternate renderings do not panic;
//! - `Schedule::parse_with`, which takes the byte-level fast path where it
//!   can, returns exactly what `check` (always the grammar) returns: the same
//!   schedule or the same error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rotaplan::expr::{Profile, Schedule};

fuzz_target!(|data: &[u8]| {
    for profile in [Profile::SecretsManager, Profile::EventBridge, Profile::Scheduler] {
        check(data, profile);
    }
});

fn check(data: &[u8], profile: Profile) {
    let checked = Schedule::check(data, profile);
    if let Ok(text) = std::str::from_utf8(data) {
        let fast = Schedule::parse_with(text, profile);
        let grammar = checked.as_ref().map(|c| &c.schedule);
        assert_eq!(fast.as_ref(), grammar, "{profile}: parse_with and check disagree on {text:?}");
    }
    match checked {
        Ok(checked) => {
            let schedule = checked.schedule;
            let printed = schedule.to_string();
            let again = Schedule::parse_with(&printed, profile).unwrap_or_else(|err| {
                panic!(
                    "{profile}: canonical form {printed:?} of {:?} does not parse: {err:#}",
                    String::from_utf8_lossy(data)
                )
            });
            assert_eq!(
                again,
                schedule,
                "{profile}: {printed:?} of {:?} parses to a different schedule",
                String::from_utf8_lossy(data)
            );
            assert_eq!(again.to_string(), printed, "{profile}: canonical form is not stable");
            for w in &checked.warnings {
                let s = w.span();
                assert!(
                    s.start <= s.end && s.end <= data.len(),
                    "{profile}: warning span {s:?} outside input of {} bytes",
                    data.len()
                );
                let _ = format!("{w} {w:#}");
            }
        }
        Err(err) => {
            let s = err.span();
            assert!(
                s.start <= s.end && s.end <= data.len(),
                "{profile}: error span {s:?} outside input of {} bytes: {err:?}",
                data.len()
            );
            for s in err.spans() {
                assert!(
                    s.start <= s.end && s.end <= data.len(),
                    "{profile}: secondary span {s:?} outside input of {} bytes: {err:?}",
                    data.len()
                );
            }
            assert!(err.column() >= 1);
            let _ = format!("{err}");
            let _ = format!("{err:#}");
            let _ = format!("{err:?} {err:#?}");
            let _ = (err.message(), err.found(), err.field());
        }
    }
}
