//! JSON (CloudFormation, CDK output, Terraform JSON) into a located tree,
//! with jsonc-parser in strict mode: what CloudFormation accepts, no
//! comments or trailing commas. `{"Ref": ...}` and `{"Fn::...": ...}`
//! objects become intrinsic nodes.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::pos::Lines;
use super::tree::{Kind, Node};
use super::SyntaxError;

pub(crate) fn parse(lines: &Lines<'_>) -> Result<Node, SyntaxError> {
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(lines.text(), &CollectOptions::default(), &strict)
        .map_err(|e| SyntaxError::new("JSON", lines.pos(e.range().start), &e.kind().to_string()))?;
    match parsed.value {
        Some(v) => Ok(node(lines, v)),
        None => Err(SyntaxError::new("JSON", lines.pos(0), "empty document")),
    }
}

fn node(lines: &Lines<'_>, v: Value<'_>) -> Node {
    let pos = lines.pos(v_start(&v));
    let kind = match v {
        Value::StringLit(s) => {
            let pos = pos.right(1);
            let exact = lines.reads(pos, &s.value);
            return Node {
                pos,
                kind: Kind::Scalar {
                    value: s.value.into_owned(),
                    exact,
                },
            };
        }
        Value::NumberLit(n) => Kind::Scalar {
            value: n.value.to_owned(),
            exact: true,
        },
        Value::BooleanLit(b) => Kind::Scalar {
            value: b.value.to_string(),
            exact: true,
        },
        Value::NullKeyword(_) => Kind::Null,
        Value::Array(a) => Kind::Seq(a.elements.into_iter().map(|e| node(lines, e)).collect()),
        Value::Object(o) => {
            let intrinsic = match o.properties.as_slice() {
                [p] => super::tree::is_long_form(p.name.as_str()),
                _ => false,
            };
            match intrinsic {
                true => {
                    let p = o.properties.into_iter().next().expect("one property");
                    Kind::Intrinsic(p.name.as_str().to_owned(), Box::new(node(lines, p.value)))
                }
                false => Kind::Map(
                    o.properties
                        .into_iter()
                        .map(|p| {
                            let key = match p.name {
                                ObjectPropName::String(s) => s.value.into_owned(),
                                ObjectPropName::Word(w) => w.value.to_owned(),
                            };
                            (key, node(lines, p.value))
                        })
                        .collect(),
                ),
            }
        }
    };
    Node { pos, kind }
}

fn v_start(v: &Value<'_>) -> usize {
    match v {
        Value::StringLit(s) => s.range.start,
        Value::NumberLit(n) => n.range.start,
        Value::BooleanLit(b) => b.range.start,
        Value::Object(o) => o.range.start,
        Value::Array(a) => a.range.start,
        Value::NullKeyword(n) => n.range.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minified_with_escapes_and_tabs() {
        let text = "{\"a\":{\"b\":\"rate(1 day)\",\t\"c\":\"x\\u0041\",\"d\":{\"Fn::Sub\":\"${X}\"},\"e\":30}}";
        let lines = Lines::new(text);
        let doc = parse(&lines).unwrap();
        let a = doc.get("a").unwrap();
        let b = a.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (1, 12));
        assert!(matches!(&b.kind, Kind::Scalar { exact: true, .. }));
        assert!(matches!(&a.get("c").unwrap().kind, Kind::Scalar { value, exact: false } if value == "xA"));
        assert!(
            matches!(&a.get("d").unwrap().kind, Kind::Intrinsic(n, arg) if n == "Fn::Sub" && arg.str() == Some("${X}"))
        );
        assert_eq!(a.get("e").unwrap().str(), Some("30"));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse(&Lines::new("{\n  \"a\": 1,\n}")).unwrap_err();
        // At the trailing comma.
        assert_eq!((e.pos.line, e.pos.column), (2, 9), "{e}");
    }
}
