//! The rebuild trigger on DynamoDB stream fixtures: which records rebuild, one hook call per
//! batch, retries and reported failures, and the real HTTP hook against a local listener.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::Event;
use serde_json::{json, Value};

use diandan_functions::rebuild::{
    handle, site_change, BuildHook, HookError, HttpHook, Retry, SiteChange,
};

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/stream_records.json")).expect("the fixtures parse")
}

/// A batch of the named fixture records, each given its own sequence number.
fn batch(names: &[&str]) -> Event {
    let all = fixtures();
    let records: Vec<Value> = (names.iter().enumerate())
        .map(|(i, name)| {
            let mut record = all[*name].clone();
            assert!(record.is_object(), "no fixture {name}");
            record["dynamodb"]["SequenceNumber"] = json!(format!("{:021}", 500 + i));
            record
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("a stream event")
}

/// Fails its first `failures` calls with `error`, then succeeds.
struct FakeHook {
    calls: AtomicU32,
    failures: u32,
    error: HookError,
    reasons: Mutex<Vec<String>>,
}

impl FakeHook {
    fn failing(failures: u32, error: HookError) -> Self {
        Self {
            calls: AtomicU32::new(0),
            failures,
            error,
            reasons: Mutex::new(Vec::new()),
        }
    }

    fn working() -> Self {
        Self::failing(0, HookError::Transport(String::new()))
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl BuildHook for FakeHook {
    async fn trigger(&self, why: &str) -> Result<(), HookError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.reasons.lock().unwrap().push(why.to_owned());
        if n < self.failures {
            Err(self.error.clone())
        } else {
            Ok(())
        }
    }
}

fn quick() -> Retry {
    Retry {
        attempts: 3,
        first_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
    }
}

#[test]
fn records_are_told_apart_by_partition_and_by_what_changed() {
    let expected = [
        ("order", None),
        ("order_counter", None),
        ("nomination", None),
        ("wish_new", None),
        ("wish_contact", None),
        ("rating", None),
        ("wish_reply", Some(SiteChange::Wish)),
        ("wish_hide", Some(SiteChange::Wish)),
        ("assignment", Some(SiteChange::Schedule)),
        ("unpin", Some(SiteChange::Schedule)),
        ("performance", Some(SiteChange::Schedule)),
    ];
    for (name, change) in expected {
        let event = batch(&[name]);
        assert_eq!(site_change(&event.records[0]), change, "{name}");
    }
}

#[tokio::test]
async fn fifty_records_with_one_schedule_change_make_one_call() {
    let tallies = [
        "order",
        "order_counter",
        "nomination",
        "wish_new",
        "wish_contact",
        "rating",
    ];
    let mut names: Vec<&str> = (0..49).map(|i| tallies[i % tallies.len()]).collect();
    names.insert(23, "assignment");
    let event = batch(&names);
    assert_eq!(event.records.len(), 50);
    let hook = FakeHook::working();
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!(
        (hook.calls(), outcome.calls, outcome.site_changes),
        (1, 1, 1)
    );
    assert!(outcome.response.batch_item_failures.is_empty());
    assert_eq!(
        hook.reasons.lock().unwrap()[0],
        "1 schedule change(s), 0 wish change(s)"
    );
}

#[tokio::test]
async fn many_changes_in_a_batch_still_make_one_call() {
    let event = batch(&[
        "assignment",
        "unpin",
        "wish_reply",
        "performance",
        "assignment",
    ]);
    let hook = FakeHook::working();
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!((hook.calls(), outcome.site_changes), (1, 5));
}

#[tokio::test]
async fn tally_only_batches_make_no_call() {
    let names = [
        "order",
        "order_counter",
        "nomination",
        "wish_new",
        "wish_contact",
        "rating",
    ];
    let event = batch(&names.repeat(8));
    let hook = FakeHook::working();
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!(
        (hook.calls(), outcome.calls, outcome.site_changes),
        (0, 0, 0)
    );
    assert!(outcome.response.batch_item_failures.is_empty());
    let empty = handle(&batch(&[]), &hook, &quick()).await;
    assert_eq!((hook.calls(), empty.calls), (0, 0));
}

#[tokio::test]
async fn a_failing_hook_is_retried_and_its_records_reported() {
    let event = batch(&["order", "assignment", "order_counter", "wish_reply"]);
    let down = HookError::Status {
        status: 502,
        body: "bad gateway".into(),
    };
    let hook = FakeHook::failing(u32::MAX, down.clone());
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!(
        (hook.calls(), outcome.calls),
        (3, 3),
        "every attempt was made"
    );
    assert_eq!(outcome.error, Some(down));
    let failed: Vec<_> = (outcome.response.batch_item_failures.iter())
        .map(|f| f.item_identifier.clone().unwrap_or_default())
        .collect();
    assert_eq!(failed, vec![format!("{:021}", 501), format!("{:021}", 503)]);
    let wire = serde_json::to_value(&outcome.response).unwrap();
    assert_eq!(
        wire["batchItemFailures"][0]["itemIdentifier"],
        format!("{:021}", 501)
    );
}

#[tokio::test]
async fn a_hook_that_recovers_reports_nothing() {
    let event = batch(&["assignment"]);
    let hook = FakeHook::failing(2, HookError::Transport("timed out".into()));
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!((hook.calls(), outcome.error), (3, None));
    assert!(outcome.response.batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_permanent_error_is_not_retried_but_still_reported() {
    let event = batch(&["assignment"]);
    let denied = HookError::Status {
        status: 401,
        body: "Bad credentials".into(),
    };
    let hook = FakeHook::failing(u32::MAX, denied);
    let outcome = handle(&event, &hook, &quick()).await;
    assert_eq!(hook.calls(), 1);
    assert_eq!(outcome.response.batch_item_failures.len(), 1);
}

/// Accepts one request on 127.0.0.1, answers `status`, and hands back what it received.
fn one_shot_server(status: &'static str) -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = format!("http://{}", listener.local_addr().expect("an address"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("a header line");
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("a length");
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("the body");
        let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        (&stream).write_all(reply.as_bytes()).expect("an answer");
        head + &String::from_utf8_lossy(&body)
    });
    (addr, handle)
}

#[tokio::test]
async fn the_github_hook_posts_a_workflow_dispatch() {
    let (api, server) = one_shot_server("204 No Content");
    let hook = HttpHook::github_at(&api, "mhwhg/diandan-site", "site.yml", "main", "ghp_test");
    hook.trigger("1 schedule change(s)")
        .await
        .expect("204 is success");
    let seen = server.join().expect("the server thread");
    assert!(
        seen.starts_with(
            "POST /repos/mhwhg/diandan-site/actions/workflows/site.yml/dispatches HTTP/1.1\r\n"
        ),
        "{seen}"
    );
    let lower = seen.to_ascii_lowercase();
    assert!(
        lower.contains("authorization: bearer ghp_test\r\n"),
        "{seen}"
    );
    assert!(
        lower.contains("accept: application/vnd.github+json\r\n"),
        "{seen}"
    );
    assert!(
        lower.contains("x-github-api-version: 2022-11-28\r\n"),
        "{seen}"
    );
    assert!(seen.ends_with("\r\n\r\n{\"ref\":\"main\"}"), "{seen}");
    let real = HttpHook::github("o/r", "site.yml", "main", "t");
    assert_eq!(
        real.url,
        "https://api.github.com/repos/o/r/actions/workflows/site.yml/dispatches"
    );
}

#[tokio::test]
async fn a_refused_dispatch_is_a_permanent_error() {
    let (api, server) = one_shot_server("401 Unauthorized");
    let hook = HttpHook::github_at(&api, "o/r", "site.yml", "main", "wrong");
    let err = hook.trigger("test").await.expect_err("401 is a failure");
    server.join().expect("the server thread");
    assert!(
        matches!(err, HookError::Status { status: 401, .. }),
        "{err}"
    );
    assert!(err.is_permanent());
}
