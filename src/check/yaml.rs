//! YAML (CloudFormation, SAM, Serverless) into a located tree, with
//! saphyr-parser's events and markers. CloudFormation's short-form tags
//! (`!Ref`, `!Sub`, `!GetAtt`, `!If`, ...) become intrinsic nodes; anchors
//! and aliases resolve to the anchored node.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::pos::{Lines, Pos};
use super::tree::{Kind, Node};
use super::SyntaxError;

enum Frame {
    Map {
        pos: Pos,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(String, Node)>,
        key: Option<String>,
    },
    Seq {
        pos: Pos,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
}

/// The documents in `lines`' text.
pub(crate) fn parse(lines: &Lines<'_>) -> Result<Vec<Node>, SyntaxError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    for event in Parser::new_from_str(lines.text()) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            SyntaxError::new("YAML", Pos::new(m.line(), m.col() + 1), e.info())
        })?;
        let (node, anchor) = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let pos = scalar_pos(lines, &span, style);
                let kind = match tag.as_deref().and_then(local_tag) {
                    Some(name) => {
                        let exact = lines.reads(pos, &value);
                        let arg = Node {
                            pos,
                            kind: Kind::Scalar {
                                value: value.into_owned(),
                                exact,
                            },
                        };
                        Kind::Intrinsic(name, Box::new(arg))
                    }
                    None if style == ScalarStyle::Plain && matches!(&*value, "" | "~" | "null" | "Null" | "NULL") => {
                        Kind::Null
                    }
                    None => {
                        let exact = lines.reads(pos, &value);
                        Kind::Scalar {
                            value: value.into_owned(),
                            exact,
                        }
                    }
                };
                (Node { pos, kind }, anchor)
            }
            Event::Alias(id) => {
                let pos = mark(&span);
                let kind = anchors.get(&id).map_or(
                    Kind::Intrinsic("*alias".into(), Box::new(Node { pos, kind: Kind::Null })),
                    |n| n.kind.clone(),
                );
                (Node { pos, kind }, 0)
            }
            Event::MappingStart(anchor, tag) => {
                stack.push(Frame::Map {
                    pos: mark(&span),
                    anchor,
                    tag: tag.as_deref().and_then(local_tag),
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceStart(anchor, tag) => {
                stack.push(Frame::Seq {
                    pos: mark(&span),
                    anchor,
                    tag: tag.as_deref().and_then(local_tag),
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingEnd | Event::SequenceEnd => match stack.pop() {
                Some(Frame::Map {
                    pos,
                    anchor,
                    tag,
                    entries,
                    ..
                }) => {
                    let kind = match tag {
                        Some(name) => Kind::Intrinsic(
                            name,
                            Box::new(Node {
                                pos,
                                kind: Kind::Map(entries),
                            }),
                        ),
                        // The long form, `Fn::Sub: ...` alone in a mapping.
                        None if entries.len() == 1 && super::tree::is_long_form(&entries[0].0) => {
                            let (name, arg) = entries.into_iter().next().expect("one entry");
                            Kind::Intrinsic(name, Box::new(arg))
                        }
                        None => Kind::Map(entries),
                    };
                    (Node { pos, kind }, anchor)
                }
                Some(Frame::Seq {
                    pos,
                    anchor,
                    tag,
                    items,
                }) => {
                    let kind = match tag {
                        Some(name) => Kind::Intrinsic(
                            name,
                            Box::new(Node {
                                pos,
                                kind: Kind::Seq(items),
                            }),
                        ),
                        None => Kind::Seq(items),
                    };
                    (Node { pos, kind }, anchor)
                }
                None => continue,
            },
            _ => continue,
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node.str().unwrap_or("").to_owned()),
                // `<<: *base` merges the anchored mapping's entries.
                Some(k) if k == "<<" && matches!(node.kind, Kind::Map(_)) => {
                    entries.extend(node.entries().iter().cloned());
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(docs)
}

/// A local tag's name (`!Ref` -> `!Ref`); core tags (`!!str`) are no
/// intrinsic.
fn local_tag(tag: &saphyr_parser::Tag) -> Option<String> {
    (!tag.is_yaml_core_schema()).then(|| tag.to_string())
}

fn mark(span: &Span) -> Pos {
    Pos::new(span.start.line(), span.start.col() + 1)
}

/// Where a scalar's content starts: after the quote of a quoted scalar.
fn scalar_pos(lines: &Lines<'_>, span: &Span, style: ScalarStyle) -> Pos {
    let start = mark(span);
    match style {
        ScalarStyle::Plain => start,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            match lines.offset(start).and_then(|at| lines.text()[at..].chars().next()) {
                Some('"' | '\'') => start.right(1),
                _ => start,
            }
        }
        // The parser's span of a block scalar starts at its first content
        // character, past the `>-` / `|` indicator line.
        ScalarStyle::Literal | ScalarStyle::Folded => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let lines = Lines::new(text);
        parse(&lines).unwrap().remove(0)
    }

    #[test]
    fn positions_of_scalars() {
        let doc = one("a: plain\nb: \"quoted\"\nc: 'single'\nd: >-\n  folded\n# x\ne: |\n\n    literal\n");
        let at = |k: &str| {
            let n = doc.get(k).unwrap();
            (n.str().unwrap().to_owned(), n.pos.line, n.pos.column)
        };
        assert_eq!(at("a"), ("plain".into(), 1, 4));
        assert_eq!(at("b"), ("quoted".into(), 2, 5));
        assert_eq!(at("c"), ("single".into(), 3, 5));
        assert_eq!(at("d"), ("folded".into(), 5, 3));
        assert_eq!(at("e"), ("\nliteral\n".into(), 9, 5));
    }

    #[test]
    fn short_form_tags_and_aliases() {
        let doc = one("a: !Ref X\nb: !If [c, x, y]\nc: &k {x: 1}\nd: *k\ne: !!str 5\n");
        assert!(matches!(&doc.get("a").unwrap().kind, Kind::Intrinsic(n, x) if n == "!Ref" && x.str() == Some("X")));
        assert!(matches!(&doc.get("b").unwrap().kind, Kind::Intrinsic(n, x) if n == "!If" && x.items().len() == 3));
        assert_eq!(doc.get("d").unwrap().get("x").unwrap().str(), Some("1"));
        assert_eq!(doc.get("e").unwrap().str(), Some("5"));
    }

    #[test]
    fn syntax_error_has_a_position() {
        let e = parse(&Lines::new("a: [1, 2\nb: 3\n")).unwrap_err();
        assert!(e.pos.line >= 1, "{e}");
    }
}
