//! Each staff action: what it answers, what it stores, what it logs, and whether it asks for
//! a rebuild.

use axum::http::{header, Method, StatusCode};
use serde_json::json;

use super::support::{app, App};

const PHONE: &str = "13800138000";

async fn order(app: &App, program: &str, phone: &str) {
    let body = json!({ "program": program, "township": "nanyu", "name": "张美玲", "phone": phone });
    let answer = app.public("/api/orders", body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

async fn logged(app: &App) -> Vec<String> {
    let answer = app.admin(Method::GET, "/api/admin/log", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let actions = answer.json()["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    actions
        .iter()
        .map(|a| a["action"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_reply_publishes_the_wish_and_asks_for_a_rebuild() {
    let app = app();
    let wish = json!({ "text": "希望村里多演几场闽剧", "township": "nanyu", "name": "张美玲", "phone": PHONE });
    let id = app.public("/api/wishes", wish).await.json()["id"]
        .as_i64()
        .unwrap();
    let pending = app.admin(Method::GET, "/api/admin/wishes", None).await;
    assert_eq!(pending.status, StatusCode::OK);
    let listed = &pending.json()["wishes"][0];
    assert_eq!(
        (listed["id"].as_i64(), listed["name"].as_str()),
        (Some(id), Some("张*玲"))
    );
    assert_eq!(listed["township_name"], "南屿镇");
    assert!(!pending.body.contains(PHONE) && !pending.body.contains("张美玲"));
    let uri = format!("/api/admin/wishes/{id}/reply");
    let empty = app
        .admin(Method::POST, &uri, Some(json!({ "reply": "" })))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.changes(), 0);
    let reply = json!({ "reply": "已安排下月在南屿镇演出闽剧。" });
    let answer = app.admin(Method::POST, &uri, Some(reply)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.changes(), 1);
    let wall = app.store.answered_wishes().await.unwrap();
    assert_eq!(wall[0].reply, "已安排下月在南屿镇演出闽剧。");
    let pending = app.admin(Method::GET, "/api/admin/wishes", None).await;
    assert_eq!(pending.json()["wishes"], json!([]));
    let missing = app
        .admin(
            Method::POST,
            "/api/admin/wishes/999/reply",
            Some(json!({ "reply": "好" })),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let nonsense = app
        .admin(Method::POST, "/api/admin/wishes/abc/hide", None)
        .await;
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
    assert_eq!(logged(&app).await, vec!["reply"]);
}

#[tokio::test]
async fn hiding_takes_a_wish_off_for_good() {
    let app = app();
    let wish = json!({ "text": "这条留言里有别人的电话", "township": "nanyu" });
    let id = app.public("/api/wishes", wish).await.json()["id"]
        .as_i64()
        .unwrap();
    let answer = app
        .admin(Method::POST, &format!("/api/admin/wishes/{id}/hide"), None)
        .await;
    assert_eq!(
        (answer.status, answer.json()["hidden"].clone()),
        (StatusCode::OK, json!(true))
    );
    assert_eq!(app.store.pending_wishes().await.unwrap().len(), 0);
    assert_eq!(
        (app.changes(), logged(&app).await),
        (1, vec!["hide".to_owned()])
    );
}

#[tokio::test]
async fn pins_are_checked_against_the_slot_and_the_catalogue() {
    let app = app();
    let pin = "/api/admin/slots/2026-07-11-nanyu-stage/pin";
    let bad = [
        json!({ "lecturer": "lin-xiuying" }),
        json!({ "program": "no-such-show" }),
        json!({ "program": "minju-chenjinggu", "lecturer": "lin-xiuying" }),
        json!({ "program": "minju-chenjinggu", "venue": "x" }),
    ];
    for body in bad {
        let answer = app.admin(Method::POST, pin, Some(body.clone())).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let fixed = "/api/admin/slots/2026-06-20-nanyu-stage/pin";
    let body = json!({ "program": "minju-chenjinggu" });
    let answer = app.admin(Method::POST, fixed, Some(body)).await;
    assert_eq!(
        answer.json()["type"],
        "urn:diandan:problem:pinned-in-content"
    );
    let unknown = "/api/admin/slots/2030-01-01-nanyu-stage/pin";
    let answer = app.admin(Method::POST, unknown, Some(json!({}))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(app.changes(), 0);
    assert!(logged(&app).await.is_empty());
}

/// (slot, source, title) of each slot the admin API lists.
async fn listed(app: &App) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let slots = app
        .admin(Method::GET, "/api/admin/slots", None)
        .await
        .json();
    (slots["slots"].as_array().unwrap().iter())
        .map(|s| {
            let id = s["slot"].as_str().unwrap().to_owned();
            (id, s["source"].clone(), s["title"].clone())
        })
        .collect()
}

#[tokio::test]
async fn staff_pin_and_unpin_auto_slots() {
    let app = app();
    let pin = "/api/admin/slots/2026-07-11-nanyu-stage/pin";
    let body = json!({ "program": "minju-chenjinggu", "reason": "春节特别安排" });
    let answer = app.admin(Method::POST, pin, Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["source"], "staff");
    assert_eq!(answer.json()["reason"], "春节特别安排");
    let forum = "/api/admin/slots/2026-07-18-ganzhe-forum/pin";
    let answer = (app.admin(
        Method::POST,
        forum,
        Some(json!({ "lecturer": "chen-ming" })),
    ))
    .await;
    assert_eq!(answer.json()["reason"], "工作人员安排");
    let slots = listed(&app).await;
    let row =
        |slot: &str, source: &str, title: &str| (slot.to_owned(), json!(source), json!(title));
    assert_eq!(
        slots[0],
        row("2026-06-20-nanyu-stage", "content", "评话《林则徐》")
    );
    assert_eq!(
        slots[1],
        row("2026-07-11-nanyu-stage", "staff", "闽剧《陈靖姑》选段")
    );
    assert_eq!(slots[2], row("2026-07-18-ganzhe-forum", "staff", "陈明"));
    assert_eq!(
        app.admin(Method::DELETE, pin, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.admin(Method::DELETE, pin, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(listed(&app).await[1].1, serde_json::Value::Null);
    assert_eq!(app.changes(), 3);
    assert_eq!(logged(&app).await, vec!["unpin", "pin", "pin"]);
}

#[tokio::test]
async fn marking_done_fulfils_the_orders_once() {
    let app = app();
    order(&app, "pinghua-linzexu", PHONE).await;
    order(&app, "pinghua-linzexu", "13900139000").await;
    order(&app, "minju-chenjinggu", PHONE).await;
    let done = "/api/admin/slots/2026-06-20-nanyu-stage/done";
    let answer = app.admin(Method::POST, done, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["closed_orders"], 2);
    let tallies = app
        .send(super::support::request(
            Method::GET,
            "/api/tallies",
            None,
            None,
        ))
        .await;
    assert_eq!(tallies.json()["programs"]["pinghua-linzexu"]["total"], 0);
    assert_eq!(tallies.json()["programs"]["minju-chenjinggu"]["total"], 1);
    assert_eq!(
        app.admin(Method::POST, done, None).await.status,
        StatusCode::CONFLICT
    );
    let pin = "/api/admin/slots/2026-06-20-nanyu-stage/pin";
    assert_eq!(
        app.admin(Method::DELETE, pin, None).await.status,
        StatusCode::CONFLICT
    );
    let future = "/api/admin/slots/2026-07-11-nanyu-stage/done";
    let answer = app.admin(Method::POST, future, None).await;
    assert_eq!(
        (answer.status, answer.json()["type"].clone()),
        (
            StatusCode::CONFLICT,
            json!("urn:diandan:problem:not-yet-held")
        )
    );
    assert_eq!(app.changes(), 1);
    assert_eq!(logged(&app).await, vec!["done"]);
}

#[tokio::test]
async fn the_planner_previews_then_applies() {
    let app = app();
    for phone in ["13800138001", "13800138002", "13800138003"] {
        order(&app, "minju-chenjinggu", phone).await;
    }
    let preview = app.admin(Method::POST, "/api/admin/plan", None).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let body = preview.json();
    assert_eq!(
        (body["applied"].clone(), body["stored"].clone()),
        (json!(false), json!(0))
    );
    let first = &body["proposals"][0];
    assert_eq!(first["slot"], "2026-07-11-nanyu-stage");
    assert_eq!(first["program"], "minju-chenjinggu");
    assert_eq!(first["title"], "闽剧《陈靖姑》选段");
    assert_eq!(first["reason"], "南屿镇 3 人点单");
    assert_eq!(body["proposals"][1]["reason"], "暂无达到点将人数的讲师");
    assert!(
        app.store.assignments().await.unwrap().is_empty(),
        "a preview stores nothing"
    );
    assert_eq!(app.changes(), 0);
    let applied = app
        .admin(Method::POST, "/api/admin/plan?apply=true", None)
        .await
        .json();
    assert_eq!(
        (applied["applied"].clone(), applied["stored"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(app.changes(), 1);
    let again = app
        .admin(Method::POST, "/api/admin/plan?apply=true", None)
        .await
        .json();
    assert_eq!(again["stored"], 0);
    assert_eq!(app.changes(), 1, "nothing new, no rebuild");
    let stored = app.store.assignments().await.unwrap();
    assert_eq!(
        (stored.len(), stored[0].reason.as_str()),
        (1, "南屿镇 3 人点单")
    );
    assert_eq!(logged(&app).await, vec!["plan", "plan"]);
}

/// An order, a nomination and a registration, all with [`PHONE`].
async fn one_of_each(app: &App) {
    order(app, "minju-chenjinggu", PHONE).await;
    let nominate = json!({ "lecturer": "chen-ming", "township": "nanyu", "name": "李四", "phone": PHONE, "topic": "讲讲\"家风\",好吗" });
    app.public("/api/nominations", nominate).await;
    let child = json!({ "course": "summer-papercut", "child_name": "王小明", "child_age": 9, "guardian_name": "王芳", "phone": PHONE });
    assert_eq!(
        app.public("/api/registrations", child).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn exports_open_in_excel_and_only_registrations_carry_phones() {
    let app = app();
    one_of_each(&app).await;
    for name in ["orders", "nominations", "registrations", "messages"] {
        let answer = app
            .admin(Method::GET, &format!("/api/admin/export/{name}.csv"), None)
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "text/csv; charset=utf-8"
        );
        let disposition = answer.header(header::CONTENT_DISPOSITION);
        assert_eq!(
            disposition,
            format!("attachment; filename=\"{name}-2026-07-01.csv\"")
        );
        assert!(answer.body.starts_with('\u{feff}'), "a BOM for Excel");
        // A header and a row; the place's text comes with its reminder.
        let rows = if name == "messages" { 3 } else { 2 };
        assert_eq!(answer.body.lines().count(), rows, "{}", answer.body);
        assert!(answer.body.ends_with("\r\n"));
        assert_eq!(
            answer.body.contains(PHONE),
            name == "registrations",
            "{name}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn exports_hold_every_row_quoted_and_are_logged() {
    let app = app();
    one_of_each(&app).await;
    let orders = app
        .admin(Method::GET, "/api/admin/export/orders.csv", None)
        .await
        .body;
    assert!(orders
        .contains("minju-chenjinggu,闽剧《陈靖姑》选段,南屿镇,张美玲,,2026-07-01 10:00,待安排,"));
    let nominations = app
        .admin(Method::GET, "/api/admin/export/nominations.csv", None)
        .await
        .body;
    assert!(
        nominations.contains("\"讲讲\"\"家风\"\",好吗\""),
        "{nominations}"
    );
    let other = app
        .admin(Method::GET, "/api/admin/export/wishes.csv", None)
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(app.changes(), 0, "exports change nothing on the site");
    assert_eq!(
        logged(&app).await.iter().filter(|a| *a == "export").count(),
        2
    );
}
