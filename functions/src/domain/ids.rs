//! Typed identifiers: every catalogue id is a slug checked once, at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id cannot be empty")]
    Empty,
    #[error("an id is at most {max} characters long")]
    TooLong { max: usize },
    #[error("an id may use only lowercase letters a-z, digits and `-` (found {found:?})")]
    BadChar { found: char },
    #[error("an id cannot start or end with `-`")]
    EdgeDash,
}

/// The longest id we accept; slugs are file stems and URL parts, so keep them short.
pub const MAX_ID_LEN: usize = 64;

/// Checks the slug rule shared by every id: lowercase ASCII letters, digits and inner dashes.
pub fn check_slug(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { max: MAX_ID_LEN });
    }
    if let Some(found) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(IdError::BadChar { found });
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(IdError::EdgeDash);
    }
    Ok(())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                check_slug(&s)?;
                Ok(Self(s))
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::try_from(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(
    /// A program (节目) that residents can order for a village stage.
    ProgramId
);
slug_id!(
    /// A volunteer lecturer (讲师) that residents can nominate.
    LecturerId
);
slug_id!(
    /// A free course (培训课程) that children can be registered for.
    CourseId
);
slug_id!(
    /// A township or sub-district (乡镇/街道).
    TownshipId
);
slug_id!(
    /// A dated stage or forum occasion, e.g. `2026-12-12-nanyu-stage`.
    SlotId
);
slug_id!(
    /// A free page of the site (about, privacy, …).
    PageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs() {
        for ok in ["nanyu", "minju-chenjinggu", "a1", "2026-12-12-nanyu-stage"] {
            assert!(ProgramId::from_str(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_non_slugs() {
        assert_eq!(ProgramId::from_str(""), Err(IdError::Empty));
        assert_eq!(
            ProgramId::from_str("Nanyu"),
            Err(IdError::BadChar { found: 'N' })
        );
        assert_eq!(
            ProgramId::from_str("南屿"),
            Err(IdError::BadChar { found: '南' })
        );
        assert_eq!(ProgramId::from_str("-a"), Err(IdError::EdgeDash));
        assert!(matches!(
            ProgramId::from_str(&"a".repeat(65)),
            Err(IdError::TooLong { .. })
        ));
    }

    #[test]
    fn serde_validates() {
        let ok: TownshipId = serde_json::from_str("\"nanyu\"").unwrap();
        assert_eq!(ok.as_str(), "nanyu");
        assert!(serde_json::from_str::<TownshipId>("\"Nan Yu\"").is_err());
    }
}
