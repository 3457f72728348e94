//! The planner: fills the catalogue's `auto` slots from what residents ordered and nominated.
//! Pure and deterministic: the same input always gives the same proposals, in date order.
//!
//! Rules (docs/planner.md):
//! - Only `auto` slots (no program or lecturer in the content) dated today or later, with no
//!   stored assignment (a staff pin or an earlier plan) and not marked done, are planned.
//!   Pinned slots, staff's pins and past slots are never changed; an earlier plan stays until
//!   staff clear it, so an announced programme does not move under residents' feet.
//! - Stage slots are taken in date order (then time, then id); each proposal counts as booked
//!   for the slots after it. A stage gets the program with the most open orders from its
//!   township (see [`stage`]).
//! - Forum slots are matched with waiting lecturers nearest pair first (see [`forum`]).
//! - Proposals come out in date order.
//! - A slot with no candidate stays empty, with the reason why ("暂无点单").

pub mod bookings;
pub mod forum;
pub mod run;
pub mod stage;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::{Catalogue, SlotFacts, SlotKind};
use crate::domain::{LecturerId, ProgramId, SlotId, TownshipId};
use crate::store::{Assignment, AssignmentSource, LectureRequest, OrderDemand, Performance, Time};
use bookings::{Booking, Bookings};

pub use run::{apply, propose};

/// Everything the planner reads; the caller gathers it (see [`run::propose`]).
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub catalogue: &'a Catalogue,
    /// Slots before this day are past and not planned.
    pub today: NaiveDate,
    pub assignments: &'a [Assignment],
    pub demand: &'a [OrderDemand],
    pub lectures: &'a [LectureRequest],
    pub performances: &'a [Performance],
}

/// What the planner proposes for one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub slot: SlotId,
    pub kind: SlotKind,
    pub date: NaiveDate,
    pub township: TownshipId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lecturer: Option<LecturerId>,
    /// Why, in Chinese: "南屿镇 18 人点单", or why the slot stays empty.
    pub reason: String,
}

impl Proposal {
    /// The assignment to store, if the slot gets a program or a lecturer.
    pub fn to_assignment(&self, at: Time) -> Option<Assignment> {
        (self.program.is_some() || self.lecturer.is_some()).then(|| Assignment {
            slot: self.slot.clone(),
            program: self.program.clone(),
            lecturer: self.lecturer.clone(),
            reason: self.reason.clone(),
            source: AssignmentSource::Auto,
            at,
        })
    }
}

/// A township's name, or its id when the catalogue does not know it.
pub fn township_name(catalogue: &Catalogue, township: &TownshipId) -> String {
    (catalogue.townships.get(township))
        .map(|t| t.name.clone())
        .unwrap_or_else(|| township.to_string())
}

/// Proposals for every slot the planner may fill, in date order.
pub fn plan(input: &PlanInput<'_>) -> Vec<Proposal> {
    let c = input.catalogue;
    let mut booked = bookings_of(input);
    let open = open_slots(input);
    let mut proposals = Vec::with_capacity(open.len());
    for (id, slot) in open.iter().filter(|(_, s)| s.kind == SlotKind::Stage) {
        let (program, reason) = stage::choose(c, slot, input.demand, &booked);
        booked.add(Booking::new(
            c,
            slot.date,
            &slot.township,
            program.as_ref(),
            None,
        ));
        proposals.push(proposal(id, slot, program, None, reason));
    }
    let forums: Vec<_> = open
        .iter()
        .filter(|(_, s)| s.kind == SlotKind::Forum)
        .collect();
    let facts: Vec<&SlotFacts> = forums.iter().map(|(_, s)| *s).collect();
    let lecturers = forum::assign(c, &facts, input.lectures, &booked);
    for ((id, slot), (lecturer, reason)) in forums.into_iter().zip(lecturers) {
        proposals.push(proposal(id, slot, None, lecturer, reason));
    }
    let order = |p: &Proposal| open.iter().position(|(id, _)| *id == &p.slot);
    proposals.sort_by_key(order);
    proposals
}

fn proposal(
    id: &SlotId,
    slot: &SlotFacts,
    program: Option<ProgramId>,
    lecturer: Option<LecturerId>,
    reason: String,
) -> Proposal {
    Proposal {
        slot: id.clone(),
        kind: slot.kind,
        date: slot.date,
        township: slot.township.clone(),
        program,
        lecturer,
        reason,
    }
}

/// The `auto` slots still open to planning, in date, time and id order.
fn open_slots<'a>(input: &PlanInput<'a>) -> Vec<(&'a SlotId, &'a SlotFacts)> {
    let taken = |id: &SlotId| {
        input.assignments.iter().any(|a| &a.slot == id)
            || input.performances.iter().any(|p| &p.slot == id)
    };
    let mut slots: Vec<_> = (input.catalogue.slots.iter())
        .filter(|(id, s)| s.is_auto() && s.date >= input.today && !taken(id))
        .collect();
    slots.sort_by(|a, b| (a.1.date, a.1.time, a.0).cmp(&(b.1.date, b.1.time, b.0)));
    slots
}

/// What is on the schedule before planning: pins in the content, stored assignments (of
/// slots the catalogue still has) and performances.
fn bookings_of(input: &PlanInput<'_>) -> Bookings {
    let c = input.catalogue;
    let mut booked = Bookings::default();
    for slot in c.slots.values().filter(|s| !s.is_auto()) {
        let (p, l) = (slot.program.as_ref(), slot.lecturer.as_ref());
        booked.add(Booking::new(c, slot.date, &slot.township, p, l));
    }
    for a in input.assignments {
        if let Some(slot) = c.slots.get(&a.slot) {
            let (p, l) = (a.program.as_ref(), a.lecturer.as_ref());
            booked.add(Booking::new(c, slot.date, &slot.township, p, l));
        }
    }
    for done in input.performances {
        let (p, l) = (done.program.as_ref(), done.lecturer.as_ref());
        booked.add(Booking::new(c, done.date, &done.township, p, l));
    }
    booked
}

#[cfg(test)]
pub(crate) mod tests;
