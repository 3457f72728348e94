//! The SMS adapters against loopback stand-ins for Aliyun and Tencent Cloud. Each stand-in
//! rebuilds the signature from the raw request it received with its own canonicalisation
//! (written here, not the adapter's signer) and answers as the vendor does: success, a
//! refused signature, a template not approved, the number's daily limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use diandan_functions::domain::Phone;
use diandan_functions::sms::{Aliyun, Message, Sms, SmsError, Template, Tencent};

const KEY_ID: &str = "LTAI-test-key";
const SECRET: &str = "stand-in-secret";
const TEMPLATE: &str = "SMS_100200300";
/// Texts a number may receive in a day at the stand-ins.
const DAILY: usize = 2;

fn hex_sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding, the stand-in's own.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[derive(Default)]
struct Vendor {
    sent: Mutex<HashMap<String, usize>>,
}

impl Vendor {
    /// Counts a text to `phone`; false past the daily limit.
    fn within_limit(&self, phone: &str) -> bool {
        let mut sent = self.sent.lock().unwrap();
        let n = sent.entry(phone.to_owned()).or_default();
        *n += 1;
        *n <= DAILY
    }
}

async fn aliyun(
    State(v): State<Arc<Vendor>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let json = |status: StatusCode, code: &str| {
        (
            status,
            format!(r#"{{"Code":"{code}","Message":"stand-in","RequestId":"r1"}}"#),
        )
    };
    let auth = header(&headers, "authorization");
    let signed: Vec<&str> = auth
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap_or("")
        .split(';')
        .collect();
    let mut canonical_headers = String::new();
    for name in &signed {
        canonical_headers.push_str(&format!("{name}:{}\n", header(&headers, name).trim()));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let request = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        signed.join(";"),
        hex_sha(&body)
    );
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", hex_sha(request.as_bytes()));
    let expected = format!(
        "ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={},Signature={}",
        signed.join(";"),
        hex::encode(mac(SECRET.as_bytes(), to_sign.as_bytes()))
    );
    let required = ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"];
    let complete = required.iter().all(|h| signed.contains(h))
        && signed.contains(&"x-acs-signature-nonce")
        && signed.contains(&"x-acs-version")
        && header(&headers, "x-acs-content-sha256") == hex_sha(&body);
    if auth != expected || !complete {
        return json(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch");
    }
    // The body must be the form, encoded as the signature assumed.
    let re_encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    assert_eq!(
        re_encoded.join("&").as_bytes(),
        &body[..],
        "a canonical form body"
    );
    let field = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(header(&headers, "x-acs-action"), "SendSms");
    assert_eq!(header(&headers, "x-acs-version"), "2017-05-25");
    if field("TemplateCode") != TEMPLATE {
        return json(StatusCode::OK, "isv.SMS_TEMPLATE_ILLEGAL");
    }
    let param: serde_json::Value = serde_json::from_str(&field("TemplateParam")).unwrap();
    assert_eq!(param["code"].as_str().map(str::len), Some(6));
    if !v.within_limit(&field("PhoneNumbers")) {
        return json(StatusCode::OK, "isv.BUSINESS_LIMIT_CONTROL");
    }
    json(StatusCode::OK, "OK")
}

async fn tencent(
    State(v): State<Arc<Vendor>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let error = |code: &str| {
        format!(
            r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"stand-in"}},"RequestId":"r1"}}}}"#
        )
    };
    let status = |code: &str| {
        format!(
            r#"{{"Response":{{"SendStatusSet":[{{"SerialNo":"s1","Code":"{code}","Message":"stand-in"}}],"RequestId":"r1"}}}}"#
        )
    };
    let timestamp: i64 = header(&headers, "x-tc-timestamp").parse().unwrap_or(0);
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let request = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        header(&headers, "content-type"),
        header(&headers, "host"),
        hex_sha(&body)
    );
    let scope = format!("{date}/sms/tc3_request");
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        hex_sha(request.as_bytes())
    );
    let key = mac(format!("TC3{SECRET}").as_bytes(), date.as_bytes());
    let key = mac(&mac(&key, b"sms"), b"tc3_request");
    let expected = format!(
        "TC3-HMAC-SHA256 Credential={KEY_ID}/{scope}, SignedHeaders=content-type;host, Signature={}",
        hex::encode(mac(&key, to_sign.as_bytes()))
    );
    if header(&headers, "authorization") != expected {
        return error("AuthFailure.SignatureFailure");
    }
    assert_eq!(header(&headers, "x-tc-action"), "SendSms");
    assert_eq!(header(&headers, "x-tc-version"), "2021-01-11");
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap();
    if sent["TemplateId"] != TEMPLATE {
        return status("FailedOperation.TemplateIncorrectOrUnapproved");
    }
    assert_eq!(sent["TemplateParamSet"][0].as_str().map(str::len), Some(6));
    if !v.within_limit(sent["PhoneNumberSet"][0].as_str().unwrap_or("")) {
        return status("LimitExceeded.PhoneNumberDailyLimit");
    }
    status("Ok")
}

async fn stand_in(router: Router<Arc<Vendor>>) -> String {
    let app = router.with_state(Arc::new(Vendor::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn message(phone: &str) -> Message {
    Message {
        phone: Phone::parse(phone).unwrap(),
        template: Template::Code,
        params: vec![("code", "482913".into())],
    }
}

fn settings(endpoint: &str, secret: &str, template: &str) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<&str, String> = [
        ("DIANDAN_SMS_ENDPOINT", endpoint.to_owned()),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.into()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.into()),
        ("TENCENTCLOUD_SECRET_ID", KEY_ID.into()),
        ("TENCENTCLOUD_SECRET_KEY", secret.into()),
        ("DIANDAN_SMS_SDK_APP_ID", "1400000000".into()),
        ("DIANDAN_SMS_SIGN_NAME", "闽侯县文化馆".into()),
        ("DIANDAN_SMS_TEMPLATE_CODE", template.into()),
    ]
    .into_iter()
    .collect();
    move |var| map.get(var).cloned()
}

#[tokio::test]
async fn aliyun_sends_and_maps_the_vendors_refusals() {
    let url = stand_in(Router::new().route("/", axum::routing::post(aliyun))).await;
    let good = Aliyun::from_lookup(&settings(&url, SECRET, TEMPLATE)).unwrap();
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    let limited = good.send(&message("13912345678")).await;
    assert!(
        matches!(limited, Err(SmsError::NumberLimit { .. })),
        "{limited:?}"
    );
    let forged = Aliyun::from_lookup(&settings(&url, "not-the-secret", TEMPLATE)).unwrap();
    let refused = forged.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::SignatureRefused { .. })),
        "{refused:?}"
    );
    let unapproved = Aliyun::from_lookup(&settings(&url, SECRET, "SMS_999")).unwrap();
    let refused = unapproved.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::NotApproved { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn tencent_sends_and_maps_the_vendors_refusals() {
    let url = stand_in(Router::new().route("/", axum::routing::post(tencent))).await;
    let good = Tencent::from_lookup(&settings(&url, SECRET, TEMPLATE)).unwrap();
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    let limited = good.send(&message("13912345678")).await;
    assert!(
        matches!(limited, Err(SmsError::NumberLimit { .. })),
        "{limited:?}"
    );
    let forged = Tencent::from_lookup(&settings(&url, "not-the-secret", TEMPLATE)).unwrap();
    let refused = forged.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::SignatureRefused { .. })),
        "{refused:?}"
    );
    let unapproved = Tencent::from_lookup(&settings(&url, SECRET, "999")).unwrap();
    let refused = unapproved.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::NotApproved { .. })),
        "{refused:?}"
    );
}
