//! rotaplan: parse, validate and plan AWS-style secret rotation schedules.
//!
//! ```
//! use rotaplan::expr::Schedule;
//!
//! let schedule = Schedule::parse("cron(0 16 ? * SUN#2 *)")?;
//! assert_eq!(schedule.to_string(), "cron(0 16 ? * SUN#2 *)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! - `cli` (default): the `plan` binary.
//! - `serde`: `Serialize`/`Deserialize` for schedules (as their expression
//!   string).
//! - `rotate`: the rotation driver ([`rotate::Rotator`]), the
//!   [`rotate::SecretStore`] and [`rotate::Target`] traits, the in-memory
//!   store and the no-op and command targets (tokio, tracing).
//! - `sqlite` (default): the durable embedded store, a SQLite file with
//!   values encrypted by XChaCha20-Poly1305 (bundled SQLite).
//! - `aws`: `rotate::AwsSecretsManager`, a secret store on AWS Secrets
//!   Manager (aws-sdk-secretsmanager, aws-config; heavy to build).
//! - `postgres`: `rotate::PostgresRole`, a rotation target changing
//!   PostgreSQL role passwords, single-user or alternating users
//!   (tokio-postgres).
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod expr;
#[cfg(feature = "rotate")]
#[cfg_attr(docsrs, doc(cfg(feature = "rotate")))]
pub mod rotate;
pub mod scan;
