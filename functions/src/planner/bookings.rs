//! What is already on the schedule, whoever put it there: the content's pinned slots, stored
//! assignments, performances marked done, and the planner's own proposals as it makes them.
//! The planner's rules (repeat, troupe, one forum per lecturer) are questions asked of it.

use chrono::{Months, NaiveDate};

use crate::catalogue::Catalogue;
use crate::domain::{LecturerId, ProgramId, TownshipId};

/// One booked occasion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub date: NaiveDate,
    pub township: TownshipId,
    pub program: Option<ProgramId>,
    pub lecturer: Option<LecturerId>,
    /// The program's troupe, when the catalogue knows the program.
    pub troupe: Option<String>,
}

impl Booking {
    /// A booking of `program` or `lecturer` on `date` in `township`, its troupe looked up.
    pub fn new(
        catalogue: &Catalogue,
        date: NaiveDate,
        township: &TownshipId,
        program: Option<&ProgramId>,
        lecturer: Option<&LecturerId>,
    ) -> Self {
        let troupe = (program.and_then(|p| catalogue.programs.get(p)))
            .map(|p| p.troupe.trim().to_owned())
            .filter(|t| !t.is_empty());
        Self {
            date,
            township: township.clone(),
            program: program.cloned(),
            lecturer: lecturer.cloned(),
            troupe,
        }
    }
}

/// Every booking known so far.
#[derive(Debug, Clone, Default)]
pub struct Bookings {
    all: Vec<Booking>,
}

impl Bookings {
    pub fn add(&mut self, booking: Booking) {
        self.all.push(booking);
    }

    /// True when `program` is booked in `township` less than `months` months before or after
    /// `date`. Exactly `months` months apart is allowed; `months == 0` never blocks.
    pub fn repeats(
        &self,
        program: &ProgramId,
        township: &TownshipId,
        date: NaiveDate,
        months: u32,
    ) -> bool {
        let window = Months::new(months);
        let from = date.checked_sub_months(window).unwrap_or(NaiveDate::MIN);
        let to = date.checked_add_months(window).unwrap_or(NaiveDate::MAX);
        self.all.iter().any(|b| {
            b.program.as_ref() == Some(program)
                && &b.township == township
                && b.date > from
                && b.date < to
        })
    }

    /// True when `troupe` performs somewhere on `date`.
    pub fn troupe_busy(&self, troupe: &str, date: NaiveDate) -> bool {
        (self.all.iter()).any(|b| b.date == date && b.troupe.as_deref() == Some(troupe))
    }

    /// True when `lecturer` has a forum on or after `since`.
    pub fn lecturer_given_since(&self, lecturer: &LecturerId, since: NaiveDate) -> bool {
        (self.all.iter()).any(|b| b.lecturer.as_ref() == Some(lecturer) && b.date >= since)
    }

    /// True when `lecturer` speaks somewhere on `date`.
    pub fn lecturer_busy(&self, lecturer: &LecturerId, date: NaiveDate) -> bool {
        (self.all.iter()).any(|b| b.date == date && b.lecturer.as_ref() == Some(lecturer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ProgramFacts;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn id<T: std::str::FromStr>(s: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        s.parse().unwrap()
    }

    fn catalogue() -> Catalogue {
        let mut c = Catalogue::default();
        let facts = ProgramFacts {
            title: "闽剧".into(),
            category: "闽剧".into(),
            troupe: " 闽侯县闽剧团 ".into(),
            orderable: true,
        };
        c.programs.insert(id("minju"), facts);
        c
    }

    fn booked(date: NaiveDate, township: &str, program: &str) -> Bookings {
        let c = catalogue();
        let mut b = Bookings::default();
        b.add(Booking::new(
            &c,
            date,
            &id(township),
            Some(&id(program)),
            None,
        ));
        b
    }

    #[test]
    fn the_repeat_window_is_open_at_exactly_n_months() {
        let b = booked(d(9, 12), "nanyu", "minju");
        let (p, t) = (id("minju"), id("nanyu"));
        assert!(b.repeats(&p, &t, d(12, 11), 3));
        assert!(!b.repeats(&p, &t, d(12, 12), 3));
        assert!(b.repeats(&p, &t, d(6, 13), 3), "a booking ahead counts too");
        assert!(!b.repeats(&p, &t, d(6, 12), 3));
        assert!(
            !b.repeats(&p, &id("ganzhe"), d(10, 1), 3),
            "another township"
        );
        assert!(!b.repeats(&p, &t, d(9, 13), 0), "0 months never blocks");
    }

    #[test]
    fn troupes_are_looked_up_and_trimmed() {
        let b = booked(d(12, 12), "nanyu", "minju");
        assert!(b.troupe_busy("闽侯县闽剧团", d(12, 12)));
        assert!(!b.troupe_busy("闽侯县闽剧团", d(12, 13)));
        let c = catalogue();
        let unknown = Booking::new(&c, d(12, 12), &id("nanyu"), Some(&id("gone")), None);
        assert_eq!(unknown.troupe, None);
    }

    #[test]
    fn lecturers_are_given_from_a_date_on() {
        let c = catalogue();
        let mut b = Bookings::default();
        let lin: LecturerId = id("lin");
        b.add(Booking::new(
            &c,
            d(12, 19),
            &id("tingping"),
            None,
            Some(&lin),
        ));
        assert!(b.lecturer_given_since(&lin, d(12, 1)));
        assert!(b.lecturer_given_since(&lin, d(12, 19)));
        assert!(!b.lecturer_given_since(&lin, d(12, 20)));
        assert!(b.lecturer_busy(&lin, d(12, 19)));
        assert!(!b.lecturer_busy(&lin, d(12, 20)));
    }
}
