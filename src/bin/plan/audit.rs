//! `plan audit`: one compliance verdict per secret in a store (for CI and
//! dashboards): exit 0 if every secret complies, 1 on any finding, 2 on
//! usage or store errors.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use rotaplan::plan::MaxInterval;
use rotaplan::rotate::{audit, AuditOptions, AuditReport, AuditRule};
use rotaplan::store::SecretStore;
use serde_json::{json, Value};

use crate::store::{self, print_json, ts, Format, StoreArgs, StoreCommand};

/// Arguments of `plan audit`.
#[derive(clap::Args)]
pub struct Args {
    /// The longest gap a schedule may leave between two rotations: `90d`,
    /// `12h`, `2w`, `1d12h`.
    #[arg(long)]
    max_interval: Option<MaxInterval>,
    /// The longest time since a secret's last rotation, same units.
    #[arg(long)]
    max_age: Option<MaxInterval>,
    /// Judge as of this instant, RFC 3339 (default: now).
    #[arg(long)]
    at: Option<DateTime<Utc>>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    store::run(args.store.clone(), args)
}

impl StoreCommand for Args {
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json, Format::Sarif]
    }

    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode> {
        let mut opts = AuditOptions::new(self.at.unwrap_or_else(Utc::now));
        if let Some(max) = self.max_interval {
            opts = opts.max_interval(max);
        }
        if let Some(max) = self.max_age {
            opts = opts.max_age(chrono::Duration::minutes(max.minutes() as i64));
        }
        let report = match audit(store, &opts).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        };
        match format {
            Format::Json => print_json(&report_json(&report))?,
            Format::Sarif => print_json(&sarif(&report))?,
            Format::Text => print_text(&report),
        }
        Ok(if report.verdicts.iter().all(|v| v.compliant()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

fn report_json(r: &AuditReport) -> Value {
    let secrets: Vec<Value> = r
        .verdicts
        .iter()
        .map(|v| {
            json!({
                "name": v.id.as_str(),
                "compliant": v.compliant(),
                "last_rotated": v.last_rotated.map(ts),
                "next_window": v.next_window.map(|(s, e)| json!({"start": ts(s), "end": ts(e)})),
                "findings": v.findings.iter().map(|f| json!({"rule": f.rule.as_str(), "message": f.message})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let compliant = r.verdicts.iter().filter(|v| v.compliant()).count();
    let by_rule: serde_json::Map<String, Value> = AuditRule::ALL
        .iter()
        .map(|rule| (rule.as_str().to_owned(), json!(r.count(*rule))))
        .collect();
    let deleted: Vec<Value> = r
        .pending_deletion
        .iter()
        .map(|(id, date)| json!({"name": id.as_str(), "deletion_date": ts(*date)}))
        .collect();
    json!({
        "at": ts(r.at),
        "secrets": secrets,
        "pending_deletion": deleted,
        "summary": {
            "secrets": r.verdicts.len(),
            "compliant": compliant,
            "noncompliant": r.verdicts.len() - compliant,
            "by_rule": by_rule,
        },
    })
}

fn print_text(r: &AuditReport) {
    println!("audit at {}", ts(r.at));
    for v in &r.verdicts {
        let state = if v.compliant() { "ok" } else { "NONCOMPLIANT" };
        let next = v
            .next_window
            .map_or(String::new(), |(s, e)| format!("\tnext window {} .. {}", ts(s), ts(e)));
        println!("{}\t{state}{next}", v.id);
        for f in &v.findings {
            println!("  {}: {}", f.rule, f.message);
        }
    }
    for (id, date) in &r.pending_deletion {
        println!("{id}\tpending deletion on {} (not judged)", ts(*date));
    }
    let bad = r.verdicts.iter().filter(|v| !v.compliant()).count();
    println!(
        "{} secrets: {} compliant, {bad} noncompliant; {} pending deletion",
        r.verdicts.len(),
        r.verdicts.len() - bad,
        r.pending_deletion.len()
    );
}

/// SARIF 2.1.0: one result per finding, located at the secret (a logical
/// location, there being no file).
fn sarif(r: &AuditReport) -> Value {
    let rules: Vec<Value> = AuditRule::ALL
        .iter()
        .map(|rule| {
            json!({
                "id": rule.as_str(),
                "shortDescription": { "text": rule.description() },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let results: Vec<Value> = r
        .verdicts
        .iter()
        .flat_map(|v| {
            v.findings.iter().map(move |f| {
                json!({
                    "ruleId": f.rule.as_str(),
                    "ruleIndex": AuditRule::ALL.iter().position(|x| *x == f.rule),
                    "level": "error",
                    "message": { "text": format!("{}: {}", v.id, f.message) },
                    "locations": [{ "logicalLocations": [{ "name": v.id.as_str(), "kind": "resource" }] }],
                })
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rotaplan-audit",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": true, "endTimeUtc": ts(r.at) }],
            "results": results,
        }],
    })
}
