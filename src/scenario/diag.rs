//! Diagnostics: one problem in a scenario file with its position, and the helpers that turn
//! byte spans into 1-based lines and columns and suggest the key the user probably meant.
//!
//! Owns no parsing: `reader` finds the problems, this module only locates and formats them.

use std::fmt;
use std::ops::Range;

/// One problem found in a scenario (or in a file it names, or in a `--set` override).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as given (`--set` for a problem inside an override's value).
    pub file: String,
    /// 1-based line; 0 when the problem has no position (I/O error, override).
    pub line: usize,
    /// 1-based column in characters; 0 when the problem has no position.
    pub column: usize,
    /// Dotted path of the offending key, e.g. `skills.billing.wrap_up`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem without a position (an unreadable file, an override) names no line.
        match (self.line, self.field.is_empty()) {
            (0, true) => write!(f, "{}: {}", self.file, self.message),
            (0, false) => write!(f, "{}: {}: {}", self.file, self.field, self.message),
            // Problems of the file as a whole (TOML syntax) have no field to name.
            (_, true) => write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message),
            (_, false) => write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.field, self.message),
        }
    }
}

/// Every problem found in one scenario, sorted by (line, column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Sorts by position (stable, so equal positions keep the order they were found in) and
    /// drops exact duplicates (a layered value can be checked once per channel and skill).
    pub fn new(mut all: Vec<Diagnostic>) -> Diagnostics {
        all.sort_by_key(|d| (d.line, d.column));
        let mut out: Vec<Diagnostic> = Vec::with_capacity(all.len());
        for d in all {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        Diagnostics(out)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Byte offset to 1-based (line, column) for one text; columns count characters.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text: text.to_string(), starts }
    }

    /// 1-based (line, column) of a byte offset; offsets past the end land on the last
    /// character, and an offset inside a multi-byte character counts as that character.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..)
            .map_or(0, |rest| rest.char_indices().take_while(|(i, _)| start + i < offset).count());
        (line + 1, column + 1)
    }

    /// 1-based (line, column) of the start of a span.
    pub fn span_start(&self, span: &Range<usize>) -> (usize, usize) {
        self.position(span.start)
    }

    /// The text's lines, without their line ends.
    pub fn lines(&self) -> Vec<&str> {
        self.text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
    }
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word` within edit distance 2 (the first one on a tie).
pub fn suggest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2 && *d < word.chars().count().max(c.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` when a candidate is close, else nothing.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    suggest(word, candidates).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_one_based_lines_and_character_columns() {
        let idx = LineIndex::new("a = 1\nbé = \"x\"\n\nz");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(4), (1, 5));
        assert_eq!(idx.position(6), (2, 1));
        // `é` is two bytes: the `=` after it is the fourth character of line 2.
        assert_eq!(idx.position(10), (2, 4));
        assert_eq!(idx.position(16), (3, 1));
        assert_eq!(idx.position(17), (4, 1));
        assert_eq!(idx.position(1_000), (4, 2));
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("horizon", "horizon"), 0);
        assert_eq!(edit_distance("horizn", "horizon"), 1);
        assert_eq!(edit_distance("hroizon", "horizon"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_keys() {
        let keys = ["name", "horizon", "warmup", "seed"];
        assert_eq!(suggest("horizn", keys), Some("horizon"));
        assert_eq!(suggest("seeds", keys), Some("seed"));
        assert_eq!(suggest("replication_count", keys), None);
        assert_eq!(did_you_mean("wramup", keys), "; did you mean `warmup`?");
        assert_eq!(did_you_mean("xyz", keys), "");
    }

    #[test]
    fn diagnostics_sort_by_position_and_print_one_per_line() {
        let d =
            |line, column| Diagnostic { file: "f.toml".into(), line, column, field: "a".into(), message: "m".into() };
        let all = Diagnostics::new(vec![d(3, 1), d(1, 5), d(1, 2), d(1, 2)]);
        assert_eq!(all.to_string(), "f.toml:1:2: a: m\nf.toml:1:5: a: m\nf.toml:3:1: a: m");
    }
}
