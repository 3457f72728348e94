//! Timing a command and its peak memory (VmHWM from /proc, sampled while it runs).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// One run of one command.
#[derive(Debug, Clone)]
pub struct Sample {
    pub seconds: f64,
    pub peak_mb: f64,
    pub stdout: String,
}

fn high_water_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `cmd` to completion; fails if it exits non-zero.
pub fn run(cmd: &mut Command) -> anyhow::Result<Sample> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    let pid = child.id();
    let mut peak = 0;
    // VmHWM only grows, so the last reading before exit is the peak (to within one interval).
    while child.try_wait()?.is_none() {
        peak = peak.max(high_water_kb(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(2));
    }
    let seconds = started.elapsed().as_secs_f64();
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Sample {
        seconds,
        peak_mb: peak as f64 / 1024.0,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    })
}

/// The median of the samples' times, and the largest peak.
pub fn summarise(samples: &[Sample]) -> (f64, f64) {
    let mut t: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
    t.sort_by(f64::total_cmp);
    let median = if t.is_empty() { 0.0 } else { t[t.len() / 2] };
    let peak = samples.iter().map(|s| s.peak_mb).fold(0.0, f64::max);
    (median, peak)
}
