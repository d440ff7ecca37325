//! Text inside comments is never a finding: YAML `#`, HCL `#`, `//` and
//! `/* */`. Whatever a comment holds (commented-out bad expressions, keys,
//! quotes, braces), the file reads exactly as without it.

use proptest::prelude::*;
use rotaplan::check::{check_file, Entry, Options};

const YAML: &str = "Resources:\n  Rotation:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      \
                    RotationRules:\n        ScheduleExpression: rate(10 days){C}\n{L}        Duration: 2h\n  Rule:\n    \
                    Type: AWS::Events::Rule\n{L}    Properties: {ScheduleExpression: rate(5 minutes)}{C}\n";

const HCL: &str = "resource \"aws_secretsmanager_secret_rotation\" \"db\" {{C}\n{L}  rotation_rules {\n    \
                   schedule_expression = \"rate(10 days)\"{C}\n    duration = {B}\"2h\"\n  }\n}\n{L}";

/// What a file gave, without positions (comments move lines).
fn shape(entries: &[Entry]) -> Vec<(Option<String>, Option<String>, String, bool)> {
    entries
        .iter()
        .map(|e| (e.resource.clone(), e.path.clone(), e.value.clone(), e.is_valid()))
        .collect()
}

fn comment_text() -> impl Strategy<Value = String> {
    let bad = prop_oneof![
        Just("ScheduleExpression: rate(0 days)".to_owned()),
        Just("schedule_expression = \"rate(1 minutes)\"".to_owned()),
        Just("  Duration: 99h".to_owned()),
        Just("\"ScheduleExpression\": \"cron(0 1,2 * * ? *)\", {[".to_owned()),
        Just("EOT <<EOT ${var.x} */".to_owned()),
    ];
    // Printable text; YAML and HCL end a line comment at a line break.
    let any = "[^\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{2028}\\u{2029}\\u{feff}]{0,40}";
    (bad, any, any).prop_map(|(b, x, y)| format!("{x}{b}{y}"))
}

fn baseline(name: &str, template: &str) -> Vec<(Option<String>, Option<String>, String, bool)> {
    let clean = template.replace("{C}", "").replace("{L}", "").replace("{B}", "");
    shape(&check_file(Some(name), clean.as_bytes(), &Options::new()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_hash_comments(text in comment_text(), indent in 0usize..8) {
        let file = YAML
            .replace("{C}", &format!(" # {text}"))
            .replace("{L}", &format!("{}#{text}\n", " ".repeat(indent)));
        let found = check_file(Some("t.yaml"), file.as_bytes(), &Options::new());
        let found = found.unwrap_or_else(|e| panic!("{e}\n{file}"));
        prop_assert_eq!(shape(&found), baseline("t.yaml", YAML));
        prop_assert!(found.iter().all(Entry::is_valid));
    }

    #[test]
    fn hcl_comments(text in comment_text(), style in 0usize..3) {
        let (line, trailing) = match style {
            0 => (format!("# {text}\n"), format!(" # {text}")),
            1 => (format!("// {text}\n"), format!(" // {text}")),
            _ => {
                let inner = text.replace("*/", "* /");
                (format!("/* {inner}\n{inner} */\n"), format!(" /* {inner} */"))
            }
        };
        let block = format!("/* {} */ ", text.replace("*/", "* /"));
        let file = HCL.replace("{L}", &line).replace("{C}", &trailing).replace("{B}", &block);
        let found = check_file(Some("t.tf"), file.as_bytes(), &Options::new());
        let found = found.unwrap_or_else(|e| panic!("{e}\n{file}"));
        prop_assert_eq!(shape(&found), baseline("t.tf", HCL));
        prop_assert!(found.iter().all(Entry::is_valid));
    }
}

/// The fixtures, each with the name that decides how it is read.
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    [
        "cfn.yaml",
        "cfn.json",
        "cdk.template.json",
        "sam.yaml",
        "serverless.yml",
        "schedules.tf",
    ]
    .into_iter()
    .map(|f| (f, std::fs::read(format!("tests/fixtures/check/repo/{f}")).unwrap()))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Damaged files (bytes changed, cut, spliced) give findings or a syntax
    /// error with a real position, never a panic. (The fuzz target does the
    /// same with arbitrary bytes.)
    #[test]
    fn damaged_files_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0usize..3), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let (name, mut bytes) = fixtures().swap_remove(which);
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        for name in [Some(name), None] {
            match check_file(name, &bytes, &Options::new()) {
                Ok(entries) => {
                    for e in &entries {
                        prop_assert!(e.pos.line >= 1 && e.pos.column >= 1);
                    }
                }
                Err(err) => prop_assert!(err.pos.line >= 1 && err.pos.column >= 1, "{}", err),
            }
        }
    }
}
