//! Watching `content/` and `themes/`: a burst of file events becomes one rebuild.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use notify::{EventKind, RecursiveMode, Watcher};

use super::Live;

/// Editors' tools write files in several steps; wait this long for quiet before rebuilding.
const QUIET: Duration = Duration::from_millis(40);

/// Starts watching; the returned watcher must be kept alive for as long as serving lasts.
pub fn watch(root: &Path, live: Live) -> anyhow::Result<notify::RecommendedWatcher> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            if !matches!(ev.kind, EventKind::Access(_)) {
                let _ = tx.send(());
            }
        }
    })
    .context("cannot watch the files for changes")?;
    for dir in ["content", "themes"] {
        let path = root.join(dir);
        if path.exists() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", path.display()))?;
        }
    }
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            while rx.recv_timeout(QUIET).is_ok() {}
            live.rebuild();
        }
    });
    Ok(watcher)
}
