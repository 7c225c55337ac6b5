//! What is wrong with a configuration file: every problem, with the line it is on.

use std::fmt;
use std::ops::Range;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1) the problem is on; `None` when it concerns the whole file.
    pub line: Option<usize>,
    /// The key, as a path (`game_link.servers[0].guild`); empty for syntax errors.
    pub key: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The file, as named to the user.
    pub file: String,
    /// The problems, in the order of their lines.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(f, "{}: {n} problem{}", self.file, if n == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

/// Collects problems, turning byte offsets into line numbers.
#[derive(Debug)]
pub(crate) struct Problems<'s> {
    source: &'s str,
    found: Vec<Problem>,
}

impl<'s> Problems<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Self { source, found: Vec::new() }
    }

    /// The line (from 1) of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
    }

    /// A problem at `span` of the source.
    pub(crate) fn at(&mut self, span: &Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let line = Some(self.line_of(span.start));
        self.found.push(Problem { line, key: key.into(), message: message.into() });
    }

    /// A problem with no place in the file.
    pub(crate) fn whole_file(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.found.push(Problem { line: None, key: key.into(), message: message.into() });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The problems, sorted by line (problems of the whole file first), each once.
    pub(crate) fn into_sorted(mut self) -> Vec<Problem> {
        self.found.sort_by_key(|p| p.line.unwrap_or(0));
        self.found.dedup();
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines() {
        let p = Problems::new("a = 1\nb = 2\n\nc = 3");
        assert_eq!(p.line_of(0), 1);
        assert_eq!(p.line_of(6), 2);
        assert_eq!(p.line_of(13), 4);
        assert_eq!(p.line_of(1000), 4);
    }

    #[test]
    fn a_report_names_each_problem_with_its_line() {
        let report = Report {
            file: "bot.toml".into(),
            problems: vec![
                Problem { line: None, key: String::new(), message: "empty".into() },
                Problem { line: Some(3), key: "a.b".into(), message: "bad".into() },
            ],
        };
        assert_eq!(report.to_string(), "bot.toml: 2 problems\n  empty\n  line 3: a.b: bad\n");
    }
}
