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
    /// An intrinsic function (`!Ref x`, `{"Fn::Sub": ...}`) or another tag:
    /// known at deploy time only. Holds the name as written.
    Intrinsic(String),
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

    pub(crate) fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}
