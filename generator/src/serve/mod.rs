//! `diandan serve`: the site built in memory and served with the API on 127.0.0.1, rebuilt on
//! every change under `content/` or `themes/`, with live reload; a failed rebuild shows its
//! problems in the page and keeps the last good site.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use diandan_functions::api::{router as api_router, ApiState, Limits};
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::domain::{DataKey, Secret};
use diandan_functions::sms;
use diandan_functions::store::Store;
use serde::Deserialize;
use tokio::sync::watch;

use crate::build::edit::{Outcome, State as EditState};
use crate::build::{build_with_state, today_in_china, BuildError, BuildOptions};
use crate::render::live::{DataSource, StoreSource};

pub mod client;
pub mod files;
pub mod listen;
pub mod on_change;
pub mod watch_files;

use files::{Current, Shared};
pub use listen::{serve_with, ConnLimits};

/// Why `serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the abuse limits' settings are wrong: {0}")]
    Limits(String),
    #[error("cannot listen on {addr} — is another server using port {}? Try --port", .addr.port())]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot watch {} for changes", .path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("the text-message settings are wrong: {0}")]
    Sms(String),
    #[error("content/site.yaml asks for text-message codes (verify: {0}) but {var}=off: set it to aliyun, tencent or console, or take `verify` out of site.yaml", var = sms::PROVIDER_VAR)]
    NoSms(String),
    #[error("the first build stopped unexpectedly")]
    Build(#[from] tokio::task::JoinError),
    #[error("serving failed")]
    Io(#[from] std::io::Error),
}

/// Everything `serve` needs, already parsed.
pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub store: Arc<dyn Store>,
    pub secret: Secret,
    /// Seals the numbers of residents who asked to hear back (`DIANDAN_DATA_KEY`).
    pub data_key: DataKey,
    /// The admin API's bearer token (`DIANDAN_ADMIN_TOKEN`); `None` leaves it off.
    pub admin_token: Option<String>,
    /// A fixed "today" for the pages and the API (`--today`); `None` follows the real clock.
    pub today: Option<NaiveDate>,
    /// Time-outs for stalled requests and the cap on connections.
    pub limits: ConnLimits,
}

/// The serve loop's shared state: what is served, and a signal of each new build.
#[derive(Clone)]
pub struct Live {
    pub current: Shared,
    pub version: watch::Sender<u64>,
    pub api: ApiState,
    pub root: PathBuf,
    /// Fixed "today" for the pages (tests); `None` follows the calendar in China.
    pub today: Option<NaiveDate>,
    /// The store the pages' counts, schedule and wish wall come from.
    pub source: Arc<dyn DataSource>,
    /// What the last build leaves for incremental rebuilds; the lock also keeps rebuilds from
    /// running at the same time.
    state: Arc<Mutex<Option<EditState>>>,
}

impl Live {
    /// Nothing built yet; call [`Live::rebuild`] before serving. Must be called inside the
    /// tokio runtime that serves: builds read the store through it.
    pub fn new(root: PathBuf, api: ApiState, today: Option<NaiveDate>) -> Live {
        let (version, _) = watch::channel(0);
        let source = Arc::new(StoreSource {
            store: api.store(),
            runtime: tokio::runtime::Handle::current(),
        });
        Live {
            current: Arc::new(RwLock::new(Current::default())),
            version,
            api,
            root,
            today,
            source,
            state: Arc::new(Mutex::new(None)),
        }
    }

    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(today_in_china)
    }

    /// Rebuilds the site and swaps it in (or records why it failed); bumps the version so
    /// every open page reloads.
    pub fn rebuild(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.rebuild_fully(&mut state);
    }

    fn rebuild_fully(&self, state: &mut Option<EditState>) {
        let opts = BuildOptions {
            root: self.root.clone(),
            today: self.today(),
        };
        let started = std::time::Instant::now();
        match build_with_state(&opts, self.source.as_ref()) {
            Ok((site, next)) => {
                if let Some(cat) = next.catalogue() {
                    self.api.replace_catalogue(cat.clone());
                }
                *state = Some(next);
                let pages = site.pages();
                self.publish(|cur| {
                    cur.site = Arc::new(site);
                    cur.problems = None;
                });
                eprintln!(
                    "rebuilt {pages} pages in {} ms",
                    started.elapsed().as_millis()
                );
            }
            Err(e) => {
                *state = None;
                self.fail(&e);
            }
        }
    }

    /// Rebuilds after the files at `changed` (relative to the root) changed: only what they
    /// affect when the incremental path can, else in full.
    pub fn rebuild_changed(&self, changed: &[PathBuf]) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let started = std::time::Instant::now();
        let outcome = match state.as_mut() {
            Some(s) => s.update(changed, self.source.as_ref(), self.today()),
            None => Ok(Outcome::Full),
        };
        match outcome {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Full) => self.rebuild_fully(&mut state),
            Ok(Outcome::Patched(patch)) => {
                if let Some(cat) = &patch.catalogue {
                    self.api.replace_catalogue(cat.clone());
                }
                let files = patch.put.len() + patch.remove.len();
                self.publish(|cur| {
                    patch.apply(Arc::make_mut(&mut cur.site));
                    cur.problems = None;
                });
                eprintln!(
                    "updated {files} files in {} ms",
                    started.elapsed().as_millis()
                );
            }
            Err(e) => self.fail(&e),
        }
    }

    fn fail(&self, e: &BuildError) {
        let text = describe(e);
        eprintln!("the build failed; still serving the last good site:\n{text}");
        self.publish(|cur| cur.problems = Some(text));
    }

    /// Changes what is served and bumps the version, which wakes every waiting page.
    fn publish(&self, change: impl FnOnce(&mut Current)) {
        let mut cur = self.current.write().unwrap_or_else(PoisonError::into_inner);
        change(&mut cur);
        cur.version += 1;
        let v = cur.version;
        drop(cur);
        self.version.send_replace(v);
    }
}

fn describe(e: &BuildError) -> String {
    match e {
        BuildError::Content(problems) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
struct WaitQuery {
    since: u64,
}

/// Long-poll: answers with the build version as soon as it differs from `since` (or after a
/// while, so proxies do not cut the request).
async fn wait(State(live): State<Live>, Query(q): Query<WaitQuery>) -> String {
    let mut rx = live.version.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(25), rx.wait_for(|v| *v != q.since)).await;
    let v = *rx.borrow();
    v.to_string()
}

async fn reload_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        files::RELOAD_JS,
    )
}

/// `/tallies.json`, the live counts file that on AWS the counts function writes to the bucket:
/// here read from the store at every request, so always current. The same bytes as
/// `/api/tallies`; never cached, since nothing here debounces it.
async fn tallies_file(State(live): State<Live>) -> axum::response::Response {
    let body = match live.api.tallies().await {
        Ok(tallies) => diandan_functions::counts::document(&tallies).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match body {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    diandan_functions::counts::CONTENT_TYPE,
                ),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("tallies.json: {e}");
            axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn site(State(live): State<Live>, uri: Uri) -> axum::response::Response {
    files::respond(&live.current, &uri)
}

/// The whole app: the API under `/api`, the reload endpoints, and the site for everything else.
pub fn app(live: Live) -> Router {
    let own = Router::new()
        .route("/__diandan/reload.js", get(reload_js))
        .route("/__diandan/wait", get(wait))
        .route(
            &format!("/{}", diandan_functions::counts::FILE),
            get(tallies_file),
        )
        .fallback(site)
        .with_state(live.clone());
    let trust_proxy = client::trusted_proxy_from_env();
    api_router(live.api.clone())
        .merge(own)
        .layer(axum::middleware::from_fn(move |req, next| {
            client::tag(trust_proxy, req, next)
        }))
}

/// Builds, then serves until Ctrl-C.
pub async fn run(opts: ServeOptions) -> Result<(), ServeError> {
    let admin = opts.admin_token.is_some();
    let (hook, signal) = on_change::change_signal();
    let mut api = ApiState::new(opts.store, Catalogue::default(), opts.secret)
        .with_data_key(opts.data_key)
        .with_base_url("")
        .with_admin_token(opts.admin_token)
        .with_limits(Limits::from_lookup(|v| std::env::var(v).ok()).map_err(ServeError::Limits)?)
        .with_on_change(hook);
    // With nothing set, text messages go to this terminal, so the site works with no account.
    let sms = sms::from_lookup(|v| std::env::var(v).ok(), sms::Choice::Console)
        .map_err(ServeError::Sms)?;
    if let Some(sms) = sms.clone() {
        api = api.with_sms(sms);
    }
    if let Some(day) = opts.today {
        let ten = day.and_hms_opt(10, 0, 0).unwrap_or_default();
        let at = chrono::TimeZone::from_local_datetime(&china_offset(), &ten).single();
        if let Some(at) = at {
            api = api.with_clock(fixed_clock(at));
        }
    }
    let live = Live::new(opts.root.clone(), api, opts.today);
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild()).await?;
    let verify = live.api.catalogue().site.verify.clone();
    if sms.is_none() && !verify.is_empty() {
        let forms: Vec<&str> = verify.iter().map(|f| f.as_str()).collect();
        return Err(ServeError::NoSms(forms.join(", ")));
    }
    let on_staff_change = live.clone();
    let _rebuilds = on_change::rebuild_on_signal(signal, move || on_staff_change.rebuild());
    let _watcher = watch_files::watch(&opts.root, live.clone())?;
    let _purge = tokio::spawn(purge_daily(live.api.store()));
    let _texts = tokio::spawn(send_texts(live.api.clone()));
    let addr = SocketAddr::from(([127, 0, 0, 1], opts.port));
    let listener = (tokio::net::TcpListener::bind(addr).await)
        .map_err(|source| ServeError::Bind { addr, source })?;
    // `--port 0` lets the system choose: say which port it chose.
    let addr = listener.local_addr().unwrap_or(addr);
    println!("serving http://{addr}/ (API at /api) — press Ctrl-C to stop");
    println!("staff page: http://{addr}/assets/admin.html (accounts: `diandan staff add`)");
    println!("helper page: http://{addr}/assets/helper.html");
    if !admin {
        println!("the admin token is off: set DIANDAN_ADMIN_TOKEN (16+ characters) for automation");
    }
    serve_with(listener, app(live), opts.limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Deletes personal data past its expiry now and then once a day, as the planner function
/// does on AWS. A failure is logged and tried again the next day.
async fn purge_daily(store: Arc<dyn Store>) {
    let mut day = tokio::time::interval(Duration::from_secs(24 * 3600));
    loop {
        day.tick().await;
        match store
            .purge_expired(diandan_functions::clock::china_now())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired personal data deleted"),
            Err(e) => tracing::error!(error = %e, "deleting expired personal data failed"),
        }
    }
}

/// Sends the texts residents are owed (the outbox) every few seconds, as the `notify` function
/// does on AWS. A failure is logged and the next round tries again.
async fn send_texts(api: ApiState) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        match api.send_messages().await {
            Ok(r) if r.sent + r.retried + r.failed == 0 => {}
            Ok(r) => tracing::info!(
                sent = r.sent,
                retried = r.retried,
                failed = r.failed,
                "texts to residents"
            ),
            Err(e) => tracing::error!(error = %e, "sending texts to residents failed"),
        }
    }
}

/// Serves `app` on `listener` with the default [`ConnLimits`] until `stop` resolves; also
/// what the tests use. The peer's address reaches handlers as `ConnectInfo` (the per-client
/// abuse limit, see `client`).
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    app: Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, ConnLimits::default(), stop).await
}
