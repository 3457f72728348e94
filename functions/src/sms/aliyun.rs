//! Aliyun SMS `SendSms` (API 2017-05-25) with Aliyun's V3 request signature
//! (`ACS3-HMAC-SHA256`). The parameters travel as a form body, not in the query string, so
//! the code is in no URL anywhere.
//!
//! Settings: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
//! `DIANDAN_SMS_SIGN_NAME`, `DIANDAN_SMS_TEMPLATE_CODE`, and `DIANDAN_SMS_ENDPOINT` (default
//! `https://dysmsapi.aliyuncs.com`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Deserialize;

use super::http::{self, host_of};
use super::sign::{canonical_pairs, hmac_sha256, sha256_hex};
use super::{need, Message, Outgoing, Sms, SmsError, Templates, ENDPOINT_VAR, SIGN_NAME_VAR};

pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
pub const KEY_ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub const KEY_SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
const ACTION: &str = "SendSms";
const VERSION: &str = "2017-05-25";

/// One request to sign: method, path, query pairs, the headers to sign (lower-case names,
/// `host` and the `x-acs-*` ones) and the body.
#[derive(Debug, Clone)]
pub struct Unsigned<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// Every step of a V3 signature, so tests can compare each with the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
}

/// Signs `request` with an access key.
pub fn sign(request: &Unsigned<'_>, key_id: &str, secret: &str) -> Signed {
    let mut headers: Vec<(String, String)> = (request.headers.iter())
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    headers.sort();
    let canonical_headers: String = (headers.iter())
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    let signed_headers = (headers.iter())
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        request.path,
        canonical_pairs(&request.query),
        sha256_hex(request.body)
    );
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hex::encode(hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The Aliyun adapter. `Debug` leaves the secret out.
#[derive(Clone)]
pub struct Aliyun {
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
    pub sign_name: String,
    pub templates: Templates,
}

impl std::fmt::Debug for Aliyun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aliyun")
            .field("endpoint", &self.endpoint)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Aliyun {
    pub fn from_lookup(value: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let endpoint = value(ENDPOINT_VAR).unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        host_of(&endpoint).map_err(|e| format!("{ENDPOINT_VAR}: {e}"))?;
        Ok(Self {
            endpoint: endpoint.trim().trim_end_matches('/').to_owned(),
            key_id: need(value, KEY_ID_VAR, "the Aliyun AccessKey ID for SMS")?,
            secret: need(value, KEY_SECRET_VAR, "the Aliyun AccessKey secret for SMS")?,
            sign_name: need(value, SIGN_NAME_VAR, "the approved SMS sign name (签名)")?,
            templates: Templates::from_lookup(value)?,
        })
    }

    /// The request for `message` at `now` with `nonce`: URL, headers (with the signature)
    /// and body.
    pub fn request(
        &self,
        message: &Message,
        now: DateTime<Utc>,
        nonce: &str,
    ) -> Result<Outgoing, SmsError> {
        let params: serde_json::Map<String, serde_json::Value> = (message.params.iter())
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        let template = self.templates.get(message.template)?;
        let form = vec![
            ("PhoneNumbers".to_owned(), message.phone.digits().to_owned()),
            ("SignName".to_owned(), self.sign_name.clone()),
            ("TemplateCode".to_owned(), template.to_owned()),
            (
                "TemplateParam".to_owned(),
                serde_json::Value::Object(params).to_string(),
            ),
        ];
        let body = canonical_pairs(&form).into_bytes();
        let host = host_of(&self.endpoint).map_err(SmsError::Transport)?;
        let headers = vec![
            ("host".to_owned(), host),
            ("x-acs-action".to_owned(), ACTION.to_owned()),
            ("x-acs-content-sha256".to_owned(), sha256_hex(&body)),
            (
                "x-acs-date".to_owned(),
                now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            ("x-acs-signature-nonce".to_owned(), nonce.to_owned()),
            ("x-acs-version".to_owned(), VERSION.to_owned()),
        ];
        let unsigned = Unsigned {
            method: "POST",
            path: "/",
            query: Vec::new(),
            headers: headers.clone(),
            body: &body,
        };
        let signed = sign(&unsigned, &self.key_id, &self.secret);
        // ureq sets `host` itself from the URL, to the same value.
        let mut sent: Vec<(String, String)> = headers.into_iter().skip(1).collect();
        sent.push(("authorization".into(), signed.authorization));
        sent.push((
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        sent.push(("accept".into(), "application/json".into()));
        Ok((format!("{}/", self.endpoint), sent, body))
    }
}

/// Aliyun's answer: `Code` is `OK` on success.
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// Aliyun's error codes, made common.
pub fn error_of(code: &str, message: &str) -> SmsError {
    let code_owned = code.to_owned();
    match code {
        "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "InvalidAccessKeyId.NotFound"
        | "InvalidAccessKeyId.Inactive"
        | "Forbidden.RAM" => SmsError::SignatureRefused { code: code_owned },
        "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.TEMPLATE_MISSING_PARAMETERS"
        | "isv.TEMPLATE_PARAMS_ILLEGAL" => SmsError::NotApproved { code: code_owned },
        "isv.BUSINESS_LIMIT_CONTROL" | "isv.DAY_LIMIT_CONTROL" => {
            SmsError::NumberLimit { code: code_owned }
        }
        _ => SmsError::refused(code, message),
    }
}

#[async_trait]
impl Sms for Aliyun {
    async fn send(&self, message: &Message) -> Result<(), SmsError> {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let (url, headers, body) = self.request(message, Utc::now(), &hex::encode(nonce))?;
        let answer = http::post(url, headers, body).await?;
        let parsed: Answer = serde_json::from_str(&answer.body).map_err(|_| {
            SmsError::Transport(format!("Aliyun answered {} with no JSON", answer.status))
        })?;
        if (200..300).contains(&answer.status) && parsed.code == "OK" {
            return Ok(());
        }
        Err(error_of(&parsed.code, &parsed.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Aliyun's "V3 request structure and signature" documentation
    /// (help.aliyun.com, document 2593177): ECS `RunInstances` in cn-shanghai.
    #[test]
    fn reproduces_the_documented_example() {
        let empty = sha256_hex(b"");
        let request = Unsigned {
            method: "POST",
            path: "/",
            query: vec![
                (
                    "ImageId".into(),
                    "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".into(),
                ),
                ("RegionId".into(), "cn-shanghai".into()),
            ],
            headers: vec![
                ("host".into(), "ecs.cn-shanghai.aliyuncs.com".into()),
                ("x-acs-action".into(), "RunInstances".into()),
                ("x-acs-content-sha256".into(), empty.clone()),
                ("x-acs-date".into(), "2023-10-26T10:22:32Z".into()),
                (
                    "x-acs-signature-nonce".into(),
                    "3156853299f313e23d1673dc12e1703d".into(),
                ),
                ("x-acs-version".into(), "2014-05-26".into()),
            ],
            body: b"",
        };
        let signed = sign(&request, "YourAccessKeyId", "YourAccessKeySecret");
        assert_eq!(
            signed.canonical_request,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signed.string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed.signature,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            signed.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;\
             x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn vendor_errors_become_typed_errors() {
        assert!(matches!(
            error_of("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5"),
            SmsError::NumberLimit { .. }
        ));
        assert!(matches!(
            error_of("SignatureDoesNotMatch", ""),
            SmsError::SignatureRefused { .. }
        ));
        assert!(matches!(
            error_of("isv.SMS_TEMPLATE_ILLEGAL", ""),
            SmsError::NotApproved { .. }
        ));
        let other = error_of("isv.MOBILE_NUMBER_ILLEGAL", "13912345678 非法");
        assert!(!other.to_string().contains("13912345678"), "{other}");
    }
}
