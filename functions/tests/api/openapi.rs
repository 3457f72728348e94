//! The OpenAPI document against the router: the same routes both ways, every method the
//! document does not list answered `405`, every `$ref` resolving, and the answers every kind of
//! operation must document (`429` on public writes, `401`/`503` on admin routes, `401` and
//! the daily cap on helper routes, both body types on writes).

use std::collections::BTreeSet;

use axum::http::{header, Method, StatusCode};
use serde_json::Value;

use diandan_functions::api::openapi::DOCUMENT;
use diandan_functions::api::routes;
use diandan_functions::router;

use super::support::{app, request, App};

const TOKEN: &str = "openapi-test-token-0123456789";
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

/// Every (METHOD, path) the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("a paths object");
    let mut all = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item");
        for method in item.keys().filter(|k| METHODS.contains(&k.as_str())) {
            all.insert((method.to_uppercase(), path.clone()));
        }
    }
    all
}

/// (METHOD, path, operation) for every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            all.push((method.to_uppercase(), path.clone(), operation));
        }
    }
    all
}

#[test]
fn documents_exactly_the_routes_of_the_router() {
    let doc = document();
    let described = documented(&doc);
    let routed: BTreeSet<(String, String)> = (routes().into_iter())
        .map(|(method, path)| (method.to_string(), path.to_owned()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&described).collect();
    let unrouted: Vec<_> = described.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "openapi.json describes routes the router does not have: {unrouted:?}"
    );
}

/// A concrete URI for a templated path: each `{param}` becomes `x`.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('x');
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The real router (admin API on, the token sent) says `405` to exactly the methods the
/// document leaves out, so no route can hide behind a path the document lists.
#[tokio::test]
async fn answers_405_to_exactly_the_undocumented_methods() {
    let doc = document();
    let described = documented(&doc);
    let base = app();
    let app = App {
        router: router(base.state.clone().with_admin_token(Some(TOKEN.to_owned()))),
        state: base.state,
    };
    let paths: BTreeSet<&String> = described.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let mut r = request(
                Method::from_bytes(method.as_bytes()).expect("a method"),
                &concrete(path),
                Some("application/json"),
                b"{}".to_vec(),
            );
            let bearer = format!("Bearer {TOKEN}").parse().expect("a header");
            r.headers_mut().insert(header::AUTHORIZATION, bearer);
            let answer = app.send(r).await;
            // The router's fallback: a 404 with no body (handlers' 404s explain themselves).
            let no_route = answer.status == StatusCode::NOT_FOUND && answer.body.is_empty();
            assert!(
                !no_route,
                "{method} {path}: documented, but there is no such route"
            );
            let listed = described.contains(&(method.to_owned(), path.clone()));
            let refused = answer.status == StatusCode::METHOD_NOT_ALLOWED;
            assert_eq!(
                refused, !listed,
                "{method} {path}: answered {} but documented: {listed} ({})",
                answer.status, answer.body
            );
        }
    }
}

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50, "the document uses its components");
    for r in all {
        let pointer = r.strip_prefix('#').expect("only local references");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

/// Follows one `$ref`, if the value is one.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => doc.pointer(&r[1..]).expect("resolves"),
        None => value,
    }
}

#[test]
fn every_operation_documents_what_its_kind_can_answer() {
    let doc = document();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let at = format!("{method} {path}");
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_owned()), "{at}: operationId {id} twice");
        let responses = op["responses"].as_object().expect("responses");
        let has = |status: &str| responses.contains_key(status);
        if let Some(body) = op.get("requestBody") {
            let content = &resolve(&doc, body)["content"];
            assert!(content["application/json"].is_object(), "{at}: JSON body");
            let form = &content["application/x-www-form-urlencoded"];
            assert!(form.is_object(), "{at}: form body");
            for status in ["400", "413", "415", "422"] {
                assert!(has(status), "{at}: documents {status}");
            }
        }
        if path.starts_with("/api/admin/") {
            assert!(has("401") && has("503"), "{at}: documents 401 and 503");
            assert_eq!(op["security"][0]["adminToken"], serde_json::json!([]));
            assert_eq!(op["security"][1]["staffSession"], serde_json::json!([]));
        } else if path.starts_with("/api/helper/") || path.starts_with("/api/staff/") {
            let limited = (has("429")).then(|| resolve(&doc, &responses["429"]));
            if let Some(limited) = limited {
                let required = &limited["headers"]["Retry-After"]["required"];
                assert!(required == true, "{at}: documents 429 with Retry-After");
            }
            if path.starts_with("/api/helper/") {
                assert!(has("401"), "{at}: documents 401");
                assert!(
                    method == "GET" || has("429"),
                    "{at}: documents the daily cap"
                );
            }
        } else if method != "GET" {
            // Sending a code records nothing to show on a receipt: a form gets its page at once.
            let answers_with_a_page = path == "/api/verify" && has("202");
            assert!(
                has("303") || answers_with_a_page,
                "{at}: documents the form's redirect"
            );
            let limited = resolve(&doc, &responses["429"]);
            assert!(
                limited["headers"]["Retry-After"]["required"] == true,
                "{at}: documents 429 with Retry-After"
            );
        }
    }
}

#[tokio::test]
async fn serves_the_document() {
    let answer = app().get("/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(answer.body, DOCUMENT);
}
