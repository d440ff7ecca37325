//! Terraform configurations, parsed with hcl-edit: the `resource` blocks
//! that carry schedules. Comments are trivia to the parser; heredocs are
//! templates, read as Terraform reads them.

use std::collections::HashMap;
use std::path::Path;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span;

use crate::expr::Profile;

use super::pos::{Lines, Pos};
use super::resolve::{product, to_val, Binding, Choice, Res};
use super::rules::{Prop, Resource, Val};
use super::SyntaxError;

/// How deep `local.a` naming `local.b` ... may go.
const MAX_DEPTH: usize = 16;

/// Parses HCL (a `.tf` or `.tfvars` file).
pub(crate) fn parse(lines: &Lines<'_>) -> Result<Body, SyntaxError> {
    hcl_edit::parser::parse_body(lines.text()).map_err(|e| {
        let l = e.location();
        SyntaxError::new("HCL", Pos::new(l.line(), l.column()), e.message())
    })
}

/// The rest of a configuration's directory: the other `.tf` files
/// (variables and locals declared there) and the variable values Terraform
/// loads without flags.
#[derive(Default)]
pub(crate) struct Module {
    /// The `.tf` files that declare variables or locals: path, text, and
    /// those blocks only (a file of resources is not kept).
    files: Vec<(String, String, Body)>,
    /// Values from `.tfvars` files, by variable name (a later file wins).
    tfvars: HashMap<String, Result<Choice, String>>,
}

impl Module {
    /// The directory `path` (a `.tf` or `.tf.json` file) is read from, as
    /// a key for [`Cache`].
    fn dir_of(path: &str) -> String {
        match Path::new(path).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_string_lossy().into_owned(),
            _ => ".".to_owned(),
        }
    }

    /// Reads the directory of `path` (a `.tf` file): its `.tf` files,
    /// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars` and
    /// `*.auto.tfvars.json` in lexical order. Files that cannot be read or
    /// parsed are passed over: they are checked on their own.
    pub(crate) fn load(path: &str, with_own: bool) -> Module {
        let mut module = Module::default();
        let path = Path::new(path);
        if !path.is_file() {
            return module;
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Ok(read) = std::fs::read_dir(dir) else {
            return module;
        };
        let mut names: Vec<String> = read
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        let shown = |name: &str| {
            if dir == Path::new(".") && path.parent().is_none_or(|p| p.as_os_str().is_empty()) {
                name.to_owned()
            } else {
                dir.join(name).to_string_lossy().into_owned()
            }
        };
        // With `with_own`, the file being checked too: [`Tf`] passes over
        // it, so that one module serves every file of its directory.
        let own = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for name in names
            .iter()
            .filter(|n| n.ends_with(".tf") && (with_own || n.as_str() != own))
        {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            if !text.contains("variable") && !text.contains("locals") {
                continue;
            }
            let Ok(body) = hcl_edit::parser::parse_body(&text) else {
                continue;
            };
            let mut decls = Body::new();
            for block in body.into_blocks() {
                if matches!(block.ident.as_str(), "variable" | "locals") {
                    decls.push(block);
                }
            }
            if !decls.is_empty() {
                module.files.push((shown(name), text, decls));
            }
        }
        let auto = names
            .iter()
            .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"));
        let order = ["terraform.tfvars", "terraform.tfvars.json"]
            .into_iter()
            .filter(|n| names.iter().any(|x| x == n))
            .chain(auto.map(String::as_str));
        for name in order {
            let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
                continue;
            };
            let file = shown(name);
            let lines = Lines::new(&text);
            if name.ends_with(".json") {
                let Ok(doc) = super::json::parse(&lines) else { continue };
                for (key, v) in doc.entries() {
                    let value = match v.str() {
                        Some(text) => Ok(bound(key, text, "", Some(&file), v.pos)),
                        None => Err(format!("`var.{key}` is not a string in {file}")),
                    };
                    module.tfvars.insert(key.clone(), value);
                }
            } else {
                let Ok(body) = parse(&lines) else { continue };
                for a in body.attributes() {
                    let key = a.key.as_str();
                    let value = scalar(&lines, &a.value)
                        .map(|(text, pos)| bound(key, &text, "", Some(&file), pos))
                        .ok_or_else(|| format!("`var.{key}` is not a string in {file}"));
                    module.tfvars.insert(key.to_owned(), value);
                }
            }
        }
        module
    }
}

/// The modules of the directories a walk is in, so that each directory is
/// read once, not once per file: the last few, in the order they were read.
#[derive(Default)]
pub(crate) struct Cache {
    modules: std::sync::Mutex<Vec<(String, std::sync::Arc<Module>)>>,
}

impl Cache {
    /// How many directories are kept: a walk goes directory by directory.
    const KEPT: usize = 8;

    /// The module of the directory of `path`, read on first use.
    pub(crate) fn module(&self, path: &str) -> std::sync::Arc<Module> {
        let dir = Module::dir_of(path);
        let found = self
            .modules
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|(d, _)| *d == dir).map(|(_, m)| m.clone()));
        if let Some(m) = found {
            return m;
        }
        let module = std::sync::Arc::new(Module::load(path, true));
        if let Ok(mut m) = self.modules.lock() {
            if !m.iter().any(|(d, _)| *d == dir) {
                if m.len() >= Cache::KEPT {
                    m.remove(0);
                }
                m.push((dir, module.clone()));
            }
        }
        module
    }
}

/// A choice binding `var.<name>`.
fn bound(name: &str, text: &str, place: &str, file: Option<&str>, pos: Pos) -> Choice {
    let mut b = Binding::new(format!("var.{name}"), text, place, pos);
    b.file = file.map(str::to_owned);
    Choice {
        value: text.to_owned(),
        from: vec![b],
    }
}

/// A string, number or boolean literal and where it is.
fn scalar(lines: &Lines<'_>, e: &Expression) -> Option<(String, Pos)> {
    let pos = lines.pos(e.span()?.start);
    match e {
        Expression::String(s) => Some((s.value().clone(), pos.right(1))),
        Expression::Number(n) => Some((n.value().to_string(), pos)),
        Expression::Bool(b) => Some((b.value().to_string(), pos)),
        Expression::StringTemplate(t) => literal(t).map(|t| (t, pos.right(1))),
        _ => None,
    }
}

/// Values of expressions in the file being checked, over its module.
struct Tf<'a> {
    lines: &'a Lines<'a>,
    module: &'a Module,
    /// Lines of the module's other files, made when first asked for.
    others: Vec<std::cell::OnceCell<Lines<'a>>>,
    /// `variable` blocks and `locals` attributes by name, with their file
    /// (`None`: the file being checked); the first declaration wins.
    vars: HashMap<&'a str, (Option<usize>, &'a Block)>,
    locals: HashMap<&'a str, (Option<usize>, &'a hcl_edit::structure::Attribute)>,
}

impl<'a> Tf<'a> {
    /// The file `own` (as named when checked; its module copy is passed
    /// over for `body`).
    fn new(lines: &'a Lines<'a>, body: &'a Body, module: &'a Module, own: Option<&str>) -> Tf<'a> {
        let others = module
            .files
            .iter()
            .enumerate()
            .filter(move |(_, f)| Some(f.0.as_str()) != own)
            .map(|(i, f)| (Some(i), &f.2));
        let bodies = std::iter::once((None, body)).chain(others);
        let (mut vars, mut locals) = (HashMap::new(), HashMap::new());
        for (file, body) in bodies {
            for block in body.get_blocks("variable") {
                if let Some(name) = block.labels.first() {
                    vars.entry(name.as_str()).or_insert((file, block));
                }
            }
            for block in body.get_blocks("locals") {
                for a in block.body.attributes() {
                    locals.entry(a.key.as_str()).or_insert((file, a));
                }
            }
        }
        Tf {
            lines,
            module,
            others: module.files.iter().map(|_| std::cell::OnceCell::new()).collect(),
            vars,
            locals,
        }
    }

    /// The lines of `file` (`None`: the file being checked).
    fn lines_of(&self, file: Option<usize>) -> &Lines<'a> {
        match file.and_then(|i| Some((self.others.get(i)?, &self.module.files[i].1))) {
            Some((cell, text)) => cell.get_or_init(|| Lines::new(text)),
            None => self.lines,
        }
    }
}

impl Tf<'_> {
    /// Every value of `e`, an expression of the file `file` (`None`: the
    /// file being checked).
    fn value(&self, e: &Expression, file: Option<usize>, depth: usize) -> Res {
        if depth > MAX_DEPTH {
            return Err("references nested too deep".into());
        }
        let lines = self.lines_of(file);
        if let Some((text, _)) = scalar(lines, e) {
            return Ok(vec![Choice::lit(text)]);
        }
        let source = || e.span().and_then(|s| lines.text().get(s)).unwrap_or("").to_owned();
        match e {
            Expression::StringTemplate(t) => {
                let mut parts = Vec::new();
                for el in t.iter() {
                    match el {
                        Element::Literal(s) => parts.push(vec![Choice::lit(s.value().as_str())]),
                        Element::Interpolation(i) => parts.push(self.value(&i.expr, file, depth + 1)?),
                        Element::Directive(_) => return Err("a template directive".into()),
                    }
                }
                product(parts, "")
            }
            Expression::Parenthesis(p) => self.value(p.inner(), file, depth + 1),
            Expression::Conditional(c) => {
                let cond = c
                    .cond_expr
                    .span()
                    .and_then(|s| lines.text().get(s))
                    .unwrap_or("?")
                    .to_owned();
                let mut out = Vec::new();
                for (branch, x) in [("true", &c.true_expr), ("false", &c.false_expr)] {
                    let pos = lines.pos(x.span().map_or(0, |s| s.start));
                    let mut at = Binding::new(cond.clone(), branch, "condition", pos);
                    at.file = file.map(|i| self.module.files[i].0.clone());
                    for mut ch in self.value(x, file, depth + 1)? {
                        ch.from.insert(0, at.clone());
                        out.push(ch);
                    }
                }
                Ok(out)
            }
            Expression::Traversal(t) => {
                let (Expression::Variable(root), [op]) = (&t.expr, t.operators.as_slice()) else {
                    return Err(format!("`{}`", super::shown(&source())));
                };
                let TraversalOperator::GetAttr(name) = op.value() else {
                    return Err(format!("`{}`", super::shown(&source())));
                };
                match root.as_str() {
                    "var" => self.var(name.as_str()),
                    "local" => self.local(name.as_str(), depth),
                    _ => Err(format!("`{}`", super::shown(&source()))),
                }
            }
            _ => Err(format!("`{}`", super::shown(&source()))),
        }
    }

    fn var(&self, name: &str) -> Res {
        if let Some(v) = self.module.tfvars.get(name) {
            return v.clone().map(|c| vec![c]);
        }
        let Some(&(file, block)) = self.vars.get(name) else {
            return Err(format!("`var.{name}` is declared in no .tf file of its directory"));
        };
        let Some(default) = block.body.get_attribute("default") else {
            return Err(format!("`var.{name}` has no value (no default, no .tfvars)"));
        };
        let path = file.map(|i| self.module.files[i].0.as_str());
        match scalar(self.lines_of(file), &default.value) {
            Some((text, pos)) => Ok(vec![bound(name, &text, &format!("variable.{name}.default"), path, pos)]),
            None if matches!(default.value, Expression::Null(_)) => {
                Err(format!("`var.{name}` has no value (default null, no .tfvars)"))
            }
            None => Err(format!("`var.{name}` is not a string")),
        }
    }

    fn local(&self, name: &str, depth: usize) -> Res {
        let Some(&(file, a)) = self.locals.get(name) else {
            return Err(format!("`local.{name}` is declared in no .tf file of its directory"));
        };
        let pos = self.lines_of(file).pos(a.value.span().map_or(0, |s| s.start));
        let mut out = Vec::new();
        for mut c in self.value(&a.value, file, depth + 1)? {
            let mut b = Binding::new(format!("local.{name}"), &c.value, "locals", pos);
            b.file = file.map(|i| self.module.files[i].0.clone());
            c.from.insert(0, b);
            out.push(c);
        }
        Ok(out)
    }
}

pub(crate) fn read(lines: &Lines<'_>, body: &Body, module: &Module, own: Option<&str>, found: &mut Vec<Resource>) {
    let tf = Tf::new(lines, body, module, own);
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
            Prop::new(path, Some(value(&tf, &a.value)))
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
}

/// The body of the first `ident` block inside `b`.
fn sub<'a>(b: &'a Block, ident: &'a str) -> Option<&'a Body> {
    b.body.get_blocks(ident).next().map(|b| &b.body)
}

/// A literal string or number, the values the module gives it, or why it
/// is only known at plan time.
fn value(tf: &Tf<'_>, e: &Expression) -> Val {
    let lines = tf.lines;
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
            None => {
                let inner = source
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .unwrap_or(source);
                let written = super::shown(inner);
                to_val(tf.value(e, None, 0), written.clone(), Some(written), pos, "plan")
            }
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
        Expression::Traversal(_) | Expression::Conditional(_) | Expression::Parenthesis(_) => {
            let written = super::shown(source);
            let template = (!matches!(e, Expression::Traversal(_))).then(|| written.clone());
            to_val(tf.value(e, None, 0), written, template, pos, "plan")
        }
        Expression::Variable(_) => skip(&format!("`{}`, resolved at plan time", super::shown(source))),
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

/// A `.tf.json` string with `${...}` in it: a template over the module's
/// variables and locals, as in a `.tf` file.
struct JsonTemplates<'a> {
    module: &'a Module,
}

impl super::rules::Context for JsonTemplates<'_> {
    fn resolve(&self, node: &super::tree::Node) -> Option<Val> {
        let value = node.str().filter(|v| v.contains("${"))?;
        // The same text as an HCL string template.
        let mut src = String::with_capacity(value.len() + 2);
        src.push('"');
        for c in value.chars() {
            match c {
                '"' => src.push_str("\\\""),
                '\\' => src.push_str("\\\\"),
                '\n' => src.push_str("\\n"),
                c => src.push(c),
            }
        }
        src.push('"');
        let res = match hcl_edit::parser::parse_expr(&src) {
            Ok(e) => {
                let lines = Lines::new(&src);
                let empty = Body::new();
                Tf::new(&lines, &empty, self.module, None).value(&e, None, 0)
            }
            Err(_) => Err(format!("`{}`", super::shown(value))),
        };
        Some(to_val(res, value.to_owned(), Some(value.to_owned()), node.pos, "plan"))
    }
}

/// Terraform's JSON syntax (`.tf.json`): `resource.<type>.<name>`, nested
/// blocks as an object or a list of objects, `${...}` as a template over
/// the variables and locals of the `.tf` files beside it.
pub(crate) fn read_json(doc: &super::tree::Node, module: &Module, found: &mut Vec<Resource>) {
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
            let ctx = &JsonTemplates { module };
            let attr = |b: Option<&Node>, key: &str, base: &str| lookup(b, &[key], base, ctx);
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
