//! Writing the site so that a failed or interrupted build never leaves a half-written output:
//! only files whose bytes changed are written, first into a staging folder that also gets a
//! hard link to every unchanged file, and the finished folder then trades places with the output
//! in one atomic step (Linux and macOS), so the output is always the whole previous site or the
//! whole new one, whenever the build is killed. Where folders cannot be swapped, the changed
//! files are moved into place under a journal that the next build finishes if this one is
//! killed midway. A build that changes nothing writes nothing.

use std::collections::BTreeSet;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
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
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{suffix}"))
}

/// Finishes an interrupted write (its journal says what to move), or drops a staging folder
/// whose journal was never written: one never swapped in (the output was not touched yet), or
/// one holding the previous site after a swap.
pub fn recover(out: &Path) -> io::Result<()> {
    let journal = sibling(out, "journal");
    let staging = sibling(out, "staging");
    if let Ok(text) = std::fs::read_to_string(&journal) {
        apply(&text, &staging, out)?;
        std::fs::remove_file(&journal)?;
    }
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    Ok(())
}

/// Carries out a journal: `put PATH` moves a staged file into place, `del PATH` removes one.
/// Moving an already-moved file is skipped, so applying twice is harmless.
fn apply(journal: &str, staging: &Path, out: &Path) -> io::Result<()> {
    for line in journal.lines() {
        if let Some(path) = line.strip_prefix("put ") {
            let (from, to) = (staging.join(path), out.join(path));
            if from.exists() {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(from, to)?;
            }
        } else if let Some(path) = line.strip_prefix("del ") {
            match std::fs::remove_file(out.join(path)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => remove_empty_parents(out, &out.join(path)),
            }
        }
    }
    Ok(())
}

fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir.filter(|d| *d != out) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
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

fn stage(site: &Site, paths: &[&String], staging: &Path) -> io::Result<()> {
    paths.par_iter().try_for_each(|path| {
        let dest = staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, &site.files[*path])
    })
}

/// Writes `site` into `out`, replacing what was there.
pub fn write(site: &Site, out: &Path) -> io::Result<WriteStats> {
    recover(out)?;
    let old = existing_files(out);
    let changed: Vec<&String> = site
        .files
        .par_iter()
        .filter(|(p, b)| !old.contains(*p) || !same_bytes(&out.join(p), b))
        .map(|(p, _)| p)
        .collect();
    let removed: Vec<&String> = old
        .iter()
        .filter(|p| !site.files.contains_key(*p))
        .collect();
    let stats = WriteStats {
        written: changed.len(),
        removed: removed.len(),
    };
    if changed.is_empty() && removed.is_empty() {
        return Ok(stats);
    }
    let staging = sibling(out, "staging");
    stage(site, &changed, &staging)?;
    if !out.exists() {
        // A first build: the whole tree appears at once.
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        return std::fs::rename(&staging, out).map(|()| stats);
    }
    // An output that is a link to a folder elsewhere stays one: its files are replaced instead.
    let swappable = !out.is_symlink();
    if swappable
        && link_unchanged(site, &changed, out, &staging).is_ok()
        && swap::exchange(&staging, out)
    {
        // The staging folder now holds the previous site.
        std::fs::remove_dir_all(&staging)?;
        return Ok(stats);
    }
    journaled(&changed, &removed, &staging, out)?;
    Ok(stats)
}

/// Completes the staging folder into the whole new site: each unchanged file is hard-linked
/// from the output (no bytes copied), or written again where links are not possible.
fn link_unchanged(site: &Site, changed: &[&String], out: &Path, staging: &Path) -> io::Result<()> {
    let changed: BTreeSet<&String> = changed.iter().copied().collect();
    let unchanged: Vec<&String> = site.files.keys().filter(|p| !changed.contains(p)).collect();
    unchanged.par_iter().try_for_each(|path| {
        let dest = staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::hard_link(out.join(path), &dest)
            .or_else(|_| std::fs::write(&dest, &site.files[*path]))
    })
}

/// Moves the changed files into place and removes the gone ones under a journal, for systems
/// where two folders cannot trade places atomically.
fn journaled(
    changed: &[&String],
    removed: &[&String],
    staging: &Path,
    out: &Path,
) -> io::Result<()> {
    let mut journal = String::new();
    changed
        .iter()
        .for_each(|p| journal.push_str(&format!("put {p}\n")));
    removed
        .iter()
        .for_each(|p| journal.push_str(&format!("del {p}\n")));
    let journal_path = sibling(out, "journal");
    let mut f = std::fs::File::create(&journal_path)?;
    f.write_all(journal.as_bytes())?;
    f.sync_all()?;
    apply(&journal, staging, out)?;
    std::fs::remove_file(&journal_path)?;
    std::fs::remove_dir_all(staging)
}

/// Two folders trading places in one step, where the system can do it.
mod swap {
    use std::path::Path;

    /// Whether `a` and `b` traded places (atomically: no moment shows neither or a mix).
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    pub fn exchange(a: &Path, b: &Path) -> bool {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
    }

    /// Not available here: the caller falls back to the journal.
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    pub fn exchange(_: &Path, _: &Path) -> bool {
        false
    }
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

    fn read(out: &Path, p: &str) -> String {
        std::fs::read_to_string(out.join(p)).unwrap()
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
        assert_eq!(read(&out, "index.html"), "b");
        assert!(!out.join("x").exists(), "emptied folders go too");
    }

    #[test]
    fn an_interrupted_write_is_finished_by_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(
            &site(&[("a.html", "1"), ("b.html", "1"), ("gone.html", "1")]),
            &out,
        )
        .unwrap();
        // As if killed after the journal was written and one file moved.
        let staging = sibling(&out, "staging");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("b.html"), "2").unwrap();
        std::fs::write(out.join("a.html"), "2").unwrap();
        std::fs::write(
            sibling(&out, "journal"),
            "put a.html\nput b.html\ndel gone.html\n",
        )
        .unwrap();
        recover(&out).unwrap();
        assert_eq!(
            (read(&out, "a.html"), read(&out, "b.html")),
            ("2".into(), "2".into())
        );
        assert!(!out.join("gone.html").exists());
        assert!(!staging.exists() && !sibling(&out, "journal").exists());
    }

    #[cfg(unix)]
    #[test]
    fn an_output_that_links_elsewhere_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let (real, out) = (dir.path().join("real"), dir.path().join("public"));
        write(&site(&[("a.html", "1")]), &real).unwrap();
        std::os::unix::fs::symlink(&real, &out).unwrap();
        write(&site(&[("a.html", "2"), ("b/index.html", "b")]), &out).unwrap();
        assert!(out.is_symlink());
        assert_eq!(
            (read(&real, "a.html"), read(&real, "b/index.html")),
            ("2".into(), "b".into())
        );
    }

    #[test]
    fn staging_without_a_journal_leaves_the_output_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write(&site(&[("a.html", "1")]), &out).unwrap();
        let staging = sibling(&out, "staging");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("a.html"), "half").unwrap();
        recover(&out).unwrap();
        assert_eq!(read(&out, "a.html"), "1");
        assert!(!staging.exists());
    }
}
