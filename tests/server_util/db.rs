//! Scenarios both database targets (`PostgresRole`, `MysqlUser`) must pass,
//! run by `rotate_postgres` and `rotate_mysql` against their server.

use rotaplan::rotate::Rotator;
use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Strategy, Token, VersionRef};
use rotaplan::target::{Step, StepContext, Target};

use super::{current, field};

/// A test database server, as a test file wraps it.
#[allow(async_fn_in_trait)]
pub trait DbServer {
    /// An RDS-shaped secret for `user` with `password` on this server.
    fn secret(&self, user: &str, password: &str) -> SecretValue;
    /// A fresh login user with a password given as an SQL literal, quoted
    /// by hand (not by the code under test).
    async fn create_user(&self, password_sql: &str) -> String;
    /// Asserts `user` logs in with `password` and is that user.
    async fn assert_logs_in(&self, user: &str, password: &str);
    /// Asserts the server refuses `user` with `password` as a bad password.
    async fn assert_refused(&self, user: &str, password: &str);
}

/// A secret `db/<user>` in a new store, holding `value` as AWSCURRENT.
async fn stored(user: &str, value: &SecretValue) -> (MemoryStore, SecretId) {
    let store = MemoryStore::new();
    let id = SecretId::new(format!("db/{user}")).unwrap();
    store
        .create(&id, Some((&Token::generate(), value)), None)
        .await
        .unwrap();
    (store, id)
}

/// Two single-user rotations: each new password logs in, the one before
/// stops working.
pub async fn single_user_rotation_changes_the_password<D: DbServer, T: Target>(db: &D, target: T) {
    let user = db.create_user("'first-pw'").await;
    db.assert_logs_in(&user, "first-pw").await;

    let (store, id) = stored(&user, &db.secret(&user, "first-pw")).await;
    let rotator = Rotator::new(&store, target);
    rotator.rotate(&id, &Token::generate()).await.unwrap();

    let new = field(&current(&store, &id).await, "password");
    assert_ne!(new, "first-pw");
    db.assert_logs_in(&user, &new).await;
    db.assert_refused(&user, "first-pw").await;

    // Again: the previous new password stops working too.
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let newer = field(&current(&store, &id).await, "password");
    db.assert_logs_in(&user, &newer).await;
    db.assert_refused(&user, &new).await;
}

/// A rotation killed after setSecret: another token is refused, the same
/// token resumes (setSecret sees that AWSPENDING already logs in, while
/// AWSCURRENT no longer would).
pub async fn rotation_killed_after_set_secret_resumes<D: DbServer, T: Target + Clone>(db: &D, target: T) {
    let user = db.create_user("'before-pw'").await;
    let (store, id) = stored(&user, &db.secret(&user, "before-pw")).await;
    let token = Token::generate();
    {
        let rotator = Rotator::new(&store, target.clone());
        rotator.run_step(&id, &token, Step::Create).await.unwrap();
        rotator.run_step(&id, &token, Step::Set).await.unwrap();
        // The process dies here.
    }
    let pending = store
        .get_value(&id, &VersionRef::Stage(Stage::pending()))
        .await
        .unwrap()
        .value;
    let pending_pw = field(&pending, "password");
    // The database already has the new password; AWSCURRENT is stale.
    db.assert_logs_in(&user, &pending_pw).await;
    db.assert_refused(&user, "before-pw").await;
    assert_eq!(field(&current(&store, &id).await, "password"), "before-pw");

    let rotator = Rotator::new(&store, target);
    let err = rotator.rotate(&id, &Token::generate()).await.unwrap_err();
    assert!(err.is_rotation_in_progress(), "{err}");
    rotator.rotate(&id, &token).await.unwrap();
    assert_eq!(field(&current(&store, &id).await, "password"), pending_pw);
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::pending()), None);
    db.assert_logs_in(&user, &pending_pw).await;
    db.assert_refused(&user, "before-pw").await;
}

/// testSecret with a wrong password is a transient target error naming the
/// step and user, never the password; a malformed secret is a final error
/// naming the key.
pub async fn test_secret_fails_with_a_wrong_password<D: DbServer, T: Target>(db: &D, target: T) {
    let user = db.create_user("'right-pw'").await;
    let id = SecretId::new(format!("db/{user}")).unwrap();
    let token = Token::generate();
    let ctx = StepContext::new(&id, &token, Step::Test, Strategy::SingleUser, None);
    target.test_secret(&ctx, &db.secret(&user, "right-pw")).await.unwrap();
    let err = target
        .test_secret(&ctx, &db.secret(&user, "wrong-pw"))
        .await
        .unwrap_err();
    assert!(err.is_target() && err.is_transient(), "{err}");
    assert!(
        err.to_string().contains(&user) && err.to_string().contains("testSecret"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("wrong-pw"));

    let mut no_host: serde_json::Value = serde_json::from_str(db.secret("u", "p").expose_str().unwrap()).unwrap();
    no_host.as_object_mut().unwrap().remove("host");
    let err = target
        .test_secret(&ctx, &SecretValue::from(no_host.to_string()))
        .await
        .unwrap_err();
    assert!(err.is_invalid_request() && !err.is_transient(), "{err}");
    assert!(err.to_string().contains("missing key `host`"), "{err}");
}
