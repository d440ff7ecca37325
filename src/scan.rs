//! Finding schedule expressions in files: plain lists, CloudFormation
//! templates (JSON or YAML) and Terraform configurations.
//!
//! `plan check` uses this to validate the expressions a repository deploys,
//! at the line and column where they are written.
//!
//! ```
//! use rotaplan::scan::{scan, Format};
//!
//! let template = br#"
//! Resources:
//!   Rotation:
//!     Type: AWS::SecretsManager::RotationSchedule
//!     Properties:
//!       RotationRules:
//!         ScheduleExpression: "cron(0 16 ? * SUN#2 *)"
//! "#;
//! let found = scan(template, Format::Template);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].expression, b"cron(0 16 ? * SUN#2 *)");
//! assert_eq!((found[0].line, found[0].column), (7, 30));
//! ```
//!
//! # How templates are read
//!
//! Templates are scanned line by line for the keys `ScheduleExpression`
//! (CloudFormation, quoted in JSON or bare in YAML) and `schedule_expression`
//! (Terraform), followed by `:` or `=` and a literal string value. This keeps
//! exact positions for diagnostics, which a YAML or HCL parser would lose.
//! Values that are not literals (`!Ref Param`, `{"Fn::Sub": ...}`,
//! `var.schedule`, `"${...}"`) are skipped: their value is only known at
//! deploy time. A value folded over several YAML lines is not supported.

/// How to read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// One expression per line; blank lines and lines starting with `#` are
    /// skipped.
    Lines,
    /// CloudFormation (JSON or YAML) or Terraform: values of
    /// `ScheduleExpression` / `schedule_expression` keys.
    Template,
}

impl Format {
    /// Picks the format from a file name: `.json`, `.yaml`, `.yml`,
    /// `.template` and `.tf` are templates, anything else is a list. For
    /// standard input (no name), the content decides: a template if it
    /// mentions one of the keys.
    ///
    /// ```
    /// use rotaplan::scan::Format;
    ///
    /// assert_eq!(Format::detect(Some("infra/main.tf"), b""), Format::Template);
    /// assert_eq!(Format::detect(Some("schedules.txt"), b"rate(10 days)"), Format::Lines);
    /// assert_eq!(Format::detect(None, b"{\"ScheduleExpression\": \"rate(1 day)\"}"), Format::Template);
    /// ```
    pub fn detect(name: Option<&str>, content: &[u8]) -> Format {
        match name {
            Some(name) => {
                let lower = name.to_ascii_lowercase();
                let template = [".json", ".yaml", ".yml", ".template", ".tf", ".tf.json"];
                if template.iter().any(|ext| lower.ends_with(ext)) {
                    Format::Template
                } else {
                    Format::Lines
                }
            }
            None if KEYS.iter().any(|k| find(content, k.as_bytes()).is_some()) => Format::Template,
            None => Format::Lines,
        }
    }
}

/// An expression found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Found {
    /// The expression's bytes, as written (not necessarily UTF-8).
    pub expression: Vec<u8>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters) where the expression starts.
    pub column: usize,
}

impl Found {
    /// An expression at `line` and `column` (both 1-based).
    ///
    /// ```
    /// let f = rotaplan::scan::Found::new(b"rate(1 day)".to_vec(), 1, 1);
    /// assert_eq!(f.line, 1);
    /// ```
    pub fn new(expression: Vec<u8>, line: usize, column: usize) -> Found {
        Found {
            expression,
            line,
            column,
        }
    }
}

const KEYS: [&str; 2] = ["ScheduleExpression", "schedule_expression"];

/// Finds the expressions in `content`, in order.
///
/// ```
/// use rotaplan::scan::{scan, Format};
///
/// let found = scan(b"# rotation schedules\nrate(10 days)\n\n  cron(0 4 * * ? *)\n", Format::Lines);
/// let lines: Vec<_> = found.iter().map(|f| (f.line, f.column)).collect();
/// assert_eq!(lines, [(2, 1), (4, 3)]);
/// ```
pub fn scan(content: &[u8], format: Format) -> Vec<Found> {
    let mut found = Vec::new();
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match format {
            Format::Lines => {
                let start = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
                let text = line[start..].trim_ascii_end();
                if !text.is_empty() && !text.starts_with(b"#") {
                    found.push(Found {
                        expression: text.to_vec(),
                        line: i + 1,
                        column: column(line, start),
                    });
                }
            }
            Format::Template => scan_template_line(line, i + 1, &mut found),
        }
    }
    found
}

/// 1-based character column of byte offset `at` in `line`.
fn column(line: &[u8], at: usize) -> usize {
    // Count UTF-8 lead bytes, so a multi-byte character is one column.
    line[..at].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn scan_template_line(line: &[u8], number: usize, found: &mut Vec<Found>) {
    let mut from = 0;
    while from < line.len() {
        let next = KEYS
            .iter()
            .filter_map(|k| find(&line[from..], k.as_bytes()).map(|at| (from + at, k.len())))
            .min();
        let Some((at, len)) = next else { return };
        from = at + len;
        let word_before = at > 0 && (line[at - 1].is_ascii_alphanumeric() || line[at - 1] == b'_');
        let word_after = line.get(from).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if word_before || word_after {
            continue;
        }
        if let Some((start, end)) = value_after_key(line, from) {
            found.push(Found {
                expression: line[start..end].to_vec(),
                line: number,
                column: column(line, start),
            });
            from = end;
        }
    }
}

/// The byte range of a literal value after a key ending at `at`: an
/// optional closing quote, spaces, `:` or `=`, spaces, then a quoted string
/// or a bare YAML scalar.
fn value_after_key(line: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let skip_spaces = |at: &mut usize| {
        while line.get(*at).is_some_and(|b| *b == b' ' || *b == b'\t') {
            *at += 1;
        }
    };
    if matches!(line.get(at), Some(b'"' | b'\'')) {
        at += 1;
    }
    skip_spaces(&mut at);
    if !matches!(line.get(at), Some(b':' | b'=')) {
        return None;
    }
    at += 1;
    skip_spaces(&mut at);
    match line.get(at)? {
        &q @ (b'"' | b'\'') => {
            let start = at + 1;
            let len = line[start..].iter().position(|&b| b == q)?;
            let value = &line[start..start + len];
            // Interpolations are only known at deploy time.
            (!value.windows(2).any(|w| w == b"${")).then_some((start, start + len))
        }
        b'!' | b'{' | b'[' | b'|' | b'>' => None,
        _ => {
            // A bare YAML scalar runs to a comment or the end of the line.
            let rest = &line[at..];
            let end = find(rest, b" #").unwrap_or(rest.len());
            let value = rest[..end].trim_ascii_end();
            let literal = value.starts_with(b"rate(") || value.starts_with(b"cron(");
            (literal && !value.is_empty()).then_some((at, at + value.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(content: &str, format: Format) -> Vec<(String, usize, usize)> {
        scan(content.as_bytes(), format)
            .into_iter()
            .map(|f| (String::from_utf8(f.expression).unwrap(), f.line, f.column))
            .collect()
    }

    #[test]
    fn json_template() {
        let json = r#"{"Resources": {"R": {"Properties": {"RotationRules": {"ScheduleExpression": "rate(10 days)", "Duration": "3h"}}}},
  "Other": {"ScheduleExpression" : "cron(0 1,2 * * ? *)"}, "NotScheduleExpression": "x", "ScheduleExpression": {"Ref": "P"}}"#;
        assert_eq!(
            texts(json, Format::Template),
            [("rate(10 days)".into(), 1, 78), ("cron(0 1,2 * * ? *)".into(), 2, 37)]
        );
    }

    #[test]
    fn yaml_template() {
        let yaml = "a:\n  ScheduleExpression: rate(1 day) # daily\n  ScheduleExpression: !Ref Sched\n  ScheduleExpression: 'cron(0 4 * * ? *)'\n  MyScheduleExpression: rate(2 days)\n";
        assert_eq!(
            texts(yaml, Format::Template),
            [("rate(1 day)".into(), 2, 23), ("cron(0 4 * * ? *)".into(), 4, 24)]
        );
    }

    #[test]
    fn terraform() {
        let tf = "resource \"x\" \"y\" {\n  rotation_rules {\n    schedule_expression = \"rate(4 hours)\"\n  }\n  schedule_expression = var.s\n  schedule_expression = \"${var.s}\"\n}\n";
        assert_eq!(texts(tf, Format::Template), [("rate(4 hours)".into(), 3, 28)]);
    }

    #[test]
    fn lines_with_comments_and_crlf() {
        assert_eq!(
            texts("# header\r\n\r\n  rate(1 day)  \r\ncron(0 0 * * ? *)", Format::Lines),
            [("rate(1 day)".into(), 3, 3), ("cron(0 0 * * ? *)".into(), 4, 1)]
        );
    }
}
