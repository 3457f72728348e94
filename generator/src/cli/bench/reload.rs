//! `serve`'s edit-to-reload time: the synthetic site served in this process (SQLite store,
//! the real file watcher), a live-reload long-poll waiting on 127.0.0.1, and the time from
//! writing a content file to the long-poll's answer — what an open page waits before it
//! reloads.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use diandan_functions::catalogue::Catalogue;
use diandan_functions::domain::Secret;
use diandan_functions::store::SqliteStore;

use super::measure::Sample;
use crate::serve::{app, files, serve_until, watch_files, Live};

/// The times of each kind of edit.
pub struct ReloadTimes {
    /// A line added to the end of a program's text (its cards are unchanged).
    pub body: Vec<Sample>,
    /// A program's title (its list pages change too).
    pub title: Vec<Sample>,
    /// `site.yaml` written again: the full rebuild every edit used to cost.
    pub full: Vec<Sample>,
}

/// How many edits of each kind to time.
#[derive(Debug, Clone, Copy)]
pub struct Edits {
    pub small: usize,
    pub full: usize,
}

/// Serves `site` and times the edits; the store lives in `store_dir`.
pub fn measure(site: &Path, store_dir: &Path, edits: &Edits) -> anyhow::Result<ReloadTimes> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure_served(site, store_dir, edits))
}

async fn measure_served(site: &Path, store_dir: &Path, e: &Edits) -> anyhow::Result<ReloadTimes> {
    let store = Arc::new(SqliteStore::open(store_dir.join("serve.sqlite3"))?);
    let api = diandan_functions::api::ApiState::new(
        store,
        Catalogue::default(),
        Secret::new("bench-secret-0123456789abcdef")?,
    )
    .with_base_url("");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).context("a valid date")?;
    let live = Live::new(site.to_path_buf(), api, Some(today));
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild()).await?;
    let _watcher = watch_files::watch(site, live.clone())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_until(listener, app(live.clone()), async {
        let _ = stopped.await;
    }));
    let (root, edits) = (site.to_path_buf(), *e);
    let times = tokio::task::spawn_blocking(move || edit_all(&root, &live, addr, &edits)).await??;
    let _ = stop.send(());
    server.await??;
    Ok(times)
}

fn edit_all(root: &Path, live: &Live, addr: SocketAddr, e: &Edits) -> anyhow::Result<ReloadTimes> {
    let body_file = super::synth::first_program(root);
    let title_file = root.join("content/programs/p05000.md");
    let title_file = if title_file.exists() {
        title_file
    } else {
        body_file.clone()
    };
    let site_file = root.join("content/site.yaml");
    let mut times = ReloadTimes {
        body: Vec::new(),
        title: Vec::new(),
        full: Vec::new(),
    };
    for i in 0..e.small {
        times.body.push(timed(live, addr, || {
            append(&body_file, &format!("\n服务中第 {i} 次修改。\n"))
        })?);
        times.title.push(timed(live, addr, || {
            retitle(&title_file, &format!("（第 {i} 版）"))
        })?);
    }
    for _ in 0..e.full {
        times.full.push(timed(live, addr, || {
            let text = std::fs::read(&site_file)?;
            std::fs::write(&site_file, text)
        })?);
    }
    Ok(times)
}

fn append(path: &PathBuf, line: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    std::fs::write(path, format!("{text}{line}"))
}

/// Replaces whatever follows the title's 《…》 with `suffix`.
fn retitle(path: &PathBuf, suffix: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let out: Vec<String> = text
        .lines()
        .map(|l| match (l.starts_with("title: "), l.find('》')) {
            (true, Some(at)) => format!("{}》{suffix}", &l[..at]),
            _ => l.to_owned(),
        })
        .collect();
    std::fs::write(path, out.join("\n") + "\n")
}

/// How long an edit may take to reach the page: a full rebuild of 100,000 programs takes
/// minutes on a small machine.
const PATIENCE: Duration = Duration::from_secs(30 * 60);

/// Opens a live-reload long-poll for a version newer than `since`.
fn poll(addr: SocketAddr, since: u64) -> std::io::Result<TcpStream> {
    let mut poll = TcpStream::connect(addr)?;
    write!(
        poll,
        "GET /__diandan/wait?since={since} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    Ok(poll)
}

/// The version a long-poll answered with.
fn answer(mut poll: TcpStream) -> std::io::Result<String> {
    let mut answer = String::new();
    poll.read_to_string(&mut answer)?;
    let version = answer.rsplit("\r\n\r\n").next().unwrap_or_default().trim();
    Ok(version.to_owned())
}

/// Waits for quiet, opens a long-poll, makes the edit and times until the poll answers.
fn timed(
    live: &Live,
    addr: SocketAddr,
    edit: impl FnOnce() -> std::io::Result<()>,
) -> anyhow::Result<Sample> {
    std::thread::sleep(Duration::from_millis(150));
    let since = files::read(&live.current).version;
    let first = poll(addr, since)?;
    let started = Instant::now();
    edit()?;
    let mut version = answer(first)?;
    // The server ends a long-poll after 25 s with the version unchanged, and the page asks
    // again; a large catalogue's full rebuild outlasts that, so ask again as the page does.
    while version == since.to_string() && started.elapsed() < PATIENCE {
        version = answer(poll(addr, since)?)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        version != since.to_string(),
        "the reload poll answered without a new build within {} s",
        PATIENCE.as_secs()
    );
    ensure!(
        files::read(&live.current).problems.is_none(),
        "the edit broke the build"
    );
    Ok(Sample {
        seconds,
        peak_mb: own_peak_mb(),
        stdout: String::new(),
    })
}

fn own_peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}
