//! Conformance cases for the schedule: assignments, pins, performances, demand, snapshot.

use chrono::NaiveDate;
use serde_json::json;

use super::{day, id, name, person, phone, Shared};
use crate::store::{Assignment, AssignmentSource, NewOrder, Performance, StoreError, TallyLimits};

const SLOT: &str = "2026-12-12-nanyu-stage";

pub(super) fn assigned(slot: &str, program: &str, reason: &str) -> Assignment {
    Assignment {
        slot: id(slot),
        program: Some(id(program)),
        lecturer: None,
        reason: reason.to_owned(),
        source: AssignmentSource::Auto,
        at: day(5),
    }
}

fn order_at(program: &str, township: &str, who: u32, d: u32) -> NewOrder {
    NewOrder {
        program: id(program),
        township: id(township),
        person: person(who),
        name: name("张美玲"),
        note: None,
        at: day(d),
        reach: None,
    }
}

fn performed(slot: &str, township: &str, program: &str) -> Performance {
    Performance {
        slot: id(slot),
        township: id(township),
        date: NaiveDate::from_ymd_opt(2026, 12, 12).expect("a date"),
        program: Some(id(program)),
        lecturer: None,
        at: day(12),
    }
}

pub async fn plans_fill_empty_slots_only(store: Shared) {
    let first = vec![
        assigned(SLOT, "minju", "南屿镇 18 人点单"),
        assigned("2026-12-12-jingxi-stage", "pinghua", "荆溪镇 3 人点单"),
    ];
    assert_eq!(store.apply_plan(first).await.unwrap(), 2);
    let again = vec![assigned(SLOT, "pinghua", "南屿镇 20 人点单")];
    assert_eq!(
        store.apply_plan(again).await.unwrap(),
        0,
        "a filled slot stays"
    );
    let all = store.assignments().await.unwrap();
    assert_eq!(all.len(), 2);
    let nanyu = all.iter().find(|a| a.slot.as_str() == SLOT).unwrap();
    assert_eq!(nanyu.program, Some(id("minju")));
    assert_eq!(nanyu.reason, "南屿镇 18 人点单");
    assert_eq!((nanyu.source, nanyu.at), (AssignmentSource::Auto, day(5)));
    let mut staff = assigned(SLOT, "pinghua", "工作人员指定");
    staff.source = AssignmentSource::Staff;
    let planned_as_staff = vec![staff];
    store.apply_plan(planned_as_staff).await.unwrap();
    let kept = store.assignments().await.unwrap();
    assert!(kept.iter().all(|a| a.source == AssignmentSource::Auto));
}

pub async fn pins_replace_and_unpins_clear(store: Shared) {
    store
        .apply_plan(vec![assigned(SLOT, "minju", "南屿镇 18 人点单")])
        .await
        .unwrap();
    let mut pin = assigned(SLOT, "pinghua", "工作人员指定");
    pin.source = AssignmentSource::Auto;
    store.pin(pin).await.unwrap();
    let all = store.assignments().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].program, Some(id("pinghua")));
    assert_eq!(
        all[0].source,
        AssignmentSource::Staff,
        "a pin is always staff's"
    );
    let planned = vec![assigned(SLOT, "minju", "南屿镇 30 人点单")];
    assert_eq!(
        store.apply_plan(planned).await.unwrap(),
        0,
        "the planner keeps off pins"
    );
    let forum = Assignment {
        program: None,
        lecturer: Some(id("lin")),
        ..assigned("2026-12-19-tingping-forum", "x", "工作人员指定")
    };
    store.pin(forum).await.unwrap();
    assert_eq!(store.assignments().await.unwrap().len(), 2);
    store.unpin(&id(SLOT)).await.unwrap();
    assert_eq!(store.unpin(&id(SLOT)).await, Err(StoreError::NotFound));
    let left = store.assignments().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].lecturer, Some(id("lin")));
}

pub async fn malformed_assignments_are_refused(store: Shared) {
    let neither = Assignment {
        program: None,
        ..assigned(SLOT, "minju", "无")
    };
    assert!(store.pin(neither.clone()).await.is_err());
    assert!(store.apply_plan(vec![neither]).await.is_err());
    let both = Assignment {
        lecturer: Some(id("lin")),
        ..assigned(SLOT, "minju", "两者")
    };
    assert!(store.pin(both).await.is_err());
    assert!(store.assignments().await.unwrap().is_empty());
}

pub async fn order_demand_counts_open_orders_with_the_first(store: Shared) {
    store.order(order_at("minju", "nanyu", 1, 9)).await.unwrap();
    store.order(order_at("minju", "nanyu", 2, 3)).await.unwrap();
    store.order(order_at("minju", "nanyu", 3, 7)).await.unwrap();
    store
        .order(order_at("minju", "ganzhe", 4, 8))
        .await
        .unwrap();
    store
        .order(order_at("pinghua", "nanyu", 1, 1))
        .await
        .unwrap();
    let mut demand = store.order_demand().await.unwrap();
    demand.sort_by(|a, b| (&a.program, &a.township).cmp(&(&b.program, &b.township)));
    let seen: Vec<_> = (demand.iter())
        .map(|d| (d.program.as_str(), d.township.as_str(), d.open, d.first_at))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("minju", "ganzhe", 1, day(8)),
            ("minju", "nanyu", 3, day(3)),
            ("pinghua", "nanyu", 1, day(1)),
        ]
    );
}

pub async fn marking_done_fulfils_orders_once(store: Shared) {
    for (who, township) in [(1, "nanyu"), (2, "nanyu"), (3, "ganzhe")] {
        store
            .order(order_at("minju", township, who, 2))
            .await
            .unwrap();
    }
    store
        .order(order_at("pinghua", "nanyu", 4, 2))
        .await
        .unwrap();
    let closed = store
        .mark_done(performed(SLOT, "nanyu", "minju"))
        .await
        .unwrap();
    assert_eq!(closed, 2, "minju's orders from nanyu are fulfilled");
    let again = store.mark_done(performed(SLOT, "nanyu", "minju")).await;
    assert_eq!(again, Err(StoreError::Duplicate));
    let demand = store.order_demand().await.unwrap();
    let open: Vec<_> = (demand.iter())
        .map(|d| (d.program.as_str(), d.township.as_str(), d.open))
        .collect();
    assert!(open.contains(&("minju", "ganzhe", 1)));
    assert!(open.contains(&("pinghua", "nanyu", 1)));
    assert!(!open.iter().any(|o| o.0 == "minju" && o.1 == "nanyu"));
    let reorder = store
        .order(order_at("minju", "nanyu", 1, 20))
        .await
        .unwrap();
    assert!(
        !reorder.duplicate,
        "a fulfilled order no longer blocks a new one"
    );
    let forum = Performance {
        slot: id("2026-12-19-tingping-forum"),
        program: None,
        lecturer: Some(id("lin")),
        ..performed(SLOT, "tingping", "minju")
    };
    assert_eq!(store.mark_done(forum).await.unwrap(), 0);
    let done = store.performances().await.unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0], performed(SLOT, "nanyu", "minju"));
}

pub async fn snapshot_holds_what_the_site_shows(store: Shared) {
    store.order(order_at("minju", "nanyu", 1, 2)).await.unwrap();
    store
        .apply_plan(vec![assigned(SLOT, "minju", "南屿镇 1 人点单")])
        .await
        .unwrap();
    store
        .mark_done(performed(
            "2026-12-05-shangjie-stage",
            "shangjie",
            "pinghua",
        ))
        .await
        .unwrap();
    let mut limits = TallyLimits::default();
    limits.programs.insert(id("pinghua"));
    let snapshot = store.snapshot(&limits).await.unwrap();
    assert_eq!(snapshot.assignments[&id(SLOT)].reason, "南屿镇 1 人点单");
    assert_eq!(snapshot.performances.len(), 1);
    assert_eq!(snapshot.tallies.programs[&id("minju")].total, 1);
    assert!(snapshot.wishes.is_empty() && snapshot.ratings.is_empty());
    let value = serde_json::to_value(&snapshot).unwrap();
    let expected_slot = json!({
        "slot": SLOT, "program": "minju", "reason": "南屿镇 1 人点单",
        "source": "auto", "at": "2026-12-05T10:00:00+08:00"
    });
    assert_eq!(value["assignments"][SLOT], expected_slot);
    let text = value.to_string();
    assert!(!text.contains(phone(1).digits()) && !text.contains(person(1).as_str()));
    assert!(!text.contains("张美玲"), "no names in a snapshot: {text}");
    let back: crate::store::Snapshot = serde_json::from_value(value).unwrap();
    assert_eq!(back, snapshot);
}
