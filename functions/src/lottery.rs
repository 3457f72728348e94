//! Drawing a lottery course, as staff do it from the API or the command line: the checks
//! around the store's draw (a known lottery course, registration closed, witness digits).

use chrono::NaiveDate;

use crate::catalogue::{Allocation, Catalogue, WindowState};
use crate::domain::draw::Witness;
use crate::domain::CourseId;
use crate::store::{Draw, DrawRequest, Store, StoreError, Time};

/// Why a draw was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("there is no course `{0}`")]
    UnknownCourse(String),
    #[error("course `{0}` gives its places first come, first served: there is nothing to draw")]
    NotLottery(CourseId),
    #[error("registration for `{course}` is open until {closes}: draw after it has closed")]
    NotYetClosed { course: CourseId, closes: NaiveDate },
    #[error("the witness must be 1 to 20 digits 0-9 (e.g. 371)")]
    BadWitness,
    #[error("course `{0}` was already drawn; the first draw stands")]
    AlreadyDrawn(CourseId),
    #[error("the store failed: {0}")]
    Store(StoreError),
}

/// Draws `course` with the `witness` digits at `now`, once registration has closed.
pub async fn draw_course(
    store: &dyn Store,
    catalogue: &Catalogue,
    course: &str,
    witness: &str,
    now: Time,
) -> Result<Draw, DrawError> {
    let unknown = || DrawError::UnknownCourse(course.to_owned());
    let id: CourseId = course.parse().map_err(|_| unknown())?;
    let facts = catalogue.courses.get(&id).ok_or_else(unknown)?;
    if facts.allocation != Allocation::Lottery {
        return Err(DrawError::NotLottery(id));
    }
    let window = facts.registration;
    if window.state_on(now.date_naive()) != WindowState::Closed {
        return Err(DrawError::NotYetClosed {
            course: id,
            closes: window.closes,
        });
    }
    let witness = Witness::parse(witness).map_err(|_| DrawError::BadWitness)?;
    let request = DrawRequest {
        course: id.clone(),
        witness,
        capacity: facts.capacity,
        waitlist: facts.waitlist,
        at: now,
    };
    store.draw(request).await.map_err(|e| match e {
        StoreError::AlreadyDrawn => DrawError::AlreadyDrawn(id),
        other => DrawError::Store(other),
    })
}
