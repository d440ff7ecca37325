/*!
Checking infrastructure code: the schedule expressions and rotation rules a
repository deploys, read from CloudFormation and SAM templates (YAML or
JSON), Serverless Framework services, Terraform configurations and plain
lists, each value checked by the rules of the resource it belongs to.

```
use rotaplan::check::{check_file, Options};

let template = br#"
Resources:
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref Secret
      RotationRules:
        ScheduleExpression: rate(4 hours)
        Duration: 5h          # longer than the 4 hours between windows
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(5 minutes)
"#;
let entries = check_file(Some("template.yaml"), template, &Options::new())?;
let errors: Vec<String> = entries
    .iter()
    .flat_map(|e| e.errors.iter().map(move |d| format!("{} {} {}: {}", e.resource.as_deref().unwrap_or(""), e.path.as_deref().unwrap_or(""), d.pos, d.rule)))
    .collect();
assert_eq!(errors, ["Rotation Properties.RotationRules.Duration 9:19: rotation-window"]);
# Ok::<(), Box<dyn std::error::Error>>(())
```

# How files are read

Files are parsed, never scanned line by line: YAML with saphyr-parser
(CloudFormation's short-form tags such as `!Ref` and `!Sub` parse as
intrinsic functions), JSON with jsonc-parser in strict mode (minified CDK
output included) and HCL with hcl-edit. Comments are never read as values,
block scalars and flow mappings are read as YAML defines them, and a file
that does not parse is a [`SyntaxError`] with its position. Long
(`Fn::Sub:`, `{"Ref": ...}`) and short (`!Sub`) intrinsic forms read the
same.

# Values known before deploy

A value the files themselves pin down is checked once per value it can
take, each recorded as a [`Resolution`] in [`Entry::resolved`]:

- CloudFormation and SAM: `Ref` and `${P}` in `Fn::Sub` to a parameter
  (every `AllowedValues` item, else the `Default`), `Fn::FindInMap` with
  keys that resolve, both branches of `Fn::If`, `Fn::Sub` with its variable
  map, `Fn::Join` and `Fn::Select` of resolvable parts.
- Terraform: `var.x` from `terraform.tfvars`, `terraform.tfvars.json`,
  then `*.auto.tfvars(.json)` in lexical order (a later file wins) in the
  file's directory, else the variable's `default` (declared in the
  directory's `.tf` files); `local.x`; string templates and conditionals
  over them, in `.tf` files and in `.tf.json` strings.
- Serverless: `${self:...}` paths into the same file, and a variable's
  literal fallback (`${opt:stage, 'dev'}`).

A broken rule is reported at the property, naming the value and where it
came from ([`Diagnostic::resolved`]); each distinct invalid value is one
diagnostic. What only the deploy decides (pseudo parameters, SSM parameter
types, parameters with no value, `GetAtt`, imports, `${ssm:...}`,
Terraform resource attributes) is an [`Entry`] with
[`skipped`](Entry::skipped) set and the reason, never dropped.

```
use rotaplan::check::{check_file, Options};

let yaml = br#"
Parameters:
  Days: {Type: Number, AllowedValues: [30, 1001]}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /s}
Resources:
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      RotationRules:
        ScheduleExpression: !Sub "rate(${Days} days)"
  Rule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: !Ref FromSsm
"#;
let entries = check_file(Some("template.yaml"), yaml, &Options::new())?;
assert_eq!(
    entries[0].errors[0].message,
    "rate(${Days} days) with Days=1001 (Parameters.Days.AllowedValues[1], line 3): \
     Secrets Manager rotates at least every 1000 days"
);
assert_eq!(entries[1].skipped.as_deref(), Some("`FromSsm` has an SSM parameter type, resolved at deploy time"));
# Ok::<(), rotaplan::check::SyntaxError>(())
```

# Directories

[`walk`] reads a directory tree as `plan check DIR` does: `.gitignore`
honoured, hidden folders, `.git`, `node_modules`, `.terraform` and
`cdk.out` left out unless named, each file read by the kind its name and
content give ([`FileKind`]), files checked in parallel.

# Which rules apply

With no profile in [`Options`], each value gets the rules of what it belongs
to:

| resource | values | profile |
|---|---|---|
| `AWS::SecretsManager::RotationSchedule`, `aws_secretsmanager_secret_rotation` | `RotationRules` / `rotation_rules`: `ScheduleExpression`, `AutomaticallyAfterDays` (1–1000, not with `ScheduleExpression`), `Duration` (window rules) | Secrets Manager |
| `AWS::Events::Rule`, `aws_cloudwatch_event_rule`, SAM `Type: Schedule` events, Serverless `schedule` | the expression | EventBridge |
| `AWS::Scheduler::Schedule`, `aws_scheduler_schedule`, SAM `Type: ScheduleV2` events, Serverless `schedule` with `method: scheduler` | the expression, its time zone (IANA), the flexible time window (Mode `OFF`/`FLEXIBLE`, 1–1440 minutes) | Scheduler |

Plain lists get the Secrets Manager rules unless a profile is given.
*/

mod cloudformation;
mod json;
mod lists;
mod output;
mod pos;
mod resolve;
mod rules;
mod serverless;
mod terraform;
mod tree;
mod walk;
mod yaml;

use std::fmt;

pub use crate::plan::MaxInterval;
pub use output::{Format, Report};
pub use pos::Pos;
pub use walk::{walk, FileKind, Walked};

use crate::expr::Profile;

/// What to check against.
///
/// ```
/// use rotaplan::check::{MaxInterval, Options};
/// use rotaplan::expr::Profile;
///
/// let opts = Options::new().profile(Profile::EventBridge).max_interval("90d".parse::<MaxInterval>()?);
/// # Ok::<(), rotaplan::check::ParseIntervalError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Options {
    profile: Option<Profile>,
    max_interval: Option<MaxInterval>,
}

pub use crate::plan::ParseIntervalError;

impl Options {
    /// Each value by the rules of its resource; no interval policy.
    ///
    /// ```
    /// let opts = rotaplan::check::Options::new();
    /// ```
    pub fn new() -> Options {
        Options::default()
    }

    /// Forces one rule set for every value.
    ///
    /// ```
    /// let opts = rotaplan::check::Options::new().profile(rotaplan::expr::Profile::Scheduler);
    /// ```
    pub fn profile(mut self, profile: Profile) -> Options {
        self.profile = Some(profile);
        self
    }

    /// Fails a rotation schedule whose longest gap between two rotations
    /// exceeds `max`.
    ///
    /// ```
    /// let opts = rotaplan::check::Options::new().max_interval("12h".parse()?);
    /// # Ok::<(), rotaplan::check::ParseIntervalError>(())
    /// ```
    pub fn max_interval(mut self, max: MaxInterval) -> Options {
        self.max_interval = Some(max);
        self
    }
}

/// The rule a [`Diagnostic`] is about; its [`id`](Rule::id) is what SARIF
/// and JSON report.
///
/// ```
/// assert_eq!(rotaplan::check::Rule::RotationDays.id(), "rotation-days");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// The file does not parse.
    Syntax,
    /// A schedule expression is invalid for its profile.
    Expression,
    /// A value has the wrong type (a mapping where a string belongs).
    Type,
    /// `AutomaticallyAfterDays` outside 1–1000.
    RotationDays,
    /// `AutomaticallyAfterDays` together with `ScheduleExpression`.
    RotationExclusive,
    /// `Duration` is not `Nh`, or breaks the window rules.
    RotationWindow,
    /// `ScheduleExpressionTimezone` is not an IANA zone.
    Timezone,
    /// `FlexibleTimeWindow`: Mode and `MaximumWindowInMinutes`.
    FlexibleWindow,
    /// The longest gap between rotations exceeds `--max-interval`.
    MaxInterval,
    /// A value only known at deploy time was not checked.
    NotLiteral,
}

impl Rule {
    /// Every rule, in a stable order (SARIF's `ruleIndex`).
    ///
    /// ```
    /// assert_eq!(rotaplan::check::Rule::ALL[0].id(), "syntax");
    /// ```
    pub const ALL: [Rule; 10] = [
        Rule::Syntax,
        Rule::Expression,
        Rule::Type,
        Rule::RotationDays,
        Rule::RotationExclusive,
        Rule::RotationWindow,
        Rule::Timezone,
        Rule::FlexibleWindow,
        Rule::MaxInterval,
        Rule::NotLiteral,
    ];

    /// The rule's identifier.
    ///
    /// ```
    /// assert_eq!(rotaplan::check::Rule::Expression.id(), "schedule-expression");
    /// ```
    pub fn id(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::Expression => "schedule-expression",
            Rule::Type => "value-type",
            Rule::RotationDays => "rotation-days",
            Rule::RotationExclusive => "rotation-exclusive",
            Rule::RotationWindow => "rotation-window",
            Rule::Timezone => "timezone",
            Rule::FlexibleWindow => "flexible-window",
            Rule::MaxInterval => "max-interval",
            Rule::NotLiteral => "not-literal",
        }
    }

    /// One sentence on what the rule checks.
    ///
    /// ```
    /// assert!(rotaplan::check::Rule::Timezone.description().contains("IANA"));
    /// ```
    pub fn description(self) -> &'static str {
        match self {
            Rule::Syntax => "The file parses as YAML, JSON or HCL.",
            Rule::Expression => "A schedule expression is valid for the service that runs it (Secrets Manager, EventBridge rules, EventBridge Scheduler).",
            Rule::Type => "A property that takes a string or a number is not a mapping or a list.",
            Rule::RotationDays => "RotationRules.AutomaticallyAfterDays is an integer from 1 to 1000.",
            Rule::RotationExclusive => "RotationRules sets AutomaticallyAfterDays or ScheduleExpression, not both.",
            Rule::RotationWindow => "RotationRules.Duration is `Nh` and its windows neither run into the next window nor into the next UTC day.",
            Rule::Timezone => "ScheduleExpressionTimezone is an IANA time zone name.",
            Rule::FlexibleWindow => "FlexibleTimeWindow: Mode is OFF or FLEXIBLE, MaximumWindowInMinutes 1-1440 and only with FLEXIBLE.",
            Rule::MaxInterval => "The longest gap between two rotations is at most the --max-interval policy.",
            Rule::NotLiteral => "The value is only known at deploy time (an intrinsic function, a variable or an interpolation) and was not checked.",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One error or warning about a value.
///
/// ```
/// use rotaplan::check::{check_expression, Options, Pos, Rule};
///
/// let e = check_expression(b"cron(0 10 * * MON *)", Pos::new(4, 9), &Options::new());
/// let d = &e.errors[0];
/// assert_eq!((d.rule, d.pos), (Rule::Expression, Pos::new(4, 19)));
/// assert_eq!(d.found.as_deref(), Some("*"));
/// assert!(d.detail.as_deref().unwrap().starts_with("error: day-of-month and day-of-week"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The rule broken.
    pub rule: Rule,
    /// One line, without the position.
    pub message: String,
    /// Where in the file.
    pub pos: Pos,
    /// The offending text, when the message is about part of the value.
    pub found: Option<String>,
    /// A multi-line rendering with carets under the offending part (for
    /// schedule expressions), starting with `error: ` or `warning: `.
    pub detail: Option<String>,
    /// For a value resolved before deploy (a parameter, a mapping, a
    /// variable): the value that breaks the rule and where it comes from.
    pub resolved: Option<Resolution>,
}

/// A value resolved before deploy, and the steps that gave it.
///
/// ```
/// use rotaplan::check::{check_file, Options};
///
/// let yaml = b"Parameters:\n  Days:\n    Type: Number\n    Default: 1001\nResources:\n  R:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        ScheduleExpression: !Sub rate(${Days} days)\n";
/// let e = &check_file(Some("t.yaml"), yaml, &Options::new())?[0];
/// let r = e.errors[0].resolved.as_ref().unwrap();
/// assert_eq!(r.value, "rate(1001 days)");
/// assert_eq!((r.from[0].name.as_str(), r.from[0].place.as_str(), r.from[0].pos.line), ("Days", "Parameters.Days.Default", 4));
/// # Ok::<(), rotaplan::check::SyntaxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// The value checked.
    pub value: String,
    /// The bindings that gave it, outermost first.
    pub from: Vec<Origin>,
}

/// One step of a [`Resolution`]: `Days` took `1001` from
/// `Parameters.Days.AllowedValues[2]`, line 7.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    /// What was looked up: a parameter, a condition, `var.days`,
    /// `self:custom.rate`.
    pub name: String,
    /// The value it took.
    pub value: String,
    /// Where in its file (`Parameters.Days.AllowedValues[2]`); may be empty.
    pub place: String,
    /// Its file, when not the file being checked.
    pub file: Option<String>,
    /// Where the value is written.
    pub pos: Pos,
}

impl fmt::Display for Origin {
    /// `Days=1001 (Parameters.Days.AllowedValues[2], line 7)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={} (", self.name, self.value)?;
        if let Some(file) = &self.file {
            write!(f, "{file}, ")?;
        }
        if !self.place.is_empty() {
            write!(f, "{}, ", self.place)?;
        }
        write!(f, "line {})", self.pos.line)
    }
}

impl Diagnostic {
    pub(crate) fn new(rule: Rule, pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            message: message.into(),
            pos,
            found: None,
            detail: None,
            resolved: None,
        }
    }
}

/// One value checked (or skipped): a schedule expression, or another
/// property of a schedule or rotation.
///
/// ```
/// use rotaplan::check::{check_file, Options};
///
/// let yaml = b"Resources:\n  R:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: !Ref Sched\n";
/// let e = &check_file(Some("t.yaml"), yaml, &Options::new())?[0];
/// assert_eq!(e.resource.as_deref(), Some("R"));
/// assert_eq!(e.path.as_deref(), Some("Properties.ScheduleExpression"));
/// assert_eq!(e.skipped.as_deref(), Some("`!Ref`, resolved at deploy time"));
/// # Ok::<(), rotaplan::check::SyntaxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// Where the value starts.
    pub pos: Pos,
    /// The resource: a CloudFormation logical id, a Terraform address
    /// (`aws_secretsmanager_secret_rotation.db`), a Serverless function
    /// (`functions.report`); `None` for lists.
    pub resource: Option<String>,
    /// The property path within the resource
    /// (`Properties.RotationRules.Duration`).
    pub path: Option<String>,
    /// The rules the value was checked by (for schedule expressions).
    pub profile: Option<Profile>,
    /// The value as written (an intrinsic's name when skipped).
    pub value: String,
    /// Whether the value is a schedule expression.
    pub is_expression: bool,
    /// Why the value was not checked (it is only known at deploy time).
    pub skipped: Option<String>,
    /// The values it was checked as, when resolved before deploy
    /// (every allowed value of a parameter, both branches of an `Fn::If`).
    pub resolved: Vec<Resolution>,
    /// Errors, in position order.
    pub errors: Vec<Diagnostic>,
    /// Warnings: constructs that parse but AWS does not document.
    pub warnings: Vec<Diagnostic>,
}

impl Entry {
    /// Whether the value was checked and had no error.
    ///
    /// ```
    /// let e = &rotaplan::check::check_file(None, b"rate(1 day)", &Default::default())?[0];
    /// assert!(e.is_valid());
    /// # Ok::<(), rotaplan::check::SyntaxError>(())
    /// ```
    pub fn is_valid(&self) -> bool {
        self.skipped.is_none() && self.errors.is_empty()
    }

    /// The value as shown in reports: AWS takes at most 256 characters, so a
    /// longer one is cut to its first 64 and `…`.
    ///
    /// ```
    /// let long = format!("rate({} days)", "9".repeat(300));
    /// let e = &rotaplan::check::check_file(None, long.as_bytes(), &Default::default())?[0];
    /// assert_eq!(e.shown().chars().count(), 65);
    /// # Ok::<(), rotaplan::check::SyntaxError>(())
    /// ```
    pub fn shown(&self) -> String {
        shown(&self.value)
    }
}

pub(crate) fn shown(value: &str) -> String {
    if value.chars().count() > 256 {
        let mut s: String = value.chars().take(64).collect();
        s.push('…');
        s
    } else {
        value.to_owned()
    }
}

/// A file that does not parse, with the position of the first error.
///
/// ```
/// let err = rotaplan::check::check_file(Some("t.yaml"), b"a: [1,\nb: 2", &Default::default()).unwrap_err();
/// assert!(err.to_string().starts_with("cannot parse YAML: "));
/// assert_eq!(err.pos.line, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// The language: YAML, JSON or HCL.
    pub language: &'static str,
    /// The parser's message.
    pub message: String,
}

impl SyntaxError {
    #[cold]
    pub(crate) fn new(language: &'static str, pos: Pos, message: &str) -> SyntaxError {
        SyntaxError {
            pos,
            language,
            message: message.lines().next().unwrap_or("").trim().to_owned(),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot parse {}: {}", self.language, self.message)
    }
}

impl std::error::Error for SyntaxError {}

/// How a file is read; see [`SourceKind::detect`].
///
/// ```
/// assert_eq!(rotaplan::check::SourceKind::detect(Some("t.yml"), b"a: 1"), rotaplan::check::SourceKind::Yaml);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// One expression per line; blank lines and `#` comments skipped.
    List,
    /// YAML: CloudFormation, SAM or Serverless.
    Yaml,
    /// JSON: CloudFormation or SAM (CDK output too); Terraform's JSON
    /// syntax when the name ends with `.tf.json`.
    Json,
    /// Terraform HCL.
    Terraform,
    /// Terraform variable values (`.tfvars`, `.tfvars.json`): inputs to the
    /// `.tf` files of their directory, read with them; on their own they
    /// hold no schedule.
    TerraformVars,
}

impl SourceKind {
    /// From the file name (`.yaml`, `.yml`, `.json`, `.template`, `.tf`);
    /// for standard input (no name) from the content.
    ///
    /// ```
    /// use rotaplan::check::SourceKind;
    ///
    /// assert_eq!(SourceKind::detect(Some("infra/main.tf"), b""), SourceKind::Terraform);
    /// assert_eq!(SourceKind::detect(Some("infra/prod.auto.tfvars.json"), b""), SourceKind::TerraformVars);
    /// assert_eq!(SourceKind::detect(Some("serverless.yml"), b""), SourceKind::Yaml);
    /// assert_eq!(SourceKind::detect(Some("schedules.txt"), b""), SourceKind::List);
    /// assert_eq!(SourceKind::detect(None, b" {\"Resources\": {}}"), SourceKind::Json);
    /// assert_eq!(SourceKind::detect(None, b"rate(1 day)\n"), SourceKind::List);
    /// ```
    pub fn detect(name: Option<&str>, content: &[u8]) -> SourceKind {
        if let Some(name) = name {
            let lower = name.to_ascii_lowercase();
            return if lower.ends_with(".tf") {
                SourceKind::Terraform
            } else if lower.ends_with(".tfvars") || lower.ends_with(".tfvars.json") {
                SourceKind::TerraformVars
            } else if lower.ends_with(".json") {
                SourceKind::Json
            } else if [".yaml", ".yml", ".template"].iter().any(|e| lower.ends_with(e)) {
                if content.trim_ascii_start().starts_with(b"{") {
                    SourceKind::Json
                } else {
                    SourceKind::Yaml
                }
            } else {
                SourceKind::List
            };
        }
        let text = content.trim_ascii_start();
        let has_line = |prefix: &[u8]| text.split(|&b| b == b'\n').any(|l| l.starts_with(prefix));
        if text.starts_with(b"{") {
            SourceKind::Json
        } else if has_line(b"resource ") || has_line(b"resource\t") {
            SourceKind::Terraform
        } else if [
            "Resources:",
            "AWSTemplateFormatVersion:",
            "Transform:",
            "service:",
            "functions:",
            "---",
        ]
        .iter()
        .any(|k| has_line(k.as_bytes()))
        {
            SourceKind::Yaml
        } else {
            SourceKind::List
        }
    }
}

/// Reads `content` (named `name`, or standard input when `None`) and checks
/// every value found, in position order.
///
/// # Errors
///
/// A [`SyntaxError`] when a template does not parse (YAML, JSON, HCL) or is
/// not UTF-8.
///
/// # Examples
///
/// ```
/// use rotaplan::check::{check_file, Options};
///
/// let tf = br#"
/// resource "aws_secretsmanager_secret_rotation" "db" {
///   // schedule_expression = "rate(0 days)"  (a comment: never read)
///   rotation_rules {
///     automatically_after_days = 1001
///   }
/// }
/// "#;
/// let entries = check_file(Some("main.tf"), tf, &Options::new())?;
/// assert_eq!(entries.len(), 1);
/// assert_eq!(entries[0].resource.as_deref(), Some("aws_secretsmanager_secret_rotation.db"));
/// assert_eq!(entries[0].path.as_deref(), Some("rotation_rules.automatically_after_days"));
/// assert_eq!(entries[0].errors[0].message, "AutomaticallyAfterDays must be 1 to 1000, found 1001");
/// assert_eq!(entries[0].errors[0].pos.to_string(), "5:32");
/// # Ok::<(), rotaplan::check::SyntaxError>(())
/// ```
pub fn check_file(name: Option<&str>, content: &[u8], opts: &Options) -> Result<Vec<Entry>, SyntaxError> {
    check(name, content, opts, None)
}

/// [`check_file`], with the Terraform directories already read.
pub(crate) fn check(
    name: Option<&str>,
    content: &[u8],
    opts: &Options,
    modules: Option<&terraform::Cache>,
) -> Result<Vec<Entry>, SyntaxError> {
    let module = |name: &str| match modules {
        Some(cache) => cache.module(name),
        None => std::sync::Arc::new(terraform::Module::load(name, false)),
    };
    let kind = SourceKind::detect(name, content);
    if kind == SourceKind::List {
        return Ok(lists::check(content, opts));
    }
    let text = std::str::from_utf8(content).map_err(|e| {
        let lines = pos::Lines::new(std::str::from_utf8(&content[..e.valid_up_to()]).unwrap_or(""));
        SyntaxError::new("UTF-8", lines.pos(e.valid_up_to()), "the file is not valid UTF-8")
    })?;
    let lines = pos::Lines::new(text);
    let mut found = Vec::new();
    match kind {
        SourceKind::TerraformVars => {
            // Only its syntax: the values are read with the `.tf` files.
            if name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".json")) {
                json::parse(&lines)?;
            } else {
                terraform::parse(&lines)?;
            }
        }
        SourceKind::Terraform => {
            let body = terraform::parse(&lines)?;
            let module = name.map(module).unwrap_or_default();
            terraform::read(&lines, &body, &module, name, &mut found);
        }
        SourceKind::Json => {
            let doc = json::parse(&lines)?;
            if name.is_some_and(|n| n.to_ascii_lowercase().ends_with(".tf.json")) {
                let module = name.map(module).unwrap_or_default();
                terraform::read_json(&doc, &module, &mut found);
            } else {
                read_document(&doc, &mut found);
            }
        }
        _ => {
            for doc in yaml::parse(&lines)? {
                read_document(&doc, &mut found);
            }
        }
    }
    let mut entries = rules::check(found, opts, &lines);
    entries.sort_by(|a, b| a.pos.cmp(&b.pos).then_with(|| a.path.cmp(&b.path)));
    entries.dedup_by(|a, b| a.pos == b.pos && a.path == b.path && a.resource == b.resource);
    Ok(entries)
}

/// CloudFormation/SAM (`Resources`) or Serverless (`functions`).
fn read_document(doc: &tree::Node, found: &mut Vec<rules::Resource>) {
    if doc.get("Resources").is_some() {
        cloudformation::read(doc, found, "", &resolve::Cfn { doc });
    }
    if doc.get("functions").is_some() || doc.get("service").is_some() {
        serverless::read(doc, found);
    }
}

/// Checks expressions given on their own (`plan check --expr`): the
/// Secrets Manager rules unless `opts` names a profile. `pos` is where the
/// expression is reported.
///
/// ```
/// use rotaplan::check::{check_expression, Options, Pos};
///
/// let e = check_expression(b"rate(2 hours)", Pos::new(1, 1), &Options::new());
/// assert_eq!(e.errors[0].message, "Secrets Manager rotates at most every 4 hours");
/// ```
pub fn check_expression(expr: &[u8], pos: Pos, opts: &Options) -> Entry {
    lists::expression(expr, pos, opts)
}
