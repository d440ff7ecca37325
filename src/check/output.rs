//! Reports: text for people, GitHub workflow commands, JSON Lines, SARIF
//! 2.1.0 for code scanning.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use serde_json::{json, Value};

use crate::expr::Profile;

use super::{Diagnostic, Entry, Rule, SyntaxError};

/// An output format.
///
/// ```
/// use rotaplan::check::Format;
///
/// let f: Format = "sarif".parse()?;
/// assert_eq!(f, Format::Sarif);
/// assert_eq!(f.to_string(), "sarif");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `file:line:column: error: ...` with carets, and a summary line.
    Text,
    /// GitHub Actions workflow commands (`::error file=...::...`).
    Github,
    /// One JSON object per value, JSON Lines.
    Json,
    /// SARIF 2.1.0, one result per finding.
    Sarif,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "github" => Ok(Format::Github),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            _ => Err(format!("unknown format `{s}`; expected text, github, json or sarif")),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Github => "github",
            Format::Json => "json",
            Format::Sarif => "sarif",
        })
    }
}

/// What a file gave: its entries, or why it could not be read.
#[derive(Debug)]
struct FileResult {
    source: String,
    result: Result<Vec<Entry>, SyntaxError>,
}

/// The results of one `plan check` run, in the order the sources were
/// given, and their rendering.
///
/// ```
/// use rotaplan::check::{check_file, Format, Options, Report};
///
/// let mut report = Report::new();
/// report.push("schedules.txt", check_file(Some("schedules.txt"), b"rate(1 day)\nrate(1 hour)\n", &Options::new()));
/// let mut out = Vec::new();
/// report.write(Format::Text, &mut out)?;
/// assert_eq!(
///     String::from_utf8(out)?,
///     "schedules.txt:2:6: error: Secrets Manager rotates at most every 4 hours\n  \
///        | rate(1 hour)\n  \
///        |      ^\n\
///      checked 2 expressions against secrets-manager: 1 invalid\n"
/// );
/// assert_eq!(report.exit_code(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Report {
    files: Vec<FileResult>,
}

impl Report {
    /// An empty report.
    ///
    /// ```
    /// assert_eq!(rotaplan::check::Report::new().exit_code(), 0);
    /// ```
    pub fn new() -> Report {
        Report::default()
    }

    /// Adds what `source` gave (`-` for standard input, `--expr` for
    /// expressions on the command line).
    ///
    /// ```
    /// let mut r = rotaplan::check::Report::new();
    /// r.push("-", rotaplan::check::check_file(None, b"rate(1 day)", &Default::default()));
    /// assert_eq!(r.checked(), 1);
    /// ```
    pub fn push(&mut self, source: impl Into<String>, result: Result<Vec<Entry>, SyntaxError>) {
        self.files.push(FileResult {
            source: source.into(),
            result,
        });
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.files.iter().filter_map(|f| f.result.as_ref().ok()).flatten()
    }

    /// Values checked (not skipped).
    ///
    /// ```
    /// use rotaplan::check::{check_file, Options, Report};
    ///
    /// let tf = br#"
    /// resource "aws_cloudwatch_event_rule" "a" { schedule_expression = "rate(5 minutes)" }
    /// resource "aws_cloudwatch_event_rule" "b" { schedule_expression = var.schedule }
    /// resource "aws_cloudwatch_event_rule" "c" { schedule_expression = "rate(0 minutes)" }
    /// "#;
    /// let mut report = Report::new();
    /// report.push("main.tf", check_file(Some("main.tf"), tf, &Options::new()));
    /// report.push("bad.json", check_file(Some("bad.json"), b"{", &Options::new()));
    /// assert_eq!((report.checked(), report.invalid(), report.skipped(), report.unreadable()), (2, 1, 1, 1));
    /// assert_eq!(report.exit_code(), 2);
    /// ```
    pub fn checked(&self) -> usize {
        self.entries().filter(|e| e.skipped.is_none()).count()
    }

    /// Values with at least one error (see [`Report::checked`]).
    pub fn invalid(&self) -> usize {
        self.entries().filter(|e| !e.errors.is_empty()).count()
    }

    /// Values not checked because they are only known at deploy time (see
    /// [`Report::checked`]).
    pub fn skipped(&self) -> usize {
        self.entries().filter(|e| e.skipped.is_some()).count()
    }

    /// Files that did not parse (see [`Report::checked`]).
    pub fn unreadable(&self) -> usize {
        self.files.iter().filter(|f| f.result.is_err()).count()
    }

    /// 2 when a file did not parse, else 1 when a value is invalid, else 0
    /// (see [`Report::checked`]).
    pub fn exit_code(&self) -> u8 {
        if self.unreadable() > 0 {
            2
        } else if self.invalid() > 0 {
            1
        } else {
            0
        }
    }

    /// Writes the report in `format`. Text ends with a summary line.
    ///
    /// # Errors
    ///
    /// What writing to `out` returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::check::{check_expression, Format, Options, Pos, Report};
    ///
    /// let mut report = Report::new();
    /// report.push("--expr", Ok(vec![check_expression(b"rate(1 day)", Pos::new(1, 1), &Options::new())]));
    /// let mut out = Vec::new();
    /// report.write(Format::Json, &mut out)?;
    /// assert!(String::from_utf8(out)?.starts_with(r#"{"source":"--expr","line":1,"column":1,"profile":"secrets-manager""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Text => self.text(out),
            Format::Github => self.github(out),
            Format::Json => self.json(out),
            Format::Sarif => {
                serde_json::to_writer_pretty(&mut *out, &self.sarif())?;
                writeln!(out)
            }
        }
    }

    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        for f in &self.files {
            let src = &f.source;
            let entries = match &f.result {
                Ok(entries) => entries,
                Err(e) => {
                    writeln!(out, "{src}:{}: error: {e}", e.pos)?;
                    continue;
                }
            };
            for e in entries {
                let context = match (&e.resource, &e.path) {
                    (Some(r), Some(p)) => format!(" ({r}: {p})"),
                    (Some(r), None) => format!(" ({r})"),
                    (None, Some(p)) => format!(" ({p})"),
                    _ => String::new(),
                };
                let diags = e
                    .errors
                    .iter()
                    .map(|d| ("error", d))
                    .chain(e.warnings.iter().map(|d| ("warning", d)));
                for (level, d) in diags {
                    write!(out, "{src}:{}: {level}: {}{context}", d.pos, d.message)?;
                    if let Some((_, snippet)) = d.detail.as_deref().and_then(|s| s.split_once('\n')) {
                        write!(out, "\n{snippet}")?;
                    }
                    writeln!(out)?;
                }
            }
        }
        writeln!(out, "{}", self.summary())
    }

    fn summary(&self) -> String {
        let checked = self.checked();
        let all_expressions = self.entries().filter(|e| e.skipped.is_none()).all(|e| e.is_expression);
        let noun = match (all_expressions, checked == 1) {
            (true, true) => "expression",
            (true, false) => "expressions",
            (false, true) => "value",
            (false, false) => "values",
        };
        let profiles: Vec<&str> = [Profile::SecretsManager, Profile::EventBridge, Profile::Scheduler]
            .into_iter()
            .filter(|p| self.entries().any(|e| e.skipped.is_none() && e.profile == Some(*p)))
            .map(Profile::name)
            .collect();
        let against = match profiles.as_slice() {
            [] => String::new(),
            [one] => format!(" against {one}"),
            [init @ .., last] => format!(" against {} and {last}", init.join(", ")),
        };
        let mut s = format!("checked {checked} {noun}{against}: {} invalid", self.invalid());
        let skipped = self.skipped();
        if skipped > 0 {
            s.push_str(&format!(", {skipped} skipped (known only at deploy time)"));
        }
        let unreadable = self.unreadable();
        if unreadable > 0 {
            let files = if unreadable == 1 { "file" } else { "files" };
            s.push_str(&format!(", {unreadable} {files} not parsed"));
        }
        s
    }

    fn github(&self, out: &mut dyn Write) -> io::Result<()> {
        for f in &self.files {
            // Standard input and --expr have no file to annotate.
            let file = if f.source == "-" || f.source == "--expr" {
                String::new()
            } else {
                format!("file={},", github_escape(&f.source, true))
            };
            let entries = match &f.result {
                Ok(entries) => entries,
                Err(e) => {
                    writeln!(
                        out,
                        "::error {file}line={},col={},title=cannot parse::{}",
                        e.pos.line,
                        e.pos.column,
                        github_escape(&e.to_string(), false)
                    )?;
                    continue;
                }
            };
            for e in entries {
                let title = if e.is_expression {
                    format!("schedule expression {}", e.shown())
                } else {
                    [e.resource.as_deref(), e.path.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let diags = e
                    .errors
                    .iter()
                    .map(|d| ("error", d))
                    .chain(e.warnings.iter().map(|d| ("warning", d)));
                for (level, d) in diags {
                    writeln!(
                        out,
                        "::{level} {file}line={},col={},title={}::{}",
                        d.pos.line,
                        d.pos.column,
                        github_escape(&title, true),
                        github_escape(&d.message, false)
                    )?;
                }
            }
        }
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        for f in &self.files {
            let line = match &f.result {
                Ok(entries) => {
                    for e in entries {
                        serde_json::to_writer(&mut *out, &json_entry(&f.source, e))?;
                        writeln!(out)?;
                    }
                    continue;
                }
                Err(e) => json!({
                    "source": f.source,
                    "line": e.pos.line,
                    "column": e.pos.column,
                    "error": e.to_string(),
                }),
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        Ok(())
    }

    /// The SARIF 2.1.0 log.
    fn sarif(&self) -> Value {
        let rules: Vec<Value> = Rule::ALL
            .iter()
            .map(|r| {
                json!({
                    "id": r.id(),
                    "shortDescription": { "text": r.description() },
                    "defaultConfiguration": { "level": if *r == Rule::NotLiteral { "note" } else { "error" } },
                })
            })
            .collect();
        let mut results = Vec::new();
        let location = |source: &str, pos: super::Pos| -> Value {
            if source == "--expr" {
                return json!([]);
            }
            let uri = if source == "-" { "stdin" } else { source };
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri.replace('\\', "/") },
                    "region": { "startLine": pos.line, "startColumn": pos.column },
                }
            }])
        };
        let result = |rule: Rule, level: &str, text: String, locations: Value| {
            json!({
                "ruleId": rule.id(),
                "ruleIndex": Rule::ALL.iter().position(|r| *r == rule),
                "level": level,
                "message": { "text": text },
                "locations": locations,
            })
        };
        // Where a resolved value comes from: one related location per step.
        let related = |source: &str, r: &super::Resolution| -> Value {
            let steps: Vec<Value> = r
                .from
                .iter()
                .enumerate()
                .filter_map(|(i, o)| {
                    let file = o.file.as_deref().unwrap_or(source);
                    let mut loc = location(file, o.pos).as_array()?.first()?.clone();
                    loc["id"] = json!(i);
                    loc["message"] = json!({ "text": o.to_string() });
                    Some(loc)
                })
                .collect();
            json!(steps)
        };
        for f in &self.files {
            let entries = match &f.result {
                Ok(entries) => entries,
                Err(e) => {
                    results.push(result(Rule::Syntax, "error", e.to_string(), location(&f.source, e.pos)));
                    continue;
                }
            };
            for e in entries {
                let context = match (&e.resource, &e.path) {
                    (Some(r), Some(p)) => format!(" ({r}: {p})"),
                    (None, Some(p)) => format!(" ({p})"),
                    (Some(r), None) => format!(" ({r})"),
                    _ => String::new(),
                };
                let diags = e
                    .errors
                    .iter()
                    .map(|d| ("error", d))
                    .chain(e.warnings.iter().map(|d| ("warning", d)));
                for (level, d) in diags {
                    let text = format!("{}{context}: `{}`", d.message, e.shown());
                    let mut r = result(d.rule, level, text, location(&f.source, d.pos));
                    if let Some(res) = &d.resolved {
                        let steps = related(&f.source, res);
                        if steps.as_array().is_some_and(|s| !s.is_empty()) {
                            r["relatedLocations"] = steps;
                        }
                        r["properties"] = json!({ "resolvedValue": res.value });
                    }
                    results.push(r);
                }
                if let Some(why) = &e.skipped {
                    let text = format!("not checked: {why}{context}");
                    results.push(result(Rule::NotLiteral, "note", text, location(&f.source, e.pos)));
                }
            }
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "rotaplan",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        })
    }
}

fn json_entry(source: &str, e: &Entry) -> Value {
    let diag = |d: &Diagnostic| {
        let mut v = json!({
            "rule": d.rule.id(),
            "message": d.message,
            "line": d.pos.line,
            "column": d.pos.column,
        });
        if let Some(found) = &d.found {
            v["found"] = json!(found);
        }
        if let Some(r) = &d.resolved {
            v["resolved"] = resolution(r);
        }
        v
    };
    let mut v = json!({
        "source": source,
        "line": e.pos.line,
        "column": e.pos.column,
        "profile": e.profile.map(Profile::name),
        "resource": e.resource,
        "path": e.path,
    });
    v[if e.is_expression { "expression" } else { "value" }] = json!(e.shown());
    if !e.resolved.is_empty() {
        v["resolved"] = e.resolved.iter().map(resolution).collect();
    }
    match &e.skipped {
        Some(why) => v["skipped"] = json!(why),
        None => {
            v["valid"] = json!(e.errors.is_empty());
            v["errors"] = e.errors.iter().map(diag).collect();
            v["warnings"] = e.warnings.iter().map(diag).collect();
        }
    }
    v
}

/// `{"value": ..., "from": [{"name", "value", "place", "file"?, "line", "column"}]}`.
fn resolution(r: &super::Resolution) -> Value {
    let from: Vec<Value> = r
        .from
        .iter()
        .map(|o| {
            let mut v = json!({
                "name": o.name,
                "value": o.value,
                "place": o.place,
                "line": o.pos.line,
                "column": o.pos.column,
            });
            if let Some(file) = &o.file {
                v["file"] = json!(file);
            }
            v
        })
        .collect();
    json!({ "value": r.value, "from": from })
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
