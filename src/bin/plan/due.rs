//! `plan due`: the secrets whose rotation window is open or overdue.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use rotaplan::rotate::Rotator;
use rotaplan::store::SecretStore;

use crate::store::{self, plain, print_json, target, ts, Format, StoreArgs, StoreCommand};

/// Arguments of `plan due`.
#[derive(clap::Args)]
pub struct Args {
    /// The instant to judge at, RFC 3339 (default: now).
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    store::run(args.store.clone(), args)
}

impl StoreCommand for Args {
    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode> {
        let now = self.now.unwrap_or_else(Utc::now);
        let report = Rotator::new(store, target(store, None)).due(now).await.map_err(plain)?;
        if format == Format::Json {
            let due: Vec<_> = report
                .due
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "secret": d.id.as_str(), "start": ts(d.start), "end": ts(d.end), "overdue": d.overdue,
                    })
                })
                .collect();
            let errors: Vec<_> = report
                .errors
                .iter()
                .map(|(id, e)| serde_json::json!({"secret": id.as_str(), "error": e.to_string()}))
                .collect();
            print_json(&serde_json::json!({"now": ts(now), "due": due, "errors": errors}))?;
        } else {
            for d in &report.due {
                let state = if d.overdue { "overdue" } else { "open" };
                println!("{}\t{state}\t{} .. {}", d.id, ts(d.start), ts(d.end));
            }
            for (id, e) in &report.errors {
                eprintln!("error: {id}: {e}");
            }
            if report.due.is_empty() {
                println!("nothing is due at {}", ts(now));
            }
        }
        Ok(if report.errors.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}
