//! Abuse limits' counters: attempts per key in fixed windows, kept in the store so that every
//! Lambda instance (and a restarted `serve`) sees the same counts.

use std::net::IpAddr;

use crate::domain::{PersonKey, Secret};

/// Whose attempts a counter counts: a keyed hash of a client's address or a person's key, so
/// the store never holds an address or a phone number for the limits' sake.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LimitKey(String);

impl LimitKey {
    /// A person, by the key their phone number hashes to.
    pub fn person(person: &PersonKey) -> Self {
        Self(format!("person:{}", person.as_str()))
    }

    /// A client address. IPv6 clients are counted by their /64 network: one household or
    /// phone usually holds a whole /64 and could otherwise step around the limit.
    /// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is keyed by its IPv4
    /// address, not the one /64 every such client shares.
    pub fn client(secret: &Secret, ip: IpAddr) -> Self {
        let network = match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        };
        Self(format!("client:{}", secret.keyed_hex("client", &network)))
    }

    /// A staff account (a village helper's daily cap), its name in hex.
    pub fn account(name: &str) -> Self {
        Self(format!("account:{}", hex::encode(name)))
    }

    /// The same client or person, counted apart for text-message codes (their own limits).
    pub fn for_codes(self) -> Self {
        Self(format!("code{}", self.0))
    }

    /// The same person's texts from the outbox (a daily cap of their own).
    pub fn for_messages(self) -> Self {
        Self(format!("text{}", self.0))
    }

    /// A key made of letters, digits and `:` only (safe inside any backend's keys).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One attempt to count: who, and the fixed window it falls in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub key: LimitKey,
    /// The window's start in seconds since the epoch (a multiple of its length).
    pub window_start: i64,
    /// The window's end: when the counter may be deleted.
    pub expires_at: i64,
}

impl Attempt {
    /// The attempt made at `at` (seconds since the epoch) in windows of `window_secs`.
    pub fn new(key: LimitKey, at: i64, window_secs: u32) -> Self {
        let len = i64::from(window_secs.max(1));
        let window_start = at.div_euclid(len) * len;
        Self {
            key,
            window_start,
            expires_at: window_start + len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_end_where_the_next_begins() {
        let key = LimitKey("person:ab".into());
        let a = Attempt::new(key.clone(), 1_000_059, 60);
        assert_eq!((a.window_start, a.expires_at), (1_000_020, 1_000_080));
        let b = Attempt::new(key, 1_000_080, 60);
        assert_eq!(b.window_start, a.expires_at);
    }

    #[test]
    fn clients_hash_and_ipv6_counts_per_network() {
        let secret = Secret::new("limits-test-secret-1234").unwrap();
        let a = LimitKey::client(&secret, "2001:db8:1:2::1".parse().unwrap());
        let b = LimitKey::client(&secret, "2001:db8:1:2:ffff::9".parse().unwrap());
        let c = LimitKey::client(&secret, "2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let v4 = LimitKey::client(&secret, "10.1.2.3".parse().unwrap());
        assert!(!v4.as_str().contains("10.1.2.3"));
        assert!(v4.as_str().starts_with("client:"));
        let mapped = |s: &str| LimitKey::client(&secret, s.parse().unwrap());
        assert_eq!(mapped("::ffff:10.1.2.3"), v4);
        assert_ne!(mapped("::ffff:10.1.2.3"), mapped("::ffff:10.1.2.4"));
    }
}
