//! Fuzz `rotaplan::check::check_file` with arbitrary bytes as every kind of
//! file (YAML, JSON, HCL, list, standard input):
//!
//! - it must not panic, whatever the bytes;
//! - every position it reports is a real line and column (1-based);
//! - every report format renders without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rotaplan::check::{check_file, Format, Options, Report};

fuzz_target!(|data: &[u8]| {
    let mut report = Report::new();
    for name in [Some("t.yaml"), Some("t.json"), Some("t.tf"), Some("t.tf.json"), Some("t.txt"), None] {
        let result = check_file(name, data, &Options::new());
        match &result {
            Ok(entries) => {
                for e in entries {
                    assert!(e.pos.line >= 1 && e.pos.column >= 1, "{e:?}");
                    for d in e.errors.iter().chain(&e.warnings) {
                        assert!(d.pos.line >= 1 && d.pos.column >= 1, "{d:?}");
                    }
                }
            }
            Err(err) => {
                assert!(err.pos.line >= 1 && err.pos.column >= 1, "{err:?}");
                let _ = err.to_string();
            }
        }
        report.push(name.unwrap_or("-"), result);
    }
    for format in [Format::Text, Format::Github, Format::Json, Format::Sarif] {
        report.write(format, &mut std::io::sink()).unwrap();
    }
});
