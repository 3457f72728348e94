//! `diandan staff`: a helper added from the command line logs in through the API, a wrong
//! password on stdin is refused, nothing prints a password, and `disable` ends the account.
//! Then the whole story of named accounts through the router, with accounts the CLI made: a
//! helper's paper order counted without a text-message code while codes are required, refused
//! for another township; the helper's cookie shut out of every staff route and a staff cookie
//! let in; the log naming each account; the wrong-password lock; and a disabled account's live
//! session ending at once.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use clap::Parser;
use tower::ServiceExt;

use diandan::cli::staff::{execute, StaffArgs};
use diandan_functions::api::routes;
use diandan_functions::catalogue::{Catalogue, FormKind};
use diandan_functions::domain::Secret;
use diandan_functions::store::{SqliteStore, Store};
use diandan_functions::{router, ApiState};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    staff: StaffArgs,
}

fn run(args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let cmd = Cmd::try_parse_from(std::iter::once("staff").chain(args.iter().copied()))?;
    let mut out = Vec::new();
    execute(&cmd.staff, &mut Cursor::new(stdin.as_bytes()), &mut out)?;
    Ok(String::from_utf8(out)?)
}

fn catalogue() -> Catalogue {
    Catalogue::from_json(include_bytes!(
        "../../functions/tests/fixtures/catalogue.json"
    ))
    .expect("the fixture parses")
}

async fn login(store: Arc<dyn Store>, name: &str, password: &str) -> StatusCode {
    let catalogue = catalogue();
    let secret = Secret::new("staff-cli-test-secret-0123").unwrap();
    let app = router(ApiState::new(store, catalogue, secret));
    let body = serde_json::json!({ "account": name, "password": password }).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/staff/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    app.oneshot(request).await.unwrap().status()
}

fn spec(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_helper_added_by_the_cli_logs_in_until_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.sqlite3");
    let store_arg = spec(&file);
    let root = dir.path().to_str().unwrap();
    let base = ["--root", root, "--store", &store_arg];
    let add = [
        &[
            "add",
            "lin-xiaomei",
            "--role",
            "helper",
            "--township",
            "nanyu",
            "--password-stdin",
        ][..],
        &base[..],
    ]
    .concat();
    let said = tokio::task::block_in_place(|| run(&add, "tea-garden-2026\n")).unwrap();
    assert!(said.contains("added lin-xiaomei"), "{said}");
    assert!(!said.contains("tea-garden"));
    let again = tokio::task::block_in_place(|| run(&add, "tea-garden-2026\n"));
    assert!(again.unwrap_err().to_string().contains("exists already"));
    let no_stdin = [&["add", "x-1", "--role", "staff"][..], &base[..]].concat();
    assert!(tokio::task::block_in_place(|| run(&no_stdin, "")).is_err());
    let listed =
        tokio::task::block_in_place(|| run(&[&["list"][..], &base[..]].concat(), "")).unwrap();
    assert!(
        listed.contains("lin-xiaomei") && listed.contains("helper") && listed.contains("nanyu")
    );
    assert!(!listed.contains("argon2"));

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).unwrap());
    assert_eq!(
        login(Arc::clone(&store), "lin-xiaomei", "tea-garden-2026").await,
        StatusCode::OK
    );
    assert_eq!(
        login(Arc::clone(&store), "lin-xiaomei", "tea-garden-2025").await,
        StatusCode::UNAUTHORIZED
    );

    let passwd = [
        &["passwd", "lin-xiaomei", "--password-stdin"][..],
        &base[..],
    ]
    .concat();
    tokio::task::block_in_place(|| run(&passwd, "new-tea-garden-7\n")).unwrap();
    assert_eq!(
        login(Arc::clone(&store), "lin-xiaomei", "new-tea-garden-7").await,
        StatusCode::OK
    );
    let disable = [&["disable", "lin-xiaomei"][..], &base[..]].concat();
    tokio::task::block_in_place(|| run(&disable, "")).unwrap();
    assert_eq!(
        login(store, "lin-xiaomei", "new-tea-garden-7").await,
        StatusCode::UNAUTHORIZED
    );
}

const ORIGIN: &str = "https://diandan.example";

/// A request to the router, JSON if `body` is given, with `cookie` and the site's `Origin`.
fn call(
    method: Method,
    uri: &str,
    cookie: Option<&str>,
    body: Option<serde_json::Value>,
) -> Request<Body> {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ORIGIN, ORIGIN);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    let body = match body {
        Some(json) => {
            r = r.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    r.body(body).unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
}

async fn send(app: &axum::Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
    }
}

fn header_of(answer: &Answer, name: header::HeaderName) -> &str {
    (answer.headers.get(name))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Logs in; returns the `Cookie` to send back, after checking the cookie's attributes.
async fn cookie_of(app: &axum::Router, name: &str, password: &str) -> String {
    let body = serde_json::json!({ "account": name, "password": password });
    let answer = send(
        app,
        call(Method::POST, "/api/staff/login", None, Some(body)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{name} logs in");
    let set = header_of(&answer, header::SET_COOKIE);
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api"] {
        assert!(set.contains(part), "{set}");
    }
    set.split(';').next().unwrap().to_owned()
}

/// A concrete URI for a templated route path.
fn concrete(path: &str) -> String {
    (path.split('/'))
        .map(|part| if part.starts_with('{') { "x" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// A helper's paper order for a resident of `township`: the answer's status.
async fn proxy_order(app: &axum::Router, cookie: &str, township: &str, phone: &str) -> StatusCode {
    let body = serde_json::json!({
        "channel": "paper", "program": "minju-chenjinggu", "township": township,
        "name": "陈阿婆", "phone": phone,
    });
    let uri = "/api/helper/orders";
    send(app, call(Method::POST, uri, Some(cookie), Some(body)))
        .await
        .status
}

async fn orders_counted(store: &Arc<dyn Store>) -> u32 {
    let tallies = store.tallies(&Default::default()).await.unwrap();
    let program = "minju-chenjinggu".parse().unwrap();
    tallies.programs.get(&program).map_or(0, |p| p.total)
}

/// With codes required for orders, the public form counts nothing without one, while the
/// helper's paper order for their own township counts; another township counts nothing.
async fn counted_without_a_code(app: &axum::Router, store: &Arc<dyn Store>, helper: &str) {
    let public = serde_json::json!({"program": "minju-chenjinggu", "township": "nanyu",
        "name": "陈阿婆", "phone": "13800000001"});
    let refused = send(app, call(Method::POST, "/api/orders", None, Some(public))).await;
    assert!(!refused.status.is_success(), "{:?}", refused.status);
    assert_eq!(orders_counted(store).await, 0);
    let own = proxy_order(app, helper, "nanyu", "13800000001").await;
    assert_eq!(own, StatusCode::CREATED);
    assert_eq!(orders_counted(store).await, 1);
    let other = proxy_order(app, helper, "ganzhe", "13800000002").await;
    assert_eq!(other, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        orders_counted(store).await,
        1,
        "nothing for another township"
    );
}

/// The helper's cookie gets 401 on every staff and account route; staff's gets the staff
/// routes and none of the account routes.
async fn only_staff_reach_staff_routes(app: &axum::Router, helper: &str, staff: &str) {
    let admin_routes: Vec<_> = (routes().into_iter())
        .filter(|(_, path)| path.starts_with("/api/admin/"))
        .collect();
    assert!(admin_routes.len() > 15, "{admin_routes:?}");
    for (method, path) in &admin_routes {
        let uri = concrete(path);
        let answer = send(app, call(method.clone(), &uri, Some(helper), None)).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "helper: {method} {uri}"
        );
        let answer = send(app, call(method.clone(), &uri, Some(staff), None)).await;
        let accounts = path.starts_with("/api/admin/accounts");
        let refused = answer.status == StatusCode::UNAUTHORIZED;
        assert_eq!(refused, accounts, "staff: {method} {uri}");
    }
}

/// Twelve wrong passwords in a row: the last are refused with `Retry-After`.
async fn wrong_passwords_lock(app: &axum::Router, name: &str) {
    let mut statuses = Vec::new();
    for i in 0..12 {
        let body = serde_json::json!({ "account": name, "password": format!("guess-{i}-wrong") });
        let answer = send(
            app,
            call(Method::POST, "/api/staff/login", None, Some(body)),
        )
        .await;
        let retry = header_of(&answer, header::RETRY_AFTER).parse::<u32>();
        statuses.push((answer.status, retry.is_ok_and(|s| s > 0)));
    }
    assert_eq!(statuses[11], (StatusCode::TOO_MANY_REQUESTS, true));
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_made_by_the_cli_work_through_the_router_as_promised() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("store.sqlite3");
    let store_arg = spec(&file);
    let root = dir.path().to_str().unwrap();
    let base = ["--root", root, "--store", &store_arg];
    let add = |name: &str, role: &str, extra: &[&str]| {
        let args = [
            &["add", name, "--role", role][..],
            extra,
            &["--password-stdin"],
            &base,
        ];
        tokio::task::block_in_place(|| run(&args.concat(), "tea-garden-2026\n")).unwrap();
    };
    add("lin-xiaomei", "helper", &["--township", "nanyu"]);
    add("chen-wen", "staff", &[]);

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).unwrap());
    let mut catalogue = catalogue();
    catalogue.site.verify = vec![FormKind::Orders];
    let secret = Secret::new("staff-cli-test-secret-0123").unwrap();
    let state = ApiState::new(Arc::clone(&store), catalogue, secret)
        .with_admin_token(Some("cli-story-admin-token-0123456789".into()));
    let app = router(state);
    let helper = cookie_of(&app, "lin-xiaomei", "tea-garden-2026").await;
    counted_without_a_code(&app, &store, &helper).await;
    let staff = cookie_of(&app, "chen-wen", "tea-garden-2026").await;
    only_staff_reach_staff_routes(&app, &helper, &staff).await;

    // The log names the account for the proxy order and for staff's actions.
    let by_helper = store.actions_by("lin-xiaomei", 10).await.unwrap();
    assert!(
        by_helper.iter().any(|a| a.action == "proxy-order"),
        "{by_helper:?}"
    );
    let by_staff = store.actions_by("chen-wen", 10).await.unwrap();
    assert!(by_staff.iter().any(|a| a.action == "login"), "{by_staff:?}");
    wrong_passwords_lock(&app, "chen-wen").await;

    // Disabled from the command line: the helper's live session stops at once.
    let disable = [&["disable", "lin-xiaomei"][..], &base[..]].concat();
    tokio::task::block_in_place(|| run(&disable, "")).unwrap();
    let after = proxy_order(&app, &helper, "nanyu", "13800000003").await;
    assert_eq!(after, StatusCode::UNAUTHORIZED);
    let me = send(
        &app,
        call(Method::GET, "/api/staff/me", Some(&helper), None),
    )
    .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}
