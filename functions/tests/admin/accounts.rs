//! Staff accounts through the router: logging in, what each role's cookie may reach, the
//! wrong-password limit, a disabled account's live session, and village helpers' proxy
//! submissions for their own townships only, under a daily cap, named in the log.

use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use diandan_functions::domain::{Password, PasswordHash, Role};
use diandan_functions::store::Account;

use super::guard::routes as staff_routes;
use super::support::{app, app_configured, request, Answer, App, TOKEN};

pub(super) const ORIGIN: &str = "https://diandan.example";
pub(super) const PASSWORD: &str = "village-stage-2026";

pub(super) async fn add(app: &App, name: &str, role: Role, townships: &[&str]) {
    let password = Password::parse(PASSWORD).unwrap();
    let townships = townships.iter().map(|t| t.parse().unwrap()).collect();
    let account = Account::new(
        name.parse().unwrap(),
        role,
        townships,
        PasswordHash::create(&password).unwrap(),
        chrono::Utc::now().fixed_offset(),
    );
    app.store.create_account(account).await.unwrap();
}

pub(super) async fn login_as(app: &App, name: &str, password: &str) -> Answer {
    let body = json!({ "account": name, "password": password });
    let r = request(Method::POST, "/api/staff/login", None, Some(body));
    app.send(r).await
}

/// Logs in and returns the `Cookie` header value to send back.
pub(super) async fn cookie(app: &App, name: &str) -> String {
    let answer = login_as(app, name, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let set = answer.header(header::SET_COOKIE);
    set.split(';').next().unwrap().to_owned()
}

/// A request carrying a session cookie, from the site's own pages.
pub(super) fn with_cookie(
    method: Method,
    uri: &str,
    cookie: &str,
    body: Option<serde_json::Value>,
) -> Request<axum::body::Body> {
    let mut r = request(method, uri, None, body);
    r.headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    r.headers_mut()
        .insert(header::ORIGIN, ORIGIN.parse().unwrap());
    r
}

pub(super) fn paper_order(township: &str, phone: &str) -> serde_json::Value {
    json!({
        "channel": "paper", "program": "minju-chenjinggu", "township": township,
        "name": "陈阿婆", "phone": phone,
    })
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_me_names_the_account() {
    let app = app();
    add(&app, "lin-xiaomei", Role::Helper, &["nanyu"]).await;
    let answer = login_as(&app, "lin-xiaomei", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["role"], "helper");
    let set = answer.header(header::SET_COOKIE).to_owned();
    for part in [
        "diandan_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api",
        "Secure",
    ] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!answer.body.contains("argon2"), "no hash in the answer");
    let jar = set.split(';').next().unwrap().to_owned();
    let me = app
        .send(with_cookie(Method::GET, "/api/staff/me", &jar, None))
        .await;
    assert_eq!(me.json()["account"], "lin-xiaomei");
    assert_eq!(me.json()["townships"], json!(["nanyu"]));

    let wrong = login_as(&app, "lin-xiaomei", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header(header::SET_COOKIE).is_empty());
    let nobody = login_as(&app, "nobody", PASSWORD).await;
    assert_eq!(
        nobody.body, wrong.body,
        "unknown names answer like wrong passwords"
    );
}

#[tokio::test]
async fn a_helper_submits_for_their_township_only_and_the_log_names_them() {
    let app = app();
    add(&app, "lin-xiaomei", Role::Helper, &["nanyu"]).await;
    let jar = cookie(&app, "lin-xiaomei").await;
    let order = paper_order("nanyu", "13800000001");
    let answer = app
        .send(with_cookie(
            Method::POST,
            "/api/helper/orders",
            &jar,
            Some(order),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.json()["township_count"], 1);
    let tallies = app.store.tallies(&Default::default()).await.unwrap();
    let program = "minju-chenjinggu".parse().unwrap();
    assert_eq!(
        tallies.programs[&program].total, 1,
        "counted as the resident's"
    );

    // The same resident again, now on the public form: one per person still holds.
    let again = json!({"program": "minju-chenjinggu", "township": "nanyu", "name": "陈阿婆", "phone": "13800000001"});
    let public = app.public("/api/orders", again).await;
    assert_eq!(public.status, StatusCode::CREATED, "{}", public.body);
    let tallies = app.store.tallies(&Default::default()).await.unwrap();
    assert_eq!(
        tallies.programs[&program].total, 1,
        "a repeat counts nothing"
    );

    let elsewhere = paper_order("ganzhe", "13800000002");
    let refused = app
        .send(with_cookie(
            Method::POST,
            "/api/helper/orders",
            &jar,
            Some(elsewhere),
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["errors"][0]["field"], "township");
    let tallies = app.store.tallies(&Default::default()).await.unwrap();
    assert_eq!(
        tallies.programs[&program].total, 1,
        "nothing counted for ganzhe"
    );

    let log = app.store.actions_by("lin-xiaomei", 10).await.unwrap();
    let proxies: Vec<_> = log.iter().filter(|a| a.action == "proxy-order").collect();
    assert_eq!(proxies.len(), 1);
    assert!(
        proxies[0].detail.contains("纸质登记"),
        "{}",
        proxies[0].detail
    );
    assert!(!proxies[0].detail.contains("陈阿婆"), "the name is masked");
    let mine = app
        .send(with_cookie(
            Method::GET,
            "/api/helper/submissions",
            &jar,
            None,
        ))
        .await;
    assert_eq!(mine.json()["submissions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_kind_of_proxy_submission_is_taken() {
    let app = app();
    add(&app, "wu", Role::Helper, &["nanyu", "ganzhe"]).await;
    let jar = cookie(&app, "wu").await;
    let posts = [
        (
            "/api/helper/nominations",
            json!({"channel": "phone", "lecturer": "lin-xiuying", "township": "ganzhe", "name": "王伯", "phone": "13800000011"}),
        ),
        (
            "/api/helper/wishes",
            json!({"channel": "visit", "text": "希望多演几场闽剧", "township": "nanyu", "name": "王伯"}),
        ),
        (
            "/api/helper/registrations",
            json!({"channel": "paper", "course": "summer-papercut", "township": "nanyu", "child_name": "王小明", "child_age": 9, "guardian_name": "王伯", "phone": "13800000011"}),
        ),
        (
            "/api/helper/ratings",
            json!({"channel": "visit", "slot": "2026-06-20-nanyu-stage", "township": "nanyu", "phone": "13800000011", "stars": 5}),
        ),
    ];
    for (uri, body) in posts {
        let answer = app
            .send(with_cookie(Method::POST, uri, &jar, Some(body)))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{uri}: {}", answer.body);
        assert!(answer.json()["receipt"]
            .as_array()
            .is_some_and(|r| !r.is_empty()));
    }
    let rows = app.store.export_registrations().await.unwrap();
    assert_eq!(rows.len(), 1);
    let no_channel = json!({"lecturer": "chen-ming", "township": "nanyu", "name": "王伯", "phone": "13800000011"});
    let answer = app
        .send(with_cookie(
            Method::POST,
            "/api/helper/nominations",
            &jar,
            Some(no_channel),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.json()["errors"][0]["field"], "channel");
}

#[tokio::test]
async fn a_helpers_cookie_gets_401_on_every_admin_route() {
    let app = app();
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    let jar = cookie(&app, "lin").await;
    let mut all = staff_routes();
    all.push((Method::GET, "/api/admin/accounts", None));
    all.push((Method::POST, "/api/admin/accounts/lin/disable", None));
    for (method, uri, body) in all {
        let answer = app.send(with_cookie(method.clone(), uri, &jar, body)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    assert!(app
        .store
        .account(&"lin".parse().unwrap())
        .await
        .unwrap()
        .is_enabled());
}

#[tokio::test]
async fn a_staff_cookie_gets_the_staff_routes_but_not_the_accounts() {
    let app = app();
    add(&app, "chen", Role::Staff, &[]).await;
    let jar = cookie(&app, "chen").await;
    for (method, uri, body) in staff_routes() {
        let answer = app.send(with_cookie(method.clone(), uri, &jar, body)).await;
        assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(answer.header(header::CACHE_CONTROL), "no-store");
    }
    let accounts = app
        .send(with_cookie(Method::GET, "/api/admin/accounts", &jar, None))
        .await;
    assert_eq!(accounts.status, StatusCode::UNAUTHORIZED);
    let helper = app
        .send(with_cookie(
            Method::POST,
            "/api/helper/orders",
            &jar,
            Some(paper_order("nanyu", "13800000001")),
        ))
        .await;
    assert_eq!(
        helper.status,
        StatusCode::UNAUTHORIZED,
        "staff are not helpers"
    );

    let reply = json!({ "reply": "好的" });
    app.send(with_cookie(
        Method::POST,
        "/api/admin/wishes/1/hide",
        &jar,
        None,
    ))
    .await;
    app.send(with_cookie(
        Method::POST,
        "/api/admin/wishes/1/reply",
        &jar,
        Some(reply),
    ))
    .await;
    let log = app
        .admin(Method::GET, "/api/admin/log?actor=chen", None)
        .await;
    let actions = log.json()["actions"].as_array().unwrap().clone();
    assert!(actions.iter().all(|a| a["actor"] == "chen"));
    assert!(actions.iter().any(|a| a["action"] == "login"));
    app.admin(Method::GET, "/api/admin/export/orders.csv", None)
        .await;
    let all = app.store.actions(1).await.unwrap();
    assert_eq!(all[0].actor, "token", "the bearer is logged as token");
}

#[tokio::test]
async fn cookie_writes_from_another_site_are_refused() {
    let app = app();
    add(&app, "chen", Role::Staff, &[]).await;
    let jar = cookie(&app, "chen").await;
    for origin in [Some("https://evil.example"), None] {
        let mut r = with_cookie(Method::POST, "/api/admin/plan?apply=true", &jar, None);
        match origin {
            Some(o) => r.headers_mut().insert(header::ORIGIN, o.parse().unwrap()),
            None => r.headers_mut().remove(header::ORIGIN),
        };
        let answer = app.send(r).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{origin:?}");
    }
    assert!(app.store.assignments().await.unwrap().is_empty());
}

#[tokio::test]
async fn twelve_wrong_passwords_in_a_row_get_a_429() {
    let app = app();
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let answer = login_as(&app, "lin", &format!("guess-number-{i}")).await;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            let retry: i64 = answer.header(header::RETRY_AFTER).parse().unwrap();
            assert!((1..=900).contains(&retry), "{retry}");
        }
    }
    assert_eq!(statuses[..10], [StatusCode::UNAUTHORIZED; 10]);
    assert_eq!(statuses[10..], [StatusCode::TOO_MANY_REQUESTS; 2]);
    let right = login_as(&app, "lin", PASSWORD).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even for the right one"
    );
}

#[tokio::test]
async fn a_disabled_accounts_live_session_stops_at_once() {
    let app = app();
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    add(&app, "boss", Role::Admin, &[]).await;
    let helper = cookie(&app, "lin").await;
    let admin = cookie(&app, "boss").await;
    let ok = app
        .send(with_cookie(
            Method::GET,
            "/api/helper/submissions",
            &helper,
            None,
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let off = app
        .send(with_cookie(
            Method::POST,
            "/api/admin/accounts/lin/disable",
            &admin,
            None,
        ))
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let after = app
        .send(with_cookie(
            Method::POST,
            "/api/helper/orders",
            &helper,
            Some(paper_order("nanyu", "13800000001")),
        ))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login_as(&app, "lin", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let log = app.store.actions_by("boss", 10).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].subject.as_str()),
        ("account-disable", "lin")
    );
}

#[tokio::test]
async fn an_admin_adds_and_resets_accounts_and_logout_ends_the_session() {
    let app = app();
    add(&app, "boss", Role::Admin, &[]).await;
    let admin = cookie(&app, "boss").await;
    let new = json!({"account": "zheng", "role": "helper", "townships": "nanyu,ganzhe", "password": "first-password-1"});
    let added = app
        .send(with_cookie(
            Method::POST,
            "/api/admin/accounts",
            &admin,
            Some(new.clone()),
        ))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert!(!added.body.contains("first-password"));
    let twice = app
        .send(with_cookie(
            Method::POST,
            "/api/admin/accounts",
            &admin,
            Some(new),
        ))
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad =
        json!({"account": "x-1", "role": "helper", "townships": "atlantis", "password": "short"});
    let refused = app
        .send(with_cookie(
            Method::POST,
            "/api/admin/accounts",
            &admin,
            Some(bad),
        ))
        .await;
    let fields: Vec<_> = (refused.json()["errors"].as_array().unwrap().iter())
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["townships", "townships", "password"]);

    let zheng = login_as(&app, "zheng", "first-password-1").await;
    let zheng = zheng
        .header(header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let reset = json!({"password": "second-password-2"});
    app.send(with_cookie(
        Method::POST,
        "/api/admin/accounts/zheng/password",
        &admin,
        Some(reset),
    ))
    .await;
    let me = app
        .send(with_cookie(Method::GET, "/api/staff/me", &zheng, None))
        .await;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "a reset ends the old session"
    );
    assert_eq!(
        login_as(&app, "zheng", "second-password-2").await.status,
        StatusCode::OK
    );

    let out = app
        .send(with_cookie(Method::POST, "/api/staff/logout", &admin, None))
        .await;
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    let gone = app
        .send(with_cookie(
            Method::GET,
            "/api/admin/accounts",
            &admin,
            None,
        ))
        .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    let listed = app.admin(Method::GET, "/api/admin/accounts", None).await;
    assert_eq!(listed.json()["accounts"].as_array().unwrap().len(), 2);
    assert!(!listed.body.contains("argon2"));
}

#[tokio::test]
async fn a_helpers_daily_cap_holds() {
    let app = app_configured(Some(TOKEN), |s| s.with_helper_daily_cap(2));
    add(&app, "lin", Role::Helper, &["nanyu"]).await;
    let jar = cookie(&app, "lin").await;
    let mut statuses = Vec::new();
    for i in 1..=3 {
        let order = paper_order("nanyu", &format!("1380000000{i}"));
        let answer = app
            .send(with_cookie(
                Method::POST,
                "/api/helper/orders",
                &jar,
                Some(order),
            ))
            .await;
        statuses.push(answer.status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let tallies = app.store.tallies(&Default::default()).await.unwrap();
    let program = "minju-chenjinggu".parse().unwrap();
    assert_eq!(tallies.programs[&program].total, 2);
}
