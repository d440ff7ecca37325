//! The planner's iterator trusts one UTC-offset lookup when the next
//! occurrence is less than 48 hours after the last one with the same
//! offset: that holds only if no zone changes its offset twice within 48
//! hours. Check that for the zones the planner's tests use (the TZif files
//! of tzdata 2025 give at least 7 days between two offset changes in every
//! zone from 1970 on).

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

const ZONES: &[Tz] = &[
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Dublin,
    chrono_tz::America::St_Johns,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Africa::Casablanca,
    chrono_tz::Antarctica::Troll,
    chrono_tz::Pacific::Apia,
    chrono_tz::Asia::Gaza,
    chrono_tz::America::Noronha,
    chrono_tz::Antarctica::Casey,
];

/// Sampled every 4 hours from 1970 to 2200.
const STEP: i64 = 4 * 3600;
const WINDOW: i64 = 48 * 3600;

#[test]
fn offsets_change_at_most_once_in_48_hours() {
    for tz in ZONES {
        let offset = |s: i64| {
            tz.offset_from_utc_datetime(&DateTime::from_timestamp(s, 0).unwrap().naive_utc())
                .fix()
        };
        let mut last_change: Option<i64> = None;
        let mut changes = 0;
        let mut prev = offset(0);
        let mut s = STEP;
        while s < 7_289_654_400 {
            let now = offset(s);
            if now != prev {
                changes += 1;
                if let Some(at) = last_change {
                    // Two changes within one step show as one, or as
                    // none; any two seen are at least this far apart.
                    assert!(
                        s - at - STEP > WINDOW,
                        "{tz}: offset changes near {} and {}",
                        DateTime::from_timestamp(at, 0).unwrap(),
                        DateTime::from_timestamp(s, 0).unwrap()
                    );
                }
                last_change = Some(s);
                prev = now;
            }
            s += STEP;
        }
        assert!(changes > 0, "{tz} never changes offset: the check saw nothing");
    }
}
