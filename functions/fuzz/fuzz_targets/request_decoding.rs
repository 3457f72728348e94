//! Request decoding on arbitrary bytes: JSON bodies, form bodies and query strings, the field
//! checks, and phone numbers. The first byte picks the decoder. Nothing may panic; errors are
//! the documented statuses; what decodes survives a roundtrip through its encoding.

#![no_main]

use diandan_functions::api::fields::Checker;
use diandan_functions::api::input::{parse_form, parse_json, parse_query, Allowed, Fields};
use diandan_functions::domain::{ChildAge, Phone, Stars};
use libfuzzer_sys::fuzz_target;

/// Every field name a route reads, plus the honeypot.
const FIELDS: &[&str] = &[
    "program",
    "township",
    "name",
    "phone",
    "note",
    "text",
    "child_age",
    "stars",
    "reply",
    "website",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 4 {
        0 => json_body(rest),
        1 => form_body(rest),
        2 => checked_fields(rest),
        _ => phone(rest),
    }
});

/// Decoded JSON fields come back the same when encoded as a JSON object of strings.
fn json_body(bytes: &[u8]) {
    let fields = match parse_json(bytes, Allowed::Only(FIELDS)) {
        Ok(fields) => fields,
        Err(e) => {
            assert!(matches!(e.status.as_u16(), 400 | 422), "{}", e.status);
            return;
        }
    };
    let object: serde_json::Map<String, serde_json::Value> = (FIELDS.iter())
        .filter(|name| !fields.raw(name).is_empty())
        .map(|name| (name.to_string(), fields.raw(name).into()))
        .collect();
    let again = serde_json::to_vec(&object).expect("a map of strings encodes");
    let decoded = parse_json(&again, Allowed::Only(FIELDS)).expect("re-encoded fields decode");
    for name in FIELDS {
        assert_eq!(decoded.raw(name), fields.raw(name), "{name}");
    }
}

/// Decoded form pairs come back the same when encoded as a browser would, and a query string
/// (which never fails) keeps the first value of each name.
fn form_body(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let query = parse_query(Some(text));
        if let Ok(pairs) = parse_form(bytes) {
            if let Some((name, value)) = pairs.first() {
                assert_eq!(query.raw(name), value);
            }
        }
    }
    let pairs = match parse_form(bytes) {
        Ok(pairs) => pairs,
        Err(e) => {
            assert_eq!(e.status.as_u16(), 400);
            return;
        }
    };
    let again = serde_urlencoded::to_string(&pairs).expect("pairs of strings encode");
    let decoded = parse_form(again.as_bytes()).expect("re-encoded pairs decode");
    assert_eq!(decoded, pairs);
}

/// Every check a route makes, on whatever a form carried: a 422 with one message per wrong
/// field, or every value accepted.
fn checked_fields(bytes: &[u8]) {
    let Ok(pairs) = parse_form(bytes) else {
        return;
    };
    let mut fields = Fields::default();
    for (name, value) in pairs {
        fields.insert(&name, value);
    }
    let mut c = Checker::new(&fields);
    c.honeypot();
    c.name("name");
    c.phone("phone");
    c.optional_text::<1, 200>("note");
    c.text::<5, 500>("text");
    c.number("child_age", ChildAge::parse);
    c.number("stars", Stars::parse);
    c.text::<1, 1000>("reply");
    if let Err(e) = c.finish() {
        assert_eq!(e.status.as_u16(), 422);
        assert!(!e.errors.is_empty());
        let mut names: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        names.sort_unstable();
        let all = names.len();
        names.dedup();
        assert_eq!(names.len(), all, "one message per field");
    }
}

/// A number that parses is 11 digits of a mainland mobile, parses again to itself, and is
/// masked in every rendering.
fn phone(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(phone) = Phone::parse(text) else {
        return;
    };
    let digits = phone.digits();
    assert_eq!(digits.len(), 11);
    assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    assert!(digits.starts_with('1') && (b'3'..=b'9').contains(&digits.as_bytes()[1]));
    assert_eq!(Phone::parse(digits).as_ref(), Ok(&phone));
    let shown = format!("{phone} {phone:?}");
    assert!(!shown.contains(digits), "{shown}");
}
