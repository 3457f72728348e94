//! A program for a village stage (周末农家戏台): the most open orders from the slot's township,
//! among programs that may be ordered, were not on that township's stage within the repeat
//! window, and whose troupe is free that day; ties go to the program ordered first.

use std::cmp::Reverse;

use super::bookings::Bookings;
use super::township_name;
use crate::catalogue::{Catalogue, SlotFacts};
use crate::domain::ProgramId;
use crate::store::OrderDemand;

/// The reason left on a stage nobody ordered anything for.
pub const NO_ORDERS: &str = "暂无点单";
/// The reason left when every ordered program was ruled out.
pub const NONE_ELIGIBLE: &str = "点单节目近期已演出或剧团当天另有安排";

/// The program for `slot` and why, or why none.
pub fn choose(
    catalogue: &Catalogue,
    slot: &SlotFacts,
    demand: &[OrderDemand],
    bookings: &Bookings,
) -> (Option<ProgramId>, String) {
    let ordered: Vec<&OrderDemand> = (demand.iter())
        .filter(|d| d.township == slot.township && d.open > 0)
        .collect();
    if ordered.is_empty() {
        return (None, NO_ORDERS.to_owned());
    }
    let months = catalogue.site.repeat_after_months;
    let best = (ordered.into_iter())
        .filter(|d| {
            let Some(program) = catalogue.programs.get(&d.program) else {
                return false;
            };
            let troupe = program.troupe.trim();
            program.orderable
                && !bookings.repeats(&d.program, &slot.township, slot.date, months)
                && (troupe.is_empty() || !bookings.troupe_busy(troupe, slot.date))
        })
        .min_by_key(|d| (Reverse(d.open), d.first_at, d.program.clone()));
    match best {
        Some(d) => {
            let place = township_name(catalogue, &slot.township);
            (
                Some(d.program.clone()),
                format!("{place} {} 人点单", d.open),
            )
        }
        None => (None, NONE_ELIGIBLE.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::bookings::Booking;
    use super::super::tests::{at, catalogue, date, demand, id};
    use super::*;

    fn slot() -> SlotFacts {
        catalogue().slots[&id("2026-12-12-nanyu-stage")].clone()
    }

    #[test]
    fn most_orders_win_and_say_so() {
        let c = catalogue();
        let d = [
            demand("minju", "nanyu", 3, 1),
            demand("pinghua", "nanyu", 18, 5),
        ];
        let (pick, reason) = choose(&c, &slot(), &d, &Bookings::default());
        assert_eq!(pick, Some(id("pinghua")));
        assert_eq!(reason, "南屿镇 18 人点单");
    }

    #[test]
    fn other_townships_orders_do_not_count() {
        let c = catalogue();
        let d = [demand("minju", "ganzhe", 30, 1)];
        assert_eq!(
            choose(&c, &slot(), &d, &Bookings::default()),
            (None, NO_ORDERS.into())
        );
    }

    #[test]
    fn ties_go_to_the_earliest_order_then_the_id() {
        let c = catalogue();
        let d = [
            demand("minju", "nanyu", 5, 4),
            demand("pinghua", "nanyu", 5, 2),
        ];
        assert_eq!(
            choose(&c, &slot(), &d, &Bookings::default()).0,
            Some(id("pinghua"))
        );
        let mut same = d.clone();
        same[1].first_at = at(4);
        assert_eq!(
            choose(&c, &slot(), &same, &Bookings::default()).0,
            Some(id("minju"))
        );
    }

    #[test]
    fn unorderable_recent_and_busy_programs_are_skipped() {
        let c = catalogue();
        let d = [
            demand("muou", "nanyu", 40, 1),
            demand("minju", "nanyu", 20, 1),
            demand("pinghua", "nanyu", 10, 1),
            demand("xiaopin", "nanyu", 2, 1),
        ];
        let mut b = Bookings::default();
        // minju was on nanyu's stage two months ago; pinghua's troupe plays elsewhere that day.
        b.add(Booking::new(
            &c,
            date(10, 10),
            &id("nanyu"),
            Some(&id("minju")),
            None,
        ));
        b.add(Booking::new(
            &c,
            date(12, 12),
            &id("ganzhe"),
            Some(&id("pinghua-2")),
            None,
        ));
        let (pick, reason) = choose(&c, &slot(), &d, &b);
        assert_eq!(pick, Some(id("xiaopin")), "muou is not orderable");
        assert_eq!(reason, "南屿镇 2 人点单");
        let only_blocked = &d[..3];
        assert_eq!(
            choose(&c, &slot(), only_blocked, &b),
            (None, NONE_ELIGIBLE.into())
        );
    }
}
