//! The texts to residents as staff see them: `GET /api/admin/messages` and `messages.csv`
//! list each with its kind, subject, masked number and state, a failure with its error, and
//! never the full number or the person's key.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

use diandan_functions::store::{MessageKind, Settled};

use super::support::{app, App};

const WAITING: &str = "13900006666";
const REFUSED: &str = "13700001111";
const ERROR: &str = "isv.MOBILE_NUMBER_ILLEGAL: 号码无效";

/// Two guardians register (each queues a `CONFIRMED` text); the second one's is refused.
async fn one_waiting_one_failed(app: &App) {
    for (child, phone) in [("林小雨", WAITING), ("郑小云", REFUSED)] {
        let body = json!({
            "course": "summer-papercut", "child_name": child, "child_age": 8,
            "guardian_name": "家长", "phone": phone,
        });
        let answer = app.public("/api/registrations", body).await;
        assert!(answer.status.is_success(), "{}", answer.body);
    }
    let queued = app.store.messages(10).await.unwrap();
    assert_eq!(
        queued.len(),
        4,
        "two places and their reminders: {queued:?}"
    );
    let queued: Vec<_> = (queued.into_iter())
        .filter(|m| m.kind == MessageKind::Confirmed)
        .collect();
    let refused = (queued.iter().find(|m| m.to == "137****1111")).expect("the second text");
    assert!(app.store.claim_message(&refused.key).await.unwrap());
    let failed = Settled::Failed {
        error: ERROR.to_owned(),
    };
    let at = chrono::Utc::now().timestamp();
    (app.store.settle_message(&refused.key, failed, at).await).unwrap();
}

/// Neither number in full, nor anything keyed by the person, is in `body`.
fn assert_private(body: &str, person_keys: &[String]) {
    for phone in [WAITING, REFUSED] {
        assert!(!body.contains(phone), "{phone} shown: {body}");
    }
    for key in person_keys {
        assert!(!body.contains(key.as_str()), "a person key shown");
    }
}

async fn person_keys(app: &App) -> Vec<String> {
    let messages = app.store.messages(10).await.unwrap();
    messages
        .iter()
        .map(|m| m.person.as_str().to_owned())
        .collect()
}

fn by_number<'a>(messages: &'a [Value], to: &str) -> &'a Value {
    (messages
        .iter()
        .find(|m| m["to"] == to && m["kind"] == "CONFIRMED"))
    .unwrap_or_else(|| panic!("{to} in {messages:?}"))
}

#[tokio::test]
async fn staff_see_each_text_with_its_state_and_a_masked_number() {
    let app = app();
    one_waiting_one_failed(&app).await;
    let answer = app.admin(Method::GET, "/api/admin/messages", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header(header::CACHE_CONTROL), "no-store");
    assert_private(&answer.body, &person_keys(&app).await);
    let data = answer.json();
    let messages = data["messages"].as_array().expect("a list");
    assert_eq!(messages.len(), 4, "two places and their reminders");

    let waiting = by_number(messages, "139****6666");
    assert_eq!(waiting["kind"], "CONFIRMED");
    assert_eq!(waiting["kind_name"], "报名成功");
    assert_eq!(waiting["subject"], "少儿剪纸暑期班");
    assert_eq!(waiting["state"], "pending");
    assert_eq!(waiting["state_name"], "待发送");
    assert_eq!(waiting["tries"], 0);
    assert_eq!(waiting["error"], Value::Null);
    assert!(waiting["created_at"].as_str().unwrap().ends_with("+08:00"));

    let failed = by_number(messages, "137****1111");
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["state_name"], "未能发送");
    assert_eq!(failed["tries"], 1);
    assert_eq!(failed["error"], ERROR);
    assert_eq!(failed["next_try"], Value::Null);
    assert!(failed["settled_at"].as_str().unwrap().ends_with("+08:00"));
    for field in ["key", "person", "phone"] {
        assert!(messages.iter().all(|m| m.get(field).is_none()), "{field}");
    }
}

#[tokio::test]
async fn messages_csv_has_the_same_rows_and_no_full_number() {
    let app = app();
    one_waiting_one_failed(&app).await;
    let answer = (app.admin(Method::GET, "/api/admin/export/messages.csv", None)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"messages-2026-07-01.csv\""
    );
    assert!(answer.body.starts_with('\u{feff}'));
    assert_private(&answer.body, &person_keys(&app).await);
    let lines: Vec<&str> = answer
        .body
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 5, "{}", answer.body);
    let told = |n: &str| {
        lines
            .iter()
            .find(|l| l.contains(n) && l.contains("报名成功"))
    };
    let failed = told("137****1111").expect("the failed row");
    for cell in ["报名成功", "少儿剪纸暑期班", "未能发送", ",1,", ERROR] {
        assert!(failed.contains(cell), "{cell} in {failed}");
    }
    let waiting = told("139****6666").expect("the waiting row");
    assert!(waiting.contains("待发送"), "{waiting}");
    let log = app.store.actions(10).await.unwrap();
    assert!(log
        .iter()
        .any(|a| a.action == "export" && a.subject == "messages"));
}

#[tokio::test]
async fn no_texts_yet_is_an_empty_list() {
    let app = app();
    let answer = app.admin(Method::GET, "/api/admin/messages", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), json!({ "messages": [] }));
}
