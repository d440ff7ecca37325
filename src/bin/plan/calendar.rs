//! `plan calendar`: every secret's upcoming rotation windows as one
//! iCalendar.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use rotaplan::plan::{Event, IcsWriter};
use rotaplan::store::SecretStore;

use crate::store::{self, plain, rules_of, upcoming, Format, StoreArgs, StoreCommand};

/// Arguments of `plan calendar`.
#[derive(clap::Args)]
pub struct Args {
    /// How many upcoming windows per secret.
    #[arg(short = 'n', default_value_t = 5)]
    count: usize,
    /// The instant to plan from, RFC 3339 (default: now).
    #[arg(long)]
    from: Option<DateTime<Utc>>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    store::run(args.store.clone(), args)
}

impl StoreCommand for Args {
    // The calendar has one format: `--format` does not apply.
    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, _: Format) -> anyhow::Result<ExitCode> {
        let Args { count, from, store: _ } = self;
        let now = Utc::now();
        let from = from.unwrap_or(now);
        let mut out = std::io::stdout().lock();
        let mut ics = IcsWriter::utc(&mut out, "rotaplan rotation windows", &now)?;
        for d in store.list().await.map_err(plain)? {
            let (Some(r), None) = (&d.rotation, d.deletion_date) else {
                continue;
            };
            let Some(rules) = rules_of(r) else { continue };
            let key = format!("{} {}", d.id, r.schedule);
            let summary = format!("Rotate {}", d.id);
            let description = format!("{}: {}", r.schedule, rules.schedule().describe());
            for w in upcoming(&rules, d.last_rotated, &from).take(count) {
                ics.event(&Event::new(&key, &summary, &w).description(&description))?;
            }
        }
        ics.finish()?;
        Ok(ExitCode::SUCCESS)
    }
}
