//! Verified voices, played as a determined resident would: made-up numbers, wrong codes,
//! another number's code, code requests in a burst, and the happy path in JSON and with a
//! plain form (JavaScript off). The catalogue's `verify` is set here, not taken from content.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{header, Method};
use serde_json::{json, Value};

use diandan_functions::api::ClientAddr;
use diandan_functions::catalogue::FormKind;
use diandan_functions::sms::Inbox;

use super::support::{app_with, catalogue, encode, json as json_request, order, App};

/// The app with `forms` needing a code and an inbox for the texts.
fn verifying(forms: &[FormKind]) -> (App, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::new());
    let sms = inbox.clone();
    let app = app_with(|state| state.with_sms(sms));
    let mut c = catalogue();
    c.site.verify = forms.to_vec();
    app.state.replace_catalogue(c);
    (app, inbox)
}

fn nomination(phone: &str) -> Value {
    json!({"lecturer": "lin-xiuying", "township": "ganzhe", "name": "林秀英", "phone": phone})
}

fn with_code(mut body: Value, code: &str) -> Value {
    body["code"] = code.into();
    body
}

async fn nominations_of(app: &App, lecturer: &str) -> u64 {
    let tallies = app.get("/api/tallies").await.json();
    tallies["lecturers"][lecturer]["nominations"]
        .as_u64()
        .unwrap_or(0)
}

async fn ask_code(app: &App, phone: &str) -> super::support::Answer {
    app.post_json("/api/verify", json!({ "phone": phone }))
        .await
}

#[tokio::test]
async fn the_thresholds_worth_of_made_up_numbers_counts_nothing() {
    let (app, inbox) = verifying(&[FormKind::Nominations]);
    for i in 0..15 {
        let phone = format!("139{:08}", 10_000 + i);
        let answer = app.post_json("/api/nominations", nomination(&phone)).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        let error = &answer.json()["errors"][0];
        assert_eq!(error["field"], "code");
        assert_eq!(error["message"], "请先获取短信验证码");
        let guessed = app
            .post_json("/api/nominations", with_code(nomination(&phone), "123456"))
            .await;
        assert_eq!(
            guessed.status, 422,
            "a guessed code without a text: {}",
            guessed.body
        );
    }
    assert_eq!(nominations_of(&app, "lin-xiuying").await, 0);
    assert_eq!(
        inbox.count(),
        0,
        "JSON submissions never send texts by themselves"
    );
}

#[tokio::test]
async fn wrong_codes_and_another_numbers_code_count_nothing_and_the_right_one_counts_once() {
    let (app, inbox) = verifying(&[FormKind::Nominations]);
    let (mine, theirs) = ("13912345678", "13987654321");
    assert_eq!(ask_code(&app, mine).await.status, 202);
    let sent = ask_code(&app, theirs).await;
    assert_eq!(sent.status, 202);
    assert_eq!(sent.json()["phone"], "139****4321");
    let (my_code, their_code) = (
        inbox.code_for(mine).expect("a text"),
        inbox.code_for(theirs).expect("a text"),
    );
    assert_ne!(my_code, their_code);
    let wrong = if my_code == "000000" {
        "000001"
    } else {
        "000000"
    };
    let answer = app
        .post_json("/api/nominations", with_code(nomination(mine), wrong))
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("验证码不对"), "{}", answer.body);
    let answer = app
        .post_json("/api/nominations", with_code(nomination(mine), &their_code))
        .await;
    assert_eq!(answer.status, 422, "another number's code: {}", answer.body);
    assert_eq!(nominations_of(&app, "lin-xiuying").await, 0);

    let answer = app
        .post_json("/api/nominations", with_code(nomination(mine), &my_code))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json()["count"], 1);
    assert_eq!(nominations_of(&app, "lin-xiuying").await, 1);
    let token = answer.json()["verified_token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    let cookie = answer
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.starts_with(&format!("diandan_verified={token};")),
        "{cookie}"
    );
    for part in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/api",
        "Max-Age=2592000",
        "Secure",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!answer.body.contains(&my_code), "the code never comes back");
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_429_with_retry_after() {
    let (app, inbox) = verifying(&[FormKind::Orders]);
    assert_eq!(ask_code(&app, "13912345678").await.status, 202);
    let again = ask_code(&app, "139 1234 5678").await;
    assert_eq!(again.status, 429, "{}", again.body);
    assert_eq!(again.headers.get(header::RETRY_AFTER).unwrap(), "60");
    assert_eq!(inbox.count(), 1, "no second text");
    assert_eq!(
        ask_code(&app, "13912345679").await.status,
        202,
        "another number"
    );
}

#[tokio::test]
async fn one_client_address_gets_ten_codes_an_hour() {
    let (app, inbox) = verifying(&[FormKind::Orders]);
    let ip: IpAddr = "203.0.113.9".parse().unwrap();
    let mut statuses = Vec::new();
    for i in 0..11 {
        let body = json!({ "phone": format!("139{:08}", 500 + i) });
        let mut request = json_request(Method::POST, "/api/verify", &body);
        request.extensions_mut().insert(ClientAddr(ip));
        statuses.push(app.send(request).await.status.as_u16());
    }
    assert_eq!(statuses[..10], [202; 10]);
    assert_eq!(statuses[10], 429);
    assert_eq!(inbox.count(), 10);
}

#[tokio::test]
async fn a_token_counts_for_its_own_number_only() {
    let (app, inbox) = verifying(&[FormKind::Orders, FormKind::Nominations]);
    let mine = "13912345678";
    ask_code(&app, mine).await;
    let code = inbox.code_for(mine).expect("a text");
    let first = app
        .post_json("/api/orders", with_code(order(mine), &code))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let token = first.json()["verified_token"].as_str().unwrap().to_owned();
    let bearer = |body: Value| {
        let mut r = json_request(Method::POST, "/api/nominations", &body);
        let value = format!("Verified {token}").parse().unwrap();
        r.headers_mut().insert(header::AUTHORIZATION, value);
        r
    };
    let again = app.send(bearer(nomination(mine))).await;
    assert_eq!(
        again.status, 201,
        "the token stands in for a code: {}",
        again.body
    );
    assert!(
        again.json().get("verified_token").is_none(),
        "no new token needed"
    );
    let other = app.send(bearer(nomination("13987654321"))).await;
    assert_eq!(
        other.status, 422,
        "a token for another number: {}",
        other.body
    );
    assert_eq!(nominations_of(&app, "lin-xiuying").await, 1);
    assert_eq!(inbox.count(), 1, "one text message for both");
}

#[tokio::test]
async fn a_plain_form_sends_the_code_keeps_what_was_typed_and_then_counts() {
    let (app, inbox) = verifying(&[FormKind::Orders, FormKind::Nominations]);
    let phone = "139 1234 5678";
    let fields = [
        ("program", "minju-chenjinggu"),
        ("township", "nanyu"),
        ("name", "张美玲"),
        ("phone", phone),
        ("note", "想看"),
    ];
    let first = app.post_form("/api/orders", &encode(&fields)).await;
    assert_eq!(first.status, 422, "{}", first.body);
    assert!(
        first
            .body
            .contains("验证码已发送至 139****5678，10 分钟内有效"),
        "{}",
        first.body
    );
    for attribute in [
        "name=\"code\"",
        "autocomplete=\"one-time-code\"",
        "inputmode=\"numeric\"",
        &format!("value=\"{phone}\""),
        "value=\"张美玲\"",
        "想看",
    ] {
        assert!(
            first.body.contains(attribute),
            "{attribute} in {}",
            first.body
        );
    }
    assert_eq!(inbox.count(), 1);
    let code = inbox.code_for("13912345678").expect("a text");
    let mut with = fields.to_vec();
    with.push(("code", &code));
    let second = app.post_form("/api/orders", &encode(&with)).await;
    assert_eq!(second.status, 303, "{}", second.body);
    let cookie = second
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let nomination = encode(&[
        ("lecturer", "lin-xiuying"),
        ("township", "ganzhe"),
        ("name", "张美玲"),
        ("phone", phone),
    ]);
    let mut request = super::support::form("/api/nominations", &nomination);
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    let third = app.send(request).await;
    assert_eq!(
        third.status, 303,
        "the cookie stands in for a code: {}",
        third.body
    );
    assert_eq!(inbox.count(), 1, "one text message for both forms");
    assert_eq!(nominations_of(&app, "lin-xiuying").await, 1);
}

#[tokio::test]
async fn without_verify_the_forms_count_as_before() {
    let (app, inbox) = verifying(&[]);
    let answer = app
        .post_json("/api/nominations", nomination("13912345678"))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(inbox.count(), 0);
}
