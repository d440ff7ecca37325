//! The rotation function driven the way Secrets Manager drives it: one
//! `RotationEvent` per step (parsed from the JSON AWS sends), against moto's
//! Secrets Manager (`ROTAPLAN_TEST_MOTO`) and real PostgreSQL
//! (`ROTAPLAN_TEST_PG`) and MariaDB (`ROTAPLAN_TEST_MYSQL`) servers, all
//! started by `scripts/test.sh`. Steps are repeated (AWS retries), and a
//! failed testSecret is retried with the same token.
//!
//! Most tests call `RotationHandler::handle` (the service function) with the
//! events; one runs the real `rotaplan-lambda` binary against cargo-lambda's
//! Lambda Runtime API emulator (`ROTAPLAN_TEST_LAMBDA_EMULATOR`) and sends
//! the events with `cargo lambda invoke`, as AWS would.
//!
//! moto cannot invoke a function on RotateSecret (it has no Lambda to call):
//! RotateSecret is used here only to turn rotation on, and the test sends
//! the four events itself, with a token that has no version yet (on AWS,
//! RotateSecret first stages an empty AWSPENDING version under it).

mod server_util;

use std::str::FromStr;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::types::RotationRulesType;
use mysql_async::prelude::Queryable;
use rotaplan::lambda::{LambdaConfig, RotationEvent, RotationHandler};
use rotaplan::store::{AwsSecretsManager, SecretId, SecretStore, SecretValue, Stage, Token, VersionRef};
use rotaplan::target::Step;
use server_util::{server, unique};

struct Env {
    store: AwsSecretsManager,
}

impl Env {
    fn from_env() -> Option<Env> {
        let endpoint = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server")?;
        let conf = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(endpoint)
            .build();
        Some(Env {
            store: AwsSecretsManager::from_conf(conf),
        })
    }

    /// A handler configured from these variables (as the function's
    /// environment would set them).
    fn handler(&self, vars: &[(&str, &str)]) -> RotationHandler {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let config = LambdaConfig::from_vars(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).unwrap();
        RotationHandler::new(self.store.clone(), config)
    }

    /// A secret with a first value; with rotation turned on unless `enabled`
    /// is false.
    async fn secret(&self, prefix: &str, value: &str, enabled: bool) -> SecretId {
        let id = SecretId::new(format!("rotaplan-lambda/{prefix}-{}", unique())).unwrap();
        self.store
            .create(&id, Some((&Token::generate(), &SecretValue::from(value))), None)
            .await
            .unwrap();
        if enabled {
            self.store
                .client()
                .rotate_secret()
                .secret_id(id.as_str())
                .rotation_rules(RotationRulesType::builder().automatically_after_days(30).build())
                .rotate_immediately(false)
                .send()
                .await
                .unwrap();
        }
        id
    }

    async fn value(&self, id: &SecretId, stage: Stage) -> Option<String> {
        self.store
            .get_value(id, &VersionRef::Stage(stage))
            .await
            .ok()
            .map(|v| v.value.expose_str().unwrap().to_owned())
    }
}

/// The event exactly as Secrets Manager sends it.
fn event(id: &SecretId, token: &Token, step: &str) -> RotationEvent {
    serde_json::from_value(serde_json::json!({
        "SecretId": id.as_str(),
        "ClientRequestToken": token.as_str(),
        "Step": step,
    }))
    .unwrap()
}

async fn invoke(h: &RotationHandler, id: &SecretId, token: &Token, step: Step) {
    h.handle(&event(id, token, step.as_str()))
        .await
        .unwrap_or_else(|e| panic!("{step} should succeed: {e}"));
}

fn field(json: &str, key: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v[key].as_str().unwrap().to_owned()
}

/// The PostgreSQL test server's address and superuser.
struct Pg {
    host: String,
    port: u16,
    user: String,
    password: String,
}

impl Pg {
    fn from_env() -> Option<Pg> {
        let url = server("ROTAPLAN_TEST_PG", "PostgreSQL")?;
        let c = tokio_postgres::Config::from_str(&url).unwrap();
        let host = match &c.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[allow(unreachable_patterns)]
            other => panic!("ROTAPLAN_TEST_PG must name a TCP host, not {other:?}"),
        };
        Some(Pg {
            host,
            port: c.get_ports()[0],
            user: c.get_user().unwrap().to_owned(),
            password: String::from_utf8(c.get_password().unwrap().to_vec()).unwrap(),
        })
    }

    async fn login(&self, user: &str, password: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut c = tokio_postgres::Config::new();
        c.host(&self.host)
            .port(self.port)
            .user(user)
            .password(password)
            .dbname("postgres");
        let (client, conn) = c.connect(tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }

    async fn create_role(&self, password: &str) -> String {
        let user = format!("lam_{}", unique());
        let admin = self.login(&self.user, &self.password).await.unwrap();
        admin
            .batch_execute(&format!("CREATE ROLE \"{user}\" WITH LOGIN PASSWORD '{password}'"))
            .await
            .unwrap();
        user
    }

    fn json(&self, user: &str, password: &str) -> String {
        serde_json::json!({"engine": "postgres", "host": self.host, "port": self.port,
            "username": user, "password": password, "dbname": "postgres"})
        .to_string()
    }
}

/// The MariaDB test server's address and admin.
struct My {
    host: String,
    port: u16,
    user: String,
    password: String,
}

impl My {
    fn from_env() -> Option<My> {
        let url = server("ROTAPLAN_TEST_MYSQL", "MariaDB")?;
        let o = mysql_async::Opts::from_url(&url).unwrap();
        Some(My {
            host: o.ip_or_hostname().to_owned(),
            port: o.tcp_port(),
            user: o.user().unwrap().to_owned(),
            password: o.pass().unwrap().to_owned(),
        })
    }

    async fn login(&self, user: &str, password: &str) -> Result<mysql_async::Conn, mysql_async::Error> {
        let opts = mysql_async::OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(user))
            .pass(Some(password))
            .prefer_socket(false);
        mysql_async::Conn::new(opts).await
    }

    async fn admin(&self, sql: &str) {
        let mut c = self.login(&self.user, &self.password).await.unwrap();
        c.query_drop(sql).await.unwrap();
        c.disconnect().await.unwrap();
    }

    async fn logs_in(&self, user: &str, password: &str) -> bool {
        match self.login(user, password).await {
            Ok(c) => {
                c.disconnect().await.unwrap();
                true
            }
            Err(_) => false,
        }
    }

    fn json(&self, user: &str, password: &str) -> String {
        serde_json::json!({"engine": "mariadb", "host": self.host, "port": self.port,
            "username": user, "password": password})
        .to_string()
    }
}

#[tokio::test]
async fn postgres_four_steps_with_repeated_events() {
    let (Some(env), Some(pg)) = (Env::from_env(), Pg::from_env()) else {
        return;
    };
    let user = pg.create_role("first-pw").await;
    let id = env.secret("pg", &pg.json(&user, "first-pw"), true).await;
    let h = env.handler(&[]);
    let token = Token::generate();

    invoke(&h, &id, &token, Step::Create).await;
    let pending = env.value(&id, Stage::pending()).await.unwrap();
    invoke(&h, &id, &token, Step::Create).await; // AWS retries: same value kept
    assert_eq!(env.value(&id, Stage::pending()).await.unwrap(), pending);
    let new_pw = field(&pending, "password");
    assert_ne!(new_pw, "first-pw");
    assert_eq!(new_pw.len(), 32);
    assert!(
        !new_pw.contains(['/', '@', '"', '\'', '\\']),
        "AWS's default exclusions"
    );

    invoke(&h, &id, &token, Step::Set).await;
    invoke(&h, &id, &token, Step::Set).await;
    assert!(pg.login(&user, &new_pw).await.is_ok());
    assert!(pg.login(&user, "first-pw").await.is_err());
    invoke(&h, &id, &token, Step::Test).await;
    invoke(&h, &id, &token, Step::Finish).await;
    invoke(&h, &id, &token, Step::Finish).await;

    assert_eq!(env.value(&id, Stage::current()).await.unwrap(), pending);
    assert_eq!(
        field(&env.value(&id, Stage::previous()).await.unwrap(), "password"),
        "first-pw"
    );
    assert_eq!(env.value(&id, Stage::pending()).await, None);
    // Every step of a finished rotation is a no-op now.
    for step in Step::ALL {
        invoke(&h, &id, &token, step).await;
    }
    assert_eq!(env.value(&id, Stage::current()).await.unwrap(), pending);

    // The next rotation, another token, with local passwords.
    let h = env.handler(&[("ROTAPLAN_PASSWORD_SOURCE", "local"), ("EXCLUDE_PUNCTUATION", "true")]);
    let token2 = Token::generate();
    for step in Step::ALL {
        invoke(&h, &id, &token2, step).await;
    }
    let pw2 = field(&env.value(&id, Stage::current()).await.unwrap(), "password");
    assert!(pw2.chars().all(|c| c.is_ascii_alphanumeric()), "{pw2}");
    assert!(pg.login(&user, &pw2).await.is_ok());
    assert!(pg.login(&user, &new_pw).await.is_err());
}

#[tokio::test]
async fn failed_test_secret_is_retried_with_the_same_token() {
    let (Some(env), Some(my)) = (Env::from_env(), My::from_env()) else {
        return;
    };
    let user = format!("lam_{}", unique());
    my.admin(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'one-pw'"))
        .await;
    let id = env.secret("my", &my.json(&user, "one-pw"), true).await;
    let h = env.handler(&[]);
    let token = Token::generate();
    invoke(&h, &id, &token, Step::Create).await;
    invoke(&h, &id, &token, Step::Set).await;
    let new_pw = field(&env.value(&id, Stage::pending()).await.unwrap(), "password");
    assert!(my.logs_in(&user, &new_pw).await);

    // The database loses the change (restored from a backup, say).
    my.admin(&format!("ALTER USER '{user}'@'%' IDENTIFIED BY 'one-pw'"))
        .await;
    let err = h.handle(&event(&id, &token, "testSecret")).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert_eq!(err.step(), "testSecret");
    assert!(shown.contains("testSecret") && shown.contains(id.as_str()), "{shown}");
    assert!(shown.contains("login refused"), "{shown}");
    assert!(!shown.contains(&new_pw) && !shown.contains("one-pw"), "{shown}");
    assert!(err.error().is_transient());
    assert_eq!(
        field(&env.value(&id, Stage::current()).await.unwrap(), "password"),
        "one-pw"
    );

    // Secrets Manager retries the rotation with the same token.
    for step in Step::ALL {
        invoke(&h, &id, &token, step).await;
    }
    assert_eq!(
        field(&env.value(&id, Stage::current()).await.unwrap(), "password"),
        new_pw
    );
    assert!(my.logs_in(&user, &new_pw).await);
    assert!(!my.logs_in(&user, "one-pw").await);
}

#[tokio::test]
async fn mysql_alternating_users_with_the_master_secret() {
    let (Some(env), Some(my)) = (Env::from_env(), My::from_env()) else {
        return;
    };
    let user = format!("lam_{}", unique());
    my.admin(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY 'alt-pw'"))
        .await;
    let master = env.secret("master", &my.json(&my.user, &my.password), false).await;
    let mut json: serde_json::Value = serde_json::from_str(&my.json(&user, "alt-pw")).unwrap();
    json["masterarn"] = master.as_str().into();
    let id = env.secret("alt", &json.to_string(), true).await;
    let h = env.handler(&[("ROTAPLAN_STRATEGY", "alternating-users")]);

    let token = Token::generate();
    for step in Step::ALL {
        invoke(&h, &id, &token, step).await;
        invoke(&h, &id, &token, step).await;
    }
    let cur = env.value(&id, Stage::current()).await.unwrap();
    assert_eq!(field(&cur, "username"), format!("{user}_clone"));
    assert!(my.logs_in(&format!("{user}_clone"), &field(&cur, "password")).await);
    assert!(my.logs_in(&user, "alt-pw").await, "AWSPREVIOUS keeps working");
}

#[tokio::test]
async fn checks_as_aws_templates_do() {
    let Some(env) = Env::from_env() else { return };
    let h = env.handler(&[("ROTAPLAN_TARGET", "noop")]);
    let token = Token::generate();
    let secret_shown = |e: &rotaplan::lambda::RotationFailure| format!("{e} {e:?}").contains("key-v1");

    // Rotation not enabled.
    let off = env.secret("off", "key-v1", false).await;
    let err = h.handle(&event(&off, &token, "createSecret")).await.unwrap_err();
    assert!(err.to_string().contains("not enabled for rotation"), "{err}");
    assert!(err.to_string().starts_with("createSecret of secret"), "{err}");

    let id = env.secret("key", "key-v1", true).await;
    // setSecret for a token with no version; an unknown step.
    let err = h.handle(&event(&id, &token, "setSecret")).await.unwrap_err();
    assert!(err.to_string().contains("has no version"), "{err}");
    let err = h.handle(&event(&id, &token, "rotateSecret")).await.unwrap_err();
    assert!(err.to_string().contains("unknown step \"rotateSecret\""), "{err}");
    assert!(err.error().is_invalid_request());

    // A secret that is not RDS JSON needs a configured target.
    let bare = env.handler(&[]);
    invoke(&bare, &id, &token, Step::Create).await;
    let err = bare.handle(&event(&id, &token, "setSecret")).await.unwrap_err();
    assert!(err.to_string().contains("ROTAPLAN_TARGET"), "{err}");
    assert!(!secret_shown(&err));

    // A second token while the first rotation is pending.
    let other = Token::generate();
    let err = h.handle(&event(&id, &other, "createSecret")).await.unwrap_err();
    assert!(err.error().is_rotation_in_progress(), "{err}");

    // With noop, GetRandomPassword and excluded characters.
    let h = env.handler(&[
        ("ROTAPLAN_TARGET", "noop"),
        ("EXCLUDE_CHARACTERS", "aeiouAEIOU0123"),
        ("ROTAPLAN_PASSWORD_LENGTH", "40"),
    ]);
    let token = Token::generate();
    // The pending version from before belongs to the first token: finish it.
    let first = env
        .store
        .describe(&id)
        .await
        .unwrap()
        .version_with(&Stage::pending())
        .cloned()
        .unwrap();
    let first = Token::new(first.as_str()).unwrap();
    for step in Step::ALL {
        invoke(&h, &id, &first, step).await;
    }
    for step in Step::ALL {
        invoke(&h, &id, &token, step).await;
    }
    let v = env.value(&id, Stage::current()).await.unwrap();
    assert_eq!(v.chars().count(), 40, "{v}");
    assert!(
        !v.contains(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U', '0', '1', '2', '3']),
        "{v}"
    );

    // A token whose version holds neither AWSPENDING nor AWSCURRENT.
    let err = h.handle(&event(&id, &first, "testSecret")).await.unwrap_err();
    assert!(err.to_string().contains("not set as AWSPENDING"), "{err}");
    assert!(!secret_shown(&err) && !format!("{err:?}").contains(&v));
}

/// Kills the function process when the test ends, however it ends.
struct Function(std::process::Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cargo lambda invoke` against the emulator: Ok(stdout) or Err(stderr).
fn cargo_lambda_invoke(cargo_lambda: &str, emulator: &str, event: &RotationEvent) -> Result<String, String> {
    let (host, port) = emulator.rsplit_once(':').unwrap();
    let out = std::process::Command::new(cargo_lambda)
        .args(["lambda", "invoke", "-A", host, "-P", port, "--data-ascii"])
        .arg(serde_json::to_string(event).unwrap())
        .arg("_")
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    if out.status.success() {
        Ok(text(out.stdout))
    } else {
        Err(text(out.stderr))
    }
}

#[tokio::test]
async fn the_binary_through_cargo_lambda_s_runtime_emulator() {
    let (Some(env), Some(pg)) = (Env::from_env(), Pg::from_env()) else {
        return;
    };
    let Some(emulator) = server("ROTAPLAN_TEST_LAMBDA_EMULATOR", "cargo-lambda's emulator") else {
        return;
    };
    let cargo_lambda = std::env::var("ROTAPLAN_TEST_CARGO_LAMBDA").expect("set with ROTAPLAN_TEST_LAMBDA_EMULATOR");
    let user = pg.create_role("emu-pw").await;
    let id = env.secret("emu", &pg.json(&user, "emu-pw"), true).await;

    // The real binary, as Lambda starts it: the runtime API, the function's
    // environment, credentials; its JSON log lines go to a file.
    let log = tempfile::NamedTempFile::new().unwrap();
    let moto = std::env::var("ROTAPLAN_TEST_MOTO").unwrap();
    let function = Function(
        std::process::Command::new(env!("CARGO_BIN_EXE_rotaplan-lambda"))
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://{emulator}/.rt"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("SECRETS_MANAGER_ENDPOINT", &moto)
            .env("ROTAPLAN_PASSWORD_SOURCE", "aws")
            .stdout(std::process::Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap(),
    );

    let token = Token::generate();
    let run = |step: Step| cargo_lambda_invoke(&cargo_lambda, &emulator, &event(&id, &token, step.as_str()));
    for step in [
        Step::Create,
        Step::Create,
        Step::Set,
        Step::Set,
        Step::Test,
        Step::Finish,
        Step::Finish,
    ] {
        run(step).unwrap_or_else(|e| panic!("{step} should succeed: {e}"));
    }
    let new_pw = field(&env.value(&id, Stage::current()).await.unwrap(), "password");
    assert!(pg.login(&user, &new_pw).await.is_ok());
    assert!(pg.login(&user, "emu-pw").await.is_err());

    // A failed invocation reports the step and the secret, not its value.
    let stale = event(&id, &Token::generate(), "testSecret");
    let err = cargo_lambda_invoke(&cargo_lambda, &emulator, &stale).unwrap_err();
    assert!(
        err.contains("testSecret of secret") && err.contains("has no version"),
        "{err}"
    );
    assert!(!err.contains(&new_pw));

    drop(function);
    let logs = std::fs::read_to_string(log.path()).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["step"] == "finishSecret" && l["fields"]["message"] == "step done"),
        "{logs}"
    );
    assert!(!logs.contains(&new_pw) && !logs.contains("emu-pw"), "{logs}");
}
