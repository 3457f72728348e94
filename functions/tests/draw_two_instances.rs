//! Two instances of a store (two processes on one SQLite file, two Lambda instances on one
//! DynamoDB table) draw the same course at the same moment: exactly one draw wins. Within one
//! instance the conformance suite covers this; here the instances share nothing but the data,
//! so only the transaction (SQLite) or the conditional write (DynamoDB) can decide.

use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::catalogue::Allocation;
use diandan_functions::clock::china_offset;
use diandan_functions::domain::draw::Witness;
use diandan_functions::domain::{ChildAge, PersonName, Phone, Secret};
use diandan_functions::store::dynamo::testing;
use diandan_functions::store::{
    DrawRequest, DynamoStore, NewRegistration, RegistrationStatus, SqliteStore, Store, StoreError,
};

fn application(i: u32) -> NewRegistration {
    let secret = Secret::new("two-instances-test-secret").expect("a secret");
    let phone = Phone::parse(&format!("1390000{i:04}")).expect("a phone");
    let at = china_offset()
        .with_ymd_and_hms(2026, 7, 1, 9, 0, 0)
        .unwrap();
    NewRegistration {
        course: "papercut".parse().unwrap(),
        capacity: 3,
        waitlist: 2,
        guardian_name: PersonName::parse("王芳").unwrap(),
        person: secret.person_key(&phone),
        phone,
        child_name: PersonName::parse("王小明").unwrap(),
        child_age: ChildAge::new(9).unwrap(),
        at,
        expires_at: at + chrono::Duration::days(60),
        allocation: Allocation::Lottery,
        max_per_guardian: 2,
        remind_at: None,
        reach: None,
    }
}

fn request(witness: &str) -> DrawRequest {
    DrawRequest {
        course: "papercut".parse().unwrap(),
        witness: Witness::parse(witness).unwrap(),
        capacity: 3,
        waitlist: 2,
        at: china_offset()
            .with_ymd_and_hms(2026, 7, 6, 10, 0, 0)
            .unwrap(),
    }
}

async fn race(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    let mut apps = Vec::new();
    for i in 0..12 {
        apps.push(a.register(application(i)).await.expect("an application"));
    }
    // The first round decides; later rounds must refuse both.
    for round in 0..3 {
        let (x, y) = tokio::join!(a.draw(request("371")), b.draw(request("372")));
        let won: Vec<_> = [x, y].into_iter().filter_map(Result::ok).collect();
        let expected = usize::from(round == 0);
        assert_eq!(won.len(), expected, "round {round}: one winner, then none");
    }
    let again = b.draw(request("100")).await;
    assert_eq!(again, Err(StoreError::AlreadyDrawn));
    let lottery = (a
        .lotteries(&["papercut".parse().unwrap()].into())
        .await
        .unwrap())
    .remove(&"papercut".parse().unwrap())
    .expect("the course");
    let draw = lottery.draw.expect("drawn");
    for (i, code, outcome) in draw.outcomes() {
        let r = apps.iter().find(|r| &r.code == code).expect("ours");
        let seen = b.registration(&r.code, &r.token).await.unwrap().status;
        assert_eq!(
            seen,
            RegistrationStatus::from_outcome(outcome),
            "rank {}",
            i + 1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sqlite_processes_draw_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    race(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_dynamodb_instances_draw_once() {
    if !testing::should_run().unwrap_or_else(|e| panic!("{e}")) {
        eprintln!("skipped: DIANDAN_SKIP_DYNAMO=1");
        return;
    }
    let a = testing::fresh_store().await.expect("a table");
    let b = DynamoStore::connect(a.table())
        .await
        .expect("a second client");
    race(Arc::new(a), Arc::new(b)).await;
}
