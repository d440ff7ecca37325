//! Directories: walked recursively with the `ignore` crate (`.gitignore`
//! honoured; hidden folders, `.git`, `node_modules`, `.terraform` and
//! `cdk.out` left out unless named), each file read by the kind its name and
//! content give, files checked in parallel.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::{check, Entry, Options, SyntaxError};

/// Folders a walk never enters (unless named as the directory itself).
const LEFT_OUT: [&str; 4] = [".git", "node_modules", ".terraform", "cdk.out"];

/// The infrastructure a walked file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A CloudFormation or SAM template: YAML or JSON with `Resources` or
    /// `AWSTemplateFormatVersion`.
    CloudFormation,
    /// `serverless.yml`, `serverless.yaml` or `serverless.json`.
    Serverless,
    /// `*.tf` or `*.tf.json`.
    Terraform,
}

impl FileKind {
    /// The kind of `name` from its name alone; `Err(true)` when the content
    /// decides (YAML or JSON that may be a template), `Err(false)` for no
    /// known kind.
    fn by_name(name: &str) -> Result<FileKind, bool> {
        let lower = name.to_ascii_lowercase();
        let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
        if lower.ends_with(".tf") || lower.ends_with(".tf.json") || is_tfvars(&lower) {
            Ok(FileKind::Terraform)
        } else if matches!(base, "serverless.yml" | "serverless.yaml" | "serverless.json") {
            Ok(FileKind::Serverless)
        } else {
            Err([".yaml", ".yml", ".json", ".template"]
                .iter()
                .any(|e| lower.ends_with(e)))
        }
    }

    /// Whether YAML or JSON `content` is a CloudFormation template: a
    /// top-level `Resources` or `AWSTemplateFormatVersion` key.
    fn is_template(content: &[u8]) -> bool {
        let text = String::from_utf8_lossy(content);
        if text.trim_start().starts_with('{') {
            return text.contains("\"Resources\"") || text.contains("\"AWSTemplateFormatVersion\"");
        }
        text.lines().any(|l| {
            let l = l.trim_end();
            [
                "Resources:",
                "AWSTemplateFormatVersion:",
                "\"Resources\":",
                "'Resources':",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
    }
}

/// Whether `content` holds any word a schedule property is read under.
fn names_a_schedule(content: &[u8]) -> bool {
    let text = String::from_utf8_lossy(content).to_ascii_lowercase();
    [
        "schedule",
        "rotationrules",
        "rotation_rules",
        "automaticallyafterdays",
        "automatically_after_days",
        "rate(",
        "cron(",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// `.tfvars` and `.tfvars.json`: inputs of the `.tf` files of their
/// directory, read with them.
fn is_tfvars(lower: &str) -> bool {
    lower.ends_with(".tfvars") || lower.ends_with(".tfvars.json")
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::CloudFormation => "CloudFormation",
            FileKind::Serverless => "Serverless",
            FileKind::Terraform => "Terraform",
        })
    }
}

/// What walking directories gave: each file of a known kind with what its
/// check gave, in path order, and how many files were read per kind.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Walked {
    /// `(path, kind, result)`, sorted by path.
    pub files: Vec<(String, FileKind, Result<Vec<Entry>, SyntaxError>)>,
    /// Files of no known kind, left out.
    pub left_out: usize,
    /// `.tfvars` files, read as inputs of the `.tf` files of their
    /// directory rather than on their own.
    pub inputs: usize,
    /// Entries that could not be read (permissions, broken links).
    pub io_errors: Vec<String>,
    /// Files of a known kind that do not parse and name no schedule
    /// (`schedule`, `RotationRules`, `AutomaticallyAfterDays`, `rate(`,
    /// `cron(` nowhere in their text, in any case or spelling),
    /// left out with their syntax error: there is nothing in them for AWS
    /// to reject on our account, and deploy-time parsers (CloudFormation's)
    /// accept YAML that strict parsers refuse.
    pub unparsed: Vec<(String, SyntaxError)>,
}

impl Walked {
    /// Files read of `kind`.
    ///
    /// ```
    /// let w = rotaplan::check::Walked::default();
    /// assert_eq!(w.count(rotaplan::check::FileKind::Terraform), 0);
    /// ```
    pub fn count(&self, kind: FileKind) -> usize {
        self.files.iter().filter(|f| f.1 == kind).count()
    }

    /// `read 2 CloudFormation, 1 Serverless, 1 Terraform files (2 .tfvars
    /// with them); 3 files of no known kind left out`.
    ///
    /// ```
    /// let w = rotaplan::check::Walked::default();
    /// assert_eq!(w.summary(), "read 0 CloudFormation, 0 Serverless, 0 Terraform files; 0 files of no known kind left out");
    /// ```
    pub fn summary(&self) -> String {
        let kinds = [FileKind::CloudFormation, FileKind::Serverless, FileKind::Terraform]
            .map(|k| format!("{} {k}", self.count(k)))
            .join(", ");
        let inputs = match self.inputs {
            0 => String::new(),
            n => format!(" ({n} .tfvars with them)"),
        };
        let left = self.left_out;
        let plural = |n: usize| if n == 1 { "file" } else { "files" };
        let unparsed = match self.unparsed.len() {
            0 => String::new(),
            n => format!(", {n} {} that did not parse and name no schedule", plural(n)),
        };
        format!(
            "read {kinds} files{inputs}; {left} {} of no known kind{unparsed} left out",
            plural(left)
        )
    }
}

/// Walks each of `dirs` and checks every file of a known kind, on all
/// cores. A YAML or JSON file that is no template is left out, never an
/// error.
///
/// ```no_run
/// use rotaplan::check::{walk, Options};
///
/// let walked = walk(&["infra"], &Options::new());
/// eprintln!("{}", walked.summary());
/// ```
pub fn walk<S: AsRef<str>>(dirs: &[S], opts: &Options) -> Walked {
    let mut walked = Walked::default();
    let mut candidates: Vec<(String, Option<FileKind>)> = Vec::new();
    for dir in dirs {
        let root = dir.as_ref();
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .parents(true)
            .sort_by_file_name(|a, b| a.cmp(b))
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| LEFT_OUT.contains(&n)));
        for entry in builder.build() {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    walked.io_errors.push(err.to_string());
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            // Under `.`, files are named as `git ls-files` names them (and
            // so are the `.tfvars` their values come from).
            let path = entry.path().to_string_lossy();
            let path = match path.strip_prefix("./") {
                Some(rest) if root == "." => rest.to_owned(),
                _ => path.into_owned(),
            };
            match FileKind::by_name(&path) {
                Ok(_) if is_tfvars(&path.to_ascii_lowercase()) => walked.inputs += 1,
                Ok(kind) => candidates.push((path, Some(kind))),
                Err(true) => candidates.push((path, None)),
                Err(false) => walked.left_out += 1,
            }
        }
    }
    let next = AtomicUsize::new(0);
    // The kind, what the check gave, and whether a file that did not
    // parse names no schedule (asked while its content is at hand).
    type Slot = Option<Result<(FileKind, Result<Vec<Entry>, SyntaxError>, bool), Option<String>>>;
    let results: Mutex<Vec<Slot>> = Mutex::new((0..candidates.len()).map(|_| None).collect());
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(candidates.len())
        .max(1);
    let modules = super::terraform::Cache::default();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, kind)) = candidates.get(i) else { break };
                let done = match std::fs::read(path) {
                    Err(e) => Err(Some(format!("reading {path}: {e}"))),
                    Ok(content) => {
                        match kind.or_else(|| FileKind::is_template(&content).then_some(FileKind::CloudFormation)) {
                            None => Err(None),
                            Some(kind) => {
                                let r = check(Some(path), &content, opts, Some(&modules));
                                let quiet = r.is_err() && !names_a_schedule(&content);
                                Ok((kind, r, quiet))
                            }
                        }
                    }
                };
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(done);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    for ((path, _), result) in candidates.into_iter().zip(results) {
        match result {
            Some(Ok((_, Err(e), true))) => walked.unparsed.push((path, e)),
            Some(Ok((kind, r, _))) => walked.files.push((path, kind, r)),
            Some(Err(Some(e))) => walked.io_errors.push(e),
            Some(Err(None)) | None => walked.left_out += 1,
        }
    }
    walked
}
