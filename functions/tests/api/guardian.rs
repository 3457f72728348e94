//! One phone number cannot take a whole course: registrations per guardian per course are
//! capped (`max_per_guardian`, default 2), whatever names the children are given.

use std::sync::Arc;

use diandan_functions::store::SqliteStore;

use super::support::{app_on, catalogue, registration, App};

/// Seventeen made-up children: more than the course's 12 places and 5 waitlist places.
const CHILDREN: [&str; 17] = [
    "王一鸣",
    "王二丫",
    "王三宝",
    "王思远",
    "王五福",
    "王六顺",
    "王七巧",
    "王八斗",
    "王久安",
    "王十全",
    "王小明",
    "王小红",
    "王小华",
    "王小东",
    "王小西",
    "王小南",
    "王小北",
];

fn big_course_app() -> App {
    let mut c = catalogue();
    let papercut = (c.courses.iter_mut())
        .find(|(id, _)| id.as_str() == "summer-papercut")
        .map(|(_, k)| k)
        .expect("the fixture has the papercut course");
    papercut.capacity = 12;
    papercut.waitlist = 5;
    let store = Arc::new(SqliteStore::in_memory().expect("a store"));
    app_on(store, c, (7, 1), |s| s)
}

#[tokio::test]
async fn one_phone_cannot_take_every_place_with_made_up_children() {
    let app = big_course_app();
    let mut taken = Vec::new();
    for child in CHILDREN {
        let a = app
            .post_json("/api/registrations", registration("13912345678", child))
            .await;
        match a.status.as_u16() {
            201 => taken.push(a.json()),
            409 => {
                let problem = a.json();
                assert_eq!(
                    problem["type"], "urn:diandan:problem:guardian-limit",
                    "{}",
                    a.body
                );
                assert!(a.body.contains("最多为 2 个孩子"), "{}", a.body);
            }
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert_eq!(taken.len(), 2, "the attacker holds only two registrations");
    // The same number written another way is the same guardian.
    let spelled = app
        .post_json(
            "/api/registrations",
            registration("+86 139-1234-5678", "王新来"),
        )
        .await;
    assert_eq!(spelled.status, 409, "{}", spelled.body);
    // Everyone else still finds the places free.
    for i in 0..10u32 {
        let phone = format!("1370000{i:04}");
        let a = app
            .post_json("/api/registrations", registration(&phone, "李小红"))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.json()["status"], "confirmed");
    }
    let t = app.get("/api/tallies").await.json();
    assert_eq!(t["courses"]["summer-papercut"]["confirmed"], 12);
    assert_eq!(t["courses"]["summer-papercut"]["waitlisted"], 0);
}

#[tokio::test]
async fn a_cancelled_registration_frees_the_guardians_turn() {
    let app = big_course_app();
    let first = app
        .post_json("/api/registrations", registration("13912345678", "王一鸣"))
        .await
        .json();
    app.post_json("/api/registrations", registration("13912345678", "王二丫"))
        .await;
    let third = app
        .post_json("/api/registrations", registration("13912345678", "王三宝"))
        .await;
    assert_eq!(third.status, 409);
    let cancel = first["cancel_url"].as_str().expect("a cancel link");
    let cancel = cancel
        .strip_prefix("https://diandan.example")
        .expect("a site URL");
    let done = app.post_json(cancel, serde_json::json!({})).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let again = app
        .post_json("/api/registrations", registration("13912345678", "王三宝"))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
}
