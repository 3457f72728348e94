//! Lecturers for the public lectures (乡村公益讲坛), nearest first.
//!
//! The candidates are the lecturers whose nominations crossed their threshold and who have no
//! forum on or after the day they crossed it. Each lecturer's *origin* is the township most of
//! their nominations came from (ties to the first by id), or, with no nominations on record,
//! their home township. Every pair of an open forum slot and a waiting lecturer is ranked by the
//! great-circle distance from the slot's township to the lecturer's origin (a township without
//! a location is infinitely far), then by the slot's date, then by who crossed first, then by
//! id; pairs are taken in that order while both the slot and the lecturer are free and the
//! lecturer speaks nowhere else that day. So a lecture goes to the nearest open forum, and the
//! nearest lecturer to each forum, rather than simply to the earliest date.

use super::bookings::Bookings;
use super::township_name;
use crate::catalogue::{Catalogue, GeoPoint, SlotFacts};
use crate::domain::{LecturerId, TownshipId};
use crate::store::LectureRequest;

/// The reason left on a forum no lecturer is waiting for.
pub const NOBODY_WAITING: &str = "暂无达到点将人数的讲师";

/// Where a lecturer's nominations came from, and whether that was read from nominations.
fn origin(catalogue: &Catalogue, request: &LectureRequest) -> Option<(TownshipId, bool)> {
    let mut best: Option<(&TownshipId, u32)> = None;
    for (township, &n) in &request.by_township {
        if n > 0 && best.is_none_or(|(_, most)| n > most) {
            best = Some((township, n));
        }
    }
    match best {
        Some((township, _)) => Some((township.clone(), true)),
        None => (catalogue.lecturers.get(&request.lecturer))
            .and_then(|l| l.township.clone())
            .map(|t| (t, false)),
    }
}

fn location(catalogue: &Catalogue, township: &TownshipId) -> Option<GeoPoint> {
    catalogue.townships.get(township).and_then(|t| t.location)
}

/// Kilometres from the slot's township to the lecturer's origin, if both are on the map.
fn distance(catalogue: &Catalogue, slot: &SlotFacts, from: Option<&TownshipId>) -> Option<f64> {
    let here = location(catalogue, &slot.township)?;
    let there = location(catalogue, from?)?;
    Some(here.km_to(&there))
}

/// The reason residents read, e.g. "16 人点将（南屿镇最多，距此约 12 公里）".
fn reason(
    catalogue: &Catalogue,
    request: &LectureRequest,
    from: Option<&(TownshipId, bool)>,
    km: Option<f64>,
) -> String {
    let total: u32 = request.by_township.values().sum();
    let count = format!("{} 人点将", total.max(request.threshold));
    let Some((township, from_nominations)) = from else {
        return count;
    };
    let name = township_name(catalogue, township);
    let whence = if *from_nominations {
        format!("{name}最多")
    } else {
        format!("讲师在{name}")
    };
    match km {
        Some(km) if km >= 1.0 => format!("{count}（{whence}，距此约 {km:.0} 公里）"),
        Some(_) => format!("{count}（{whence}，就在本地）"),
        None => format!("{count}（{whence}）"),
    }
}

/// A waiting lecturer, with where their nominations came from.
struct Waiting<'r> {
    request: &'r LectureRequest,
    from: Option<(TownshipId, bool)>,
}

/// Lecturers for `slots` (the open forum slots in date order), with the reason for each, in
/// the same order; `None` where nobody is left for a slot.
pub fn assign(
    catalogue: &Catalogue,
    slots: &[&SlotFacts],
    requests: &[LectureRequest],
    bookings: &Bookings,
) -> Vec<(Option<LecturerId>, String)> {
    let waiting: Vec<Waiting<'_>> = (requests.iter())
        .filter(|r| catalogue.lecturers.contains_key(&r.lecturer))
        .filter(|r| !bookings.lecturer_given_since(&r.lecturer, r.crossed_at.date_naive()))
        .map(|request| Waiting {
            request,
            from: origin(catalogue, request),
        })
        .collect();
    let mut pairs = Vec::new();
    for (s, slot) in slots.iter().enumerate() {
        for (w, lecturer) in waiting.iter().enumerate() {
            if !bookings.lecturer_busy(&lecturer.request.lecturer, slot.date) {
                let km = distance(catalogue, slot, lecturer.from.as_ref().map(|f| &f.0));
                pairs.push((s, w, km));
            }
        }
    }
    let far = |km: Option<f64>| km.unwrap_or(f64::INFINITY);
    pairs.sort_by(|a, b| {
        let (ra, rb) = (waiting[a.1].request, waiting[b.1].request);
        (far(a.2).total_cmp(&far(b.2)))
            .then(a.0.cmp(&b.0))
            .then(ra.crossed_at.cmp(&rb.crossed_at))
            .then(ra.lecturer.cmp(&rb.lecturer))
    });
    let mut chosen: Vec<Option<(usize, Option<f64>)>> = vec![None; slots.len()];
    let mut taken = vec![false; waiting.len()];
    for (s, w, km) in pairs {
        if chosen[s].is_none() && !taken[w] {
            chosen[s] = Some((w, km));
            taken[w] = true;
        }
    }
    (chosen.into_iter())
        .map(|choice| match choice {
            Some((w, km)) => {
                let Waiting { request, from } = &waiting[w];
                let why = reason(catalogue, request, from.as_ref(), km);
                (Some(request.lecturer.clone()), why)
            }
            None => (None, NOBODY_WAITING.to_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::bookings::Booking;
    use super::super::tests::{catalogue, date, id, request};
    use super::*;

    fn slot(id_: &str) -> SlotFacts {
        catalogue().slots[&id(id_)].clone()
    }

    /// The lecturer and reason for one slot alone.
    fn choose(
        c: &Catalogue,
        slot: &SlotFacts,
        requests: &[LectureRequest],
        bookings: &Bookings,
    ) -> (Option<LecturerId>, String) {
        assign(c, &[slot], requests, bookings).remove(0)
    }

    #[test]
    fn the_lecturer_nominated_nearest_goes_first() {
        let c = catalogue();
        let r = [
            request("lin", 1, &[("nanyu", 16)]),
            request("chen", 2, &[("tingping", 10), ("ganzhe", 5)]),
        ];
        let (pick, why) = choose(
            &c,
            &slot("2026-12-19-tingping-forum"),
            &r,
            &Bookings::default(),
        );
        assert_eq!(pick, Some(id("chen")));
        assert_eq!(why, "15 人点将（廷坪乡最多，就在本地）");
        let (pick, why) = choose(
            &c,
            &slot("2026-12-20-shangjie-forum"),
            &r,
            &Bookings::default(),
        );
        assert_eq!(pick, Some(id("lin")));
        assert!(why.starts_with("16 人点将（南屿镇最多，距此约 "), "{why}");
    }

    #[test]
    fn without_nominations_on_record_the_home_township_counts() {
        let c = catalogue();
        let r = [request("lin", 1, &[])];
        let (pick, why) = choose(
            &c,
            &slot("2026-12-19-tingping-forum"),
            &r,
            &Bookings::default(),
        );
        assert_eq!(pick, Some(id("lin")));
        assert!(why.starts_with("15 人点将（讲师在南屿镇，距此约 "), "{why}");
        let no_home = [request("wang", 1, &[])];
        let (pick, why) = choose(
            &c,
            &slot("2026-12-19-tingping-forum"),
            &no_home,
            &Bookings::default(),
        );
        assert_eq!((pick, why.as_str()), (Some(id("wang")), "15 人点将"));
    }

    #[test]
    fn the_unknown_the_given_and_the_busy_wait() {
        let c = catalogue();
        let r = [
            request("lin", 1, &[("nanyu", 15)]),
            request("gone", 1, &[("nanyu", 99)]),
        ];
        let mut given = Bookings::default();
        given.add(Booking::new(
            &c,
            date(12, 5),
            &id("ganzhe"),
            None,
            Some(&id("lin")),
        ));
        let forum = slot("2026-12-19-tingping-forum");
        assert_eq!(
            choose(&c, &forum, &r, &given),
            (None, NOBODY_WAITING.into())
        );
        let mut before = Bookings::default();
        before.add(Booking::new(
            &c,
            date(11, 30),
            &id("ganzhe"),
            None,
            Some(&id("lin")),
        ));
        assert_eq!(
            choose(&c, &forum, &r, &before).0,
            Some(id("lin")),
            "a forum before crossing"
        );
        let mut busy = Bookings::default();
        busy.add(Booking::new(
            &c,
            date(12, 19),
            &id("nanyu"),
            None,
            Some(&id("lin")),
        ));
        assert_eq!(choose(&c, &forum, &r, &busy).0, None);
    }

    #[test]
    fn a_lecturer_goes_to_the_nearest_forum_not_the_first() {
        let c = catalogue();
        let r = [
            request("chen", 1, &[("shangjie", 15)]),
            request("lin", 2, &[("nanyu", 15)]),
        ];
        let (tingping, shangjie) = (
            slot("2026-12-19-tingping-forum"),
            slot("2026-12-20-shangjie-forum"),
        );
        let got = assign(&c, &[&tingping, &shangjie], &r, &Bookings::default());
        assert_eq!(
            got[1],
            (Some(id("chen")), "15 人点将（上街镇最多，就在本地）".into())
        );
        assert_eq!(
            got[0].0,
            Some(id("lin")),
            "the earlier, farther forum gets the next lecturer"
        );
        let alone = assign(&c, &[&tingping, &shangjie], &r[..1], &Bookings::default());
        assert_eq!(alone[0], (None, NOBODY_WAITING.into()));
        assert_eq!(alone[1].0, Some(id("chen")));
    }

    #[test]
    fn equal_distances_go_to_who_crossed_first() {
        let c = catalogue();
        let r = [
            request("lin", 3, &[("nanyu", 15)]),
            request("chen", 2, &[("nanyu", 15)]),
        ];
        let forum = slot("2026-12-19-tingping-forum");
        assert_eq!(
            choose(&c, &forum, &r, &Bookings::default()).0,
            Some(id("chen"))
        );
    }
}
