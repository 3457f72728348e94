//! Crash safety: `kill -9` of `diandan serve` in the middle of a burst of submissions loses none
//! that were acknowledged and leaves every count equal to its rows; `kill -9` of `diandan build`
//! at any moment leaves the previous site byte for byte, and the next build finishes it.
//!
//! `harness = false`: this binary is also the `diandan` command its tests start and kill.

mod support;

#[path = "crash/build.rs"]
mod build;
#[path = "crash/burst.rs"]
mod burst;

fn main() -> std::process::ExitCode {
    if let Some(code) = support::child::run_as_cli_if_asked() {
        return code;
    }
    let started = std::time::Instant::now();
    burst::acknowledged_submissions_survive_kill_9_of_serve();
    eprintln!(
        "serve killed mid-burst: ok ({} s)",
        started.elapsed().as_secs()
    );
    let started = std::time::Instant::now();
    build::a_killed_build_leaves_the_previous_site_and_the_next_build_finishes();
    eprintln!(
        "build killed midway: ok ({} s)",
        started.elapsed().as_secs()
    );
    std::process::ExitCode::SUCCESS
}
