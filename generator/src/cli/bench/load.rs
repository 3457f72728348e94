//! `diandan loadtest`: residents' submissions in a burst against the real serve app (site, API,
//! SQLite) on loopback — throughput, latency percentiles, and every count checked afterwards.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use diandan_functions::api::{ApiState, Limits};
use diandan_functions::catalogue::{Allocation, Catalogue, FormKind};
use diandan_functions::clock::fixed_clock;
use diandan_functions::domain::Secret;
use diandan_functions::sms::Inbox;
use diandan_functions::store::SqliteStore;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::serve::{app, serve_until, Live};

/// What the burst is made of.
pub struct LoadOptions {
    pub root: std::path::PathBuf,
    pub clients: usize,
    pub orders: usize,
    pub nominations: usize,
    pub racers: usize,
}

/// One keep-alive HTTP/1.1 connection that posts JSON and reads status and body.
struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> anyhow::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(s),
        })
    }

    async fn post(&mut self, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
        let req = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("no status line")?;
        let mut length = 0;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse()?;
                }
            }
        }
        let mut buf = vec![0; length];
        self.stream.read_exact(&mut buf).await?;
        Ok((status, String::from_utf8_lossy(&buf).into_owned()))
    }
}

/// A submission: path and JSON body.
type Job = (&'static str, String);

/// A submission before its code is known: the form, its path, the phone and the other fields.
struct Draft {
    form: FormKind,
    path: &'static str,
    phone: String,
    fields: serde_json::Value,
}

impl Draft {
    fn new(form: FormKind, phone: String, fields: serde_json::Value) -> Self {
        let path = match form {
            FormKind::Orders => "/api/orders",
            FormKind::Nominations => "/api/nominations",
            FormKind::Registrations => "/api/registrations",
            FormKind::Ratings => "/api/ratings",
            FormKind::Wishes => "/api/wishes",
        };
        Draft {
            form,
            path,
            phone,
            fields,
        }
    }
}

/// One `POST /api/verify` for each draft whose form needs a code (as `site.yaml` says).
fn code_requests(cat: &Catalogue, drafts: &[&Draft]) -> Vec<Job> {
    (drafts.iter())
        .filter(|d| cat.needs_code(d.form))
        .map(|d| {
            (
                "/api/verify",
                serde_json::json!({ "phone": d.phone }).to_string(),
            )
        })
        .collect()
}

/// The drafts as sent: with the phone, and the code its text brought where one is needed.
fn with_codes(cat: &Catalogue, inbox: &Inbox, drafts: Vec<Draft>) -> anyhow::Result<Vec<Job>> {
    let mut jobs = Vec::with_capacity(drafts.len());
    for mut d in drafts {
        d.fields["phone"] = d.phone.clone().into();
        if cat.needs_code(d.form) {
            let code = (inbox.code_for(&d.phone))
                .with_context(|| format!("no code sent to {}", d.phone))?;
            d.fields["code"] = code.into();
        }
        jobs.push((d.path, d.fields.to_string()));
    }
    Ok(jobs)
}

fn phone(n: usize) -> String {
    format!("13{}{:08}", 5 + n % 5, n)
}

fn drafts(o: &LoadOptions, cat: &Catalogue) -> anyhow::Result<(Vec<Draft>, Vec<Draft>)> {
    let programs: Vec<_> = (cat.programs.iter())
        .filter(|(_, p)| p.orderable)
        .map(|(id, _)| id.to_string())
        .collect();
    let towns: Vec<_> = cat.townships.keys().map(ToString::to_string).collect();
    let lecturer = (cat.lecturers.keys().next()).context("the catalogue has no lecturer")?;
    ensure!(
        !programs.is_empty() && !towns.is_empty(),
        "the catalogue needs programs and townships"
    );
    let mut burst = Vec::new();
    for i in 0..o.orders {
        let fields = serde_json::json!({"program": programs[i % programs.len()],
            "township": towns[i % towns.len()], "name": "居民"});
        burst.push(Draft::new(FormKind::Orders, phone(i), fields));
    }
    for i in 0..o.nominations {
        let fields = serde_json::json!({"lecturer": lecturer.to_string(),
            "township": towns[i % towns.len()], "name": "居民"});
        burst.push(Draft::new(
            FormKind::Nominations,
            phone(100_000 + i),
            fields,
        ));
    }
    // Interleave so orders and nominations arrive together, as after a village announcement.
    burst.sort_by_key(|d| (d.phone.len() + d.fields.to_string().len()) % 7);
    // A first-come course: a lottery's applications are not places to race for.
    let first_come = || (cat.courses.iter()).filter(|(_, c)| c.allocation == Allocation::FirstCome);
    let course = first_come()
        .find(|(_, c)| c.capacity == 30)
        .or_else(|| first_come().next())
        .context("no first-come course")?;
    let race = (0..o.racers)
        .map(|i| {
            let fields = serde_json::json!({"course": course.0.to_string(), "child_name": "孩子",
                "child_age": course.1.ages.min, "guardian_name": "家长"});
            Draft::new(FormKind::Registrations, phone(200_000 + i), fields)
        })
        .collect();
    Ok((burst, race))
}

struct Outcome {
    latencies: Vec<Duration>,
    bodies: Vec<(u16, String)>,
    elapsed: Duration,
}

async fn fire(
    addr: std::net::SocketAddr,
    clients: usize,
    jobs: Vec<Job>,
) -> anyhow::Result<Outcome> {
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (jobs, next) = (Arc::clone(&jobs), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut mine = Vec::new();
            while let Some((path, body)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                let t = Instant::now();
                let answer = conn.post(path, body).await?;
                mine.push((t.elapsed(), answer));
            }
            anyhow::Ok(mine)
        }));
    }
    let mut out = Outcome {
        latencies: Vec::new(),
        bodies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        for (lat, answer) in t.await?? {
            out.latencies.push(lat);
            out.bodies.push(answer);
        }
    }
    out.elapsed = started.elapsed();
    out.latencies.sort();
    Ok(out)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn report(name: &str, o: &Outcome) {
    let accepted = o.bodies.iter().filter(|(s, _)| *s < 300).count();
    println!(
        "| {name} | {} | {accepted} | {:.0} | {:.1} | {:.1} |",
        o.bodies.len(),
        accepted as f64 / o.elapsed.as_secs_f64(),
        percentile(&o.latencies, 0.50),
        percentile(&o.latencies, 0.99)
    );
}

/// Runs the burst and the race, prints the table, and fails on any miscount.
pub async fn loadtest(o: LoadOptions) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(dir.path().join("load.sqlite3"))?);
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-15T10:00:00+08:00")?;
    // The residents' phones: the codes are read from here.
    let inbox = Arc::new(Inbox::new());
    let api = ApiState::new(
        store.clone(),
        Catalogue::default(),
        Secret::new("load-test-secret-0123456789")?,
    )
    .with_clock(fixed_clock(now))
    .with_base_url("")
    // The abuse limits as `serve` has them (defaults, or the environment's), so their cost
    // is measured too; every load-test person is distinct, so none is refused.
    .with_limits(Limits::from_lookup(|v| std::env::var(v).ok()).map_err(anyhow::Error::msg)?)
    .with_sms(inbox.clone());
    let live = Live::new(o.root.clone(), api.clone(), Some(now.date_naive()));
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild()).await?;
    let cat = api.catalogue();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_until(listener, app(live), async {
        let _ = stopped.await;
    }));
    let (burst, race) = drafts(&o, &cat)?;
    println!("| run | requests | accepted | accepted/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|");
    // Every resident first asks for a text-message code, where site.yaml asks for one.
    let asks = code_requests(&cat, &burst.iter().chain(&race).collect::<Vec<_>>());
    if !asks.is_empty() {
        let v = fire(addr, o.clients, asks).await?;
        report("codes asked for by text message", &v);
        if let Some((s, body)) = v.bodies.iter().find(|(s, _)| *s >= 300) {
            bail!("a code was refused: {s} {body}");
        }
    }
    let (burst, race) = (
        with_codes(&cat, &inbox, burst)?,
        with_codes(&cat, &inbox, race)?,
    );
    let b = fire(addr, o.clients, burst).await?;
    report(
        &format!(
            "{} orders + {} nominations, {} clients",
            o.orders, o.nominations, o.clients
        ),
        &b,
    );
    let r = fire(addr, o.racers, race).await?;
    report(&format!("{} clients racing for a course", o.racers), &r);
    check(&o, &api, &b, &r).await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}

async fn check(o: &LoadOptions, api: &ApiState, b: &Outcome, r: &Outcome) -> anyhow::Result<()> {
    if let Some((s, body)) = b.bodies.iter().find(|(s, _)| *s >= 300) {
        bail!("a submission was refused: {s} {body}");
    }
    let t = api.tallies().await?;
    let orders: u32 = t.programs.values().map(|p| p.total).sum();
    ensure!(
        orders as usize == o.orders,
        "orders counted {orders}, sent {}",
        o.orders
    );
    let crossings = b
        .bodies
        .iter()
        .filter(|(_, body)| body.contains("\"crossed\":true"))
        .count();
    let nominated: u32 = t.lecturers.values().map(|l| l.nominations).sum();
    ensure!(
        nominated as usize == o.nominations,
        "nominations counted {nominated}, sent {}",
        o.nominations
    );
    ensure!(
        crossings == usize::from(o.nominations >= 15),
        "the threshold was reported crossed {crossings} times"
    );
    let course = t
        .courses
        .values()
        .find(|c| c.capacity == 30)
        .context("the raced course")?;
    let confirmed = r
        .bodies
        .iter()
        .filter(|(_, body)| body.contains("\"confirmed\""))
        .count();
    ensure!(
        course.confirmed <= course.capacity && confirmed as u32 == course.confirmed,
        "capacity {} but {} confirmed ({} answered)",
        course.capacity,
        course.confirmed,
        confirmed
    );
    println!("counts exact: {orders} orders, {nominated} nominations, threshold crossed {crossings}×, {} of {} places confirmed, {} waitlisted", course.confirmed, course.capacity, course.waitlisted);
    Ok(())
}
