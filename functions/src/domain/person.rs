//! Who a resident is to the store: a keyed hash of their phone number, never the number.

use std::fmt;
use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::phone::Phone;

/// The shortest secret we accept; shorter ones are guessable enough to reverse the hashes.
pub const MIN_SECRET_CHARS: usize = 16;

/// Why a secret could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is too short: use at least {MIN_SECRET_CHARS} characters")]
    TooShort,
    #[error("cannot read or write the secret file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The server's key for person hashes. Its `Debug` never prints the key.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A secret from configuration (e.g. an environment variable on Lambda).
    pub fn new(secret: &str) -> Result<Self, SecretError> {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(SecretError::TooShort);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    /// Reads the secret from the environment variable `var`; `Ok(None)` when it is unset.
    pub fn from_env(var: &str) -> Result<Option<Self>, SecretError> {
        match std::env::var(var) {
            Ok(value) => Self::new(&value).map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Reads the secret kept in `path`, creating it (32 random bytes, hex, mode 0600) if missing.
    ///
    /// `diandan serve` keeps it under `.diandan/secret`, so person hashes — and with them the
    /// duplicate checks — survive restarts.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::new(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                let text = hex::encode(bytes);
                write_private(path, &text).map_err(io)?;
                Self::new(&text)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The person key for a phone number: HMAC-SHA-256 of its 11 digits, in hex.
    pub fn person_key(&self, phone: &Phone) -> PersonKey {
        // `new_from_slice` accepts keys of any length for HMAC, so this cannot fail.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(phone.digits().as_bytes());
        PersonKey(hex::encode(mac.finalize().into_bytes()))
    }
}

impl Secret {
    /// A keyed hash of `value` for `purpose` (so hashes made for one purpose never match
    /// another's), in hex: for values the service must recognise but never keep, such as a
    /// client's address.
    pub fn keyed_hex(&self, purpose: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

/// Creates the file readable by its owner only (on unix), failing if it appeared meanwhile.
pub(super) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A resident's identity in the store: 64 hex digits, stable for one secret and one number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonKey(String);

impl PersonKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a key read back from a store.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }
}

impl fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Eight hex digits tell keys apart in logs without giving away the whole key.
        write!(f, "PersonKey({}…)", self.0.get(..8).unwrap_or(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(s: &str) -> Phone {
        Phone::parse(s).unwrap()
    }

    #[test]
    fn keys_are_stable_and_keyed() {
        let a = Secret::new("a-long-enough-secret").unwrap();
        let b = Secret::new("another-long-secret!").unwrap();
        let k1 = a.person_key(&phone("13800138000"));
        let k2 = a.person_key(&phone("+86 138-0013-8000"));
        assert_eq!(k1, k2);
        assert_eq!(k1.as_str().len(), 64);
        assert_ne!(k1, a.person_key(&phone("13900139000")));
        assert_ne!(k1, b.person_key(&phone("13800138000")));
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert!(matches!(Secret::new("short"), Err(SecretError::TooShort)));
        let s = Secret::new("a-long-enough-secret").unwrap();
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn load_or_create_keeps_one_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".diandan").join("secret");
        let first = Secret::load_or_create(&path).unwrap();
        let again = Secret::load_or_create(&path).unwrap();
        let p = phone("13800138000");
        assert_eq!(first.person_key(&p), again.person_key(&p));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
