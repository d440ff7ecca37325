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
///
/// Columns count characters. Readers ask in file order, so the last answer
/// is kept and the next one counts on from it: a 10 MB one-line minified
/// template costs one pass, not one pass per value.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    ascii: bool,
    /// The last (line start, byte offset, 1-based column) computed.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(memchr_iter(text.as_bytes()).map(|i| i + 1));
        Lines {
            text,
            starts,
            ascii: text.is_ascii(),
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The position of byte offset `at` (clamped to the text, and back to
    /// a character boundary).
    pub(crate) fn pos(&self, at: usize) -> Pos {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= at);
        let start = self.starts[line - 1];
        if self.ascii {
            return Pos::new(line, at - start + 1);
        }
        let (last_start, last_at, last_col) = self.last.get();
        let (from, col) = if last_start == start && last_at <= at {
            (last_at, last_col)
        } else {
            (start, 1)
        };
        let column = col + self.text[from..at].chars().count();
        self.last.set((start, at, column));
        Pos { line, column }
    }

    /// The byte offset of `pos`, if it is inside the text.
    pub(crate) fn offset(&self, pos: Pos) -> Option<usize> {
        let start = *self.starts.get(pos.line.checked_sub(1)?)?;
        let end = self.starts.get(pos.line).map_or(self.text.len(), |&e| e);
        if self.ascii {
            let at = start + pos.column.checked_sub(1)?;
            return (at <= end).then_some(at);
        }
        let (last_start, last_at, last_col) = self.last.get();
        let (mut at, mut col) = if last_start == start && last_col <= pos.column {
            (last_at, last_col)
        } else {
            (start, 1)
        };
        let mut chars = self.text[at..end].chars();
        while col < pos.column {
            at += chars.next()?.len_utf8();
            col += 1;
        }
        self.last.set((start, at, col));
        Some(at)
    }

    /// Whether the text at `pos` reads `value` exactly, on one line: then a
    /// column inside the value maps to a column in the file.
    pub(crate) fn reads(&self, pos: Pos, value: &str) -> bool {
        !value.contains('\n') && self.offset(pos).is_some_and(|at| self.text[at..].starts_with(value))
    }
}

/// Offsets of the line feeds in `bytes`.
fn memchr_iter(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i)
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
        // Backwards after forwards, on a long non-ASCII line.
        let long = format!("é{}x", "ab".repeat(1000));
        let l = Lines::new(&long);
        assert_eq!(l.pos(long.len() - 1), Pos::new(1, 2002));
        assert_eq!(l.pos(2), Pos::new(1, 2));
        assert_eq!(l.offset(Pos::new(1, 2002)), Some(long.len() - 1));
        assert_eq!(l.offset(Pos::new(1, 1)), Some(0));
        assert_eq!(l.offset(Pos::new(1, 2003)), Some(long.len()));
        assert_eq!(l.offset(Pos::new(1, 2004)), None);
    }
}
