//! Conformance cases for staff: the action log, pending wishes and the CSV exports' rows.

use super::cases::nomination;
use super::courses::registration;
use super::{day, id, name, person, phone, Shared};
use crate::domain::{ReplyText, ShortText, WishText};
use crate::store::{NewAction, NewOrder, NewWish, Performance, RegistrationStatus};

fn action(what: &str, subject: &str, d: u32) -> NewAction {
    NewAction {
        at: day(d),
        actor: "token".to_owned(),
        action: what.to_owned(),
        subject: subject.to_owned(),
        detail: format!("{what} {subject}"),
    }
}

pub async fn admin_actions_are_logged_newest_first(store: Shared) {
    assert!(store.actions(10).await.unwrap().is_empty());
    let first = store
        .log_action(action("pin", "2026-12-12-nanyu-stage", 3))
        .await
        .unwrap();
    let second = store.log_action(action("reply", "7", 4)).await.unwrap();
    store
        .log_action(action("export", "orders", 5))
        .await
        .unwrap();
    assert_ne!(first, second);
    let log = store.actions(2).await.unwrap();
    assert_eq!(log.len(), 2, "the limit holds");
    assert_eq!((log[0].action.as_str(), log[0].at), ("export", day(5)));
    assert_eq!(
        (log[1].action.as_str(), log[1].subject.as_str()),
        ("reply", "7")
    );
    assert_eq!(log[1].detail, "reply 7");
    assert_eq!(store.actions(100).await.unwrap().len(), 3);
}

fn wish(text: &str, who: Option<u32>) -> NewWish {
    NewWish {
        text: WishText::parse(text).expect("a valid wish"),
        township: id("ganzhe"),
        name: who.map(|_| name("张美玲")),
        person: who.map(person),
        at: day(4),
        reach: None,
    }
}

pub async fn pending_wishes_are_unanswered_and_unhidden(store: Shared) {
    let a = store.wish(wish("希望多演几场闽剧", Some(1))).await.unwrap();
    let b = store.wish(wish("文化站晚上能开门吗", None)).await.unwrap();
    let c = store.wish(wish("这条留言内容不当", Some(2))).await.unwrap();
    let reply = ReplyText::parse("已安排。").expect("a reply");
    store.reply(b, reply, day(6)).await.unwrap();
    store.hide(c).await.unwrap();
    let pending = store.pending_wishes().await.unwrap();
    assert_eq!(pending.len(), 1);
    let w = &pending[0];
    assert_eq!((w.id, w.text.as_str()), (a, "希望多演几场闽剧"));
    assert_eq!((w.township.as_str(), w.asked_at), ("ganzhe", day(4)));
    assert_eq!(w.name.as_deref(), Some("张*玲"), "masked for staff too");
    let text = serde_json::to_string(&pending).unwrap();
    assert!(!text.contains(phone(1).digits()) && !text.contains(person(1).as_str()));
}

pub async fn exports_list_every_order(store: Shared) {
    for (who, township) in [(1, "nanyu"), (2, "ganzhe")] {
        let order = NewOrder {
            program: id("minju"),
            township: id(township),
            person: person(who),
            name: name("张美玲"),
            note: Some(ShortText::parse("想看").expect("a note")),
            at: day(who),
            reach: None,
        };
        store.order(order).await.unwrap();
    }
    let done = Performance {
        slot: id("2026-12-12-nanyu-stage"),
        township: id("nanyu"),
        date: day(12).date_naive(),
        program: Some(id("minju")),
        lecturer: None,
        at: day(12),
    };
    store.mark_done(done).await.unwrap();
    let orders = store.export_orders().await.unwrap();
    assert_eq!(orders.len(), 2, "fulfilled orders are exported too");
    assert_eq!(
        (orders[0].township.as_str(), orders[0].closed_at),
        ("nanyu", Some(day(12)))
    );
    assert_eq!(
        (orders[1].name.as_str(), orders[1].note.as_deref()),
        ("张美玲", Some("想看"))
    );
    assert_eq!((orders[1].ordered_at, orders[1].closed_at), (day(2), None));
}

pub async fn exports_list_nominations_and_registrations(store: Shared) {
    store
        .nominate(nomination("lin", "nanyu", 3, 15))
        .await
        .unwrap();
    let nominations = store.export_nominations().await.unwrap();
    assert_eq!(nominations.len(), 1);
    assert_eq!(
        (
            nominations[0].lecturer.as_str(),
            nominations[0].name.as_str()
        ),
        ("lin", "林秀英")
    );
    assert_eq!(nominations[0].nominated_at, day(2));
    let first = store
        .register(registration(5, "王小明", 1, 1))
        .await
        .unwrap();
    store
        .register(registration(6, "李小红", 1, 1))
        .await
        .unwrap();
    let rows = store.export_registrations().await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (&rows[0].code, rows[0].status),
        (&first.code, RegistrationStatus::Confirmed)
    );
    assert_eq!(
        rows[0].phone,
        phone(5).digits(),
        "staff call guardians back"
    );
    assert_eq!(
        (rows[0].child_name.as_str(), rows[0].child_age),
        ("王小明", 9)
    );
    assert_eq!(
        (rows[1].guardian_name.as_str(), rows[1].status),
        ("王芳", RegistrationStatus::Waitlisted)
    );
    assert_eq!(rows[1].registered_at, day(3));
}
