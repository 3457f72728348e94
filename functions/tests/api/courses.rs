//! Registrations through the API: confirmation, waitlist, full, duplicate, status and cancel.

use serde_json::json;

use super::support::{app, encode, registration, App};

async fn register(app: &App, phone: &str, child: &str) -> serde_json::Value {
    let answer = app
        .post_json("/api/registrations", registration(phone, child))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.json()
}

/// The path and query of an absolute URL the API handed out.
fn path_of(url: &str) -> &str {
    url.strip_prefix("https://diandan.example")
        .expect("an absolute site URL")
}

#[tokio::test]
async fn registration_json_confirms_then_waitlists_then_refuses() {
    let app = app();
    let a = register(&app, "13900000001", "王小明").await;
    assert_eq!(a["status"], "confirmed");
    let code = a["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    let cancel_url = a["cancel_url"].as_str().unwrap();
    assert!(cancel_url.starts_with(&format!(
        "https://diandan.example/api/registrations/{code}/cancel?token="
    )));
    register(&app, "13900000002", "李小红").await;
    let c = register(&app, "13900000003", "陈小华").await;
    assert_eq!(
        (c["status"].clone(), c["waitlist_position"].clone()),
        (json!("waitlisted"), json!(1))
    );
    let full = app
        .post_json("/api/registrations", registration("13900000004", "林小东"))
        .await;
    assert_eq!(full.status, 409);
    assert!(full.body.contains("名额已满"));
    let t = app.get("/api/tallies").await.json();
    assert_eq!(
        t["courses"]["summer-papercut"],
        json!({"capacity": 2, "confirmed": 2, "places_left": 0, "waitlisted": 1})
    );
}

#[tokio::test]
async fn the_same_child_twice_is_refused() {
    let app = app();
    register(&app, "13900000001", "王小明").await;
    let again = app
        .post_json(
            "/api/registrations",
            registration("139 0000 0001", "王小明"),
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("已经报名"));
}

#[tokio::test]
async fn a_registration_form_leads_to_a_status_page_with_the_code_and_cancel_link() {
    let app = app();
    let body = encode(&[
        ("course", "summer-papercut"),
        ("child_name", "王小明"),
        ("child_age", "8岁"),
        ("guardian_name", "王芳"),
        ("phone", "１３８００１３８０００"),
    ]);
    let posted = app.post_form("/api/registrations", &body).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let location = posted.location();
    assert!(location.starts_with("/api/registrations/") && location.contains("token="));
    let page = app.get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("报名成功"));
    assert!(page.body.contains("王*明"));
    let code = location
        .trim_start_matches("/api/registrations/")
        .split('?')
        .next()
        .unwrap();
    assert!(page
        .body
        .contains(&format!("<p class=\"receipt-code\">{code}</p>")));
    assert!(page.body.contains("/cancel?token="));
    assert!(page.body.contains("2026年7月10日"));
}

#[tokio::test]
async fn cancelling_by_post_promotes_the_waitlisted_and_get_never_cancels() {
    let app = app();
    let a = register(&app, "13900000001", "王小明").await;
    register(&app, "13900000002", "李小红").await;
    let c = register(&app, "13900000003", "陈小华").await;
    let cancel_url = a["cancel_url"].as_str().unwrap();
    let page = app.get(path_of(cancel_url)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("确认取消报名") && page.body.contains("method=\"post\""));
    let still = app
        .get_json(path_of(a["status_url"].as_str().unwrap()))
        .await;
    assert_eq!(still.json()["status"], "confirmed", "GET did not cancel");
    let (path, query) = path_of(cancel_url).split_once('?').unwrap();
    let posted = app.post_form(path, query).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let after = app.get(&posted.location()).await;
    assert!(after.body.contains("报名已取消"));
    let promoted = app
        .get_json(path_of(c["status_url"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(promoted["status"], "confirmed");
    assert_eq!(promoted["waitlist_position"], serde_json::Value::Null);
    let twice = app.post_json(path_of(cancel_url), json!({})).await;
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("已经取消"));
}

#[tokio::test]
async fn cancelling_in_json_with_the_token_in_the_body() {
    let app = app();
    let a = register(&app, "13900000001", "王小明").await;
    let code = a["code"].as_str().unwrap();
    let token = a["cancel_url"]
        .as_str()
        .unwrap()
        .rsplit("token=")
        .next()
        .unwrap();
    let answer = app
        .post_json(
            &format!("/api/registrations/{code}/cancel"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json(), json!({"code": code, "status": "cancelled"}));
}
