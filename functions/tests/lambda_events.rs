//! Each Lambda function's handler, driven by an API Gateway HTTP API (v2) event as Lambda
//! delivers it: the fixture goes through `lambda_http`'s own parsing into an `http::Request`,
//! the function's router answers it (on an in-memory SQLite store), and the answer goes back
//! through `lambda_http`'s own body conversion. Every request comes as CloudFront forwards it
//! (with the origin secret); requests straight to API Gateway are refused, whatever viewer
//! address they claim. Also: each binary refuses to start without its settings.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::domain::Secret;
use diandan_functions::lambda::{self, Edge, Function};
use diandan_functions::store::SqliteStore;
use diandan_functions::ApiState;
use lambda_http::http::StatusCode;
use lambda_http::request::LambdaRequest;
use lambda_http::Body;
use serde_json::Value;
use tower::ServiceExt;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn state() -> ApiState {
    let catalogue =
        Catalogue::from_json(&std::fs::read(fixtures().join("catalogue.json")).unwrap())
            .expect("the fixture catalogue parses");
    let store = Arc::new(SqliteStore::in_memory().expect("an in-memory store"));
    let now = china_offset()
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .unwrap();
    let secret = Secret::new("lambda-tests-secret-0123456789").unwrap();
    ApiState::new(store, catalogue, secret).with_clock(fixed_clock(now))
}

/// What a function answered, after `lambda_http` turned it into Lambda's response body.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// The secret CloudFront adds to every request it forwards, in these tests.
const ORIGIN: &str = "origin-secret-for-lambda-tests-0123";

fn edge() -> Edge {
    Edge::new(ORIGIN, None, Some("cloudfront-viewer-address")).expect("a usable secret")
}

/// The event fixture as JSON.
fn event(fixture: &str) -> Value {
    let raw = std::fs::read_to_string(fixtures().join("apigw").join(fixture)).unwrap();
    serde_json::from_str(&raw).expect("JSON")
}

/// The event as it reaches the function through CloudFront: with the origin secret.
fn via_cdn(mut event: Value) -> Value {
    event["headers"]["x-diandan-origin"] = ORIGIN.into();
    event
}

/// Parses the event fixture as `lambda_http` does and lets `function` answer it, as
/// CloudFront forwards it.
async fn invoke(function: Function, state: &ApiState, fixture: &str) -> Answer {
    send(function, state, via_cdn(event(fixture))).await
}

/// Lets `function` answer `event`, exactly as given.
async fn send(function: Function, state: &ApiState, event: Value) -> Answer {
    let event: LambdaRequest = serde_json::from_value(event).expect("an API Gateway event");
    assert!(
        matches!(event, LambdaRequest::ApiGatewayV2(_)),
        "an HTTP API v2 event"
    );
    let request: lambda_http::Request = event.into();
    let response = (lambda::app(function, state.clone(), edge())
        .oneshot(request)
        .await)
        .expect("an answer");
    let response = lambda_http::IntoResponse::into_response(response).await;
    let fixture = "the event";
    let header = |name: &str| {
        (response.headers().get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let text = match response.body() {
        Body::Text(text) => text.clone(),
        Body::Empty => String::new(),
        Body::Binary(bytes) => panic!(
            "{fixture}: a text answer came back binary ({} bytes)",
            bytes.len()
        ),
        _ => panic!("{fixture}: an unexpected body"),
    };
    Answer {
        status: response.status(),
        location: header("location"),
        set_cookie: header("set-cookie"),
        content_type: header("content-type").unwrap_or_default(),
        text,
    }
}

#[tokio::test]
async fn orders_takes_a_json_order() {
    let state = state();
    let a = invoke(Function::Orders, &state, "orders-json.json").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let body = a.json();
    assert_eq!(
        (
            body["township_count"].as_u64(),
            body["program_total"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let again = invoke(Function::Orders, &state, "orders-json.json").await;
    assert_eq!(
        (again.status, again.json()["program_total"].as_u64()),
        (StatusCode::CREATED, Some(1)),
        "a repeat is answered like the first and counts nothing"
    );
}

#[tokio::test]
async fn nominations_takes_a_base64_encoded_form() {
    let state = state();
    let a = invoke(
        Function::Nominations,
        &state,
        "nominations-form-base64.json",
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let to = a.location.unwrap_or_default();
    assert!(
        to.contains("/api/nominations/receipt?lecturer=lin-xiuying"),
        "{to}"
    );
    let limits = diandan_functions::store::TallyLimits::from_catalogue(&state.catalogue());
    let tallies = state.store().tallies(&limits).await.unwrap();
    assert_eq!(
        tallies.lecturers[&"lin-xiuying".parse().unwrap()].nominations,
        1
    );
}

#[tokio::test]
async fn registrations_takes_a_plain_form() {
    let state = state();
    let a = invoke(Function::Registrations, &state, "registrations-form.json").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let to = a.location.unwrap_or_default();
    assert!(
        to.contains("/api/registrations/") && to.contains("token="),
        "{to}"
    );
    assert!(
        !to.contains("13700137000"),
        "the phone never comes back: {to}"
    );
}

#[tokio::test]
async fn wishes_takes_a_json_wish() {
    let state = state();
    let a = invoke(Function::Wishes, &state, "wishes-json.json").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.json()["published"], false);
    assert!(
        !a.text.contains("13600136000") && !a.text.contains("张美玲"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn ratings_takes_a_base64_encoded_json_rating() {
    let state = state();
    let a = invoke(Function::Ratings, &state, "ratings-json-base64.json").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(a.json()["summary"]["count"], 1);
}

#[tokio::test]
async fn tallies_answers_a_get_with_the_design_shape() {
    let state = state();
    invoke(Function::Orders, &state, "orders-json.json").await;
    let a = invoke(Function::Tallies, &state, "tallies-get.json").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(
        a.content_type.starts_with("application/json"),
        "{}",
        a.content_type
    );
    let body = a.json();
    assert_eq!(
        body["programs"]["minju-chenjinggu"]["by_township"]["nanyu"],
        1
    );
    assert!(body["lecturers"]["lin-xiuying"]["threshold"].is_u64());
    assert!(body["courses"]["summer-papercut"]["capacity"].is_u64());
}

#[tokio::test]
async fn a_function_answers_only_its_own_paths() {
    let state = state();
    let a = invoke(Function::Tallies, &state, "orders-json.json").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        a.content_type.starts_with("application/problem+json"),
        "{}",
        a.content_type
    );
    let limits = diandan_functions::store::TallyLimits::from_catalogue(&state.catalogue());
    let tallies = state.store().tallies(&limits).await.unwrap();
    assert_eq!(
        tallies.programs[&"minju-chenjinggu".parse().unwrap()].total,
        0,
        "nothing was counted"
    );
}

const STAFF_TOKEN: &str = "staff-token-for-lambda-tests";

#[tokio::test]
async fn admin_serves_the_staff_api_with_its_token_only() {
    let open = lambda::with_admin_token(Function::Admin, state(), Some(STAFF_TOKEN.into()));
    invoke(Function::Wishes, &open, "wishes-json.json").await;
    let a = invoke(Function::Admin, &open, "admin-wishes-get.json").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let wishes = a.json()["wishes"].as_array().cloned().unwrap_or_default();
    assert_eq!(wishes.len(), 1, "{}", a.text);
    assert_eq!(wishes[0]["text"], "希望村里晚上多放几场电影");

    let wrong = lambda::with_admin_token(
        Function::Admin,
        state(),
        Some("another-token-0123456".into()),
    );
    let a = invoke(Function::Admin, &wrong, "admin-wishes-get.json").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);

    let unset = lambda::with_admin_token(Function::Admin, state(), None);
    let a = invoke(Function::Admin, &unset, "admin-wishes-get.json").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.text);
}

/// A JSON login as CloudFront forwards it over HTTPS, from the site's own page.
fn login_event(account: &str, password: &str) -> Value {
    let mut e = via_cdn(event("orders-json-cloudfront.json"));
    e["routeKey"] = "POST /api/staff/login".into();
    e["rawPath"] = "/api/staff/login".into();
    e["requestContext"]["routeKey"] = "POST /api/staff/login".into();
    e["requestContext"]["http"]["path"] = "/api/staff/login".into();
    e["headers"]["origin"] = "https://diandan.example".into();
    if let Some(headers) = e["headers"].as_object_mut() {
        headers.remove("content-length");
    }
    let body = serde_json::json!({ "account": account, "password": password });
    e["body"] = body.to_string().into();
    e
}

#[tokio::test]
async fn admin_logs_staff_in_over_https_with_a_secure_cookie() {
    use diandan_functions::domain::{Password, PasswordHash, Role};
    let state = state();
    let hash = PasswordHash::create(&Password::parse("village-stage-2026").unwrap()).unwrap();
    let account = diandan_functions::store::Account::new(
        "lin".parse().unwrap(),
        Role::Helper,
        vec!["nanyu".parse().unwrap()],
        hash,
        state.now(),
    );
    state.store().create_account(account).await.unwrap();
    let login = |function, password| send(function, &state, login_event("lin", password));
    let a = login(Function::Admin, "village-stage-2026").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let cookie = a.set_cookie.unwrap_or_default();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api", "Secure"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let wrong = login(Function::Admin, "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    let elsewhere = login(Function::Orders, "village-stage-2026").await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "only the admin function logs in"
    );
}

#[tokio::test]
async fn only_the_admin_function_takes_the_token_or_admin_paths() {
    // Another function given the token still keeps the staff API off and 404s its paths.
    let tallies = lambda::with_admin_token(Function::Tallies, state(), Some(STAFF_TOKEN.into()));
    let a = invoke(Function::Tallies, &tallies, "admin-wishes-get.json").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let routed_anyway = lambda::app(Function::Admin, tallies.clone(), edge());
    let event: LambdaRequest =
        serde_json::from_value(via_cdn(event("admin-wishes-get.json"))).unwrap();
    let request: lambda_http::Request = event.into();
    let response = routed_anyway.oneshot(request).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a state built for tallies has no admin token"
    );
    let admin = lambda::with_admin_token(Function::Admin, state(), Some(STAFF_TOKEN.into()));
    let a = invoke(Function::Admin, &admin, "orders-json.json").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
}

/// Runs a function binary with only `vars` in its environment; it must exit at once.
fn start(binary: &str, vars: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(binary)
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_binary_refuses_to_start_without_its_settings() {
    let binaries = [
        env!("CARGO_BIN_EXE_orders"),
        env!("CARGO_BIN_EXE_nominations"),
        env!("CARGO_BIN_EXE_registrations"),
        env!("CARGO_BIN_EXE_wishes"),
        env!("CARGO_BIN_EXE_ratings"),
        env!("CARGO_BIN_EXE_verify"),
        env!("CARGO_BIN_EXE_tallies"),
        env!("CARGO_BIN_EXE_admin"),
    ];
    let table = (lambda::TABLE_VAR, "diandan");
    let secret = (lambda::SECRET_VAR, "0123456789abcdef0123");
    let key = (
        lambda::DATA_KEY_VAR,
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    );
    let keeps_numbers = ["orders", "nominations", "registrations", "wishes", "admin"];
    for binary in binaries {
        let (ok, err) = start(binary, &[]);
        assert!(!ok && err.contains(lambda::TABLE_VAR), "{binary}: {err}");
        let (ok, err) = start(binary, &[table]);
        // The tallies function hashes no phone number: it is not given the HMAC secret.
        let next = if binary.ends_with("tallies") {
            lambda::ORIGIN_SECRET_VAR
        } else {
            lambda::SECRET_VAR
        };
        assert!(!ok && err.contains(next), "{binary}: {err}");
        // A function that seals numbers does not start without the key to seal them with.
        if keeps_numbers.iter().any(|name| binary.ends_with(name)) {
            let (ok, err) = start(binary, &[table, secret]);
            assert!(!ok && err.contains(lambda::DATA_KEY_VAR), "{binary}: {err}");
        }
        // Without CloudFront's secret no HTTP function starts.
        let (ok, err) = start(binary, &[table, secret, key]);
        assert!(
            !ok && err.contains(lambda::ORIGIN_SECRET_VAR),
            "{binary}: {err}"
        );
    }
    let (ok, err) = start(
        env!("CARGO_BIN_EXE_orders"),
        &[
            table,
            secret,
            key,
            (lambda::ORIGIN_SECRET_VAR, ORIGIN),
            (lambda::CATALOGUE_VAR, "/nonexistent/catalogue.json"),
        ],
    );
    assert!(!ok && err.contains("/nonexistent/catalogue.json"), "{err}");
    // The console provider would print codes into CloudWatch: no function that sends starts.
    for binary in [env!("CARGO_BIN_EXE_verify"), env!("CARGO_BIN_EXE_orders")] {
        let (ok, err) = start(
            binary,
            &[
                table,
                secret,
                key,
                (lambda::ORIGIN_SECRET_VAR, ORIGIN),
                ("DIANDAN_SMS", "console"),
            ],
        );
        assert!(
            !ok && err.contains("DIANDAN_SMS=console") && err.contains("logs"),
            "{binary}: {err}"
        );
    }
    // A vendor without its credentials names the one missing.
    let (ok, err) = start(
        env!("CARGO_BIN_EXE_verify"),
        &[
            table,
            secret,
            key,
            (lambda::ORIGIN_SECRET_VAR, ORIGIN),
            ("DIANDAN_SMS", "aliyun"),
        ],
    );
    assert!(!ok && err.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{err}");
}

#[test]
fn the_stream_and_schedule_binaries_refuse_to_start_alike() {
    let binaries = [
        env!("CARGO_BIN_EXE_planner"),
        env!("CARGO_BIN_EXE_rebuild"),
        env!("CARGO_BIN_EXE_counts"),
    ];
    for binary in binaries {
        let (ok, err) = start(binary, &[]);
        assert!(
            !ok && err.contains("cannot start") && err.contains(lambda::TABLE_VAR),
            "{binary}: {err}"
        );
    }
    let table = (lambda::TABLE_VAR, "diandan");
    let (ok, err) = start(
        env!("CARGO_BIN_EXE_planner"),
        &[
            table,
            (lambda::CATALOGUE_VAR, "/nonexistent/catalogue.json"),
        ],
    );
    assert!(!ok && err.contains("/nonexistent/catalogue.json"), "{err}");
    let (ok, err) = start(env!("CARGO_BIN_EXE_rebuild"), &[table]);
    assert!(
        !ok && err.contains("DIANDAN_BUILD_HOOK_URL"),
        "the rebuild names its hook settings: {err}"
    );
    let (ok, err) = start(env!("CARGO_BIN_EXE_counts"), &[]);
    assert!(!ok && err.contains(lambda::TABLE_VAR), "{err}");
    let (ok, err) = start(env!("CARGO_BIN_EXE_counts"), &[table]);
    assert!(!ok && err.contains(lambda::SITE_BUCKET_VAR), "{err}");
}

/// The per-client limit of these tests: two writes per ten minutes from one client.
fn limited_state() -> ApiState {
    let limits = diandan_functions::api::Limits::from_lookup(|v| match v {
        "DIANDAN_LIMIT_PER_CLIENT" => Some("2/10m".into()),
        "DIANDAN_LIMIT_PER_PERSON" => Some("off".into()),
        _ => None,
    })
    .unwrap();
    state().with_limits(limits)
}

/// The recorded CloudFront-forwarded order, from `viewer`, for phone number `n`.
fn cdn_order(viewer: &str, n: u32) -> Value {
    let mut event = event("orders-json-cloudfront.json");
    event["headers"]["cloudfront-viewer-address"] = format!("{viewer}:40000").into();
    let body = event["body"]
        .as_str()
        .unwrap()
        .replace("13800138000", &format!("1380013{n:04}"));
    event["body"] = body.into();
    event
}

async fn orders_stored(state: &ApiState) -> u64 {
    let limits = diandan_functions::store::TallyLimits::from_catalogue(&state.catalogue());
    let tallies = state.store().tallies(&limits).await.unwrap();
    tallies.programs[&"minju-chenjinggu".parse().unwrap()].total as u64
}

#[tokio::test]
async fn a_recorded_cloudfront_request_is_answered() {
    let state = state();
    let a = send(
        Function::Orders,
        &state,
        event("orders-json-cloudfront.json"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(orders_stored(&state).await, 1);
}

#[tokio::test]
async fn a_request_straight_to_api_gateway_is_refused() {
    let state = state();
    // The recorded direct event: no origin secret at all.
    let a = send(Function::Orders, &state, event("orders-json.json")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    // A guessed secret, or one a byte short, is no better.
    for wrong in ["origin-secret-for-lambda-tests-012", "x", ""] {
        let mut forged = event("orders-json-cloudfront.json");
        forged["headers"]["x-diandan-origin"] = wrong.into();
        let a = send(Function::Orders, &state, forged).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{wrong:?}: {}", a.text);
    }
    // Every function refuses alike, reads included.
    let a = send(Function::Tallies, &state, event("tallies-get.json")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    assert!(
        !a.text.contains(ORIGIN),
        "the answer never names the secret"
    );
    assert_eq!(orders_stored(&state).await, 0, "nothing was stored");
}

#[tokio::test]
async fn a_spoofed_viewer_address_without_the_secret_changes_no_limit() {
    let state = limited_state();
    // The attacker calls API Gateway directly, naming a fresh viewer address each time, and
    // once the address of the resident below: all refused, none counted.
    for n in 0..6u32 {
        let viewer = if n == 0 {
            "198.51.100.23".to_owned()
        } else {
            format!("192.0.2.{n}")
        };
        let mut direct = cdn_order(&viewer, n);
        direct["headers"]
            .as_object_mut()
            .unwrap()
            .remove("x-diandan-origin");
        let a = send(Function::Orders, &state, direct).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    }
    assert_eq!(orders_stored(&state).await, 0);
    // The resident, through CloudFront, still has the whole allowance: two, then 429.
    for n in 10..12u32 {
        let a = send(Function::Orders, &state, cdn_order("198.51.100.23", n)).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    }
    let a = send(Function::Orders, &state, cdn_order("198.51.100.23", 12)).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    // Through CloudFront the viewer's address counts, not the edge's (the same source IP):
    // another viewer behind the same edge has an allowance of its own.
    let a = send(Function::Orders, &state, cdn_order("198.51.100.99", 13)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(orders_stored(&state).await, 3);
}
