//! The live counts file on AWS: after a burst of submissions through the orders function, the
//! counts function's code, handed a recorded stream event, writes `tallies.json` to the site's
//! bucket, and the object equals what `/api/tallies` answers. The store is DynamoDB and the
//! bucket S3, both on the local moto server (it serves S3 on the DynamoDB port) that
//! `AWS_ENDPOINT_URL_DYNAMODB` names; without it the test fails, unless
//! `DIANDAN_SKIP_DYNAMO=1` skips it on purpose.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use chrono::TimeZone;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::clock::{china_offset, fixed_clock};
use diandan_functions::counts::{self, Publisher, S3Objects};
use diandan_functions::domain::Secret;
use diandan_functions::lambda::{self, Edge, Function};
use diandan_functions::store::dynamo::testing;
use diandan_functions::store::{Store, TallyLimits};
use diandan_functions::ApiState;
use lambda_http::http::StatusCode;
use lambda_http::request::LambdaRequest;
use serde_json::{json, Value};
use tower::ServiceExt;

const ORIGIN: &str = "origin-secret-for-counts-tests-0123";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_json(path: &str) -> Value {
    let raw = std::fs::read_to_string(fixtures().join(path)).unwrap();
    serde_json::from_str(&raw).unwrap()
}

/// An S3 client for the local server: `AWS_ENDPOINT_URL_S3`, else the DynamoDB endpoint
/// (moto's server answers both).
async fn s3_client() -> aws_sdk_s3::Client {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
        .or_else(|_| std::env::var(testing::ENDPOINT_VAR))
        .expect("a local endpoint");
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(lambda::secrets::http_client())
        .load()
        .await;
    let config = aws_sdk_s3::config::Builder::from(&sdk)
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Lets `function` answer `event` as CloudFront forwards it; the status and body.
async fn send(function: Function, state: &ApiState, mut event: Value) -> (StatusCode, String) {
    event["headers"]["x-diandan-origin"] = ORIGIN.into();
    let request: LambdaRequest = serde_json::from_value(event).unwrap();
    let request: lambda_http::Request = request.into();
    let edge = Edge::new(ORIGIN, None, Some("cloudfront-viewer-address")).unwrap();
    let response = lambda::app(function, state.clone(), edge)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn after_a_burst_the_file_in_the_bucket_equals_the_api_answer() {
    if !testing::should_run().unwrap_or_else(|e| panic!("{e}")) {
        return;
    }
    let store = Arc::new(testing::fresh_store().await.expect("a table on the server"));
    let catalogue =
        Catalogue::from_json(&std::fs::read(fixtures().join("catalogue.json")).unwrap()).unwrap();
    let now = china_offset()
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .unwrap();
    let secret = Secret::new("counts-tests-secret-0123456789").unwrap();
    let store_dyn: Arc<dyn Store> = store.clone();
    let state =
        ApiState::new(store_dyn.clone(), catalogue.clone(), secret).with_clock(fixed_clock(now));

    // A burst: twelve residents of three townships order through the orders function.
    for n in 0..12u32 {
        let mut order = read_json("apigw/orders-json-cloudfront.json");
        let body = order["body"]
            .as_str()
            .unwrap()
            .replace("13800138000", &format!("1390013{n:04}"));
        let township = ["nanyu", "shangjie", "nanyu"][n as usize % 3];
        let body = body.replace("\"nanyu\"", &format!("\"{township}\""));
        order["body"] = body.into();
        order["headers"]["cloudfront-viewer-address"] = format!("198.51.100.{n}:40000").into();
        let (status, text) = send(Function::Orders, &state, order).await;
        assert!(status.is_success(), "{status}: {text}");
    }

    let bucket = format!("diandan-site-{}", std::process::id());
    let s3 = s3_client().await;
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("a bucket on the server");
    let objects = S3Objects::with_client(s3.clone(), &bucket);
    let publisher = Publisher::new(
        store_dyn,
        TallyLimits::from_catalogue(&catalogue),
        Arc::new(objects),
    )
    .with_spacing(Duration::ZERO);

    // The recorded stream event, as Lambda hands it to the counts function.
    let all = read_json("stream_records.json");
    let records: Vec<Value> = ["order", "order"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut r = all[*name].clone();
            r["dynamodb"]["SequenceNumber"] = json!(format!("{:021}", 700 + i));
            r
        })
        .collect();
    let event: Event = serde_json::from_value(json!({ "Records": records })).unwrap();
    assert_eq!(counts::on_batch(&publisher, &event).await.unwrap(), 2);

    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(counts::FILE)
        .send()
        .await
        .unwrap();
    assert_eq!(object.cache_control(), Some(counts::CACHE_CONTROL));
    assert_eq!(object.content_type(), Some(counts::CONTENT_TYPE));
    let file = object.body.collect().await.unwrap().into_bytes();
    let file = String::from_utf8(file.to_vec()).unwrap();

    let (status, api) = send(
        Function::Tallies,
        &state,
        read_json("apigw/tallies-get.json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file, api, "tallies.json is byte for byte the API's answer");
    let counted: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(
        counted["programs"]["minju-chenjinggu"]["total"], 12,
        "{file}"
    );
}
