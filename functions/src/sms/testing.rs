//! Loopback stand-ins for Aliyun SMS and Tencent Cloud SMS, for the tests. Each rebuilds the
//! signature from the raw request with its own canonicalisation (written here, not with the
//! adapters' signer), answers as the vendor does — success, a refused signature, a template
//! not approved, the number's daily limit — and keeps the messages it accepted, as the
//! residents' phones would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The access key id the stand-ins expect.
pub const KEY_ID: &str = "LTAI-test-key";
/// The secret the stand-ins sign with.
pub const SECRET: &str = "stand-in-secret";
/// The approved template of the verification code.
pub const TEMPLATE: &str = "SMS_100200300";
/// The approved template of `PROMOTED` (a waitlisted child has a place).
pub const TEMPLATE_PROMOTED: &str = "SMS_100200301";
/// The approved templates of `CONFIRMED`, `SCHEDULED`, `LECTURE` and `ANSWERED`.
pub const TEMPLATE_CONFIRMED: &str = "SMS_100200302";
pub const TEMPLATE_SCHEDULED: &str = "SMS_100200303";
pub const TEMPLATE_LECTURE: &str = "SMS_100200304";
pub const TEMPLATE_ANSWERED: &str = "SMS_100200305";
pub const TEMPLATE_REMINDER: &str = "SMS_100200306";

/// The parameters each approved template takes, in order (Tencent's are positional).
fn template_params(template: &str) -> Option<&'static [&'static str]> {
    match template {
        TEMPLATE => Some(&["code"]),
        TEMPLATE_PROMOTED | TEMPLATE_CONFIRMED => Some(&["course", "code", "first"]),
        TEMPLATE_SCHEDULED => Some(&["program", "date", "time", "venue"]),
        TEMPLATE_LECTURE => Some(&["lecturer", "date", "township", "venue"]),
        TEMPLATE_ANSWERED => Some(&["township"]),
        TEMPLATE_REMINDER => Some(&["what", "date", "time"]),
        _ => None,
    }
}

/// Which vendor a stand-in plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Aliyun,
    Tencent,
}

/// A running stand-in: its URL and the texts it delivered.
#[derive(Clone)]
pub struct StandIn {
    pub url: String,
    phones: Arc<Phones>,
}

#[derive(Default)]
struct Phones {
    /// Texts a number may receive in a day.
    daily: usize,
    /// (number as sent, template, parameters as JSON) of every accepted text.
    delivered: Mutex<Vec<(String, String, serde_json::Value)>>,
}

impl StandIn {
    /// Starts a stand-in for `vendor` on a loopback port, on the current Tokio runtime.
    pub async fn start(vendor: Vendor, daily: usize) -> std::io::Result<StandIn> {
        let phones = Arc::new(Phones {
            daily,
            ..Phones::default()
        });
        let handler = match vendor {
            Vendor::Aliyun => axum::routing::post(aliyun),
            Vendor::Tencent => axum::routing::post(tencent),
        };
        let app = Router::new()
            .route("/", handler)
            .with_state(Arc::clone(&phones));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(StandIn { url, phones })
    }

    /// The settings (`DIANDAN_SMS_*` and the vendor's credentials) that point an adapter here,
    /// signing with `secret` and sending codes with `template`.
    pub fn settings(&self, secret: &str, template: &str) -> HashMap<&'static str, String> {
        [
            ("DIANDAN_SMS_ENDPOINT", self.url.clone()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID.into()),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.into()),
            ("TENCENTCLOUD_SECRET_ID", KEY_ID.into()),
            ("TENCENTCLOUD_SECRET_KEY", secret.into()),
            ("DIANDAN_SMS_SDK_APP_ID", "1400000000".into()),
            ("DIANDAN_SMS_SIGN_NAME", "闽侯县文化馆".into()),
            ("DIANDAN_SMS_TEMPLATE_CODE", template.into()),
            ("DIANDAN_SMS_TEMPLATE_PROMOTED", TEMPLATE_PROMOTED.into()),
            ("DIANDAN_SMS_TEMPLATE_CONFIRMED", TEMPLATE_CONFIRMED.into()),
            ("DIANDAN_SMS_TEMPLATE_SCHEDULED", TEMPLATE_SCHEDULED.into()),
            ("DIANDAN_SMS_TEMPLATE_LECTURE", TEMPLATE_LECTURE.into()),
            ("DIANDAN_SMS_TEMPLATE_ANSWERED", TEMPLATE_ANSWERED.into()),
            ("DIANDAN_SMS_TEMPLATE_REMINDER", TEMPLATE_REMINDER.into()),
        ]
        .into_iter()
        .collect()
    }

    /// The code in the last text delivered to `digits` (11 digits, as the adapters send them
    /// to Aliyun; Tencent's `+86` prefix is ignored).
    pub fn code_for(&self, digits: &str) -> Option<String> {
        let delivered = self
            .phones
            .delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (_, _, params) = (delivered.iter().rev())
            .find(|(to, t, _)| t == TEMPLATE && to.trim_start_matches("+86") == digits)?;
        params["code"].as_str().map(str::to_owned)
    }

    /// Every code delivered so far.
    pub fn codes(&self) -> Vec<String> {
        let delivered = self
            .phones
            .delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        (delivered.iter())
            .filter(|(_, t, _)| t == TEMPLATE)
            .filter_map(|(_, _, p)| p["code"].as_str().map(str::to_owned))
            .collect()
    }

    /// Every text of `template` delivered so far: (11-digit number, parameters by name).
    pub fn delivered(&self, template: &str) -> Vec<(String, serde_json::Value)> {
        let delivered = self
            .phones
            .delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        (delivered.iter())
            .filter(|(_, t, _)| t == template)
            .map(|(to, _, p)| (to.trim_start_matches("+86").to_owned(), p.clone()))
            .collect()
    }
}

impl Phones {
    /// Delivers a text to `phone`; false past the daily limit.
    fn deliver(&self, phone: &str, template: &str, params: serde_json::Value) -> bool {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        let today = delivered.iter().filter(|(to, _, _)| to == phone).count();
        if today >= self.daily {
            return false;
        }
        delivered.push((phone.to_owned(), template.to_owned(), params));
        true
    }
}

/// Whether every parameter the template names is there (a code: six digits).
fn well_filled(template: &str, names: &[&str], params: &serde_json::Value) -> bool {
    let filled = |name: &&str| params[*name].as_str().is_some_and(|v| !v.is_empty());
    let code_ok = template != TEMPLATE || params["code"].as_str().map(str::len) == Some(6);
    names.iter().all(filled) && code_ok
}

fn hex_sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
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
    (headers.get(name))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn aliyun_answer(status: StatusCode, code: &str) -> Response {
    let body = format!(r#"{{"Code":"{code}","Message":"stand-in","RequestId":"r1"}}"#);
    (status, body).into_response()
}

/// Whether an Aliyun V3 (`ACS3-HMAC-SHA256`) request is signed with [`SECRET`] over every
/// header the vendor requires.
fn aliyun_signed(headers: &HeaderMap, body: &[u8]) -> bool {
    let auth = header(headers, "authorization");
    let signed: Vec<&str> = (auth.split("SignedHeaders=").nth(1))
        .and_then(|r| r.split(',').next())
        .unwrap_or("")
        .split(';')
        .collect();
    let mut canonical_headers = String::new();
    for name in &signed {
        canonical_headers.push_str(&format!("{name}:{}\n", header(headers, name).trim()));
    }
    let request = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        signed.join(";"),
        hex_sha(body)
    );
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", hex_sha(request.as_bytes()));
    let expected = format!(
        "ACS3-HMAC-SHA256 Credential={KEY_ID},SignedHeaders={},Signature={}",
        signed.join(";"),
        hex::encode(mac(SECRET.as_bytes(), to_sign.as_bytes()))
    );
    let required = [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ];
    auth == expected
        && required.iter().all(|h| signed.contains(h))
        && header(headers, "x-acs-content-sha256") == hex_sha(body)
}

async fn aliyun(State(phones): State<Arc<Phones>>, headers: HeaderMap, body: Bytes) -> Response {
    if !aliyun_signed(&headers, &body) {
        return aliyun_answer(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch");
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    // The body must be the form, encoded as the signature assumed.
    let re_encoded: Vec<String> = (pairs.iter())
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let field = |n: &str| {
        (pairs.iter().find(|(k, _)| k == n))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let well_formed = re_encoded.join("&").as_bytes() == &body[..]
        && header(&headers, "x-acs-action") == "SendSms"
        && header(&headers, "x-acs-version") == "2017-05-25";
    if !well_formed {
        return aliyun_answer(StatusCode::BAD_REQUEST, "MissingParameter");
    }
    let template = field("TemplateCode");
    let Some(names) = template_params(&template) else {
        return aliyun_answer(StatusCode::OK, "isv.SMS_TEMPLATE_ILLEGAL");
    };
    let params: serde_json::Value =
        serde_json::from_str(&field("TemplateParam")).unwrap_or_default();
    if !well_filled(&template, names, &params) {
        return aliyun_answer(StatusCode::OK, "isv.INVALID_PARAMETERS");
    }
    if !phones.deliver(&field("PhoneNumbers"), &template, params) {
        return aliyun_answer(StatusCode::OK, "isv.BUSINESS_LIMIT_CONTROL");
    }
    aliyun_answer(StatusCode::OK, "OK")
}

fn tencent_error(code: &str) -> Response {
    format!(
        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"stand-in"}},"RequestId":"r1"}}}}"#
    )
    .into_response()
}

fn tencent_status(code: &str) -> Response {
    format!(
        r#"{{"Response":{{"SendStatusSet":[{{"SerialNo":"s1","Code":"{code}","Message":"stand-in"}}],"RequestId":"r1"}}}}"#
    )
    .into_response()
}

/// Whether a Tencent Cloud `TC3-HMAC-SHA256` request is signed with [`SECRET`].
fn tencent_signed(headers: &HeaderMap, body: &[u8]) -> bool {
    let timestamp: i64 = header(headers, "x-tc-timestamp").parse().unwrap_or(0);
    let Some(when) = chrono::DateTime::from_timestamp(timestamp, 0) else {
        return false;
    };
    let date = when.format("%Y-%m-%d").to_string();
    let request = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        header(headers, "content-type"),
        header(headers, "host"),
        hex_sha(body)
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
    header(headers, "authorization") == expected
}

async fn tencent(State(phones): State<Arc<Phones>>, headers: HeaderMap, body: Bytes) -> Response {
    if !tencent_signed(&headers, &body) {
        return tencent_error("AuthFailure.SignatureFailure");
    }
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let well_formed = header(&headers, "x-tc-action") == "SendSms"
        && header(&headers, "x-tc-version") == "2021-01-11";
    if !well_formed {
        return tencent_error("InvalidParameter");
    }
    let template = sent["TemplateId"].as_str().unwrap_or("");
    let Some(names) = template_params(template) else {
        return tencent_status("FailedOperation.TemplateIncorrectOrUnapproved");
    };
    let values = sent["TemplateParamSet"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let params: serde_json::Map<String, serde_json::Value> = (names.iter())
        .zip(values)
        .map(|(name, v)| ((*name).to_owned(), v))
        .collect();
    let params = serde_json::Value::Object(params);
    if !well_filled(template, names, &params) {
        return tencent_status("InvalidParameterValue.TemplateParameterFormatError");
    }
    let phone = sent["PhoneNumberSet"][0].as_str().unwrap_or("");
    if !phones.deliver(phone, template, params) {
        return tencent_status("LimitExceeded.PhoneNumberDailyLimit");
    }
    tencent_status("Ok")
}
