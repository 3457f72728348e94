//! A problem found in the content, pinned to a file, line and column, with what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one file. `line` and `col` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: &Path, (line, col): (usize, usize), message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line,
            col,
            message: message.into(),
            hint: None,
        }
    }

    /// A problem with the file as a whole (it is missing, empty, unreadable).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self::new(path, (1, 1), message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Forward slashes, so the output reads the same on every platform and in CI logs.
        let path = self.path.to_string_lossy().replace('\\', "/");
        write!(f, "{path}:{}:{}: {}", self.line, self.col, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

/// The closest candidate to a misspelt word, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A hint that offers the nearest candidate, or lists a few when none is near.
pub fn suggest<'a>(
    word: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match did_you_mean(word, candidates.clone()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => {
            let few: Vec<&str> = candidates.into_iter().take(6).collect();
            if few.is_empty() {
                format!("there is no {what} yet; add one first")
            } else {
                format!("use one of the existing {what}s, e.g. {}", few.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_path_line_col() {
        let d = Diagnostic::new(
            Path::new("content/programs/a.md"),
            (4, 3),
            "unknown key `titel`",
        )
        .hint("did you mean `title`?");
        assert_eq!(
            d.to_string(),
            "content/programs/a.md:4:3: unknown key `titel` — did you mean `title`?"
        );
    }

    #[test]
    fn suggests_near_words_only() {
        let keys = ["title", "category", "troupe"];
        assert_eq!(did_you_mean("titel", keys), Some("title"));
        assert_eq!(did_you_mean("catgory", keys), Some("category"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
        assert_eq!(did_you_mean("nanyv", ["nanyu", "ganzhe"]), Some("nanyu"));
    }
}
