//! `MysqlUser` against a real MariaDB server (`ROTAPLAN_TEST_MYSQL`, an
//! admin URL on 127.0.0.1 with password authentication, started by
//! `scripts/test.sh`).

mod server_util;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};
use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{
    MemoryStore, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, Strategy, Token,
};
use rotaplan::target::{MysqlSecret, MysqlUser, Step, StepContext, Target};
use server_util::db::{self, DbServer};
use server_util::{current, field, server, unique};

/// The test server: host, port and the admin's credentials.
struct My {
    host: String,
    port: u16,
    user: String,
    password: String,
}

impl My {
    fn from_env() -> Option<My> {
        let url = server("ROTAPLAN_TEST_MYSQL", "MariaDB")?;
        let o = Opts::from_url(&url).expect("ROTAPLAN_TEST_MYSQL is a mysql:// URL");
        Some(My {
            host: o.ip_or_hostname().to_owned(),
            port: o.tcp_port(),
            user: o.user().expect("user in ROTAPLAN_TEST_MYSQL").to_owned(),
            password: o.pass().expect("password in ROTAPLAN_TEST_MYSQL").to_owned(),
        })
    }

    /// Logs in as `user`; the error is kept to tell a refused login apart.
    async fn login(&self, user: &str, password: &str) -> Result<Conn, mysql_async::Error> {
        let opts = OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(user))
            .pass(Some(password))
            .prefer_socket(false);
        Conn::new(opts).await
    }

    async fn admin(&self) -> Conn {
        self.login(&self.user, &self.password).await.expect("admin login")
    }

    fn master(&self) -> MysqlSecret {
        MysqlSecret::from_value(&self.secret(&self.user, &self.password)).unwrap()
    }
}

impl DbServer for My {
    fn secret(&self, user: &str, password: &str) -> SecretValue {
        SecretValue::from(
            serde_json::json!({
                "engine": "mariadb",
                "host": self.host,
                "port": self.port,
                "username": user,
                "password": password,
            })
            .to_string(),
        )
    }

    /// A fresh user `…@'%'` with a password given as an SQL literal, quoted
    /// here by hand (not by the code under test).
    async fn create_user(&self, password_sql: &str) -> String {
        let user = format!("app_{}", unique());
        let mut admin = self.admin().await;
        admin
            .query_drop(format!("CREATE USER '{user}'@'%' IDENTIFIED BY {password_sql}"))
            .await
            .unwrap();
        admin.disconnect().await.unwrap();
        user
    }

    /// Asserts `user` logs in with `password` and is that user.
    async fn assert_logs_in(&self, user: &str, password: &str) {
        let mut c = self
            .login(user, password)
            .await
            .unwrap_or_else(|e| panic!("`{user}` should log in: {e}"));
        let me: String = c.query_first("SELECT CURRENT_USER()").await.unwrap().unwrap();
        assert_eq!(me, format!("{user}@%"));
        c.disconnect().await.unwrap();
    }

    /// Asserts the server refuses `user` with `password` (access denied).
    async fn assert_refused(&self, user: &str, password: &str) {
        match self.login(user, password).await {
            Ok(_) => panic!("`{user}` must no longer log in with that password"),
            Err(mysql_async::Error::Server(e)) => assert_eq!(e.code, 1045, "{e}"),
            Err(e) => panic!("expected access denied, got {e}"),
        }
    }
}

#[tokio::test]
async fn single_user_rotation_changes_the_password() {
    let Some(my) = My::from_env() else { return };
    db::single_user_rotation_changes_the_password(&my, MysqlUser::new()).await;
}

#[tokio::test]
async fn passwords_full_of_quotes_and_backslashes() {
    let Some(my) = My::from_env() else { return };
    // a'b"c\d%e, written as a literal by hand (default sql_mode reads `\\`).
    let first = "a'b\"c\\d%e";
    let user = my.create_user(r#"'a''b"c\\d%e'"#).await;
    my.assert_logs_in(&user, first).await;

    let id = SecretId::new(format!("db/{user}")).unwrap();
    let token = Token::generate();
    let ctx = StepContext::new(&id, &token, Step::Set, Strategy::SingleUser, None);
    let worse = "x'';--\\'\"` \\\\' \\0 %_ ü€ END\\";
    MysqlUser::new()
        .set_secret(&ctx, &my.secret(&user, worse), &my.secret(&user, first))
        .await
        .unwrap();
    my.assert_logs_in(&user, worse).await;
    my.assert_refused(&user, first).await;
    let ctx = StepContext::new(&id, &token, Step::Test, Strategy::SingleUser, None);
    MysqlUser::new()
        .test_secret(&ctx, &my.secret(&user, worse))
        .await
        .unwrap();

    // Rotations with punctuation-only generated passwords.
    let store = MemoryStore::new();
    store
        .create(&id, Some((&Token::generate(), &my.secret(&user, worse))), None)
        .await
        .unwrap();
    let rotator = Rotator::new(&store, MysqlUser::new()).password_policy(
        PasswordPolicy::default()
            .exclude_uppercase(true)
            .exclude_lowercase(true)
            .exclude_numbers(true),
    );
    for _ in 0..3 {
        rotator.rotate(&id, &Token::generate()).await.unwrap();
        let pw = field(&current(&store, &id).await, "password");
        my.assert_logs_in(&user, &pw).await;
    }
}

/// A database and table only `user` may read; returns the table's name.
async fn private_table(my: &My, user: &str) -> String {
    let db = format!("db_{}", unique());
    let mut admin = my.admin().await;
    admin
        .query_drop(format!(
            "CREATE DATABASE {db}; CREATE TABLE {db}.t (x int); INSERT INTO {db}.t VALUES (42); \
             GRANT SELECT ON {db}.t TO '{user}'@'%'; GRANT INSERT ON {db}.* TO '{user}'@'%' WITH GRANT OPTION"
        ))
        .await
        .unwrap();
    admin.disconnect().await.unwrap();
    format!("{db}.t")
}

async fn read_x(my: &My, user: &str, password: &str, table: &str) -> Result<i32, mysql_async::Error> {
    let mut c = my.login(user, password).await?;
    let x: Option<i32> = c.query_first(format!("SELECT x FROM {table}")).await?;
    c.disconnect().await?;
    Ok(x.unwrap())
}

#[tokio::test]
async fn alternating_users_switch_and_grants_are_copied() {
    let Some(my) = My::from_env() else { return };
    let user = my.create_user("'orig-pw'").await;
    let clone = format!("{user}_clone");
    let table = private_table(&my, &user).await;

    let store = MemoryStore::new();
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let cfg = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    store
        .create(
            &id,
            Some((&Token::generate(), &my.secret(&user, "orig-pw"))),
            Some(&cfg),
        )
        .await
        .unwrap();
    let rotator = Rotator::new(&store, MysqlUser::new().master(my.master()));

    // First rotation: the clone is created with the user's grants.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v1 = current(&store, &id).await;
    assert_eq!(field(&v1, "username"), clone);
    let clone_pw = field(&v1, "password");
    my.assert_logs_in(&clone, &clone_pw).await;
    my.assert_logs_in(&user, "orig-pw").await;
    assert_eq!(read_x(&my, &clone, &clone_pw, &table).await.unwrap(), 42);
    let mut admin = my.admin().await;
    let grants: Vec<String> = admin.query(format!("SHOW GRANTS FOR '{clone}'@'%'")).await.unwrap();
    admin.disconnect().await.unwrap();
    assert!(
        grants
            .iter()
            .any(|g| g.contains("GRANT INSERT ON") && g.ends_with("WITH GRANT OPTION")),
        "{grants:?}"
    );
    // MariaDB prints the user's password hash in its USAGE line: the clone
    // must not have been given the original's password.
    my.assert_refused(&clone, "orig-pw").await;

    // Second: back to the original user, with a new password.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v2 = current(&store, &id).await;
    assert_eq!(field(&v2, "username"), user);
    let user_pw = field(&v2, "password");
    my.assert_logs_in(&user, &user_pw).await;
    my.assert_refused(&user, "orig-pw").await;
    my.assert_logs_in(&clone, &clone_pw).await; // AWSPREVIOUS still works

    // Third: the clone again, ALTER USER this time.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v3 = current(&store, &id).await;
    assert_eq!(field(&v3, "username"), clone);
    let clone_pw3 = field(&v3, "password");
    my.assert_logs_in(&clone, &clone_pw3).await;
    my.assert_refused(&clone, &clone_pw).await;
    my.assert_logs_in(&user, &user_pw).await;
    assert_eq!(read_x(&my, &clone, &clone_pw3, &table).await.unwrap(), 42);

    // Without a master secret an alternating rotation says what is missing.
    let err = Rotator::new(&store, MysqlUser::new())
        .retry(RetryPolicy::none())
        .rotate(&id, &Token::generate())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("master secret"), "{err}");
}

#[tokio::test]
async fn alternating_finishes_a_clone_left_locked_without_grants() {
    let Some(my) = My::from_env() else { return };
    let user = my.create_user("'alt-pw'").await;
    let clone = format!("{user}_clone");
    let table = private_table(&my, &user).await;
    // What a setSecret killed right after CREATE USER leaves behind.
    let mut admin = my.admin().await;
    admin
        .query_drop(format!(
            "CREATE USER '{clone}'@'%' IDENTIFIED BY 'half-pw' ACCOUNT LOCK"
        ))
        .await
        .unwrap();
    admin.disconnect().await.unwrap();
    assert!(my.login(&clone, "half-pw").await.is_err(), "locked");

    let store = MemoryStore::new();
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let cfg = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    store
        .create(&id, Some((&Token::generate(), &my.secret(&user, "alt-pw"))), Some(&cfg))
        .await
        .unwrap();
    Rotator::new(&store, MysqlUser::new().master(my.master()))
        .rotate(&id, &Token::generate())
        .await
        .unwrap();
    let v = current(&store, &id).await;
    assert_eq!(field(&v, "username"), clone);
    let pw = field(&v, "password");
    my.assert_logs_in(&clone, &pw).await;
    assert_eq!(read_x(&my, &clone, &pw, &table).await.unwrap(), 42);
}

#[tokio::test]
async fn rotation_killed_after_set_secret_resumes() {
    let Some(my) = My::from_env() else { return };
    db::rotation_killed_after_set_secret_resumes(&my, MysqlUser::new()).await;
}

#[tokio::test]
async fn repeated_set_secret_is_a_no_op() {
    let Some(my) = My::from_env() else { return };
    // Single user: the second call would need AWSCURRENT, which no longer
    // logs in, so it succeeds only by doing nothing.
    let user = my.create_user("'one-pw'").await;
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let token = Token::generate();
    let ctx = StepContext::new(&id, &token, Step::Set, Strategy::SingleUser, None);
    let (pending, cur) = (my.secret(&user, "two-pw"), my.secret(&user, "one-pw"));
    MysqlUser::new().set_secret(&ctx, &pending, &cur).await.unwrap();
    MysqlUser::new().set_secret(&ctx, &pending, &cur).await.unwrap();
    my.assert_logs_in(&user, "two-pw").await;
    my.assert_refused(&user, "one-pw").await;

    // Alternating: the second call is given a master that cannot log in.
    let ctx = StepContext::new(&id, &token, Step::Set, Strategy::AlternatingUsers, None);
    let clone = format!("{user}_clone");
    let pending = my.secret(&clone, "clone-pw");
    let cur = my.secret(&user, "two-pw");
    MysqlUser::new()
        .master(my.master())
        .set_secret(&ctx, &pending, &cur)
        .await
        .unwrap();
    let bad_master = MysqlSecret::from_value(&my.secret(&my.user, "not-the-admin-pw")).unwrap();
    MysqlUser::new()
        .master(bad_master.clone())
        .set_secret(&ctx, &pending, &cur)
        .await
        .unwrap();
    my.assert_logs_in(&clone, "clone-pw").await;
    // …while a real change with that master fails, naming the step and user
    // but no password.
    let err = MysqlUser::new()
        .master(bad_master)
        .set_secret(&ctx, &my.secret(&clone, "three-pw"), &cur)
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        err.is_target() && shown.contains("setSecret") && shown.contains("login refused"),
        "{shown}"
    );
    assert!(!shown.contains("three-pw") && !shown.contains("not-the-admin-pw") && !shown.contains("two-pw"));
}

#[tokio::test]
async fn test_secret_fails_with_a_wrong_password() {
    let Some(my) = My::from_env() else { return };
    db::test_secret_fails_with_a_wrong_password(&my, MysqlUser::new()).await;
}
