//! `plan secret|rotate|due|run|key` against the embedded SQLite store: the
//! README walk-through, step by step, with the outputs checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("rotaplan-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn plan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
        .env_remove("ROTAPLAN_MASTER_KEY")
        .env_remove("ROTAPLAN_STORE")
        .output()
        .unwrap()
}

#[track_caller]
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = plan(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "plan {args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[track_caller]
fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let out = plan(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "plan {args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// The version ids holding each stage, from `describe`.
fn stages(describe: &str) -> Vec<(String, String)> {
    describe
        .lines()
        .skip_while(|l| *l != "versions")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts[0].to_string(), parts[2..].join(" "))
        })
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn walk_through() {
    let d = Dir::new("walk");
    let dir = d.0.as_path();
    // No key yet: a clear set-up error, exit 2.
    let err = fails(dir, &["secret", "list"], 2);
    assert!(err.contains("plan key generate"), "{err}");

    ok(dir, &["key", "generate", "master.key"]);
    #[cfg(unix)]
    assert_eq!(mode(&dir.join("master.key")), 0o600);
    // Refuses to overwrite a key.
    fails(dir, &["key", "generate", "master.key"], 2);

    std::fs::write(dir.join("first.txt"), "s3cret-first-value\n").unwrap();
    let out = ok(
        dir,
        &[
            "secret",
            "create",
            "app/api-key",
            "--value-file",
            "first.txt",
            "--schedule",
            "rate(30 days)",
        ],
    );
    assert_eq!(out, "created app/api-key\n");
    #[cfg(unix)]
    assert_eq!(mode(&dir.join("rotaplan.sqlite")), 0o600);
    let db = std::fs::read(dir.join("rotaplan.sqlite")).unwrap();
    assert!(
        !db.windows(18).any(|w| w == b"s3cret-first-value"),
        "plaintext in the database file"
    );

    let before = ok(dir, &["secret", "describe", "app/api-key"]);
    assert!(
        before.contains("rotation      rate(30 days) (default window, single-user, target noop)"),
        "{before}"
    );
    assert!(before.contains("last rotated  never"), "{before}");
    let v1 = stages(&before);
    assert_eq!(v1.len(), 1);
    assert_eq!(v1[0].1, "AWSCURRENT");

    // Never rotated: due now.
    let due = ok(dir, &["due"]);
    assert!(due.starts_with("app/api-key\topen\t"), "{due}");

    let out = ok(dir, &["rotate", "app/api-key"]);
    assert!(
        out.starts_with("rotated app/api-key: AWSCURRENT is now version "),
        "{out}"
    );
    assert!(out.contains(&format!("(AWSPREVIOUS: {})", v1[0].0)), "{out}");

    let after = stages(&ok(dir, &["secret", "describe", "app/api-key"]));
    assert_eq!(after.len(), 2);
    let current = after.iter().find(|(_, s)| s == "AWSCURRENT").unwrap();
    let previous = after.iter().find(|(_, s)| s == "AWSPREVIOUS").unwrap();
    assert_eq!(previous.0, v1[0].0);
    assert_ne!(current.0, v1[0].0);

    // Values are shown only when asked.
    let hidden = ok(dir, &["secret", "get", "app/api-key", "--stage", "AWSPREVIOUS"]);
    assert!(!hidden.contains("s3cret"), "{hidden}");
    assert!(hidden.contains("(hidden; add --show to print it)"));
    let shown = ok(
        dir,
        &["secret", "get", "app/api-key", "--stage", "AWSPREVIOUS", "--show"],
    );
    assert_eq!(shown, "s3cret-first-value\n");
    let new = ok(dir, &["secret", "get", "app/api-key", "--show"]);
    assert_eq!(new.trim_end().len(), 32, "a generated 32-character password");

    // Rotated just now: nothing due.
    assert!(ok(dir, &["due"]).starts_with("nothing is due at "));
    // ... but 30 days on, the next window is open.
    let later = ok(dir, &["due", "--now", "2099-01-01T00:00:00Z"]);
    assert!(later.starts_with("app/api-key\toverdue\t"), "{later}");
}

#[test]
fn put_tokens_delete_and_restore() {
    let d = Dir::new("put");
    let dir = d.0.as_path();
    ok(dir, &["key", "generate", "master.key"]);
    std::fs::write(dir.join("a.txt"), "value-a").unwrap();
    std::fs::write(dir.join("b.txt"), "value-b").unwrap();
    ok(dir, &["secret", "create", "db/main", "--value-file", "a.txt"]);
    let token = "0123456789abcdef0123456789abcdef";
    let out = ok(
        dir,
        &["secret", "put", "db/main", "--value-file", "b.txt", "--token", token],
    );
    assert_eq!(out, format!("put: version {token} of db/main\n"));
    // Same token, same value: nothing changes.
    let out = ok(
        dir,
        &["secret", "put", "db/main", "--value-file", "b.txt", "--token", token],
    );
    assert_eq!(
        out,
        format!("unchanged (same token and value): version {token} of db/main\n")
    );
    // Same token, another value: an error that does not print either value.
    let err = fails(
        dir,
        &["secret", "put", "db/main", "--value-file", "a.txt", "--token", token],
        1,
    );
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("value-a") && !err.contains("value-b"), "{err}");
    assert_eq!(ok(dir, &["secret", "get", "db/main", "--show"]), "value-b\n");

    let out = ok(dir, &["secret", "delete", "db/main", "--recovery-window-days", "7"]);
    assert!(out.starts_with("db/main will be deleted on "), "{out}");
    let err = fails(dir, &["secret", "get", "db/main", "--show"], 1);
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(ok(dir, &["secret", "restore", "db/main"]), "restored db/main\n");
    assert_eq!(ok(dir, &["secret", "get", "db/main", "--show"]), "value-b\n");
    fails(dir, &["secret", "delete", "db/main", "--recovery-window-days", "3"], 1);
}

#[test]
fn bad_input_is_one_line_and_nothing_is_written() {
    let d = Dir::new("bad");
    let dir = d.0.as_path();
    ok(dir, &["key", "generate", "master.key"]);
    let err = fails(
        dir,
        &[
            "secret",
            "create",
            "x",
            "--generate",
            "--schedule",
            "cron(0 1,2 * * ? *)",
        ],
        1,
    );
    assert_eq!(
        err,
        "error: schedule `cron(0 1,2 * * ? *)`: rotations must be at least 4 hours apart for Secrets Manager, \
         but 01:00 and 02:00 are 1 hour apart (found \"1,2\" at column 8)\n"
    );
    assert_eq!(ok(dir, &["secret", "list"]), "");
    let err = fails(dir, &["secret", "get", "nope"], 1);
    assert_eq!(err, "error: secret `nope` not found\n");
    let err = fails(dir, &["secret", "list", "--store", "mysql:x"], 2);
    assert_eq!(
        err,
        "error: unknown store `mysql:x`; expected `sqlite:PATH` or `aws[:REGION]`\n"
    );
}
