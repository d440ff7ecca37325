//! Finding the servers `scripts/test.sh` starts for the backend tests.
#![allow(dead_code)]

#[cfg(any(feature = "postgres", feature = "mysql"))]
pub mod db;

/// The value of `var` (set by `scripts/test.sh`), or `None` when it is
/// missing outside CI (the caller returns: the test is skipped, and says so).
/// Under `CI=true` a missing server fails the test.
#[track_caller]
pub fn server(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "{var} is not set: the {what} tests need that server and CI=true forbids skipping \
             (run `bash scripts/test.sh`, which starts it)"
        ),
        _ => {
            eprintln!("SKIPPED: {var} is not set; run `bash scripts/test.sh` to start {what}");
            None
        }
    }
}

/// A short random suffix for names, so tests can share one server.
pub fn unique() -> String {
    let token = rotaplan::store::Token::generate();
    token
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect()
}

/// The string at `key` of a JSON secret value (an RDS secret's `password`).
#[track_caller]
pub fn field(v: &rotaplan::store::SecretValue, key: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(v.expose_str().unwrap()).unwrap();
    json[key].as_str().unwrap().to_owned()
}

/// The AWSCURRENT value of `id` in `store`.
pub async fn current(
    store: &rotaplan::store::MemoryStore,
    id: &rotaplan::store::SecretId,
) -> rotaplan::store::SecretValue {
    use rotaplan::store::{SecretStore, VersionRef};
    store.get_value(id, &VersionRef::current()).await.unwrap().value
}
