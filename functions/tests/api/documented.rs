//! What the OpenAPI document says the API checks, against what it checks: the limits stated
//! for request fields against the domain types' constants, the patterns against the parsers
//! they describe, and values just inside and just outside each limit against the router.

use axum::http::{header, Method};
use regex::Regex;
use serde_json::{json, Value};

use diandan_functions::api::openapi::DOCUMENT;
use diandan_functions::api::Limits;
use diandan_functions::domain::codes::{CODE_ALPHABET, CODE_LEN, TOKEN_LEN};
use diandan_functions::domain::ids::MAX_ID_LEN;
use diandan_functions::domain::{
    AccountName, Channel, ChildAge, Comment, OneTimeCode, Password, PersonName, Phone, ReplyText,
    Role, ShortText, Stars, WishText,
};
use diandan_functions::router;

use super::support::{app_with, json as json_request, App, PHONE};

const TOKEN: &str = "documented-test-token-0123456789";

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
}

fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "no component schema {name}");
    schema
}

/// Follows `$ref`s until a schema that is not one.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(r) = schema["$ref"].as_str() {
        schema = doc.pointer(&r[1..]).expect("the reference resolves");
    }
    schema
}

/// The schema of `field` in the request schema `fields` (say `OrderFields`).
fn field<'a>(doc: &'a Value, fields: &str, field: &str) -> &'a Value {
    let property = &component(doc, fields)["properties"][field];
    assert!(property.is_object(), "{fields} has no field {field}");
    resolve(doc, property)
}

fn pattern(schema: &Value) -> Regex {
    let text = schema["pattern"].as_str().expect("a pattern");
    Regex::new(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn number(schema: &Value, key: &str) -> u64 {
    (schema[key].as_u64()).unwrap_or_else(|| panic!("{key} in {schema}"))
}

/// Whether `value` satisfies `schema` for the keywords request fields use here: type, enum,
/// lengths in characters, pattern, and an integer's range.
fn satisfies(schema: &Value, value: &Value) -> bool {
    if let Some(allowed) = schema["enum"].as_array() {
        return allowed.contains(value);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    match value {
        Value::String(s) if types.contains(&"string") => {
            let chars = s.chars().count() as u64;
            let min = schema["minLength"].as_u64().unwrap_or(0);
            let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX);
            let matches = schema["pattern"].is_null() || pattern(schema).is_match(s);
            (min..=max).contains(&chars) && matches
        }
        Value::Number(n) if types.contains(&"integer") => {
            let Some(n) = n.as_i64() else { return false };
            let min = schema["minimum"].as_i64().unwrap_or(i64::MIN);
            let max = schema["maximum"].as_i64().unwrap_or(i64::MAX);
            (min..=max).contains(&n)
        }
        _ => false,
    }
}

#[test]
fn the_document_states_the_domain_types_limits() {
    let doc = document();
    let lengths = [
        ("PersonName", PersonName::MIN_CHARS, PersonName::MAX_CHARS),
        ("ShortText", ShortText::MIN_CHARS, ShortText::MAX_CHARS),
        ("WishText", WishText::MIN_CHARS, WishText::MAX_CHARS),
        ("CommentText", Comment::MIN_CHARS, Comment::MAX_CHARS),
        ("ReplyText", ReplyText::MIN_CHARS, ReplyText::MAX_CHARS),
        ("Password", Password::MIN_CHARS, Password::MAX_CHARS),
    ];
    for (name, min, max) in lengths {
        let schema = component(&doc, name);
        assert_eq!(number(schema, "minLength"), min as u64, "{name} minLength");
        assert_eq!(number(schema, "maxLength"), max as u64, "{name} maxLength");
        let words = schema["description"].as_str().expect("a description");
        let range = format!("{min}–{max} characters");
        if name != "Password" {
            assert!(words.contains(&range), "{name} says {range}: {words}");
        }
    }
    let ranges = [
        ("ChildAge", ChildAge::MIN, ChildAge::MAX),
        ("Stars", Stars::MIN, Stars::MAX),
    ];
    for (name, min, max) in ranges {
        let schema = component(&doc, name);
        assert_eq!(number(schema, "minimum"), u64::from(min), "{name} minimum");
        assert_eq!(number(schema, "maximum"), u64::from(max), "{name} maximum");
    }
    let id = component(&doc, "Id")["pattern"]
        .as_str()
        .expect("a pattern");
    assert!(id.contains(&format!("{{0,{}}}", MAX_ID_LEN - 2)), "{id}");
    let account = field(&doc, "AccountFields", "account");
    let account = account["pattern"].as_str().expect("a pattern");
    assert!(
        account.contains(&format!("{{0,{}}}", AccountName::MAX_CHARS - 2)),
        "{account}"
    );
    let token = component(&doc, "Token")["pattern"]
        .as_str()
        .expect("a pattern");
    assert!(token.contains(&format!("{{{TOKEN_LEN}}}")), "{token}");
    let code = component(&doc, "OneTimeCode")["pattern"].as_str();
    let code = code.expect("a pattern");
    assert!(
        code.contains(&format!("{{{}}}", OneTimeCode::DIGITS)),
        "{code}"
    );

    let enumerated = |name: &str| -> Vec<String> {
        let values = component(&doc, name)["enum"].as_array().expect("an enum");
        values
            .iter()
            .map(|v| v.as_str().expect("text").to_owned())
            .collect()
    };
    let channels: Vec<String> = Channel::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(enumerated("Channel"), channels);
    let roles: Vec<String> = Role::ALL.iter().map(|r| r.as_str().to_owned()).collect();
    assert_eq!(enumerated("Role"), roles);

    // The registration code in paths: exactly the alphabet's characters, either case.
    let path = &doc["paths"]["/api/registrations/{code}"]["get"]["parameters"][0];
    assert_eq!(path["name"], "code");
    let code = pattern(&path["schema"]);
    for c in ('0'..='9').chain('a'..='z').chain('A'..='Z') {
        let known = CODE_ALPHABET.contains(c.to_ascii_uppercase());
        let word: String = std::iter::repeat_n(c, CODE_LEN).collect();
        assert_eq!(code.is_match(&word), known, "{word}");
    }
}

/// Strings near `samples`: each a sample with up to four random edits (a character of
/// `alphabet` inserted or put in place of one, or one removed), from a fixed seed, so that a
/// pattern and a parser are compared around the edges of what they accept.
fn near(samples: &[&str], alphabet: &[char], count: usize) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below.max(1) as u64) as usize
    };
    (0..count)
        .map(|_| {
            let mut chars: Vec<char> = samples[next(samples.len())].chars().collect();
            for _ in 0..next(5) {
                let at = next(chars.len() + 1);
                let c = alphabet[next(alphabet.len())];
                match next(3) {
                    0 => chars.insert(at, c),
                    1 if at < chars.len() => chars[at] = c,
                    _ if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => chars.push(c),
                }
            }
            chars.into_iter().collect()
        })
        .collect()
}

/// The pattern accepts exactly what the parser accepts, on `samples` and strings near them.
fn agree(
    name: &str,
    re: &Regex,
    parses: impl Fn(&str) -> bool,
    samples: &[&str],
    alphabet: &[char],
) {
    let all = samples.iter().map(|s| s.to_string());
    let (mut accepted, mut refused) = (0, 0);
    for s in all.chain(near(samples, alphabet, 20_000)) {
        let (documented, parsed) = (re.is_match(&s), parses(&s));
        assert_eq!(
            documented,
            parsed,
            "{name}: the document {} {s:?}, the server {} it",
            if documented { "accepts" } else { "refuses" },
            if parsed { "accepts" } else { "refuses" },
        );
        if parsed {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        accepted > 100 && refused > 100,
        "{name}: both sides are tried"
    );
}

/// What a submission's value goes through before its parser: the fields' trimming.
fn trimmed(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

#[test]
fn the_patterns_accept_what_the_parsers_accept() {
    let doc = document();
    let spaces = [
        ' ', '\t', '\n', '\u{3000}', '\u{a0}', '\u{85}', '\u{1c}', '\u{feff}',
    ];
    let mut phone_chars: Vec<char> = "0123456789１３８０6+＋-－().（）x".chars().collect();
    phone_chars.extend(spaces);
    agree(
        "Phone",
        &pattern(component(&doc, "Phone")),
        |s| trimmed(s).is_some_and(|s| Phone::parse(s).is_ok()),
        &[
            // The spellings people write (as in Phone's own tests), with other numbers.
            "＋86 159-1234-5678",
            "8619912345678",
            "17712345678",
            "１５９ １２３４ ５６７８",
            "0086 (159) 1234.5678",
            "（159）１２３４－5678",
            " - +86 139.0000.1111 ",
            "12800138000",
            "+852 9123 4567",
            "138+0013800",
            "\u{feff}13800138000",
            "\u{1c}13800138000",
        ],
        &phone_chars,
    );
    let mut age_chars: Vec<char> = "0123456789０１８岁星-.a".chars().collect();
    age_chars.extend(spaces);
    agree(
        "ChildAge",
        &pattern(component(&doc, "ChildAge")),
        |s| trimmed(s).is_some_and(|s| ChildAge::parse(s).is_ok()),
        &[
            "0", "18", "19", "018", "0018", "8岁", " 8 岁 ", "１０", "-1", "8.0",
        ],
        &age_chars,
    );
    agree(
        "Stars",
        &pattern(component(&doc, "Stars")),
        |s| trimmed(s).is_some_and(|s| Stars::parse(s).is_ok()),
        &["1", "5", "0", "6", "005", "４星", "4.5", "5 星"],
        &age_chars,
    );
    let mut code_chars: Vec<char> = "0123456789０９ -\u{3000}a+".chars().collect();
    code_chars.extend(spaces);
    agree(
        "OneTimeCode",
        &pattern(component(&doc, "OneTimeCode")),
        |s| trimmed(s).is_some_and(|s| OneTimeCode::parse(s).is_some()),
        &[
            "482913",
            "482 913",
            "48-29-13",
            "４８２９１３",
            "48291",
            "4829134",
            "48291a",
        ],
        &code_chars,
    );
    // Names and texts: the patterns leave surrounding whitespace out (the server trims it), so
    // they agree with the parsers on values without it.
    let text_chars: Vec<char> = "林秀英a \t\n\r\u{7}\u{85}\u{a0}\u{3000}\u{fdd0}\u{ffff}"
        .chars()
        .collect();
    let unpadded = |s: &str| s.trim() == s;
    let name = pattern(component(&doc, "PersonName"));
    agree(
        "PersonName",
        &name,
        |s| unpadded(s) && PersonName::parse(s).is_ok(),
        &[
            "林秀英",
            "林\t英",
            "林\n英",
            "林\u{7}英",
            "林\u{fdd0}英",
            " 林",
        ],
        &text_chars,
    );
    let lines = pattern(component(&doc, "ShortText"));
    agree(
        "ShortText",
        &lines,
        |s| unpadded(s) && !s.contains('\r') && ShortText::parse(s).is_ok(),
        &["希望\n多演", "希望\t多演", "希望\u{7}多演", "希望\u{ffff}"],
        &text_chars,
    );
    for name in ["WishText", "CommentText", "ReplyText"] {
        assert_eq!(
            component(&doc, name)["pattern"],
            component(&doc, "ShortText")["pattern"]
        );
    }
}

/// The router over the fixture catalogue with the admin token and no abuse limits.
fn open_app() -> App {
    let base = app_with(|s| s.with_limits(Limits::from_lookup(|_| Some("off".into())).unwrap()));
    App {
        router: router(base.state.clone().with_admin_token(Some(TOKEN.to_owned()))),
        state: base.state,
    }
}

/// One value of one field: the body it goes in, where, and under which request schema.
struct Probe {
    uri: &'static str,
    fields: &'static str,
    base: Value,
}

impl Probe {
    fn new(uri: &'static str, fields: &'static str, base: Value) -> Self {
        Self { uri, fields, base }
    }
}

/// Whether the router found a mistake in `field` of `body` posted to `uri`.
async fn refuses(app: &App, uri: &str, body: &Value, field: &str) -> bool {
    let mut request = json_request(Method::POST, uri, body);
    let bearer = format!("Bearer {TOKEN}").parse().expect("a header");
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    let answer = app.send(request).await;
    assert!(answer.status.as_u16() < 500, "{uri}: {}", answer.body);
    if answer.status.as_u16() != 422 {
        return false;
    }
    let errors = answer.json()["errors"].clone();
    let errors = errors.as_array().cloned().unwrap_or_default();
    errors.iter().any(|e| e["field"] == field)
}

#[tokio::test]
async fn values_at_the_stated_limits_are_taken_and_past_them_refused() {
    let doc = document();
    let app = open_app();
    let person = json!({"township": "nanyu", "name": "林秀英", "phone": PHONE});
    let mut order = person.clone();
    order["program"] = json!("minju-chenjinggu");
    let mut nomination = person.clone();
    nomination["lecturer"] = json!("lin-xiuying");
    let registration = json!({
        "course": "summer-papercut", "child_name": "林小雨", "child_age": 9,
        "guardian_name": "林秀英", "phone": PHONE,
    });
    let wish = json!({"text": "希望多演几场闽剧。", "township": "nanyu"});
    let rating = json!({"slot": "2026-06-20-nanyu-stage", "phone": PHONE, "stars": 5});
    let orders = || Probe::new("/api/orders", "OrderFields", order.clone());
    let nominations = || Probe::new("/api/nominations", "NominationFields", nomination.clone());
    let registrations = || {
        Probe::new(
            "/api/registrations",
            "RegistrationFields",
            registration.clone(),
        )
    };
    let wishes = || Probe::new("/api/wishes", "WishFields", wish.clone());
    let ratings = || Probe::new("/api/ratings", "RatingFields", rating.clone());
    // Another number than PHONE: the export shows a registration's phone, which the tests'
    // client checks never comes back.
    let other = json!({"phone": "13900001111"});
    let people = || Probe::new("/api/admin/people/export", "PersonFields", other.clone());
    let accounts = || {
        let base = json!({"account": "ye-xiaoqing", "role": "staff", "password": "0123456789"});
        Probe::new("/api/admin/accounts", "AccountFields", base)
    };

    let name = |n: usize| json!("张".repeat(n));
    let text = |n: usize| json!("戏".repeat(n));
    // (where, field, value, taken)
    let cases: Vec<(Probe, &str, Value, bool)> = vec![
        (orders(), "name", name(PersonName::MAX_CHARS), true),
        (orders(), "name", name(PersonName::MAX_CHARS + 1), false),
        (orders(), "name", json!("林\t英"), true),
        (orders(), "name", json!("林\n英"), false),
        (orders(), "name", json!("林\u{7}英"), false),
        (orders(), "note", text(ShortText::MAX_CHARS), true),
        (orders(), "note", text(ShortText::MAX_CHARS + 1), false),
        (orders(), "note", json!("第一行\n第二行"), true),
        (orders(), "note", json!("希望\u{ffff}"), false),
        (orders(), "phone", json!("+86 138-0013-8000"), true),
        (orders(), "phone", json!("１３８００１３８０００"), true),
        (orders(), "phone", json!("1380013800"), false),
        (orders(), "phone", json!("12800138000"), false),
        (orders(), "program", json!("minju-chenjinggu"), true),
        (orders(), "program", json!("Minju"), false),
        (nominations(), "topic", text(ShortText::MAX_CHARS), true),
        (
            nominations(),
            "topic",
            text(ShortText::MAX_CHARS + 1),
            false,
        ),
        (
            registrations(),
            "child_name",
            name(PersonName::MAX_CHARS),
            true,
        ),
        (
            registrations(),
            "guardian_name",
            name(PersonName::MAX_CHARS + 1),
            false,
        ),
        // The fixture course takes 7 to 12: the domain's range is checked past both ends.
        (registrations(), "child_age", json!(7), true),
        (registrations(), "child_age", json!("12岁"), true),
        (
            registrations(),
            "child_age",
            json!(ChildAge::MAX + 1),
            false,
        ),
        (registrations(), "child_age", json!(-1), false),
        (registrations(), "child_age", json!("8.5"), false),
        (wishes(), "text", text(WishText::MIN_CHARS), true),
        (wishes(), "text", text(WishText::MIN_CHARS - 1), false),
        (wishes(), "text", text(WishText::MAX_CHARS), true),
        (wishes(), "text", text(WishText::MAX_CHARS + 1), false),
        (ratings(), "stars", json!(Stars::MIN), true),
        (ratings(), "stars", json!(Stars::MAX), true),
        (ratings(), "stars", json!("５星"), true),
        (ratings(), "stars", json!(Stars::MIN - 1), false),
        (ratings(), "stars", json!(Stars::MAX + 1), false),
        (ratings(), "comment", text(Comment::MAX_CHARS), true),
        (ratings(), "comment", text(Comment::MAX_CHARS + 1), false),
        (people(), "phone", json!("0086 139 0000 1111"), true),
        (people(), "phone", json!("+852 9123 4567"), false),
        (
            accounts(),
            "password",
            json!("p".repeat(Password::MIN_CHARS)),
            true,
        ),
        (
            accounts(),
            "password",
            json!("p".repeat(Password::MIN_CHARS - 1)),
            false,
        ),
        (
            accounts(),
            "password",
            json!("p".repeat(Password::MAX_CHARS + 1)),
            false,
        ),
        (accounts(), "role", json!("staff"), true),
        (accounts(), "role", json!("owner"), false),
        (
            accounts(),
            "account",
            json!("a".repeat(AccountName::MAX_CHARS + 1)),
            false,
        ),
    ];
    for (i, (probe, name, value, taken)) in cases.into_iter().enumerate() {
        let at = format!("{} {name} = {value}", probe.uri);
        let schema = field(&doc, probe.fields, name);
        assert_eq!(satisfies(schema, &value), taken, "{at}: the document");
        let mut body = probe.base.clone();
        body[name] = value.clone();
        if probe.fields == "AccountFields" && name != "account" {
            // Each account its own name, so a taken name never stands in for the value tried.
            body["account"] = json!(format!("probe-{i}"));
        }
        let refused = refuses(&app, probe.uri, &body, name).await;
        assert_eq!(!refused, taken, "{at}: the router");
    }

    // The reply to a wish, through its own path.
    let reply = "/api/admin/wishes/1/reply";
    let schema = field(&doc, "ReplyFields", "reply");
    for (n, taken) in [
        (ReplyText::MAX_CHARS, true),
        (ReplyText::MAX_CHARS + 1, false),
    ] {
        let value = text(n);
        assert_eq!(
            satisfies(schema, &value),
            taken,
            "reply of {n}: the document"
        );
        let refused = refuses(&app, reply, &json!({ "reply": value }), "reply").await;
        assert_eq!(!refused, taken, "reply of {n}: the router");
    }
}

/// Every request schema refuses fields it does not list, as the server refuses them in JSON.
#[tokio::test]
async fn unknown_fields_are_refused_as_documented() {
    let doc = document();
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        if name.ends_with("Fields") {
            assert_eq!(schema["additionalProperties"], false, "{name}");
        }
    }
    let app = open_app();
    let mut body = json!({"text": "希望多演几场闽剧。", "township": "nanyu"});
    body["extra"] = json!("x");
    assert!(refuses(&app, "/api/wishes", &body, "extra").await);
}
