//! Rebuilding when staff change what the site shows: the admin API's `on_change` hook only
//! signals; a task turns signals into rebuilds, one at a time, and signals that arrive while a
//! rebuild runs are merged into the next one (a plan that fills ten slots rebuilds twice at
//! most, never ten times). Counts alone never signal: pages fetch them live.

use std::sync::Arc;

use diandan_functions::api::OnChange;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// A hook for `ApiState::with_on_change`, and the signal it raises.
pub fn change_signal() -> (OnChange, Arc<Notify>) {
    let signal = Arc::new(Notify::new());
    let raise = Arc::clone(&signal);
    let hook: OnChange = Arc::new(move || raise.notify_one());
    (hook, signal)
}

/// Runs `rebuild` on a blocking thread after each signal, for as long as the runtime lives.
pub fn rebuild_on_signal<F>(signal: Arc<Notify>, rebuild: F) -> JoinHandle<()>
where
    F: Fn() + Send + Sync + 'static,
{
    let rebuild = Arc::new(rebuild);
    tokio::spawn(async move {
        loop {
            signal.notified().await;
            let run = Arc::clone(&rebuild);
            if let Err(e) = tokio::task::spawn_blocking(move || run()).await {
                eprintln!("a rebuild after a staff change failed: {e}");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn signals_become_rebuilds_and_bursts_merge() {
        let (hook, signal) = change_signal();
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&builds);
        let task = rebuild_on_signal(signal, move || {
            std::thread::sleep(Duration::from_millis(50));
            counted.fetch_add(1, Ordering::SeqCst);
        });
        hook();
        tokio::time::sleep(Duration::from_millis(10)).await;
        for _ in 0..10 {
            hook();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "one, then one for the burst"
        );
        hook();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(builds.load(Ordering::SeqCst), 3);
        task.abort();
    }
}
