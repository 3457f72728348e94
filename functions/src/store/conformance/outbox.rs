//! Conformance cases for the outbox: a promotion queues one text for the promoted guardian,
//! in the same write; a message is claimed by one sender only; settling erases the number.

use tokio::task::JoinSet;

use super::courses::registration;
use super::{data_key, person, phone, Shared};
use crate::store::{MessageKind, MessageState, Registered, Settled};

/// A registration whose guardian's number is not kept: no `CONFIRMED` text in the way.
async fn register(store: &Shared, who: u32) -> Registered {
    let mut r = registration(who, "王小明", 1, 3);
    if who == 1 {
        r.reach = None;
    }
    (store.register(r).await).unwrap()
}

pub async fn a_promotion_queues_one_text_for_the_promoted_guardian(store: Shared) {
    let first = register(&store, 1).await;
    let waiting = register(&store, 2).await;
    let _later = register(&store, 3).await;
    let promoted = || async {
        let due = store.due_messages(i64::MAX, 10).await.unwrap();
        (due.into_iter())
            .filter(|m| m.kind == MessageKind::Promoted)
            .collect::<Vec<_>>()
    };
    assert!(promoted().await.is_empty(), "nothing owed yet");
    store.cancel(&first.code, &first.token).await.unwrap();
    let due = promoted().await;
    assert_eq!(due.len(), 1, "{due:?}");
    let m = &due[0];
    assert_eq!(
        (m.kind, m.state),
        (MessageKind::Promoted, MessageState::Pending)
    );
    assert_eq!(m.person, person(2));
    let to = m.phone.as_ref().map(|p| data_key().open(p).unwrap());
    assert_eq!(to, Some(phone(2)), "to the promoted guardian only");
    assert_eq!(m.params["code"], waiting.code.as_str());
    assert_eq!(m.params["course"], "papercut");
    assert_eq!(m.key, format!("PROMOTED#{}", waiting.code));
}

pub async fn a_message_is_claimed_once_and_settling_erases_the_number(store: Shared) {
    let first = register(&store, 1).await;
    register(&store, 2).await;
    store.cancel(&first.code, &first.token).await.unwrap();
    let key = store.due_messages(i64::MAX, 10).await.unwrap()[0]
        .key
        .clone();
    let mut tasks = JoinSet::new();
    for _ in 0..8 {
        let (store, key) = (store.clone(), key.clone());
        tasks.spawn(async move { store.claim_message(&key).await.unwrap() });
    }
    let mut won = 0;
    while let Some(claimed) = tasks.join_next().await {
        won += usize::from(claimed.unwrap());
    }
    assert_eq!(won, 1, "one sender of eight gets the message");
    assert!(
        store.due_messages(i64::MAX, 10).await.unwrap().is_empty(),
        "claimed is not due"
    );
    let retry = Settled::Retry {
        at: 500,
        error: "isv.BUSINESS_LIMIT_CONTROL".into(),
    };
    store.settle_message(&key, retry, 100).await.unwrap();
    assert!(
        store.due_messages(499, 10).await.unwrap().is_empty(),
        "not before its time"
    );
    let again = store.due_messages(500, 10).await.unwrap();
    assert_eq!((again.len(), again[0].tries), (1, 1));
    assert!(again[0].phone.is_some(), "kept for the retry");
    assert_eq!(again[0].settled_at, Some(100));
    assert!(again[0].created_at > 0, "staff see when it was queued");
    assert!(store.claim_message(&key).await.unwrap());
    store
        .settle_message(&key, Settled::Sent, 600)
        .await
        .unwrap();
    let recent = store.messages(10).await.unwrap();
    assert_eq!((recent[0].state, recent[0].tries), (MessageState::Sent, 2));
    assert_eq!(recent[0].phone, None, "the number goes once it is sent");
    assert_eq!(recent[0].settled_at, Some(600));
    assert!(
        !store.claim_message(&key).await.unwrap(),
        "a sent message is never claimed"
    );
    assert!(store.due_messages(i64::MAX, 10).await.unwrap().is_empty());
}

pub async fn forgetting_a_person_drops_their_messages(store: Shared) {
    let first = register(&store, 1).await;
    register(&store, 2).await;
    store.cancel(&first.code, &first.token).await.unwrap();
    let theirs = store.person_data(&person(2)).await.unwrap().messages;
    assert_eq!(theirs.len(), 1, "their export lists the text owed to them");
    assert_eq!(theirs[0].to, "138****0002");
    store.forget_person(&person(2)).await.unwrap();
    assert!(store.messages(10).await.unwrap().is_empty());
    let theirs = store.person_data(&person(2)).await.unwrap().messages;
    assert!(theirs.is_empty());
}
