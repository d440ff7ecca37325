//! `rotaplan-lambda`: a Secrets Manager rotation function (feature
//! `lambda`). Each invocation runs one step with
//! [`rotaplan::lambda::RotationHandler`]; see that module for what each step
//! does and for the environment it reads.
//!
//! Logs are JSON lines on stderr (level, fields, span with secret, step and
//! token), filtered by `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (default
//! `info`). `SECRETS_MANAGER_ENDPOINT`, as in AWS's templates, overrides the
//! Secrets Manager endpoint (a VPC endpoint, or a local server in tests).

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use rotaplan::lambda::{LambdaConfig, RotationEvent, RotationHandler};
use rotaplan::store::AwsSecretsManager;
use tracing_subscriber::EnvFilter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_lowercase();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // Lambda stamps each line itself.
        .without_time()
        .with_writer(std::io::stderr)
        .init();

    // A bad configuration fails every invocation with the same message, and
    // shows in the function's init log.
    let config = LambdaConfig::from_env()?;
    let endpoint = std::env::var("SECRETS_MANAGER_ENDPOINT").ok().filter(|e| !e.is_empty());
    let store = AwsSecretsManager::connect(None, endpoint).await;
    let handler = RotationHandler::new(store, config);
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<RotationEvent>| async move {
        handler.handle(&event.payload).await.map_err(|e| Diagnostic {
            error_type: "RotationFailed".to_owned(),
            error_message: e.to_string(),
        })
    }))
    .await
}
