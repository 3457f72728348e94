//! Every way a client can get a submission wrong gets its exact 4xx and a message, never a 5xx.

use axum::http::Method;
use serde_json::json;

use super::support::{app, encode, order, registration, request, App, PHONE};

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

struct Case {
    method: Method,
    uri: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    /// Words the answer must contain.
    says: &'static str,
}

fn case(uri: &'static str, body: serde_json::Value, status: u16, says: &'static str) -> Case {
    Case {
        method: Method::POST,
        uri,
        content_type: JSON,
        body: body.to_string().into_bytes(),
        status,
        says,
    }
}

fn raw(
    method: Method,
    uri: &'static str,
    content_type: Option<&'static str>,
    body: &[u8],
    status: u16,
    says: &'static str,
) -> Case {
    Case {
        method,
        uri,
        content_type,
        body: body.to_vec(),
        status,
        says,
    }
}

/// `order` with one field replaced (or removed, for `null`).
fn order_with(field: &str, value: serde_json::Value) -> serde_json::Value {
    let mut body = order(PHONE);
    body[field] = value;
    body
}

fn registration_with(field: &str, value: serde_json::Value) -> serde_json::Value {
    let mut body = registration(PHONE, "王小明");
    body[field] = value;
    body
}

fn wish(text: &str) -> serde_json::Value {
    json!({ "text": text, "township": "nanyu" })
}

fn rating(slot: &str, stars: serde_json::Value) -> serde_json::Value {
    json!({ "slot": slot, "phone": PHONE, "stars": stars })
}

/// A slot that was held before the tests' "today".
const PAST: &str = "2026-06-20-nanyu-stage";

/// One `#[tokio::test]` per case, so each is counted and reported on its own.
macro_rules! bad_inputs {
    ($($test:ident: $case:expr;)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                check(stringify!($test), $case).await;
            }
        )*

        #[test]
        fn the_table_covers_at_least_25_cases() {
            assert!([$(stringify!($test)),*].len() >= 25);
        }
    };
}

bad_inputs! {
    malformed_json: raw(Method::POST, "/api/orders", JSON, b"{\"program\": ", 400, "JSON");
    json_syntax_error: raw(Method::POST, "/api/orders", JSON, b"{program: 1}", 400, "JSON 格式有误");
    json_that_is_not_an_object: raw(Method::POST, "/api/orders", JSON, b"[1, 2]", 400, "JSON 对象");
    empty_json_body: raw(Method::POST, "/api/wishes", JSON, b"", 400, "JSON");
    wrong_content_type: raw(Method::POST, "/api/orders", Some("text/plain"), b"hello", 415, "application/json");
    no_content_type: raw(Method::POST, "/api/nominations", None, b"{}", 415, "不支持");
    multipart_is_not_taken: raw(Method::POST, "/api/wishes", Some("multipart/form-data; boundary=x"), b"--x--", 415, "不支持");
    oversized_body: raw(Method::POST, "/api/wishes", JSON, &vec![b' '; 20 * 1024], 413, "太长");
    oversized_form: raw(Method::POST, "/api/wishes", FORM, &vec![b'a'; 17 * 1024], 413, "太长");
    invalid_utf_8_in_json: raw(Method::POST, "/api/orders", JSON, b"{\"name\": \"\xff\xfe\"}", 400, "UTF-8");
    lone_surrogate_in_json: raw(Method::POST, "/api/wishes", JSON, br#"{"text": "\ud800 hello world", "township": "nanyu"}"#, 400, "JSON");
    invalid_utf_8_in_a_form: raw(Method::POST, "/api/orders", FORM, b"name=%FF%FE&phone=1", 400, "UTF-8");
    raw_invalid_utf_8_in_a_form: raw(Method::POST, "/api/wishes", FORM, b"text=\xc3\x28", 400, "UTF-8");
    broken_percent_escape: raw(Method::POST, "/api/orders", FORM, b"name=%E5%B", 400, "编码有误");
    phone_too_short: case("/api/orders", order_with("phone", json!("1380013800")), 422, "11 位");
    phone_with_letters: case("/api/orders", order_with("phone", json!("138-abcd-8000")), 422, "只能填数字");
    landline_is_not_a_mobile: case("/api/orders", order_with("phone", json!("05912203618")), 422, "手机号码");
    foreign_phone: case("/api/orders", order_with("phone", json!("+852 9123 4567")), 422, "中国大陆");
    unknown_program: case("/api/orders", order_with("program", json!("no-such-show")), 422, "没有找到这个节目");
    program_id_not_a_slug: case("/api/orders", order_with("program", json!("闽剧")), 422, "没有找到这个节目");
    unknown_township: case("/api/orders", order_with("township", json!("atlantis")), 422, "没有找到这个乡镇");
    program_not_orderable: case("/api/orders", order_with("program", json!("shifan-old")), 409, "暂停点单");
    empty_name: case("/api/orders", order_with("name", json!("   ")), 422, "请填写姓名");
    overlong_chinese_name: case("/api/orders", order_with("name", json!("张".repeat(21))), 422, "最多 20 个字");
    name_on_two_lines: case("/api/orders", order_with("name", json!("张\n三")), 422, "一行");
    overlong_note: case("/api/orders", order_with("note", json!("戏".repeat(201))), 422, "最多 200 个字");
    missing_fields: case("/api/orders", json!({}), 422, "请选择节目");
    unknown_json_field: case("/api/orders", order_with("admin", json!(true)), 422, "不认识这个字段");
    field_of_the_wrong_type: case("/api/orders", order_with("name", json!(["张"])), 422, "文字或数字");
    honeypot_filled: case("/api/orders", order_with("website", json!("http://spam.example")), 422, "留空");
    unknown_lecturer: case("/api/nominations", json!({"lecturer": "nobody", "township": "nanyu", "name": "李", "phone": PHONE}), 422, "没有找到这个讲师");
    closed_course_window: case("/api/registrations", registration_with("course", json!("spring-calligraphy")), 409, "截止");
    course_not_yet_open: case("/api/registrations", registration_with("course", json!("autumn-dance")), 409, "还没有开始");
    unknown_course: case("/api/registrations", registration_with("course", json!("rocket-science")), 422, "没有找到这个课程");
    child_too_young: case("/api/registrations", registration_with("child_age", json!(5)), 422, "7 到 12 岁");
    child_age_not_a_number: case("/api/registrations", registration_with("child_age", json!("eight")), 422, "数字");
    child_age_absurd: case("/api/registrations", registration_with("child_age", json!(250)), 422, "0 到 18");
    missing_child_name: case("/api/registrations", registration_with("child_name", json!(null)), 422, "请填写孩子姓名");
    missing_wish_text: case("/api/wishes", json!({"township": "nanyu"}), 422, "请填写诉求内容");
    wish_text_too_short: case("/api/wishes", wish("修路"), 422, "至少要写 5 个字");
    wish_text_too_long: case("/api/wishes", wish(&"戏".repeat(501)), 422, "最多 500 个字");
    notify_without_a_phone: case("/api/wishes", json!({"text": "希望多演闽剧", "township": "nanyu", "notify": true}), 422, "请留下手机号码");
    notify_neither_ticked_nor_not: case("/api/orders", order_with("notify", json!("maybe")), 422, "请勾选或不勾选");
    wish_with_a_bad_phone: case("/api/wishes", json!({"text": "希望多演闽剧", "township": "nanyu", "phone": "123"}), 422, "11 位");
    zero_stars: case("/api/ratings", rating(PAST, json!(0)), 422, "1 到 5");
    six_stars: case("/api/ratings", rating(PAST, json!(6)), 422, "1 到 5");
    fractional_stars: case("/api/ratings", rating(PAST, json!(4.5)), 422, "数字");
    unknown_slot: case("/api/ratings", rating("2026-01-01-nowhere-stage", json!(5)), 422, "没有找到这个场次");
    rating_a_slot_not_yet_held: case("/api/ratings", rating("2026-07-11-nanyu-stage", json!(5)), 409, "还没有举行");
    overlong_comment: case("/api/ratings", json!({"slot": PAST, "phone": PHONE, "stars": 5, "comment": "好".repeat(301)}), 422, "最多 300 个字");
    withdraw_from_an_unknown_lecturer: raw(Method::DELETE, "/api/nominations/nobody", JSON, br#"{"phone": "13800138000"}"#, 404, "没有找到这位讲师");
    withdraw_with_a_bad_lecturer_path: raw(Method::DELETE, "/api/nominations/%E6%9E%97", JSON, br#"{"phone": "13800138000"}"#, 404, "没有找到这位讲师");
    withdraw_what_was_never_given: raw(Method::DELETE, "/api/nominations/lin-xiuying", JSON, br#"{"phone": "13900139000"}"#, 404, "链接无效");
    withdraw_without_a_phone: raw(Method::DELETE, "/api/nominations/lin-xiuying", JSON, b"{}", 422, "请填写手机号码");
    cancel_with_a_wrong_token: raw(Method::POST, "/api/registrations/{code}/cancel?token=00000000000000000000000000000000", None, b"", 404, "链接不完整");
    cancel_with_a_malformed_token: raw(Method::POST, "/api/registrations/{code}/cancel?token=xyz", None, b"", 404, "链接不完整");
    cancel_without_a_token: raw(Method::POST, "/api/registrations/{code}/cancel", None, b"", 404, "链接不完整");
    cancel_an_unknown_code: raw(Method::POST, "/api/registrations/ZZZZZZ/cancel?token=00000000000000000000000000000000", None, b"", 404, "链接不完整");
    cancel_a_malformed_code: raw(Method::POST, "/api/registrations/not-a-code/cancel?token=00000000000000000000000000000000", None, b"", 404, "链接不完整");
    cancel_with_a_text_body: raw(Method::POST, "/api/registrations/{code}/cancel", Some("text/plain"), b"token", 415, "不支持");
    status_with_a_wrong_token: raw(Method::GET, "/api/registrations/{code}?token=00000000000000000000000000000000", None, b"", 404, "链接不完整");
    status_of_an_unknown_code: raw(Method::GET, "/api/registrations/ZZZZZZ?token=00000000000000000000000000000000", None, b"", 404, "链接不完整");
    form_with_mistakes: raw(Method::POST, "/api/orders", FORM, b"program=minju-chenjinggu&township=nanyu&name=&phone=123", 422, "role=\"alert\"");
    receipt_for_an_unknown_program: raw(Method::GET, "/api/orders/receipt?program=nope&township=nanyu", None, b"", 404, "没有找到");
}

/// One real registration, so token cases have a code to aim at.
async fn registered_code(app: &App) -> String {
    let answer = app
        .post_json("/api/registrations", registration("13900000001", "张小明"))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.json()["code"].as_str().expect("a code").to_owned()
}

/// Sends the case to a fresh app (with one registration to aim token cases at) and checks
/// the exact status, the words, and that the answer speaks the client's language.
async fn check(name: &str, c: Case) {
    let app = app();
    let code = registered_code(&app).await;
    let uri = c.uri.replace("{code}", &code);
    let answer = app
        .send(request(c.method.clone(), &uri, c.content_type, c.body))
        .await;
    assert_eq!(answer.status.as_u16(), c.status, "{name}: {}", answer.body);
    assert!(
        answer.body.contains(c.says),
        "{name}: expected {:?} in {}",
        c.says,
        answer.body
    );
    if c.content_type == JSON {
        assert_eq!(answer.content_type(), "application/problem+json", "{name}");
    } else if c.content_type == FORM {
        assert!(answer.content_type().starts_with("text/html"), "{name}");
    }
}

#[tokio::test]
async fn problems_follow_rfc_9457_with_field_errors() {
    let app = app();
    let answer = app.post_json("/api/orders", json!({ "phone": "12" })).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["type"], "urn:diandan:problem:validation");
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    let fields: Vec<&str> = (problem["errors"].as_array().expect("errors").iter())
        .map(|e| e["field"].as_str().expect("a field"))
        .collect();
    assert_eq!(fields, ["program", "township", "name", "phone"]);
}

#[tokio::test]
async fn a_form_with_mistakes_is_shown_again_with_what_was_typed() {
    let app = app();
    let body = encode(&[
        ("program", "minju-chenjinggu"),
        ("township", "nanyu"),
        ("name", &"张".repeat(21)),
        ("phone", PHONE),
        ("note", "<script>alert(1)</script>"),
    ]);
    let answer = app.post_form("/api/orders", &body).await;
    assert_eq!(answer.status, 422);
    assert!(answer.content_type().starts_with("text/html"));
    let html = &answer.body;
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("<a href=\"#field-name\">姓名最多 20 个字"));
    assert!(
        html.contains(&format!("value=\"{}\"", "张".repeat(21))),
        "the name is kept"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the note is kept, escaped"
    );
    assert!(!html.contains("<script>"));
    assert!(html.contains("<option value=\"nanyu\" selected>"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("aria-describedby=\"field-name-error\""));
    assert!(
        html.contains("手机号码不会显示在页面上"),
        "says why the phone is blank"
    );
    assert!(html.contains("/assets/site.css"));
}

#[tokio::test]
async fn closed_items_in_a_form_get_a_page_that_says_so() {
    let app = app();
    let body = encode(&[
        ("course", "spring-calligraphy"),
        ("child_name", "王小明"),
        ("child_age", "9"),
        ("guardian_name", "王芳"),
        ("phone", PHONE),
    ]);
    let answer = app.post_form("/api/registrations", &body).await;
    assert_eq!(answer.status, 409);
    assert!(answer.body.contains("报名已经截止"));
    assert!(answer.content_type().starts_with("text/html"));
}

#[tokio::test]
async fn wrong_methods_are_refused_without_panic() {
    let app = app();
    let answer = app
        .send(request(Method::GET, "/api/orders", None, Vec::new()))
        .await;
    assert_eq!(answer.status, 405);
    let answer = app
        .send(request(Method::PUT, "/api/tallies", None, Vec::new()))
        .await;
    assert_eq!(answer.status, 405);
}
