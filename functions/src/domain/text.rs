//! Free text from residents, bounded in characters (not bytes: a Chinese character is three
//! bytes of UTF-8 but one character to the person typing it), plus stars and ages.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::phone::ascii_digit;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is too short: at least {min} characters")]
    TooShort { min: usize },
    #[error("the text is too long: at most {max} characters (found {found})")]
    TooLong { max: usize, found: usize },
    #[error("the text contains a control character")]
    ControlChar,
    #[error("the text must be on one line")]
    LineBreak,
}

/// Unicode's noncharacters (U+FDD0–U+FDEF and the last two code points of every plane): never
/// text a person typed.
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32) & 0xFFFE == 0xFFFE
}

/// Trims, unifies line endings and checks the length in characters.
fn clean(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, TextError> {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    for c in text.chars() {
        if c == '\n' && !multiline {
            return Err(TextError::LineBreak);
        }
        // Noncharacters too: XML (the Atom feed) does not allow U+FFFE and U+FFFF at all.
        if (c.is_control() && c != '\n' && c != '\t') || is_noncharacter(c) {
            return Err(TextError::ControlChar);
        }
    }
    let found = text.chars().count();
    if found < min {
        return Err(TextError::TooShort { min });
    }
    if found > max {
        return Err(TextError::TooLong { max, found });
    }
    Ok(text.to_owned())
}

/// Text of `MIN..=MAX` characters, possibly on several lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub const MIN_CHARS: usize = MIN;
    pub const MAX_CHARS: usize = MAX;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        clean(raw, MIN, MAX, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Text<MIN, MAX> {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl<const MIN: usize, const MAX: usize> From<Text<MIN, MAX>> for String {
    fn from(t: Text<MIN, MAX>) -> String {
        t.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for Text<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An order's note or a nomination's suggested topic (≤ 200 characters).
pub type ShortText = Text<1, 200>;
/// A wish (诉求): long enough to say something, short enough to answer (5–500).
pub type WishText = Text<5, 500>;
/// A rating's comment (≤ 300).
pub type Comment = Text<1, 300>;
/// Staff's public reply to a wish (≤ 1000).
pub type ReplyText = Text<1, 1000>;

/// A person's name as they want it written: 1–20 characters on one line.
///
/// `Debug` shows it masked (王*), so a record logged whole never carries a resident's name.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl std::fmt::Debug for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PersonName").field(&self.masked()).finish()
    }
}

impl PersonName {
    pub const MIN_CHARS: usize = 1;
    pub const MAX_CHARS: usize = 20;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        clean(raw, Self::MIN_CHARS, Self::MAX_CHARS, false).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as shown in public: see [`mask_name`].
    pub fn masked(&self) -> String {
        mask_name(&self.0)
    }
}

impl TryFrom<String> for PersonName {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, TextError> {
        Self::parse(&s)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> String {
        n.0
    }
}

/// Hides all but the first and last character, as Chinese public notices do:
/// `张美玲` → `张*玲`, `张三` → `张*`, `张` → `*`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.as_slice() {
        [] | [_] => "*".to_owned(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => {
            format!("{first}{}{last}", "*".repeat(middle.len()))
        }
    }
}

/// Why a number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("not a whole number")]
    NotANumber,
    #[error("must be between {min} and {max}")]
    OutOfRange { min: u8, max: u8 },
}

/// Reads a small whole number, allowing full-width digits and a unit suffix (`8岁`, `5星`).
fn small_number(raw: &str, suffix: char) -> Result<u32, NumberError> {
    let raw = raw.trim();
    let raw = raw.strip_suffix(suffix).unwrap_or(raw).trim();
    if raw.is_empty() || raw.chars().count() > 3 {
        return Err(NumberError::NotANumber);
    }
    let mut n: u32 = 0;
    for c in raw.chars() {
        let d = ascii_digit(c).ok_or(NumberError::NotANumber)?;
        n = n * 10 + (d as u32 - '0' as u32);
    }
    Ok(n)
}

/// A rating of one to five stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Stars(u8);

impl Stars {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(n: u32) -> Result<Self, NumberError> {
        match u8::try_from(n) {
            Ok(n @ Self::MIN..=Self::MAX) => Ok(Self(n)),
            _ => Err(NumberError::OutOfRange {
                min: Self::MIN,
                max: Self::MAX,
            }),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, NumberError> {
        Self::new(small_number(raw, '星')?)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A child's age in years. Any school-age number parses; the course's own range is checked
/// where the course is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChildAge(u8);

impl ChildAge {
    pub const MIN: u8 = 0;
    pub const MAX: u8 = 18;

    pub fn new(n: u32) -> Result<Self, NumberError> {
        match u8::try_from(n) {
            Ok(n @ Self::MIN..=Self::MAX) => Ok(Self(n)),
            _ => Err(NumberError::OutOfRange {
                min: Self::MIN,
                max: Self::MAX,
            }),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, NumberError> {
        Self::new(small_number(raw, '岁')?)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_count_characters_not_bytes() {
        let twenty = "张".repeat(20);
        assert_eq!(PersonName::parse(&twenty).unwrap().as_str(), twenty);
        assert_eq!(
            PersonName::parse(&"张".repeat(21)),
            Err(TextError::TooLong { max: 20, found: 21 })
        );
        assert_eq!(PersonName::parse("  林秀英 ").unwrap().as_str(), "林秀英");
        assert_eq!(PersonName::parse("   "), Err(TextError::Empty));
        assert_eq!(PersonName::parse("林\n英"), Err(TextError::LineBreak));
        assert_eq!(PersonName::parse("林\u{7}英"), Err(TextError::ControlChar));
        assert_eq!(
            WishText::parse("希望\u{FFFF}多演"),
            Err(TextError::ControlChar)
        );
        assert_eq!(
            PersonName::parse("林\u{FDD0}英"),
            Err(TextError::ControlChar)
        );
    }

    #[test]
    fn texts_have_their_bounds() {
        assert_eq!(WishText::parse("修路"), Err(TextError::TooShort { min: 5 }));
        assert!(WishText::parse("希望多演闽剧\r\n谢谢")
            .unwrap()
            .as_str()
            .contains('\n'));
        assert!(WishText::parse(&"戏".repeat(500)).is_ok());
        assert!(WishText::parse(&"戏".repeat(501)).is_err());
        assert!(ShortText::parse(&"a".repeat(200)).is_ok());
        assert!(ShortText::parse(&"a".repeat(201)).is_err());
        assert!(Comment::parse(&"好".repeat(301)).is_err());
        assert!(ReplyText::parse(&"复".repeat(1000)).is_ok());
    }

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("张美玲"), "张*玲");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name("欧阳美玲"), "欧**玲");
        assert_eq!(mask_name(""), "*");
    }

    #[test]
    fn stars_and_ages() {
        assert_eq!(Stars::parse("5").unwrap().get(), 5);
        assert_eq!(Stars::parse("４星").unwrap().get(), 4);
        assert!(Stars::parse("0").is_err());
        assert!(Stars::parse("6").is_err());
        assert!(Stars::parse("4.5").is_err());
        assert_eq!(ChildAge::parse("8岁").unwrap().get(), 8);
        assert_eq!(ChildAge::parse(" １０ ").unwrap().get(), 10);
        assert!(ChildAge::parse("19").is_err());
        assert!(ChildAge::parse("-1").is_err());
        assert!(ChildAge::parse("99999").is_err());
    }
}
