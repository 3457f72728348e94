//! Mainland mobile numbers: parsed and normalised once at the edge, never shown in full.

use std::fmt;

use serde::Deserialize;

/// Why a string is not a mainland mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("a phone number may contain only digits, spaces, dashes and a leading +86 (found {found:?})")]
    BadChar { found: char },
    #[error("only mainland numbers (+86) are accepted")]
    ForeignCountry,
    #[error("a mainland mobile number has 11 digits (found {digits})")]
    WrongLength { digits: usize },
    #[error("a mainland mobile number starts with 13-19")]
    NotMobile,
}

/// A mainland mobile number, normalised to its 11 digits (`13800138000`).
///
/// `Debug` and `Display` mask the middle four digits so that logs and error messages never
/// carry the full number; [`Phone::digits`] gives it whole for the places staff must call back.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts the ways people write their number: `+86 138-0013-8000`, `8613800138000`,
    /// `138 0013 8000`, full-width digits from a Chinese input method, and so on.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let digits = strip_separators(raw)?;
        let national = strip_country_code(&digits)?;
        if national.len() != 11 {
            return Err(PhoneError::WrongLength {
                digits: national.len(),
            });
        }
        let bytes = national.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(PhoneError::NotMobile);
        }
        Ok(Self(national.to_owned()))
    }

    /// The 11 digits, for storage where staff must call back (registrations only).
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `138****8000`: enough for a person to recognise their own number, useless to others.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Maps full-width digits (U+FF10–U+FF19), as Chinese input methods type them, to ASCII.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

/// Keeps the digits and a leading plus sign; drops the separators people type between groups.
fn strip_separators(raw: &str) -> Result<String, PhoneError> {
    let mut out = String::with_capacity(16);
    for c in raw.trim().chars() {
        if let Some(d) = ascii_digit(c) {
            out.push(d);
        } else if (c == '+' || c == '＋') && out.is_empty() {
            out.push('+');
        } else if !matches!(
            c,
            ' ' | '\u{3000}' | '-' | '－' | '(' | ')' | '（' | '）' | '.'
        ) {
            return Err(PhoneError::BadChar { found: c });
        }
    }
    if out.is_empty() || out == "+" {
        return Err(PhoneError::Empty);
    }
    Ok(out)
}

/// Removes `+86`, `0086` or a bare `86` before an 11-digit number.
fn strip_country_code(digits: &str) -> Result<&str, PhoneError> {
    if let Some(rest) = digits.strip_prefix('+') {
        return rest.strip_prefix("86").ok_or(PhoneError::ForeignCountry);
    }
    if let Some(rest) = digits.strip_prefix("0086") {
        return Ok(rest);
    }
    // A bare 86 prefix is only a country code when 11 digits follow it: no mobile
    // number starts with 86, so this cannot eat part of a real number.
    match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => Ok(rest),
        _ => Ok(digits),
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, PhoneError> {
        Self::parse(&s)
    }
}

impl std::str::FromStr for Phone {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, PhoneError> {
        Self::parse(s)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_common_spellings() {
        for raw in [
            "+86 138-0013-8000",
            "8613800138000",
            "13800138000",
            "138 0013 8000",
            "１３８００１３８０００",
            "+86１３８ ００１３ ８０００",
            "0086 138 0013 8000",
            "（138）0013-8000",
        ] {
            let p = Phone::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(p.digits(), "13800138000", "{raw}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_mainland_mobile() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("  + "), Err(PhoneError::Empty));
        assert_eq!(
            Phone::parse("1380013800"),
            Err(PhoneError::WrongLength { digits: 10 })
        );
        assert_eq!(
            Phone::parse("138001380001"),
            Err(PhoneError::WrongLength { digits: 12 })
        );
        assert_eq!(Phone::parse("12800138000"), Err(PhoneError::NotMobile));
        assert_eq!(Phone::parse("23800138000"), Err(PhoneError::NotMobile));
        assert_eq!(
            Phone::parse("+852 9123 4567"),
            Err(PhoneError::ForeignCountry)
        );
        assert_eq!(
            Phone::parse("138abc38000"),
            Err(PhoneError::BadChar { found: 'a' })
        );
        assert_eq!(
            Phone::parse("138+0013800"),
            Err(PhoneError::BadChar { found: '+' })
        );
    }

    #[test]
    fn never_shows_the_whole_number() {
        let p = Phone::parse("13800138000").unwrap();
        assert_eq!(p.to_string(), "138****8000");
        assert_eq!(format!("{p:?}"), "Phone(138****8000)");
        assert!(!format!("{p:?}{p}").contains("13800138000"));
    }

    #[test]
    fn deserialises_through_the_parser() {
        let p: Phone = serde_json::from_str("\"+86 139 0000 1111\"").unwrap();
        assert_eq!(p.digits(), "13900001111");
        assert!(serde_json::from_str::<Phone>("\"110\"").is_err());
    }
}
