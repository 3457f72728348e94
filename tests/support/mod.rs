//! A real `diandan serve` app on a loopback port, started and stopped by the test.
#![allow(dead_code)]

pub mod child;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate};
use diandan::serve::{app, on_change, Live};
use diandan_functions::api::ApiState;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::fixed_clock;
use diandan_functions::domain::{Phone, Secret};
use diandan_functions::sms::Inbox;
use diandan_functions::store::dynamo::testing;
use diandan_functions::store::sqlite::SqliteStore;
use diandan_functions::store::{DynamoStore, Store};

/// The admin API's bearer token on every test server.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// The repository root: the sample `content/` and `themes/`.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

pub struct Server {
    pub base: String,
    /// The residents' phones: every text message the server sent.
    pub inbox: Arc<Inbox>,
    /// The code each phone asked for, kept: a code is good for many submissions.
    codes: Mutex<HashMap<String, String>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Where a test server keeps submissions.
#[derive(Debug, Clone)]
pub enum Backend {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A table on the DynamoDB-compatible server the AWS environment names.
    Dynamo(String),
}

impl Backend {
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Backend::Sqlite(db) => Arc::new(SqliteStore::open(db).expect("the store opens")),
            Backend::Dynamo(table) => Arc::new(
                DynamoStore::connect(table)
                    .await
                    .expect("the DynamoDB store connects"),
            ),
        }
    }
}

/// A new table on the DynamoDB-compatible server for a test; `None` when the DynamoDB tests
/// are skipped on purpose (`DIANDAN_SKIP_DYNAMO=1`). Panics when they should run but cannot.
pub fn fresh_dynamo_table() -> Option<String> {
    if !testing::should_run().unwrap_or_else(|e| panic!("{e}")) {
        return None;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime
        .block_on(testing::fresh_store())
        .unwrap_or_else(|e| panic!("cannot make a table on the DynamoDB server: {e}"));
    Some(store.table().to_owned())
}

impl Server {
    /// Serves `root` with the SQLite file `db`, the clock stopped at `now`.
    pub fn start(root: &Path, db: &Path, secret: &str, now: DateTime<FixedOffset>) -> Server {
        Self::start_with(root, Backend::Sqlite(db.to_path_buf()), secret, now)
    }

    /// Serves `root` with the store `backend`, the clock stopped at `now`.
    pub fn start_with(
        root: &Path,
        backend: Backend,
        secret: &str,
        now: DateTime<FixedOffset>,
    ) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (root, secret) = (root.to_path_buf(), secret.to_owned());
        let inbox = Arc::new(Inbox::new());
        let sms = inbox.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let store = backend.open().await;
                let secret = Secret::new(&secret).expect("a valid secret");
                // As `diandan serve` with DIANDAN_ADMIN_TOKEN set: staff changes rebuild the site.
                let (hook, signal) = on_change::change_signal();
                let api = ApiState::new(store, Catalogue::default(), secret)
                    .with_base_url("")
                    .with_clock(fixed_clock(now))
                    .with_admin_token(Some(ADMIN_TOKEN.into()))
                    .with_sms(sms)
                    .with_on_change(hook);
                let live = Live::new(root, api, Some(now.date_naive()));
                let first = live.clone();
                tokio::task::spawn_blocking(move || first.rebuild())
                    .await
                    .unwrap();
                let rebuilder = live.clone();
                let _rebuilds = on_change::rebuild_on_signal(signal, move || rebuilder.rebuild());
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                axum_serve(listener, live, stop_rx).await;
            });
        });
        let addr = addr_rx.recv().expect("the server starts");
        Server {
            base: format!("http://{addr}"),
            inbox,
            codes: Mutex::new(HashMap::new()),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The text-message code for `phone`, asked for as a resident would (`POST /api/verify`,
    /// then read off the phone) the first time, and kept for the phone's later submissions.
    pub fn code(&self, phone: &str) -> String {
        let key = Phone::parse(phone).map_or_else(|_| phone.to_owned(), |p| p.digits().to_owned());
        let mut codes = self.codes.lock().unwrap();
        if let Some(code) = codes.get(&key) {
            return code.clone();
        }
        let answer = client()
            .post(&format!("{}/api/verify", self.base))
            .send_json(serde_json::json!({ "phone": phone }))
            .expect("the server answers");
        assert_eq!(answer.status().as_u16(), 202, "a code is sent to {phone}");
        let code = self.inbox.code_for(phone).expect("the text arrived");
        codes.insert(key, code.clone());
        code
    }

    /// `body` with the code for its `phone` added, when it has one.
    pub fn with_code(&self, mut body: serde_json::Value) -> serde_json::Value {
        let phone = body
            .get("phone")
            .and_then(|p| p.as_str())
            .map(str::to_owned);
        if let (Some(phone), Some(map)) = (phone, body.as_object_mut()) {
            map.insert("code".into(), self.code(&phone).into());
        }
        body
    }

    /// Posts `body` as JSON, as a resident's browser with JavaScript would: with the code for
    /// its phone (the sample content asks for codes on orders, nominations and registrations).
    /// Returns the status and the JSON answer (`null` if it is not JSON).
    pub fn post_json(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let mut res = client()
            .post(&format!("{}{path}", self.base))
            .send_json(self.with_code(body))
            .expect("the server answers");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or_default())
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
