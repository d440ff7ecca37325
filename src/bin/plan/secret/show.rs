//! `plan secret get|describe|list`: what the store holds, for people or as
//! JSON; a value only when asked for.

use std::process::ExitCode;

use chrono::Utc;
use rotaplan::store::{AttemptRecord, Description, SecretId, SecretStore, Stage, VersionId, VersionRef};
use rotaplan::Schedule;

use crate::store::{plain, print_json, rules_of, ts, upcoming, Format};

/// `plan secret get`.
pub async fn get<S: SecretStore>(
    store: &S,
    name: String,
    stage: Option<String>,
    version_id: Option<String>,
    show: bool,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let id = SecretId::new(name).map_err(plain)?;
    let which = match (stage, version_id) {
        (_, Some(v)) => VersionRef::Id(VersionId::new(v).map_err(plain)?),
        (Some(s), None) => VersionRef::Stage(Stage::new(s).map_err(plain)?),
        (None, None) => VersionRef::current(),
    };
    let v = store.get_value(&id, &which).await.map_err(plain)?;
    if format == Format::Json {
        let mut doc = serde_json::json!({
            "secret": id.as_str(),
            "version": v.version.as_str(),
            "stages": v.stages.iter().map(Stage::as_str).collect::<Vec<_>>(),
            "created": ts(v.created),
        });
        if show {
            doc["value"] = match v.value.expose_str() {
                Some(s) => serde_json::Value::String(s.to_owned()),
                None => serde_json::json!({
                    "binary_hex": v.value.expose_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
                }),
            };
        }
        print_json(&doc)?;
    } else if show {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(v.value.expose_bytes())?;
        out.write_all(b"\n")?;
    } else {
        let stages: Vec<&str> = v.stages.iter().map(Stage::as_str).collect();
        println!("version  {}", v.version);
        println!("stages   {}", stages.join(", "));
        println!("created  {}", ts(v.created));
        println!("value    (hidden; add --show to print it)");
    }
    Ok(ExitCode::SUCCESS)
}

/// `plan secret describe`.
pub async fn describe<S: SecretStore>(
    store: &S,
    name: String,
    count: usize,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let id = SecretId::new(name).map_err(plain)?;
    let d = store.describe(&id).await.map_err(plain)?;
    let last = store.history(&id, 1).await.map_err(plain)?.into_iter().next();
    if format == Format::Json {
        let mut json = description_json(&d);
        json["last_attempt"] = last
            .as_ref()
            .map_or(serde_json::Value::Null, super::history::attempt_json);
        print_json(&json)?;
    } else {
        print_description(&d, count, last.as_ref());
    }
    Ok(ExitCode::SUCCESS)
}

/// `plan secret list`.
pub async fn list<S: SecretStore>(store: &S, format: Format) -> anyhow::Result<ExitCode> {
    let all = store.list().await.map_err(plain)?;
    if format == Format::Json {
        print_json(&serde_json::Value::Array(all.iter().map(description_json).collect()))?;
        return Ok(ExitCode::SUCCESS);
    }
    for d in all {
        let rules = d
            .rotation
            .as_ref()
            .map_or("no rotation".to_string(), |r| r.schedule.clone());
        let last = d
            .last_rotated
            .map_or("never rotated".to_string(), |t| format!("last rotated {}", ts(t)));
        let deleted = d
            .deletion_date
            .map_or(String::new(), |t| format!("\tdeleted on {}", ts(t)));
        println!("{}\t{rules}\t{last}{deleted}", d.id);
    }
    Ok(ExitCode::SUCCESS)
}

/// DescribeSecret as JSON: metadata and versions, never a value.
fn description_json(d: &Description) -> serde_json::Value {
    let versions: Vec<_> = d
        .versions
        .iter()
        .map(|(id, v)| {
            serde_json::json!({
                "id": id.as_str(),
                "created": ts(v.created),
                "stages": v.stages.iter().map(Stage::as_str).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "name": d.id.as_str(),
        "created": ts(d.created),
        "last_changed": ts(d.last_changed),
        "last_rotated": d.last_rotated.map(ts),
        "deletion_date": d.deletion_date.map(ts),
        "rotation": d.rotation.as_ref().map(|r| serde_json::json!({
            "schedule": r.schedule,
            "duration": r.duration,
            "strategy": r.strategy.to_string(),
            "target": r.target.to_string(),
        })),
        "versions": versions,
    })
}

fn print_description(d: &Description, count: usize, last: Option<&AttemptRecord>) {
    println!("secret        {}", d.id);
    println!("created       {}", ts(d.created));
    println!("last changed  {}", ts(d.last_changed));
    println!("last rotated  {}", d.last_rotated.map_or("never".to_string(), ts));
    if let Some(a) = last {
        println!("last attempt  {}", super::history::attempt_line(a));
    }
    if let Some(t) = d.deletion_date {
        println!("deletion      scheduled for {}", ts(t));
    }
    match &d.rotation {
        None => println!("rotation      none"),
        Some(r) => {
            let window = r
                .duration
                .as_deref()
                .map_or("default window".to_string(), |w| format!("{w} window"));
            println!(
                "rotation      {} ({window}, {}, target {})",
                r.schedule, r.strategy, r.target
            );
            match Schedule::parse(&r.schedule) {
                Ok(s) => println!("              {}", s.describe()),
                Err(e) => println!("              invalid schedule: {e}"),
            }
        }
    }
    println!("versions");
    for (id, v) in &d.versions {
        let stages: Vec<&str> = v.stages.iter().map(Stage::as_str).collect();
        let stages = if stages.is_empty() {
            "(deprecated)".to_string()
        } else {
            stages.join(", ")
        };
        println!("  {id}  {}  {stages}", ts(v.created));
    }
    let Some(rules) = d.rotation.as_ref().and_then(rules_of) else {
        return;
    };
    println!("next windows");
    if d.last_rotated.is_none() {
        println!("  due now: never rotated");
    }
    for w in upcoming(&rules, d.last_rotated, &Utc::now()).take(count) {
        println!("  {} .. {}", ts(w.start), ts(w.end));
    }
}
