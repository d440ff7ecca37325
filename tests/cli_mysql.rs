//! `plan rotate` with `--target mysql` on the real MariaDB server started by
//! `scripts/test.sh` (`ROTAPLAN_TEST_MYSQL`).

mod server_util;

use std::path::Path;
use std::process::{Command, Output};

use mysql_async::prelude::Queryable;
use server_util::{server, unique};

fn plan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
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

#[tokio::test]
async fn rotate_a_mariadb_user_from_the_command_line() {
    let Some(url) = server("ROTAPLAN_TEST_MYSQL", "MariaDB") else {
        return;
    };
    let opts = mysql_async::Opts::from_url(&url).unwrap();
    let login = |user: String, password: String| {
        let o = mysql_async::OptsBuilder::from_opts(opts.clone())
            .user(Some(user))
            .pass(Some(password));
        async move { mysql_async::Conn::new(o).await.map(|_| ()) }
    };
    let user = format!("cli_{}", unique());
    let first = "first'pass\\word";
    let mut admin = mysql_async::Conn::new(opts.clone()).await.unwrap();
    admin
        .query_drop(format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'first''pass\\\\word'"))
        .await
        .unwrap();
    admin.disconnect().await.unwrap();
    login(user.clone(), first.into()).await.expect("first password");

    let dir = std::env::temp_dir().join(format!("rotaplan-cli-mysql-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    ok(&dir, &["key", "generate", "master.key"]);
    let secret = serde_json::json!({
        "engine": "mysql", "host": opts.ip_or_hostname(), "port": opts.tcp_port(),
        "username": user, "password": first,
    });
    std::fs::write(dir.join("db.json"), secret.to_string()).unwrap();
    let args = [
        "secret",
        "create",
        "db/app",
        "--value-file",
        "db.json",
        "--schedule",
        "rate(30 days)",
    ];
    ok(&dir, &[&args[..], &["--target", "mariadb"]].concat());
    let described = ok(&dir, &["secret", "describe", "db/app"]);
    assert!(described.contains("target mysql"), "{described}");
    let out = ok(&dir, &["rotate", "db/app"]);
    assert!(out.starts_with("rotated db/app: "), "{out}");

    let current: serde_json::Value = serde_json::from_str(&ok(&dir, &["secret", "get", "db/app", "--show"])).unwrap();
    let new_password = current["password"].as_str().unwrap().to_string();
    assert_ne!(new_password, first);
    login(user.clone(), new_password)
        .await
        .expect("the new password logs in");
    login(user.clone(), first.into())
        .await
        .expect_err("the old password is refused");
    let _ = std::fs::remove_dir_all(&dir);
}
