//! diandan's runtime core: the domain rules, the catalogue the rules check against, the
//! `Store` with its backends, and the HTTP API as one router. It never depends on the generator.

pub mod api;
pub mod catalogue;
pub mod clock;
pub mod counts;
pub mod domain;
pub mod lambda;
pub mod lottery;
pub mod notify;
pub mod planner;
pub mod rebuild;
pub mod sms;
pub mod store;

pub use api::{router, ApiState};
