//! Domain types shared by the functions and the generator: ids, times, catalogue facts.

pub mod ids;
pub use ids::{CourseId, IdError, LecturerId, PageId, ProgramId, SlotId, TownshipId};
pub mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
    pub fn parse(s: &str) -> Result<NaiveTime, String> {
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map_err(|_| format!("`{s}` is not a time of day; write it as HH:MM, e.g. \"19:30\""))
    }
}
