//! `plan secret history`: a secret's rotation attempts, newest first.

use std::process::ExitCode;

use rotaplan::store::{AttemptRecord, SecretId, SecretStore};

use crate::store::{plain, print_json, ts, Format};

/// `plan secret history NAME [-n N]`.
pub async fn history<S: SecretStore>(
    store: &S,
    name: String,
    count: usize,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let id = SecretId::new(name).map_err(plain)?;
    // An unknown secret is an error, not an empty history.
    store.describe(&id).await.map_err(plain)?;
    let attempts = store.history(&id, count).await.map_err(plain)?;
    if format == Format::Json {
        let list: Vec<_> = attempts.iter().map(attempt_json).collect();
        print_json(&serde_json::json!({ "attempts": list }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if attempts.is_empty() {
        println!("{id}: no rotation attempts recorded");
        return Ok(ExitCode::SUCCESS);
    }
    println!("STARTED               ENDED                 OUTCOME    TOKEN                                 STEP          ERROR");
    for a in &attempts {
        println!(
            "{:<21} {:<21} {:<10} {:<37} {:<13} {}",
            ts(a.started),
            a.ended.map_or("-".to_string(), ts),
            a.outcome,
            a.token,
            a.step.as_deref().unwrap_or("-"),
            a.error.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One attempt as JSON (times in RFC 3339).
pub fn attempt_json(a: &AttemptRecord) -> serde_json::Value {
    serde_json::json!({
        "token": a.token.as_str(),
        "started": ts(a.started),
        "ended": a.ended.map(ts),
        "outcome": a.outcome.to_string(),
        "step": a.step,
        "owner": a.owner,
        "error": a.error,
    })
}

/// One line for `plan secret describe`.
pub fn attempt_line(a: &AttemptRecord) -> String {
    let mut line = format!("{} {} (token {}", a.outcome, ts(a.ended.unwrap_or(a.started)), a.token);
    if let Some(step) = &a.step {
        line.push_str(&format!(", in {step}"));
    }
    line.push(')');
    if let Some(e) = &a.error {
        line.push_str(&format!(": {e}"));
    }
    line
}
