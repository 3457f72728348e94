//! Tencent Cloud SMS `SendSms` (API 2021-01-11) with the TC3-HMAC-SHA256 signature.
//!
//! Settings: `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `DIANDAN_SMS_SDK_APP_ID`
//! (the SMS application's SdkAppId), `DIANDAN_SMS_SIGN_NAME`, `DIANDAN_SMS_TEMPLATE_CODE` (the
//! template id), `DIANDAN_SMS_REGION` (default `ap-guangzhou`) and `DIANDAN_SMS_ENDPOINT`
//! (default `https://sms.tencentcloudapi.com`).

use async_trait::async_trait;
use chrono::DateTime;
use serde::Deserialize;

use super::http::{self, host_of};
use super::sign::{hmac_sha256, sha256_hex};
use super::{need, Message, Outgoing, Sms, SmsError, Templates, ENDPOINT_VAR, SIGN_NAME_VAR};

pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
pub const SECRET_ID_VAR: &str = "TENCENTCLOUD_SECRET_ID";
pub const SECRET_KEY_VAR: &str = "TENCENTCLOUD_SECRET_KEY";
pub const APP_ID_VAR: &str = "DIANDAN_SMS_SDK_APP_ID";
pub const REGION_VAR: &str = "DIANDAN_SMS_REGION";
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Every step of a TC3 signature, so tests can compare each with the documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
}

/// Signs a POST of a JSON `payload` to `/` on `host` for `service`, at `timestamp`, with the
/// headers `content-type` and `host` signed.
pub fn sign(
    host: &str,
    service: &str,
    payload: &[u8],
    timestamp: i64,
    secret_id: &str,
    secret_key: &str,
) -> Signed {
    let signed_headers = "content-type;host";
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\n{signed_headers}\n{}",
        sha256_hex(payload)
    );
    let date = DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let key = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let key = hmac_sha256(&key, service.as_bytes());
    let key = hmac_sha256(&key, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    );
    Signed {
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The Tencent Cloud adapter. `Debug` leaves the key out.
#[derive(Clone)]
pub struct Tencent {
    pub endpoint: String,
    pub region: String,
    pub secret_id: String,
    pub secret_key: String,
    pub app_id: String,
    pub sign_name: String,
    pub templates: Templates,
}

impl std::fmt::Debug for Tencent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tencent")
            .field("endpoint", &self.endpoint)
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

impl Tencent {
    pub fn from_lookup(value: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let endpoint = value(ENDPOINT_VAR).unwrap_or_else(|| DEFAULT_ENDPOINT.into());
        host_of(&endpoint).map_err(|e| format!("{ENDPOINT_VAR}: {e}"))?;
        Ok(Self {
            endpoint: endpoint.trim().trim_end_matches('/').to_owned(),
            region: value(REGION_VAR).unwrap_or_else(|| "ap-guangzhou".into()),
            secret_id: need(value, SECRET_ID_VAR, "the Tencent Cloud SecretId for SMS")?,
            secret_key: need(value, SECRET_KEY_VAR, "the Tencent Cloud SecretKey for SMS")?,
            app_id: need(value, APP_ID_VAR, "the SMS application's SdkAppId")?,
            sign_name: need(value, SIGN_NAME_VAR, "the approved SMS sign name (签名)")?,
            templates: Templates::from_lookup(value)?,
        })
    }

    /// The request for `message` at `timestamp`: URL, headers (with the signature) and body.
    pub fn request(&self, message: &Message, timestamp: i64) -> Result<Outgoing, SmsError> {
        // Tencent's template parameters are positional, in the order the template names them.
        let params: Vec<&str> = message.params.iter().map(|(_, v)| v.as_str()).collect();
        let template = self.templates.get(message.template)?;
        let body = serde_json::json!({
            "PhoneNumberSet": [format!("+86{}", message.phone.digits())],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": template,
            "TemplateParamSet": params,
        })
        .to_string()
        .into_bytes();
        let host = host_of(&self.endpoint).map_err(SmsError::Transport)?;
        let signed = sign(
            &host,
            SERVICE,
            &body,
            timestamp,
            &self.secret_id,
            &self.secret_key,
        );
        let headers = vec![
            ("authorization".to_owned(), signed.authorization),
            ("content-type".to_owned(), CONTENT_TYPE.to_owned()),
            ("x-tc-action".to_owned(), ACTION.to_owned()),
            ("x-tc-version".to_owned(), VERSION.to_owned()),
            ("x-tc-timestamp".to_owned(), timestamp.to_string()),
            ("x-tc-region".to_owned(), self.region.clone()),
        ];
        Ok((format!("{}/", self.endpoint), headers, body))
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Reply,
}

#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(rename = "Error")]
    error: Option<Status>,
    #[serde(rename = "SendStatusSet", default)]
    statuses: Vec<Status>,
}

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// Tencent Cloud's error codes (the request's, or the number's in `SendStatusSet`), made common.
pub fn error_of(code: &str, message: &str) -> SmsError {
    let owned = code.to_owned();
    if code.starts_with("AuthFailure.") {
        return SmsError::SignatureRefused { code: owned };
    }
    match code {
        "FailedOperation.TemplateIncorrectOrUnapproved"
        | "FailedOperation.SignatureIncorrectOrUnapproved"
        | "FailedOperation.MissingTemplateToModify"
        | "FailedOperation.MissingSignature" => SmsError::NotApproved { code: owned },
        "LimitExceeded.PhoneNumberDailyLimit"
        | "LimitExceeded.PhoneNumberOneHourLimit"
        | "LimitExceeded.PhoneNumberThirtySecondLimit"
        | "LimitExceeded.PhoneNumberSameContentDailyLimit" => SmsError::NumberLimit { code: owned },
        _ => SmsError::refused(code, message),
    }
}

#[async_trait]
impl Sms for Tencent {
    async fn send(&self, message: &Message) -> Result<(), SmsError> {
        let now = chrono::Utc::now().timestamp();
        let (url, headers, body) = self.request(message, now)?;
        let answer = http::post(url, headers, body).await?;
        let parsed: Envelope = serde_json::from_str(&answer.body).map_err(|_| {
            SmsError::Transport(format!(
                "Tencent Cloud answered {} with no JSON",
                answer.status
            ))
        })?;
        if let Some(e) = parsed.response.error {
            return Err(error_of(&e.code, &e.message));
        }
        match parsed.response.statuses.first() {
            Some(s) if s.code == "Ok" => Ok(()),
            Some(s) => Err(error_of(&s.code, &s.message)),
            None => Err(SmsError::Transport("Tencent Cloud sent no status".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Tencent Cloud's "Signature v3" documentation: CVM
    /// `DescribeInstances` at 1551113065 with the documentation's example keys.
    #[test]
    fn reproduces_the_documented_example() {
        let payload = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        let signed = sign(
            "cvm.tencentcloudapi.com",
            "cvm",
            payload,
            1_551_113_065,
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        );
        assert_eq!(
            signed.canonical_request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            signed.string_to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            signed.signature,
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            signed.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn vendor_errors_become_typed_errors() {
        assert!(matches!(
            error_of("LimitExceeded.PhoneNumberDailyLimit", ""),
            SmsError::NumberLimit { .. }
        ));
        assert!(matches!(
            error_of("AuthFailure.SignatureFailure", ""),
            SmsError::SignatureRefused { .. }
        ));
        assert!(matches!(
            error_of("FailedOperation.TemplateIncorrectOrUnapproved", ""),
            SmsError::NotApproved { .. }
        ));
    }
}
