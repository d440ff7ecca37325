//! `plan rotate NAME`: rotate one secret now, resume or cancel its rotation.

use std::process::ExitCode;

use rotaplan::rotate::Attempt;
use rotaplan::store::{SecretId, SecretStore, Token, VersionId};

use crate::store::{self, outcome_json, plain, print_json, rotator, ExecArgs, Format, StoreArgs, StoreCommand};

/// Arguments of `plan rotate`.
#[derive(clap::Args)]
pub struct Args {
    /// The secret's name.
    name: String,
    /// Client request token; rerun with the same token to resume an
    /// interrupted rotation (default: a new one).
    #[arg(long, conflicts_with_all = ["resume", "cancel"])]
    token: Option<String>,
    /// Finish the pending rotation with its own token.
    #[arg(long, conflicts_with = "cancel")]
    resume: bool,
    /// Cancel the pending rotation: AWSPENDING leaves its version, which
    /// stays as a deprecated version; AWSCURRENT is untouched.
    #[arg(long)]
    cancel: bool,
    #[command(flatten)]
    exec: ExecArgs,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    store::run(args.store.clone(), args)
}

impl StoreCommand for Args {
    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode> {
        let Args {
            name,
            token,
            resume,
            cancel,
            exec,
            store: _,
        } = self;
        let id = SecretId::new(name).map_err(plain)?;
        let events = exec.events();
        let rotator = rotator(store, &exec);
        let rotator = match &events {
            Some(ev) => ev.attach(rotator),
            None => rotator,
        };
        if cancel {
            let version = rotator.cancel(&id).await.map_err(plain)?;
            if format == Format::Json {
                print_json(&serde_json::json!({"secret": id.as_str(), "cancelled": version.as_str()}))?;
            } else {
                println!("cancelled the rotation of {id}: version {version} is deprecated; AWSCURRENT unchanged");
            }
            return Ok(ExitCode::SUCCESS);
        }
        let attempt = match token {
            Some(t) => match Token::new(t) {
                Ok(t) => rotator.rotate(&id, &t).await.map(Attempt::Rotated),
                Err(e) => Err(e.into()),
            },
            None if resume => rotator.resume(&id).await,
            None => rotator.rotate_exclusive(&id).await,
        };
        if let Some(ev) = events {
            ev.finish().await;
        }
        let attempt = attempt.map_err(plain)?;
        match (&attempt, format) {
            (Attempt::Rotated(o), Format::Json) => print_json(&outcome_json(o))?,
            (Attempt::Rotated(o), Format::Text) => {
                let previous = o.previous.as_ref().map_or("none".into(), VersionId::to_string);
                println!(
                    "rotated {}: AWSCURRENT is now version {} (AWSPREVIOUS: {previous})",
                    id, o.version
                );
            }
            (Attempt::Skipped(skip), Format::Json) => {
                print_json(&serde_json::json!({"secret": id.as_str(), "skipped": skip.to_string()}))?
            }
            (Attempt::Skipped(skip), Format::Text) => println!("skipped {id}: {skip}"),
            _ => {}
        }
        Ok(ExitCode::SUCCESS)
    }
}
