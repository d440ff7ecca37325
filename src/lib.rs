//! rotaplan: parse, validate and plan AWS-style secret rotation schedules.
//!
//! Parse an expression, give it a window, and ask when the next rotation
//! window opens:
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use rotaplan::{RotationRules, Schedule};
//!
//! let schedule = Schedule::parse("cron(0 16 ? * SUN#2 *)")?;
//! assert_eq!(schedule.describe().to_string(), "at 16:00 UTC on the second Sunday of every month");
//! let rules = RotationRules::new(schedule, Some("3h".parse()?))?;
//! let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
//! let window = rules.windows_after(&now).next().unwrap();
//! assert_eq!(window.start.to_rfc3339(), "2026-12-13T16:00:00+00:00");
//! assert_eq!(window.end.to_rfc3339(), "2026-12-13T19:00:00+00:00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`expr`] parses and validates expressions; [`plan`] computes occurrences
//! and windows, in UTC or any IANA time zone. With the `rotate` feature,
//! [`rotate`] holds the rotation driver and scheduler, [`store`] the secret
//! stores (where versions and stages live) and [`target`] the systems whose
//! credentials change. Each item has one path: `rotaplan::store::MemoryStore`,
//! `rotaplan::target::NoopTarget`, `rotaplan::rotate::Rotator`.
//!
//! # Crate features
//!
//! - `cli` (default): the `plan` binary (clap, anyhow); turns on `check`.
//! - `check`: [`check`], reading CloudFormation/SAM (YAML, JSON),
//!   Serverless and Terraform files with real parsers (saphyr-parser,
//!   jsonc-parser, hcl-edit) and reporting as text, GitHub annotations,
//!   JSON Lines or SARIF (serde_json).
//! - `serde`: `Serialize`/`Deserialize` for schedules and window durations
//!   (as their strings), and `Serialize` for windows (RFC 3339 instants).
//! - `rotate`: the rotation driver ([`rotate::Rotator`]), the
//!   [`store::SecretStore`] and [`target::Target`] traits, the in-memory
//!   store and the no-op and command targets (tokio, tracing).
//! - `sqlite` (default): the durable embedded store, a SQLite file with
//!   values encrypted by XChaCha20-Poly1305 (bundled SQLite).
//! - `aws`: `store::AwsSecretsManager`, a secret store on AWS Secrets
//!   Manager (aws-sdk-secretsmanager, aws-config; heavy to build).
//! - `postgres`: `target::PostgresRole`, a rotation target changing
//!   PostgreSQL role passwords, single-user or alternating users
//!   (tokio-postgres).
//! - `mysql`: `target::MysqlUser`, the same for MySQL and MariaDB users
//!   (mysql_async, plain TCP).
//! - `lambda`: `lambda`, a Secrets Manager rotation function, and the
//!   `rotaplan-lambda` binary (lambda_runtime; implies `aws`, `postgres`
//!   and `mysql`).
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "check")]
#[cfg_attr(docsrs, doc(cfg(feature = "check")))]
pub mod check;
pub mod expr;
#[cfg(feature = "lambda")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda")))]
pub mod lambda;
pub mod plan;
#[cfg(feature = "rotate")]
#[cfg_attr(docsrs, doc(cfg(feature = "rotate")))]
pub mod rotate;
#[cfg(feature = "rotate")]
#[cfg_attr(docsrs, doc(cfg(feature = "rotate")))]
pub mod store;
#[cfg(feature = "rotate")]
#[cfg_attr(docsrs, doc(cfg(feature = "rotate")))]
pub mod target;

pub use expr::Schedule;
pub use plan::{Occurrence, PlanError, RotationRules, Window, WindowDuration};
