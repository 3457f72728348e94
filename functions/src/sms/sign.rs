//! What both vendors' request signatures are made of: SHA-256 in lowercase hex, HMAC-SHA-256
//! and RFC 3986 percent-encoding.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986: everything but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper case), UTF-8 bytes.
pub fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&k=v`, each side percent-encoded, sorted by name (then value): the canonical query
/// string, and a form body that matches it byte for byte.
pub fn canonical_pairs(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = (pairs.iter())
        .map(|(k, v)| (percent(k), percent(v)))
        .collect();
    encoded.sort();
    (encoded.iter())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_is_rfc_3986() {
        assert_eq!(percent("a b*~+/"), "a%20b%2A~%2B%2F");
        assert_eq!(percent("文"), "%E6%96%87");
        let pairs = [
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "{}".to_owned()),
        ];
        assert_eq!(canonical_pairs(&pairs), "a=%7B%7D&b=2");
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
