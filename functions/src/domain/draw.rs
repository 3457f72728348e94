//! The public draw (摇号) of an oversubscribed course: a ranking anyone can recompute from the
//! published list of application codes and the witness digits (after RFC 3797's idea).
//!
//! `list_hash` = SHA-256 hex of the codes sorted ascending and joined by `\n`; `seed` = SHA-256
//! hex of `list_hash + ":" + witness`; each code's key = SHA-256 hex of `seed + ":" + code`;
//! ascending keys rank the codes. The list hash is published when registration closes, before
//! anyone knows the witness digits, so nobody can choose the list to suit the digits.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codes::ConfirmationCode;

/// The most witness digits accepted: enough for any public act (balls, dice, a lottery result).
pub const WITNESS_MAX_DIGITS: usize = 20;

/// Digits drawn in public (e.g. three balls before witnesses at the culture centre).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Witness(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the witness is 1 to {WITNESS_MAX_DIGITS} digits 0-9, e.g. 371")]
pub struct WitnessError;

impl Witness {
    /// Digits only, as announced; surrounding spaces are dropped, nothing else is changed.
    pub fn parse(raw: &str) -> Result<Self, WitnessError> {
        let digits = raw.trim();
        let ok = !digits.is_empty()
            && digits.len() <= WITNESS_MAX_DIGITS
            && digits.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(WitnessError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Witness {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Witness::parse(&raw).map_err(serde::de::Error::custom)
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// SHA-256 hex of the codes, sorted ascending, joined by `\n`.
pub fn list_hash<'a>(codes: impl IntoIterator<Item = &'a ConfirmationCode>) -> String {
    let mut sorted: Vec<&str> = codes.into_iter().map(ConfirmationCode::as_str).collect();
    sorted.sort_unstable();
    sha256_hex(&sorted.join("\n"))
}

/// SHA-256 hex of `list_hash + ":" + witness`.
pub fn seed(list_hash: &str, witness: &Witness) -> String {
    sha256_hex(&format!("{list_hash}:{}", witness.as_str()))
}

/// The codes in draw order: ascending SHA-256 hex of `seed + ":" + code`.
pub fn ranking(seed: &str, codes: &[ConfirmationCode]) -> Vec<ConfirmationCode> {
    let mut keyed: Vec<(String, &ConfirmationCode)> = (codes.iter())
        .map(|code| (sha256_hex(&format!("{seed}:{}", code.as_str())), code))
        .collect();
    // Keys are distinct for distinct codes (a SHA-256 collision aside); the code breaks a tie
    // anyway so the order never depends on the input order.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    keyed.into_iter().map(|(_, code)| code.clone()).collect()
}

/// What a place in the ranking gets: the first `capacity` a place, the next `waitlist` wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Confirmed,
    Waitlisted,
    NotDrawn,
}

impl Outcome {
    /// The outcome of the applicant at `index` (0-based) of the ranking.
    pub fn at(index: usize, capacity: u32, waitlist: u32) -> Self {
        let (capacity, waitlist) = (capacity as usize, waitlist as usize);
        if index < capacity {
            Outcome::Confirmed
        } else if index < capacity.saturating_add(waitlist) {
            Outcome::Waitlisted
        } else {
            Outcome::NotDrawn
        }
    }
}

/// A draw's whole published result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub list_hash: String,
    pub seed: String,
    pub ranking: Vec<ConfirmationCode>,
}

/// Draws `codes` with `witness`: the list hash, the seed and the ranking.
pub fn draw(codes: &[ConfirmationCode], witness: &Witness) -> Drawn {
    let list_hash = list_hash(codes);
    let seed = seed(&list_hash, witness);
    let ranking = ranking(&seed, codes);
    Drawn {
        list_hash,
        seed,
        ranking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> ConfirmationCode {
        ConfirmationCode::parse(s).unwrap()
    }

    #[test]
    fn witnesses_are_digits_only() {
        assert_eq!(Witness::parse(" 371 ").unwrap().as_str(), "371");
        assert_eq!(Witness::parse("007").unwrap().as_str(), "007");
        for bad in ["", "37a", "3 71", "３７１", &"1".repeat(21), "-1"] {
            assert_eq!(Witness::parse(bad), Err(WitnessError), "{bad:?}");
        }
    }

    #[test]
    fn the_list_hash_ignores_order_and_matches_sha256() {
        let a = [code("BBBBBB"), code("AAAAAA")];
        let b = [code("AAAAAA"), code("BBBBBB")];
        assert_eq!(list_hash(&a), list_hash(&b));
        // Independently: printf 'AAAAAA\nBBBBBB' | sha256sum
        assert_eq!(
            list_hash(&a),
            "f0d9e56ed6f7684815936b3ff06c32c42217289d5714f6b40080aac347d82ba9"
        );
    }

    #[test]
    fn the_ranking_does_not_depend_on_the_input_order() {
        let codes = [
            code("K7Q2MX"),
            code("AB2345"),
            code("ZZZZZZ"),
            code("HJK234"),
        ];
        let w = Witness::parse("371").unwrap();
        let mut reversed = codes.to_vec();
        reversed.reverse();
        assert_eq!(draw(&codes, &w), draw(&reversed, &w));
        let other = draw(&codes, &Witness::parse("372").unwrap());
        assert_ne!(draw(&codes, &w).seed, other.seed);
    }

    #[test]
    fn outcomes_follow_capacity_then_waitlist() {
        let got: Vec<Outcome> = (0..6).map(|i| Outcome::at(i, 3, 2)).collect();
        use Outcome::*;
        assert_eq!(
            got,
            [Confirmed, Confirmed, Confirmed, Waitlisted, Waitlisted, NotDrawn]
        );
    }
}
