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
