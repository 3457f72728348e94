//! What the store holds about one person, for a resident's request to see it or to have it
//! erased (PIPL's rights of access and deletion), answered through the admin API.

use serde::Serialize;

use super::{NominationRow, OrderRow, QueuedMessage, RegistrationRow, Time, WishId};
use crate::domain::{SlotId, TownshipId};

/// Everything kept under one person's key (their phone number's hash).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonData {
    pub orders: Vec<OrderRow>,
    pub nominations: Vec<NominationRow>,
    /// With the phone number in full: staff hand this to the person who asked, nobody else.
    pub registrations: Vec<RegistrationRow>,
    pub wishes: Vec<PersonWish>,
    pub ratings: Vec<PersonRating>,
    /// Texts owed or sent to them (the outbox), with the number sealed or already erased.
    pub messages: Vec<QueuedMessage>,
}

/// A wish the person posted, with the name they gave (unmasked: it is theirs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonWish {
    pub id: WishId,
    pub text: String,
    pub township: TownshipId,
    pub name: Option<String>,
    pub asked_at: Time,
    pub reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRating {
    pub slot: SlotId,
    pub stars: u8,
    pub comment: Option<String>,
    pub rated_at: Time,
}

/// How many records of each kind erasing a person deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Forgotten {
    pub orders: u32,
    pub nominations: u32,
    pub registrations: u32,
    pub wishes: u32,
    pub ratings: u32,
}

impl Forgotten {
    pub fn total(&self) -> u32 {
        self.orders + self.nominations + self.registrations + self.wishes + self.ratings
    }
}
