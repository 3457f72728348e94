//! Village helpers without JavaScript: a plain login form leads to the helper's start page,
//! each kind of submission is a server-rendered form with the helper's township chosen, a
//! mistake shows the form again, a submission answers with a printable receipt; and what
//! staff see of each helper's submissions.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use diandan_functions::domain::Role;

use super::accounts::{add, cookie, paper_order, with_cookie, ORIGIN, PASSWORD};
use super::support::{app, app_configured, Answer, App, TOKEN};

/// A plain HTML form's post, from the site's own page.
fn form_post(uri: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut r = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(body.to_owned())).unwrap()
}

async fn page(app: &App, uri: &str, cookie: &str) -> Answer {
    app.send(with_cookie(Method::GET, uri, cookie, None)).await
}

#[tokio::test]
async fn a_plain_login_form_leads_to_the_start_page_and_a_wrong_password_shows_it_again() {
    let app = app();
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    add(&app, "chen", Role::Staff, &[]).await;
    let body = format!("account=lin&password={PASSWORD}");
    let answer = app.send(form_post("/api/staff/login", None, &body)).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header(header::LOCATION), "/api/helper/home");
    assert!(answer.header(header::SET_COOKIE).contains("HttpOnly"));
    let staff = format!("account=chen&password={PASSWORD}");
    let answer = app.send(form_post("/api/staff/login", None, &staff)).await;
    assert!(answer
        .header(header::LOCATION)
        .ends_with("/assets/admin.html"));

    let wrong = app
        .send(form_post(
            "/api/staff/login",
            None,
            "account=lin&password=nope-nope-nope",
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(wrong.body.contains("账号或密码不正确"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"lin\""), "the account is kept");
    assert!(
        !wrong.body.contains("nope-nope"),
        "the password never comes back"
    );
    assert!(wrong.header(header::SET_COOKIE).is_empty());
}

#[tokio::test]
async fn without_a_session_the_pages_point_to_the_login() {
    let app = app();
    for uri in ["/api/helper/home", "/api/helper/forms/orders"] {
        let r = Request::get(uri).body(Body::empty()).unwrap();
        let answer = app.send(r).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(
            answer.body.contains("/assets/helper.html"),
            "{}",
            answer.body
        );
    }
    let post = app
        .send(form_post("/api/helper/orders", None, "channel=paper"))
        .await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
    assert!(post.header(header::CONTENT_TYPE).starts_with("text/html"));
}

#[tokio::test]
async fn a_helper_without_javascript_submits_through_forms_and_gets_a_receipt() {
    let app = app();
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    let jar = cookie(&app, "lin").await;
    let home = page(&app, "/api/helper/home", &jar).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("南屿镇"), "{}", home.body);
    for kind in [
        "orders",
        "nominations",
        "registrations",
        "ratings",
        "wishes",
    ] {
        assert!(home.body.contains(&format!("/api/helper/forms/{kind}")));
        let form = page(&app, &format!("/api/helper/forms/{kind}"), &jar).await;
        assert_eq!(form.status, StatusCode::OK, "{kind}");
        assert!(form
            .body
            .contains(&format!("action=\"/api/helper/{kind}\"")));
        assert!(
            form.body.contains("<option value=\"nanyu\" selected>"),
            "{kind}"
        );
        assert!(!form.body.contains("ganzhe"), "only the helper's townships");
    }
    let unknown = page(&app, "/api/helper/forms/parties", &jar).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let mistake = "channel=paper&township=nanyu&program=minju-chenjinggu&name=%E9%99%88&phone=12";
    let again = app
        .send(form_post("/api/helper/orders", Some(&jar), mistake))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("href=\"#field-phone\""),
        "{}",
        again.body
    );
    assert!(again.body.contains("action=\"/api/helper/orders\""));

    let good = "channel=visit&township=nanyu&program=minju-chenjinggu&name=%E9%99%88%E9%98%BF%E5%A9%86&phone=13800000001";
    let receipt = app
        .send(form_post("/api/helper/orders", Some(&jar), good))
        .await;
    assert_eq!(receipt.status, StatusCode::CREATED, "{}", receipt.body);
    assert!(receipt.body.contains("代办回执"));
    assert!(receipt.body.contains("/api/helper/forms/orders"));
    let home = page(&app, "/api/helper/home", &jar).await;
    assert!(home.body.contains("上门代办"), "the start page lists it");

    let out = app
        .send(form_post("/api/staff/logout", Some(&jar), ""))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out
        .header(header::LOCATION)
        .ends_with("/assets/helper.html"));
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
}

#[tokio::test]
async fn staff_see_each_helpers_submissions_and_the_cap_says_when_to_come_back() {
    let app = app_configured(Some(TOKEN), |s| s.with_helper_daily_cap(1));
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    add(&app, "wu", Role::Helper, &["ganzhe"]).await;
    let jar = cookie(&app, "lin").await;
    let me = page(&app, "/api/staff/me", &jar).await;
    assert_eq!(me.json()["today"], "2026-07-01");
    let mut statuses = Vec::new();
    for phone in ["13800000001", "13800000002"] {
        let order = Some(paper_order("nanyu", phone));
        let answer = app
            .send(with_cookie(Method::POST, "/api/helper/orders", &jar, order))
            .await;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            // 2026-07-01 10:00 China time: 14 hours to midnight.
            assert_eq!(answer.header(header::RETRY_AFTER), "50400");
        }
    }
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::TOO_MANY_REQUESTS]
    );

    let seen = app.admin(Method::GET, "/api/admin/helpers", None).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    let seen = seen.json();
    assert_eq!(seen["daily_cap"], 1);
    let helpers = seen["helpers"].as_array().unwrap();
    assert_eq!(helpers.len(), 2);
    assert_eq!(helpers[0]["account"], "lin");
    assert_eq!(helpers[0]["today"], 1);
    assert_eq!(helpers[0]["submissions"][0]["action"], "proxy-order");
    assert_eq!(helpers[1]["today"], 0);
    let by_helper = page(&app, "/api/admin/helpers", &jar).await;
    assert_eq!(by_helper.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        json!(helpers[0]["submissions"].as_array().unwrap().len()),
        json!(1)
    );
}
