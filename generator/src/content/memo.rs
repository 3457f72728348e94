//! Item files parsed by an earlier load, for the CLI's builds: a file whose size and
//! modification time ([`Stamp`]) are those it had when it was parsed is taken as parsed then,
//! without being read. The memo is only a hint: an item not in it, or whose file moved on, is
//! read and parsed as always, and files that did not parse are never in it (their problems are
//! found again). The build keeps it on disk (`crate::build::memo`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::model::{Course, Lecturer, Page, Program};

/// A file's version as the file system tells it without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    /// Modification time in nanoseconds since 1970.
    pub mtime: u64,
}

/// How recent a file's time may be for its stamp to be trusted later: a file written within
/// the same tick of a coarse clock as an earlier version of the same size would look the
/// same, so such a file is parsed again next time rather than remembered ("racily clean").
const SETTLED: Duration = Duration::from_secs(2);

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            size: meta.len(),
            mtime: u64::try_from(since.as_nanos()).ok()?,
        })
    }

    /// Whether the file was last written long enough before `now` to be remembered.
    pub fn settled(&self, now: SystemTime) -> bool {
        let written = UNIX_EPOCH + Duration::from_nanos(self.mtime);
        now.duration_since(written).is_ok_and(|age| age >= SETTLED)
    }
}

/// One kind of item, by the path of its file relative to the root.
pub type Items<T> = HashMap<PathBuf, (Stamp, T)>;

/// Items parsed by an earlier load, each with its file's stamp then.
#[derive(Debug, Default)]
pub struct Parsed {
    pub programs: Items<Program>,
    pub lecturers: Items<Lecturer>,
    pub courses: Items<Course>,
    pub pages: Items<Page>,
}

impl Parsed {
    pub fn len(&self) -> usize {
        self.programs.len() + self.lecturers.len() + self.courses.len() + self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a load with a memo saw: every item file's stamp, and how many files it parsed.
#[derive(Debug, Default)]
pub struct Seen {
    pub stamps: HashMap<PathBuf, Stamp>,
    /// Item files read and parsed (not in the memo, or changed since).
    pub parsed: usize,
}
