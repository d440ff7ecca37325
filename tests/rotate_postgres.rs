//! `PostgresRole` against a real PostgreSQL server (`ROTAPLAN_TEST_PG`, a
//! superuser URL on 127.0.0.1 with password authentication, started by
//! `scripts/test.sh`).

mod server_util;

use std::str::FromStr;
use std::sync::Arc;

use rotaplan::rotate::Rotator;
use rotaplan::store::{
    MemoryStore, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, Strategy, Token,
};
use rotaplan::target::{PostgresRole, RdsSecret, Step, StepContext, Target};
use server_util::db::{self, DbServer};
use server_util::{current, field, server, unique};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

/// The test server: host, port and the superuser's credentials.
struct Pg {
    host: String,
    port: u16,
    user: String,
    password: String,
}

impl Pg {
    fn from_env() -> Option<Pg> {
        let url = server("ROTAPLAN_TEST_PG", "PostgreSQL")?;
        let c = tokio_postgres::Config::from_str(&url).expect("ROTAPLAN_TEST_PG is a postgres URL");
        let host = match &c.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[allow(unreachable_patterns)]
            other => panic!("ROTAPLAN_TEST_PG must name a TCP host, not {other:?}"),
        };
        Some(Pg {
            host,
            port: c.get_ports().first().copied().unwrap_or(5432),
            user: c.get_user().expect("user in ROTAPLAN_TEST_PG").to_owned(),
            password: String::from_utf8(c.get_password().expect("password in ROTAPLAN_TEST_PG").to_vec()).unwrap(),
        })
    }

    /// Logs in as `user`; the error is kept to tell a refused login apart.
    async fn login(&self, user: &str, password: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut c = tokio_postgres::Config::new();
        c.host(&self.host)
            .port(self.port)
            .user(user)
            .password(password)
            .dbname("postgres");
        let (client, conn) = c.connect(NoTls).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }

    async fn admin(&self) -> tokio_postgres::Client {
        self.login(&self.user, &self.password).await.expect("superuser login")
    }

    fn master(&self) -> RdsSecret {
        RdsSecret::from_value(&self.secret(&self.user, &self.password)).unwrap()
    }

    /// A fresh login role with `password` (quoted here by hand, not by the
    /// code under test).
    async fn create_role(&self, password_sql: &str) -> String {
        let user = format!("app_{}", unique());
        self.admin()
            .await
            .batch_execute(&format!("CREATE ROLE \"{user}\" WITH LOGIN PASSWORD {password_sql}"))
            .await
            .unwrap();
        user
    }
}

impl DbServer for Pg {
    fn secret(&self, user: &str, password: &str) -> SecretValue {
        SecretValue::from(
            serde_json::json!({
                "engine": "postgres",
                "host": self.host,
                "port": self.port,
                "username": user,
                "password": password,
                "dbname": "postgres",
            })
            .to_string(),
        )
    }

    async fn create_user(&self, password_sql: &str) -> String {
        self.create_role(password_sql).await
    }

    /// Asserts `user` logs in with `password` and can run a query.
    async fn assert_logs_in(&self, user: &str, password: &str) {
        let client = self
            .login(user, password)
            .await
            .unwrap_or_else(|e| panic!("`{user}` should log in: {e}"));
        let row = client.query_one("SELECT current_user::text", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), user);
    }

    /// Asserts the server refuses `user` with `password` as a bad password.
    async fn assert_refused(&self, user: &str, password: &str) {
        match self.login(user, password).await {
            Ok(_) => panic!("`{user}` must no longer log in with that password"),
            Err(e) => assert_eq!(e.code(), Some(&SqlState::INVALID_PASSWORD), "{e}"),
        }
    }
}

#[tokio::test]
async fn single_user_rotation_changes_the_password() {
    let Some(pg) = Pg::from_env() else { return };
    db::single_user_rotation_changes_the_password(&pg, PostgresRole::new()).await;
}

#[tokio::test]
async fn passwords_full_of_quotes_backslashes_and_dollars() {
    let Some(pg) = Pg::from_env() else { return };
    // a'b"c\d$$e, written as an escape string literal by hand.
    let first = "a'b\"c\\d$$e";
    let user = pg.create_role(r#"E'a''b"c\\d$$e'"#).await;
    pg.assert_logs_in(&user, first).await;

    // setSecret logs in with that password and sets an even worse one.
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let token = Token::generate();
    let ctx = StepContext::new(&id, &token, Step::Set, Strategy::SingleUser, None);
    let worse = "x'';--\\'\"$$ $tag$ \\\\' E'\\x00' ü€ END";
    PostgresRole::new()
        .set_secret(&ctx, &pg.secret(&user, worse), &pg.secret(&user, first))
        .await
        .unwrap();
    pg.assert_logs_in(&user, worse).await;
    pg.assert_refused(&user, first).await;
    let ctx = StepContext::new(&id, &token, Step::Test, Strategy::SingleUser, None);
    PostgresRole::new()
        .test_secret(&ctx, &pg.secret(&user, worse))
        .await
        .unwrap();

    // A rotation with punctuation-heavy generated passwords, several times.
    let store = MemoryStore::new();
    store
        .create(&id, Some((&Token::generate(), &pg.secret(&user, worse))), None)
        .await
        .unwrap();
    let rotator = Rotator::new(&store, PostgresRole::new()).password_policy(
        PasswordPolicy::default()
            .exclude_uppercase(true)
            .exclude_lowercase(true),
    );
    for _ in 0..3 {
        rotator.rotate(&id, &Token::generate()).await.unwrap();
        let pw = field(&current(&store, &id).await, "password");
        pg.assert_logs_in(&user, &pw).await;
    }
}

#[tokio::test]
async fn alternating_users_switch_and_both_keep_working() {
    let Some(pg) = Pg::from_env() else { return };
    let user = pg.create_role("'orig-pw'").await;
    let clone = format!("{user}_clone");
    // Something only `user` may read, to see the clone inherit it.
    let admin = pg.admin().await;
    let table = format!("t_{}", unique());
    admin
        .batch_execute(&format!(
            "CREATE TABLE {table} (x int); INSERT INTO {table} VALUES (42); \
             REVOKE ALL ON {table} FROM PUBLIC; GRANT SELECT ON {table} TO \"{user}\";"
        ))
        .await
        .unwrap();

    let store = MemoryStore::new();
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let cfg = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    store
        .create(
            &id,
            Some((&Token::generate(), &pg.secret(&user, "orig-pw"))),
            Some(&cfg),
        )
        .await
        .unwrap();
    let rotator = Rotator::new(&store, PostgresRole::new().master(pg.master()));

    // First rotation: the clone is created and becomes current.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v1 = current(&store, &id).await;
    assert_eq!(field(&v1, "username"), clone);
    let clone_pw = field(&v1, "password");
    pg.assert_logs_in(&clone, &clone_pw).await;
    pg.assert_logs_in(&user, "orig-pw").await; // the old credential still works
    let c = pg.login(&clone, &clone_pw).await.unwrap();
    let row = c.query_one(&format!("SELECT x FROM {table}"), &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 42, "GRANT user TO user_clone");

    // Second: back to the original user, with a new password.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v2 = current(&store, &id).await;
    assert_eq!(field(&v2, "username"), user);
    let user_pw = field(&v2, "password");
    assert_ne!(user_pw, "orig-pw");
    pg.assert_logs_in(&user, &user_pw).await;
    pg.assert_refused(&user, "orig-pw").await;
    pg.assert_logs_in(&clone, &clone_pw).await; // AWSPREVIOUS still works

    // Third: the clone again, ALTER ROLE this time.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let v3 = current(&store, &id).await;
    assert_eq!(field(&v3, "username"), clone);
    pg.assert_logs_in(&clone, &field(&v3, "password")).await;
    pg.assert_refused(&clone, &clone_pw).await;
    pg.assert_logs_in(&user, &user_pw).await;

    // Without a master secret an alternating rotation says what is missing.
    let err = Rotator::new(&store, PostgresRole::new())
        .retry(rotaplan::rotate::RetryPolicy::none())
        .rotate(&id, &Token::generate())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("master secret"), "{err}");
}

#[tokio::test]
async fn rotation_killed_after_set_secret_resumes() {
    let Some(pg) = Pg::from_env() else { return };
    db::rotation_killed_after_set_secret_resumes(&pg, PostgresRole::new()).await;
}

#[tokio::test]
async fn alternating_rotation_killed_after_set_secret_resumes() {
    let Some(pg) = Pg::from_env() else { return };
    let user = pg.create_role("'alt-pw'").await;
    let store = MemoryStore::new();
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let cfg = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    store
        .create(&id, Some((&Token::generate(), &pg.secret(&user, "alt-pw"))), Some(&cfg))
        .await
        .unwrap();
    let token = Token::generate();
    let rotator = Rotator::new(&store, PostgresRole::new().master(pg.master()));
    rotator.run_step(&id, &token, Step::Create).await.unwrap();
    rotator.run_step(&id, &token, Step::Set).await.unwrap();
    // Resume: setSecret again must not fail on CREATE ROLE (the clone exists).
    rotator.rotate(&id, &token).await.unwrap();
    let v = current(&store, &id).await;
    assert_eq!(field(&v, "username"), format!("{user}_clone"));
    pg.assert_logs_in(&format!("{user}_clone"), &field(&v, "password"))
        .await;
    pg.assert_logs_in(&user, "alt-pw").await;
}

#[tokio::test]
async fn set_secret_falls_back_to_awsprevious() {
    let Some(pg) = Pg::from_env() else { return };
    // The database still has the AWSPREVIOUS password (someone put a new
    // AWSCURRENT without changing the database).
    let user = pg.create_role("'prev-pw'").await;
    let store = Arc::new(MemoryStore::new());
    let id = SecretId::new(format!("db/{user}")).unwrap();
    store
        .create(&id, Some((&Token::generate(), &pg.secret(&user, "prev-pw"))), None)
        .await
        .unwrap();
    store
        .put_value(&id, &Token::generate(), &pg.secret(&user, "never-set-pw"), None)
        .await
        .unwrap();

    // Without the fallback: AWSCURRENT is refused, and the error says so
    // without any password.
    let plain = Rotator::new(Arc::clone(&store), PostgresRole::new()).retry(rotaplan::rotate::RetryPolicy::none());
    let token = Token::generate();
    let err = plain.rotate(&id, &token).await.unwrap_err();
    assert!(err.is_target(), "{err}");
    assert!(err.to_string().contains("login refused"), "{err}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("prev-pw") && !shown.contains("never-set-pw"), "{shown}");

    // With it: AWSPREVIOUS logs in and the rotation (same token) completes.
    let target = PostgresRole::new().previous_from(Arc::clone(&store));
    Rotator::new(Arc::clone(&store), target)
        .rotate(&id, &token)
        .await
        .unwrap();
    let pw = field(&current(&store, &id).await, "password");
    pg.assert_logs_in(&user, &pw).await;
    pg.assert_refused(&user, "prev-pw").await;
}

#[tokio::test]
async fn test_secret_fails_with_a_wrong_password() {
    let Some(pg) = Pg::from_env() else { return };
    db::test_secret_fails_with_a_wrong_password(&pg, PostgresRole::new()).await;
}
