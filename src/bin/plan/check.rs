//! `plan check`: validate expressions for CI.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use rotaplan::expr::{ParseError, Profile, Schedule, Warning};
use rotaplan::scan::{scan, Format, Found};

/// Arguments of `plan check`.
#[derive(clap::Args)]
pub struct Args {
    /// An expression to check; repeat for several.
    #[arg(long = "expr", value_name = "EXPR")]
    exprs: Vec<String>,
    /// Files to scan: lists of expressions (one per line, `#` comments),
    /// CloudFormation templates (.json, .yaml, .yml, .template) or Terraform
    /// files (.tf). `-` reads standard input.
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
    /// The rules to check against.
    #[arg(long, default_value = "secrets-manager", value_parser = ["secrets-manager", "eventbridge"])]
    profile: String,
    /// How to report: `text` diagnostics, `github` workflow annotations, or
    /// `json` (one object per expression, JSON Lines).
    #[arg(long, default_value = "text", value_parser = ["text", "github", "json"])]
    format: String,
}

/// One expression and where it came from.
struct Source {
    name: String,
    found: Found,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.exprs.is_empty() && args.paths.is_empty() {
        anyhow::bail!("nothing to check; give `--expr EXPR` or file paths (`-` for standard input)");
    }
    let profile: Profile = args.profile.parse()?;
    let mut sources = Vec::new();
    for (i, e) in args.exprs.iter().enumerate() {
        let found = Found::new(e.as_bytes().to_vec(), i + 1, 1);
        sources.push(Source {
            name: "--expr".into(),
            found,
        });
    }
    let mut io_failed = false;
    for path in &args.paths {
        match read(path) {
            Ok(content) => {
                let name = (path != "-").then_some(path.as_str());
                let format = Format::detect(name, &content);
                sources.extend(scan(&content, format).into_iter().map(|found| Source {
                    name: path.clone(),
                    found,
                }));
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                io_failed = true;
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let mut invalid = 0;
    for src in &sources {
        let result = Schedule::check(&src.found.expression, profile);
        let (errors, warnings) = match &result {
            Ok(c) => (Vec::new(), c.warnings.as_slice()),
            Err(e) => (vec![e.clone()], &[][..]),
        };
        invalid += !errors.is_empty() as usize;
        match args.format.as_str() {
            "json" => writeln!(out, "{}", to_json(src, &errors, warnings))?,
            "github" => write_github(&mut out, src, &errors, warnings)?,
            _ => write_text(&mut out, src, &errors, warnings)?,
        }
    }
    if args.format == "text" {
        let checked = sources.len();
        let s = if checked == 1 { "" } else { "s" };
        writeln!(
            out,
            "checked {checked} expression{s} against {profile}: {invalid} invalid"
        )?;
    }
    if sources.is_empty() && !io_failed {
        eprintln!("warning: no schedule expressions found");
    }
    Ok(ExitCode::from(if io_failed {
        2
    } else if invalid > 0 {
        1
    } else {
        0
    }))
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

/// Column in the source line of a column within the expression.
fn line_column(src: &Source, column: usize) -> usize {
    src.found.column + column - 1
}

fn write_text(out: &mut impl Write, src: &Source, errors: &[ParseError], warnings: &[Warning]) -> std::io::Result<()> {
    let Source { name, found } = src;
    for e in errors {
        writeln!(out, "{name}:{}:{}: {e:#}", found.line, line_column(src, e.column()))?;
    }
    for w in warnings {
        writeln!(out, "{name}:{}:{}: {w:#}", found.line, line_column(src, w.column()))?;
    }
    Ok(())
}

/// Escapes a workflow command's message (`%`, CR, LF) or, with
/// `property`, a property value (also `:` and `,`).
fn github_escape(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn write_github(
    out: &mut impl Write,
    src: &Source,
    errors: &[ParseError],
    warnings: &[Warning],
) -> std::io::Result<()> {
    let diagnostics = errors
        .iter()
        .map(|e| ("error", e.column(), e.message()))
        .chain(warnings.iter().map(|w| ("warning", w.column(), w.message().to_owned())));
    for (level, column, message) in diagnostics {
        // Standard input and --expr have no file to annotate.
        let file = if src.name == "-" || src.name == "--expr" {
            String::new()
        } else {
            format!("file={},", github_escape(&src.name, true))
        };
        let expr = String::from_utf8_lossy(&src.found.expression);
        writeln!(
            out,
            "::{level} {file}line={},col={},title={}::{}",
            src.found.line,
            line_column(src, column),
            github_escape(&format!("schedule expression {expr}"), true),
            github_escape(&message, false)
        )?;
    }
    Ok(())
}

/// One line of `--format json`; fields in the documented order.
#[derive(serde::Serialize)]
struct JsonLine<'a> {
    source: &'a str,
    line: usize,
    column: usize,
    expression: String,
    valid: bool,
    errors: Vec<JsonDiagnostic<'a>>,
    warnings: Vec<JsonDiagnostic<'a>>,
}

#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    message: String,
    column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<&'a str>,
}

fn to_json(src: &Source, errors: &[ParseError], warnings: &[Warning]) -> String {
    let line = JsonLine {
        source: &src.name,
        line: src.found.line,
        column: src.found.column,
        expression: String::from_utf8_lossy(&src.found.expression).into_owned(),
        valid: errors.is_empty(),
        errors: errors
            .iter()
            .map(|e| JsonDiagnostic {
                message: e.message(),
                column: line_column(src, e.column()),
                found: Some(e.found()),
            })
            .collect(),
        warnings: warnings
            .iter()
            .map(|w| JsonDiagnostic {
                message: w.message().to_owned(),
                column: line_column(src, w.column()),
                found: None,
            })
            .collect(),
    };
    serde_json::to_string(&line).expect("plain structs serialize")
}
