//! Conformance cases for the texts residents asked for: a place confirmed or drawn, a program
//! put on their township's stage, a nominated lecturer's forum, a wish answered. Each is
//! queued once per (event, person), only for those who left their number for it, and the
//! number is let go once its message is queued.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone};

use super::courses::registration;
use super::schedule::assigned;
use super::{data_key, day, id, name, person, phone, sealed, Shared};
use crate::catalogue::Allocation;
use crate::clock::china_offset;
use crate::domain::draw::Witness;
use crate::domain::{CancelToken, ReplyText, WishText};
use crate::store::{
    reminder_time, Assignment, AssignmentSource, DrawRequest, MessageKind, NewNomination, NewOrder,
    NewRegistration, NewWish, QueuedMessage,
};

async fn owed(store: &Shared, kind: MessageKind) -> Vec<QueuedMessage> {
    let all = store.due_messages(i64::MAX, 500).await.unwrap();
    all.into_iter().filter(|m| m.kind == kind).collect()
}

/// Whom the messages go to, by opening their numbers.
fn recipients(messages: &[QueuedMessage]) -> BTreeSet<String> {
    (messages.iter())
        .map(|m| {
            let sealed = m.phone.as_ref().expect("a number to send to");
            data_key()
                .open(sealed)
                .expect("sealed with the suite's key")
                .digits()
                .to_owned()
        })
        .collect()
}

fn digits(who: &[u32]) -> BTreeSet<String> {
    who.iter().map(|&i| phone(i).digits().to_owned()).collect()
}

fn order(township: &str, who: u32, asked: bool) -> NewOrder {
    NewOrder {
        program: id("minju"),
        township: id(township),
        person: person(who),
        name: name("张美玲"),
        note: None,
        at: day(1),
        reach: asked.then(|| sealed(who)),
    }
}

pub async fn a_confirmed_place_is_told_at_once_and_a_waitlisted_one_when_promoted(store: Shared) {
    // Far ahead: a promotion is told at the real time, and its reminder must still lie ahead.
    let first_session = NaiveDate::from_ymd_opt(2099, 1, 18).unwrap();
    let remind = |mut r: NewRegistration| {
        r.remind_at = reminder_time(first_session);
        r
    };
    let first = store
        .register(remind(registration(1, "王小明", 1, 2)))
        .await
        .unwrap();
    store
        .register(remind(registration(2, "王小红", 1, 2)))
        .await
        .unwrap();
    let confirmed = owed(&store, MessageKind::Confirmed).await;
    assert_eq!(recipients(&confirmed), digits(&[1]), "{confirmed:?}");
    assert_eq!(confirmed[0].params["code"], first.code.as_str());
    assert_eq!(confirmed[0].to, "138****0001");
    assert!(owed(&store, MessageKind::Promoted).await.is_empty());
    store.cancel(&first.code, &first.token).await.unwrap();
    let promoted = owed(&store, MessageKind::Promoted).await;
    assert_eq!(recipients(&promoted), digits(&[2]));
    let reminders = owed(&store, MessageKind::Reminder).await;
    assert_eq!(
        recipients(&reminders),
        digits(&[1, 2]),
        "each place, reminded once"
    );
    let eve = china_offset()
        .with_ymd_and_hms(2099, 1, 17, 10, 0, 0)
        .unwrap()
        .timestamp();
    assert!(
        reminders.iter().all(|m| m.next_try == eve),
        "the day before, at ten"
    );
    let early = store.due_messages(eve - 1, 500).await.unwrap();
    assert!(
        early.iter().all(|m| m.kind != MessageKind::Reminder),
        "not due before then"
    );
    let mut quiet = registration(3, "王小刚", 5, 2);
    quiet.reach = None;
    store.register(quiet).await.unwrap();
    assert_eq!(
        owed(&store, MessageKind::Confirmed).await.len(),
        1,
        "no number, no text"
    );
}

pub async fn a_drawn_place_is_told_to_its_guardian(store: Shared) {
    for who in 1..=4 {
        let mut r = registration(who, "王小明", 2, 1);
        r.allocation = Allocation::Lottery;
        store.register(r).await.unwrap();
    }
    assert!(
        owed(&store, MessageKind::Confirmed).await.is_empty(),
        "applied: nothing yet"
    );
    let request = DrawRequest {
        course: id("papercut"),
        witness: Witness::parse("312567").unwrap(),
        capacity: 2,
        waitlist: 1,
        at: day(4),
    };
    let draw = store.draw(request).await.unwrap();
    let confirmed = owed(&store, MessageKind::Confirmed).await;
    let drawn: BTreeSet<&str> = draw.ranking[..2].iter().map(|c| c.as_str()).collect();
    let told: BTreeSet<&str> = confirmed
        .iter()
        .map(|m| m.params["code"].as_str())
        .collect();
    assert_eq!(told, drawn, "the two drawn places, and only they");
}

pub async fn an_applied_plan_tells_each_resident_who_asked_once(store: Shared) {
    for who in 1..=3 {
        store.order(order("nanyu", who, true)).await.unwrap();
    }
    store.order(order("nanyu", 4, false)).await.unwrap();
    store.order(order("jingxi", 5, true)).await.unwrap();
    let slot = "2026-12-12-nanyu-stage";
    store
        .apply_plan(vec![assigned(slot, "minju", "南屿镇 4 人点单")])
        .await
        .unwrap();
    let reminders = owed(&store, MessageKind::Reminder).await;
    let eve = china_offset()
        .with_ymd_and_hms(2026, 12, 11, 10, 0, 0)
        .unwrap()
        .timestamp();
    assert_eq!(recipients(&reminders), digits(&[1, 2, 3]));
    assert!(reminders
        .iter()
        .all(|m| m.next_try == eve && m.params["slot"] == slot));
    let told = owed(&store, MessageKind::Scheduled).await;
    assert_eq!(
        recipients(&told),
        digits(&[1, 2, 3]),
        "the township's, who asked"
    );
    assert!(told
        .iter()
        .all(|m| m.params["slot"] == slot && m.params["program"] == "minju"));
    let replan = vec![assigned(slot, "minju", "南屿镇 4 人点单")];
    store.apply_plan(replan).await.unwrap();
    let later = vec![assigned(
        "2027-01-09-nanyu-stage",
        "minju",
        "南屿镇 4 人点单",
    )];
    store.apply_plan(later).await.unwrap();
    assert_eq!(
        owed(&store, MessageKind::Scheduled).await.len(),
        3,
        "a second run queues nothing, and a told resident's number is gone"
    );
}

pub async fn a_forum_tells_the_lecturers_nominators(store: Shared) {
    for who in 1..=3 {
        let nomination = NewNomination {
            lecturer: id("lin-xiuying"),
            township: id("nanyu"),
            person: person(who),
            name: name("林秀英"),
            topic: None,
            threshold: 15,
            at: day(2),
            withdraw: CancelToken::random(),
            reach: (who != 2).then(|| sealed(who)),
        };
        store.nominate(nomination).await.unwrap();
    }
    let forum = Assignment {
        slot: id("2026-12-19-jingxi-forum"),
        program: None,
        lecturer: Some(id("lin-xiuying")),
        reason: "15 人点将".into(),
        source: AssignmentSource::Auto,
        at: day(5),
    };
    store.apply_plan(vec![forum.clone()]).await.unwrap();
    store.apply_plan(vec![forum]).await.unwrap();
    let told = owed(&store, MessageKind::Lecture).await;
    assert_eq!(recipients(&told), digits(&[1, 3]));
    assert!(told.iter().all(|m| m.params["lecturer"] == "lin-xiuying"));
}

pub async fn a_reply_tells_the_wishs_author_once(store: Shared) {
    let wish = |who: u32, asked: bool| NewWish {
        text: WishText::parse("希望多排几场闽剧").unwrap(),
        township: id("nanyu"),
        name: None,
        person: Some(person(who)),
        at: day(1),
        reach: asked.then(|| sealed(who)),
    };
    let asked = store.wish(wish(1, true)).await.unwrap();
    let silent = store.wish(wish(2, false)).await.unwrap();
    let reply = || ReplyText::parse("下个月在南屿镇加演一场。").unwrap();
    for id in [asked, silent, asked] {
        store.reply(id, reply(), day(3)).await.unwrap();
    }
    let told = owed(&store, MessageKind::Answered).await;
    assert_eq!(
        recipients(&told),
        digits(&[1]),
        "once, to the author who asked"
    );
    assert_eq!(told[0].params["township"], "nanyu");
}

pub async fn a_plan_tells_more_residents_than_one_transaction_holds(store: Shared) {
    for who in 1..=60 {
        store.order(order("nanyu", who, true)).await.unwrap();
    }
    let slot = "2026-12-12-nanyu-stage";
    let plan = vec![
        assigned(slot, "minju", "南屿镇 60 人点单"),
        assigned("2026-12-12-jingxi-stage", "minju", "荆溪镇"),
    ];
    assert_eq!(store.apply_plan(plan).await.unwrap(), 2);
    let told = owed(&store, MessageKind::Scheduled).await;
    let everyone: Vec<u32> = (1..=60).collect();
    assert_eq!(
        recipients(&told),
        digits(&everyone),
        "every one of the sixty"
    );
    assert_eq!(told.len(), 60, "once each");
    assert_eq!(owed(&store, MessageKind::Reminder).await.len(), 60);
}
