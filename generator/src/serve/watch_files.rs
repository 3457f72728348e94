//! Watching `content/` and `themes/`: a burst of file events becomes one rebuild of what the
//! changed files affect.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::{Live, ServeError};

/// Editors' tools write files in several steps (truncate, write, rename); wait this long for
/// quiet before rebuilding. Short, because an edit's reload is meant to come within 100 ms.
const QUIET: Duration = Duration::from_millis(15);

/// Starts watching; the returned watcher must be kept alive for as long as serving lasts.
pub fn watch(root: &Path, live: Live) -> Result<notify::RecommendedWatcher, ServeError> {
    let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            if !matches!(ev.kind, EventKind::Access(_)) {
                let _ = tx.send(ev.paths);
            }
        }
    })
    .map_err(|source| ServeError::Watch {
        path: root.to_path_buf(),
        source,
    })?;
    for dir in ["content", "themes"] {
        let path = root.join(dir);
        if path.exists() {
            (watcher.watch(&path, RecursiveMode::Recursive))
                .map_err(|source| ServeError::Watch { path, source })?;
        }
    }
    let bases = [root.to_path_buf(), root.canonicalize().unwrap_or_default()];
    std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut changed = BTreeSet::new();
            changed.extend(first.iter().map(|p| relative(&bases, p)));
            while let Ok(more) = rx.recv_timeout(QUIET) {
                changed.extend(more.iter().map(|p| relative(&bases, p)));
            }
            let changed: Vec<PathBuf> = changed.into_iter().collect();
            live.rebuild_changed(&changed);
        }
    });
    Ok(watcher)
}

/// The path relative to the root. A path outside it is kept whole, which the rebuild takes
/// as "something else changed" and answers with a full build.
fn relative(bases: &[PathBuf], path: &Path) -> PathBuf {
    bases
        .iter()
        .filter(|b| !b.as_os_str().is_empty())
        .find_map(|b| path.strip_prefix(b).ok())
        .unwrap_or(path)
        .to_path_buf()
}
