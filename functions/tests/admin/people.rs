//! A resident's data on request: staff export it (phone in full, for its owner) and erase it
//! (every tally corrected, the action log keeping only a masked number).

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use super::support::{app, App};

const PHONE: &str = "13700001111";

async fn resident_uses_everything(app: &App, phone: &str) {
    let posts = [
        (
            "/api/orders",
            json!({ "program": "minju-chenjinggu", "township": "nanyu", "name": "郑秀兰", "phone": phone }),
        ),
        (
            "/api/nominations",
            json!({ "lecturer": "chen-ming", "township": "nanyu", "name": "郑秀兰", "phone": phone }),
        ),
        (
            "/api/registrations",
            json!({ "course": "summer-papercut", "child_name": "郑小雨", "child_age": 8, "guardian_name": "郑秀兰", "phone": phone }),
        ),
        (
            "/api/wishes",
            json!({ "text": "希望文化站开个书法班", "township": "nanyu", "name": "郑秀兰", "phone": phone }),
        ),
    ];
    for (uri, body) in posts {
        let answer = app.public(uri, body).await;
        assert!(
            answer.status.is_success(),
            "{uri}: {} {}",
            answer.status,
            answer.body
        );
    }
}

#[tokio::test]
async fn staff_export_everything_kept_about_a_person() {
    let app = app();
    resident_uses_everything(&app, PHONE).await;
    resident_uses_everything(&app, "13700002222").await;
    let export = (app.admin(
        Method::POST,
        "/api/admin/people/export",
        Some(json!({ "phone": "137-0000-1111" })),
    ))
    .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    assert_eq!(export.header(header::CACHE_CONTROL), "no-store");
    let data = export.json();
    for kind in ["orders", "nominations", "registrations", "wishes"] {
        assert_eq!(
            data[kind].as_array().map(Vec::len),
            Some(1),
            "{kind}: {data}"
        );
    }
    assert_eq!(data["registrations"][0]["phone"], PHONE);
    assert_eq!(data["wishes"][0]["name"], "郑秀兰");
    assert_eq!(data["ratings"], json!([]));
    let log = app.admin(Method::GET, "/api/admin/log", None).await.body;
    assert!(
        log.contains("export-person") && !log.contains(PHONE),
        "{log}"
    );
}

#[tokio::test]
async fn staff_erase_a_person_and_the_counts_follow() {
    let app = app();
    resident_uses_everything(&app, PHONE).await;
    resident_uses_everything(&app, "13700002222").await;
    let before = app.changes();
    let forget = (app.admin(
        Method::POST,
        "/api/admin/people/forget",
        Some(json!({ "phone": PHONE })),
    ))
    .await;
    assert_eq!(forget.status, StatusCode::OK, "{}", forget.body);
    let deleted = &forget.json()["deleted"];
    assert_eq!(
        *deleted,
        json!({ "orders": 1, "nominations": 1, "registrations": 1, "wishes": 1, "ratings": 0 })
    );
    assert!(app.changes() > before, "the site is rebuilt");
    let tallies = app
        .send(super::support::request(
            Method::GET,
            "/api/tallies",
            None,
            None,
        ))
        .await
        .json();
    assert_eq!(tallies["programs"]["minju-chenjinggu"]["total"], 1);
    assert_eq!(tallies["lecturers"]["chen-ming"]["nominations"], 1);
    let again = (app.admin(
        Method::POST,
        "/api/admin/people/export",
        Some(json!({ "phone": PHONE })),
    ))
    .await
    .json();
    assert_eq!(again["orders"], json!([]));
    assert_eq!(again["registrations"], json!([]));
    let log = app.admin(Method::GET, "/api/admin/log", None).await.body;
    assert!(
        log.contains("forget-person") && !log.contains(PHONE),
        "{log}"
    );
}

#[tokio::test]
async fn a_wrong_phone_is_a_field_error() {
    let app = app();
    let answer = (app.admin(
        Method::POST,
        "/api/admin/people/forget",
        Some(json!({ "phone": "12345" })),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["errors"][0]["field"], "phone");
}
