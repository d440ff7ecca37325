//! `plan check`: validate the schedules a repository deploys, for CI.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use rotaplan::check::{check_expression, check_file, walk, Format, MaxInterval, Options, Pos, Report};
use rotaplan::expr::Profile;

/// Arguments of `plan check`.
#[derive(clap::Args)]
pub struct Args {
    /// An expression to check; repeat for several.
    #[arg(long = "expr", value_name = "EXPR")]
    exprs: Vec<String>,
    /// Files to check: CloudFormation or SAM templates (.yaml, .yml, .json,
    /// .template), Serverless services (serverless.yml), Terraform (.tf), or
    /// lists of expressions (one per line, `#` comments). `-` reads standard
    /// input. A directory is walked (`.gitignore` honoured; hidden folders,
    /// node_modules, .terraform and cdk.out left out) and each file read by
    /// its kind; with no path and no `--expr`, `.` is walked.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// The rules to check against. `auto` (the default for files) picks them
    /// per resource; expressions on their own and lists get
    /// `secrets-manager`.
    #[arg(long, default_value = "auto", value_parser = ["auto", "secrets-manager", "eventbridge", "scheduler"])]
    profile: String,
    /// Fail a rotation schedule whose longest gap between two rotations
    /// exceeds this (`90d`, `12h`, `1d12h`, `2w`).
    #[arg(long, value_name = "DURATION")]
    max_interval: Option<MaxInterval>,
    /// How to report: `text` diagnostics, `github` workflow annotations,
    /// `json` (one object per value, JSON Lines) or `sarif` (SARIF 2.1.0).
    #[arg(long, default_value = "text", value_parser = ["text", "github", "json", "sarif"])]
    format: String,
}

pub fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.exprs.is_empty() && args.paths.is_empty() {
        args.paths.push(".".into());
    }
    let mut opts = Options::new();
    if args.profile != "auto" {
        opts = opts.profile(args.profile.parse::<Profile>()?);
    }
    if let Some(max) = args.max_interval {
        opts = opts.max_interval(max);
    }
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let mut report = Report::new();
    if !args.exprs.is_empty() {
        let entries = args
            .exprs
            .iter()
            .enumerate()
            .map(|(i, e)| check_expression(e.as_bytes(), Pos::new(i + 1, 1), &opts))
            .collect();
        report.push("--expr", Ok(entries));
    }
    let mut io_failed = false;
    for path in &args.paths {
        if path != "-" && std::path::Path::new(path).is_dir() {
            let walked = walk(&[path], &opts);
            for e in &walked.io_errors {
                eprintln!("error: {e}");
                io_failed = true;
            }
            // On standard error: JSON Lines and SARIF keep standard output.
            for (file, e) in &walked.unparsed {
                eprintln!("warning: {file}:{}: {e}; left out: it names no schedule", e.pos);
            }
            eprintln!("{path}: {}", walked.summary());
            for (file, _, result) in walked.files {
                report.push(file, result);
            }
            continue;
        }
        match read(path) {
            Ok(content) => {
                let name = (path != "-").then_some(path.as_str());
                report.push(path.clone(), check_file(name, &content, &opts));
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                io_failed = true;
            }
        }
    }
    let code = if io_failed { 2 } else { report.exit_code() };
    let mut out = std::io::stdout().lock();
    let written = report.write(format, &mut out).and_then(|()| out.flush());
    match written {
        // A reader that stopped early (`| head`) is no failure of the check.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::from(code)),
        other => other.context("writing the report")?,
    }
    if report.checked() + report.skipped() == 0 && report.unreadable() == 0 && !io_failed {
        eprintln!("warning: no schedule expressions found");
    }
    Ok(ExitCode::from(code))
}

fn read(path: &str) -> anyhow::Result<Vec<u8>> {
    let mut content = Vec::new();
    if path == "-" {
        std::io::stdin()
            .read_to_end(&mut content)
            .context("reading standard input")?;
    } else {
        content = std::fs::read(path).with_context(|| format!("reading {path}"))?;
    }
    Ok(content)
}
