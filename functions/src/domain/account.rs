//! Staff accounts: their names, roles, the channel a village helper took a resident's
//! submission by, and passwords (checked for length, kept only as Argon2id hashes).

use std::fmt;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::ids::{check_slug, IdError};

/// Why a name, role, channel or password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("an account name {0}")]
    Name(IdError),
    #[error("an account name is at most {max} characters long")]
    NameTooLong { max: usize },
    #[error("`{0}` is not a role: write admin, staff or helper")]
    Role(String),
    #[error("`{0}` is not a channel: write paper, phone or visit")]
    Channel(String),
    #[error("a password needs at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("a password is at most {max} characters long")]
    PasswordTooLong { max: usize },
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// An account's login name: a slug (`lin-xiaomei`), so it is safe in keys, URLs and logs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    pub const MAX_CHARS: usize = 32;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AccountName {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, AccountError> {
        check_slug(&s).map_err(AccountError::Name)?;
        if s.len() > Self::MAX_CHARS {
            return Err(AccountError::NameTooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(s))
    }
}

impl std::str::FromStr for AccountName {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, AccountError> {
        Self::try_from(s.to_owned())
    }
}

impl From<AccountName> for String {
    fn from(name: AccountName) -> String {
        name.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Role {
    /// Everything, including the accounts themselves.
    Admin,
    /// The staff API: wishes, slots, the planner, exports, people, the log.
    Staff,
    /// Submissions on behalf of residents of the helper's own townships, and nothing else.
    Helper,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Staff, Role::Helper];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Helper => "helper",
        }
    }

    /// Whether the role may use the staff API (`/api/admin/*` apart from accounts).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }
}

impl TryFrom<String> for Role {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, AccountError> {
        s.parse()
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, AccountError> {
        match s.trim() {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "helper" => Ok(Role::Helper),
            other => Err(AccountError::Role(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a village helper took a resident's submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Channel {
    /// A paper slip the resident filled in.
    Paper,
    /// A phone call.
    Phone,
    /// A home visit.
    Visit,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Paper, Channel::Phone, Channel::Visit];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Paper => "paper",
            Channel::Phone => "phone",
            Channel::Visit => "visit",
        }
    }

    /// In staff's words.
    pub fn words(self) -> &'static str {
        match self {
            Channel::Paper => "纸质登记",
            Channel::Phone => "电话代办",
            Channel::Visit => "上门代办",
        }
    }
}

impl TryFrom<String> for Channel {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, AccountError> {
        s.parse()
    }
}

impl std::str::FromStr for Channel {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, AccountError> {
        match s.trim() {
            "paper" => Ok(Channel::Paper),
            "phone" => Ok(Channel::Phone),
            "visit" => Ok(Channel::Visit),
            other => Err(AccountError::Channel(other.to_owned())),
        }
    }
}

/// A password as typed, long enough to be worth hashing. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(AccountError::PasswordTooShort {
                min: Self::MIN_CHARS,
            });
        }
        if n > Self::MAX_CHARS {
            return Err(AccountError::PasswordTooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(raw.to_owned()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// OWASP's recommended Argon2id parameters: 19 MiB of memory, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password's Argon2id hash in the PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$…`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes `password` with a fresh random salt.
    pub fn create(password: &Password) -> Result<Self, AccountError> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| AccountError::Hashing(e.to_string()))?;
        let hash = (hasher().hash_password(password.0.as_bytes(), &salt))
            .map_err(|e| AccountError::Hashing(e.to_string()))?;
        Ok(Self(hash.to_string()))
    }

    /// A hash as the store kept it.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the password. A stored hash that does not parse matches nothing.
    pub fn verify(&self, given: &str) -> bool {
        match Phc::new(&self.0) {
            Ok(parsed) => hasher().verify_password(given.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time a verification takes, for a name with no account: the answer's timing
    /// then does not tell which account names exist.
    pub fn verify_nothing(given: &str) {
        static DUMMY: LazyLock<Option<PasswordHash>> = LazyLock::new(|| {
            let password = Password::parse("no-account-has-this-password").ok()?;
            PasswordHash::create(&password).ok()
        });
        if let Some(dummy) = DUMMY.as_ref() {
            let _ = dummy.verify(given);
        }
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_slugs() {
        assert!("lin-xiaomei".parse::<AccountName>().is_ok());
        assert!("Lin".parse::<AccountName>().is_err());
        assert!("林".parse::<AccountName>().is_err());
        assert!("a".repeat(33).parse::<AccountName>().is_err());
    }

    #[test]
    fn roles_and_channels_parse_their_words_only() {
        assert_eq!("helper".parse::<Role>(), Ok(Role::Helper));
        assert!("root".parse::<Role>().is_err());
        assert!(!Role::Helper.is_staff());
        assert_eq!("visit".parse::<Channel>(), Ok(Channel::Visit));
        assert!("sms".parse::<Channel>().is_err());
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = Password::parse("correct horse battery").unwrap();
        let hash = PasswordHash::create(&password).unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse batterY"));
        let again = PasswordHash::create(&password).unwrap();
        assert_ne!(hash, again, "a fresh salt each time");
        assert!(!PasswordHash::from_stored("garbage".into()).verify(""));
        assert!(!format!("{password:?}{hash:?}").contains("horse"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            Password::parse("short"),
            Err(AccountError::PasswordTooShort { min: 10 })
        );
    }
}
