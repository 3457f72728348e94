//! Writing the site into its folder as it is rendered, so that memory holds one page at a time
//! and a killed build never leaves a torn page. Each file whose bytes changed is written into a
//! staging folder beside the output; when the build has made every file, a journal listing the
//! files to move in and the files to delete is written and synced, and the files are renamed
//! into place one by one (each rename is atomic). A build killed before the journal exists
//! leaves the output as it was; one killed while moving leaves every page whole, some old and
//! some new, and the next build first carries out the journal, then goes on. A first build
//! renames the whole staging folder into place at once. A build that changes nothing writes
//! nothing. The guarantee is against the process being killed, not against power loss: files
//! are not synced one by one.

use std::collections::BTreeSet;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use walkdir::WalkDir;

use crate::render::{Sink, Site};

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteStats {
    /// Files whose bytes were new or changed.
    pub written: usize,
    /// Files that existed before and are gone now.
    pub removed: usize,
}

/// A file beside the output folder: `public` → `.public.SUFFIX`.
pub fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{suffix}"))
}

/// Finishes an interrupted write (its journal says what to move), or drops a staging folder
/// whose journal was never written (the output was not touched yet).
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

/// A build's write into `out`: files arrive one at a time ([`Sink::put`]), from any thread.
pub struct Writer {
    out: PathBuf,
    staging: PathBuf,
    /// The output does not exist yet: the staging folder becomes it.
    fresh: bool,
    /// Files staged because their bytes are new.
    staged: Mutex<Vec<String>>,
    /// Every file the build has, staged or already in place.
    seen: Mutex<BTreeSet<String>>,
}

impl Writer {
    /// Finishes what an interrupted build left, and starts a new write.
    pub fn open(out: &Path) -> io::Result<Writer> {
        recover(out)?;
        Ok(Writer {
            out: out.to_path_buf(),
            staging: sibling(out, "staging"),
            fresh: !out.exists(),
            staged: Mutex::default(),
            seen: Mutex::default(),
        })
    }

    /// Moves the staged files into place and removes the files the site no longer has: those
    /// in `previous` (the last build's files, when known) or else in the output folder.
    pub fn finish(self, previous: Option<BTreeSet<String>>) -> io::Result<WriteStats> {
        let staged = self
            .staged
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let seen = self
            .seen
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if self.fresh {
            if let Some(parent) = self.out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            if !self.staging.exists() {
                std::fs::create_dir_all(&self.staging)?;
            }
            // A first build: the whole tree appears at once.
            std::fs::rename(&self.staging, &self.out)?;
            let written = staged.len();
            return Ok(WriteStats {
                written,
                removed: 0,
            });
        }
        let previous = previous.unwrap_or_else(|| existing_files(&self.out));
        let removed: Vec<&String> = previous.iter().filter(|p| !seen.contains(*p)).collect();
        let stats = WriteStats {
            written: staged.len(),
            removed: removed.len(),
        };
        if staged.is_empty() && removed.is_empty() {
            return Ok(stats);
        }
        journaled(staged, &removed, &self.staging, &self.out)?;
        Ok(stats)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sink for Writer {
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        lock(&self.seen).insert(path.to_owned());
        if !self.fresh && same_bytes(&self.out.join(path), &bytes) {
            return Ok(());
        }
        let dest = self.staging.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, &bytes)?;
        lock(&self.staged).push(path.to_owned());
        Ok(())
    }

    fn has(&self, path: &str) -> bool {
        !self.fresh && self.out.join(path).is_file()
    }

    /// Counts a file as part of the site without its bytes: it is in place and unchanged.
    fn keep(&self, path: &str) {
        lock(&self.seen).insert(path.to_owned());
    }
}

/// Writes `site` into `out`, replacing what was there.
pub fn write(site: &Site, out: &Path) -> io::Result<WriteStats> {
    let writer = Writer::open(out)?;
    for (path, bytes) in &site.files {
        writer.put(path, bytes.clone())?;
    }
    writer.finish(None)
}

/// Moves the staged files into place and removes the gone ones under a journal: written and
/// synced first, so a build killed midway is finished by the next one.
fn journaled(
    mut staged: Vec<String>,
    removed: &[&String],
    staging: &Path,
    out: &Path,
) -> io::Result<()> {
    staged.sort();
    let mut journal = String::new();
    for p in &staged {
        journal.push_str(&format!("put {p}\n"));
    }
    for p in removed {
        journal.push_str(&format!("del {p}\n"));
    }
    let journal_path = sibling(out, "journal");
    let mut f = std::fs::File::create(&journal_path)?;
    f.write_all(journal.as_bytes())?;
    f.sync_all()?;
    apply(&journal, staging, out)?;
    std::fs::remove_file(&journal_path)?;
    if staging.exists() {
        std::fs::remove_dir_all(staging)?;
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
