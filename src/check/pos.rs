//! Positions: 1-based line and column (in characters), from byte offsets.

use std::fmt;

/// A place in a file: 1-based line, 1-based column counted in characters.
///
/// ```
/// use rotaplan::check::Pos;
///
/// let p = Pos::new(3, 14);
/// assert_eq!(p.to_string(), "3:14");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Pos {
    /// The position at `line` and `column` (both 1-based).
    ///
    /// ```
    /// assert_eq!(rotaplan::check::Pos::new(1, 1).line, 1);
    /// ```
    pub fn new(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    /// The position `chars` characters to the right on the same line.
    pub(crate) fn right(self, chars: usize) -> Pos {
        Pos {
            column: self.column + chars,
            ..self
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Line starts of a text, to turn byte offsets into positions and back.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { text, starts }
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The position of byte offset `at` (clamped to the text).
    pub(crate) fn pos(&self, at: usize) -> Pos {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at);
        let start = self.starts[line - 1];
        let column = self.text.get(start..at).map_or(at - start, |s| s.chars().count()) + 1;
        Pos { line, column }
    }

    /// The byte offset of `pos`, if it is inside the text.
    pub(crate) fn offset(&self, pos: Pos) -> Option<usize> {
        let start = *self.starts.get(pos.line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        if pos.column == 1 {
            return Some(start);
        }
        rest.char_indices()
            .nth(pos.column - 1)
            .map(|(i, _)| start + i)
            .or_else(|| {
                // Just past the last character of the text.
                (rest.chars().count() == pos.column - 1).then_some(self.text.len())
            })
    }

    /// Whether the text at `pos` reads `value` exactly, on one line: then a
    /// column inside the value maps to a column in the file.
    pub(crate) fn reads(&self, pos: Pos, value: &str) -> bool {
        !value.contains('\n') && self.offset(pos).is_some_and(|at| self.text[at..].starts_with(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions() {
        let l = Lines::new("ab\né x\n\nz");
        assert_eq!(l.pos(0), Pos::new(1, 1));
        assert_eq!(l.pos(3), Pos::new(2, 1));
        assert_eq!(l.pos(6), Pos::new(2, 3));
        assert_eq!(l.pos(9), Pos::new(4, 1));
        assert_eq!(l.offset(Pos::new(2, 3)), Some(6));
        assert!(l.reads(Pos::new(2, 3), "x"));
        assert!(!l.reads(Pos::new(2, 3), "x\n"));
        assert_eq!(l.offset(Pos::new(9, 1)), None);
    }
}
