//! Attacks a determined resident or a stranger would try, played through the router: each
//! test does what the attacker would and checks that it gains nothing.

use std::net::IpAddr;

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::support::{app_with, App};
use diandan_functions::api::{ClientAddr, Limits, Rule};

fn limits(per_client: &str, per_person: &str) -> Limits {
    Limits {
        per_client: Rule::parse(per_client).unwrap(),
        per_person: Rule::parse(per_person).unwrap(),
        ..Limits::default()
    }
}

fn from(ip: &str, method: Method, uri: &str) -> axum::http::Request<axum::body::Body> {
    let mut r = super::support::request(method, uri, None, Vec::new());
    let ip: IpAddr = ip.parse().unwrap();
    r.extensions_mut().insert(ClientAddr(ip));
    r
}

/// The same number written as a JSON number must count against the same person.
#[tokio::test]
async fn a_phone_sent_as_a_json_number_is_limited_like_the_same_phone_as_text() {
    let app = app_with(|s| s.with_limits(limits("off", "2/1h")));
    let order = |program: &str, phone: serde_json::Value| json!({ "program": program, "township": "nanyu", "name": "张三", "phone": phone });
    for program in ["minju-chenjinggu", "pinghua-linzexu"] {
        let ok = app
            .post_json("/api/orders", order(program, json!("13900139000")))
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    }
    let nominate = |phone: serde_json::Value| json!({ "lecturer": "chen-ming", "township": "nanyu", "name": "张三", "phone": phone });
    for phone in [json!(13900139000u64), json!(8613900139000u64)] {
        let sneaky = app.post_json("/api/nominations", nominate(phone)).await;
        assert_eq!(
            sneaky.status,
            StatusCode::TOO_MANY_REQUESTS,
            "the number as a JSON number slipped past: {}",
            sneaky.body
        );
    }
    let t = app.get_json("/api/tallies").await.json();
    assert_eq!(t["lecturers"]["chen-ming"]["nominations"], 0);
}

async fn status_of(app: &App, ip: &str, uri: &str) -> (StatusCode, String) {
    let answer = app.send(from(ip, Method::GET, uri)).await;
    (answer.status, answer.body)
}

/// A wrong token on a real code must look exactly like a code that does not exist.
#[tokio::test]
async fn a_wrong_cancel_token_does_not_confirm_that_a_code_exists() {
    let app = app_with(|s| s.with_limits(limits("off", "off")));
    let made = app
        .post_json(
            "/api/registrations",
            super::support::registration("13900139001", "小明"),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let code = made.json()["code"].as_str().unwrap().to_owned();
    let unknown = if code == "ZZZZZZ" { "YYYYYY" } else { "ZZZZZZ" };
    let wrong = "0".repeat(32);
    for (real, fake) in [
        (
            format!("/api/registrations/{code}?token={wrong}"),
            format!("/api/registrations/{unknown}?token={wrong}"),
        ),
        (
            format!("/api/registrations/{code}/cancel?token={wrong}"),
            format!("/api/registrations/{unknown}/cancel?token={wrong}"),
        ),
        (
            format!("/api/registrations/{code}?token=short"),
            format!("/api/registrations/{unknown}?token=short"),
        ),
        (
            format!("/api/registrations/{code}"),
            format!("/api/registrations/{unknown}"),
        ),
    ] {
        for json in [false, true] {
            let get = |uri: &str| {
                let mut r = super::support::request(Method::GET, uri, None, Vec::new());
                if json {
                    r.headers_mut()
                        .insert("accept", "application/json".parse().unwrap());
                }
                r
            };
            let a = app.send(get(&real)).await;
            let b = app.send(get(&fake)).await;
            assert_eq!((a.status, &a.body), (b.status, &b.body), "{real} vs {fake}");
            assert_eq!(a.status, StatusCode::NOT_FOUND);
        }
    }
    for token in [json!(wrong), json!("short"), json!(null)] {
        let body = json!({ "token": token });
        let a = app
            .post_json(&format!("/api/registrations/{code}/cancel"), body.clone())
            .await;
        let b = app
            .post_json(&format!("/api/registrations/{unknown}/cancel"), body)
            .await;
        assert_eq!(
            (a.status, &a.body),
            (b.status, &b.body),
            "cancel with {token}"
        );
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    let still = app
        .get_json(&format!(
            "/api/registrations/{code}?token={}",
            made.json()["cancel_url"]
                .as_str()
                .unwrap()
                .rsplit('=')
                .next()
                .unwrap()
        ))
        .await;
    assert_eq!(still.json()["status"], "confirmed");
}

/// Guessing codes from one address runs into the per-client limit, on every look-up route.
#[tokio::test]
async fn guessing_registration_codes_is_rate_limited_per_client() {
    let app = app_with(|s| s.with_limits(limits("3/10m", "off")));
    let token = "0".repeat(32);
    let guesses = [
        format!("/api/registrations/ABCDEF?token={token}"),
        format!("/api/registrations/ABCDEG/cancel?token={token}"),
        format!("/api/registrations/ABCDEH?token={token}"),
    ];
    for uri in &guesses {
        assert_eq!(
            status_of(&app, "198.51.100.9", uri).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let (status, body) = status_of(&app, "198.51.100.9", &guesses[0]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let cancel = from(
        "198.51.100.9",
        Method::POST,
        &format!("/api/registrations/ABCDEJ/cancel?token={token}"),
    );
    assert_eq!(app.send(cancel).await.status, StatusCode::TOO_MANY_REQUESTS);
    let other = status_of(&app, "198.51.100.10", &guesses[0]).await.0;
    assert_eq!(
        other,
        StatusCode::NOT_FOUND,
        "another client is not limited"
    );
    for _ in 0..5 {
        let t = app
            .send(from("198.51.100.9", Method::GET, "/api/tallies"))
            .await;
        assert_eq!(t.status, StatusCode::OK, "reading counts is never limited");
    }
}

/// One client behind an IPv6-speaking proxy must not exhaust the bucket of every IPv4 client.
#[tokio::test]
async fn ipv4_clients_written_as_ipv6_are_limited_one_by_one() {
    let app = app_with(|s| s.with_limits(limits("2/10m", "off")));
    let order = |i: u32| {
        let phone = format!("1390013{i:04}");
        super::support::json(
            Method::POST,
            "/api/orders",
            &json!({ "program": "minju-chenjinggu", "township": "nanyu", "name": "张三", "phone": phone }),
        )
    };
    for i in 0..3 {
        let mut r = order(i);
        r.extensions_mut()
            .insert(ClientAddr("::ffff:192.0.2.1".parse().unwrap()));
        app.send(r).await;
    }
    let mut neighbour = order(10);
    neighbour
        .extensions_mut()
        .insert(ClientAddr("::ffff:192.0.2.2".parse().unwrap()));
    let answer = app.send(neighbour).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let mut same = order(11);
    same.extensions_mut()
        .insert(ClientAddr("192.0.2.1".parse().unwrap()));
    let answer = app.send(same).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the plain IPv4 form is the same client"
    );
}

/// The names of a JSON answer's fields, and its status: what a stranger can compare.
fn shape(answer: &super::support::Answer) -> (StatusCode, Vec<String>) {
    let keys = answer.json().as_object().unwrap().keys().cloned().collect();
    (answer.status, keys)
}

/// A request body for a phone number.
type Body = dyn Fn(&str) -> serde_json::Value;

/// A stranger who knows a resident's number submits with it: the answer must be the one a
/// number that never took part gets, for orders, nominations and ratings alike.
#[tokio::test]
async fn a_stranger_cannot_tell_whether_a_number_took_part() {
    let app = app_with(|s| s.with_limits(limits("off", "off")));
    let (resident, fresh) = ("13900139002", "13900139003");
    let order = |phone: &str| super::support::order(phone);
    let nominate = |phone: &str| json!({ "lecturer": "lin-xiuying", "township": "nanyu", "name": "张三", "phone": phone });
    let rate =
        |phone: &str| json!({ "slot": "2026-06-20-nanyu-stage", "phone": phone, "stars": 4 });
    let cases: [(&str, &Body); 3] = [
        ("/api/orders", &order),
        ("/api/nominations", &nominate),
        ("/api/ratings", &rate),
    ];
    for (uri, body) in cases {
        let real = app.post_json(uri, body(resident)).await;
        assert_eq!(real.status, StatusCode::CREATED, "{}", real.body);
        let stranger = app.post_json(uri, body(resident)).await;
        let first_timer = app.post_json(uri, body(fresh)).await;
        assert_eq!(
            shape(&stranger),
            shape(&first_timer),
            "{uri}: {}",
            stranger.body
        );
        assert!(
            !stranger.body.contains("duplicate"),
            "{uri}: {}",
            stranger.body
        );
    }
    let form = super::support::encode(&[
        ("program", "pinghua-linzexu"),
        ("township", "nanyu"),
        ("name", "张三"),
        ("phone", resident),
    ]);
    let first = app.post_form("/api/orders", &form).await.location();
    let again = app.post_form("/api/orders", &form).await.location();
    assert_eq!(first, again, "the form's receipt does not tell either");
}

/// The nominator's number alone, or with a token the stranger got by nominating with it
/// himself, takes nothing back; and the answer is the one for a nomination never made.
#[tokio::test]
async fn only_the_nominators_token_withdraws_a_nomination() {
    let app = app_with(|s| s.with_limits(limits("off", "off")));
    let nominate = |phone: &str| json!({ "lecturer": "lin-xiuying", "township": "nanyu", "name": "张三", "phone": phone });
    let resident = "13900139004";
    let mine = app.post_json("/api/nominations", nominate(resident)).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    let token = mine.json()["withdraw_token"].as_str().unwrap().to_owned();
    assert!(mine.json()["withdraw_url"]
        .as_str()
        .unwrap()
        .ends_with(&token));
    let stolen = app.post_json("/api/nominations", nominate(resident)).await;
    let stolen = stolen.json()["withdraw_token"].as_str().unwrap().to_owned();
    let withdraw = |phone: &str, token: Option<&str>| {
        let mut body = json!({ "phone": phone });
        if let Some(token) = token {
            body["token"] = json!(token);
        }
        super::support::json(Method::DELETE, "/api/nominations/lin-xiuying", &body)
    };
    let never = app.send(withdraw("13900139005", Some(&token))).await;
    assert_eq!(never.status, StatusCode::NOT_FOUND);
    let random = "f".repeat(32);
    for attempt in [
        None,
        Some(stolen.as_str()),
        Some(random.as_str()),
        Some("short"),
    ] {
        let answer = app.send(withdraw(resident, attempt)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (never.status, &never.body),
            "{attempt:?}"
        );
    }
    let form = super::support::encode(&[("phone", resident), ("token", &stolen)]);
    let by_form = app
        .post_form("/api/nominations/lin-xiuying/withdraw", &form)
        .await;
    assert_eq!(by_form.status, StatusCode::NOT_FOUND, "{}", by_form.body);
    let t = app.get_json("/api/tallies").await.json();
    assert_eq!(
        t["lecturers"]["lin-xiuying"]["nominations"], 1,
        "still counted"
    );
    let own = app.send(withdraw(resident, Some(&token))).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.json()["count"], 0);
}
