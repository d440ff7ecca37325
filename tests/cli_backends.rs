//! `plan` against the real backends: `--store aws` on the moto server and a
//! `postgres` target on a real PostgreSQL server, both started by
//! `scripts/test.sh` (skipped with a note outside CI when they are absent).

mod server_util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use server_util::{server, unique};

fn plan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("ROTAPLAN_STORE")
        .output()
        .unwrap()
}

#[track_caller]
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = plan(dir, args);
    assert!(
        out.status.success(),
        "plan {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rotaplan-cli-{name}-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn rotate_on_the_aws_api() {
    let Some(endpoint) = server("ROTAPLAN_TEST_MOTO", "the moto server") else {
        return;
    };
    let dir = temp_dir("aws");
    let name = format!("cli/{}", unique());
    std::fs::write(dir.join("v1.txt"), "first-api-key").unwrap();
    let store = ["--store", "aws:us-east-1", "--endpoint-url", endpoint.as_str()];
    fn with<'a>(args: &[&'a str], store: &[&'a str]) -> Vec<&'a str> {
        [args, store].concat()
    }
    ok(
        &dir,
        &with(
            &[
                "secret",
                "create",
                &name,
                "--value-file",
                "v1.txt",
                "--schedule",
                "rate(30 days)",
            ],
            &store,
        ),
    );
    assert_eq!(
        ok(&dir, &with(&["secret", "get", &name, "--show"], &store)),
        "first-api-key\n"
    );
    let out = ok(&dir, &with(&["rotate", &name], &store));
    assert!(
        out.starts_with(&format!("rotated {name}: AWSCURRENT is now version ")),
        "{out}"
    );
    let describe = ok(&dir, &with(&["secret", "describe", &name], &store));
    assert!(
        describe.contains("AWSPREVIOUS") && describe.contains("AWSCURRENT"),
        "{describe}"
    );
    assert!(describe.contains("rotation      rate(30 days)"), "{describe}");
    assert!(!describe.contains("last rotated  never"), "{describe}");
    assert_eq!(
        ok(
            &dir,
            &with(&["secret", "get", &name, "--stage", "AWSPREVIOUS", "--show"], &store)
        ),
        "first-api-key\n"
    );
    let new = ok(&dir, &with(&["secret", "get", &name, "--show"], &store));
    assert_ne!(new, "first-api-key\n");
    assert!(ok(&dir, &with(&["secret", "list"], &store)).contains(&name));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rotate_a_postgres_role_from_the_command_line() {
    let Some(url) = server("ROTAPLAN_TEST_PG", "PostgreSQL") else {
        return;
    };
    let config = tokio_postgres::Config::from_str(&url).unwrap();
    let port = config.get_ports()[0];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let login = |user: String, password: String| {
        let mut c = config.clone();
        c.user(&user).password(password);
        rt.block_on(async move {
            let (client, conn) = c.connect(tokio_postgres::NoTls).await?;
            tokio::spawn(conn);
            client.simple_query("SELECT 1").await.map(|_| ())
        })
    };
    let role = format!("cli_{}", unique().to_lowercase());
    let first = "first'pass\\word$$";
    rt.block_on(async {
        let (admin, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!(
                "CREATE ROLE {role} WITH LOGIN PASSWORD E'first\\'pass\\\\word$$'"
            ))
            .await
            .unwrap();
    });
    login(role.clone(), first.into()).expect("the role logs in with its first password");

    let dir = temp_dir("pg");
    ok(&dir, &["key", "generate", "master.key"]);
    let secret = serde_json::json!({
        "engine": "postgres", "host": "127.0.0.1", "port": port,
        "username": role, "password": first, "dbname": "postgres",
    });
    std::fs::write(dir.join("db.json"), secret.to_string()).unwrap();
    ok(
        &dir,
        &[
            "secret",
            "create",
            "db/app",
            "--value-file",
            "db.json",
            "--schedule",
            "rate(30 days)",
            "--target",
            "postgres",
        ],
    );
    let out = ok(&dir, &["rotate", "db/app"]);
    assert!(out.starts_with("rotated db/app: "), "{out}");

    let current: serde_json::Value = serde_json::from_str(&ok(&dir, &["secret", "get", "db/app", "--show"])).unwrap();
    let new_password = current["password"].as_str().unwrap().to_string();
    assert_ne!(new_password, first);
    login(role.clone(), new_password).expect("the new password logs in");
    let refused = login(role.clone(), first.into()).expect_err("the old password is refused");
    assert!(
        refused.code() == Some(&tokio_postgres::error::SqlState::INVALID_PASSWORD),
        "{refused:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
