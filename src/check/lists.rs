//! Plain lists: one expression per line; blank lines and lines starting
//! with `#` are skipped.

use crate::expr::Profile;

use super::pos::Pos;
use super::rules::{self, Prop, Val};
use super::{Diagnostic, Entry, Options, Rule};

pub(crate) fn check(content: &[u8], opts: &Options) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let start = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let text = line[start..].trim_ascii_end();
        if text.is_empty() || text.starts_with(b"#") {
            continue;
        }
        // Columns count characters; a line that is not UTF-8 counts bytes.
        let column = std::str::from_utf8(&line[..start]).map_or(start, |s| s.chars().count()) + 1;
        out.push(expression(text, Pos::new(i + 1, column), opts));
    }
    out
}

/// One expression given alone (list line or `--expr`).
pub(crate) fn expression(text: &[u8], pos: Pos, opts: &Options) -> Entry {
    let profile = opts.profile.unwrap_or(Profile::SecretsManager);
    match std::str::from_utf8(text) {
        Ok(s) => {
            let prop = Prop {
                path: String::new(),
                val: Val::Lit {
                    text: s.to_owned(),
                    pos,
                    exact: true,
                },
            };
            rules::expression(None, &prop, profile, opts).0
        }
        Err(_) => {
            // The grammar reports where the bytes stop being UTF-8.
            let err = crate::expr::Schedule::check(text, profile).expect_err("not UTF-8");
            let mut d = Diagnostic::new(Rule::Expression, pos.right(err.column() - 1), err.message());
            d.found = Some(err.found().to_owned());
            d.detail = Some(format!("{err:#}"));
            Entry {
                pos,
                resource: None,
                path: None,
                profile: Some(profile),
                value: super::shown(&String::from_utf8_lossy(text)),
                is_expression: true,
                skipped: None,
                resolved: Vec::new(),
                errors: vec![d],
                warnings: Vec::new(),
            }
        }
    }
}
