//! The no-change fast path: a fingerprint of everything a store-less build is made from (the
//! content and theme files' names, sizes and times, the build date and the binary), kept beside
//! the output. When it matches, the build has nothing to do and reads no file's contents.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use chrono::NaiveDate;
use walkdir::WalkDir;

fn file_for(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.fingerprint"))
}

/// Hashes the names, sizes and times of every file under `dir`.
pub fn hash_tree(dir: &Path, h: &mut impl Hasher) {
    let mut entries: Vec<_> = WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    entries.sort_by(|a, b| a.path().cmp(b.path()));
    for e in entries {
        e.path().hash(h);
        if let Ok(m) = e.metadata() {
            m.len().hash(h);
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .hash(h);
        }
    }
}

/// Hashes the version and the time of the running binary: a new build of diandan may render
/// differently.
pub fn hash_binary(h: &mut impl Hasher) {
    env!("CARGO_PKG_VERSION").hash(h);
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.metadata().ok())
        .and_then(|m| m.modified().ok());
    exe.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .hash(h);
}

/// The fingerprint of a build's inputs; `source` is the data source's own fingerprint.
pub fn of_inputs(root: &Path, today: NaiveDate, source: u64) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (today, source).hash(&mut h);
    hash_binary(&mut h);
    hash_tree(&root.join("content"), &mut h);
    hash_tree(&root.join("themes"), &mut h);
    h.finish()
}

/// The page and file counts of the last build, if its fingerprint was `print` and its output
/// is still there.
pub fn matches(out: &Path, print: u64) -> Option<(usize, usize)> {
    let text = std::fs::read_to_string(file_for(out)).ok()?;
    let mut parts = text.split_whitespace();
    let (seen, pages, files) = (
        parts.next()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    (seen == print.to_string() && out.is_dir()).then_some((pages, files))
}

/// Records a finished build.
pub fn remember(out: &Path, print: u64, pages: usize, files: usize) {
    let _ = std::fs::write(file_for(out), format!("{print} {pages} {files}\n"));
}

/// Drops the record before a build starts, so a failed build is never taken as up to date.
pub fn forget(out: &Path) {
    let _ = std::fs::remove_file(file_for(out));
}
