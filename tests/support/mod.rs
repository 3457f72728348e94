//! A real `diandan serve` app on a loopback port, started and stopped by the test.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use diandan::serve::{app, Live};
use diandan_functions::api::ApiState;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::fixed_clock;
use diandan_functions::domain::Secret;
use diandan_functions::store::sqlite::SqliteStore;

/// The repository root: the sample `content/` and `themes/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `root` with the SQLite file `db`, the clock stopped at `now`.
    pub fn start(root: &Path, db: &Path, secret: &str, now: DateTime<FixedOffset>) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (root, db, secret) = (root.to_path_buf(), db.to_path_buf(), secret.to_owned());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let store = Arc::new(SqliteStore::open(&db).expect("the store opens"));
                let secret = Secret::new(&secret).expect("a valid secret");
                let api = ApiState::new(store, Catalogue::default(), secret)
                    .with_base_url("")
                    .with_clock(fixed_clock(now));
                let live = Live::new(root, api, Some(now.date_naive()));
                let first = live.clone();
                tokio::task::spawn_blocking(move || first.rebuild())
                    .await
                    .unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum_serve(listener, live, stop_rx).await;
            });
        });
        let addr = addr_rx.recv().expect("the server starts");
        Server {
            base: format!("http://{addr}"),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    live: Live,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    diandan::serve::serve_until(listener, app(live), async {
        let _ = stop.await;
    })
    .await
    .expect("the server runs");
}

/// A client that neither follows redirects nor treats 4xx as errors: the test reads them.
pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub fn china(date: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{date}T10:00:00+08:00")).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
