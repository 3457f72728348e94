//! The one-time code a text message carries and the verified-device token a correct code
//! earns. Both are secrets: `Debug` never shows them, and the store keeps only keyed hashes.

use std::fmt;

use rand::{Rng, RngCore};

use super::person::{PersonKey, Secret};

/// Six digits from the thread's CSPRNG (ChaCha, seeded by the operating system).
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    pub const DIGITS: usize = 6;

    pub fn random() -> Self {
        Self(format!("{:06}", rand::rng().random_range(0..1_000_000u32)))
    }

    /// A code as typed: spaces and dashes are ignored, full-width digits accepted.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut digits = String::new();
        for c in raw.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '\u{3000}' => {}
                _ => return None,
            }
        }
        (digits.len() == Self::DIGITS).then_some(Self(digits))
    }

    /// The digits, for the text message only.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What the store keeps: a keyed hash bound to the person, so one number's code is
    /// worthless for another.
    pub fn hash(&self, secret: &Secret, person: &PersonKey) -> String {
        secret.keyed_hex("sms-code", &format!("{}:{}", person.as_str(), self.0))
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(…)")
    }
}

/// A verified device's token: 32 random bytes in hex, held by the browser (an HttpOnly
/// cookie) or an app (`Authorization: Verified …`).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken(String);

impl DeviceToken {
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// A token as a client sent it; anything but 64 hex digits is no token.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(raw.to_ascii_lowercase()))
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// What the store keeps.
    pub fn hash(&self, secret: &Secret) -> String {
        secret.keyed_hex("device", &self.0)
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Phone;

    #[test]
    fn codes_are_six_digits_and_parse_as_typed() {
        for _ in 0..50 {
            let code = OneTimeCode::random();
            assert_eq!(code.reveal().len(), 6);
            assert!(code.reveal().bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(OneTimeCode::parse("０１２ 345").unwrap().reveal(), "012345");
        for bad in ["12345", "1234567", "12a456", ""] {
            assert!(OneTimeCode::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", OneTimeCode::parse("123456").unwrap()),
            "OneTimeCode(…)"
        );
    }

    #[test]
    fn hashes_are_bound_to_the_person() {
        let secret = Secret::new("otp-test-secret-123456").unwrap();
        let a = secret.person_key(&Phone::parse("13900000001").unwrap());
        let b = secret.person_key(&Phone::parse("13900000002").unwrap());
        let code = OneTimeCode::parse("123456").unwrap();
        assert_ne!(code.hash(&secret, &a), code.hash(&secret, &b));
        assert!(!code.hash(&secret, &a).contains("123456"));
        let token = DeviceToken::random();
        assert_eq!(DeviceToken::parse(token.reveal()), Some(token.clone()));
        assert!(DeviceToken::parse("xyz").is_none());
    }
}
