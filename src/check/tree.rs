//! A located document tree, what the YAML and JSON readers produce and the
//! CloudFormation, SAM and Serverless readers walk.

use super::pos::Pos;

/// One node with the position of its value.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A scalar. `exact`: the file shows the value verbatim from `pos`, on
    /// one line, so a column inside it is a column in the file.
    Scalar {
        value: String,
        exact: bool,
    },
    Null,
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    /// An intrinsic function (`!Ref x`, `Ref: x`, `{"Fn::Sub": ...}`) or
    /// another tag: the name as written and its argument. Short and long
    /// forms read the same; [`canonical`] gives the long name.
    Intrinsic(String, Box<Node>),
}

impl Node {
    /// The value of `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The intrinsic's long name (`Fn::Sub` for `!Sub`) and argument.
    pub(crate) fn intrinsic(&self) -> Option<(String, &Node)> {
        match &self.kind {
            Kind::Intrinsic(name, arg) => Some((canonical(name), arg)),
            _ => None,
        }
    }

    pub(crate) fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The long name of an intrinsic: `!Sub` and `Fn::Sub` are `Fn::Sub`, `!Ref`
/// and `Ref` are `Ref`.
pub(crate) fn canonical(name: &str) -> String {
    let bare = name.strip_prefix('!').unwrap_or(name);
    if bare == "Ref" || bare == "Condition" || bare.starts_with("Fn::") {
        bare.to_owned()
    } else {
        format!("Fn::{bare}")
    }
}

/// Whether a mapping with this one key is an intrinsic function in long
/// form (`Ref: X`, `Fn::Sub: ...`).
pub(crate) fn is_long_form(key: &str) -> bool {
    key == "Ref" || key == "Condition" || key.starts_with("Fn::")
}
