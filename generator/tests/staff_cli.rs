//! `diandan staff`: a helper added from the command line logs in through the API, a wrong
//! password on stdin is refused, nothing prints a password, and `disable` ends the account.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use clap::Parser;
use tower::ServiceExt;

use diandan::cli::staff::{execute, StaffArgs};
use diandan_functions::catalogue::Catalogue;
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

async fn login(store: Arc<dyn Store>, name: &str, password: &str) -> StatusCode {
    let catalogue = Catalogue::from_json(include_bytes!(
        "../../functions/tests/fixtures/catalogue.json"
    ))
    .expect("the fixture parses");
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
