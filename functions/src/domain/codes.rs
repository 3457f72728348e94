//! Registration codes and cancel tokens: short codes people read aloud on the phone, and long
//! secrets that only the person who registered holds (in the cancel link).

use std::fmt;

use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
pub const CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 6;
/// Hex digits in a cancel token (128 random bits).
pub const TOKEN_LEN: usize = 32;

/// Why a string is not a code or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a confirmation code is {CODE_LEN} letters and digits")]
    BadCode,
    #[error("a cancel token is {TOKEN_LEN} hex digits")]
    BadToken,
}

/// A registration's confirmation code, e.g. `K7Q2MX`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ConfirmationCode(String);

impl ConfirmationCode {
    /// A fresh random code; the store retries on the rare collision.
    pub fn random() -> Self {
        let alphabet = CODE_ALPHABET.as_bytes();
        let mut rng = rand::rng();
        let code = (0..CODE_LEN)
            .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
            .collect();
        Self(code)
    }

    /// Reads a code as typed: case and surrounding spaces do not matter.
    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = code.len() == CODE_LEN && code.chars().all(|c| CODE_ALPHABET.contains(c));
        if ok {
            Ok(Self(code))
        } else {
            Err(CodeError::BadCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ConfirmationCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConfirmationCode({})", self.0)
    }
}

/// The secret that lets its holder cancel a registration. Only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct CancelToken(String);

impl CancelToken {
    pub fn random() -> Self {
        let mut bytes = [0u8; TOKEN_LEN / 2];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn parse(raw: &str) -> Result<Self, CodeError> {
        let token = raw.trim().to_ascii_lowercase();
        let ok = token.len() == TOKEN_LEN && token.chars().all(|c| c.is_ascii_hexdigit());
        if ok {
            Ok(Self(token))
        } else {
            Err(CodeError::BadToken)
        }
    }

    /// The token itself, for the cancel link given once to the person who registered.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What the store keeps: SHA-256 of the token, hex. A leaked database cannot cancel.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// Compares with a stored hash in constant time, so timing tells an attacker nothing.
    pub fn matches(&self, stored_hash: &str) -> bool {
        self.hash().as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CancelToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = ConfirmationCode::random();
            assert_eq!(code.as_str().len(), CODE_LEN);
            assert!(code.as_str().chars().all(|c| CODE_ALPHABET.contains(c)));
            assert_eq!(ConfirmationCode::parse(code.as_str()).unwrap(), code);
        }
    }

    #[test]
    fn codes_parse_as_typed() {
        assert_eq!(
            ConfirmationCode::parse(" k7q2mx ").unwrap().as_str(),
            "K7Q2MX"
        );
        assert!(
            ConfirmationCode::parse("K7Q2M0").is_err(),
            "0 is not in the alphabet"
        );
        assert!(ConfirmationCode::parse("K7Q2M").is_err());
        assert!(ConfirmationCode::parse("码码码码码码").is_err());
    }

    #[test]
    fn tokens_match_their_hash_only() {
        let t = CancelToken::random();
        assert_eq!(t.reveal().len(), TOKEN_LEN);
        assert!(t.matches(&t.hash()));
        assert!(!CancelToken::random().matches(&t.hash()));
        assert_eq!(CancelToken::parse(&t.reveal().to_uppercase()).unwrap(), t);
        assert!(CancelToken::parse("xyz").is_err());
        assert_eq!(format!("{t:?}"), "CancelToken(…)");
    }
}
