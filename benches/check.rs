//! `plan check` speed on big generated inputs: a ~10 MB CloudFormation YAML
//! template, the same as minified JSON (CDK-style), and a ~10 MB Terraform
//! file, each with rotation schedules, EventBridge rules, Scheduler
//! schedules, intrinsics and comments. One measured call reads, parses and
//! checks the whole file.
//!
//! A second group walks tests/fixtures/check as `plan check DIR` does
//! (.gitignore, kind detection, parallel checks, resolution of parameters
//! and variables), for files per second on many small files.
//!
//! Run: `cargo bench --bench check -- --warm-up-time 1 --measurement-time 5`

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rotaplan::check::{check_file, walk, Options};

const TARGET: usize = 10 << 20;

fn yaml() -> String {
    let mut s = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n");
    let mut i = 0;
    while s.len() < TARGET {
        write!(
            s,
            "  # rotation {i}; ScheduleExpression: rate(0 days) in a comment\n  \
             Rotation{i}:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      \
             SecretId: !Ref Secret{i}\n      RotationRules:\n        ScheduleExpression: >-\n          \
             cron(0 {} ? * SUN#2 *)\n        Duration: 3h\n  \
             Rule{i}:\n    Type: AWS::Events::Rule\n    Properties: {{ScheduleExpression: \"rate({} minutes)\", State: ENABLED}}\n  \
             Schedule{i}:\n    Type: AWS::Scheduler::Schedule\n    Properties:\n      \
             ScheduleExpression: !Sub \"rate(${{Minutes}} minutes)\"\n      ScheduleExpressionTimezone: Europe/Paris\n      \
             FlexibleTimeWindow: {{Mode: FLEXIBLE, MaximumWindowInMinutes: 15}}\n",
            i % 21,
            i % 50 + 2
        )
        .unwrap();
        i += 1;
    }
    s
}

fn json() -> String {
    let mut s = String::from("{\"Resources\":{");
    let mut i = 0;
    while s.len() < TARGET {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            "\"Rotation{i}\":{{\"Type\":\"AWS::SecretsManager::RotationSchedule\",\"Properties\":{{\"SecretId\":{{\"Ref\":\"Secret{i}\"}},\
             \"RotationRules\":{{\"ScheduleExpression\":\"cron(0 {} ? * SUN#2 *)\",\"Duration\":\"3h\"}}}}}},\
             \"Rule{i}\":{{\"Type\":\"AWS::Events::Rule\",\"Properties\":{{\"ScheduleExpression\":\"rate({} minutes)\"}}}}",
            i % 21,
            i % 50 + 2
        )
        .unwrap();
        i += 1;
    }
    s.push_str("}}");
    s
}

fn terraform() -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < TARGET {
        write!(
            s,
            "# schedule_expression = \"rate(0 days)\" in a comment\n\
             resource \"aws_secretsmanager_secret_rotation\" \"r{i}\" {{\n  secret_id = aws_secretsmanager_secret.s{i}.id\n  \
             rotation_rules {{\n    schedule_expression = \"cron(0 {} ? * SUN#2 *)\"\n    duration = \"3h\"\n  }}\n}}\n\
             resource \"aws_cloudwatch_event_rule\" \"e{i}\" {{\n  schedule_expression = \"rate({} minutes)\" // five\n}}\n\
             resource \"aws_scheduler_schedule\" \"s{i}\" {{\n  schedule_expression = var.schedule\n  \
             flexible_time_window {{\n    mode = \"OFF\"\n  }}\n}}\n",
            i % 21,
            i % 50 + 2
        )
        .unwrap();
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("check_10mb");
    g.sample_size(10);
    for (name, file, text) in [
        ("cloudformation_yaml", "big.yaml", yaml()),
        ("cloudformation_json_minified", "big.json", json()),
        ("terraform", "big.tf", terraform()),
    ] {
        // Every value is read and valid: a broken generator would bench nothing.
        let entries = check_file(Some(file), text.as_bytes(), &Options::new()).unwrap();
        assert!(
            entries.len() > 50_000 && entries.iter().all(|e| e.errors.is_empty()),
            "{name}"
        );
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), &text, |b, text| {
            b.iter(|| {
                check_file(Some(file), black_box(text.as_bytes()), &Options::new())
                    .unwrap()
                    .len()
            })
        });
    }
    g.finish();
}

fn bench_walk(c: &mut Criterion) {
    let mut g = c.benchmark_group("walk_fixtures");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/check");
    let walked = walk(&[dir], &Options::new());
    let files = walked.files.len();
    let bytes: u64 = walked
        .files
        .iter()
        .map(|f| std::fs::metadata(&f.0).map_or(0, |m| m.len()))
        .sum();
    // The repository and resolution fixtures: CloudFormation, SAM,
    // Serverless, Terraform, all read.
    assert!(files >= 12, "{files} files");
    eprintln!("walk_fixtures: {files} files, {bytes} bytes read and checked");
    g.throughput(Throughput::Elements(files as u64));
    g.bench_function("files", |b| {
        b.iter(|| walk(black_box(&[dir]), &Options::new()).files.len())
    });
    g.finish();
}

criterion_group!(benches, bench, bench_walk);
criterion_main!(benches);
