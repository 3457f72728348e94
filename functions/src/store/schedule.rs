//! What the schedule keeps in the store: assignments of `auto` slots (by the planner or pinned
//! by staff), performances marked done, and the open-order demand the planner reads.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Time;
use crate::domain::{LecturerId, ProgramId, SlotId, TownshipId};

/// Who made an assignment. Staff pins are never changed by the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentSource {
    /// The planner, from orders and nominations.
    Auto,
    /// Staff, through the admin API.
    Staff,
}

impl AssignmentSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// A slot filled with a program (stage) or a lecturer (forum), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub slot: SlotId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lecturer: Option<LecturerId>,
    /// In words residents read: "南屿镇 18 人点单".
    pub reason: String,
    pub source: AssignmentSource,
    /// When it was made.
    pub at: Time,
}

impl Assignment {
    /// Exactly one of program and lecturer must be named; the store refuses anything else.
    pub fn is_well_formed(&self) -> bool {
        self.program.is_some() != self.lecturer.is_some()
    }
}

/// A slot that took place, as staff marked it. Recording it closes the open orders of its
/// program in its township, and the planner's repeat rule counts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performance {
    pub slot: SlotId,
    pub township: TownshipId,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ProgramId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lecturer: Option<LecturerId>,
    /// When staff marked it done.
    pub at: Time,
}

/// Open orders for a program from one township, and when the first of them came in: the
/// planner's tie-break (first come, first served).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDemand {
    pub program: ProgramId,
    pub township: TownshipId,
    pub open: u32,
    pub first_at: Time,
}
