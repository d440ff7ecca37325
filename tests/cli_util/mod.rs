//! Running the `plan` binary from the CLI tests.
#![allow(dead_code)] // each test target uses its own subset

use std::process::{Command, Output};

pub mod store;

/// `plan ARGS`, run to completion.
pub fn plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .output()
        .expect("run plan")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
