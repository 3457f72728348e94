//! A theme: Tera templates compiled once, and static assets copied as they are.

use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

/// Why a theme could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("{path}: cannot read the theme file: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the theme's templates do not compile: {0}")]
    Compile(String),
}

pub struct Theme {
    pub tera: Tera,
    /// Files under `static/`, by their path in the site (e.g. `assets/site.css`).
    pub assets: Vec<(String, Vec<u8>)>,
}

/// Lists the files under `dir`, sorted, with their path relative to `dir` using `/`.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, e.path().to_path_buf()))
        })
        .collect();
    out.sort();
    out
}

fn read(path: &Path) -> Result<Vec<u8>, ThemeError> {
    std::fs::read(path).map_err(|source| ThemeError::Read {
        path: path.to_path_buf(),
        source,
    })
}

impl Theme {
    /// Loads `templates/` and `static/` of the theme folder.
    pub fn load(dir: &Path) -> Result<Theme, ThemeError> {
        let mut templates = Vec::new();
        for (name, path) in files_under(&dir.join("templates")) {
            let text = String::from_utf8(read(&path)?)
                .map_err(|_| ThemeError::Compile(format!("{} is not UTF-8", path.display())))?;
            templates.push((name, text));
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.add_raw_templates(templates)
            .map_err(|e| ThemeError::Compile(chain(&e)))?;
        let mut assets = Vec::new();
        for (name, path) in files_under(&dir.join("static")) {
            assets.push((format!("assets/{name}"), read(&path)?));
        }
        Ok(Theme { tera, assets })
    }
}

/// Tera's errors nest their cause; show the whole chain on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
