//! Values known before deploy: what a CloudFormation/SAM template or a
//! Serverless service pins down itself (parameters with `AllowedValues` or a
//! `Default`, mappings, both branches of `Fn::If`, `Fn::Sub`, `Fn::Join`,
//! `${self:...}` and literal fallbacks). Each possible value is a
//! [`Choice`] that says where it came from; what only the deploy decides is
//! a reason to skip.

use super::pos::Pos;
use super::rules::{Context, Val};
use super::tree::{Kind, Node};

/// At most this many values per property; more is skipped, not guessed.
const MAX_CHOICES: usize = 256;

/// How deep references may nest (a `${self:a}` naming `${self:b}` ...).
const MAX_DEPTH: usize = 16;

pub(crate) use super::{Origin as Binding, Resolution as Choice};

impl Binding {
    pub(crate) fn new(
        name: impl Into<String>,
        value: impl Into<String>,
        place: impl Into<String>,
        pos: Pos,
    ) -> Binding {
        Binding {
            name: name.into(),
            value: value.into(),
            place: place.into(),
            file: None,
            pos,
        }
    }
}

/// Every value, or why it is only known at deploy time.
pub(crate) type Res = Result<Vec<Choice>, String>;

impl Choice {
    pub(crate) fn lit(text: impl Into<String>) -> Choice {
        Choice {
            value: text.into(),
            from: Vec::new(),
        }
    }
}

/// The concatenations of one choice of each part, keeping only those where
/// a name is bound to one value throughout (`${Days}` twice is one `Days`).
pub(crate) fn product(parts: Vec<Vec<Choice>>, sep: &str) -> Res {
    let mut acc = vec![Choice::lit("")];
    for (i, part) in parts.into_iter().enumerate() {
        let mut next = Vec::new();
        for a in &acc {
            for c in &part {
                let clash = c.from.iter().any(|b| {
                    a.from
                        .iter()
                        .any(|x| x.name == b.name && (x.value != b.value || x.pos != b.pos))
                });
                if clash {
                    continue;
                }
                let mut text = a.value.clone();
                if i > 0 {
                    text.push_str(sep);
                }
                text.push_str(&c.value);
                let mut from = a.from.clone();
                from.extend(c.from.iter().filter(|b| !a.from.contains(b)).cloned());
                next.push(Choice { value: text, from });
                if next.len() > MAX_CHOICES {
                    return Err(format!("more than {MAX_CHOICES} possible values"));
                }
            }
        }
        acc = next;
    }
    Ok(acc)
}

/// A resolution as a value at `pos`; `template` is what the message shows
/// before the bindings (`None` for a plain reference).
pub(crate) fn to_val(res: Res, written: String, template: Option<String>, pos: Pos, when: &str) -> Val {
    match res {
        Ok(choices) if !choices.is_empty() => Val::Choices {
            written,
            template,
            pos,
            choices,
        },
        Ok(_) => Val::Skip {
            why: "no value in any case (`AWS::NoValue`)".into(),
            shown: written,
            pos,
        },
        Err(why) => Val::Skip {
            why: format!("{why}, resolved at {when} time"),
            shown: written,
            pos,
        },
    }
}

/// CloudFormation and SAM: intrinsic functions over `Parameters` and
/// `Mappings` of the template `doc`.
pub(crate) struct Cfn<'a> {
    pub doc: &'a Node,
}

impl Context for Cfn<'_> {
    fn resolve(&self, node: &Node) -> Option<Val> {
        let Kind::Intrinsic(name, arg) = &node.kind else {
            return None;
        };
        let long = super::tree::canonical(name);
        let (written, template) = match (long.as_str(), &arg.kind) {
            ("Ref", Kind::Scalar { value, .. }) => (format!("{name} {value}"), None),
            ("Fn::Sub", Kind::Scalar { value, .. }) => (value.clone(), Some(value.clone())),
            ("Fn::Sub", Kind::Seq(items)) if items.first().and_then(Node::str).is_some() => {
                let t = items[0].str().unwrap_or("").to_owned();
                (t.clone(), Some(t))
            }
            _ => (name.clone(), Some(name.clone())),
        };
        let res = self.value(node, 0);
        // An intrinsic that is not resolved at all keeps its old report.
        if let Err(why) = &res {
            if why.is_empty() {
                return Some(Val::Skip {
                    why: format!("`{name}`, resolved at deploy time"),
                    shown: name.clone(),
                    pos: node.pos,
                });
            }
        }
        Some(to_val(res, written, template, node.pos, "deploy"))
    }
}

impl Cfn<'_> {
    /// Every value of `node`; `Err("")` for an intrinsic not resolved at all.
    fn value(&self, node: &Node, depth: usize) -> Res {
        if depth > MAX_DEPTH {
            return Err("references nested too deep".into());
        }
        let (name, arg) = match &node.kind {
            Kind::Scalar { value, .. } => return Ok(vec![Choice::lit(value)]),
            Kind::Intrinsic(name, arg) => (super::tree::canonical(name), arg),
            Kind::Null => return Err("no value".into()),
            // A branch of `Fn::If` over whole property sets is not followed.
            Kind::Map(_) | Kind::Seq(_) => return Err(String::new()),
        };
        let items = arg.items();
        match name.as_str() {
            "Ref" => match arg.str() {
                Some(p) => self.param(p),
                None => Err(String::new()),
            },
            "Fn::Sub" => {
                let (template, vars) = match &arg.kind {
                    Kind::Scalar { value, .. } => (value.as_str(), None),
                    Kind::Seq(_) => match (items.first().and_then(Node::str), items.get(1)) {
                        (Some(t), vars) => (t, vars),
                        _ => return Err(String::new()),
                    },
                    _ => return Err(String::new()),
                };
                self.sub(template, vars, depth)
            }
            "Fn::FindInMap" => {
                let [map, top, second, ..] = items else {
                    return Err(String::new());
                };
                let keys = vec![
                    self.value(map, depth + 1)?,
                    self.value(top, depth + 1)?,
                    self.value(second, depth + 1)?,
                ];
                let mut out = Vec::new();
                for keys in product(keys, "\u{0}")? {
                    let k: Vec<&str> = keys.value.split('\u{0}').collect();
                    let found = self
                        .doc
                        .get("Mappings")
                        .and_then(|m| m.get(k[0]))
                        .and_then(|m| m.get(k[1]))
                        .and_then(|m| m.get(k[2]));
                    let Some(found) = found else { continue };
                    let place = format!("Mappings.{}.{}.{}", k[0], k[1], k[2]);
                    let Some(text) = found.str() else {
                        return Err(format!("`{place}` is not a string"));
                    };
                    let mut from = keys.from.clone();
                    from.push(Binding::new(place, text, "", found.pos));
                    out.push(Choice {
                        value: text.to_owned(),
                        from,
                    });
                }
                if out.is_empty() {
                    return Err("no mapping entry for its keys".into());
                }
                Ok(out)
            }
            "Fn::If" => {
                let [cond, yes, no] = items else {
                    return Err(String::new());
                };
                let cond = cond.str().unwrap_or("?");
                let mut out = Vec::new();
                for (branch, node) in [("true", yes), ("false", no)] {
                    if node
                        .intrinsic()
                        .is_some_and(|(n, a)| n == "Ref" && a.str() == Some("AWS::NoValue"))
                    {
                        continue;
                    }
                    let at = Binding::new(cond, branch, "Fn::If", node.pos);
                    for mut c in self.value(node, depth + 1)? {
                        c.from.insert(0, at.clone());
                        out.push(c);
                    }
                }
                Ok(out)
            }
            "Fn::Join" => {
                let [sep, list] = items else { return Err(String::new()) };
                let sep = sep.str().ok_or_else(String::new)?;
                let Kind::Seq(parts) = &list.kind else {
                    return Err("a list only known at deploy time".into());
                };
                let parts = parts
                    .iter()
                    .map(|p| self.value(p, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                product(parts, sep)
            }
            "Fn::Select" => {
                let [index, list] = items else {
                    return Err(String::new());
                };
                let (Some(i), Kind::Seq(list)) = (index.str().and_then(|i| i.trim().parse::<usize>().ok()), &list.kind)
                else {
                    return Err(String::new());
                };
                match list.get(i) {
                    Some(n) => self.value(n, depth + 1),
                    None => Err("an index out of the list".into()),
                }
            }
            "Fn::GetAtt" => Err("`GetAtt`".into()),
            "Fn::ImportValue" => Err("an import (`Fn::ImportValue`)".into()),
            _ => Err(String::new()),
        }
    }

    /// A parameter's values: every `AllowedValues` item, else the `Default`.
    fn param(&self, name: &str) -> Res {
        if name.starts_with("AWS::") {
            return Err(format!("pseudo parameter `{name}`"));
        }
        let Some(p) = self.doc.get("Parameters").and_then(|ps| ps.get(name)) else {
            return Err(String::new());
        };
        if let Some(ty) = p.get("Type").and_then(Node::str) {
            if ty.starts_with("AWS::SSM::Parameter::") {
                return Err(format!("`{name}` has an SSM parameter type"));
            }
        }
        if let Some(Kind::Seq(allowed)) = p.get("AllowedValues").map(|a| &a.kind) {
            let mut out = Vec::new();
            for (i, v) in allowed.iter().enumerate() {
                if let Some(text) = v.str() {
                    let place = format!("Parameters.{name}.AllowedValues[{i}]");
                    out.push(Choice {
                        value: text.to_owned(),
                        from: vec![Binding::new(name, text, place, v.pos)],
                    });
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
        }
        match p.get("Default") {
            Some(d) if d.str().is_some() => {
                let text = d.str().unwrap_or("");
                let place = format!("Parameters.{name}.Default");
                Ok(vec![Choice {
                    value: text.to_owned(),
                    from: vec![Binding::new(name, text, place, d.pos)],
                }])
            }
            _ => Err(format!("`{name}` has no default")),
        }
    }

    /// `Fn::Sub`: `${Name}` from `vars`, else a parameter; `${!x}` is
    /// the text `${x}`; `${A.B}` is an attribute.
    fn sub(&self, template: &str, vars: Option<&Node>, depth: usize) -> Res {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(at) = rest.find("${") {
            parts.push(vec![Choice::lit(&rest[..at])]);
            let after = &rest[at + 2..];
            let Some(end) = after.find('}') else {
                parts.push(vec![Choice::lit(&rest[at..])]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(lit) = name.strip_prefix('!') {
                parts.push(vec![Choice::lit(format!("${{{lit}}}"))]);
                continue;
            }
            let var = vars.and_then(|v| v.get(name));
            let values =
                match var {
                    Some(v) => {
                        let mut vs = self.value(v, depth + 1).map_err(|e| {
                            if e.is_empty() {
                                format!("`${{{name}}}`")
                            } else {
                                e
                            }
                        })?;
                        if v.str().is_some() {
                            // A literal in the variable map: say so.
                            for c in &mut vs {
                                c.from.push(Binding::new(name, &c.value, "Fn::Sub variable", v.pos));
                            }
                        }
                        vs
                    }
                    None if name.contains('.') => return Err(format!("`GetAtt` (`${{{name}}}`)")),
                    None => self.param(name).map_err(|e| {
                        if e.is_empty() {
                            format!("`${{{name}}}` names no parameter of the template")
                        } else {
                            e
                        }
                    })?,
                };
            parts.push(values);
        }
        parts.push(vec![Choice::lit(rest)]);
        product(parts, "")
    }
}

/// Serverless: `${self:...}` paths into the service `doc` and literal
/// fallbacks; other sources are the deploy's.
pub(crate) struct Sls<'a> {
    pub doc: &'a Node,
    /// CloudFormation intrinsics under `resources`.
    pub cfn: Cfn<'a>,
}

impl Context for Sls<'_> {
    fn resolve(&self, node: &Node) -> Option<Val> {
        match &node.kind {
            Kind::Scalar { value, .. } if value.contains("${") => {
                let res = self.string(value, node.pos, 0);
                Some(to_val(res, value.clone(), Some(value.clone()), node.pos, "deploy"))
            }
            Kind::Intrinsic(..) => self.cfn.resolve(node),
            _ => None,
        }
    }
}

impl Sls<'_> {
    /// Every value of a string with `${...}` variables in it.
    fn string(&self, s: &str, pos: Pos, depth: usize) -> Res {
        if depth > MAX_DEPTH {
            return Err("variables nested too deep".into());
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(at) = rest.find("${") {
            parts.push(vec![Choice::lit(&rest[..at])]);
            let Some(len) = closing(&rest[at + 2..]) else {
                return Err(format!("an unclosed variable in `{s}`"));
            };
            let inner = &rest[at + 2..at + 2 + len];
            rest = &rest[at + 3 + len..];
            let mut values = Vec::new();
            // A nested variable first (`${self:custom.${opt:stage, 'dev'}}`).
            for inner in self.string(inner, pos, depth + 1)? {
                for mut c in self.variable(&inner.value, pos, depth)? {
                    let mut from = inner.from.clone();
                    from.append(&mut c.from);
                    c.from = from;
                    values.push(c);
                }
            }
            parts.push(values);
        }
        parts.push(vec![Choice::lit(rest)]);
        product(parts, "")
    }

    /// One variable's sources, in order: the first that has a value.
    fn variable(&self, inner: &str, pos: Pos, depth: usize) -> Res {
        for source in split_sources(inner) {
            let source = source.trim();
            let quoted = source
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| source.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            if let Some(lit) = quoted {
                let b = Binding::new(format!("${{{inner}}}"), lit, "its fallback", pos);
                return Ok(vec![Choice {
                    value: lit.to_owned(),
                    from: vec![b],
                }]);
            }
            if source.starts_with("file(") {
                return Err(format!("a file (`${{{inner}}}`)"));
            }
            let Some((kind, what)) = source.split_once(':') else {
                if !source.is_empty() && source.parse::<f64>().is_ok() {
                    return Ok(vec![Choice::lit(source)]);
                }
                return Err(format!("`${{{inner}}}`"));
            };
            match kind {
                "self" => {
                    let mut node = self.doc;
                    let mut found = true;
                    for key in what.split('.').filter(|k| !k.is_empty()) {
                        match node.get(key) {
                            Some(n) => node = n,
                            None => {
                                found = false;
                                break;
                            }
                        }
                    }
                    if !found {
                        continue;
                    }
                    let Some(text) = node.str() else {
                        return Err(format!("`${{self:{what}}}` is not a string"));
                    };
                    let mut out = Vec::new();
                    for mut c in self.string(text, node.pos, depth + 1)? {
                        c.from
                            .insert(0, Binding::new(format!("self:{what}"), &c.value, what, node.pos));
                        out.push(c);
                    }
                    return Ok(out);
                }
                // Given on the command line or by the environment: only a
                // fallback is known.
                "opt" | "env" | "sls" => continue,
                "ssm" => return Err(format!("an SSM parameter (`${{{inner}}}`)")),
                "param" => return Err(format!("a dashboard parameter (`${{{inner}}}`)")),
                "cf" => return Err(format!("a stack output (`${{{inner}}}`)")),
                _ => return Err(format!("`${{{inner}}}`")),
            }
        }
        Err(format!("`${{{inner}}}` has no fallback"))
    }
}

/// The length of a variable's content up to its closing `}`, nested
/// `${...}` included.
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `a, 'b, c', d` into its top-level comma-separated sources.
fn split_sources(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quote, mut depth) = (0, None, 0usize);
    for (i, c) in s.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(' | '{', None) => depth += 1,
            (')' | '}', None) => depth = depth.saturating_sub(1),
            (',', None) if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_split_at_top_level_commas() {
        assert_eq!(
            split_sources("env:X, 'rate(1, day)', file(a,b)"),
            ["env:X", " 'rate(1, day)'", " file(a,b)"]
        );
        assert_eq!(closing("self:a.${opt:b}}x"), Some(15));
    }
}
