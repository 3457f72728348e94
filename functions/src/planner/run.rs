//! Running the planner against a store: read its input, propose, and store the proposals.
//! Used alike by `diandan plan`, the admin API and the scheduled Lambda.

use chrono::NaiveDate;

use super::{plan, PlanInput, Proposal};
use crate::catalogue::Catalogue;
use crate::store::{Store, StoreError, Time};

/// Reads assignments, demand, lecture requests and performances, and plans every open
/// `auto` slot dated `today` or later.
pub async fn propose(
    store: &dyn Store,
    catalogue: &Catalogue,
    today: NaiveDate,
) -> Result<Vec<Proposal>, StoreError> {
    let assignments = store.assignments().await?;
    let demand = store.order_demand().await?;
    let lectures = store.lecture_requests().await?;
    let performances = store.performances().await?;
    Ok(plan(&PlanInput {
        catalogue,
        today,
        assignments: &assignments,
        demand: &demand,
        lectures: &lectures,
        performances: &performances,
    }))
}

/// Stores the proposals that fill their slot, as made `at`. A slot assigned meanwhile (a staff
/// pin) keeps its assignment. Returns how many were stored.
pub async fn apply(store: &dyn Store, proposals: &[Proposal], at: Time) -> Result<u32, StoreError> {
    let planned: Vec<_> = (proposals.iter())
        .filter_map(|p| p.to_assignment(at))
        .collect();
    if planned.is_empty() {
        return Ok(0);
    }
    store.apply_plan(planned).await
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, catalogue, date};
    use super::*;
    use crate::store::conformance::{name, person};
    use crate::store::{NewOrder, SqliteStore};

    #[tokio::test]
    async fn orders_in_the_store_become_a_stored_plan_once() {
        let store = SqliteStore::in_memory().unwrap();
        for who in 0..18 {
            let order = NewOrder {
                program: "minju".parse().unwrap(),
                township: "nanyu".parse().unwrap(),
                person: person(who),
                name: name("张美玲"),
                note: None,
                at: at(2),
                reach: None,
            };
            store.order(order).await.unwrap();
        }
        let c = catalogue();
        let proposals = propose(&store, &c, date(12, 1)).await.unwrap();
        let filled: Vec<_> = proposals.iter().filter(|p| p.program.is_some()).collect();
        assert_eq!(filled.len(), 1);
        assert_eq!(filled[0].reason, "南屿镇 18 人点单");
        assert_eq!(apply(&store, &proposals, at(3)).await.unwrap(), 1);
        let again = propose(&store, &c, date(12, 1)).await.unwrap();
        assert!(
            again.iter().all(|p| p.program.is_none()),
            "the filled slot is not re-planned"
        );
        assert_eq!(apply(&store, &again, at(4)).await.unwrap(), 0);
        assert_eq!(store.assignments().await.unwrap()[0].at, at(3));
    }
}
