//! Each Lambda function's handler, driven by an API Gateway HTTP API (v2) event as Lambda
//! delivers it: the fixture goes through `lambda_http`'s own parsing into an `http::Request`,
//! the function's router answers it (on an in-memory SQLite store), and the answer goes back
//! through `lambda_http`'s own body conversion. Also: each binary refuses to start without
//! its settings.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::domain::Secret;
use diandan_functions::lambda::{self, Function};
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
    content_type: String,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Parses the event fixture as `lambda_http` does and lets `function` answer it.
async fn invoke(function: Function, state: &ApiState, fixture: &str) -> Answer {
    let raw = std::fs::read_to_string(fixtures().join("apigw").join(fixture)).unwrap();
    let event: LambdaRequest = serde_json::from_str(&raw).expect("an API Gateway event");
    assert!(
        matches!(event, LambdaRequest::ApiGatewayV2(_)),
        "{fixture} is an HTTP API v2 event"
    );
    let request: lambda_http::Request = event.into();
    let response =
        (lambda::app(function, state.clone()).oneshot(request).await).expect("an answer");
    let response = lambda_http::IntoResponse::into_response(response).await;
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

#[tokio::test]
async fn only_the_admin_function_takes_the_token_or_admin_paths() {
    // Another function given the token still keeps the staff API off and 404s its paths.
    let tallies = lambda::with_admin_token(Function::Tallies, state(), Some(STAFF_TOKEN.into()));
    let a = invoke(Function::Tallies, &tallies, "admin-wishes-get.json").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let routed_anyway = lambda::app(Function::Admin, tallies.clone());
    let raw = std::fs::read_to_string(fixtures().join("apigw/admin-wishes-get.json")).unwrap();
    let event: LambdaRequest = serde_json::from_str(&raw).unwrap();
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
        env!("CARGO_BIN_EXE_tallies"),
        env!("CARGO_BIN_EXE_admin"),
    ];
    for binary in binaries {
        let (ok, err) = start(binary, &[]);
        assert!(!ok && err.contains(lambda::TABLE_VAR), "{binary}: {err}");
        let (ok, err) = start(binary, &[(lambda::TABLE_VAR, "diandan")]);
        assert!(!ok && err.contains(lambda::SECRET_VAR), "{binary}: {err}");
    }
    let (ok, err) = start(
        env!("CARGO_BIN_EXE_orders"),
        &[
            (lambda::TABLE_VAR, "diandan"),
            (lambda::SECRET_VAR, "0123456789abcdef0123"),
            (lambda::CATALOGUE_VAR, "/nonexistent/catalogue.json"),
        ],
    );
    assert!(!ok && err.contains("/nonexistent/catalogue.json"), "{err}");
}
