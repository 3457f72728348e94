//! Writing the site atomically: the new tree is staged beside the old one and swapped in, so a
//! failed or interrupted build leaves the previous output as it was; unchanged bytes are not
//! rewritten, and a build that changes nothing writes nothing.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::render::Site;

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files whose bytes were new or changed.
    pub written: usize,
    /// Files that existed before and are gone now.
    pub removed: usize,
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    out.with_file_name(format!(".{name}.{suffix}"))
}

/// Puts back the previous output if an earlier write was interrupted between its two renames.
fn recover(out: &Path) -> io::Result<()> {
    let prev = sibling(out, "prev");
    if !out.exists() && prev.exists() {
        std::fs::rename(&prev, out)?;
    } else if prev.exists() {
        std::fs::remove_dir_all(&prev)?;
    }
    Ok(())
}

fn existing_files(out: &Path) -> BTreeSet<String> {
    WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            Some(
                e.path()
                    .strip_prefix(out)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/"),
            )
        })
        .collect()
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Writes `site` into `out`, replacing what was there.
pub fn write(site: &Site, out: &Path) -> io::Result<WriteStats> {
    recover(out)?;
    let old = existing_files(out);
    let changed: Vec<&String> = site
        .files
        .iter()
        .filter(|(p, b)| !old.contains(*p) || !same_bytes(&out.join(p), b))
        .map(|(p, _)| p)
        .collect();
    let removed = old.iter().filter(|p| !site.files.contains_key(*p)).count();
    if changed.is_empty() && removed == 0 {
        return Ok(WriteStats::default());
    }
    let staging = sibling(out, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let changed_set: BTreeSet<&String> = changed.iter().copied().collect();
    for (path, bytes) in &site.files {
        let dest = staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Unchanged files are linked, not copied: the swap then costs no rewrite of their bytes.
        if changed_set.contains(path) || std::fs::hard_link(out.join(path), &dest).is_err() {
            std::fs::write(&dest, bytes)?;
        }
    }
    swap(&staging, out)?;
    Ok(WriteStats {
        written: changed.len(),
        removed,
    })
}

/// Replaces `out` with `staging`. Between the two renames `out` is briefly missing; `recover`
/// restores the previous tree if the process dies right there.
fn swap(staging: &Path, out: &Path) -> io::Result<()> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let prev = sibling(out, "prev");
    if out.exists() {
        std::fs::rename(out, &prev)?;
    }
    std::fs::rename(staging, out)?;
    if prev.exists() {
        std::fs::remove_dir_all(&prev)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> Site {
        Site {
            files: files
                .iter()
                .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
                .collect(),
        }
    }

    #[test]
    fn writes_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let a = site(&[("index.html", "a"), ("x/index.html", "x")]);
        assert_eq!(write(&a, &out).unwrap().written, 2);
        assert_eq!(write(&a, &out).unwrap(), WriteStats::default());
        let b = site(&[("index.html", "b")]);
        assert_eq!(
            write(&b, &out).unwrap(),
            WriteStats {
                written: 1,
                removed: 1
            }
        );
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "b"
        );
        assert!(!out.join("x/index.html").exists());
    }

    #[test]
    fn recovers_from_an_interrupted_swap() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&site(&[("index.html", "a")]), &out).unwrap();
        std::fs::rename(&out, sibling(&out, "prev")).unwrap();
        write(&site(&[("index.html", "a")]), &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "a"
        );
        assert!(!sibling(&out, "prev").exists());
    }
}
