//! Phone numbers kept to send a text later (docs/notifications.md): sealed with AES-256-GCM
//! under a data key of their own, so a copy of the store alone gives no number away.

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use super::person::write_private;
use super::phone::Phone;

/// Binds every sealed number to its purpose: a value sealed for something else never opens.
const PURPOSE: &[u8] = b"diandan phone v1";
const NONCE_BYTES: usize = 12;

/// Why a data key could not be had, or a sealed number not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the data key must be 64 hex digits (32 bytes)")]
    BadKey,
    #[error("cannot read or write the data key file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("a sealed number does not open with this data key")]
    WontOpen,
}

/// The key numbers are sealed with. Its `Debug` never prints it.
#[derive(Clone)]
pub struct DataKey(Aes256Gcm);

impl DataKey {
    /// A key from configuration: 64 hex digits.
    pub fn new(hex_key: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SealError::BadKey)?;
        Ok(Self(cipher))
    }

    /// A fresh random key: for tests, and for a process that must never open what it seals.
    pub fn random() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(Aes256Gcm::new(&bytes.into()))
    }

    /// Reads the key from the environment variable `var`; `Ok(None)` when it is unset.
    pub fn from_env(var: &str) -> Result<Option<Self>, SealError> {
        match std::env::var(var) {
            Ok(value) if !value.trim().is_empty() => Self::new(&value).map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the key kept in `path`, creating it (32 random bytes, hex, mode 0600) if missing:
    /// `diandan serve` keeps it beside the person-hash secret.
    pub fn load_or_create(path: &Path) -> Result<Self, SealError> {
        let io = |source| SealError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::new(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes: [u8; 32] = rand::random();
                let text = hex::encode(bytes);
                write_private(path, &text).map_err(io)?;
                Self::new(&text)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Seals `phone` under a fresh random nonce: the same number sealed twice looks different.
    pub fn seal(&self, phone: &Phone) -> SealedPhone {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let payload = Payload {
            msg: phone.digits().as_bytes(),
            aad: PURPOSE,
        };
        // Encrypting eleven bytes with a valid key and nonce cannot fail.
        let sealed = (self.0.encrypt(Nonce::from_slice(&nonce), payload)).unwrap_or_default();
        SealedPhone {
            masked: phone.masked(),
            blob: format!("{}{}", hex::encode(nonce), hex::encode(sealed)),
        }
    }

    /// The number inside `sealed`, if it was sealed with this key and not altered.
    pub fn open(&self, sealed: &SealedPhone) -> Result<Phone, SealError> {
        let bytes = hex::decode(&sealed.blob).map_err(|_| SealError::WontOpen)?;
        if bytes.len() <= NONCE_BYTES {
            return Err(SealError::WontOpen);
        }
        let (nonce, text) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: text,
            aad: PURPOSE,
        };
        let plain =
            (self.0.decrypt(Nonce::from_slice(nonce), payload)).map_err(|_| SealError::WontOpen)?;
        let digits = String::from_utf8(plain).map_err(|_| SealError::WontOpen)?;
        Phone::parse(&digits).map_err(|_| SealError::WontOpen)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// A sealed number, with its masked form (`139****6666`) beside it for staff's lists. Stored
/// as one text, `<masked>:<hex of nonce and ciphertext>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPhone {
    masked: String,
    blob: String,
}

impl SealedPhone {
    /// `139****6666`: what staff may see of it.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    pub fn to_stored(&self) -> String {
        format!("{}:{}", self.masked, self.blob)
    }

    /// Reads the stored form back; `None` if it is not one.
    pub fn from_stored(text: &str) -> Option<Self> {
        let (masked, blob) = text.split_once(':')?;
        let well_formed = masked.chars().count() == 11
            && !blob.is_empty()
            && blob.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| Self {
            masked: masked.to_owned(),
            blob: blob.to_owned(),
        })
    }
}

impl fmt::Debug for SealedPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedPhone({})", self.masked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> Phone {
        Phone::parse("13912346666").unwrap()
    }

    #[test]
    fn a_sealed_number_opens_with_its_key_only() {
        let key = DataKey::random();
        let sealed = key.seal(&phone());
        assert_eq!(sealed.masked(), "139****6666");
        assert!(!sealed.to_stored().contains("13912346666"));
        let back = SealedPhone::from_stored(&sealed.to_stored()).unwrap();
        assert_eq!(key.open(&back).unwrap(), phone());
        assert!(matches!(
            DataKey::random().open(&back),
            Err(SealError::WontOpen)
        ));
        assert_ne!(key.seal(&phone()), sealed, "a fresh nonce each time");
    }

    #[test]
    fn an_altered_seal_does_not_open() {
        let key = DataKey::random();
        let stored = key.seal(&phone()).to_stored();
        let last = stored.chars().last().unwrap();
        let flipped = if last == '0' { '1' } else { '0' };
        let altered = format!("{}{flipped}", &stored[..stored.len() - 1]);
        let altered = SealedPhone::from_stored(&altered).unwrap();
        assert!(key.open(&altered).is_err());
        assert!(SealedPhone::from_stored("13912346666").is_none());
        assert!(SealedPhone::from_stored("139****6666:zz").is_none());
    }

    #[test]
    fn keys_are_64_hex_digits_and_kept_in_a_private_file() {
        assert!(matches!(DataKey::new("abcd"), Err(SealError::BadKey)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data-key");
        let first = DataKey::load_or_create(&path).unwrap();
        let again = DataKey::load_or_create(&path).unwrap();
        let sealed = first.seal(&phone());
        assert_eq!(again.open(&sealed).unwrap(), phone());
        assert_eq!(format!("{first:?}"), "DataKey(…)");
    }
}
