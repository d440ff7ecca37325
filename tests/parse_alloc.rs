//! Allocations per parse, counted by a global allocator that tallies the
//! calls made on the current thread.
//!
//! Goal (issue 10): at most 2 allocations to parse, validate and compile an
//! expression; a `Cron` keeps up to ten items inline, so the shared
//! expressions of `benches/parse.rs` take none (nor do `rate` and `at`),
//! and a longer one takes one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rotaplan::expr::{Profile, Schedule};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const SM: Profile = Profile::SecretsManager;
const EB: Profile = Profile::EventBridge;

#[test]
fn shared_expressions_allocate_at_most_twice() {
    let cases = [
        ("rate(10 days)", SM),
        ("rate(1 day)", SM),
        ("rate(5 minutes)", EB),
        ("cron(0 16 ? * SUN#2 *)", SM),
        ("cron(0 8,12,16,20 * * ? *)", SM),
        ("cron(0 /8 * * ? *)", SM),
        ("cron(0 0 L * ? *)", SM),
        ("cron(0 4 ? * MON-FRI *)", SM),
        ("cron(0 2 1/15 * ? *)", SM),
        ("cron(0 10 ? JAN,APR,JUL,OCT 2#1 *)", SM),
        ("cron(0 0 15W * ? *)", EB),
        ("cron(15 10 ? * 6L 2026-2030)", EB),
        ("cron(0 12 L-3 * ? *)", SM),
        ("cron(0 0,21 LW * ? *)", SM),
        ("cron(0 1,23 ? * 1#2 *)", SM),
        ("at(2027-03-14T02:30:00)", Profile::Scheduler),
    ];
    let mut report = Vec::new();
    for (expr, profile) in cases {
        // Warm up whatever is lazily initialised once per process.
        let _ = Schedule::parse_with(expr, profile).unwrap_or_else(|e| panic!("{expr}: {e:#}"));
        let n = allocations(|| {
            let s = Schedule::parse_with(std::hint::black_box(expr), profile);
            std::hint::black_box(s).unwrap();
        });
        report.push(format!("{n} {expr}"));
        assert!(n <= 2, "{expr}: {n} allocations");
        assert_eq!(n, 0, "{expr}: {n} allocations (none expected)");
    }
    eprintln!("allocations per parse:\n{}", report.join("\n"));
}

#[test]
fn the_counter_counts() {
    let n = allocations(|| {
        std::hint::black_box(vec![1u8; 10]);
    });
    assert_eq!(n, 1);
    // More than ten items spill to the heap: once, however many.
    let n = allocations(|| {
        std::hint::black_box(Schedule::parse_with("cron(0,5,10,15,20,25 * * * ? *)", EB).unwrap());
    });
    assert_eq!(n, 1);
    let minutes = (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(",");
    let long = format!("cron({minutes} 0,2,4,6,8,10,12,14,16,18,20,22 ? * 1,2,3,4,5,6,7 *)");
    assert!(long.len() <= 256, "{}", long.len());
    let n = allocations(|| {
        std::hint::black_box(Schedule::parse_with(&long, EB).unwrap());
    });
    assert_eq!(n, 1, "{long}");
}
