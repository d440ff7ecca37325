//! Terraform configurations, parsed with hcl-edit: the `resource` blocks
//! that carry schedules. Comments are trivia to the parser; heredocs are
//! templates, read as Terraform reads them.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

use crate::expr::Profile;

use super::pos::Lines;
use super::rules::{Prop, Resource, Val};
use super::SyntaxError;

pub(crate) fn read(lines: &Lines<'_>, found: &mut Vec<Resource>) -> Result<(), SyntaxError> {
    let body = hcl_edit::parser::parse_body(lines.text()).map_err(|e| {
        let l = e.location();
        SyntaxError::new("HCL", super::Pos::new(l.line(), l.column()), e.message())
    })?;
    for block in body.get_blocks("resource") {
        let [ty, name] = block.labels.as_slice() else { continue };
        let (ty, name) = (ty.as_str(), name.as_str());
        let address = format!("{ty}.{name}");
        let attr = |body: &Body, key: &str, base: &str| -> Option<Prop> {
            let a = body.get_attribute(key)?;
            let path = if base.is_empty() {
                key.to_owned()
            } else {
                format!("{base}.{key}")
            };
            Prop::new(path, Some(value(lines, &a.value)))
        };
        match ty {
            "aws_secretsmanager_secret_rotation" => {
                let Some(rules) = sub(block, "rotation_rules") else {
                    continue;
                };
                found.push(Resource::Rotation {
                    name: address,
                    schedule: attr(rules, "schedule_expression", "rotation_rules"),
                    days: attr(rules, "automatically_after_days", "rotation_rules"),
                    duration: attr(rules, "duration", "rotation_rules"),
                });
            }
            "aws_cloudwatch_event_rule" => found.push(Resource::Timed {
                name: address,
                profile: Profile::EventBridge,
                schedule: attr(&block.body, "schedule_expression", ""),
                timezone: None,
                mode: None,
                window: None,
            }),
            "aws_scheduler_schedule" => {
                let window = sub(block, "flexible_time_window");
                found.push(Resource::Timed {
                    profile: Profile::Scheduler,
                    schedule: attr(&block.body, "schedule_expression", ""),
                    timezone: attr(&block.body, "schedule_expression_timezone", ""),
                    mode: window.and_then(|w| attr(w, "mode", "flexible_time_window")),
                    window: window.and_then(|w| attr(w, "maximum_window_in_minutes", "flexible_time_window")),
                    name: address,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The body of the first `ident` block inside `b`.
fn sub<'a>(b: &'a Block, ident: &'a str) -> Option<&'a Body> {
    b.body.get_blocks(ident).next().map(|b| &b.body)
}

/// A literal string or number, or why the value is only known at plan time.
fn value(lines: &Lines<'_>, e: &Expression) -> Val {
    let span = e.span().unwrap_or(0..0);
    let pos = lines.pos(span.start);
    let source = lines.text().get(span.clone()).unwrap_or("");
    let skip = |why: &str| Val::Skip {
        why: why.to_owned(),
        shown: super::shown(source),
        pos,
    };
    match e {
        Expression::String(s) => {
            let pos = pos.right(1);
            Val::Lit {
                text: s.value().clone(),
                pos,
                exact: lines.reads(pos, s.value()),
            }
        }
        Expression::Number(n) => Val::Lit {
            text: n.value().to_string(),
            pos,
            exact: true,
        },
        Expression::StringTemplate(t) => match literal(t) {
            Some(text) => {
                let pos = pos.right(1);
                let exact = lines.reads(pos, &text);
                Val::Lit { text, pos, exact }
            }
            None => skip("a `${...}` interpolation, resolved at plan time"),
        },
        Expression::HeredocTemplate(h) => match literal(&h.template) {
            Some(text) => {
                // `<<-` strips the common indentation.
                let text = match h.indent() {
                    Some(n) => text
                        .split_inclusive('\n')
                        .map(|l| l.get(n.min(l.len() - l.trim_start_matches(' ').len())..).unwrap_or(l))
                        .collect(),
                    None => text,
                };
                // At the first character of the text, past `<<-` indentation.
                let start = h.template.span().map_or(span.start, |s| s.start);
                let rest = lines.text().get(start..).unwrap_or("");
                let start = start + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
                Val::Lit {
                    text,
                    pos: lines.pos(start),
                    exact: false,
                }
            }
            None => skip("a `${...}` interpolation, resolved at plan time"),
        },
        Expression::Variable(_) | Expression::Traversal(_) => {
            skip(&format!("`{}`, resolved at plan time", super::shown(source)))
        }
        _ => skip("an expression, evaluated at plan time"),
    }
}

/// The text of a template without interpolations or directives.
fn literal(t: &Template) -> Option<String> {
    let mut text = String::new();
    for el in t.iter() {
        match el {
            Element::Literal(s) => text.push_str(s.value()),
            _ => return None,
        }
    }
    Some(text)
}

/// Terraform's JSON syntax (`.tf.json`): `resource.<type>.<name>`, nested
/// blocks as an object or a list of objects, `${...}` as interpolation.
pub(crate) fn read_json(doc: &super::tree::Node, found: &mut Vec<Resource>) {
    use super::rules::lookup;
    use super::tree::{Kind, Node};

    /// The first object of a nested block.
    fn block(n: Option<&Node>) -> Option<&Node> {
        match &n?.kind {
            Kind::Seq(items) => items.first(),
            _ => n,
        }
    }
    let Some(types) = doc.get("resource") else { return };
    for (ty, resources) in types.entries() {
        for (name, body) in resources.entries() {
            let body = block(Some(body));
            let address = format!("{ty}.{name}");
            let attr = |b: Option<&Node>, key: &str, base: &str| lookup(b, &[key], base, &super::rules::Interpolating);
            match ty.as_str() {
                "aws_secretsmanager_secret_rotation" => {
                    let rules = block(body.and_then(|b| b.get("rotation_rules")));
                    if rules.is_none() {
                        continue;
                    }
                    found.push(Resource::Rotation {
                        name: address,
                        schedule: attr(rules, "schedule_expression", "rotation_rules"),
                        days: attr(rules, "automatically_after_days", "rotation_rules"),
                        duration: attr(rules, "duration", "rotation_rules"),
                    });
                }
                "aws_cloudwatch_event_rule" => found.push(Resource::Timed {
                    name: address,
                    profile: Profile::EventBridge,
                    schedule: attr(body, "schedule_expression", ""),
                    timezone: None,
                    mode: None,
                    window: None,
                }),
                "aws_scheduler_schedule" => {
                    let window = block(body.and_then(|b| b.get("flexible_time_window")));
                    found.push(Resource::Timed {
                        name: address,
                        profile: Profile::Scheduler,
                        schedule: attr(body, "schedule_expression", ""),
                        timezone: attr(body, "schedule_expression_timezone", ""),
                        mode: attr(window, "mode", "flexible_time_window"),
                        window: attr(window, "maximum_window_in_minutes", "flexible_time_window"),
                    });
                }
                _ => {}
            }
        }
    }
}
