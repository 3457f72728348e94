//! Orders, nominations, wishes, ratings and tallies: the happy paths, JSON and forms.

use axum::http::Method;
use serde_json::json;

use super::support::{app, encode, json as json_request, order, PHONE};

#[tokio::test]
async fn an_order_in_json_is_counted_once() {
    let app = app();
    let first = app.post_json("/api/orders", order(PHONE)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let body = first.json();
    assert_eq!(body["township_count"], 1);
    assert_eq!(body["program_total"], 1);
    assert_eq!(body["next_stage"]["date"], "2026-07-11");
    let again = app
        .post_json("/api/orders", order("+86 138-0013-8000"))
        .await;
    assert_eq!(again.status, 201, "a repeat is answered like the first");
    assert_eq!(again.json()["program_total"], 1, "and counts nothing");
    let other = app.post_json("/api/orders", order("13900139000")).await;
    assert_eq!(other.json()["township_count"], 2);
}

#[tokio::test]
async fn an_order_form_redirects_to_a_receipt_with_the_count_and_next_stage() {
    let app = app();
    app.post_json("/api/orders", order("13900139000")).await;
    let body = encode(&[
        ("program", "minju-chenjinggu"),
        ("township", "nanyu"),
        ("name", "张美玲"),
        ("phone", "138 0013 8000"),
        ("website", ""),
    ]);
    let posted = app.post_form("/api/orders", &body).await;
    assert_eq!(posted.status, 303);
    let location = posted.location();
    assert_eq!(
        location,
        "/api/orders/receipt?program=minju-chenjinggu&township=nanyu"
    );
    let receipt = app.get(&location).await;
    assert_eq!(receipt.status, 200);
    assert!(receipt.body.contains("点单成功"));
    assert!(receipt
        .body
        .contains("南屿镇已有 <strong>2</strong> 人点了“闽剧《陈靖姑》选段”"));
    assert!(receipt
        .body
        .contains("2026年7月11日（星期六） 19:30，五都村戏台"));
    assert!(receipt
        .body
        .contains("href=\"https://diandan.example/assets/site.css\""));
    let again = app.post_form("/api/orders", &body).await;
    assert_eq!(
        again.location(),
        location,
        "a repeat lands on the same receipt"
    );
    let receipt = app.get(&again.location()).await;
    assert!(receipt.body.contains("不会重复计数"));
    assert!(
        receipt.body.contains("<strong>2</strong>"),
        "nothing more was counted"
    );
}

#[tokio::test]
async fn nominations_report_progress_and_the_crossing_once() {
    let app = app();
    let nominate = |phone: &'static str| json!({ "lecturer": "chen-ming", "township": "nanyu", "name": "李四", "phone": phone });
    let one = app
        .post_json("/api/nominations", nominate("13900000001"))
        .await;
    assert_eq!(one.status, 201);
    assert_eq!(
        (one.json()["count"].clone(), one.json()["threshold"].clone()),
        (json!(1), json!(3))
    );
    let dup = app
        .post_json("/api/nominations", nominate("13900000001"))
        .await;
    assert_eq!(
        (dup.status.as_u16(), dup.json()["count"].clone()),
        (201, json!(1)),
        "a repeat is answered like the first and counts nothing"
    );
    let token = one.json()["withdraw_token"].as_str().unwrap().to_owned();
    app.post_json("/api/nominations", nominate("13900000002"))
        .await;
    let third = app
        .post_json("/api/nominations", nominate("13900000003"))
        .await
        .json();
    assert_eq!(
        (third["crossed"].clone(), third["reached"].clone()),
        (json!(true), json!(true))
    );
    let fourth = app
        .post_json("/api/nominations", nominate("13900000004"))
        .await
        .json();
    assert_eq!(
        (fourth["crossed"].clone(), fourth["count"].clone()),
        (json!(false), json!(4))
    );
    let frozen = app
        .send(json_request(
            Method::DELETE,
            "/api/nominations/chen-ming",
            &json!({"phone": "13900000001", "token": token}),
        ))
        .await;
    assert_eq!(frozen.status, 409);
    assert!(frozen.body.contains("不能撤回"));
}

#[tokio::test]
async fn a_nomination_form_shows_the_count_and_threshold_and_can_be_withdrawn() {
    let app = app();
    let body = encode(&[
        ("lecturer", "lin-xiuying"),
        ("township", "ganzhe"),
        ("name", "林"),
        ("phone", PHONE),
        ("topic", "剪纸入门"),
    ]);
    let posted = app.post_form("/api/nominations", &body).await;
    assert_eq!(posted.status, 303);
    let receipt = app.get(&posted.location()).await;
    assert!(
        receipt
            .body
            .contains("已有 <strong>1</strong> 人点将，满 15 人即安排讲座"),
        "{}",
        receipt.body
    );
    // The receipt's own link, followed as a browser without JavaScript would.
    let link = receipt.body.split("href=\"").find_map(|rest| {
        let href = &rest[..rest.find('"')?];
        href.starts_with("/api/nominations/lin-xiuying/withdraw?token=")
            .then(|| href.to_owned())
    });
    let link = link.unwrap_or_else(|| panic!("no withdrawal link on {}", receipt.body));
    let page = app.get(&link.replace("&amp;", "&")).await;
    assert!(page
        .body
        .contains("action=\"/api/nominations/lin-xiuying/withdraw\""));
    let token = link.rsplit('=').next().unwrap().to_owned();
    assert!(
        page.body
            .contains(&format!("name=\"token\" value=\"{token}\"")),
        "{}",
        page.body
    );
    let withdrawn = app
        .post_form(
            "/api/nominations/lin-xiuying/withdraw",
            &encode(&[("phone", PHONE), ("token", &token)]),
        )
        .await;
    assert_eq!(withdrawn.status, 303);
    let receipt = app.get(&withdrawn.location()).await;
    assert!(receipt.body.contains("已撤回"));
    assert!(receipt.body.contains("已有 <strong>0</strong> 人点将"));
    let json = app
        .send(json_request(
            Method::DELETE,
            "/api/nominations/lin-xiuying",
            &json!({"phone": PHONE, "token": token}),
        ))
        .await;
    assert_eq!(json.status, 404, "nothing left to withdraw");
}

#[tokio::test]
async fn wishes_are_received_quietly() {
    let app = app();
    let answer = app
        .post_json("/api/wishes", json!({"text": "希望村里多演几场闽剧", "township": "nanyu", "name": "张美玲", "phone": PHONE}))
        .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.json()["published"], false);
    let posted = app
        .post_form(
            "/api/wishes",
            &encode(&[("text", "文化站晚上能开门吗？"), ("township", "ganzhe")]),
        )
        .await;
    assert_eq!(posted.status, 303);
    let receipt = app.get(&posted.location()).await;
    assert!(receipt.body.contains("公开回复"));
    assert!(receipt.body.contains("甘蔗街道"));
    assert!(app
        .state
        .store()
        .answered_wishes()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn ratings_are_once_per_person_and_summarised() {
    let app = app();
    let rate = |phone: &'static str, stars: u8| json!({"slot": "2026-06-20-nanyu-stage", "phone": phone, "stars": stars, "comment": "很精彩"});
    let first = app.post_json("/api/ratings", rate(PHONE, 5)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json()["summary"]["count"], 1);
    let again = app.post_json("/api/ratings", rate(PHONE, 1)).await;
    assert_eq!(again.status, 201, "a repeat is answered like the first");
    assert_eq!(again.json()["summary"]["count"], 1, "and counts nothing");
    let form = encode(&[
        ("slot", "2026-06-20-nanyu-stage"),
        ("phone", "13900139000"),
        ("stars", "4"),
    ]);
    let posted = app.post_form("/api/ratings", &form).await;
    assert_eq!(posted.status, 303);
    let receipt = app.get(&posted.location()).await;
    assert!(
        receipt.body.contains("共 2 人评价，平均 4.5 星"),
        "{}",
        receipt.body
    );
}

#[tokio::test]
async fn tallies_have_the_design_shape() {
    let app = app();
    app.post_json("/api/orders", order(PHONE)).await;
    let answer = app.get("/api/tallies").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/json");
    let t = answer.json();
    assert_eq!(
        t["programs"]["minju-chenjinggu"],
        json!({"total": 1, "by_township": {"nanyu": 1}})
    );
    assert_eq!(
        t["programs"]["pinghua-linzexu"],
        json!({"total": 0, "by_township": {}})
    );
    assert_eq!(
        t["lecturers"]["lin-xiuying"],
        json!({"nominations": 0, "threshold": 15, "reached": false})
    );
    assert_eq!(
        t["courses"]["summer-papercut"],
        json!({"capacity": 2, "confirmed": 0, "places_left": 2, "waitlisted": 0})
    );
    let keys: Vec<_> = t.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["courses", "lecturers", "programs"]);
    assert_eq!(app.get("/api/health").await.status, 200);
}

#[tokio::test]
async fn a_rebuilt_catalogue_takes_effect_at_once() {
    let app = app();
    let mut catalogue = (*app.state.catalogue()).clone();
    if let Some(p) = catalogue.programs.values_mut().next() {
        p.orderable = false;
    }
    let first = catalogue.programs.keys().next().unwrap().to_string();
    app.state.replace_catalogue(catalogue);
    let mut body = order(PHONE);
    body["program"] = json!(first);
    assert_eq!(app.post_json("/api/orders", body).await.status, 409);
}
