//! Domain types shared by the functions and the generator: ids, times, catalogue facts, and the
//! rules for what residents type (phones, names, texts, stars, ages, codes).

pub mod account;
pub mod codes;
pub mod draw;
pub mod ids;
mod mask;
pub mod otp;
pub mod person;
pub mod phone;
pub mod sealed;
pub mod text;

pub use account::{AccountError, AccountName, Channel, Password, PasswordHash, Role};
pub use codes::{CancelToken, CodeError, ConfirmationCode};
pub use ids::{CourseId, IdError, LecturerId, PageId, ProgramId, SlotId, TownshipId};
pub use mask::mask_phones_in;
pub use otp::{DeviceToken, OneTimeCode};
pub use person::{PersonKey, Secret, SecretError};
pub use phone::{Phone, PhoneError};
pub use sealed::{DataKey, SealError, SealedPhone};
pub use text::{
    mask_name, ChildAge, Comment, NumberError, PersonName, ReplyText, ShortText, Stars, Text,
    TextError, WishText,
};

/// Serde for a wall-clock time written `HH:MM`, as editors write it in schedules.
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

    /// Parses `19:30`; the message says what was expected.
    pub fn parse(s: &str) -> Result<NaiveTime, String> {
        NaiveTime::parse_from_str(s.trim(), "%H:%M")
            .map_err(|_| format!("`{s}` is not a time of day; write it as HH:MM, e.g. \"19:30\""))
    }
}
