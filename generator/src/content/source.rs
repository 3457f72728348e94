//! Reading content files: UTF-8 text, front matter between `---` lines, YAML into typed structs,
//! every failure turned into a `Diagnostic` with the file's own line and column.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::diagnostic::{did_you_mean, Diagnostic};

/// A content file read as text, with its path relative to the site root (for messages).
#[derive(Debug, Clone)]
pub struct Source {
    pub rel: PathBuf,
    pub text: String,
}

/// YAML text that starts at `first_line` of its file (front matter starts at line 2).
#[derive(Debug, Clone, Copy)]
pub struct Yaml<'a> {
    pub text: &'a str,
    pub first_line: usize,
}

/// A Markdown file split into its front matter and its body.
#[derive(Debug, Clone, Copy)]
pub struct FrontMatter<'a> {
    pub yaml: Yaml<'a>,
    pub body: &'a str,
}

impl Source {
    /// Reads a file; invalid UTF-8 is reported at the line and column where it starts.
    pub fn read(root: &Path, rel: &Path) -> Result<Source, Diagnostic> {
        let bytes = std::fs::read(root.join(rel)).map_err(|e| {
            Diagnostic::file(rel, format!("cannot read the file: {e}"))
                .hint("check that it exists and that you may read it")
        })?;
        Self::from_bytes(rel, bytes)
    }

    /// A file's bytes as text: UTF-8 (the problem located where it is not), byte order mark
    /// dropped.
    pub fn from_bytes(rel: &Path, bytes: Vec<u8>) -> Result<Source, Diagnostic> {
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let good = std::str::from_utf8(good).unwrap_or_default();
            Diagnostic::new(
                rel,
                line_col(good, good.len()),
                "the file is not valid UTF-8 text",
            )
            .hint("save it with the UTF-8 encoding (in most editors: Save As → Encoding → UTF-8)")
        })?;
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text);
        Ok(Source {
            rel: rel.to_path_buf(),
            text,
        })
    }

    /// The whole file as YAML (site.yaml, townships.yaml, schedule files).
    pub fn as_yaml(&self) -> Yaml<'_> {
        Yaml {
            text: &self.text,
            first_line: 1,
        }
    }

    /// Splits `---\nyaml\n---\nbody`; a missing fence is an error that says how to write one.
    pub fn front_matter(&self) -> Result<FrontMatter<'_>, Diagnostic> {
        let fence_hint = "start the file with a line `---`, then the fields (e.g. `title: …`), then another `---` line, then the text";
        if self.text.trim().is_empty() {
            return Err(Diagnostic::file(&self.rel, "the file is empty").hint(fence_hint));
        }
        let mut lines = self.text.split_inclusive('\n');
        let first = lines.next().unwrap_or_default();
        if first.trim_end() != "---" {
            return Err(Diagnostic::file(
                &self.rel,
                "the front matter is missing: the first line is not `---`",
            )
            .hint(fence_hint));
        }
        let start = first.len();
        let mut offset = start;
        for line in lines {
            if line.trim_end() == "---" {
                return Ok(FrontMatter {
                    yaml: Yaml {
                        text: &self.text[start..offset],
                        first_line: 2,
                    },
                    body: &self.text[offset + line.len()..],
                });
            }
            offset += line.len();
        }
        Err(Diagnostic::file(
            &self.rel,
            "the front matter never ends: no closing `---` line",
        )
        .hint("add a line `---` after the last field, before the text"))
    }

    /// Where byte `offset` of the file is, as 1-based (line, column in characters).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text, offset.min(self.text.len()))
    }
}

impl Yaml<'_> {
    /// Deserialises into `T`; any error becomes a diagnostic at the file's own line and column.
    pub fn parse<T: DeserializeOwned>(&self, rel: &Path, what: &str) -> Result<T, Diagnostic> {
        if self.text.trim().is_empty() {
            let at = (self.first_line, 1);
            return Err(
                Diagnostic::new(rel, at, format!("the {what} has no fields"))
                    .hint("fill in the fields; see docs/content.md for each kind of file"),
            );
        }
        serde_yaml::from_str(self.text).map_err(|e| self.diagnostic(rel, &e))
    }

    fn diagnostic(&self, rel: &Path, e: &serde_yaml::Error) -> Diagnostic {
        // Counted from the byte offset, as every other position is: YAML also ends lines at a
        // lone CR, NEL or U+2028, which would name lines an editor does not show.
        let (line, col) = match e.location() {
            Some(l) if self.text.is_char_boundary(l.index()) => {
                let (line, col) = line_col(self.text, l.index());
                (line + self.first_line - 1, col)
            }
            Some(l) => (l.line() + self.first_line - 1, l.column()),
            None => (self.first_line, 1),
        };
        let (message, hint) = explain(&e.to_string());
        Diagnostic::new(rel, (line, col), message).hint_opt(hint)
    }
}

/// Turns serde_yaml's message into plain words and, where it can, a did-you-mean.
fn explain(raw: &str) -> (String, Option<String>) {
    // serde_yaml appends " at line X column Y"; the diagnostic already says where.
    let msg = match raw.find(" at line ") {
        Some(i) => &raw[..i],
        None => raw,
    };
    // "stages[0].date: invalid type …": name the key in our own words instead.
    let (key, msg) = match msg.split_once(": ") {
        Some((path, rest)) if !path.contains(char::is_whitespace) => (Some(path), rest),
        _ => (None, msg),
    };
    if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        let what = key.map_or(String::new(), |k| format!("`{k}`: "));
        return (
            format!("{what}{msg}"),
            Some("check the value's form against docs/content.md".to_owned()),
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match did_you_mean(key, allowed.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None if allowed.is_empty() => "remove it".to_owned(),
            None => format!(
                "remove it; the keys allowed here are {}",
                allowed.join(", ")
            ),
        };
        return (format!("unknown key `{key}`"), Some(hint));
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match did_you_mean(value, allowed.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("write one of {}", allowed.join(", ")),
        };
        return (format!("`{value}` is not an allowed value"), Some(hint));
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or(rest);
        return (
            format!("the required key `{key}` is missing"),
            Some(format!("add a line `{key}: …`")),
        );
    }
    if msg.contains("did not find expected")
        || msg.contains("mapping values are not allowed")
        || msg.contains("found character that cannot start")
        || msg.contains("could not find expected")
    {
        return (
            format!("this is not valid YAML ({msg})"),
            Some("check the indentation and the `key: value` form; quote values that contain `:` or `#`".to_owned()),
        );
    }
    // Our own deserialisers say "what is wrong; what to do".
    match msg.split_once("; ") {
        Some((what, todo)) => (what.to_owned(), Some(todo.to_owned())),
        None => (msg.to_owned(), None),
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Meta {
        title: String,
        category: String,
    }

    fn src(text: &str) -> Source {
        Source {
            rel: PathBuf::from("content/programs/x.md"),
            text: text.to_owned(),
        }
    }

    #[test]
    fn splits_front_matter() {
        let s = src("---\ntitle: a\n---\nbody\n");
        let fm = s.front_matter().unwrap();
        assert_eq!(fm.yaml.text, "title: a\n");
        assert_eq!(fm.body, "body\n");
    }

    #[test]
    fn missing_fences_are_reported() {
        assert!(src("")
            .front_matter()
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(src("title: a\n")
            .front_matter()
            .unwrap_err()
            .message
            .contains("missing"));
        assert!(src("---\ntitle: a\n")
            .front_matter()
            .unwrap_err()
            .message
            .contains("never ends"));
    }

    #[test]
    fn unknown_key_points_at_the_file_line_with_a_suggestion() {
        let s = src("---\ntitle: a\ncategory: b\ntitel: c\n---\n");
        let fm = s.front_matter().unwrap();
        let d = fm.yaml.parse::<Meta>(&s.rel, "front matter").unwrap_err();
        assert_eq!(d.line, 4, "{d}");
        assert_eq!(d.message, "unknown key `titel`");
        assert_eq!(d.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn missing_key_is_named() {
        let s = src("---\ntitle: a\n---\n");
        let d = s
            .front_matter()
            .unwrap()
            .yaml
            .parse::<Meta>(&s.rel, "front matter")
            .unwrap_err();
        assert!(d.message.contains("`category`"), "{d}");
    }

    #[test]
    fn bad_yaml_is_located() {
        let s = src("---\ntitle: a\ncategory: [b\n---\n");
        let d = s
            .front_matter()
            .unwrap()
            .yaml
            .parse::<Meta>(&s.rel, "front matter")
            .unwrap_err();
        assert!(d.line >= 3, "{d}");
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.md"), b"---\ntitle: \xff\n").unwrap();
        let d = Source::read(dir.path(), Path::new("x.md")).unwrap_err();
        assert_eq!((d.line, d.col), (2, 8));
        assert!(d.message.contains("UTF-8"));
    }

    #[test]
    fn yaml_lines_end_at_newlines_only() {
        // serde_yaml counts the lone CR and the NEL as line ends; editors and `line_col` do not.
        let s = src("---\ntitle: a\r\u{85}category: [b\n---\n");
        let fm = s.front_matter().unwrap();
        let d = fm.yaml.parse::<Meta>(&s.rel, "front matter").unwrap_err();
        assert!(d.line <= 3, "{d}");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("南屿\nab", 9), (2, 3));
        assert_eq!(line_col("南屿x", 6), (1, 3));
    }
}
