//! What `diandan build` remembers of its last build into a folder, so that an edit renders only
//! the pages it changes: a key for every page, made of its signature (template, the views it
//! shows, the rest of its context) and a hash of each view it shows, and the list of the
//! output's files. It is kept beside the output (`.public.cache`), is only a hint — a missing
//! or unreadable one means every page renders — and is written after the output is complete
//! and dropped before the output starts to change, so it never describes pages that are not
//! there. The header ties it to the binary, the theme, the site's settings and the day.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::Rendered;
use crate::output::sibling;
use crate::render::pages::{Dep, Job};
use crate::render::Views;

const VERSION: &str = "diandan page cache 1";

/// The last build's page keys and files.
pub struct PageCache {
    keys: HashMap<String, u64>,
    files: BTreeSet<String>,
}

impl PageCache {
    /// The cache beside `out`, if there is one made under the same `header`.
    pub fn load(out: &Path, header: u64) -> Option<PageCache> {
        let text = std::fs::read_to_string(sibling(out, "cache")).ok()?;
        let mut lines = text.lines();
        if lines.next()? != format!("{VERSION} {header:016x}") {
            return None;
        }
        let mut cache = PageCache {
            keys: HashMap::new(),
            files: BTreeSet::new(),
        };
        for line in lines {
            let (key, path) = line.split_once(' ')?;
            if key != "-" {
                cache
                    .keys
                    .insert(path.to_owned(), u64::from_str_radix(key, 16).ok()?);
            }
            cache.files.insert(path.to_owned());
        }
        Some(cache)
    }

    /// Whether the page at `path` had this key in the last build.
    pub fn fresh(&self, path: &str, key: u64) -> bool {
        self.keys.get(path) == Some(&key)
    }

    /// Every file of the last build.
    pub fn into_files(self) -> BTreeSet<String> {
        self.files
    }

    /// Records a finished build. A failure only costs the next build its shortcut.
    pub fn save(out: &Path, header: u64, r: &Rendered) {
        let mut text = format!("{VERSION} {header:016x}\n");
        for path in r.paths.iter().chain(&r.images) {
            match r.keys.get(path) {
                Some(key) => text.push_str(&format!("{key:016x} {path}\n")),
                None => text.push_str(&format!("- {path}\n")),
            }
        }
        let (file, temp) = (sibling(out, "cache"), sibling(out, "cache.new"));
        let written = std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, &file));
        if let Err(e) = written {
            tracing::warn!(error = %e, "the page cache could not be saved");
        }
    }

    /// Drops the cache before the output changes.
    pub fn forget(out: &Path) {
        let _ = std::fs::remove_file(sibling(out, "cache"));
    }
}

/// What every page shares: the binary, the theme's files and the build's day (the site's
/// settings and townships are in each key, through the views every page shows).
pub fn header(root: &Path) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    VERSION.hash(&mut h);
    super::fingerprint::hash_binary(&mut h);
    super::fingerprint::hash_tree(&root.join("themes"), &mut h);
    h.finish()
}

/// Feeds serialised bytes into a hasher without holding them.
struct HashWriter<'a>(&'a mut std::collections::hash_map::DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash_of(value: &impl Serialize) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut w = HashWriter(&mut h);
    if serde_json::to_writer(&mut w, value).is_err() {
        // Unhashable means unknown: such a page is always rendered.
        return u64::MAX;
    }
    let _ = w.flush();
    h.finish()
}

/// A hash of each view a page can show, by kind and id.
struct ViewHashes<'a> {
    programs: HashMap<&'a str, (u64, u64)>,
    lecturers: HashMap<&'a str, u64>,
    courses: HashMap<&'a str, u64>,
    slots: HashMap<&'a str, u64>,
    wishes: u64,
    base: u64,
}

impl<'a> ViewHashes<'a> {
    fn of(v: &'a Views) -> ViewHashes<'a> {
        ViewHashes {
            programs: (v.programs.par_iter())
                .map(|p| (p.id.as_str(), (hash_of(p), hash_of(&p.card()))))
                .collect(),
            lecturers: (v.lecturers.par_iter())
                .map(|l| (l.id.as_str(), hash_of(l)))
                .collect(),
            courses: (v.courses.par_iter())
                .map(|k| (k.id.as_str(), hash_of(k)))
                .collect(),
            slots: v
                .slots
                .iter()
                .map(|s| (s.id.as_str(), hash_of(s)))
                .collect(),
            wishes: hash_of(&v.wishes),
            base: hash_of(&(&v.site, v.today, &v.townships, v.site.page_size)),
        }
    }

    fn dep(&self, dep: &Dep<'_>) -> u64 {
        let found = match *dep {
            Dep::Program(id) => self.programs.get(id).map(|p| p.0),
            Dep::Card(id) => self.programs.get(id).map(|p| p.1),
            Dep::Lecturer(id) => self.lecturers.get(id).copied(),
            Dep::Course(id) => self.courses.get(id).copied(),
            Dep::Slot(id) => self.slots.get(id).copied(),
            Dep::Wishes => Some(self.wishes),
        };
        found.unwrap_or(u64::MAX)
    }
}

/// Every page's key: equal keys mean equal bytes, for the same binary and theme.
pub fn keys(jobs: &[Job<'_>], views: &Views) -> HashMap<String, u64> {
    let hashes = ViewHashes::of(views);
    jobs.par_iter()
        .map(|job| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (hashes.base, job.signature()).hash(&mut h);
            for dep in &job.deps {
                hashes.dep(dep).hash(&mut h);
            }
            (job.path.clone(), h.finish())
        })
        .collect()
}
